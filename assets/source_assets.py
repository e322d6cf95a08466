"""One asset factory over the catalog: per source, `raw/<id>` (the landed file) and `tidy/<id>`
(the validated long rows in the work database table `tidy.<id>`), computed in one step.

Why one step for two assets: the fetch and the parse share the landing file and per-step
overhead dominates small sources. Why the source check is not `blocking`: a blocking check
stops every downstream asset, so one broken agency would stop the whole city's fact table;
instead the load itself is gated (a source that fails is never loaded and its previous rows
stay), and the failed check shows the reason and evidence in the UI.
"""

import dagster as dg

from assets.metadata import (
    outcome_metadata,
    preview_markdown,
    quality_metadata,
    validation_metadata,
)
from assets.resources import KotaPintarResource
from assets.source_run import SourceOutcome, refresh_source
from sources.catalog import SourceEntry

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


def build_source_assets(entry: SourceEntry) -> dg.AssetsDefinition:
    """The raw + tidy assets of one catalog entry, with the tidy table's validation check."""
    specs = [
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
        ),
    ]
    check = dg.AssetCheckSpec(
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

    @dg.multi_asset(
        name=f"source__{entry.id}",
        specs=specs,
        check_specs=[check],
        can_subset=True,
    )
    def _source(context: dg.AssetExecutionContext, kotapintar: KotaPintarResource):
        selected = context.selected_asset_keys
        outcome = refresh_source(
            entry,
            landing_root=kotapintar.landing_root,
            work_db=kotapintar.work_db,
            offline=kotapintar.offline,
            muat_id=f"{context.run.run_id}:{entry.id}",
            fetch=raw_key(entry) in selected,
            quality=kotapintar.quality,
            http=kotapintar.http,
            ckan_token=kotapintar.feed_token,
        )
        (context.log.info if outcome.ok else context.log.error)(
            f"{entry.id}: {outcome.outcome} ({outcome.rows} rows published)"
            + (f" — {outcome.message}" if outcome.message else "")
        )
        if raw_key(entry) in selected:
            yield dg.MaterializeResult(asset_key=raw_key(entry), metadata=_raw_metadata(outcome))
        if tidy_key(entry) in selected:
            changed = outcome.data_changed_at
            metadata = _tidy_metadata(outcome)
            if changed is not None:
                # What the freshness check reads (assets/freshness.py): when the data changed.
                metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(changed)
            yield dg.MaterializeResult(asset_key=tidy_key(entry), metadata=metadata)
            # A partial load (declared in the catalog) passed the gate for the rows it loaded
            # but held others back: the check says so as a warning, never silently.
            partial = outcome.ok and outcome.quarantined > 0
            yield dg.AssetCheckResult(
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

    return _source


def _raw_metadata(outcome: SourceOutcome) -> dict:
    metadata = outcome_metadata(outcome)
    if outcome.landing is not None:
        metadata.update(
            {
                "path": dg.MetadataValue.path(outcome.landing.path),
                "sha256": outcome.landing.sha256,
                "bytes": outcome.landing.bytes,
                "fetched_at": outcome.landing.fetched_at,
                "location": outcome.landing.location,
                # What the server said (conditional GET, portal timestamps); no body when
                # not_modified.
                **{
                    key: value
                    for key in ("url", "http_status", "etag", "last_modified", "not_modified")
                    if (value := getattr(outcome.landing, key)) not in (None, False)
                },
            }
        )
    return metadata


def _tidy_metadata(outcome: SourceOutcome) -> dict:
    metadata = {
        **outcome_metadata(outcome),
        "dagster/row_count": outcome.rows,
        "parsed_rows": outcome.parsed_rows,
        "rows_quarantined": outcome.quarantined,
    }
    if outcome.workbook is not None:
        metadata["koreksi"] = dg.MetadataValue.path(str(outcome.workbook))
    if outcome.preview is not None:
        metadata["preview"] = dg.MetadataValue.md(preview_markdown(outcome.preview))
    return metadata
