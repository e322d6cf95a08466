"""Warehouse assets: the dimensions, the fact table, one table per smart-city dimension and the
analyst snapshot. Each rebuilds its table from its inputs in one transaction, so a re-run gives
the same rows; the snapshot is gated by the blocking integrity check on `fact_indikator`."""

from pathlib import Path

import dagster as dg

from assets.changes_asset import build_run_changes
from assets.metadata import masks_personal_data, preview_markdown
from assets.resources import KotaPintarResource
from assets.source_assets import tidy_key
from sources.catalog import DIMENSIONS, SourceEntry
from sources.catalog_frames import indikator_frame, sumber_frame
from sources.wilayah import reference_frame
from warehouse.integrity import fact_problems
from warehouse.kualitas import blocked_tables
from warehouse.load import (
    build_dimension_table,
    build_fact,
    load_dim_indikator,
    load_dim_wilayah,
    load_meta_sumber,
)
from warehouse.published import loaded_sources
from warehouse.snapshot import publish_snapshot

GROUP = "warehouse"
OWNER = ["team:kominfo"]  # Dinas Kominfo is the city's walidata (data steward)
META_TABLES = ["dim_wilayah", "dim_indikator", "meta_sumber", "meta_muat", "karantina"]
SNAPSHOT_TABLES = [*META_TABLES, "fact_indikator", *DIMENSIONS, "meta_kualitas"]
# What the personal-data guard scans: every published table but its own verdicts (masked).
GUARDED_TABLES = [t for t in SNAPSHOT_TABLES if t != "meta_kualitas"]
DIMENSION_TITLES = {
    "smart_governance": "Smart Governance (tata kelola pemerintahan)",
    "smart_people": "Smart People (masyarakat)",
    "smart_mobility": "Smart Mobility (mobilitas)",
    "smart_economy": "Smart Economy (ekonomi)",
    "smart_environment": "Smart Environment (lingkungan)",
    "smart_living": "Smart Living (kehidupan)",
}


def _table_preview(con, table: str) -> dict:
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    head = con.execute(f"SELECT * FROM {table} LIMIT 10").df()
    return {"dagster/row_count": rows, "preview": dg.MetadataValue.md(preview_markdown(head))}


def build_warehouse_assets(entries: list[SourceEntry]) -> list:
    """Every warehouse asset and check for the catalog `entries`."""
    tidy_keys = [tidy_key(e) for e in entries]
    source_ids = [e.id for e in entries]
    # The gate: when nothing is new it is skipped, and so is everything below (changes_asset.py).
    run_changes = build_run_changes(entries, tidy_keys)

    @dg.asset(
        deps=[run_changes],
        group_name=GROUP,
        owners=OWNER,
        kinds={"duckdb"},
        description="Regions of Kota Malang: the city (35.73), its 5 kecamatan and 57 "
        "kelurahan, with Kemendagri codes (`kode_wilayah`) and BPS codes (`kode_bps`; the "
        "bundled reference has none for kelurahan, so they stay NULL). Codes are text.",
    )
    @masks_personal_data
    def dim_wilayah(kotapintar: KotaPintarResource) -> dg.MaterializeResult:
        with kotapintar.work_db() as con:
            load_dim_wilayah(con, reference_frame())
            return dg.MaterializeResult(metadata=_table_preview(con, "dim_wilayah"))

    @dg.asset(
        deps=[run_changes],
        group_name=GROUP,
        owners=OWNER,
        kinds={"duckdb"},
        description="Every indicator in the catalog: names (Indonesian, English), dimension, "
        "national smart-city pillar, unit, direction, definition, producing agency, update "
        "schedule and reference framework. Rebuilt from the catalog on each run.",
    )
    @masks_personal_data
    def dim_indikator(kotapintar: KotaPintarResource) -> dg.MaterializeResult:
        with kotapintar.work_db() as con:
            load_dim_indikator(con, indikator_frame(entries))
            return dg.MaterializeResult(metadata=_table_preview(con, "dim_indikator"))

    @dg.asset(
        deps=[run_changes],
        group_name=GROUP,
        owners=OWNER,
        kinds={"duckdb"},
        description="Every source in the catalog: title, producing agency, kind, location, "
        "schedule and whether it is sample data. The load history is in `meta_muat`.",
    )
    @masks_personal_data
    def meta_sumber(kotapintar: KotaPintarResource) -> dg.MaterializeResult:
        with kotapintar.work_db() as con:
            load_meta_sumber(con, sumber_frame(entries))
            return dg.MaterializeResult(metadata=_table_preview(con, "meta_sumber"))

    @dg.asset(
        deps=[*tidy_keys, dim_wilayah, dim_indikator],
        group_name=GROUP,
        owners=OWNER,
        kinds={"duckdb"},
        description="One row per (indikator, kode_wilayah, periode) with nilai, status "
        "(final / sementara / perkiraan), the source and the sheet+cell or record it came "
        "from, and the sha256 of the source file (join `meta_muat` on sha256 for URL and fetch "
        "time). Rebuilt in one transaction from the last good rows of every source.",
        check_specs=[
            dg.AssetCheckSpec(
                "fact_integrity",
                asset="fact_indikator",
                blocking=True,
                description="Every kode_wilayah is in dim_wilayah, every indikator in "
                "dim_indikator, and the key is unique. Blocks the analyst snapshot.",
            )
        ],
    )
    @masks_personal_data
    def fact_indikator(kotapintar: KotaPintarResource):
        with kotapintar.work_db() as con:
            loaded = loaded_sources(con, source_ids)
            build_fact(con, loaded)
            metadata = _table_preview(con, "fact_indikator")
            problems = fact_problems(con)
        yield dg.MaterializeResult(
            metadata={**metadata, "sources_loaded": len(loaded), "sources": len(source_ids)}
        )
        yield dg.AssetCheckResult(
            check_name="fact_integrity",
            passed=not problems,
            metadata={name: dg.MetadataValue.md(text) for name, text in problems.items()},
        )

    dimension_assets = [_dimension_asset(d) for d in DIMENSIONS]

    @dg.asset(
        deps=[
            dim_wilayah,
            dim_indikator,
            meta_sumber,
            fact_indikator,
            *dimension_assets,
            "meta_kualitas",
        ],
        group_name=GROUP,
        owners=OWNER,
        kinds={"duckdb"},
        description="The analyst file (KOTAPINTAR_WAREHOUSE, default "
        "warehouse/kotapintar.duckdb): a new file is built from the work database and renamed "
        "over the old one, so readers who hold the old file keep a consistent view. Only "
        "published after the blocking checks pass (fact_integrity, the tables' GX suites, the "
        "personal-data guard); a table whose guard verdict in `meta_kualitas` failed keeps its "
        "previously published version.",
    )
    @masks_personal_data
    def analyst_snapshot(kotapintar: KotaPintarResource) -> dg.MaterializeResult:
        with kotapintar.work_db() as con:
            blocked = blocked_tables(con, SNAPSHOT_TABLES)
        info = publish_snapshot(
            kotapintar.work_path,
            Path(kotapintar.warehouse),
            [t for t in SNAPSHOT_TABLES if t not in blocked],
            carry_over=blocked,
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(info.path)),
                "bytes": info.bytes,
                "seconds": round(info.seconds, 3),
                "tables": dg.MetadataValue.json(info.tables),
                "blocked_tables": dg.MetadataValue.json(blocked),
            }
        )

    return [
        run_changes,
        dim_wilayah,
        dim_indikator,
        meta_sumber,
        fact_indikator,
        *dimension_assets,
        analyst_snapshot,
    ]


def _dimension_asset(dimension: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=dimension,
        deps=["fact_indikator", "dim_indikator", "dim_wilayah"],
        group_name=dimension,
        owners=OWNER,
        kinds={"duckdb"},
        description=f"{DIMENSION_TITLES[dimension]}: every indicator of this dimension, one row "
        "per region and period, with the indicator's name and unit and the region's name and "
        "level, ready to query as is.",
        check_specs=[
            dg.AssetCheckSpec(
                "has_rows",
                asset=dimension,
                description="The dimension has data; it is empty only when none of its sources "
                "has ever loaded (a failing source keeps its last good rows).",
            )
        ],
    )
    @masks_personal_data
    def _dimension(kotapintar: KotaPintarResource):
        with kotapintar.work_db() as con:
            rows = build_dimension_table(con, dimension)
            metadata = _table_preview(con, dimension)
        yield dg.MaterializeResult(metadata=metadata)
        yield dg.AssetCheckResult(
            check_name="has_rows",
            passed=rows > 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rows": rows},
        )

    return _dimension
