"""The pipeline side of the benchmark, run in a process of its own so peak RSS is its own.

    .venv/bin/python bench/probe.py job --catalog DIR --work DIR --runs 2 --out result.json
    .venv/bin/python bench/probe.py source --catalog DIR --work DIR --repeat 3 --out result.json

`job` materializes the `nightly_refresh` job (in process, ephemeral instance unless
`--instance sqlite`) `--runs` times on the same folders: the first run is cold (empty work
database, nothing landed), the next ones see no change. `source` runs one source's
fetch -> parse -> validate -> load (`assets.source_run.refresh_source`) on a fresh folder each
time, after paying the Great Expectations import once, on one connection to the work database
as the `sources` step does. Stage times come from timers wrapped
around the plain functions the assets call (see STAGES); what is left of a run's wall time is
Dagster's own per-step overhead. The sources step parses on a thread of its own beside the
loads (assets/source_step.py): stages that overlap are each counted whole, so "untimed" is
what is left after them and is smaller than Dagster's overhead by the overlap.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import resource
import shutil
import sys
import threading
import time
from collections import defaultdict
from functools import wraps
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# As every process that runs the pipeline: tuned first (garbage collector, Arrow's allocator).
import pipelines  # noqa: F401

# (module, function) -> stage. Patched on the module that calls it, so only that use is timed;
# names that do not exist (yet) are listed in the result as `unpatched`.
STAGES: dict[tuple[str, str], str] = {
    ("assets.source_run", "fetch_source"): "fetch",
    ("assets.source_run", "latest_landing"): "fetch",
    ("assets.source_run", "_unchanged"): "detect",
    ("assets.source_run", "_record_if_unchanged"): "detect",
    ("assets.source_run", "parse_landing"): "parse",
    ("assets.quality_stage", "check"): "validate",
    ("assets.quality_stage", "prove"): "validate",
    ("assets.quality_stage", "data_docs"): "data_docs",
    ("assets.quality_stage", "rows_to_load"): "validate",
    ("assets.source_run", "replace_tidy"): "load",
    ("assets.source_run", "record_muat"): "record",
    ("assets.source_run", "tidy_row_count"): "record",
    ("assets.quality_stage", "record"): "record",
    ("assets.quality_stage", "update_workbook"): "record",
    ("warehouse.db", "connect"): "connect",
    ("assets.warehouse_build", "load_dim_wilayah"): "build",
    ("assets.warehouse_build", "load_dim_indikator"): "build",
    ("assets.warehouse_build", "load_meta_sumber"): "build",
    ("assets.warehouse_build", "loaded_sources"): "build",
    ("assets.warehouse_build", "build_fact"): "build",
    ("assets.warehouse_build", "fact_problems"): "build",
    ("assets.warehouse_build", "build_dimension_table"): "build",
    ("assets.warehouse_build", "table_metadata"): "build",
    ("assets.warehouse_assets", "blocked_tables"): "build",
    ("quality.tidy_suite", "validate_frame"): "table_checks",
    ("assets.quality_assets", "scan_tables"): "pii_guard",
    ("assets.quality_assets", "record_verdicts"): "pii_guard",
    ("assets.warehouse_assets", "publish_snapshot"): "snapshot",
    ("assets.publish_assets", "export_gated"): "export",
}
STAGE_ORDER = [
    "fetch", "detect", "parse", "validate", "data_docs", "load", "record", "connect", "build",
    "table_checks", "pii_guard", "snapshot", "export",
]  # fmt: skip


class StageTimer:
    """Accumulates seconds per stage; a stage called inside another is counted once, outside."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        # How much the process's peak RSS grew while each stage ran (MiB): who sets the peak.
        self.rss_growth: dict[str, float] = defaultdict(float)
        self.missing: list[str] = []
        # Per thread: the sources step parses on a thread of its own while this one loads.
        self._local = threading.local()
        self._lock = threading.Lock()

    def install(self) -> None:
        for (module_name, name), stage in STAGES.items():
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                self.missing.append(f"{module_name}.{name}")
                continue
            if not hasattr(module, name):
                self.missing.append(f"{module_name}.{name}")
                continue
            setattr(module, name, self._wrap(getattr(module, name), stage))

    def _wrap(self, function, stage: str):
        @wraps(function)
        def timed(*args, **kwargs):
            if getattr(self._local, "depth", 0):
                return function(*args, **kwargs)
            self._local.depth = 1
            started, peak = time.perf_counter(), peak_rss_mib()
            try:
                return function(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds[stage] += time.perf_counter() - started
                    self.calls[stage] += 1
                    self.rss_growth[stage] += peak_rss_mib() - peak
                self._local.depth = 0

        return timed

    def take(self) -> dict[str, float]:
        taken = {k: round(v, 4) for k, v in self.seconds.items()}
        self.seconds.clear()
        self.calls.clear()
        return taken


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _settings(catalog: Path, work: Path):
    """The settings `kotapintar run` would build with these folders (defaults otherwise)."""
    import os

    from pipelines.settings import Settings

    os.environ.update(
        KOTAPINTAR_WAREHOUSE=str(work / "analyst" / "kotapintar.duckdb"),
        KOTAPINTAR_DATA_DIR=str(work / "data"),
        KOTAPINTAR_CATALOG=str(catalog),
        KOTAPINTAR_OFFLINE="1",
    )
    for name in ("KOTAPINTAR_PORTAL_URL", "KOTAPINTAR_PORTAL_TOKEN", "KOTAPINTAR_EXPORT_DIR"):
        os.environ.pop(name, None)
    return Settings.from_env()


def run_job(args: argparse.Namespace, timer: StageTimer) -> dict:
    """Build the Definitions once, then materialize the nightly job `args.runs` times."""
    import dagster as dg

    from pipelines.definitions import NIGHTLY_JOB, build_definitions

    settings = _settings(args.catalog, args.work)
    started = time.perf_counter()
    defs = build_definitions(settings)
    job = defs.resolve_job_def(NIGHTLY_JOB)
    definitions_seconds = time.perf_counter() - started
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    runs = []
    for _ in range(args.runs):
        if args.instance == "sqlite":
            instance = dg.DagsterInstance.local_temp(str(args.work / "dagster_home"))
        else:
            instance = dg.DagsterInstance.ephemeral()
        started = time.perf_counter()
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=quiet)
        wall = time.perf_counter() - started
        runs.append(_run_record(result, instance, wall, timer.take(), settings))
    return {"definitions_seconds": round(definitions_seconds, 3), "runs": runs}


def _run_record(result, instance, wall: float, stages: dict[str, float], settings) -> dict:
    import duckdb

    outcomes: dict[str, int] = defaultdict(int)
    for event in result.all_events:
        # tidy_<id> is materialized when loaded, observed otherwise (same metadata).
        if event.event_type_value == "ASSET_MATERIALIZATION":
            recorded = event.event_specific_data.materialization
        elif event.event_type_value == "ASSET_OBSERVATION":
            recorded = event.event_specific_data.asset_observation
        else:
            continue
        if recorded.asset_key.path[0].startswith("tidy_"):
            outcome = recorded.metadata.get("outcome")
            outcomes[str(getattr(outcome, "value", outcome))] += 1
    facts = None
    if settings.warehouse.is_file():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            facts = con.execute("SELECT count(*) FROM fact_indikator").fetchall()[0][0]
    steps = _step_seconds(instance, result.run_id)
    return {
        "success": result.success,
        "wall_seconds": round(wall, 3),
        "stages": stages,
        "untimed_seconds": round(wall - sum(stages.values()), 3),
        "steps": len(steps),
        "step_seconds": _grouped(steps),
        "slowest_steps": dict(sorted(steps.items(), key=lambda kv: -kv[1])[:8]),
        "failed_steps": [
            e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"
        ],
        "outcomes": dict(outcomes),
        "facts": facts,
    }


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds from STEP_START to the step's end, per step key, from the run's event log."""
    started, seconds = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[entry.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED") and (
            entry.step_key in started
        ):
            seconds[entry.step_key] = round(entry.timestamp - started[entry.step_key], 4)
    return seconds


def _grouped(steps: dict[str, float]) -> dict[str, float]:
    groups: dict[str, float] = defaultdict(float)
    for key, value in steps.items():
        # `sources` is the one step of every source (assets/source_assets.py).
        groups["source steps" if key == "sources" else "other steps"] += value
    return {k: round(v, 3) for k, v in groups.items()}


def run_source(args: argparse.Namespace, timer: StageTimer) -> dict:
    """refresh_source on the catalog's single entry, on a fresh folder each time (GX warm)."""
    from assets.resources import SharedWorkDb
    from assets.source_run import refresh_source
    from quality import gx_runtime
    from sources.catalog import load_catalog

    (entry,) = load_catalog(args.catalog)
    started = time.perf_counter()
    gx_runtime.warm_up()
    importlib.import_module("sources.parse_fast")  # imported on first use, once per process
    warm_up_seconds = time.perf_counter() - started
    timer.take()
    runs = []
    for i in range(args.warmup + args.repeat):
        folder = args.work / f"source-{i}"
        shutil.rmtree(folder, ignore_errors=True)
        # One connection for the whole refresh, as the `sources` step shares it between sources.
        work_db = SharedWorkDb(folder / "work.duckdb")
        started = time.perf_counter()
        outcome = refresh_source(
            entry,
            landing_root=folder / "landing",
            work_db=work_db,
            offline=True,
            muat_id=f"bench:{i}",
            **_quality_options(folder),
        )
        wall = time.perf_counter() - started
        work_db.close()
        runs.append(
            {
                "outcome": outcome.outcome,
                "message": outcome.message,
                "rows": outcome.rows,
                "wall_seconds": round(wall, 3),
                "stages": timer.take(),
            }
        )
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "gx_warm_up_seconds": round(warm_up_seconds, 3),
        "warm_up_runs": runs[: args.warmup],
        "runs": runs[args.warmup :],
    }


def _quality_options(folder: Path) -> dict:
    """What the nightly job passes (correction workbooks, Data Docs), where it exists."""
    try:
        from assets.quality_stage import QualityOptions
    except ImportError:
        return {}
    return {"quality": QualityOptions(folder / "koreksi", folder / "datadocs")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["job", "source"])
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=2, help="job: cold run + no-change runs")
    parser.add_argument("--repeat", type=int, default=3, help="source: fresh runs")
    parser.add_argument("--warmup", type=int, default=0, help="source: runs first, not counted")
    parser.add_argument("--instance", choices=["ephemeral", "sqlite"], default="ephemeral")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    logging.getLogger("kotapintar").setLevel(logging.WARNING)
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    timer = StageTimer()
    timer.install()
    result = run_job(args, timer) if args.mode == "job" else run_source(args, timer)
    growth = {k: round(v, 1) for k, v in timer.rss_growth.items() if v >= 1}
    result |= {
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "rss_growth_mib": growth,  # peak RSS growth while each stage ran, all runs
        "unpatched": timer.missing,
    }
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
