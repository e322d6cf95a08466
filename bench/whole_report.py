"""The whole-process cases (bench/whole.py) as tables, stage rows and targets (issue 14).
Medians throughout; the raw runs stay in the JSON."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict

from bench.whole_proc import top

# Issue 14's targets (2 cores, 24 GiB).
CSV_VS_FLOOR = 4.0
CSV_RSS_MIB = 600.0
COLD_500_VS_FLOOR = 2.5
NOCHANGE_500_SHARE = 0.05
QUIET_NIGHT_SECONDS = 2.5
ONE_CHANGED_SHARE = 0.10
TOP_WORK = 8  # per step, the largest work items kept in the stage rows
_IMPORT = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def stage_rows(run: dict, detail: dict, events: list, run_phases) -> dict:
    """The instrumented run as rows (phase, seconds, largest sampled RSS, high-water at its
    end): bench/whole_stages.py's marks, the execute phase split at the run's events."""
    samples = detail["samples"]

    def peak(start: float, end: float) -> float | None:
        inside = [m for t, m in samples if start <= t <= end]
        return max(inside) if inside else None

    split = run_phases(events, run["started_at"], run["ended_at"])
    rows = []

    def add(name: str, start: float, end: float, high: float | None = None) -> None:
        rows.append({"phase": name, "seconds": round(end - start, 3),
                     "peak_mib": peak(start, end), "high_water_mib": high})  # fmt: skip

    marks = detail["marks"]
    for (start, _, _), (end, label, high) in itertools.pairwise(marks):
        high = round(high / 1024, 1) if high else None
        if label == "execute_in_process" and split["spans"]:
            first = split["spans"][0][1]
            add("execute_in_process until the first event", start, first)
            for name, s, e in split["spans"]:
                add(name, s, e)
            add("run end to execute_in_process returning", split["spans"][-1][2], end, high)
        else:
            add(label, start, end, high)
    add("exit (interpreter teardown; parent's clock)", marks[-1][0], run["ended_at"])
    steps = {s: inside | {"work": top(inside["work"], TOP_WORK, "the rest")}
             for s, inside in split.get("steps", {}).items()}  # fmt: skip
    return {
        "wall_seconds": run["wall_seconds"],
        "peak_rss_mib": run["peak_rss_mib"],
        "exit": detail["exit"],
        "rows": rows,
        "events": split.get("events"),
        "planned_events": split.get("planned_events"),
        "steps": steps,
        "stages": detail["stages"],
        "stage_calls": detail["stage_calls"],
        "stage_rss_growth_mib": detail["stage_rss_growth_mib"],
        "unpatched": detail["unpatched"],
        "imports": imports(run["log"]),
    }


def imports(log: str) -> dict:
    """`-X importtime` lines of a log: seconds per top-level package (self times: a module's
    own body included, e.g. pipelines.definitions builds the Definitions), largest first."""
    per: dict[str, float] = defaultdict(float)
    with open(log, encoding="utf-8") as handle:
        for line in handle:
            if m := _IMPORT.match(line):
                per[m.group(4).split(".")[0]] += int(m.group(1)) / 1e6
    ranked = sorted(per.items(), key=lambda kv: -kv[1])
    shown = {k: round(v, 3) for k, v in ranked[:12]}
    shown["other"] = round(sum(v for _, v in ranked[12:]), 3)
    return {"total_seconds": round(sum(per.values()), 3), "packages": shown}


def summary(case: dict) -> dict:
    """The numbers of one case: medians of its runs, ratios."""
    out = {"case": case["case"], "kind": case["kind"]}
    if case["kind"] == "whole_changed":
        cold, again, one = case["cold"], case["nochange"], case["changed"]
        out |= {
            "cold_seconds": cold["wall_seconds"],
            "cold_cpu_seconds": cold["cpu_seconds"],
            "nochange_seconds": again["wall_seconds"],
            "changed_seconds": one["wall_seconds"],
            "peak_rss_mib": max(r["peak_rss_mib"] for r in (cold, again, one)),
        }
    else:
        pairs = case["pairs"]
        out |= {
            "cold_seconds": median(p["cold"]["wall_seconds"] for p in pairs),
            "cold_cpu_seconds": median(p["cold"]["cpu_seconds"] for p in pairs),
            "nochange_seconds": median(p["nochange"]["wall_seconds"] for p in pairs),
            "peak_rss_mib": max(p[k]["peak_rss_mib"] for p in pairs for k in ("cold", "nochange")),
        }
    out["nochange_share"] = out["nochange_seconds"] / out["cold_seconds"]
    if "changed_seconds" in out:
        out["changed_share"] = out["changed_seconds"] / out["cold_seconds"]
    for side in ("floor", "floor_outputs", "peer"):
        runs = case.get(side)
        if runs:
            out[f"{side}_seconds"] = median(r["wall_seconds"] for r in runs)
            out[f"{side}_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
            out[f"cold_vs_{side}"] = out["cold_seconds"] / out[f"{side}_seconds"]
    out["load"] = f"{case['load_before']:.1f}-{case['load_after']:.1f}"
    return out


def targets(cases: list[dict], whole: list[dict]) -> list[dict]:
    """Issue 14's targets: measured, limit, met / missed by how much / not run (and how)."""
    from bench.report import _target

    numbers = [summary(c) for c in whole]
    csv = next((n for c, n in zip(whole, numbers, strict=True)
                if c["kind"] == "whole_csv" and c["rows"] >= 1_000_000), None)  # fmt: skip
    bundled = next((n for n in numbers if n["kind"] == "whole_bundled"), None)
    changed = {c["sources"]: n for c, n in zip(whole, numbers, strict=True)
               if c["kind"] == "whole_changed"}  # fmt: skip
    at_500 = next((c for c in cases if c["kind"] == "catalog" and c["sources"] == 500), None)
    how = "bench/run.py --full (or bench/whole.py)"
    out = [
        _target("1M-row CSV: whole `kotapintar run` / DuckDB-alone process", csv and
                csv.get("cold_vs_floor"), CSV_VS_FLOOR, "x", how),
        _target("1M-row CSV: whole process peak RSS (MiB)", csv and csv["peak_rss_mib"],
                CSV_RSS_MIB, "MiB", how),
        _target("500 x 10,000 cold / DuckDB floor (in process)", at_500 and
                at_500["cold_vs_floor"], COLD_500_VS_FLOOR, "x", "--full"),
    ]  # fmt: skip
    if 500 in changed:
        out.append(
            _target(
                "500 x 10,000 no-change / cold (whole process)",
                changed[500]["nochange_share"],
                NOCHANGE_500_SHARE,
                "share",
                how,
            )
        )
    else:
        out.append(_target("500 x 10,000 no-change / cold (in process, ephemeral)", at_500 and
                           at_500["nochange_share"], NOCHANGE_500_SHARE, "share",
                           "--full or --whole-sizes 500"))  # fmt: skip
    out.append(_target("bundled quiet night, whole process (s)", bundled and
                       bundled["nochange_seconds"], QUIET_NIGHT_SECONDS, "s", how))  # fmt: skip
    one = changed.get(200)
    out.append(
        _target(
            "200 x 10,000: one changed source / cold (whole process)",
            one and one["changed_share"],
            ONE_CHANGED_SHARE,
            "share",
            "--whole-sizes 200",
        )
    )
    return [t | {"issue": "14"} for t in out]


def _s(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _share(value) -> str:
    return "-" if value is None else f"{value:.0%}"


def _x(value) -> str:
    return "-" if value is None else f"{value:.1f}x"


def tables(result: dict) -> list[tuple[str, list[list[str]]]]:
    """(title, rows) of the whole-process tables; the first row of each is its header."""
    whole = result.get("whole") or []
    if not whole:
        return []
    cases = [["case", "cold s", "no-change s", "no-change/cold", "one changed s",
              "one changed/cold", "cold CPU s", "peak RSS MiB", "DuckDB alone s",
              "DuckDB MiB", "DuckDB, pipeline's outputs s", "its MiB", "dlt s", "dlt MiB",
              "cold/DuckDB", "cold/DuckDB outputs", "cold/dlt", "load"]]  # fmt: skip
    for case in whole:
        n = summary(case)
        cases.append([n["case"], _s(n["cold_seconds"]), _s(n["nochange_seconds"]),
                      _share(n["nochange_share"]), _s(n.get("changed_seconds")),
                      _share(n.get("changed_share")), _s(n["cold_cpu_seconds"], 1),
                      _s(n["peak_rss_mib"], 0), _s(n.get("floor_seconds")),
                      _s(n.get("floor_rss_mib"), 0), _s(n.get("floor_outputs_seconds")),
                      _s(n.get("floor_outputs_rss_mib"), 0), _s(n.get("peer_seconds")),
                      _s(n.get("peer_rss_mib"), 0), _x(n.get("cold_vs_floor")),
                      _x(n.get("cold_vs_floor_outputs")), _x(n.get("cold_vs_peer")),
                      n["load"]])  # fmt: skip
    out = [("whole processes (medians; peak RSS: the largest of the runs)", cases)]
    out.append(("where the wall time goes, from each run's event log (medians, s)",
                _phase_table(whole)))  # fmt: skip
    for case in whole:
        if case.get("floor"):
            out.append((f"{case['case']}: DuckDB alone, seconds per phase (medians)",
                        _floor_table(case)))  # fmt: skip
    for case in whole:
        if case.get("stages"):
            out += _stage_tables(case)
    return out


def _runs(case: dict) -> dict[str, list[dict]]:
    if case["kind"] == "whole_changed":
        return {k: [case[k]] for k in ("cold", "nochange", "changed")}
    return {k: [p[k] for p in case["pairs"]] for k in ("cold", "nochange")}


def _phase_table(whole: list[dict]) -> list[list[str]]:
    columns, names = [], []
    for case in whole:
        for kind, runs in _runs(case).items():
            phases = [r.get("phases", {}) for r in runs]
            columns.append((f"{case['case']} {kind}", phases, runs))
            for p in phases:
                names += [n for n in p if n not in names]
    table = [["phase", *(c[0] for c in columns)]]
    for name in names:
        table.append([name, *(_s(median(p.get(name) for p in ph)) for _, ph, _ in columns)])
    table.append(["wall (process)", *(_s(median(r["wall_seconds"] for r in runs))
                                      for *_, runs in columns)])  # fmt: skip
    table.append(["CPU (process)", *(_s(median(r["cpu_seconds"] for r in runs))
                                     for *_, runs in columns)])  # fmt: skip
    table.append(["events written", *(_s(median(r.get("events") for r in runs), 0)
                                      for *_, runs in columns)])  # fmt: skip
    table.append(["their writes, estimated s", *(_s(median(r.get("events_estimate_seconds")
                                                          for r in runs))
                                                 for *_, runs in columns)])  # fmt: skip
    return table


def _floor_table(case: dict) -> list[list[str]]:
    sides = [("lean", case["floor"]), ("pipeline's outputs", case.get("floor_outputs") or [])]
    table = [["phase", *(name for name, runs in sides if runs)]]
    for phase in case["floor"][0]["seconds"]:
        table.append([phase, *(_s(median(r["seconds"].get(phase) for r in runs))
                               for _, runs in sides if runs)])  # fmt: skip
    for label, key in (("process (wall)", "wall_seconds"), ("process (CPU)", "cpu_seconds"),
                       ("peak RSS MiB", "peak_rss_mib")):  # fmt: skip
        table.append([label, *(_s(median(r[key] for r in runs)) for _, runs in sides if runs)])
    return table


def _stage_tables(case: dict) -> list[tuple[str, list[list[str]]]]:
    cold, again = case["stages"]["cold"], case["stages"]["nochange"]
    title = f"{case['case']}: instrumented run (bench/whole_stages.py)"
    rows = [["phase", "cold s", "cold peak MiB", "no-change s", "no-change peak MiB"]]
    other = {r["phase"]: r for r in again["rows"]}
    for r in cold["rows"]:
        o = other.get(r["phase"], {})
        if r["seconds"] < 0.005 and o.get("seconds", 0) < 0.005:
            continue  # glue between the timers (the JSON keeps it)
        rows.append([r["phase"], _s(r["seconds"]), _s(r["peak_mib"], 0),
                     _s(o.get("seconds")), _s(o.get("peak_mib"), 0)])  # fmt: skip
    rows += [
        [r["phase"], "-", "-", _s(r["seconds"]), _s(r["peak_mib"], 0)]
        for r in again["rows"]
        if r["phase"] not in {x["phase"] for x in cold["rows"]}
    ]
    rows.append(["process (wall, peak RSS)", _s(cold["wall_seconds"]),
                 _s(cold["peak_rss_mib"], 0), _s(again["wall_seconds"]),
                 _s(again["peak_rss_mib"], 0)])  # fmt: skip
    stages = [["stage (bench/probe.py timers)", "cold s", "calls", "peak growth MiB",
               "no-change s"]]  # fmt: skip
    for name, seconds in cold["stages"].items():
        stages.append([name, _s(seconds), str(cold["stage_calls"].get(name, "")),
                       _s(cold["stage_rss_growth_mib"].get(name), 0),
                       _s(again["stages"].get(name))])  # fmt: skip
    work = [["step: work before each output or log line (cold)", "s"]]
    for step, inside in cold["steps"].items():
        estimate = inside.get("events_estimate_seconds")
        work.append([f"{step}: all / its {inside['events']} events (estimated)",
                     f"{_s(inside['seconds'])} / {_s(estimate)}"])  # fmt: skip
        work += [[f"  {label}", _s(s)] for label, s in inside["work"].items()]
    imported = [["imports by package (cold, -X importtime self s)", "s"]]
    imported += [[k, _s(v)] for k, v in cold["imports"]["packages"].items()]
    imported.append(["all imports", _s(cold["imports"]["total_seconds"])])
    return [(title, rows), (f"{case['case']}: stages inside the steps", stages),
            (f"{case['case']}: inside the steps, from the event log", work),
            (f"{case['case']}: imports", imported)]  # fmt: skip


def render(result: dict) -> str:
    from bench.report import _text_table

    parts = []
    for title, table in tables(result):
        parts += ["", title, _text_table(table)]
    table = goals(result.get("targets", []))
    if len(table) > 1:
        parts += ["", "targets", _text_table(table)]
    return "\n".join(parts)


def markdown(result: dict) -> str:
    from bench.report import _md_table

    parts = []
    for title, table in tables(result):
        parts += ["", f"**{title}**", "", _md_table(table)]
    table = goals(result.get("targets", []))
    if len(table) > 1:
        parts += ["", "**Targets**", "", _md_table(table)]
    return "\n".join(parts) + "\n"


def goals(targets: list[dict]) -> list[list[str]]:
    goals = [["issue", "target", "measured", "limit", "result"]]
    for t in targets:
        share = t.get("unit") == "share"
        value = t["value"]
        shown = "-" if value is None else (f"{value:.0%}" if share else f"{value:,.2f}")
        limit = f"{t['limit']:.0%}" if share else f"{t['limit']:,.2f}"
        goals.append([t.get("issue", "Benchmarks"), t["target"], shown, limit, t["status"]])
    return goals
