"""Issue 11, "nothing lost, nothing leaked": an empty file never wipes published rows, the open
exports follow the analyst file even after a kill, a killed run's temp files are cleaned, the
real cause of a locked database or a full disk is named, and a replaced analyst file keeps its
access."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml

from assets.source_run import environment_problem, unexpected_failure
from sources.catalog import load_entry
from tests.portal_data import TABLES
from tests.test_pipeline import make_settings, run
from warehouse.export import MANIFEST, export_dimensions, export_staleness
from warehouse.published import tidy_row_count
from warehouse.snapshot import open_analyst, publish_snapshot

SOURCE = "dinkes_faskes"

# 1. A header-only file is refused; the last good rows stay. ------------------------------------


def header_only(path: Path) -> None:
    """The agency exported the template: title and header rows (1-4), no data."""
    book = openpyxl.load_workbook(path)
    sheet = book["Faskes 2023"]
    sheet.delete_rows(5, sheet.max_row)
    book.save(path)


def test_a_header_only_workbook_never_replaces_published_rows(local):
    refresh, _, data_file, db = local
    first = refresh("r1")
    assert (first.outcome, first.rows) == ("loaded", 20)
    header_only(data_file)

    empty = refresh("r2")
    assert (empty.outcome, empty.stage, empty.rows, empty.ok) == ("failed", "parse", 20, False)
    assert f"Source `{SOURCE}` ({data_file}, landed as " in empty.message
    assert "the file has no data rows; refused, so its 20 published rows stay" in empty.message
    assert "`quality.may_be_empty: true` in catalog/dinkes_faskes.yaml" in empty.message
    with db() as con:
        assert tidy_row_count(con, SOURCE) == 20
        last = con.execute(
            "SELECT outcome, rows, tahap FROM meta_muat ORDER BY loaded_at DESC LIMIT 1"
        ).fetchall()
    assert last == [("failed", 0, "parse")]
    # Refused again the next night: a failed fetch is never `unchanged`.
    assert refresh("r3").outcome == "failed"


def test_an_empty_first_load_is_refused_unless_the_catalog_allows_it(local):
    refresh, entry_file, data_file, _ = local
    header_only(data_file)
    first = refresh("r1")
    assert first.outcome == "failed"
    assert "the source has no published rows yet" in first.message

    data = yaml.safe_load(entry_file.read_text("utf-8"))
    entry_file.write_text(yaml.safe_dump({**data, "quality": {"may_be_empty": True}}))
    allowed = refresh("r2")
    assert (allowed.outcome, allowed.rows) == ("loaded", 0)


# 2. The open exports are checked against the analyst file, not assumed to follow it. ---------


def _manifest_snapshot(export_dir: Path) -> str:
    return json.loads((export_dir / MANIFEST).read_text("utf-8"))["snapshot_published_at"]


def _published_at(analyst: Path) -> str:
    con = open_analyst(analyst)
    try:
        return con.execute("SELECT max(published_at) FROM kp_snapshot").fetchall()[0][0]
    finally:
        con.close()


def test_a_run_killed_between_snapshot_and_exports_is_repaired_on_a_quiet_night(tmp_path):
    settings = make_settings(tmp_path, [SOURCE])
    assert run(settings).success
    exports = settings.export_path
    assert _manifest_snapshot(exports) == _published_at(settings.warehouse).isoformat()

    # A run published a new analyst file and was killed before the exports' swap.
    publish_snapshot(settings.data_dir / "work.duckdb", settings.warehouse, TABLES)
    assert export_staleness(exports, _published_at(settings.warehouse))

    repaired = run(settings)
    assert {s.outcome for s in repaired.sources} == {"unchanged"}
    assert repaired.success and repaired.snapshot, repaired.render()
    assert "Nothing new" not in repaired.render()
    assert _manifest_snapshot(exports) == _published_at(settings.warehouse).isoformat()

    quiet = run(settings)  # and then the nights are quiet again
    assert quiet.unchanged_since and "Nothing new since" in quiet.render()


def test_export_staleness_names_what_differs(analyst, tmp_path):
    _, analyst_path = analyst
    out = tmp_path / "exports"
    published = _published_at(analyst_path)
    assert "no kp_export.json" in export_staleness(out, published)
    export_dimensions(analyst_path, out, ["smart_people"])
    assert export_staleness(out, published) == ""

    publish_snapshot(analyst[0], analyst_path, TABLES)
    later = _published_at(analyst_path)
    assert "were built from the analyst snapshot of" in export_staleness(out, later)
    export_dimensions(analyst_path, out, ["smart_people"])
    (out / "smart_people.csv").write_text("kode_wilayah\n", encoding="utf-8")
    assert "smart_people.csv is missing or changed" in export_staleness(out, later)


# 4. Temp files of killed runs are removed; a live run's stay. -------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_stale_temp_files_of_killed_runs_are_removed_at_the_next_publish(analyst, tmp_path):
    work, analyst_path = analyst
    folder = analyst_path.parent
    out = folder / "exports"
    dead, live = _dead_pid(), os.getppid()
    planted = {
        f"kotapintar.duckdb.tmp-{dead}": "gone",
        f"kotapintar.duckdb.tmp-{dead}.wal": "gone",
        f".exports.tmp-{dead}": "gone",
        f".exports.tmp-{dead}-spill": "gone",
        f".exports.old-{dead}": "gone",
        f"kotapintar.duckdb.tmp-{live}": "kept",  # a run in progress in another process
        f".exports.tmp-{live}": "kept",
        f".exports.old-{live}.wal": "kept",  # not a name we give
        "kotapintar.duckdb.tmp-abc": "kept",
        f"other.duckdb.tmp-{dead}": "kept",
        f"kotapintar.duckdb.tmp-{live}x": "kept",
    }
    for name in planted:
        if name.startswith(".exports"):
            (folder / name).mkdir()
            (folder / name / "smart_people.csv").write_text("x\n")
        else:
            (folder / name).write_bytes(b"x")
    day_old = time.time() - 2 * 86400
    old_live = folder / f".exports.old-{live}-spill"  # live pid, but two days old: reused pid
    old_live.mkdir()
    os.utime(old_live, (day_old, day_old))

    publish_snapshot(work, analyst_path, TABLES)
    export_dimensions(analyst_path, out, ["smart_people"])

    for name, fate in planted.items():
        assert (folder / name).exists() == (fate == "kept"), name
    assert not old_live.exists()


# 16. A locked work database or a full disk is named, not called a bug. ----------------------


def test_a_locked_work_database_is_named_with_the_holder(tmp_path, local):
    path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); "
         "print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException) as caught:
            duckdb.connect(str(path))
    finally:
        holder.communicate("")
    wrapped = RuntimeError("work database stayed locked")
    wrapped.__cause__ = caught.value  # as warehouse.db's lock wait raises it
    entry = load_entry(local[1], root=tmp_path)

    def no_db():
        raise caught.value

    outcome = unexpected_failure(entry, wrapped, work_db=no_db, muat_id="r:x", seconds=0.1)
    assert outcome.outcome == "failed"
    assert f"the work database {path} is locked by another process (PID {holder.pid})" in (
        outcome.message
    )
    assert "stop that process or wait" in outcome.message
    assert "bug" not in outcome.message


def test_no_space_left_is_named_with_the_place():
    full = OSError(errno.ENOSPC, "No space left on device", "/data/landing/x.part")
    assert environment_problem(full).startswith("no space left on device at /data/landing/x.part")
    duck = duckdb.IOException('IO Error: Could not write file "/data/work.duckdb.wal": No space '
                              "left on device")  # fmt: skip
    assert "at /data/work.duckdb.wal" in environment_problem(duck)
    assert environment_problem(ValueError("a real bug")) is None


# 17. A replaced analyst file (and export) keeps its mode. ------------------------------------


def test_replacing_the_analyst_file_keeps_its_mode(analyst, tmp_path):
    work, analyst_path = analyst
    out = tmp_path / "exports"
    export_dimensions(analyst_path, out, ["smart_people"])
    os.chmod(analyst_path, 0o640)
    os.chmod(out, 0o750)
    os.chmod(out / "smart_people.csv", 0o644)
    previous = os.umask(0o077)
    try:
        publish_snapshot(work, analyst_path, TABLES)
        export_dimensions(analyst_path, out, ["smart_people"])
    finally:
        os.umask(previous)
    assert analyst_path.stat().st_mode & 0o777 == 0o640
    assert out.stat().st_mode & 0o777 == 0o750
    assert (out / "smart_people.csv").stat().st_mode & 0o777 == 0o644


# 18. Why open_analyst() and not a second duckdb.connect(). -----------------------------------


def test_a_second_connect_in_a_process_holding_the_old_file_sees_the_old_snapshot(analyst):
    work, analyst_path = analyst
    held = duckdb.connect(str(analyst_path), read_only=True)
    try:
        before = held.execute("SELECT max(published_at) FROM kp_snapshot").fetchall()[0][0]
        publish_snapshot(work, analyst_path, TABLES)
        second = duckdb.connect(str(analyst_path), read_only=True)
        try:
            stale = second.execute("SELECT max(published_at) FROM kp_snapshot").fetchall()[0][0]
        finally:
            second.close()
        assert stale == before  # DuckDB reused the instance of the old file
        assert _published_at(analyst_path) > before  # open_analyst() sees the new one
    finally:
        held.close()
