"""One run at a time on the work database, whoever starts it: the UI, the schedule or
`kotapintar run`.

A run opens and closes the work database many times (each step, each source). DuckDB keeps one
writing process per file, so a second run started meanwhile would slip its writes in between the
first one's, or find the file taken and fail with DuckDB's "Could not set lock on file". The run
queue (`max_concurrent_runs: 1` in dagster.yaml) keeps the daemon from starting a second run, but
`kotapintar run` executes in its own process and never asks the queue.

So a run holds an OS lock (`flock`) on `work.duckdb.run-lock`, next to the work database, from its
start to its end. A run that finds it held waits and says for whom, at once, whenever the holder
changes and every `remind_seconds`:

    waiting for run 5f0c… (nightly_refresh, pid 4242 on etl-1, since 01:00:05) to release the
    work database /srv/kotapintar/data/work.duckdb

The kernel drops the lock when the holding process ends, however it ends (kill -9, OOM, a
reboot), so a dead run never blocks the next one. Plain Python: no Dagster here
(assets/resources.py takes the lock for each run).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; the run queue is then the only guard
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".run-lock"
# Six hours is run monitoring's `max_runtime_seconds`: a holder that long is stuck, not busy.
WAIT_LIMIT_SECONDS = 6 * 3600.0
REMIND_SECONDS = 30.0
POLL_SECONDS = 0.25

# (lock file, thread) -> how many times this thread holds it: a run that takes the lock again
# (a nested `with`) must not wait for itself.
_HELD: dict[tuple[str, int], int] = {}


class RunLockTimeout(RuntimeError):
    """Another run held the work database for longer than any run should take."""


@dataclass(frozen=True)
class Holder:
    """Who holds the work database: written into the lock file while held."""

    run_id: str
    job: str
    pid: int
    host: str
    since: float

    def describe(self) -> str:
        started = time.strftime("%H:%M:%S", time.localtime(self.since))
        job = f"{self.job}, " if self.job else ""
        return (
            f"run {self.run_id or '(none)'} ({job}pid {self.pid} on {self.host}, since {started})"
        )


def lock_path(work_path: str | Path) -> Path:
    """The lock file of a work database: `work.duckdb.run-lock` next to it."""
    path = Path(work_path)
    return path.with_name(path.name + SUFFIX)


def current_holder(work_path: str | Path) -> Holder | None:
    """Who holds the work database now, or None (free, or the holder has not said yet)."""
    try:
        return _parse(lock_path(work_path).read_text(encoding="utf-8"))
    except OSError:
        return None


@contextmanager
def hold_work_db(
    work_path: str | Path,
    run_id: str,
    job: str = "",
    *,
    notify: Callable[[str], None] = print,
    remind_seconds: float = REMIND_SECONDS,
    wait_limit_seconds: float = WAIT_LIMIT_SECONDS,
) -> Iterator[Holder]:
    """Hold the work database for one run: wait while another run holds it (telling `notify`
    whom we wait for), then yield this run's `Holder` until the block ends."""
    lock = lock_path(work_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    me = Holder(run_id, job, os.getpid(), socket.gethostname(), time.time())
    key = (str(lock.resolve()), threading.get_ident())
    if key in _HELD or fcntl is None:
        _HELD[key] = _HELD.get(key, 0) + 1
        try:
            yield me
        finally:
            _release_count(key)
        return
    fd, waited = _acquire(lock, Path(work_path), notify, remind_seconds, wait_limit_seconds)
    try:
        me = Holder(run_id, job, me.pid, me.host, time.time())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        if waited:
            notify(f"took the work database {work_path} after waiting {waited:.0f} s")
        _HELD[key] = 1
        try:
            yield me
        finally:
            del _HELD[key]
            os.ftruncate(fd, 0)  # nobody holds it: no stale name for the next waiter to show
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(
    lock: Path,
    work_path: Path,
    notify: Callable[[str], None],
    remind_seconds: float,
    wait_limit_seconds: float,
) -> tuple[int, float]:
    """Open the lock file and take its flock, waiting as long as another process holds it;
    (the open file, seconds waited)."""
    started = time.monotonic()
    told: Holder | None = None
    told_at = 0.0
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o664)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if _same_file(fd, lock):
                    return fd, time.monotonic() - started if told_at else 0.0
                # Someone deleted the lock file meanwhile: a lock on the old one guards nothing.
                fresh = os.open(lock, os.O_RDWR | os.O_CREAT, 0o664)
                os.dup2(fresh, fd)
                os.close(fresh)
                continue
            except BlockingIOError:
                pass
            now = time.monotonic()
            holder = current_holder(work_path)
            # A holder that has just taken the lock may not have written its name yet: give it
            # a moment rather than printing "unknown", but never stay silent past the reminder.
            due = now - told_at >= remind_seconds if told_at else now - started >= 2.0
            if (holder is not None and holder != told) or due:
                who = holder.describe() if holder else "another process (it has not said which run)"
                notify(f"waiting for {who} to release the work database {work_path}")
                told, told_at = holder, now
            if now - started >= wait_limit_seconds:
                who = holder.describe() if holder else "another process"
                pid = f" (`ps -p {holder.pid}` on {holder.host})" if holder else ""
                raise RunLockTimeout(
                    f"Work database {work_path}: still held by {who} after "
                    f"{_duration(wait_limit_seconds)}; no run takes that long. Check that "
                    f"process{pid}, stop it if it hangs, then start this run again. Lock file: "
                    f"{lock}."
                )
            time.sleep(POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds:g} s"


def _release_count(key: tuple[str, int]) -> None:
    _HELD[key] -= 1
    if not _HELD[key]:
        del _HELD[key]


def _parse(text: str) -> Holder | None:
    try:
        data = json.loads(text)
        return Holder(
            str(data["run_id"]),
            str(data.get("job", "")),
            int(data["pid"]),
            str(data["host"]),
            float(data["since"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
