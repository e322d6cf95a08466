"""One run at a time on the work database, whoever launches it (warehouse/run_lock.py): a second
run waits and says for which run, instead of failing on DuckDB's file lock."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from sources.catalog import DEFAULT_CATALOG_DIR
from warehouse.run_lock import (
    Holder,
    RunLockTimeout,
    current_holder,
    hold_work_db,
    lock_path,
)

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["dinkes_faskes", "diskopindag_umkm", "dishub_angkutan"]
DUCKDB_LOCK_ERROR = "Could not set lock on file"


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {seconds:g} s waiting for {what}"
        time.sleep(0.1)


def test_lock_file_sits_next_to_the_work_database(tmp_path):
    assert lock_path(tmp_path / "data" / "work.duckdb") == tmp_path / "data/work.duckdb.run-lock"


def test_holder_is_named_while_held_and_forgotten_after(tmp_path):
    work = tmp_path / "data" / "work.duckdb"
    with hold_work_db(work, "run-1", "nightly_refresh") as me:
        assert current_holder(work) == me
        assert me.run_id == "run-1" and me.pid == os.getpid()
        assert me.describe().startswith(f"run run-1 (nightly_refresh, pid {os.getpid()} on ")
    assert current_holder(work) is None


def test_the_same_thread_may_take_it_again(tmp_path):
    work = tmp_path / "work.duckdb"
    with hold_work_db(work, "run-1"), hold_work_db(work, "run-1", wait_limit_seconds=0.1):
        assert current_holder(work).run_id == "run-1"
    assert current_holder(work) is None


def test_second_run_waits_names_the_holder_and_then_proceeds(tmp_path):
    work = tmp_path / "work.duckdb"
    said: list[str] = []
    got: list[Holder] = []

    def second():
        with hold_work_db(work, "run-2", "nightly_refresh", notify=said.append) as me:
            got.append(me)

    with hold_work_db(work, "run-1", "nightly_refresh") as first:
        waiter = threading.Thread(target=second)
        waiter.start()
        _wait_for(lambda: said, 10, "the waiting message")
        assert not got, "the second run went ahead while the first held the work database"
    waiter.join(10)
    assert got and got[0].run_id == "run-2"
    assert said[0] == f"waiting for {first.describe()} to release the work database {work}"
    assert said[-1].startswith(f"took the work database {work} after waiting ")


def test_a_killed_holder_frees_the_work_database(tmp_path):
    work = tmp_path / "work.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FOREVER, str(work)], cwd=ROOT, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        with (
            pytest.raises(RunLockTimeout),
            hold_work_db(work, "run-2", notify=lambda _: None, wait_limit_seconds=0.3),
        ):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel released the flock with the process: no stale lock to clean up by hand.
    with hold_work_db(work, "run-2", wait_limit_seconds=1.0) as me:
        assert current_holder(work) == me


def test_a_deleted_lock_file_does_not_let_two_runs_in(tmp_path):
    work = tmp_path / "work.duckdb"
    events: list[str] = []

    def run(run_id: str, seconds: float = 0.0) -> threading.Thread:
        def body():
            with hold_work_db(work, run_id, notify=lambda _: None):
                events.append(f"{run_id} in")
                time.sleep(seconds)
                events.append(f"{run_id} out")

        thread = threading.Thread(target=body)
        thread.start()
        return thread

    with hold_work_db(work, "run-1"):
        second = run("run-2")
        time.sleep(0.5)  # run-2 now waits on the file run-1 holds
        lock_path(work).unlink()  # a well-meant clean-up while run-1 holds it
        third = run("run-3", seconds=1.0)  # takes a new lock file at the same path
        _wait_for(lambda: "run-3 in" in events, 10, "run-3 to start")
    # run-1 is done: run-2 gets the deleted file's lock, notices, and waits for run-3.
    second.join(10)
    third.join(10)
    assert events == ["run-3 in", "run-3 out", "run-2 in", "run-2 out"]


HOLD_FOREVER = textwrap.dedent(
    """
    import sys, time
    from warehouse.run_lock import hold_work_db
    with hold_work_db(sys.argv[1], "run-1", "nightly_refresh"):
        print("held", flush=True)
        time.sleep(600)
    """
)


def test_waiting_too_long_fails_naming_the_holder_and_the_fix(tmp_path):
    work = tmp_path / "work.duckdb"
    with hold_work_db(work, "run-1", "nightly_refresh") as first:
        outcome: list[BaseException] = []

        def second():
            try:
                with hold_work_db(work, "run-2", notify=lambda _: None, wait_limit_seconds=0.3):
                    pass
            except RunLockTimeout as exc:
                outcome.append(exc)

        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join(10)
    assert str(outcome[0]) == (
        f"Work database {work}: still held by {first.describe()} after 0.3 s; no run "
        f"takes that long. Check that process (`ps -p {first.pid}` on {first.host}), stop it if "
        f"it hangs, then start this run again. Lock file: {lock_path(work)}."
    )


# Two `kotapintar run` at once on one data folder -----------------------------------------------


def _cli_env(tmp_path: Path) -> dict[str, str]:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for name in SMALL:
        shutil.copy(DEFAULT_CATALOG_DIR / f"{name}.yaml", catalog)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    # The instance exists before the runs, as it does once the UI or the daemon has started:
    # two processes creating Dagster's SQLite tables at once race each other
    # ("table alembic_version already exists"), which is not what this test is about.
    dg.DagsterInstance.from_config(str(home)).dispose()
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "KOTAPINTAR_CATALOG": str(catalog),
        "KOTAPINTAR_DATA_DIR": str(tmp_path / "data"),
        "KOTAPINTAR_WAREHOUSE": str(tmp_path / "analyst" / "kotapintar.duckdb"),
        "KOTAPINTAR_OFFLINE": "1",
    }


def test_two_cli_runs_at_once_take_turns_without_a_lock_error(tmp_path):
    env = _cli_env(tmp_path)
    work = tmp_path / "data" / "work.duckdb"
    outputs = [tmp_path / "first.log", tmp_path / "second.log"]
    # Held here first (as a daemon-launched run would), so both runs surely meet a holder: each
    # must wait, name the holder, and after its release one waits for the other.
    with hold_work_db(work, "held-by-the-test", "nightly_refresh"):
        runs = []
        for out in outputs:
            with out.open("w") as sink:
                runs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "pipelines.cli", "run"],
                        cwd=ROOT,
                        env=env,
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                    )
                )
        try:
            _wait_for(
                lambda: all("waiting for run held-by-the-test" in o.read_text() for o in outputs),
                120,
                "both runs to wait for the test's hold",
            )
        except BaseException:
            for run in runs:
                run.kill()
            raise
    codes = [run.wait(timeout=300) for run in runs]
    texts = [o.read_text() for o in outputs]
    for code, text in zip(codes, texts, strict=True):
        assert code == 0, text
        assert DUCKDB_LOCK_ERROR not in text and "Traceback" not in text, text
        assert "sources ok" in text, text
    # Whichever went second waited for the other by its pid, then went on.
    waited = [
        text
        for text, other in zip(texts, reversed(runs), strict=True)
        if f"pid {other.pid} on " in text
    ]
    assert len(waited) == 1, texts
    assert "took the work database" in waited[0]
    # The UI shows the same: the waiting line is in each run's event log.
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        runs_recorded = instance.get_runs()
        assert len(runs_recorded) == 2
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs_recorded)
        for run in runs_recorded:
            messages = [e.message for e in instance.all_logs(run.run_id)]
            assert any(m.startswith("waiting for run ") for m in messages), messages
    finally:
        instance.dispose()
