"""Whole processes: wall time, CPU time and peak RSS of a command, and where the time of one
`kotapintar run` went according to its own Dagster event log.

`measure` starts the command from a small wrapper that reaps it with `wait4`, whose resource
usage covers the process and every child it waited for: `cpu_seconds` is their user + system
time, `peak_rss_mib` the larger of the largest resident set of any process of the tree (Linux
`ru_maxrss`; at least the wrapper's ~13 MiB, see `measure`) and the largest sum of the tree's
resident sets, sampled every 10 ms (`kotapintar run` validates in a GX worker process beside
it, quality/gx_worker.py: the two hold memory at once). `run_phases` splits the wall time of a run
recorded in a persistent DAGSTER_HOME at its events' timestamps; it needs nothing in the run
itself, so the measured process is the one a user starts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KOTAPINTAR = Path(sys.executable).parent / "kotapintar"
RUN_START = {"PIPELINE_START", "RUN_START"}
RUN_END = {"PIPELINE_SUCCESS", "PIPELINE_FAILURE", "RUN_SUCCESS", "RUN_FAILURE"}
STEP_END = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}


def measure(command: list[str], log: Path, *, env: dict | None = None, cwd: Path | None = None):
    """Run `command` to its end (output to `log`); wall, CPU, peak RSS and the 1-minute load.

    A small wrapper process (this file, `python -I -S`) starts it: a child's `ru_maxrss` starts
    from the size of the process that spawned it (Linux keeps the high-water mark of the memory
    it replaced at exec), so spawning from this benchmark process (Dagster imported, ~200 MiB)
    would lift every small measurement to that. The wrapper is ~13 MiB."""
    load = os.getloadavg()[0]
    result = log.with_name(log.name + ".usage.json")
    wrapper = [sys.executable, "-I", "-S", str(Path(__file__).resolve()), str(result), "--"]
    with log.open("w", encoding="utf-8") as out:
        subprocess.run([*wrapper, *command], env=env, cwd=cwd, stdout=out,
                       stderr=subprocess.STDOUT, check=True)  # fmt: skip
    usage = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    return usage | {"load": round(load, 2), "log": str(log)}


def _wrapped(result: str, command: list[str]) -> None:
    """The wrapper: spawn `command`, reap it, write its usage to `result` (JSON)."""
    env = dict(os.environ)
    started_at, started = time.time(), time.perf_counter()
    if env.get("BENCH_SPAWNED_AT") == "now":  # for bench/whole_stages.py's first phase
        env["BENCH_SPAWNED_AT"] = repr(started_at)
    pid = os.posix_spawnp(command[0], command, env)
    tree = _TreeRss(pid)
    tree.start()
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    tree.done = True
    tree.join()
    single = usage.ru_maxrss / 1024  # KiB on Linux
    document = {
        "exit": os.waitstatus_to_exitcode(status),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        # The run's processes together (the command and its GX worker, quality/gx_worker.py):
        # the larger of the largest single process and their sampled sum.
        "peak_rss_mib": round(max(single, tree.peak_mib), 1),
        "peak_rss_single_mib": round(single, 1),
        "peak_rss_tree_mib": round(tree.peak_mib, 1),
        "started_at": started_at,
        "ended_at": started_at + wall,
    }
    Path(result).write_text(json.dumps(document), encoding="utf-8")


class _TreeRss(threading.Thread):
    """The largest sum of the resident sets of a process and its descendants, sampled every
    SAMPLE_SECONDS from /proc (Linux): `ru_maxrss` only gives the largest single process, and a
    run is two processes at once. A peak shorter than a sample can be missed; the single
    process's exact peak (ru_maxrss) is kept beside it."""

    SAMPLE_SECONDS = 0.01

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.done, self.peak_mib = pid, False, 0.0
        self.page_mib = os.sysconf("SC_PAGE_SIZE") / 2**20

    def run(self) -> None:
        while not self.done:
            pages = sum(
                self._private(pid) if forked else self._resident(pid)
                for pid, forked in self._tree(self.pid)
            )
            self.peak_mib = max(self.peak_mib, pages * self.page_mib)
            time.sleep(self.SAMPLE_SECONDS)

    def _tree(self, pid: int, forked: bool = False) -> list[tuple[int, bool]]:
        """`pid` and its descendants, each with whether it is a child forked and not exec'd
        (its command line is still its parent's): the pages it has from its parent are
        shared with it until written, so only its own count (the nothing-new check,
        pipelines/check_ahead.py; Dagster's `tail` helpers before they exec)."""
        found = [(pid, forked)]
        try:
            command = _command_line(pid)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    for child in map(int, handle.read().split()):
                        found += self._tree(child, _command_line(child) == command)
        except OSError:  # gone meanwhile
            pass
        return found

    @staticmethod
    def _resident(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm") as handle:
                return int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            return 0

    def _private(self, pid: int) -> int:
        """Pages of `pid` no other process shares (smaps_rollup's Private_Clean and
        Private_Dirty)."""
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                kib = sum(int(line.split()[1]) for line in handle if line.startswith("Private_"))
        except (OSError, IndexError, ValueError):
            return 0
        return int(kib / 1024 / self.page_mib)


def _command_line(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read()


def pipeline_env(work: Path, catalog: Path, *, persistent: bool = True) -> dict[str, str]:
    """The environment of `kotapintar run` on `catalog` with every folder under `work`, and
    (persistent) a DAGSTER_HOME with the instance settings `make run` copies there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOTAPINTAR_", "DAGSTER_"))}
    env |= {
        "KOTAPINTAR_CATALOG": str(catalog),
        "KOTAPINTAR_DATA_DIR": str(work / "data"),
        "KOTAPINTAR_WAREHOUSE": str(work / "analyst" / "kotapintar.duckdb"),
        "KOTAPINTAR_EXPORT_DIR": str(work / "exports"),
        "KOTAPINTAR_OFFLINE": "1",
    }
    if persistent:
        home = work / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        if not (home / "dagster.yaml").is_file():
            shutil.copy(ROOT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
        env["DAGSTER_HOME"] = str(home)
    return env


def run_pipeline(work: Path, catalog: Path, log: Path, *, persistent: bool = True) -> dict:
    """One `kotapintar run` process (cwd `work`: no `.env` of the repository is read), with its
    phases from the event log when the instance is persistent."""
    work.mkdir(parents=True, exist_ok=True)
    env = pipeline_env(work, catalog, persistent=persistent)
    result = measure([str(KOTAPINTAR), "run"], log, env=env, cwd=work)
    if persistent:
        events = run_events(work / "dagster_home", since=result["started_at"])
        result |= run_phases(events, result["started_at"], result["ended_at"])
    return result


def run_events(home: Path, since: float = 0.0) -> list[tuple[float, str, str | None, str]]:
    """(timestamp, event type, step key, label) of the newest run in `home` created after
    `since` (a process's start), in order; none when the command created no run (it stopped
    before, or found nothing new before starting Dagster). The label is the output's name, the
    asset's key or the first words of a log message."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        records = instance.get_run_records(limit=1)
        if not records or records[0].create_timestamp.timestamp() < since:
            return []
        run, events = records[0].dagster_run, []
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            kind = event.event_type_value if event else "LOG"
            label = ""
            if kind == "STEP_OUTPUT":
                label = event.event_specific_data.step_output_handle.output_name
            elif kind == "LOG":
                label = entry.user_message.split(":")[0][:80]
            events.append((entry.timestamp, kind, entry.step_key, label))
        return events
    finally:
        instance.dispose()


def run_phases(events, started_at: float, ended_at: float) -> dict:
    """Split a run's wall time at its events. Before the first event: interpreter, imports,
    definitions, preflight. Up to the run's start: the run's creation (its planned events).
    Then each step, the gaps between steps, the run's end, and after its last event: the
    summary and the exit. Inside a step, the time before an output or a log line is work,
    the time before any other event is Dagster writing events."""
    if not events:  # no Dagster run: the whole process is the nothing-new check
        return {"phases": {"no Dagster run": round(ended_at - started_at, 3)}, "spans": []}
    first = events[0][0]
    run_start = next((t for t, k, *_ in events if k in RUN_START), first)
    run_end = next((t for t, k, *_ in reversed(events) if k in RUN_END), events[-1][0])
    starts, ends = {}, {}
    for t, kind, step, _ in events:
        if kind == "STEP_START":
            starts[step] = t
        elif kind in STEP_END and step:
            ends[step] = t
            starts.setdefault(step, t)  # skipped: no start
    order = sorted(starts, key=starts.get)
    spans = [("run creation", first, run_start)]
    previous = run_start
    for i, step in enumerate(order):
        spans.append(("run start to first step" if i == 0 else "between steps", previous,
                      starts[step]))  # fmt: skip
        previous = ends.get(step, starts[step])
        spans.append((f"step {step}", starts[step], previous))
    spans.append(("run end", previous, run_end))
    phases = {"before the first event": first - started_at}
    for name, start, end in spans:
        phases[name] = phases.get(name, 0.0) + end - start
    phases["after the last event"] = ended_at - run_end
    steps = {s: _inside(events, starts[s], ends.get(s, starts[s]), s) for s in order}
    planned = sum(1 for t, *_ in events if t < run_start)
    in_steps = sum(s["events"] for s in steps.values())
    return {
        "phases": {k: round(v, 3) for k, v in phases.items()},
        "spans": [(name, round(start, 4), round(end, 4)) for name, start, end in spans],
        "events": len(events),
        "planned_events": planned,
        # Planned events are written back to back: their gaps are the writes themselves.
        "events_estimate_seconds": round(
            run_start - first + sum(s["events_estimate_seconds"] for s in steps.values()), 3
        ),
        "events_in_steps": in_steps,
        "steps": steps,
    }


def _inside(events, start: float, end: float, step: str) -> dict:
    """A step's seconds as work (per label, in order of first appearance) and event writes.
    The gap before an output or log line also holds the write of the event before it, so the
    events' whole cost is estimated as their mean gap times their number."""
    work: dict[str, float] = defaultdict(float)
    writes, count, worked, previous = 0.0, 0, 0, start
    for t, kind, key, label in events:
        if key != step or not start < t <= end:
            continue
        count += 1
        if kind in ("STEP_OUTPUT", "LOG"):
            work[label] += t - previous
            worked += 1
        else:
            writes += t - previous
        previous = t
    per_event = writes / (count - worked) if count > worked else 0.0
    return {
        "seconds": round(end - start, 3),
        "events": count,
        "event_seconds": round(writes, 3),
        "events_estimate_seconds": round(per_event * count, 3),
        "work": top(work),
    }


def top(work: dict[str, float], keep: int = 20, rest: str | None = None) -> dict[str, float]:
    """The `keep` largest items, the others summed as "N more" or `rest` (a step of 500
    sources has thousands of outputs)."""
    ranked = sorted(work.items(), key=lambda kv: -kv[1])
    kept = {k: round(v, 3) for k, v in ranked[:keep]}
    if len(ranked) > keep:
        kept[rest or f"{len(ranked) - keep} more"] = round(sum(v for _, v in ranked[keep:]), 3)
    return kept


if __name__ == "__main__":  # the wrapper of `measure`: RESULT -- COMMAND...
    _wrapped(sys.argv[1], sys.argv[3:])
