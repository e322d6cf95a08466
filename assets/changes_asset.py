"""`run_changes`: the gate between the sources and the warehouse build.

The sources step (assets/source_assets.py) materializes it after every source, in each run that
selects it, with `changed`: whether anything is new since the analyst file was published (a
source loaded, failed or was rejected; the catalog or the region reference changed; no snapshot
yet; open exports that were not built from the current analyst file, e.g. after a run killed
between the snapshot's rename and the exports' swap; see warehouse/changes.py). When nothing is,
the warehouse step rebuilds nothing and repeats its checks' last results, and the snapshot and
the exports are skipped: a night with nothing new writes nothing new and costs little more than
the source fetches.

Why one decision upstream of the whole build rather than each table deciding for itself: the
build is either done whole or not at all, never half of it.
"""

import dagster as dg

from assets.resources import KotaPintarResource
from sources.catalog import SourceEntry
from sources.catalog_frames import indikator_frame, sumber_frame
from sources.wilayah import reference_frame
from warehouse.changes import Changes, detect_changes

RUN_CHANGES = "run_changes"


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
