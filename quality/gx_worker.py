"""Great Expectations in a process of its own, so that its import overlaps the start of a run.

`import great_expectations` is ~1.5 s of Python. On a thread (gx_runtime.warming_up) it cannot
run beside the rest of the run's start (Dagster's import, the definitions, the run's creation):
both hold the interpreter lock. A night where one source of 200 changed waited for it in full.
`start()` spawns a child process that imports GX at once, on the other core (or `adopt()` takes
a child forked by `kotapintar run` for its nothing-new check, pipelines/check_ahead.py, which
goes on as the worker via `serve_here`); `run(function, ...)` then calls a module-level function
there (arguments and result pickled over a pipe: a 10,000-row frame costs ~1 ms) and validation
also runs beside the parse thread of the sources step instead of taking turns with it for the
interpreter lock.

Without a started worker, or once it is gone (killed, out of memory), `run` calls the function in
this process, as before: the functions are pure (a frame and rules in, a verdict out), so calling
again here changes no result, only the time. Only the CLI's `kotapintar run` starts one (the
sources step works the same either way); it is stopped when the run ends, and exits by itself
when this process does (its end of the pipe closes).

The child ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and the parent
alone decides what an interrupt means for the run (pipelines/cli.py).
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from multiprocessing.connection import Connection
from typing import Any, NoReturn, TypeVar

from quality import gx_runtime

log = logging.getLogger("kotapintar")
T = TypeVar("T")

_LOCK = threading.Lock()  # one call at a time on the pipe
_worker: _Worker | None = None


class _Worker:
    """The child process and this side's ends of its two pipes."""

    def __init__(self, process, requests: Connection, answers: Connection) -> None:
        self.process = process  # a Popen, or _Forked: what `stop` and `run` use of it
        self.requests = requests
        self.answers = answers

    @classmethod
    def spawned(cls) -> _Worker:
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        try:
            # -P: not the working directory first on sys.path, whose own `quality` folder
            # would otherwise be imported in place of ours.
            command = [
                *(sys.executable, "-P", "-m", __name__),
                *(str(to_child_read), str(from_child_write)),
            ]
            process = subprocess.Popen(
                command,
                pass_fds=(to_child_read, from_child_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # GX prints nothing we want; errors come back pickled
            )
        except BaseException:
            for fd in (to_child_write, from_child_read):
                os.close(fd)
            raise
        finally:
            os.close(to_child_read)
            os.close(from_child_write)
        return cls(process, *_parent_ends(to_child_write, from_child_read))

    def call(self, function: Callable[..., T], args: tuple, kwargs: dict) -> T:
        self.requests.send((function, args, kwargs))
        status, value = self.answers.recv()
        if status == "error":
            raise value
        return value

    def stop(self) -> None:
        """Close the pipes (an idle child leaves at once) and reap it, so that its time and
        memory count in this process's resource usage (bench/whole_proc.py). A child still
        importing GX would only see the closed pipe after it: it is terminated instead."""
        for connection in (self.requests, self.answers):
            connection.close()
        try:
            self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start() -> bool:
    """Start the worker (once per process); False, with the reason logged, if it cannot start:
    validation then runs in this process."""
    global _worker
    with _LOCK:
        if _worker is not None:
            return True
        try:
            _worker = _Worker.spawned()
        except OSError as exc:
            log.warning(f"validation runs in this process: the GX worker did not start ({exc})")
            return False
    return True


def adopt(pid: int, requests_fd: int, answers_fd: int) -> bool:
    """Take a forked child that serves calls on these pipes (`serve_here` in it) as the worker
    (pipelines/check_ahead.py: the child that checked for nothing new goes on as the worker,
    with pandas and the rest already imported). False, with the child ended, when a worker
    runs already."""
    global _worker
    worker = _Worker(_Forked(pid), *_parent_ends(requests_fd, answers_fd))
    with _LOCK:
        if _worker is None:
            _worker = worker
            return True
    worker.stop()
    return False


def serve_here(requests_fd: int, answers_fd: int) -> NoReturn:
    """Become the worker: in a child forked from the run's process, which must end here."""
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), sys.stdout.fileno())  # as the spawned worker's stdout
    _serve_until_eof(requests_fd, answers_fd)


def _parent_ends(requests_fd: int, answers_fd: int) -> tuple[Connection, Connection]:
    return Connection(requests_fd, readable=False), Connection(answers_fd, writable=False)


class _Forked:
    """A forked child's pid, with what _Worker uses of a Popen."""

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"GX worker {self.pid}", timeout)
            time.sleep(0.005)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def stop() -> None:
    """Stop the worker if one runs; later calls of `run` run here."""
    global _worker
    with _LOCK:
        worker, _worker = _worker, None
    if worker is not None:
        worker.stop()


atexit.register(stop)  # a worker this process started is reaped before it exits


def running() -> bool:
    return _worker is not None


def pid() -> int | None:
    """The worker's process id, None when validation runs in this process."""
    worker = _worker
    return worker.process.pid if worker is not None else None


def warming_up(*, in_process: bool = False) -> AbstractContextManager:
    """Around work that comes before a validation: GX set up meanwhile, in the worker when one
    runs (nothing to do here), else on a thread of this process (gx_runtime.warming_up).

    `in_process`: what follows is big (a file of many MiB), and validates here: the worker is
    stopped first. Its ~190 MiB (Python, pandas, GX) would otherwise be held beside this
    process's own peak on that data, which sets the run's memory: the 1M-row CSV run peaked at
    ~760 MiB for the two processes against ~540 MiB validating here. Its ~1.5 s of overlap
    is a small share of such a run."""
    if in_process and running():
        log.info("validation continues in this process for a big source (the GX worker's memory)")
        stop()
    return nullcontext() if running() else gx_runtime.warming_up()


def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` in the worker when one runs, else here. `function` must be
    defined at a module's top level; an exception it raises there is raised here (as a
    RuntimeError with its text when it cannot be pickled)."""
    global _worker
    with _LOCK:
        worker = _worker
        if worker is not None:
            try:
                return worker.call(function, args, kwargs)
            except (EOFError, OSError) as exc:
                _worker = None
                code = worker.process.poll()
                log.warning(
                    "the GX worker process ended"
                    + (f" (exit code {code})" if code is not None else f" ({exc})")
                    + "; validating in this process from now on"
                )
                worker.stop()
    return function(*args, **kwargs)


def _serve(requests: Connection, answers: Connection) -> None:
    """The child's loop: import GX, then answer calls until the parent closes the pipe."""
    try:
        gx_runtime.warm_up()
    except Exception:  # the first call sets GX up again and reports its own error
        logging.getLogger(__name__).debug("GX warm-up failed", exc_info=True)
    while True:
        try:
            function, args, kwargs = requests.recv()
        except EOFError:
            return
        try:
            answer = ("ok", function(*args, **kwargs))
        except Exception as exc:
            answer = ("error", _portable(exc))
        try:
            answers.send(answer)
        except Exception as exc:  # the result does not pickle: say so instead
            answers.send(("error", RuntimeError(f"GX worker: the result did not pickle: {exc}")))


def _without_sql() -> None:
    """Make `import sqlalchemy` fail in the worker, as in a GX installed without its SQL extra
    (sqlalchemy is optional to GX; Dagster's storage brings it here): GX then leaves out its
    SQL datasources and metrics (~0.25 s of its import). The worker validates pandas frames
    only; tests/test_gx_worker.py holds its verdicts equal to the run's own process's."""
    if "sqlalchemy" not in sys.modules:
        sys.modules["sqlalchemy"] = None  # an ImportError for every `import sqlalchemy...`


def _portable(exc: Exception) -> Exception:
    """`exc`, or a RuntimeError with its text when it would not survive the pipe (an exception
    class whose constructor takes other arguments than its `args` cannot be unpickled)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _serve_until_eof(requests_fd: int, answers_fd: int) -> NoReturn:
    """The worker process, spawned or forked: serve the calls that come on `requests_fd` until
    the parent closes it, then leave."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _without_sql()
    # As pipelines/__init__.py does for the run: GX's import makes ~10^6 objects, few garbage.
    gc.set_threshold(100_000, 50, 100)
    # As the run's own process (pipelines/cli.py): GX's warnings are not the run's progress.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    _serve(Connection(requests_fd, writable=False), Connection(answers_fd, readable=False))
    sys.stdout.flush()
    # Nothing to finalise: leaving at once spares the teardown of GX's modules (~1.5 s).
    os._exit(0)


if __name__ == "__main__":
    _serve_until_eof(int(sys.argv[1]), int(sys.argv[2]))
