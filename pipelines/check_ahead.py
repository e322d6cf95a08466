"""The nothing-new check of `kotapintar run` (pipelines/quiet_night.py) in a forked child, while
this process imports what a run needs; the child then goes on as the GX worker.

On a night when something changed, the check (~0.5 s at 200 sources: every file hashed, the
work database read) and the imports of Dagster, its storage and the assets (~1.5 s) ran one
after the other on one core, and the GX worker (quality/gx_worker.py), spawned after the check,
imported Python, pandas and GX anew (~1.8 s) on the other. Now the check runs in a child forked
before those imports and hands its verdict back over a pipe, while this process imports; when
the job is to run, the child imports GX (pandas and the rest it has from the fork) and serves
as the worker, ready ~0.5 s sooner for the first validation. A quiet night is not made slower
by the imports it does not need: a thread waits for the verdict and hands a quiet one to
`on_verdict` at once, which prints the summary and leaves the process (`kotapintar run` only:
a caller of main() in its own process, e.g. a test, gets the verdict after the imports).

The child only reads (and refreshes landing manifests, as the check always did); the run lock
it holds is released before it sends the verdict, so before the job takes it. The check runs
in this process instead where fork cannot be used safely: no os.fork, or other threads already
running (a forked child would inherit their locks held). A child that dies without a verdict
(killed, out of memory) costs the check again, here, and the worker is spawned as before.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe

from pipelines import quiet_night
from pipelines.settings import Settings
from quality import gx_worker

INTERRUPTED = 130  # the child's exit code after Ctrl-C, as a shell reports SIGINT


class CheckAhead:
    """The check started ahead (`start`); `verdict()` waits for it."""

    def __init__(self, settings: Settings, on_verdict: Callable[[quiet_night.Verdict], None]):
        self.settings = settings
        self.on_verdict = on_verdict
        self._done = threading.Event()
        self._outcome: tuple[str, object] | None = None
        self._waiter: threading.Thread | None = None

    def start(self) -> None:
        if not hasattr(os, "fork") or threading.active_count() > 1:
            self._finish(_outcome_of_check(self.settings))
            return
        reading, writing = Pipe(duplex=False)
        requests_read, requests_write = os.pipe()  # the GX worker's, should the child become it
        answers_read, answers_write = os.pipe()
        sys.stdout.flush()  # or the child's copy of the buffer is written twice
        sys.stderr.flush()
        child = os.fork()
        if child == 0:  # the child: check, send, serve as the GX worker or leave
            reading.close()
            os.close(requests_write)
            os.close(answers_read)
            _check_in_child(self.settings, writing, (requests_read, answers_write))
        writing.close()
        os.close(requests_read)
        os.close(answers_write)
        worker = (requests_write, answers_read)
        self._waiter = threading.Thread(
            target=self._wait_for, args=(child, reading, worker), name="kotapintar-check",
            daemon=True,
        )  # fmt: skip
        self._waiter.start()

    def verdict(self) -> quiet_night.Verdict:
        """The verdict, or the check's exception raised here, as quiet_night.check would."""
        self._done.wait()
        kind, value = self._outcome
        if kind == "error":
            raise value
        return value

    def _wait_for(self, child: int, reading: Connection, worker: tuple[int, int]) -> None:
        try:
            outcome = pickle.loads(reading.recv_bytes())
        except Exception:  # no verdict (EOF), or one that does not unpickle here
            outcome = None
        finally:
            reading.close()
        if outcome is not None and _serves_as_worker(outcome):
            gx_worker.adopt(child, *worker)  # the worker's pipes and process are its own now
        else:
            for fd in worker:
                os.close(fd)
            _, status = os.waitpid(child, 0)
            if outcome is None and os.waitstatus_to_exitcode(status) == INTERRUPTED:
                outcome = ("error", KeyboardInterrupt())  # Ctrl-C: as if it came here
        if outcome is None:  # the child died without a verdict (killed): check here
            outcome = _outcome_of_check(self.settings)
        self._finish(outcome)

    def _finish(self, outcome: tuple[str, object]) -> None:
        self._outcome = outcome
        try:
            if outcome[0] == "verdict":
                self.on_verdict(outcome[1])
        except Exception as exc:  # raised where the verdict is asked for, not lost on a thread
            self._outcome = ("error", exc)
        finally:
            self._done.set()


def _outcome_of_check(settings: Settings) -> tuple[str, object]:
    try:
        return ("verdict", quiet_night.check(settings))
    except Exception as exc:  # raised in the caller, where check() would have raised it
        return ("error", exc)


def _serves_as_worker(outcome: tuple[str, object]) -> bool:
    """Whether the child goes on as the GX worker after this outcome: when the job will run."""
    kind, value = outcome
    return kind == "verdict" and value.summary is None


def _check_in_child(settings: Settings, writing: Connection, worker: tuple[int, int]) -> None:
    """The check in the forked child; its outcome (an exception as itself when it pickles,
    else as its traceback) to the parent; then, when the job will run, the GX worker on the
    `worker` pipes (gx_worker.serve_here), else the child's end, whatever happened."""
    code = 0
    try:
        outcome = _outcome_of_check(settings)
        try:
            data = pickle.dumps(outcome)
        except Exception:
            text = "".join(traceback.format_exception(outcome[1])).strip()
            outcome = ("error", RuntimeError(f"the nothing-new check failed:\n{text}"))
            data = pickle.dumps(outcome)
        writing.send_bytes(data)
        writing.close()
        if _serves_as_worker(outcome):
            sys.stdout.flush()
            gx_worker.serve_here(*worker)
    except KeyboardInterrupt:  # Ctrl-C reaches both processes: the parent raises it too
        code = INTERRUPTED
    except BaseException:  # a closed pipe (the parent is gone): leave quietly
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
