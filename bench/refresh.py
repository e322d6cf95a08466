"""No-change refresh benchmark: the nightly job on the bundled catalog, cold and then again with
nothing changed, against the target of issue 3 (second run <= 15% of the first's wall time).

    .venv/bin/python bench/refresh.py               # 3 pairs, DAGSTER_HOME instance like `make run`
    .venv/bin/python bench/refresh.py --repeat 1 --ephemeral

Each run is a fresh process (`kotapintar run` does the same: imports, definitions, the in-process
job), so the wall time is what cron or an engineer sees. Each process reports its own split:
imports (dagster, pandas, ... and the catalog), the job, and the slowest steps; the parent adds
what the no-change run did: every source's outcome and how many landing files it wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.15


def child(out: Path) -> None:
    """One nightly run in this process; timings and outcomes go to `out` as JSON."""
    started = time.perf_counter()
    import logging

    import dagster as dg

    # As in `kotapintar run`: skipped checks on a night with nothing new are expected.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)

    from pipelines.definitions import NIGHTLY_JOB, build_definitions
    from pipelines.settings import Settings

    imported = time.perf_counter()
    settings = Settings.from_env()
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    defined = time.perf_counter()
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=quiet)
    finished = time.perf_counter()
    steps = [
        (e.step_key, e.event_specific_data.duration_ms / 1000)
        for e in result.all_events
        if e.event_type_value == "STEP_SUCCESS"
    ]
    outcomes = {
        e.asset_key.path[1]: e.materialization.metadata["outcome"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[0] == "tidy"
    }
    out.write_text(
        json.dumps(
            {
                "imports": imported - started,
                "definitions": defined - imported,
                "job": finished - defined,
                "steps_run": len(steps),
                "steps_skipped": sum(1 for e in result.all_events if e.is_step_skipped),
                "slowest": sorted(steps, key=lambda s: -s[1])[:5],
                "outcomes": outcomes,
            }
        )
    )


def landing_state(data_dir: Path) -> dict[str, int]:
    return {
        str(p.relative_to(data_dir)): p.stat().st_mtime_ns
        for p in (data_dir / "landing").rglob("*")
        if p.is_file()
    }


def one_pair(ephemeral: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="kp-refresh-") as tmp:
        base = Path(tmp)
        env = {
            **os.environ,
            "KOTAPINTAR_DATA_DIR": str(base / "data"),
            "KOTAPINTAR_WAREHOUSE": str(base / "analyst" / "kotapintar.duckdb"),
            "KOTAPINTAR_OFFLINE": "1",
        }
        env.pop("DAGSTER_HOME", None)
        if not ephemeral:
            home = base / "dagster"
            home.mkdir()
            (home / "dagster.yaml").write_text((ROOT / "pipelines/dagster.yaml").read_text())
            env["DAGSTER_HOME"] = str(home)
        runs = []
        for name in ("cold", "no-change"):
            before = landing_state(base / "data") if (base / "data").exists() else {}
            out = base / f"{name}.json"
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--child", str(out)], env=env, cwd=ROOT, check=True
            )
            wall = time.perf_counter() - started
            stats = json.loads(out.read_text())
            after = landing_state(base / "data")
            written = sum(1 for k, v in after.items() if before.get(k) != v)
            runs.append({**stats, "wall": wall, "landing_files_written": written})
        return {"cold": runs[0], "no-change": runs[1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="cold/no-change pairs (median)")
    parser.add_argument("--ephemeral", action="store_true", help="no DAGSTER_HOME instance")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    pairs = [one_pair(args.ephemeral) for _ in range(args.repeat)]
    print_report(pairs, args.ephemeral)
    return 0 if wall_ratio(pairs) <= TARGET else 1


def wall_ratio(pairs: list[dict]) -> float:
    """Median no-change wall time over median cold wall time."""
    cold = statistics.median(p["cold"]["wall"] for p in pairs)
    return statistics.median(p["no-change"]["wall"] for p in pairs) / cold


def print_report(pairs: list[dict], ephemeral: bool) -> None:
    def med(run: str, key: str) -> float:
        return statistics.median(p[run][key] for p in pairs)

    cold, warm = pairs[-1]["cold"], pairs[-1]["no-change"]
    instance = "ephemeral instance" if ephemeral else "DAGSTER_HOME SQLite instance (as make run)"
    print(
        f"\nNo-change refresh, bundled catalog ({len(cold['outcomes'])} sources), {instance}, "
        f"median of {len(pairs)} pair(s), {os.cpu_count()} cores"
    )
    print(f"{'':24} {'cold':>9} {'no-change':>10} {'ratio':>8}")
    for label, key in (
        ("wall (process)", "wall"),
        ("  imports", "imports"),
        ("  definitions", "definitions"),
        ("  job", "job"),
    ):
        c, w = med("cold", key), med("no-change", key)
        print(f"{label:24} {c:8.2f}s {w:9.2f}s {100 * w / c:7.1f}%")
    print(f"{'steps run / skipped':24} {cold['steps_run']:>5}/{cold['steps_skipped']:<3} "
          f"{warm['steps_run']:>6}/{warm['steps_skipped']:<3}")  # fmt: skip
    outcomes: dict[str, int] = {}
    for outcome in warm["outcomes"].values():
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(f"no-change outcomes: {outcomes}; landing files written: {warm['landing_files_written']}")
    print("slowest steps, no-change run: " + ", ".join(f"{k} {s:.2f}s" for k, s in warm["slowest"]))
    ratio = wall_ratio(pairs)
    job_ratio = med("no-change", "job") / med("cold", "job")
    verdict = "MET" if ratio <= TARGET else "MISSED"
    print(
        f"\nTarget: no-change wall time <= {100 * TARGET:.0f}% of cold: {100 * ratio:.1f}% "
        f"({verdict}); the job alone, without process start and imports: {100 * job_ratio:.1f}%"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
