"""The production instance (deploy/dagster.yaml) on a real PostgreSQL server: the schedule ticks,
its run goes through the run queue and the launcher and succeeds, a `kotapintar run` at the same
time takes its turn, and the schedule's on/off state outlives a restart.

The server is a throwaway cluster (tests/postgres_server.py); without the server binaries the
tests are skipped with the reason. The daemon's own iterations (scheduler, run queue, run
monitoring) are called directly, at a chosen time, instead of waiting for 01:00 WIB.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType, TickStatus
from dagster._core.storage.dagster_run import RunsFilter
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.monitoring.run_monitoring import execute_run_monitoring_iteration
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)
from dagster._scheduler.scheduler import launch_scheduled_runs

from sources.catalog import DEFAULT_CATALOG_DIR
from tests.postgres_server import Cluster, missing_reason

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = ROOT / "deploy" / "workspace.yaml"
SCHEDULE = "nightly_refresh_schedule"
SMALL = ["dinkes_faskes", "diskopindag_umkm", "dishub_angkutan"]
WIB = ZoneInfo("Asia/Jakarta")
log = logging.getLogger("test_postgres_instance")


@pytest.fixture(scope="module")
def pg_server():
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def deployment(pg_server, tmp_path_factory):
    """The environment of the compose services: DAGSTER_HOME with deploy/dagster.yaml, the
    DAGSTER_PG_* variables, and a small catalog over a data folder of its own."""
    root = tmp_path_factory.mktemp("deployment")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    catalog = root / "catalog"
    catalog.mkdir()
    for name in SMALL:
        shutil.copy(DEFAULT_CATALOG_DIR / f"{name}.yaml", catalog)
    env = {
        **pg_server.env(),
        "DAGSTER_HOME": str(home),
        "KOTAPINTAR_CATALOG": str(catalog),
        "KOTAPINTAR_DATA_DIR": str(root / "data"),
        "KOTAPINTAR_WAREHOUSE": str(root / "warehouse" / "kotapintar.duckdb"),
        "KOTAPINTAR_OFFLINE": "1",
    }
    # The code server and the run workers the workspace starts inherit this environment.
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield env, root


@pytest.fixture
def instance(deployment):
    """A fresh instance from the yaml, as the webserver or the daemon builds it when it starts
    (each test's is a restart)."""
    instance = dg.DagsterInstance.from_config(deployment[0]["DAGSTER_HOME"])
    yield instance
    instance.dispose()


def _next_tick(after: dt.datetime) -> dt.datetime:
    """The nightly schedule's next tick (01:00 WIB) after `after`."""
    local = after.astimezone(WIB)
    tick = local.replace(hour=1, minute=0, second=0, microsecond=0)
    if tick <= local:
        tick += dt.timedelta(days=1)
    return tick.astimezone(dt.UTC)


def _scheduler_iteration(context, at: dt.datetime) -> None:
    errors = [
        e for e in launch_scheduled_runs(context, log, at, iteration_times={}) if e is not None
    ]
    assert errors == []


def _dequeue(context) -> None:
    errors = [e for e in QueuedRunCoordinatorDaemon(5).run_iteration(context) if e is not None]
    assert errors == []


def _wait_finished(instance, run_id: str, seconds: float = 300) -> dg.DagsterRun:
    deadline = time.monotonic() + seconds
    while True:
        run = instance.get_run_by_id(run_id)
        if run.is_finished:
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run.status} after {seconds} s"
        time.sleep(0.5)


def _scheduled_runs(instance) -> list[dg.DagsterRun]:
    return instance.get_runs(RunsFilter(tags={"dagster/schedule_name": SCHEDULE}))


def test_the_production_instance_keeps_everything_in_postgres(instance):
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    from pipelines.launcher import MonitoredRunLauncher

    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    assert isinstance(instance.run_launcher, MonitoredRunLauncher)
    assert instance.run_monitoring_enabled


def test_schedule_tick_runs_the_nightly_job_while_a_cli_run_takes_its_turn(
    deployment, instance, pg_server
):
    env, root = deployment
    with WorkspaceProcessContext(instance, WorkspaceFileTarget([str(WORKSPACE)])) as context:
        now = dt.datetime.now(dt.UTC)
        _scheduler_iteration(context, now)  # first sight: the schedule's state, no tick due
        assert _scheduled_runs(instance) == []
        tick_time = _next_tick(now)
        _scheduler_iteration(context, tick_time + dt.timedelta(minutes=1))
        (run,) = _scheduled_runs(instance)
        assert run.job_name == "nightly_refresh"
        assert run.status == dg.DagsterRunStatus.QUEUED  # the run queue, not straight to launch
        _dequeue(context)  # the daemon's run queue hands it to the launcher
        # Meanwhile someone runs the pipeline by hand on the same data folder.
        cli_log = root / "cli.log"
        with cli_log.open("w") as out:
            cli = subprocess.Popen(
                # Forced: if it finds nothing new after the scheduled run it would record no
                # run (pipelines/quiet_night.py); here both must take turns on the database.
                [sys.executable, "-m", "pipelines.cli", "run", "--force"],
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 120
            while instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTING:
                assert time.monotonic() < deadline, "the launched run never started"
                time.sleep(0.2)
            # Run monitoring finds the launched worker alive (pipelines/launcher.py).
            assert [e for e in execute_run_monitoring_iteration(context, log) if e] == []
            finished = _wait_finished(instance, run.run_id)
        finally:
            code = cli.wait(timeout=300)
    cli_text = cli_log.read_text()
    assert finished.status == dg.DagsterRunStatus.SUCCESS, _errors(instance, run.run_id)
    assert code == 0, cli_text
    assert "Could not set lock on file" not in cli_text
    # The tick, the run and its events are rows in PostgreSQL.
    (state,) = _schedule_states(instance)
    (tick,) = instance.get_ticks(state.instigator_origin_id, state.selector_id)
    assert tick.status == TickStatus.SUCCESS and tick.run_ids == [run.run_id]
    with pg_server.connect() as con, con.cursor() as cur:
        cur.execute("SELECT status FROM runs WHERE run_id = %s", [run.run_id])
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", [run.run_id])
        assert cur.fetchone()[0] > 10
        cur.execute("SELECT count(*) FROM runs")
        assert cur.fetchone()[0] == 2  # the scheduled run and the CLI run
    assert Path(env["KOTAPINTAR_WAREHOUSE"]).is_file()


def _schedule_states(instance):
    return [
        s
        for s in instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
        if s.instigator_name == SCHEDULE
    ]


def _errors(instance, run_id: str) -> str:
    return "\n".join(
        e.message for e in instance.all_logs(run_id) if e.level >= logging.ERROR and e.message
    )


def test_schedule_stopped_stays_stopped_after_a_restart(deployment):
    env = deployment[0]
    # The operator's way (README): the CLI against the production instance.
    stop = subprocess.run(
        [sys.executable, "-m", "dagster", "schedule", "stop", SCHEDULE, "-w", str(WORKSPACE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert stop.returncode == 0, stop.stderr
    # A restarted webserver or daemon builds its instance anew from the same database.
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        (state,) = _schedule_states(instance)
        assert state.status == InstigatorStatus.STOPPED
        before = len(_scheduled_runs(instance))
        with WorkspaceProcessContext(instance, WorkspaceFileTarget([str(WORKSPACE)])) as context:
            later = _next_tick(dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
            _scheduler_iteration(context, later + dt.timedelta(minutes=1))
            assert len(_scheduled_runs(instance)) == before  # no tick while stopped
            # And on again (the UI's Automation page does the same).
            (remote,) = _remote_schedules(context)
            instance.start_schedule(remote)
        (state,) = _schedule_states(instance)
        assert state.status == InstigatorStatus.RUNNING
    finally:
        instance.dispose()


def _remote_schedules(context) -> list:
    request = context.create_request_context()
    return [
        schedule
        for name in request.get_code_location_entries()
        for repo in request.get_code_location(name).get_repositories().values()
        for schedule in repo.get_schedules()
        if schedule.name == SCHEDULE
    ]
