"""The nothing-new check of `kotapintar run` (pipelines/quiet_night.py) in a forked child, while
this process imports what a run needs.

On a night when something changed, the check (~0.5 s at 200 sources: every file hashed, the
work database read) and the imports of Dagster, its storage and the assets (~1.5 s) ran one
after the other on one core. Now the check runs in a child forked before those imports and
hands its verdict back over a pipe, and this process imports meanwhile: the one-changed night
of 200 sources starts its Dagster run ~0.5 s sooner. A quiet night is not made slower by the
imports it does not need: a thread waits for the verdict and hands a quiet one to `on_quiet`
at once, which prints the summary and leaves the process (`kotapintar run` only: a caller of
main() in its own process, e.g. a test, gets the verdict after the imports).

The child only reads (and refreshes landing manifests, as the check always did); the run lock
it holds is released when it exits, before the job takes it. The check runs in this process
instead where fork cannot be used safely: no os.fork, or other threads already running (a
forked child would inherit their locks held). A child that dies without a verdict (killed,
out of memory) costs the check again, here.
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
        sys.stdout.flush()  # or the child's copy of the buffer is written twice
        sys.stderr.flush()
        child = os.fork()
        if child == 0:  # the child: check, send, leave (no atexit handler of the parent runs)
            reading.close()
            _check_in_child(self.settings, writing)
        writing.close()
        self._waiter = threading.Thread(
            target=self._wait_for, args=(child, reading), name="kotapintar-check", daemon=True
        )
        self._waiter.start()

    def verdict(self) -> quiet_night.Verdict:
        """The verdict, or the check's exception raised here, as quiet_night.check would."""
        self._done.wait()
        kind, value = self._outcome
        if kind == "error":
            raise value
        return value

    def _wait_for(self, child: int, reading: Connection) -> None:
        try:
            outcome = pickle.loads(reading.recv_bytes())
        except Exception:  # no verdict (EOF), or one that does not unpickle here
            outcome = None
        finally:
            reading.close()
            os.waitpid(child, 0)
        if outcome is None:  # the child died without a verdict: check here
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


def _check_in_child(settings: Settings, writing: Connection) -> None:
    """The check in the forked child; its outcome (an exception as itself when it pickles,
    else as its traceback) to the parent; then the child's end, whatever happened."""
    code = 0
    try:
        outcome = _outcome_of_check(settings)
        try:
            data = pickle.dumps(outcome)
        except Exception:
            text = "".join(traceback.format_exception(outcome[1])).strip()
            data = pickle.dumps(("error", RuntimeError(f"the nothing-new check failed:\n{text}")))
        writing.send_bytes(data)
    except BaseException:  # Ctrl-C (the parent gets its own), a closed pipe: leave quietly
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
