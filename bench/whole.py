"""Whole processes: `kotapintar run` as a user starts it, against DuckDB alone and dlt.

    .venv/bin/python bench/whole.py --csv-rows 1000000 --bundled --sizes 200
    .venv/bin/python bench/whole.py --csv-rows 0 --sizes 500          # no-change at 500 sources
    (and from bench/run.py: `make bench`, `make bench-full`)

Every measurement is a process of its own (bench/whole_proc.py: wall, CPU, peak RSS of the
tree). `kotapintar run` gets fresh folders per repeat (data, analyst file, exports) and a
persistent DAGSTER_HOME with the repository's instance settings, as `make run` has: the cold run
then the same command again with nothing changed, on the same instance (its history is what
lets a quiet night skip work).

- csv: one generated `;` CSV (one indicator, 57 kelurahan, Indonesian numbers); the pipeline,
  the DuckDB-alone process (bench/whole_floor.py) and dlt's process (bench/peer_dlt.py).
- bundled: the bundled catalog; the quiet night is its no-change run.
- S x R: generated sources, cold, nothing changed, then one source's file changed (two regions'
  values swapped within one period, so its "Jumlah" line still adds up) and run again.
Each case ends with one instrumented pair, cold and no-change (bench/whole_stages.py), for
the stage table; its wall is not used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import whole_report
from bench.whole_proc import measure, pipeline_env, run_events, run_phases, run_pipeline

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEER_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
BUNDLED = ROOT / "sources" / "catalog"


def pipeline_pairs(catalog: Path, scratch: Path, repeat: int) -> list[dict]:
    """`repeat` x (cold run on fresh folders, then the no-change run)."""
    pairs = []
    for i in range(repeat):
        work = scratch / "pipeline"
        shutil.rmtree(work, ignore_errors=True)
        cold = run_pipeline(work, catalog, scratch / f"cold-{i}.log")
        again = run_pipeline(work, catalog, scratch / f"nochange-{i}.log")
        _check(cold, again)
        print(f"  kotapintar run {i + 1}: cold {cold['wall_seconds']:.1f} s "
              f"({cold['peak_rss_mib']:.0f} MiB), no change {again['wall_seconds']:.1f} s "
              f"(load {cold['load']:.1f})", flush=True)  # fmt: skip
        pairs.append({"cold": cold, "nochange": again})
    shutil.rmtree(scratch / "pipeline", ignore_errors=True)
    return pairs


def _check(*runs: dict) -> None:
    for run in runs:
        if run["exit"] not in (0, 1):  # 1: a source or check failed, still a whole run
            tail = Path(run["log"]).read_text(encoding="utf-8").splitlines()[-15:]
            raise RuntimeError(f"kotapintar run exited {run['exit']}:\n" + "\n".join(tail))


def stage_pair(catalog: Path, scratch: Path) -> dict:
    """The instrumented cold and no-change runs (bench/whole_stages.py, -X importtime)."""
    work = scratch / "stages"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = {}
    for kind in ("cold", "nochange"):
        env = pipeline_env(work, catalog) | {"BENCH_SPAWNED_AT": "now"}
        command = [sys.executable, "-X", "importtime", str(BENCH / "whole_stages.py"),
                   "--out", str(scratch / f"stages-{kind}.json")]  # fmt: skip
        run = measure(command, scratch / f"stages-{kind}.log", env=env, cwd=work)
        _check(run)
        detail = json.loads((scratch / f"stages-{kind}.json").read_text(encoding="utf-8"))
        events = run_events(work / "dagster_home")
        out[kind] = whole_report.stage_rows(run, detail, events, run_phases)
    shutil.rmtree(work, ignore_errors=True)
    return out


def floor_runs(catalog: Path, scratch: Path, repeat: int, outputs: str) -> list[dict]:
    """The DuckDB-alone process, `repeat` times on a fresh folder (its SQL written first);
    `outputs`: lean (what issue 14 lists) or pipeline (the pipeline's tables and exports)."""
    work, script = scratch / "floor", scratch / f"floor-{outputs}.json"
    prepare = [sys.executable, str(BENCH / "whole_floor.py"), "prepare", "--catalog",
               str(catalog), "--work", str(work), "--script", str(script),
               "--outputs", outputs]  # fmt: skip
    _ok(measure(prepare, scratch / "floor-prepare.log"), "whole_floor.py prepare")
    runs = []
    for i in range(repeat):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        out = scratch / "floor-out.json"
        command = [sys.executable, str(BENCH / "whole_floor.py"), "run", str(script),
                   "--out", str(out)]  # fmt: skip
        run = _ok(measure(command, scratch / f"floor-{outputs}-{i}.log"), "whole_floor.py run")
        runs.append(run | json.loads(out.read_text(encoding="utf-8")))
    shutil.rmtree(work, ignore_errors=True)
    return runs


def peer_runs(catalog: Path, scratch: Path, repeat: int) -> list[dict] | None:
    """dlt's process (bench/peer_dlt.py, one run per process), `repeat` times."""
    if not PEER_PYTHON.is_file():
        return None
    runs = []
    for i in range(repeat):
        out = scratch / "peer-out.json"
        command = [str(PEER_PYTHON), str(BENCH / "peer_dlt.py"), "--catalog", str(catalog),
                   "--work", str(scratch / "peer"), "--repeat", "1", "--out", str(out)]  # fmt: skip
        run = _ok(measure(command, scratch / f"peer-{i}.log"), "peer_dlt.py")
        runs.append(run | {"inside": json.loads(out.read_text(encoding="utf-8"))["runs"][0]})
    shutil.rmtree(scratch / "peer", ignore_errors=True)
    return runs


def _ok(run: dict, what: str) -> dict:
    if run["exit"] != 0:
        tail = Path(run["log"]).read_text(encoding="utf-8").splitlines()[-15:]
        raise RuntimeError(f"{what} exited {run['exit']}:\n" + "\n".join(tail))
    return run


def csv_case(catalog: Path, rows: int, facts: int, args) -> dict:
    scratch = _scratch(args, "csv")
    print(f"whole process: one CSV source, {rows:,} lines", flush=True)
    pairs = pipeline_pairs(catalog, scratch, args.whole_repeat)
    floor = floor_runs(catalog, scratch, args.whole_repeat, "lean")
    outputs = floor_runs(catalog, scratch, args.whole_repeat, "pipeline")
    print(f"  DuckDB alone {_median(floor):.1f} s, with the pipeline's outputs "
          f"{_median(outputs):.1f} s", flush=True)  # fmt: skip
    peer = None if args.no_peer else peer_runs(catalog, scratch, args.whole_repeat)
    stages = None if args.no_stages else stage_pair(catalog, scratch)
    return {"case": f"CSV {rows:,} rows", "kind": "whole_csv", "rows": rows, "facts": facts,
            "pairs": pairs, "floor": floor, "floor_outputs": outputs, "peer": peer,
            "stages": stages}  # fmt: skip


def _median(runs: list[dict]) -> float:
    return whole_report.median(r["wall_seconds"] for r in runs)


def bundled_case(args) -> dict:
    scratch = _scratch(args, "bundled")
    print("whole process: bundled catalog (cold, then the quiet night)", flush=True)
    pairs = pipeline_pairs(BUNDLED, scratch, args.whole_repeat)
    stages = None if args.no_stages else stage_pair(BUNDLED, scratch)
    return {"case": "bundled", "kind": "whole_bundled", "sources": _count(BUNDLED),
            "pairs": pairs, "stages": stages}  # fmt: skip


def changed_case(catalog: Path, sources: int, rows: int, facts: int, args) -> dict:
    """Cold, no change, then one source's file changed (`whole_repeat` times, the median run
    kept): runs on the same folders."""
    scratch = _scratch(args, f"changed-{sources}")
    print(f"whole process: {sources} x {rows:,}, cold, no change, one source changed", flush=True)
    own, changed = own_catalog(catalog, scratch)
    work = scratch / "pipeline"
    shutil.rmtree(work, ignore_errors=True)
    cold = run_pipeline(work, own, scratch / "cold.log")
    print(f"  cold {cold['wall_seconds']:.1f} s ({cold['peak_rss_mib']:.0f} MiB)", flush=True)
    again = run_pipeline(work, own, scratch / "nochange.log")
    # A single run of a few seconds moves by a third with the machine's state: the median of
    # `whole_repeat` nights, each bringing new content (the swap, undone, done again).
    ones = []
    for night in range(args.whole_repeat):
        swapped = change_one_source(changed)
        ones.append(run_pipeline(work, own, scratch / f"changed-{night}.log"))
    _check(cold, again, *ones)
    one = sorted(ones, key=lambda run: run["wall_seconds"])[len(ones) // 2]
    nights = ", ".join(f"{run['wall_seconds']:.1f}" for run in ones)
    print(f"  no change {again['wall_seconds']:.1f} s, one changed {nights} s ({swapped})",
          flush=True)  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return {"case": f"{sources} x {rows:,}", "kind": "whole_changed", "sources": sources,
            "facts": facts, "cold": cold, "nochange": again, "changed": one,
            "changed_runs": [r["wall_seconds"] for r in ones], "change": swapped}  # fmt: skip


def own_catalog(catalog: Path, scratch: Path) -> tuple[Path, Path]:
    """A copy of the catalog's entries whose first `;` CSV source reads a copy of its file
    (the cached catalog stays as it is); the copy's path."""
    own = scratch / "catalog"
    shutil.rmtree(own, ignore_errors=True)
    own.mkdir(parents=True)
    changed = None
    for path in sorted(catalog.glob("*.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        if changed is None and entry["kind"] == "csv":
            changed = scratch / "files" / Path(entry["location"]).name
            changed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(entry["location"], changed)
            entry["location"] = str(changed)
            text = yaml.safe_dump(entry, sort_keys=False, allow_unicode=True, width=100)
            (own / path.name).write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(path, own / path.name)
    if changed is None:
        raise RuntimeError(f"{catalog}: no CSV source to change")
    return own, changed


def change_one_source(path: Path) -> str:
    """Swap the value fields of the first two lines of the first period that differ, in place:
    a few facts change, the period's "Jumlah" line still adds up. What was swapped."""
    lines = path.read_text(encoding="utf-8").split("\n")
    body = [i for i in range(2, len(lines)) if lines[i].count(";") >= 2]
    period = lines[body[0]].split(";")[0]
    block = [i for i in body if lines[i].split(";")[0] == period]
    first = block[0]
    second = next(i for i in block[1:] if lines[i].split(";")[2:] != lines[first].split(";")[2:])
    a, b = lines[first].split(";"), lines[second].split(";")
    lines[first] = ";".join(a[:2] + b[2:])
    lines[second] = ";".join(b[:2] + a[2:])
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, path)
    return f"{path.name}: lines {first + 1} and {second + 1} ({a[1]}, {b[1]}, {period}) swapped"


def _scratch(args, name: str) -> Path:
    folder = args.scratch / f"whole-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _count(catalog: Path) -> int:
    return len(list(catalog.glob("*.yaml")))


def run_cases(args, catalog_for) -> list[dict]:
    """The whole-process cases `args` asks for; `catalog_for(sources, rows)` gives a generated
    catalog, its facts and generation seconds (bench/run.py's cache)."""
    cases = []
    if args.whole_csv_rows:
        catalog, facts, _ = catalog_for(1, args.whole_csv_rows)
        cases.append(_loaded(lambda: csv_case(catalog, args.whole_csv_rows, facts, args)))
    if args.whole_bundled:
        cases.append(_loaded(lambda: bundled_case(args)))
    for size in args.whole_sizes:
        catalog, facts, generated = catalog_for(size, args.whole_rows)
        print(f"{size} sources x {args.whole_rows:,} rows ({facts:,} facts; generated in "
              f"{generated:.0f} s)", flush=True)  # fmt: skip
        cases.append(
            _loaded(lambda: changed_case(catalog, size, args.whole_rows, facts, args))  # noqa: B023
        )
    return cases


def _loaded(measure_case) -> dict:
    before = os.getloadavg()[0]
    case = measure_case()
    return case | {"load_before": before, "load_after": os.getloadavg()[0]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The whole-process options (shared with bench/run.py)."""
    group = parser.add_argument_group("whole process (bench/whole.py)")
    group.add_argument("--whole-csv-rows", type=int, default=None,
                       help="lines of the whole-process CSV case (0: skip)")  # fmt: skip
    group.add_argument("--whole-sizes", default=None,
                       help="comma-separated source counts of the one-changed case")  # fmt: skip
    group.add_argument("--whole-rows", type=int, default=10_000, help="rows per source there")
    group.add_argument("--whole-repeat", type=int, default=None,
                       help="runs per median (default 3; bench/run.py quick: 1)")  # fmt: skip
    group.add_argument("--no-whole-bundled", dest="whole_bundled", action="store_false",
                       help="skip the bundled catalog's whole-process case")  # fmt: skip
    group.add_argument("--no-stages", action="store_true", help="skip the instrumented runs")
    group.add_argument("--no-whole", action="store_true", help="skip every whole-process case")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--no-peer", action="store_true", help="skip dlt")
    parser.add_argument("--seed", type=int, default=3573)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kotapintar-bench"))
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "whole.json")
    args = parser.parse_args()
    from bench.run import catalog_for

    args.whole_csv_rows = 1_000_000 if args.whole_csv_rows is None else args.whole_csv_rows
    args.whole_repeat = args.whole_repeat or 3
    args.whole_sizes = [int(s) for s in (args.whole_sizes or "").split(",") if s]
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.scratch = args.workdir / f"run-{os.getpid()}"
    args.scratch.mkdir(exist_ok=True)
    load = os.getloadavg()
    cases = run_cases(args, lambda n, r: catalog_for(args.workdir, n, r, args.seed))
    result = {"load_before": load, "load_after": os.getloadavg(), "whole": cases,
              "targets": whole_report.targets([], cases)}  # fmt: skip
    print(whole_report.render(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    args.out.with_suffix(".md").write_text(whole_report.markdown(result), encoding="utf-8")
    print(f"written: {args.out} and {args.out.with_suffix('.md')}")
    shutil.rmtree(args.scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
