"""Peak RSS of the warehouse build, the table checks, the guard and the snapshot at N facts.

    .venv/bin/python bench/memory.py --facts 5000000            # 500 sources x 10,000 rows
    .venv/bin/python bench/memory.py --facts 2000000 --rows 10000 --out bench/results/mem2m.json

The generated SAMPLE catalog of `bench/run.py` (cached under --workdir) gives the catalog
entries; a work database is filled with one `tidy.<id>` table of their facts per source through
`replace_tidy` (regions, monthly periods with provisional months, one `lokasi` per cell), in a
process of its own and cached next to the catalog. A fresh copy of it then goes through the
steps of the nightly job after the sources, in one process like the in-process executor runs
them, each on its own connection from the job's resource: the dimensions, `fact_indikator` and
its integrity check, the six `smart_*` tables, the GX table suites, the personal-data guard and
the analyst snapshot. Printed per stage: seconds, the stage's own peak RSS (the kernel's
high-water mark, reset before each stage) and the process's peak so far, against 2 GiB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCH = Path(__file__).resolve().parent
TARGET_MIB = 2048
FILL_VERSION = (
    2  # bump when the filled rows or tables change, so cached work databases are made again
)


def _fill(catalog: Path, db: Path, rows: int) -> None:
    """One tidy table per catalog entry, as its parser would deliver it, via replace_tidy."""
    import numpy as np
    import pandas as pd

    from bench.generate import _periods
    from sources.catalog import load_catalog
    from sources.wilayah import reference
    from warehouse.db import work_db
    from warehouse.load import replace_tidy

    rng = np.random.default_rng(3573)
    with work_db(db) as con:
        for index, entry in enumerate(load_catalog(catalog)):
            regions = [w.kode for w in reference() if w.tingkat == entry.parse.region.level]
            codes = [i.code for i in entry.indicators]
            periods = _periods(math.ceil(math.ceil(rows / len(codes)) / len(regions)))
            n = len(codes) * len(regions) * len(periods)
            period = np.tile(np.repeat([p.rstrip("*") for p in periods], len(regions)), len(codes))
            frame = pd.DataFrame(
                {
                    "sumber_id": entry.id,
                    "indikator": np.repeat(codes, len(regions) * len(periods)),
                    "kode_wilayah": np.tile(regions, len(periods) * len(codes)),
                    "periode": period,
                    "nilai": np.round(rng.uniform(0, 250_000, n), 1),
                    "status": np.where(
                        np.isin(period, [p.rstrip("*") for p in periods if p.endswith("*")]),
                        "sementara",
                        "final",
                    ),
                    "catatan": None,
                    "lokasi": [f"Data {index}!C{row + 4}" for row in range(n)],
                }
            ).astype({c: "str" for c in ("indikator", "kode_wilayah", "periode", "status")})
            frame["catatan"] = frame["catatan"].astype("string")
            replace_tidy(con, entry.id, frame, hashlib.sha256(entry.id.encode()).hexdigest())


def _hwm_reset() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(catalog: Path, work: Path) -> dict:
    """The warehouse steps of the nightly job on the filled work database, in order."""
    from assets.quality_assets import guard_tables, source_allow_lists, suite_report
    from assets.resources import KotaPintarResource
    from assets.table_metadata import table_metadata
    from assets.warehouse_assets import GUARDED_TABLES, SNAPSHOT_TABLES
    from assets.warehouse_build import SUITE_TABLES
    from pipelines.settings import Settings
    from quality import gx_runtime
    from sources.catalog import DIMENSIONS, load_catalog
    from sources.catalog_frames import indikator_frame, sumber_frame
    from sources.wilayah import reference_frame
    from warehouse.integrity import fact_problems
    from warehouse.kualitas import blocked_tables
    from warehouse.load import (
        build_dimension_table,
        build_fact,
        load_dim_indikator,
        load_dim_wilayah,
        load_meta_sumber,
    )
    from warehouse.published import loaded_sources
    from warehouse.snapshot import publish_snapshot

    entries = load_catalog(catalog)
    ids = [e.id for e in entries]
    indicators = [i.code for e in entries for i in e.indicators]
    settings = Settings.from_env()
    kotapintar = KotaPintarResource(
        warehouse=str(work.parent / "analyst" / "kotapintar.duckdb"),
        data_dir=str(work.parent),
        **_resource_limits(settings),
    )
    gx_runtime.warm_up()  # paid once per run by the source steps already

    def dimensions(con):
        load_dim_wilayah(con, reference_frame())
        load_dim_indikator(con, indikator_frame(entries))
        load_meta_sumber(con, sumber_frame(entries))

    def fact(con):
        build_fact(con, loaded_sources(con, ids))
        return table_metadata(con, "fact_indikator")["dagster/row_count"]

    def smart(con):
        for dimension in DIMENSIONS:
            build_dimension_table(con, dimension)
            table_metadata(con, dimension)

    def suites(con):
        failed = [t for t in SUITE_TABLES if not suite_report(con, t, indicators).success]
        assert not failed, f"table suites failed: {failed}"

    def guard(con):
        reports = guard_tables(con, GUARDED_TABLES, source_allow_lists(entries))
        assert all(r.passed for r in reports), [r.summary() for r in reports if not r.passed]

    def snapshot(con):
        blocked = blocked_tables(con, SNAPSHOT_TABLES)
        con.close()  # the snapshot opens the work database itself, as the asset does
        published = [t for t in SNAPSHOT_TABLES if t not in blocked]
        publish_snapshot(kotapintar.work_path, kotapintar.warehouse, published, carry_over=blocked)

    stages = [
        ("dimensions", dimensions),
        ("fact_indikator", fact),
        ("fact_integrity", lambda con: fact_problems(con)),
        ("smart_* x6", smart),
        ("table suites (GX)", suites),
        ("personal-data guard", guard),
        ("analyst snapshot", snapshot),
    ]
    # Resetting the high-water mark resets ru_maxrss too: the process's peak is the highest
    # stage peak (and what the process held before the first stage).
    results, facts, process_peak = [], None, _peak_mib()
    for name, stage in stages:
        resettable = _hwm_reset()
        started = time.perf_counter()
        with kotapintar.work_db() as con:
            value = stage(con)
        facts = value if name == "fact_indikator" else facts
        stage_peak = _status_mib("VmHWM") if resettable else _peak_mib()
        process_peak = max(process_peak, stage_peak)
        results.append(
            {
                "stage": name,
                "seconds": round(time.perf_counter() - started, 2),
                "stage_peak_mib": round(stage_peak, 1) if resettable else None,
                "process_peak_mib": round(process_peak, 1),
                "rss_after_mib": round(_status_mib("VmRSS"), 1),
            }
        )
        print(f"  {name}: {results[-1]}", flush=True)
    return {"facts": facts, "stages": results, "peak_rss_mib": round(process_peak, 1)}


def _resource_limits(settings) -> dict:
    """The DuckDB limits the job's resource gets from the settings (none on older code)."""
    from assets.resources import KotaPintarResource

    fields = KotaPintarResource.model_fields
    return {k: getattr(settings, k) for k in ("duckdb_memory", "duckdb_threads") if k in fields}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child(*args: str) -> None:
    completed = subprocess.run([sys.executable, __file__, *args], text=True)
    if completed.returncode != 0:
        raise SystemExit(f"bench/memory.py {args[0]} failed (exit {completed.returncode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=5_000_000)
    parser.add_argument("--rows", type=int, default=10_000, help="tidy rows per source")
    parser.add_argument("--seed", type=int, default=3573)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kotapintar-bench"))
    parser.add_argument("--out", type=Path, default=None)
    # Internal: the steps that run in a process of their own.
    parser.add_argument("--fill", nargs=2, type=Path, metavar=("CATALOG", "DB"), help="internal")
    parser.add_argument("--measure", nargs=3, type=Path, help="internal: CATALOG WORK OUT")
    args = parser.parse_args()
    if args.fill:
        _fill(*args.fill, rows=args.rows)
        return
    if args.measure:
        catalog, work, out = args.measure
        out.write_text(json.dumps(_measure(catalog, work), indent=1), encoding="utf-8")
        return

    from bench.run import catalog_for

    args.workdir.mkdir(parents=True, exist_ok=True)
    sources = math.ceil(args.facts / args.rows)
    catalog, facts, _ = catalog_for(args.workdir, sources, args.rows, args.seed)
    filled = catalog.parent / f"memory-v{FILL_VERSION}" / "work.duckdb"
    if not (filled.parent / "complete").is_file():
        shutil.rmtree(filled.parent, ignore_errors=True)
        print(f"filling {sources} tidy tables ({facts:,} facts) into {filled}", flush=True)
        started = time.perf_counter()
        _child("--fill", str(catalog), str(filled), "--rows", str(args.rows))
        (filled.parent / "complete").write_text(f"{time.perf_counter() - started:.1f} s\n")
    scratch = args.workdir / f"memory-run-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "data").mkdir(parents=True)
    work = scratch / "data" / "work.duckdb"
    shutil.copyfile(filled, work)
    load_before = os.getloadavg()
    print(f"{sources} sources, {facts:,} facts; load {load_before[0]:.2f}", flush=True)
    out = scratch / "measure.json"
    try:
        _child("--measure", str(catalog), str(work), str(out))
        result = json.loads(out.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result |= {
        "sources": sources,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "duckdb_memory": os.environ.get("KOTAPINTAR_DUCKDB_MEMORY", "default"),
    }
    print(_table(result))
    path = args.out or BENCH / "results" / f"memory-{args.facts}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"written: {path}")


def _table(result: dict) -> str:
    lines = [
        "| stage | seconds | stage peak RSS MiB | process peak MiB |",
        "|---|---|---|---|",
    ]
    for s in result["stages"]:
        lines.append(
            f"| {s['stage']} | {s['seconds']:.1f} | {s['stage_peak_mib'] or '-'} "
            f"| {s['process_peak_mib']:,.0f} |"
        )
    peak = result["peak_rss_mib"]
    verdict = "met" if peak <= TARGET_MIB else f"missed by {peak / TARGET_MIB - 1:.0%}"
    total = sum(s["seconds"] for s in result["stages"])
    lines.append(
        f"\n{result['facts']:,} facts: peak RSS {peak:,.0f} MiB against {TARGET_MIB:,} MiB "
        f"({verdict}); {total:.0f} s; load {result['load_before'][0]:.2f} -> "
        f"{result['load_after'][0]:.2f}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
