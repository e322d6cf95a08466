"""Where one `kotapintar run` spends its time and memory: the command run in this process with
timers around its phases, an RSS sampler, and bench/probe.py's stage timers inside the steps.

    BENCH_SPAWNED_AT=$(date +%s.%N) .venv/bin/python -X importtime bench/whole_stages.py \
        --out stages.json 2> imports.txt      # with the environment of `kotapintar run`

It calls `pipelines.cli.main(["run"])`, the function behind the `kotapintar` script, after
importing, one group at a time, what that command imports (to time the groups). The wall time
of the real command is measured unwrapped (bench/whole.py); this process is for the split. The
phases, in order: interpreter start (from BENCH_SPAWNED_AT), the imports, the definitions module
(it builds the Definitions when imported), the CLI up to the preflight, the preflight, the
Definitions built again by the run, instance and job, the run from the event log (creation,
each step with its stages, the run's end), the summary, and the exit (measured by the parent).
For each phase: seconds, the largest RSS sampled every 10 ms and the high-water mark at its end.
"""

from __future__ import annotations

import time

ENTERED = time.time()

import argparse  # noqa: E402
import ast  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20


class Sampler(threading.Thread):
    """The process's RSS every `interval` seconds, as (time, MiB)."""

    def __init__(self, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.interval, self.samples, self.running = interval, [], True

    def run(self) -> None:
        with open("/proc/self/statm", "rb") as statm:
            while self.running:
                statm.seek(0)
                self.samples.append((time.time(), int(statm.read().split()[1]) * PAGE_MIB))
                time.sleep(self.interval)

    def peak(self, start: float, end: float) -> float:
        inside = [m for t, m in self.samples if start <= t <= end]
        return round(max(inside), 1) if inside else 0.0


class Timeline:
    """Marks (time, the phase that ends here, high-water RSS)."""

    def __init__(self, start: float) -> None:
        self.marks: list[tuple[float, str, float]] = [(start, "", 0.0)]

    def mark(self, phase: str) -> None:
        self.marks.append((time.time(), phase, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))

    def around(self, module, name: str, phase: str, before: str) -> None:
        """Mark `before` on entering `module.name` and `phase` on leaving it."""
        function = getattr(module, name)

        def wrapped(*args, **kwargs):
            self.mark(before)
            try:
                return function(*args, **kwargs)
            finally:
                self.mark(phase)

        setattr(module, name, wrapped)


def definitions_imports() -> list[str]:
    """The modules pipelines/definitions.py imports at its top, in order."""
    tree = ast.parse((ROOT / "pipelines" / "definitions.py").read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            names.append(node.module)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    spawned = float(os.environ.get("BENCH_SPAWNED_AT") or ENTERED)
    sampler = Sampler()
    sampler.start()
    timeline = Timeline(spawned)
    timeline.marks.append((ENTERED, "interpreter start", 0.0))
    import pipelines.cli as cli

    timeline.mark("import pipelines.cli (the CLI's own imports)")
    for name in definitions_imports():
        importlib.import_module(name)
    timeline.mark("import what pipelines/definitions.py imports (dagster, assets, ...)")
    import pipelines.definitions as definitions

    timeline.mark("pipelines.definitions module body (builds the Definitions at import)")
    from bench.probe import StageTimer
    from pipelines import preflight, summary

    timer = StageTimer()
    timer.install()
    timeline.around(preflight, "check", "preflight", "arguments, .env, settings")
    timeline.around(definitions, "build_definitions", "build_definitions() in the run", "logging")
    timeline.around(cli, "execute_marked", "execute_in_process", "job, asset graph, instance")
    timeline.around(cli, "summarize", "summary (from the run's events)", "run returned")
    timeline.around(summary.RunSummary, "render", "summary text", "summary text (start)")
    code = cli.main(["run"])
    timeline.mark("main returns")
    sampler.running = False
    result = {
        "exit": code,
        "marks": timeline.marks,
        "stages": {k: round(v, 4) for k, v in timer.seconds.items()},
        "stage_calls": dict(timer.calls),
        "stage_rss_growth_mib": {k: round(v, 1) for k, v in timer.rss_growth.items()},
        "unpatched": timer.missing,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "samples": [(round(t, 3), round(m, 1)) for t, m in sampler.samples],
    }
    args.out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
