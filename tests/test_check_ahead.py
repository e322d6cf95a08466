"""The nothing-new check in a forked child while `kotapintar run` imports
(pipelines/check_ahead.py).

Each case runs in a fresh interpreter (tests/fresh_process.py): a test process has threads of
its own (pytest-xdist), where the check rightly runs in-process instead of in a fork. The check
itself is replaced by a stand-in; tests/test_quiet_night.py holds the real one.
"""

import pytest

from tests.fresh_process import printed_by

START = """
import os, threading
from pipelines import check_ahead, quiet_night
parent = os.getpid()

def checked(settings):
{body}

quiet_night.check = checked
seen = []
checking = check_ahead.CheckAhead(None, lambda verdict: seen.append(
    (verdict.reason, threading.current_thread() is threading.main_thread())))
{before}checking.start()
try:
    verdict = checking.verdict()
    print("verdict", verdict.reason, "| seen", seen)
except Exception as exc:
    print("raised", type(exc).__name__, exc)
"""


def run(body: str, before: str = "") -> str:
    return printed_by(START.format(body=body, before=before)).strip()


def test_the_verdict_comes_from_a_forked_child_and_is_handed_over_on_a_thread():
    out = run("    return quiet_night.Verdict(reason='child' if os.getpid() != parent else 'here')")
    assert out == "verdict child | seen [('child', False)]"


def test_the_checks_error_is_raised_where_the_verdict_is_asked_for():
    out = run("    raise TimeoutError('the work database is held by run abc')")
    assert out == "raised TimeoutError the work database is held by run abc"


def test_an_error_that_does_not_pickle_comes_back_with_its_traceback():
    body = "    raise ValueError(lambda: None, 'cannot be pickled')"
    out = run(body)
    assert out.startswith("raised RuntimeError the nothing-new check failed:")
    assert "ValueError" in out and "cannot be pickled" in out


def test_a_child_that_dies_without_a_verdict_costs_the_check_here():
    body = (
        "    if os.getpid() != parent:\n"
        "        os._exit(9)\n"
        "    return quiet_night.Verdict(reason='here')"
    )
    assert run(body) == "verdict here | seen [('here', False)]"


def test_ctrl_c_during_the_check_is_an_interrupt_here_not_a_second_check():
    body = (
        "    if os.getpid() != parent:\n"
        "        raise KeyboardInterrupt\n"
        "    return quiet_night.Verdict(reason='checked again here')"
    )
    code = START.format(body=body, before="").replace(
        "except Exception as exc:", "except BaseException as exc:"
    )
    assert printed_by(code).strip() == "raised KeyboardInterrupt"


@pytest.mark.parametrize("held", [False, True])
def test_with_other_threads_running_the_check_runs_here(held):
    """Forking with other threads could hand the child a lock one of them holds."""
    other = "threading.Thread(target=threading.Event().wait, daemon=True).start()\n"
    out = run(
        "    return quiet_night.Verdict(reason=str(os.getpid() == parent))", other if held else ""
    )
    assert out.startswith(f"verdict {held} | seen [('{held}', {held})]")


WORKER = """
from quality import gx_worker
worker = gx_worker.pid()
print("worker", worker == checked_in[0] if worker else None)
if worker:
    print("served by", gx_worker.run(os.getpid) == worker)
    try:
        gx_worker.run(importlib.import_module, "sqlalchemy")
    except ImportError:
        print("without sql")
    gx_worker.stop()
    print("left", gx_worker._worker is None)
"""


@pytest.mark.parametrize("quiet", [False, True])
def test_the_child_goes_on_as_the_gx_worker_when_the_job_is_to_run(quiet):
    """A quiet verdict ends the child; any other leaves it serving validation calls, with
    GX imported as without its SQL extra (quality/gx_worker.py _without_sql)."""
    summary = "RunSummary(sources=[], snapshot=None, seconds=0.0)" if quiet else "None"
    body = (
        "    from pipelines.summary import RunSummary\n"
        f"    return quiet_night.Verdict(reason=str(os.getpid()), summary={summary})"
    )
    code = "import importlib\n" + START.format(body=body, before="")
    code += "checked_in = [int(verdict.reason)]\n" + WORKER
    lines = printed_by(code).split("\n")
    if quiet:
        assert lines[1] == "worker None"
    else:
        assert lines[1:5] == ["worker True", "served by True", "without sql", "left True"]
