"""`kotapintar run` checks it can write its folders before loading anything (exit 2, one line)."""

import dataclasses
import errno
import os
import sys
import types
from pathlib import Path

import pytest

from pipelines import preflight
from pipelines.cli import main
from pipelines.settings import Settings
from sources.catalog import DEFAULT_CATALOG_DIR

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _settings(tmp_path: Path, **changes) -> Settings:
    base = Settings(
        warehouse=tmp_path / "warehouse" / "kotapintar.duckdb",
        data_dir=tmp_path / "data",
        catalog_dir=DEFAULT_CATALOG_DIR,
        offline=True,
    )
    return dataclasses.replace(base, **changes)


def _cli(monkeypatch, settings: Settings) -> int:
    """`kotapintar run` with `settings`; the pipeline itself must never start."""
    monkeypatch.setattr(Settings, "from_env", classmethod(lambda cls: settings))
    stub = types.ModuleType("pipelines.definitions")
    stub.__getattr__ = lambda name: pytest.fail("the run started despite a failed preflight")
    monkeypatch.setitem(sys.modules, "pipelines.definitions", stub)
    return main(["run"])


def test_writable_folders_pass_and_nothing_is_created(tmp_path):
    settings = _settings(tmp_path)
    assert preflight.check(settings) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # judged by the nearest ancestor


def test_data_dir_whose_parent_is_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "oops").write_text("not a folder")
    settings = _settings(tmp_path, data_dir=tmp_path / "oops" / "data")
    assert _cli(monkeypatch, settings) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        f"kotapintar run: the data folder {tmp_path}/oops/data: cannot be created: "
        f"{tmp_path}/oops is a file, not a folder; move {tmp_path}/oops away or choose a path "
        "under a folder, or point KOTAPINTAR_DATA_DIR elsewhere"
    )
    # Exports, workbooks and Data Docs live in the data folder: one cause, said once.
    assert err.splitlines()[1:] == ["kotapintar run: nothing was run."]
    assert "Traceback" not in err


def test_warehouse_folder_that_is_a_file(tmp_path):
    (tmp_path / "warehouse").write_text("not a folder")
    [problem] = preflight.check(_settings(tmp_path))
    assert problem.line() == (
        f"the analyst file {tmp_path}/warehouse: is a file, not a folder; move "
        f"{tmp_path}/warehouse away or choose a path under a folder, or point "
        "KOTAPINTAR_WAREHOUSE elsewhere"
    )


def test_export_dir_under_a_file(tmp_path):
    (tmp_path / "exp").write_text("")
    [problem] = preflight.check(_settings(tmp_path, export_dir=tmp_path / "exp" / "open"))
    assert problem.role == "the export folder's parent"
    assert "KOTAPINTAR_EXPORT_DIR" in problem.fix


def test_warehouse_path_that_is_a_folder(tmp_path):
    (tmp_path / "warehouse" / "kotapintar.duckdb").mkdir(parents=True)
    [problem] = preflight.check(_settings(tmp_path))
    assert problem.what == "is a folder, not a file"


@pytest.mark.skipif(AS_ROOT, reason="running as root: chmod does not stop root from writing")
def test_read_only_data_dir(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o500)
    try:
        assert _cli(monkeypatch, _settings(tmp_path)) == 2
    finally:
        data.chmod(0o700)
    line = capsys.readouterr().err.splitlines()[0]
    assert line.startswith(
        f"kotapintar run: the data folder {data}: cannot write a file there (permission denied); "
        "give "
    )
    assert line.endswith(", or point KOTAPINTAR_DATA_DIR elsewhere")


@pytest.mark.skipif(AS_ROOT, reason="running as root: chmod does not stop root from writing")
def test_read_only_work_database(tmp_path):
    (tmp_path / "data").mkdir()
    work = tmp_path / "data" / "work.duckdb"
    work.write_bytes(b"")
    work.chmod(0o400)
    [problem] = preflight.check(_settings(tmp_path))
    assert (problem.path, problem.what) == (work, "cannot be written (permission denied)")


def test_immutable_file_is_explained(tmp_path, monkeypatch):
    # chattr +i needs CAP_LINUX_IMMUTABLE; what the kernel then answers (EPERM) is simulated.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "work.duckdb").write_bytes(b"")
    real_open = os.open

    def refuse(path, flags, *args):
        if str(path).endswith("work.duckdb"):
            raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(preflight.os, "open", refuse)
    [problem] = preflight.check(_settings(tmp_path))
    work = tmp_path / "data" / "work.duckdb"
    assert problem.what == "cannot be written (operation not permitted: immutable?)"
    assert problem.fix.startswith(f"check `lsattr {work}`, `chattr -i {work}`")


def test_disk_full_while_probing(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(preflight.os, "write", full)
    problems = preflight.check(_settings(tmp_path))
    assert problems[0].what == "cannot write a file there (the disk is full)"
    assert problems[0].fix == "free some space, or point KOTAPINTAR_DATA_DIR elsewhere"
    assert not list(tmp_path.glob(".kotapintar-probe-*"))  # the probe was cleaned up


def test_too_little_free_space(tmp_path):
    problems = preflight.check(_settings(tmp_path), min_free_mb=1 << 40)
    assert problems
    assert problems[0].what.startswith("only ")
    assert problems[0].what.endswith(f"MB free on its disk, the run needs at least {1 << 40} MB")


def test_koreksi_dir_outside_the_data_dir_is_checked(tmp_path):
    (tmp_path / "file").write_text("")
    [problem] = preflight.check(_settings(tmp_path, koreksi_dir=tmp_path / "file" / "koreksi"))
    assert problem.role == "the correction workbooks"


def test_permission_denied_is_explained_even_as_root(tmp_path, monkeypatch):
    # What a read-only folder answers a normal user (the chmod tests above need one).
    def refuse(path, flags, *args):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(preflight.os, "open", refuse)
    problem = preflight.check(_settings(tmp_path))[0]
    assert problem.what == "cannot write a file there (permission denied)"
    assert problem.fix.startswith(f"give {preflight._user()} write access (chmod u+w / chown ")
