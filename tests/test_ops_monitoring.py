"""A killed run does not stay STARTED: run monitoring (pipelines/dagster.yaml) marks it failed.

With `max_concurrent_runs: 1` a run left STARTED by a dead worker would block every queued and
scheduled run for good. The instance here is built from pipelines/dagster.yaml, and the daemon's
run-monitoring iteration is called directly (the daemon runs it every `poll_interval_seconds`).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.events import EngineEventData
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter
from dagster._core.test_utils import create_run_for_test
from dagster._daemon.monitoring.run_monitoring import execute_run_monitoring_iteration

from pipelines.cli import execute_marked
from pipelines.launcher import MonitoredRunLauncher, process_alive, worker_tags

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_YAML = ROOT / "pipelines" / "dagster.yaml"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A DAGSTER_HOME with the project's dagster.yaml, as `make run` / `make ui` set it up."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def instance(home):
    instance = dg.DagsterInstance.get()  # from $DAGSTER_HOME/dagster.yaml
    yield instance
    instance.dispose()


class _Workspace:
    """What the monitoring iteration needs of the daemon's workspace: the instance (resuming a
    run would need a code location, and `max_resume_run_attempts: 0` never resumes)."""

    def __init__(self, instance):
        self.instance = instance

    def create_request_context(self):
        return None


def _monitor(instance) -> None:
    errors = list(execute_run_monitoring_iteration(_Workspace(instance), logging.getLogger("t")))
    assert [e for e in errors if e is not None] == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_instance_yaml_turns_on_run_monitoring(home):
    settings = yaml.safe_load(INSTANCE_YAML.read_text())
    assert settings["run_queue"]["max_concurrent_runs"] == 1
    instance = dg.DagsterInstance.get()
    assert instance.run_monitoring_enabled
    assert isinstance(instance.run_launcher, MonitoredRunLauncher)
    assert instance.run_launcher.supports_check_run_worker_health
    # The default launcher cannot resume a run; any other value makes Dagster refuse the yaml.
    assert instance.run_monitoring_max_resume_run_attempts == 0
    assert 0 < instance.run_monitoring_poll_interval_seconds <= 60
    assert 0 < instance.run_monitoring_start_timeout_seconds <= 600
    assert 0 < instance.run_monitoring_cancel_timeout_seconds <= 600
    assert instance.run_monitoring_max_runtime_seconds > 3600


def _started(instance, tags=None):
    return create_run_for_test(instance, status=DagsterRunStatus.STARTED, tags=tags)


def _status(instance, run) -> DagsterRunStatus:
    return instance.get_run_by_id(run.run_id).status


def test_launched_run_whose_worker_died_is_failed(instance):
    # What the daemon's run worker records before it starts the run (dagster/_grpc/impl.py).
    dead, alive, unknown = _started(instance), _started(instance), _started(instance)
    for run, pid in ((dead, _dead_pid()), (alive, os.getpid())):
        instance.report_engine_event(
            f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid)
        )
    _monitor(instance)
    assert _status(instance, dead) == DagsterRunStatus.FAILURE
    assert _status(instance, alive) == DagsterRunStatus.STARTED
    # No pid to judge by: left to max_runtime_seconds, never failed on a guess.
    assert _status(instance, unknown) == DagsterRunStatus.STARTED


def test_worker_on_another_host_is_not_judged(instance):
    run = _started(instance, {**worker_tags(), "kotapintar/host": "elsewhere"})
    _monitor(instance)
    assert _status(instance, run) == DagsterRunStatus.STARTED


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="no /proc: no start times")
def test_a_reused_pid_is_not_mistaken_for_the_worker():
    assert process_alive(os.getpid(), recorded_at=time.time())
    # Recorded long before this process started: the pid now belongs to someone else.
    assert not process_alive(os.getpid(), recorded_at=1.0)


SLOW_RUN = textwrap.dedent(
    """
    import time
    import dagster as dg
    from pipelines.cli import execute_marked

    @dg.op
    def slow():
        time.sleep(60)

    @dg.job
    def nightly():
        slow()

    execute_marked(nightly, dg.DagsterInstance.get())
    """
)


def _start_slow_run(instance, home: Path):
    """A `kotapintar run`-like process (execute_marked) inside its step; (process, run id)."""
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    worker = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and worker.poll() is None:
        runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
        if runs and _step_started(instance, runs[0].run_id):
            return worker, runs[0].run_id
        time.sleep(0.2)
    worker.kill()
    pytest.fail("the run did not start within 45 s")


def _step_started(instance, run_id: str) -> bool:
    events = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    return bool(events)


def test_kill_9_of_kotapintar_run_is_failed_by_the_monitoring(instance, home):
    worker, run_id = _start_slow_run(instance, home)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED  # the bug
    _monitor(instance)
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
    # Nothing in progress: the queue (max_concurrent_runs: 1) can launch the next run.
    in_progress = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING]
    assert instance.get_runs(RunsFilter(statuses=in_progress)) == []


def test_sigterm_of_kotapintar_run_fails_the_run_at_once(instance, home):
    worker, run_id = _start_slow_run(instance, home)
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE


class _InterruptedJob:
    """A job whose execution is interrupted after its run started, outside Dagster's handler."""

    def __init__(self, instance):
        self.instance = instance

    def execute_in_process(self, *, run_id, tags, **_):
        create_run_for_test(
            self.instance, run_id=run_id, status=DagsterRunStatus.STARTED, tags=tags
        )
        raise KeyboardInterrupt


def test_interrupt_dagster_did_not_catch_still_fails_the_run(instance):
    with pytest.raises(KeyboardInterrupt):
        execute_marked(_InterruptedJob(instance), instance)
    [run] = instance.get_runs()
    assert run.status == DagsterRunStatus.FAILURE
    assert run.tags["kotapintar/pid"] == str(os.getpid())
