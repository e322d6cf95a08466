"""The analyst snapshot, built from the warehouse step's tables (assets/warehouse_build.py):
published only when the step's blocking checks passed (Dagster skips it otherwise), and not on
a night with nothing new (no table was materialized, so it is skipped too)."""

from pathlib import Path

import dagster as dg

from assets.metadata import masks_personal_data
from assets.resources import KotaPintarResource
from assets.run_memo import work_prints
from assets.table_metadata import analyst_table_names
from assets.warehouse_build import GUARD, OWNER, PUBLICATION_GROUP, build_warehouse_step
from sources.catalog import DIMENSIONS, SourceEntry
from warehouse.dictionary import DIMENSION_KEY
from warehouse.kualitas import blocked_tables
from warehouse.snapshot import publish_snapshot

META_TABLES = ["dim_wilayah", "dim_indikator", "meta_sumber", "meta_muat", "karantina"]
SNAPSHOT_TABLES = [*META_TABLES, "fact_indikator", *DIMENSIONS, "meta_kualitas"]
# What the personal-data guard scans: every published table but its own verdicts (masked).
GUARDED_TABLES = [t for t in SNAPSHOT_TABLES if t != "meta_kualitas"]


def build_warehouse_assets(entries: list[SourceEntry]) -> list:
    """The warehouse step and the analyst snapshot for the catalog `entries`."""

    @dg.asset(
        deps=["dim_wilayah", "dim_indikator", "meta_sumber", "fact_indikator", *DIMENSIONS, GUARD],
        group_name=PUBLICATION_GROUP,
        owners=OWNER,
        kinds={"duckdb"},
        description="The analyst file (KOTAPINTAR_WAREHOUSE, default "
        "warehouse/kotapintar.duckdb): a new file is built from the work database and renamed "
        "over the old one, so readers who hold the old file keep a consistent view. Only "
        "published after the blocking checks pass (fact_integrity, the tables' GX suites, the "
        "personal-data guard); a table whose guard verdict in `meta_kualitas` failed keeps its "
        "previously published version. The file describes itself: a comment (Indonesian and "
        "English) on every table, view and column, the `kamus_data` table, and views for the "
        "common questions (`nilai_indikator`, `nilai_agregasi`, `nilai_gabungan`, "
        "`nilai_terakhir`).",
    )
    @masks_personal_data
    def analyst_snapshot(
        context: dg.AssetExecutionContext, kotapintar: KotaPintarResource
    ) -> dg.MaterializeResult:
        with kotapintar.work_db() as con:
            blocked = blocked_tables(con, SNAPSHOT_TABLES)
        info = publish_snapshot(
            kotapintar.work_path,
            Path(kotapintar.warehouse),
            [t for t in SNAPSHOT_TABLES if t not in blocked],
            carry_over=blocked,
            # The open exports read them as stored, in key order.
            keep_order=dict.fromkeys(DIMENSIONS, DIMENSION_KEY),
            # What the personal-data guard of this run hashed last (assets/run_memo.py).
            work_prints=work_prints(context.run.run_id),
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(info.path)),
                "bytes": info.bytes,
                "seconds": round(info.seconds, 3),
                "tables": dg.MetadataValue.json(info.tables),
                # The names to query: the same tables as the work database's, in this file.
                "table_names": dg.MetadataValue.json(analyst_table_names(info.path, info.tables)),
                # The analyst views (warehouse/analyst.py), named as in the file.
                "views": dg.MetadataValue.json(analyst_table_names(info.path, info.views)),
                "blocked_tables": dg.MetadataValue.json(blocked),
                # Same rows as in the previous file: kept there, not copied again.
                "unchanged_tables": dg.MetadataValue.json(list(info.unchanged)),
            }
        )

    return [build_warehouse_step(entries, GUARDED_TABLES), analyst_snapshot]
