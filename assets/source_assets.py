"""One asset factory over the catalog: per source, `raw_<id>` (the landed file) and
`tidy_<id>` (the validated long rows in the work database table `tidy.<id>`), plus
`run_changes`, all computed in ONE step, `sources`, that refreshes the selected sources one
after another (assets/source_step.py).

Why one step for every source: the fetch and the parse share the landing file, and on a night
with nothing new Dagster's per-step overhead (~0.3-0.45 s) was most of what a source cost. The
step is subsettable: materializing one source from the UI refreshes only that one.

What the UI shows, and why it can be trusted:
- `raw_<id>` is materialized only when a new file landed; its `fetch_ok` check fails (ERROR,
  the node turns red) when the fetch failed or the content was rejected.
- `tidy_<id>` is materialized only when its rows changed (a load), so its last materialization
  is when the data last changed and its freshness policy (from the entry's `jadwal`) reads
  fresh or late truthfully. An unchanged or failed source is observed instead, with the same
  metadata (outcome, rows, the reason). Its `tidy_valid` check is evaluated for every load and
  every failure; for an unchanged source its last real result is repeated with the run that
  evaluated it (assets/check_history.py), never left "Skipped".
- Why the source checks are not `blocking`: a blocking check stops every downstream asset, so
  one broken agency would stop the whole city's fact table; instead the load itself is gated (a
  source that fails is never loaded and its previous rows stay).
- A run in which any source failed or was rejected gets the run tag `kotapintar/failed_sources`
  (shown in the Runs list) and an error line naming them.
- `run_changes`, the gate of the warehouse build, is materialized at the end of the step in
  every run that selects it: whether anything is new since the analyst file was published
  (assets/changes_asset.py). It lives in this step because Dagster skips a step when any of its
  upstream outputs is missing, and `tidy_<id>` of an unchanged source is not materialized.

Selecting `raw_<id>` or `tidy_<id>` (or both) fetches, parses, validates and loads that source;
executing only its checks re-validates the last landed file without loading anything.
"""

import dagster as dg

from assets.changes_asset import RUN_CHANGES, detect_run_changes
from assets.check_history import CheckTargets, repeat_last
from assets.metadata import (
    catalog_code_reference,
    masks_personal_data,
    outcome_metadata,
    quality_metadata,
    validation_metadata,
)
from assets.publish_assets import PublicationResource
from assets.resources import KotaPintarResource
from assets.source_run import SourceOutcome
from assets.source_step import raw_metadata, refresh_each, tidy_metadata
from assets.warehouse_build import GROUP as WAREHOUSE_GROUP
from assets.warehouse_build import OWNER as WAREHOUSE_OWNER
from quality.freshness import SCHEDULE_WINDOWS, allowed_age
from sources.catalog import SourceEntry

SOURCES_STEP = "sources"
TIDY_CHECK = "tidy_valid"
FETCH_CHECK = "fetch_ok"
FAILED_SOURCES_TAG = "kotapintar/failed_sources"
# Check results handed to Dagster together, after one query for their targets (CheckTargets in
# assets/check_history.py): about a window of sources (source_step.py), so a check's result
# still follows its source within seconds.
CHECKS_AT_ONCE = 128
KIND_TAG = {
    "xlsx": "excel",
    "csv": "csv",
    "ckan_datastore": "ckan",
    "ckan_resource": "ckan",
    "bps_webapi": "bps",
}


def raw_key(entry: SourceEntry) -> dg.AssetKey:
    return dg.AssetKey(f"raw_{entry.id}")


def tidy_key(entry: SourceEntry) -> dg.AssetKey:
    return dg.AssetKey(f"tidy_{entry.id}")


def source_group(dimension: str) -> str:
    """The group of a dimension's sources, apart from the dimension's warehouse table so the
    lineage between groups reads left to right (sources -> warehouse -> smart_city)."""
    return f"sources_{dimension}"


def freshness_policy(schedule: str) -> dg.FreshnessPolicy:
    """Late (fail) when the rows last changed longer ago than the schedule allows, warned one
    period after the last change (quality/freshness.py: the same windows)."""
    period, _grace = SCHEDULE_WINDOWS[schedule]
    return dg.FreshnessPolicy.time_window(fail_window=allowed_age(schedule), warn_window=period)


def _owners(entry: SourceEntry) -> list[str]:
    return [f"team:{entry.agency.code}"]


def _describe(entry: SourceEntry, what: str) -> str:
    # The source's own title first: it is what the asset catalog lists for each node.
    indicators = "\n".join(f"- `{i.code}` {i.name_id} ({i.unit})" for i in entry.indicators)
    sample = "\n\n**SAMPLE data, not official figures.**" if entry.sample else ""
    return (
        f"{entry.title} ({entry.agency.name}). {what}\n\n"
        f"{entry.kind} from `{entry.location}`; updated {entry.schedule}.{sample}\n\n"
        f"Indicators:\n{indicators}\n\nCatalog entry: `{entry.catalog_file}`."
    )


def _specs(entry: SourceEntry, code_references: bool = True) -> list[dg.AssetSpec]:
    """The raw + tidy assets of one catalog entry (linked to its catalog file when
    `code_references`)."""
    reference = catalog_code_reference(entry) if code_references else {}
    return [
        dg.AssetSpec(
            key=raw_key(entry),
            group_name=source_group(entry.dimension),
            owners=_owners(entry),
            kinds={KIND_TAG[entry.kind], "file"},
            description=_describe(
                entry,
                "The agency file as fetched, kept in the landing folder with its URL or path, "
                "sha256 and fetch time; materialized only when a new file landed.",
            ),
            metadata=reference,
            tags={"agency": entry.agency.code, "kind": entry.kind},
            skippable=True,  # not materialized when no new file landed (see the docstring)
        ),
        dg.AssetSpec(
            key=tidy_key(entry),
            deps=[raw_key(entry)],
            group_name=source_group(entry.dimension),
            owners=_owners(entry),
            kinds={"duckdb", "pandas"},
            description=_describe(
                entry,
                f"Tidy long rows (indikator, kode_wilayah, periode, nilai, status, lokasi) in "
                f"`tidy.{entry.id}` of the work database. Loaded only when validation passes, in "
                f"one transaction that replaces this source's rows, so a re-run never "
                f"duplicates and a failure keeps the last good rows. Materialized only when "
                f"the rows changed, so its freshness is the data's.",
            ),
            metadata={**reference, "dagster/table_name": f"work.tidy.{entry.id}"},
            tags={"agency": entry.agency.code},
            freshness_policy=freshness_policy(entry.schedule),
            skippable=True,  # observed instead when the rows did not change
        ),
    ]


def _run_changes_spec(entries: list[SourceEntry]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=RUN_CHANGES,
        deps=[tidy_key(e) for e in entries],
        group_name=WAREHOUSE_GROUP,
        owners=WAREHOUSE_OWNER,
        kinds={"duckdb"},
        skippable=True,  # only when selected
        description="What is new since the analyst snapshot was published: sources loaded, "
        "failed or rejected, catalog and reference changes (`changed`). Materialized at the "
        "end of the `sources` step in every run that selects it; when nothing is new the "
        "warehouse step repeats its checks' last results instead of rebuilding, and the "
        "snapshot and exports are skipped: a night with nothing new writes nothing new.",
    )


def _checks(entry: SourceEntry) -> list[dg.AssetCheckSpec]:
    """The fetch check of raw_<id> and the validation check of tidy_<id>."""
    return [
        dg.AssetCheckSpec(
            FETCH_CHECK,
            asset=raw_key(entry),
            description="The last fetch landed a file the pipeline can read, or the server "
            "said nothing changed. Fails with the reason (unreachable, refused, an HTML "
            "login page, too big) when it did not; the last landed file stays.",
        ),
        dg.AssetCheckSpec(
            TIDY_CHECK,
            asset=tidy_key(entry),
            description="Parse, the Great Expectations suite (keys not null, kode_wilayah "
            "known, periode well-formed, nilai numeric, key unique, plus the catalog's value "
            "ranges, allowed values, year-over-year change, expected regions and periods) and "
            "the personal-data guard of this source passed. Not blocking on purpose: a "
            "blocking check would stop every source's tables downstream; instead a failing "
            "source is never loaded (its last good rows stay), its rows go to `karantina` and "
            "its agency's correction workbook, and this check fails (ERROR; WARN for a declared "
            "partial load) with the evidence and the Data Docs page. For an unchanged source "
            "the last real result is repeated, naming the run that evaluated it.",
        ),
    ]


def build_source_assets(
    entries: list[SourceEntry], *, code_references: bool = True
) -> dg.AssetsDefinition:
    """Every catalog entry's raw + tidy assets and checks, and run_changes, in one step;
    `code_references`: each asset linked to its catalog entry (its file read for the line)."""

    @dg.multi_asset(
        name=SOURCES_STEP,
        specs=[spec for entry in entries for spec in _specs(entry, code_references)]
        + [_run_changes_spec(entries)],
        check_specs=[check for entry in entries for check in _checks(entry)],
        can_subset=True,
        description="Fetch, parse, validate and load each selected catalog source, one after "
        "another; one broken source never stops the others.",
    )
    # Previews, samples and messages quote agency cells: every event is masked on its way out.
    @masks_personal_data
    def sources(
        context: dg.AssetExecutionContext,
        kotapintar: KotaPintarResource,
        publication: PublicationResource,
    ):
        selected = context.selected_asset_keys
        checks = context.selected_asset_check_keys

        def asset_selected(entry: SourceEntry) -> bool:
            return raw_key(entry) in selected or tidy_key(entry) in selected

        def check_selected(entry: SourceEntry, name: str) -> bool:
            key = raw_key(entry) if name == FETCH_CHECK else tidy_key(entry)
            return dg.AssetCheckKey(key, name) in checks

        todo = [
            e
            for e in entries
            if asset_selected(e) or check_selected(e, TIDY_CHECK) or check_selected(e, FETCH_CHECK)
        ]
        failed: list[tuple[str, str]] = []
        # On an instance that has never recorded an asset (a new DAGSTER_HOME), an unchanged
        # source is materialized once, so the UI does not call existing data "never
        # materialized".
        known = _materialized_before(context.instance, todo, selected)
        targets = CheckTargets(context)
        checked: list[dg.AssetCheckResult] = []  # yielded a window at a time (CheckTargets)
        try:
            for entry, outcome in refresh_each(
                todo,
                kotapintar,
                run_id=context.run.run_id,
                # Either asset refreshes the source end to end; its checks alone (executed from
                # the UI) evaluate without loading: fetch_ok fetches, tidy_valid re-validates the
                # last landed file.
                fetch=lambda e: asset_selected(e) or check_selected(e, FETCH_CHECK),
                load=asset_selected,
                log=context.log,
            ):
                # Each outcome is described as soon as it arrives and then let go: its parsed frame,
                # GX result and evidence are large (500 sources kept ~1 GiB, bench/run.py).
                for event in _describe_outcome(
                    context, entry, outcome, selected, check_selected, known
                ):
                    if isinstance(event, dg.AssetCheckResult):
                        checked.append(event)
                    else:
                        yield event
                if len(checked) >= CHECKS_AT_ONCE:
                    yield from targets.settled(checked)
                    checked = []
                if not outcome.ok:
                    failed.append((entry.id, outcome.message))
        except Exception:  # the results of the sources done so far are not lost with it
            yield from targets.settled(checked)
            raise
        yield from targets.settled(checked)
        if failed:
            _mark_run(context, failed)
        if dg.AssetKey(RUN_CHANGES) in selected:
            _changes, metadata = detect_run_changes(
                entries, kotapintar, context.log, publication.export_dir
            )
            yield dg.MaterializeResult(asset_key=RUN_CHANGES, metadata=metadata)

    return sources


def _materialized_before(
    instance: dg.DagsterInstance, entries: list[SourceEntry], selected
) -> dict[dg.AssetKey, str | None]:
    """Each selected asset materialized before on this instance, with the sha256 its last
    materialization recorded (raw_<id>: the landed file's)."""
    keys = [k for e in entries for k in (raw_key(e), tidy_key(e)) if k in selected]
    known: dict[dg.AssetKey, str | None] = {}
    for record in instance.get_asset_records(keys):
        last = record.asset_entry.last_materialization
        if last is not None and last.asset_materialization is not None:
            sha = last.asset_materialization.metadata.get("sha256")
            known[record.asset_entry.asset_key] = getattr(sha, "value", None)
    return known


def _describe_outcome(
    context, entry: SourceEntry, outcome: SourceOutcome, selected, check_selected, known
):
    """The events of one source's outcome: materializations where something new exists,
    observations otherwise, and the checks' results.

    An AssetMaterialization, not a MaterializeResult: the same entry in the asset's history,
    without an output. An output costs a STEP_OUTPUT event, and Dagster's check that a
    multi-asset yields its outputs in dependency order walks every output of the step for each
    one, which grew with the square of the catalog (~3 s at 250 sources, ~12 s at 500)."""
    raw, tidy = raw_key(entry), tidy_key(entry)
    landing = outcome.landing
    if raw in selected and landing is not None and known.get(raw, "") != landing.sha256:
        yield dg.AssetMaterialization(asset_key=raw, metadata=raw_metadata(outcome))
    if check_selected(entry, FETCH_CHECK):
        yield _fetch_check(entry, outcome)
    if tidy in selected:
        metadata = tidy_metadata(entry, outcome)
        if outcome.outcome == "loaded" or (outcome.outcome == "unchanged" and tidy not in known):
            yield dg.AssetMaterialization(asset_key=tidy_key(entry), metadata=metadata)
        else:  # unchanged or failed: the last materialization still describes the rows
            yield dg.AssetObservation(asset_key=tidy_key(entry), metadata=metadata)
    if check_selected(entry, TIDY_CHECK):
        # An instance that never recorded the tidy asset holds no load's result to repeat: not
        # looked up (a query per source: ~0.1 s of a no-change night at 200 sources).
        repeat = tidy not in selected or tidy in known
        yield _tidy_check(context.instance, entry, outcome, repeat=repeat)


def _mark_run(context: dg.AssetExecutionContext, failed: list[tuple[str, str]]) -> None:
    """Make a run with failed sources visible as such: a run tag the Runs list shows, and an
    error line in the run's log naming each source and its reason."""
    names = ", ".join(source_id for source_id, _ in failed)
    tag = f"{len(failed)}: {names}"
    context.instance.add_run_tags(
        context.run.run_id, {FAILED_SOURCES_TAG: tag if len(tag) <= 200 else tag[:197] + "..."}
    )
    lines = "\n".join(f"- {source_id}: {reason}" for source_id, reason in failed)
    context.log.error(f"{len(failed)} source(s) failed; their last good rows stay:\n{lines}")


def _fetch_check(entry: SourceEntry, outcome: SourceOutcome) -> dg.AssetCheckResult:
    # Only a failure AT the fetch is the file's; a parse or validation failure is tidy_valid's.
    fetched = outcome.ok or outcome.stage != "fetch"
    metadata = raw_metadata(outcome)
    return dg.AssetCheckResult(
        asset_key=raw_key(entry),
        check_name=FETCH_CHECK,
        passed=fetched,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=None if fetched else outcome.message[:500],
    )


def _tidy_check(
    instance, entry: SourceEntry, outcome: SourceOutcome, *, repeat: bool = True
) -> dg.AssetCheckResult:
    key = dg.AssetCheckKey(tidy_key(entry), TIDY_CHECK)
    if outcome.outcome == "unchanged" and repeat:
        # The rows are those of the last good load: its result stands (a failure since then is
        # not theirs: the same good file came back, so that failure is not repeated).
        again = repeat_last(instance, key, "the file and the catalog entry are unchanged")
        if again is not None and (again.passed or again.severity == dg.AssetCheckSeverity.WARN):
            return again
    return _check_result(entry, outcome)


def _check_result(entry: SourceEntry, outcome: SourceOutcome) -> dg.AssetCheckResult:
    # A partial load (declared in the catalog) passed the gate for the rows it loaded but held
    # others back: the check says so as a warning, never silently.
    partial = outcome.ok and outcome.quarantined > 0
    return dg.AssetCheckResult(
        asset_key=tidy_key(entry),
        check_name=TIDY_CHECK,
        passed=outcome.ok and not partial,
        severity=dg.AssetCheckSeverity.WARN if partial else dg.AssetCheckSeverity.ERROR,
        metadata={
            **outcome_metadata(outcome),
            **validation_metadata(outcome.validation),
            **quality_metadata(outcome),
        },
        description=None if outcome.ok else outcome.message[:500],
    )
