"""Benchmark numbers into cases, targets and tables (plain text for the terminal, Markdown for
the README). Medians throughout; the raw runs stay in the JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import whole_report

GIB = 1024.0
# The targets (2 cores, 24 GiB).
CSV_VS_FLOOR = 3.0
COLD_200_SECONDS = 180.0
NOCHANGE_SHARE = 0.15
PER_SOURCE_GROWTH = 1.25
RSS_LIMIT_MIB = 2 * 1024
RSS_FACTS = 5_000_000


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _stage_medians(runs: list[dict]) -> dict[str, float]:
    names = sorted({name for run in runs for name in run["stages"]})
    return {n: round(_median([r["stages"].get(n, 0.0) for r in runs]), 3) for n in names}


def catalog_case(label: str, catalog: Path, facts: int, jobs, floor, peer) -> dict:
    cold = [job["runs"][0] for job in jobs]
    again = [job["runs"][1] for job in jobs]
    sources = len(list(catalog.glob("*.yaml")))
    cold_seconds = _median(r["wall_seconds"] for r in cold)
    again_seconds = _median(r["wall_seconds"] for r in again)
    floor_seconds = floor["median_wall_seconds"]
    peer_seconds = peer["median_wall_seconds"] if peer else None
    return {
        "case": label,
        "kind": "catalog",
        "sources": sources,
        "facts": facts or cold[0]["facts"],
        "facts_published": cold[0]["facts"],
        "success": all(r["success"] for r in cold + again),
        "outcomes": {"cold": cold[0]["outcomes"], "no_change": again[0]["outcomes"]},
        "cold_seconds": cold_seconds,
        "nochange_seconds": again_seconds,
        "nochange_share": again_seconds / cold_seconds,
        "per_source_seconds": cold_seconds / sources,
        "definitions_seconds": _median(job["definitions_seconds"] for job in jobs),
        "cold_stages": _stage_medians(cold),
        "nochange_stages": _stage_medians(again),
        "cold_untimed_seconds": _median(r["untimed_seconds"] for r in cold),
        "steps": cold[0]["steps"],
        "step_seconds": cold[0]["step_seconds"],
        "slowest_steps": cold[0]["slowest_steps"],
        "peak_rss_mib": max(job["peak_rss_mib"] for job in jobs),
        "rss_growth_mib": jobs[0].get("rss_growth_mib", {}),
        "floor_seconds": floor_seconds,
        "floor_rss_mib": floor["peak_rss_mib"],
        "floor_violations": floor["runs"][0]["violations"],
        "peer_seconds": peer_seconds,
        "peer_rss_mib": peer["peak_rss_mib"] if peer else None,
        # Sources no dlt reader of the peer reads (bench/peer_dlt.py): its time is without them.
        "peer_left_out": peer.get("left_out", {}) if peer else {},
        "cold_vs_floor": cold_seconds / floor_seconds,
        "cold_vs_peer": cold_seconds / peer_seconds if peer_seconds else None,
        "repeats": len(jobs),
        "raw": {"pipeline": jobs, "floor": floor, "peer": peer},
    }


def csv_case(rows: int, facts: int, generated: float, pipeline, floor, peer) -> dict:
    runs = [r for r in pipeline["runs"] if r["outcome"] == "loaded"] or pipeline["runs"]
    checks = ("validate", "data_docs")
    e2e = _median(r["wall_seconds"] for r in runs)
    load_path = _median(
        r["wall_seconds"] - sum(r["stages"].get(s, 0) for s in checks) for r in runs
    )
    floor_seconds = floor["median_wall_seconds"]
    peer_seconds = peer["median_wall_seconds"] if peer else None
    return {
        "case": f"CSV {rows:,} rows",
        "kind": "csv",
        "sources": 1,
        "facts": facts,
        "outcome": runs[0]["outcome"],
        "message": runs[0]["message"][:300],
        "e2e_seconds": e2e,
        "load_path_seconds": load_path,
        "stages": _stage_medians(runs),
        "gx_warm_up_seconds": pipeline["gx_warm_up_seconds"],
        "peak_rss_mib": pipeline["peak_rss_mib"],
        "floor_seconds": floor_seconds,
        "floor_read_seconds": _median(r.get("read_seconds") for r in floor["runs"]),
        "floor_rss_mib": floor["peak_rss_mib"],
        "peer_seconds": peer_seconds,
        "peer_load_seconds": _median(r["load_seconds"] for r in peer["runs"]) if peer else None,
        "peer_rss_mib": peer["peak_rss_mib"] if peer else None,
        "e2e_vs_floor": e2e / floor_seconds,
        "load_path_vs_peer": load_path / peer_seconds if peer_seconds else None,
        "repeats": len(pipeline["runs"]),
        "raw": {"pipeline": pipeline, "floor": floor, "peer": peer},
    }


def targets(cases: list[dict]) -> list[dict]:
    """Each target of the issue: measured value, limit, met / missed (by how much) / not run."""
    out = []
    csv = next((c for c in cases if c["kind"] == "csv" and c["facts"] >= 1_000_000), None)
    out.append(
        _target("1M-row CSV: fetch -> parse -> validate -> load / DuckDB floor", csv and
                csv["e2e_vs_floor"], CSV_VS_FLOOR, "x", "--csv-rows 1000000")
    )  # fmt: skip
    out.append(
        _target("1M-row CSV: load path without validation / dlt fastest", csv and
                csv["load_path_vs_peer"], 1.0, "x", "--csv-rows 1000000 and .venv-bench")
    )  # fmt: skip
    catalogs = [c for c in cases if c["kind"] == "catalog"]
    at = {(c["sources"], c["facts"] // c["sources"] // 1000): c for c in catalogs}
    big = next((c for (n, k), c in at.items() if n == 200 and k >= 9), None)
    out.append(_target("200 x 10,000 cold (s)", big and big["cold_seconds"], COLD_200_SECONDS, "s",
                       "--full"))  # fmt: skip
    out.append(_target("200 x 10,000 no-change / cold", big and big["nochange_share"],
                       NOCHANGE_SHARE, "share", "--full"))  # fmt: skip
    small = next((c for (n, k), c in at.items() if n == 50 and k >= 9), None)
    large = next((c for (n, k), c in at.items() if n == 500 and k >= 9), None)
    growth = large and small and large["per_source_seconds"] / small["per_source_seconds"]
    out.append(_target("cost per source at 500 / at 50", growth, PER_SOURCE_GROWTH, "x", "--full"))
    heavy = [c for c in cases if c["kind"] == "catalog" and c["facts"] >= RSS_FACTS]
    rss = max((c["peak_rss_mib"] for c in heavy), default=None)
    out.append(_target("peak RSS with 5M facts (MiB)", rss, RSS_LIMIT_MIB, "MiB", "--full"))
    return out


def _target(name: str, value, limit: float, unit: str, how: str) -> dict:
    if value is None:
        return {"target": name, "value": None, "limit": limit, "status": f"not run ({how})"}
    missed = value > limit
    by = f"missed by {value / limit - 1:.0%}" if missed else "met"
    return {"target": name, "value": value, "limit": limit, "unit": unit, "status": by}


def machine(peer_python: Path) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = {p: _version(p) for p in ("dagster", "duckdb", "pandas", "pyarrow",
                                         "great_expectations", "python-calamine")}  # fmt: skip
    if peer_python.is_file():
        versions["dlt"] = subprocess.run(
            [str(peer_python), "-c", "import dlt; print(dlt.__version__)"],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mib": memory,
        "python": platform.python_version(),
        "versions": versions,
        "load_before": os.getloadavg(),
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def machine_line(m: dict) -> str:
    load = ", ".join(f"{x:.2f}" for x in m["load_before"])
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory_mib'] / GIB:.0f} GiB; Python {m['python']}; "
        f"load average before: {load}"
    )


def _s(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _x(value) -> str:
    return "-" if value is None else f"{value:.1f}x"


def rows(result: dict) -> tuple[list[list[str]], list[list[str]], list[list[str]], list[list[str]]]:
    """The four tables: catalogs, the CSV case, stages of each cold run, targets."""
    catalogs = [
        [
            "case",
            "sources",
            "facts",
            "cold s",
            "no-change s",
            "no-change/cold",
            "s/source",
            "floor s",
            "dlt s",
            "cold/floor",
            "cold/dlt",
            "peak RSS MiB",
            "load",
        ]
    ]
    csvs = [["case", "e2e s", "load path s", "floor s", "DuckDB read s", "dlt s",
             "e2e/floor", "load path/dlt", "peak RSS MiB", "load"]]  # fmt: skip
    stages = [["case", *STAGES, "untimed", "definitions"]]
    for c in result["cases"]:
        if c["kind"] == "csv":
            csvs.append([c["case"], _s(c["e2e_seconds"]), _s(c["load_path_seconds"]),
                         _s(c["floor_seconds"]), _s(c["floor_read_seconds"]),
                         _s(c["peer_seconds"]), _x(c["e2e_vs_floor"]),
                         _x(c["load_path_vs_peer"]), f"{c['peak_rss_mib']:.0f}",
                         _load(c)])  # fmt: skip
            stages.append([c["case"], *(_s(c["stages"].get(s), 3) for s in STAGES), "-", "-"])
            continue
        catalogs.append([c["case"], str(c["sources"]), f"{c['facts']:,}", _s(c["cold_seconds"], 1),
                         _s(c["nochange_seconds"], 1), f"{c['nochange_share']:.0%}",
                         _s(c["per_source_seconds"], 3), _s(c["floor_seconds"]),
                         _peer(c), _x(c["cold_vs_floor"]), _x(c["cold_vs_peer"]),
                         f"{c['peak_rss_mib']:.0f}", _load(c)])  # fmt: skip
        stages.append([c["case"], *(_s(c["cold_stages"].get(s), 2) for s in STAGES),
                       _s(c["cold_untimed_seconds"]), _s(c["definitions_seconds"])])  # fmt: skip
    goals = [["target", "measured", "limit", "result"]]
    for t in result["targets"]:
        value = t["value"]
        shown = "-" if value is None else (f"{value:.0%}" if t.get("unit") == "share" else
                                            f"{value:,.2f}")  # fmt: skip
        limit = f"{t['limit']:.0%}" if t.get("unit") == "share" else f"{t['limit']:,.2f}"
        goals.append([t["target"], shown, limit, t["status"]])
    return catalogs, csvs, stages, goals


STAGES = ["fetch", "detect", "parse", "validate", "data_docs", "load", "record", "connect",
          "build", "table_checks", "pii_guard", "snapshot", "export"]  # fmt: skip


def _peer(case: dict) -> str:
    """dlt's seconds, and how many sources it left out (no reader of its kind)."""
    left_out = len(case.get("peer_left_out") or {})
    return _s(case["peer_seconds"]) + (f" ({left_out} left out)" if left_out else "")


def _load(case: dict) -> str:
    """The 1-minute load average before-after the case (2 cores: above 2, others compete)."""
    if "load_before" not in case:
        return "-"
    return f"{case['load_before']:.1f}-{case['load_after']:.1f}"


def _text_table(table: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
                     for row in table)  # fmt: skip


def _md_table(table: list[list[str]]) -> str:
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in table[1:])])


def render(result: dict) -> str:
    catalogs, csvs, stages, _ = rows(result)
    parts = [machine_line(result["machine"])]
    for title, table in (("catalogs (medians; no-change = the same job again)", catalogs),
                         ("one CSV source", csvs), ("stages of the cold run, seconds", stages),
                         *whole_report.tables(result),
                         ("targets", whole_report.goals(result["targets"]))):  # fmt: skip
        if len(table) > 1:
            parts += ["", title, _text_table(table)]
    return "\n".join(parts)


def markdown(result: dict) -> str:
    catalogs, csvs, stages, _ = rows(result)
    m = result["machine"]
    parts = [
        f"Machine: {machine_line(m)}; after: {', '.join(f'{x:.2f}' for x in m['load_after'])}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
    ]
    for title, table in (
        ("Catalogs", catalogs),
        ("One CSV source", csvs),
        ("Stages of the cold run (seconds)", stages),
        *whole_report.tables(result),
        ("Targets", whole_report.goals(result["targets"])),
    ):
        if len(table) > 1:
            parts += ["", f"**{title}**", "", _md_table(table)]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # re-render a saved result: python bench/report.py results/full.json
    saved = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    # bench/whole.py alone writes only the whole-process cases (results/whole.json).
    print(render(saved) if "machine" in saved else whole_report.render(saved))
