"""Benchmark: the pipeline against the DuckDB floor and dlt, on the same generated data.

    make bench                                  # quick: bundled catalog, 50 x 2,000, 200k-row CSV
    .venv/bin/python bench/run.py --full        # bundled, 50/200/500 x 10,000 rows, 1M-row CSV
    .venv/bin/python bench/run.py --sizes 50,200 --rows 10000 --csv-rows 1000000 --repeat 3

Every measurement runs in a fresh process (peak RSS is that process's own): bench/probe.py for
the pipeline (the nightly job cold, then again with nothing changed; or one CSV source through
fetch -> parse -> validate -> load), bench/floor.py for DuckDB alone, bench/peer_dlt.py for dlt
(in .venv-bench, `make bench-venv`). Times are medians over `--repeat` runs. The table and the
targets are printed; everything is written as JSON (`--out`, default bench/results/<mode>.json)
with a Markdown copy for the README next to it.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report, whole, whole_report
from bench.generate import GENERATOR_VERSION, generate_catalog

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEER_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
BUNDLED = ROOT / "sources" / "catalog"


# The project's packages (pyproject.toml [tool.setuptools] packages).
PACKAGES = ("sources", "quality", "warehouse", "portal", "assets", "pipelines")


def compile_project() -> None:
    """Write the bytecode cache of the project's modules before anything is timed. Python
    writes it on a module's first import, unless PYTHONDONTWRITEBYTECODE is set (it is on this
    machine): then every measured process would compile from source each module of ours it
    imports (~0.15 s a run), as no user's second run does. compileall writes it either way."""
    import compileall

    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def _child(args: list[str], python: str = sys.executable) -> dict:
    """Run one measurement process; its JSON result (it writes to --out)."""
    out = Path(args[args.index("--out") + 1])
    out.unlink(missing_ok=True)
    completed = subprocess.run([python, *args], capture_output=True, text=True)
    if completed.returncode != 0 or not out.is_file():
        tail = "\n".join((completed.stderr or completed.stdout).splitlines()[-15:])
        raise RuntimeError(f"{' '.join(args[:2])} failed (exit {completed.returncode}):\n{tail}")
    return json.loads(out.read_text(encoding="utf-8"))


def catalog_for(workdir: Path, sources: int, rows: int, seed: int) -> tuple[Path, int, float]:
    """The generated catalog for this size (reused when already there); its facts and the
    seconds generation took (0 when reused). A lock keeps two runs from writing it at once."""
    folder = workdir / f"catalog-{sources}x{rows}-seed{seed}-v{GENERATOR_VERSION}"
    manifest = folder / "manifest.json"  # written last: its presence means complete
    with (workdir / f"{folder.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest.is_file():
            facts = sum(s["facts"] for s in json.loads(manifest.read_text())["sources"])
            return folder / "catalog", facts, 0.0
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        # One source is the CSV case: a `;` CSV with one indicator, so lines = facts.
        single = {"layouts_used": ("csv_long",), "indicators": 1} if sources == 1 else {}
        catalog = generate_catalog(folder, sources, rows, seed=seed, **single)
        return catalog.catalog_dir, catalog.facts, time.perf_counter() - started


def run_catalog(label: str, catalog: Path, facts: int, args) -> dict:
    """The nightly job, the floor and the peer on one catalog."""
    work = args.scratch / "work"
    jobs = []
    for i in range(args.repeat_for(catalog)):
        shutil.rmtree(work, ignore_errors=True)
        jobs.append(
            _child(
                [str(BENCH / "probe.py"), "job", "--catalog", str(catalog), "--work", str(work),
                 "--runs", "2", "--instance", args.instance,
                 "--out", str(args.scratch / "job.json")]
            )
        )  # fmt: skip
        cold = jobs[-1]["runs"][0]["wall_seconds"]
        print(f"  pipeline run {i + 1}: cold {cold:.1f} s", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    floor = _child(
        [str(BENCH / "floor.py"), "--catalog", str(catalog), "--work", str(work),
         "--repeat", str(args.repeat_for(catalog)), "--out", str(args.scratch / "floor.json")]
    )  # fmt: skip
    peer = _peer(catalog, args)
    return report.catalog_case(label, catalog, facts, jobs, floor, peer)


def run_csv(rows: int, args) -> dict:
    """One CSV source of `rows` lines: fetch -> parse -> validate -> load, floor, peer."""
    catalog, facts, generated = catalog_for(args.workdir, 1, rows, args.seed)
    work = args.scratch / "work"
    shutil.rmtree(work, ignore_errors=True)
    # Each side's first run in its process pays one-time costs (the allocators growing their
    # pools, lazy imports): one warm-up run each, kept in the JSON, not in the medians.
    warm = ["--repeat", str(args.csv_repeat), "--warmup", str(args.warmup)]
    pipeline = _child(
        [str(BENCH / "probe.py"), "source", "--catalog", str(catalog), "--work", str(work),
         *warm, "--out", str(args.scratch / "source.json")]
    )  # fmt: skip
    floor = _child(
        [str(BENCH / "floor.py"), "--catalog", str(catalog), "--work", str(work), "--no-fact",
         *warm, "--out", str(args.scratch / "floor.json")]
    )  # fmt: skip
    peer = _peer(catalog, args, warm)
    return report.csv_case(rows, facts, generated, pipeline, floor, peer)


def _peer(catalog: Path, args, runs: list[str] | None = None) -> dict | None:
    """dlt on the catalog; `runs`: the --repeat (and --warmup) arguments, else the case's."""
    if args.no_peer or not PEER_PYTHON.is_file():
        return None
    runs = runs or ["--repeat", str(args.repeat_for(catalog))]
    return _child(
        [str(BENCH / "peer_dlt.py"), "--catalog", str(catalog), "--work",
         str(args.scratch / "peer"), *runs, "--out", str(args.scratch / "peer.json")],
        python=str(PEER_PYTHON),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="50/200/500 x 10,000 + 1M-row CSV")
    parser.add_argument("--sizes", default=None, help="comma-separated source counts")
    parser.add_argument("--rows", type=int, default=None, help="tidy rows per source")
    parser.add_argument("--csv-rows", type=int, default=None, help="rows of the CSV case (0: skip)")
    parser.add_argument("--no-bundled", action="store_true", help="skip the bundled catalog")
    parser.add_argument("--repeat", type=int, default=3, help="runs per median (small cases)")
    parser.add_argument("--csv-repeat", type=int, default=5, help="runs per median (CSV case)")
    parser.add_argument("--warmup", type=int, default=1, help="CSV case: runs not counted")
    parser.add_argument("--large-repeat", type=int, default=1, help="pipeline runs at 50+ sources")
    parser.add_argument("--instance", choices=["ephemeral", "sqlite"], default="ephemeral")
    parser.add_argument("--no-peer", action="store_true", help="skip dlt")
    parser.add_argument("--seed", type=int, default=3573)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kotapintar-bench"))
    parser.add_argument("--out", type=Path, default=None)
    whole.add_arguments(parser)
    args = parser.parse_args()
    mode = "full" if args.full else "quick"
    default_sizes = "50,200,500" if args.full else "50"
    sizes = [int(s) for s in (default_sizes if args.sizes is None else args.sizes).split(",") if s]
    rows = args.rows or (10_000 if args.full else 2_000)
    csv_rows = args.csv_rows if args.csv_rows is not None else (1_000_000 if args.full else 200_000)
    _whole_defaults(args, csv_rows)
    args.repeat_for = lambda catalog: args.large_repeat if _sources(catalog) >= 50 else args.repeat
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Generated catalogs are shared between runs; the scratch folders are this run's own.
    args.scratch = args.workdir / f"run-{os.getpid()}"
    shutil.rmtree(args.scratch, ignore_errors=True)
    args.scratch.mkdir()
    compile_project()
    machine = report.machine(PEER_PYTHON)
    print(report.machine_line(machine), flush=True)
    if not PEER_PYTHON.is_file() and not args.no_peer:
        print("dlt peer skipped: no .venv-bench (run `make bench-venv`)")
    cases = []
    if csv_rows:
        print(f"CSV case: one source, {csv_rows:,} rows", flush=True)
        cases.append(_with_load(lambda: run_csv(csv_rows, args)))
    if not args.no_bundled:
        print("bundled catalog", flush=True)
        cases.append(_with_load(lambda: run_catalog("bundled", BUNDLED, 0, args)))
    for size in sizes:
        catalog, facts, generated = catalog_for(args.workdir, size, rows, args.seed)
        print(f"{size} sources x {rows:,} rows ({facts:,} facts; generated in {generated:.0f} s)")
        label = f"{size} x {rows:,}"
        cases.append(_with_load(lambda: run_catalog(label, catalog, facts, args)))  # noqa: B023
    found = [] if args.no_whole else whole.run_cases(args, lambda n, r: catalog_for(
        args.workdir, n, r, args.seed))  # fmt: skip
    machine["load_after"] = os.getloadavg()
    goals = report.targets(cases) + whole_report.targets(cases, found)
    result = {"mode": mode, "machine": machine, "cases": cases, "whole": found, "targets": goals}
    text = report.render(result)
    print(text)
    out = args.out or BENCH / "results" / f"{mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    out.with_suffix(".md").write_text(report.markdown(result), encoding="utf-8")
    print(f"written: {out} and {out.with_suffix('.md')}")
    shutil.rmtree(args.scratch, ignore_errors=True)


def _whole_defaults(args, csv_rows: int) -> None:
    """The whole-process cases (bench/whole.py): quick: the CSV case at --csv-rows and the
    bundled catalog, one run each; full: the 1M-row CSV, bundled, and 200 and 500 x 10,000
    (cold, no change, one source changed), medians of three runs where they repeat."""
    if args.whole_csv_rows is None:
        args.whole_csv_rows = 1_000_000 if args.full else csv_rows
    args.whole_sizes = [
        int(s) for s in (args.whole_sizes or ("200,500" if args.full else "")).split(",") if s
    ]
    args.whole_repeat = args.whole_repeat or (3 if args.full else 1)


def _with_load(measure) -> dict:
    """A case with the 1-minute load average before and after it (other work on the machine
    slows every number down; the README reports these next to them)."""
    before = os.getloadavg()[0]
    case = measure()
    return case | {"load_before": before, "load_after": os.getloadavg()[0]}


def _sources(catalog: Path) -> int:
    return len(list(catalog.glob("*.yaml")))


if __name__ == "__main__":
    main()
