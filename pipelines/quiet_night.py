"""A night with nothing new, decided before Dagster is started.

Most nights no agency publishes anything. The job then rebuilds nothing (assets/changes_asset.py),
but starting it still costs ~8-10 s on the bundled catalog: importing Dagster and Great
Expectations, building the job, creating a run whose ~250 planned events are each written to the
event log. `kotapintar run` first asks the same questions the sources step and `run_changes`
ask, in plain Python and without the network, and when every answer is "nothing new" it prints
the summary and stops (~1 s). `kotapintar run --force` always starts the job.

It says "nothing new" only when all of these hold; otherwise it starts the job with the sources
it could not call unchanged (the job then decides for each as it always did), and the warehouse
build, snapshot and exports, which rebuild only when `run_changes` finds something new, and
without the dimension tables those sources cannot change (`Verdict.dimensions`) and the
reference tables when they equal the catalog. On a night when one agency of 200 published, the
run thus plans, fetches and records one source, not 200, and one dimension table, not six. The
rules:
- every source can be looked at without the network: a local file, or any source when the
  pipeline runs offline (its recording). A URL or portal feed online must be fetched to know
  (a conditional request), which is the job's work;
- every source's file and catalog entry equal those of its last good load, and its latest fetch
  was good (sources/conditional.py: the same rule as the sources step, so the two agree);
- nothing was loaded, failed or rejected since the analyst file was published, the reference
  tables equal the catalog, and the open exports show the analyst file (warehouse/changes.py);
- no source is late (quality/freshness.py): a late source is news a person must hear, and the
  alerts are sent from the job's run (pipelines/alert_sensors.py).
The work database is only read, under the run lock (warehouse/run_lock.py), so a run that is
writing it meanwhile is waited for; a fetch of a local file refreshes its landing manifest as
the job's fetch would. Nothing else is written: a quiet night leaves no run in the Dagster UI.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import Settings
from pipelines.summary import RunSummary, SourceLine

WORK_DB_FILE = "work.duckdb"  # assets/resources.py WORK_DB_FILE (held equal by a test)


@dataclass(frozen=True)
class Verdict:
    """The answer: `summary` when nothing is new, else `reason` (why the job must run) and the
    sources found `unchanged` (their summary lines), which the job may leave out."""

    summary: RunSummary | None = None
    reason: str = ""
    unchanged: tuple[SourceLine, ...] = ()
    entries: list | None = None  # the catalog as loaded for the check (None: not loaded)
    # The smart-city dimensions whose tables the run may rebuild (None: any of them, and the
    # reference tables too; else those equal the catalog and need no rebuild).
    dimensions: frozenset[str] | None = None


def check(settings: Settings, *, wait_limit_seconds: float | None = None) -> Verdict:
    """Whether tonight's run would find nothing new (see the module docstring). A run holding
    the work database is waited for, at most `wait_limit_seconds` (None: as long as a run may
    hold it, warehouse/run_lock.py); past that it raises the lock's TimeoutError."""
    started = time.perf_counter()
    work_path = settings.data_dir / WORK_DB_FILE
    if not work_path.is_file():
        return Verdict(reason="no work database yet")
    if not settings.warehouse.is_file():
        return Verdict(reason="no analyst file yet")
    from sources.catalog import load_catalog

    entries = load_catalog(settings.catalog_dir)
    from warehouse.run_lock import hold_work_db

    limit = {} if wait_limit_seconds is None else {"wait_limit_seconds": wait_limit_seconds}
    with hold_work_db(work_path, "", "nothing-new check", notify=_say, **limit):
        verdict = _check_held(settings, entries, work_path, started)
    return dataclasses.replace(verdict, entries=entries)


def left_out(verdict: Verdict) -> set:
    """The asset keys the nightly job leaves out after `verdict`: the raw and tidy assets of
    the sources it found unchanged (their rows and last results stand; the warehouse build
    still sees every source's rows), the dimension tables those sources cannot change, and the
    reference tables when they equal the catalog: these stand as they are, with their checks
    (planned, each cost ~9 Dagster events to say so, and the reference tables a rebuild)."""
    import dagster as dg

    from assets.source_assets import raw_key, tidy_key
    from assets.warehouse_build import REFERENCE_TABLES
    from warehouse.reference import DIMENSIONS

    quiet = {line.source_id for line in verdict.unchanged}
    keys = {key(e) for e in verdict.entries or [] if e.id in quiet for key in (raw_key, tidy_key)}
    if verdict.dimensions is not None:
        keys |= {dg.AssetKey(d) for d in DIMENSIONS if d not in verdict.dimensions}
        keys |= {dg.AssetKey(t) for t in REFERENCE_TABLES}
    return keys


def _check_held(settings: Settings, entries, work_path: Path, started: float) -> Verdict:
    import duckdb

    from sources.catalog_frames import indikator_frame, sumber_frame
    from sources.wilayah import reference_frame
    from warehouse.changes import detect_changes
    from warehouse.source_state import source_states

    try:
        con = duckdb.connect(str(work_path), read_only=True)
    except duckdb.Error as exc:  # held by a process outside the run lock: let the job wait
        return Verdict(reason=f"the work database cannot be read now ({type(exc).__name__})")
    try:
        states = source_states(con, [e.id for e in entries])
        lines: list[SourceLine] = []
        reasons: list[str] = []
        for entry in entries:
            if not settings.offline and _needs_network(entry):
                reasons.append(f"{entry.id} must be fetched to know")
                continue
            line = _unchanged_line(entry, settings, states[entry.id])
            (reasons if isinstance(line, str) else lines).append(line)
        reference = {
            "dim_wilayah": reference_frame(),
            "dim_indikator": indikator_frame(entries),
            "meta_sumber": sumber_frame(entries),
        }
        changes = detect_changes(con, settings.warehouse, reference, settings.export_path)
        dimensions = None
        if changes.published_at is not None and not changes.tables:
            quiet = {line.source_id for line in lines}
            maybe = {e.id for e in entries if e.id not in quiet} | set(changes.since_publish)
            dimensions = _dimensions(con, entries, maybe, reference["dim_indikator"])
    finally:
        con.close()
    unchanged = tuple(sorted(lines, key=lambda s: s.source_id))
    if reasons:
        more = f"; and {len(reasons) - 3} more" if len(reasons) > 3 else ""
        reason = "; ".join(reasons[:3]) + more
        return Verdict(reason=reason, unchanged=unchanged, dimensions=dimensions)
    if changes.changed:
        return Verdict(reason=changes.summary(), unchanged=unchanged, dimensions=dimensions)
    published = changes.published_at.isoformat(timespec="seconds")
    summary = RunSummary(
        sources=list(unchanged),
        snapshot=None,
        seconds=time.perf_counter() - started,
        unchanged_since=published,
    )
    return Verdict(summary=summary)


def _dimensions(con, entries, sources: set[str], dim_indikator) -> frozenset[str]:
    """The dimensions the warehouse build may rebuild when only `sources` can have new rows:
    those of their indicators in the catalog (the rows they bring) and in fact_indikator or a
    dimension table (the rows they take away). The build rebuilds the dimensions of the
    indicators whose rows changed hands (warehouse/build.py update_fact, the same
    indicators_held_by), always among these. Only valid while the reference tables equal the
    catalog: else the build rebuilds every dimension."""
    from warehouse.build import indicators_held_by

    codes = {i.code for e in entries if e.id in sources for i in e.indicators}
    codes |= indicators_held_by(con, sorted(sources))
    return frozenset(dim_indikator.loc[dim_indikator["kode"].isin(codes), "dimensi"])


def _unchanged_line(entry, settings: Settings, state) -> SourceLine | str:
    """The summary line of an unchanged source, or why the source needs the job."""
    from quality.freshness import freshness
    from sources.conditional import LastLoad, entry_fingerprint, is_unchanged
    from sources.errors import SourceError
    from sources.fetch import fetch_source

    started = time.perf_counter()
    try:
        landing = fetch_source(entry, settings.data_dir / "landing", offline=settings.offline)
    except SourceError:
        return f"{entry.id}: its fetch fails"  # the job reports it, with the fix
    last = LastLoad(*state.last_good_load) if state.last_good_load else None
    if not is_unchanged(landing, entry_fingerprint(entry), last, state.loaded_sha256):
        return f"{entry.id}: new content or catalog entry"
    fresh = freshness(entry.schedule, state.data_changed_at)
    if fresh.late:
        return f"{entry.id} is late ({fresh.describe()})"
    return SourceLine(
        source_id=entry.id,
        outcome="unchanged",
        rows=state.rows,
        seconds=time.perf_counter() - started,
    )


def _needs_network(entry) -> bool:
    return entry.is_url or entry.kind in ("ckan_datastore", "ckan_resource", "bps_webapi")


def _say(message: str) -> None:
    print(f"kotapintar run: {message}", flush=True)
