"""One asset factory over the catalog: per source, `raw/<id>` (the landed file) and `tidy/<id>`
(the validated long rows in the work database table `tidy.<id>`), all computed in ONE step,
`sources`, that refreshes the selected sources one after another (assets/source_step.py).

Why one step for every source: the fetch and the parse share the landing file, and on a night
with nothing new Dagster's per-step overhead (~0.3-0.45 s) was most of what a source cost. The
step is subsettable: materializing one source from the UI refreshes only that one. Why the
source check is not `blocking`: a blocking check stops every downstream asset, so one broken
agency would stop the whole city's fact table; instead the load itself is gated (a source that
fails is never loaded and its previous rows stay), and the failed check shows the reason and
evidence in the UI.

What a night with nothing new records (every source `unchanged`, nothing else new, see
`_nothing_new`): an observation of each `tidy/<id>` with the same metadata (outcome, rows,
freshness) and of `run_changes`, and no materialization: "writes nothing new" holds for the
Dagster event log too, and the rest of the job is skipped. Any other night materializes every
selected `tidy/<id>` with its `tidy_valid` check, and `raw/<id>` whenever a file landed or the
fetch failed.
"""

from typing import NamedTuple

import dagster as dg

from assets.changes_asset import RUN_CHANGES, detect_run_changes
from assets.metadata import (
    masks_personal_data,
    outcome_metadata,
    quality_metadata,
    validation_metadata,
)
from assets.publish_assets import PublicationResource
from assets.resources import KotaPintarResource
from assets.source_run import SourceOutcome
from assets.source_step import raw_metadata, refresh_each, tidy_metadata
from sources.catalog import SourceEntry

SOURCES_STEP = "sources"
TIDY_CHECK = "tidy_valid"
KIND_TAG = {"xlsx": "excel", "csv": "csv", "ckan_datastore": "ckan", "ckan_resource": "ckan"}


def raw_key(entry: SourceEntry) -> dg.AssetKey:
    return dg.AssetKey(["raw", entry.id])


def tidy_key(entry: SourceEntry) -> dg.AssetKey:
    return dg.AssetKey(["tidy", entry.id])


def _owners(entry: SourceEntry) -> list[str]:
    return [f"team:{entry.agency.code}"]


def _describe(entry: SourceEntry, what: str) -> str:
    indicators = "\n".join(f"- `{i.code}` {i.name_id} ({i.unit})" for i in entry.indicators)
    sample = "\n\n**SAMPLE data, not official figures.**" if entry.sample else ""
    return (
        f"{what}\n\n**{entry.title}**, produced by {entry.agency.name}; "
        f"{entry.kind} from `{entry.location}`; updated {entry.schedule}.{sample}\n\n"
        f"Indicators:\n{indicators}\n\nCatalog entry: `{entry.catalog_file}`."
    )


def _specs(entry: SourceEntry) -> list[dg.AssetSpec]:
    """The raw + tidy assets of one catalog entry."""
    return [
        dg.AssetSpec(
            key=raw_key(entry),
            group_name=entry.dimension,
            owners=_owners(entry),
            kinds={KIND_TAG[entry.kind], "file"},
            description=_describe(
                entry,
                "The agency file as fetched, kept in the landing folder with its URL or path, "
                "sha256 and fetch time. Re-running lands the same content on the same file.",
            ),
            tags={"agency": entry.agency.code, "kind": entry.kind},
            # Not materialized when the source is `unchanged`: no new file landed (304 or the
            # same sha256), so its last materialization still describes the file (see below).
            skippable=True,
        ),
        dg.AssetSpec(
            key=tidy_key(entry),
            deps=[raw_key(entry)],
            group_name=entry.dimension,
            owners=_owners(entry),
            kinds={"duckdb", "pandas"},
            description=_describe(
                entry,
                f"Tidy long rows (indikator, kode_wilayah, periode, nilai, status, lokasi) in "
                f"`tidy.{entry.id}` of the work database. Loaded only when validation passes, in "
                f"one transaction that replaces this source's rows, so a re-run never "
                f"duplicates and a failure keeps the last good rows.",
            ),
            tags={"agency": entry.agency.code},
            # Observed instead of materialized on a night with nothing new (see _nothing_new).
            skippable=True,
        ),
    ]


def _check(entry: SourceEntry) -> dg.AssetCheckSpec:
    """The tidy table's validation check of one catalog entry."""
    return dg.AssetCheckSpec(
        TIDY_CHECK,
        asset=tidy_key(entry),
        description="Fetch, parse, the Great Expectations suite (keys not null, kode_wilayah "
        "known, periode well-formed, nilai numeric, key unique, plus the catalog's value "
        "ranges, allowed values, year-over-year change, expected regions and periods) and the "
        "personal-data guard of this source passed. Not blocking on purpose: a blocking check "
        "would stop every source's tables downstream; instead a failing source is never loaded "
        "(its last good rows stay), its rows go to `karantina` and its agency's correction "
        "workbook, and this check fails (ERROR; WARN for a declared partial load) with the "
        "evidence and the Data Docs page.",
    )


def build_source_assets(entries: list[SourceEntry]) -> dg.AssetsDefinition:
    """Every catalog entry's raw + tidy assets and tidy_valid check, in the one `sources` step."""

    @dg.multi_asset(
        name=SOURCES_STEP,
        specs=[spec for entry in entries for spec in _specs(entry)],
        check_specs=[_check(entry) for entry in entries],
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
        todo = [e for e in entries if raw_key(e) in selected or tidy_key(e) in selected]
        # Each outcome is described (metadata, check result) as soon as it arrives and then let
        # go: its parsed frame, GX result and evidence are large, and 500 sources kept alive
        # until the step's end cost ~1 GiB of RSS (bench/run.py, 500 x 10,000).
        done: list[_Described] = []
        for entry, outcome in refresh_each(
            todo,
            kotapintar,
            run_id=context.run.run_id,
            fetch=lambda e: raw_key(e) in selected,
            log=context.log,
        ):
            # An unchanged source landed nothing new: re-materializing raw would only repeat its
            # last materialization (the fetch is in meta_muat and the tidy metadata).
            if raw_key(entry) in selected and outcome.outcome != "unchanged":
                yield dg.MaterializeResult(asset_key=raw_key(entry), metadata=raw_metadata(outcome))
            done.append(
                _Described(
                    entry,
                    outcome.outcome,
                    tidy_metadata(entry, outcome) if tidy_key(entry) in selected else None,
                    _check_result(entry, outcome)
                    if dg.AssetCheckKey(tidy_key(entry), TIDY_CHECK) in checks
                    else None,
                )
            )
        # Only a run of every source and run_changes (the nightly job) can have "nothing new";
        # a subset (one source materialized from the UI) materializes what it was asked for.
        planned = context.run.asset_selection  # empty or None: the whole job
        whole = len(done) == len(entries) and (not planned or dg.AssetKey(RUN_CHANGES) in planned)
        quiet = _nothing_new(context, kotapintar, done, publication.export_dir) if whole else None
        for described in done:
            key = tidy_key(described.entry)
            if described.tidy is None:
                continue
            if quiet is not None:
                # Same metadata as a materialization; the last materialization and its
                # tidy_valid evaluation stay those of the load the rows came from.
                yield dg.AssetObservation(asset_key=key, metadata=described.tidy)
                continue
            yield dg.MaterializeResult(asset_key=key, metadata=described.tidy)
            if described.check is not None:
                yield described.check
        if quiet is not None:
            # No tidy output: run_changes and the whole warehouse build are skipped; this is
            # the observation run_changes would have recorded (the run summary reads it).
            yield dg.AssetObservation(asset_key=RUN_CHANGES, metadata=quiet)

    return sources


class _Described(NamedTuple):
    """One source's outcome as the step reports it (the outcome itself is let go)."""

    entry: SourceEntry
    outcome: str
    tidy: dict | None  # the tidy metadata, when tidy/<id> is selected
    check: dg.AssetCheckResult | None  # tidy_valid, when selected


def _nothing_new(
    context: dg.AssetExecutionContext,
    kotapintar: KotaPintarResource,
    done: list[_Described],
    export_dir: str | None = None,
) -> dict | None:
    """The run_changes metadata when the night has nothing new, else None.

    Nothing new: every source `unchanged`, the last `tidy/<id>` materialization on this Dagster
    instance of each was good (else the UI still shows a failure that this run must replace),
    and run_changes' own question (catalog, region reference, failures since the snapshot)
    finds nothing. Then the sources step records observations instead of re-materializing 15
    unchanged tables and re-evaluating their checks: on the SQLite instance each event is its
    own committed transaction, and those writes were most of a no-change night."""
    if any(d.outcome != "unchanged" for d in done):
        return None
    records = context.instance.get_asset_records([tidy_key(d.entry) for d in done])
    good = {
        record.asset_entry.asset_key
        for record in records
        if (last := record.asset_entry.last_materialization) is not None
        and getattr(last.asset_materialization.metadata.get("outcome"), "value", None)
        in ("loaded", "unchanged")
    }
    if len(good) < len(done):
        return None
    entries = [d.entry for d in done]
    changes, metadata = detect_run_changes(entries, kotapintar, context.log, export_dir)
    return None if changes.changed else metadata


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
    )
