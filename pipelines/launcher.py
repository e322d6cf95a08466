"""Dagster's default run launcher, plus a health check of the run worker for run monitoring.

A run whose worker dies (kill -9, OOM killer, a reboot) stays STARTED in the run history, and with
`max_concurrent_runs: 1` (pipelines/dagster.yaml) the daemon never launches a queued or scheduled
run again. Dagster's run monitoring fails such runs, but only for launchers that can tell whether
a worker is alive; the `DefaultRunLauncher` cannot. This one launches runs exactly like it and
answers the health check from the worker's process id on this host:

- a run launched by the daemon or the UI: the pid of the "Started process for run" engine event
  that Dagster's run worker writes before the run starts;
- a `kotapintar run` (in process): the `kotapintar/pid` and `kotapintar/host` tags it sets.

A run with no pid, or whose worker lives on another host, is reported RUNNING: it cannot be
judged here and is left to `max_runtime_seconds`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import DefaultRunLauncher
from dagster._core.events import DagsterEventType
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

PID_TAG = "kotapintar/pid"
HOST_TAG = "kotapintar/host"
# A process that started this long after its pid was recorded is another process with a reused
# pid (the clock-tick resolution of /proc and the event timestamps differ by well under this).
PID_REUSE_SLACK_SECONDS = 5.0


def worker_tags() -> dict[str, str]:
    """Tags for a run executed in this process, so the health check can find its worker."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


class MonitoredRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` that run monitoring can ask whether a run's worker is alive."""

    @classmethod
    def from_config_value(
        cls, inst_data: Any, config_value: Mapping[str, Any]
    ) -> MonitoredRunLauncher:
        return cls(inst_data=inst_data)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """RUNNING while the worker process lives (or cannot be judged), FAILED once it is gone."""
        found = self._worker_pid(run)
        if found is None:
            return CheckRunHealthResult(
                WorkerStatus.RUNNING, "no worker pid on this host; left to max_runtime_seconds"
            )
        pid, recorded_at = found
        if process_alive(pid, recorded_at):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"worker pid {pid} is alive")
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"the run worker (pid {pid} on {socket.gethostname()}) is gone: killed or crashed "
            "without recording the end of the run",
        )

    def _worker_pid(self, run: DagsterRun) -> tuple[int, float] | None:
        """The worker's pid and when it was recorded, or None when it is unknown here."""
        if PID_TAG in run.tags:
            if run.tags.get(HOST_TAG) != socket.gethostname():
                return None
            record = self._instance.get_run_record_by_id(run.run_id)
            created = record.create_timestamp.timestamp() if record else 0.0
            return _int(run.tags[PID_TAG]), created
        # Launched runs: Dagster's run worker reports its pid as it starts. The daemon launches
        # through code servers it starts itself on this host (workspace.yaml: python_module).
        for entry in self._instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
            data = entry.dagster_event.engine_event_data if entry.dagster_event else None
            pid = data.metadata.get("pid") if data else None
            if pid is not None and "Started process for run" in (entry.message or ""):
                return _int(getattr(pid, "value", pid)), entry.timestamp
        return None


def _int(text: Any) -> int:
    try:
        return int(str(text))
    except ValueError:
        return -1


def process_alive(pid: int, recorded_at: float = 0.0) -> bool:
    """Whether `pid` is a live process that is not a zombie and was started by `recorded_at`."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user
    stat = _proc_stat(pid)
    if stat is None:  # no /proc (macOS): the signal check is all we have
        return True
    state, started = stat
    # A killed worker is a zombie until its parent reaps it: dead for our purpose.
    if state in ("Z", "X"):
        return False
    return not (recorded_at and started > recorded_at + PID_REUSE_SLACK_SECONDS)


def _proc_stat(pid: int) -> tuple[str, float] | None:
    """(state, start time as a Unix timestamp) from /proc, or None where there is no /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = raw[raw.rindex(")") + 2 :].split()
    ticks = float(fields[19])  # field 22 of the whole line: starttime in clock ticks since boot
    return fields[0], boot + ticks / os.sysconf("SC_CLK_TCK")
