"""The GX worker process (quality/gx_worker.py): the same verdicts as validating here, errors that
cross the pipe, and validation here again when the worker is gone."""

from __future__ import annotations

import logging
import os
import pickle

import pandas as pd
import pytest

from quality import gx_worker
from quality.tidy_suite import tidy_rules, validate_frame
from sources.tidy import tidy_frame

REGIONS = ("35.73", "35.73.01")


def _hostile() -> pd.DataFrame:
    """Two clean rows and three that break a rule each (unknown region, null status, a
    duplicated key)."""
    row = {
        "sumber_id": "s",
        "indikator": "ipm",
        "kode_wilayah": "35.73",
        "nilai": 1.0,
        "status": "final",
        "catatan": None,
    }
    rows = [
        {**row, "periode": "2020", "lokasi": "Sheet1!B2"},
        {**row, "periode": "2021", "lokasi": "Sheet1!B3"},
        {**row, "periode": "2022", "kode_wilayah": "99.99", "lokasi": "Sheet1!B4"},
        {**row, "periode": "2023", "status": None, "lokasi": "Sheet1!B5"},
        {**row, "periode": "2021", "lokasi": "Sheet1!B6"},
    ]
    return tidy_frame(rows)


@pytest.fixture
def worker():
    assert gx_worker.start()
    yield
    gx_worker.stop()


def _validate(frame: pd.DataFrame):
    rules = tidy_rules(known_regions=REGIONS, declared_indicators=["ipm"])
    return validate_frame(frame, table="tidy.s", rules=rules)


def _verdict(report) -> list:
    return [
        (f.rule, f.column, f.unexpected_count, f.message, f.sample, list(f.positions))
        for f in report.failures
    ]


def test_the_worker_gives_the_verdicts_of_this_process(worker):
    assert gx_worker.run(os.getpid) != os.getpid()  # the call does run elsewhere
    there = _validate(_hostile())
    gx_worker.stop()
    here = _validate(_hostile())
    assert (there.success, there.evaluated) == (here.success, here.evaluated) == (False, 10)
    assert _verdict(there) == _verdict(here)
    assert {f.rule for f in there.failures} == {"keys_not_null", "kode_wilayah_known", "key_unique"}
    # The GX result crosses as bytes (reading it imports GX), for a failure's Data Docs page.
    assert pickle.loads(there.gx_result).success is False


def test_an_error_in_the_worker_is_raised_here_with_its_text(worker):
    with pytest.raises(ValueError, match="invalid literal for int"):
        gx_worker.run(int, "not a number")
    assert gx_worker.running()  # one failed call does not end the worker


def test_an_exception_that_cannot_cross_the_pipe_keeps_its_text():
    class Odd(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a} and {b}")

    portable = gx_worker._portable(Odd(1, 2))
    assert isinstance(portable, RuntimeError) and str(portable) == "Odd: 1 and 2"


def test_a_killed_worker_leaves_validation_to_this_process(worker, caplog):
    gx_worker._worker.process.kill()
    gx_worker._worker.process.wait()
    with caplog.at_level(logging.WARNING, logger="kotapintar"):
        report = _validate(_hostile())
    assert not report.success and len(report.failures) == 3
    assert "GX worker process ended (exit code -9)" in caplog.text
    assert not gx_worker.running()
    assert gx_worker.run(os.getpid) == os.getpid()


def test_stop_reaps_the_worker():
    assert gx_worker.start()
    process = gx_worker._worker.process
    gx_worker.run(os.getpid)  # answered once GX is set up: the worker is idle now
    gx_worker.stop()
    assert process.returncode == 0 and not gx_worker.running()


def test_a_big_file_stops_the_worker_and_validates_here(worker, monkeypatch):
    """A file over BIG_FILE_BYTES is validated in this process: the worker's memory would sit
    beside this process's peak on it. A small one leaves the worker running."""
    from types import SimpleNamespace

    import assets.source_run as source_run
    from sources.errors import SourceError

    def parse(entry, path):
        raise SourceError(entry.id, str(path), "not parsed in this test")

    monkeypatch.setattr(source_run, "parse_landing", parse)

    def staged(size: int):
        landing = SimpleNamespace(bytes=size, path="x")
        outcome = source_run.SourceOutcome("s", landing=landing)
        entry = SimpleNamespace(id="s")
        return source_run.StagedSource(entry, "m", outcome, load=True, to_parse=True)

    source_run.parse_staged(staged(source_run.BIG_FILE_BYTES))
    assert gx_worker.running()
    source_run.parse_staged(staged(source_run.BIG_FILE_BYTES + 1))
    assert not gx_worker.running()
    assert gx_worker.run(os.getpid) == os.getpid()


def test_a_worker_stopped_while_it_imports_gx_goes_at_once():
    """Stopped before it could read the closed pipe (still importing GX, ~1.5 s): killed, not
    waited for (a big source waits for the stop before its parse)."""
    import signal
    import time

    assert gx_worker.start()
    process = gx_worker._worker.process
    started = time.perf_counter()
    gx_worker.stop()
    assert time.perf_counter() - started < 1.5 and process.returncode == -signal.SIGKILL


def test_the_worker_imports_our_quality_package_from_any_folder(tmp_path, monkeypatch):
    """Started from a folder that has a `quality` package of its own (`python -m` would put
    the working directory first on sys.path): the worker still runs ours."""
    (tmp_path / "quality").mkdir()
    (tmp_path / "quality" / "__init__.py").write_text("raise ImportError('not ours')\n")
    monkeypatch.chdir(tmp_path)
    assert gx_worker.start()
    try:
        assert gx_worker.run(os.getpid) != os.getpid()
    finally:
        gx_worker.stop()
