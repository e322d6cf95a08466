"""`run_changes`: the gate between the sources and the warehouse build.

It runs after every source and materializes only when something is new since the analyst file
was published (a source loaded, failed or was rejected; the catalog or the region reference
changed; no snapshot yet; open exports that were not built from the current analyst file, e.g.
after a run killed between the snapshot's rename and the exports' swap; see
warehouse/changes.py). When nothing is, it records an observation
and yields no materialization, and Dagster skips every asset built from it: the dimension and
fact tables, their checks, the analyst snapshot and the exports. A night with nothing new thus
writes nothing new and costs little more than the source fetches.

Why a gate asset rather than each warehouse asset deciding for itself: Dagster skips a step when
any upstream output is missing, so one decision upstream of the whole build is the only way to
skip all of it consistently (and never skip half of it).

On a night when every source is `unchanged` and nothing else is new, the sources step asks the
same question (`detect_run_changes`) itself and records this asset's observation; it then
yields no `tidy/<id>` output, so this step is skipped with the rest (assets/source_assets.py).
"""

import dagster as dg

from assets.metadata import masks_personal_data
from assets.publish_assets import PublicationResource
from assets.resources import KotaPintarResource
from sources.catalog import SourceEntry
from sources.catalog_frames import indikator_frame, sumber_frame
from sources.wilayah import reference_frame
from warehouse.changes import Changes, detect_changes

RUN_CHANGES = "run_changes"


def build_run_changes(entries: list[SourceEntry], tidy_keys: list[dg.AssetKey]):
    """The gate asset over the catalog's `tidy_keys`."""

    @dg.asset(
        name=RUN_CHANGES,
        deps=tidy_keys,
        group_name="warehouse",
        owners=["team:kominfo"],
        kinds={"duckdb"},
        output_required=False,
        description="What is new since the analyst snapshot was published: sources loaded, "
        "failed or rejected, and catalog changes. Materialized only when something is; when "
        "nothing is (every source `unchanged`, same catalog) it is skipped, and with it the "
        "dimension and fact tables, their checks, the snapshot and the exports: a night with "
        "nothing new writes nothing new.",
    )
    @masks_personal_data
    def run_changes(
        context: dg.AssetExecutionContext,
        kotapintar: KotaPintarResource,
        publication: PublicationResource,
    ):
        changes, metadata = detect_run_changes(
            entries, kotapintar, context.log, publication.export_dir
        )
        if changes.changed:
            yield dg.MaterializeResult(metadata=metadata)
        else:
            yield dg.AssetObservation(asset_key=context.asset_key, metadata=metadata)

    return run_changes


def detect_run_changes(
    entries: list[SourceEntry],
    kotapintar: KotaPintarResource,
    log: dg.DagsterLogManager,
    export_dir: str | None = None,
) -> tuple[Changes, dict]:
    """What is new since the analyst snapshot (warehouse/changes.py), with the metadata of the
    `run_changes` materialization or observation; logs the skip when nothing is. `export_dir`:
    the open exports the nightly job keeps up, checked against the analyst file."""
    reference = {
        "dim_wilayah": reference_frame(),
        "dim_indikator": indikator_frame(entries),
        "meta_sumber": sumber_frame(entries),
    }
    with kotapintar.work_db() as con:
        changes = detect_changes(con, kotapintar.warehouse, reference, export_dir)
    metadata = {
        "changed": changes.changed,
        "summary": dg.MetadataValue.text(changes.summary()),
        "since_publish": dg.MetadataValue.json(changes.since_publish),
        "tables_differing": dg.MetadataValue.json(changes.tables),
        "exports_stale": dg.MetadataValue.text(changes.exports or "no"),
    }
    if changes.published_at is not None:
        metadata["published_at"] = changes.published_at.isoformat(timespec="seconds")
    if not changes.changed:
        log.info(f"{RUN_CHANGES}: {changes.summary()}; the warehouse build is skipped")
    return changes, metadata
