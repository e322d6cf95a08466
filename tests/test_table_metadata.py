"""Table assets tell Dagster what they are: `dagster/table_name`, `dagster/column_schema` read
from DuckDB, a typed preview; source assets link their catalog entry as a code reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from assets.metadata import catalog_code_reference, with_python_code_references
from assets.source_assets import tidy_key
from assets.table_metadata import analyst_table_names, preview_table, table_metadata, work_table
from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.settings import Settings
from sources.catalog import DEFAULT_CATALOG_DIR, REPO_ROOT, load_catalog, load_entry

TABLES = ["dim_wilayah", "smart_people", "meta_kualitas"]


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    """dim_wilayah, smart_people and meta_kualitas materialized alone (no source is fetched):
    (settings, definitions, materialization metadata by table)."""
    root = tmp_path_factory.mktemp("tables")
    catalog = root / "catalog"
    catalog.mkdir()
    shutil.copy(DEFAULT_CATALOG_DIR / "dinkes_faskes.yaml", catalog)
    settings = Settings(
        warehouse=root / "analyst" / "kotapintar.duckdb",
        data_dir=root / "data",
        catalog_dir=catalog,
        offline=True,
    )
    defs = build_definitions(settings)
    result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
        asset_selection=[dg.AssetKey(t) for t in TABLES], raise_on_error=False
    )
    metadata = {
        m.asset_key.to_user_string(): m.metadata for m in result.get_asset_materialization_events()
        for m in [m.event_specific_data.materialization]
    }  # fmt: skip
    assert set(metadata) == set(TABLES), metadata.keys()
    return settings, defs, metadata


def _columns(settings: Settings, table: str) -> list[tuple]:
    with duckdb.connect(str(settings.data_dir / "work.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()


@pytest.mark.parametrize("table", TABLES)
def test_materialization_carries_the_tables_name_and_real_columns(materialized, table):
    settings, _, metadata = materialized
    recorded = metadata[table]
    assert recorded["dagster/table_name"].value == f"work.main.{table}"
    schema = recorded["dagster/column_schema"].value
    assert isinstance(schema, dg.TableSchema)
    assert [(c.name, c.type, c.constraints.nullable) for c in schema.columns] == _columns(
        settings, table
    )
    assert isinstance(recorded["preview"], dg.TableMetadataValue)
    assert recorded["dagster/row_count"].value >= len(recorded["preview"].records)


def test_the_preview_is_a_typed_table_of_the_first_rows(materialized):
    recorded = materialized[2]["dim_wilayah"]
    preview = recorded["preview"]
    assert recorded["dagster/row_count"].value == 63
    assert len(preview.records) == 10
    assert preview.records[0].data["kode_wilayah"] == "35.73"
    assert [c.name for c in preview.schema.columns] == list(preview.records[0].data)
    kode = recorded["dagster/column_schema"].value.columns[0]
    assert (kode.name, kode.constraints.unique) == ("kode_wilayah", True)  # the primary key


def test_columns_carry_the_data_dictionary(materialized):
    schema = materialized[2]["smart_people"]["dagster/column_schema"].value
    columns = {c.name: c for c in schema.columns}
    assert columns["nilai"].description.startswith("Value: Indicator value in its unit")
    assert columns["kode_wilayah"].description.startswith("Region code: Kemendagri")
    # meta_kualitas has its own entries in the dictionary (warehouse/kamus.py), not the
    # smart_* meanings of a column name.
    guard = materialized[2]["meta_kualitas"]["dagster/column_schema"].value
    described = {c.name: c.description for c in guard.columns}
    assert described["lolos"] == "Passed: true when the table may be published."
    assert None not in described.values()


def test_definitions_name_the_tables_before_any_run(materialized):
    defs = materialized[1]
    for table in [*TABLES, "fact_indikator", "dim_indikator", "meta_sumber"]:
        spec = defs.resolve_assets_def(table).specs_by_key[dg.AssetKey(table)]
        assert spec.metadata["dagster/table_name"] == f"work.main.{table}"
    assert "dagster/table_name" not in defs.resolve_assets_def("analyst_snapshot").metadata_by_key


def test_table_names_tell_the_work_database_from_the_analyst_file(tmp_path):
    assert work_table("fact_indikator") == {"dagster/table_name": "work.main.fact_indikator"}
    assert analyst_table_names(tmp_path / "kotapintar.duckdb", {"fact_indikator": 3}) == [
        "kotapintar.main.fact_indikator"
    ]
    with duckdb.connect(str(tmp_path / "kotapintar.duckdb")) as con:
        con.execute("CREATE SCHEMA tidy; CREATE TABLE tidy.x (a INTEGER NOT NULL)")
        metadata = table_metadata(con, "tidy.x")
        assert metadata["dagster/table_name"] == "kotapintar.tidy.x"
        assert metadata["dagster/row_count"] == 0 and metadata["preview"].records == []
        with pytest.raises(LookupError) as missing:
            table_metadata(con, "tidy.y")
    assert str(missing.value) == "Table tidy.y does not exist in database `kotapintar`."


def test_preview_table_of_a_frame_stores_plain_values():
    frame = pd.DataFrame(
        {
            "kode": ["35.73", None, "35.73.02"],
            "n": np.array([1, 2, 3], dtype="int64"),
            "nilai": [1.5, np.nan, np.inf],
            "ok": [True, False, True],
            "kapan": pd.to_datetime(["2024-01-31", None, "2024-03-01"]),
        }
    )
    preview = preview_table(frame, limit=2)
    assert [r.data for r in preview.records] == [
        {"kode": "35.73", "n": 1, "nilai": 1.5, "ok": True, "kapan": "2024-01-31 00:00:00"},
        {"kode": None, "n": 2, "nilai": None, "ok": False, "kapan": None},
    ]
    assert [(c.name, c.type) for c in preview.schema.columns] == [
        ("kode", "string"),
        ("n", "int"),
        ("nilai", "float"),
        ("ok", "bool"),
        ("kapan", "datetime"),
    ]
    assert preview_table(frame).records[2].data["nilai"] == "inf"


def test_catalog_code_reference_points_at_the_entry_line(tmp_path):
    [entry] = [e for e in load_catalog() if e.id == "dinkes_faskes"]
    [reference] = catalog_code_reference(entry)["dagster/code_references"].code_references
    path = REPO_ROOT / "sources" / "catalog" / "dinkes_faskes.yaml"
    assert reference.file_path == str(path) and reference.label == "catalog entry"
    line = reference.line_number
    assert path.read_text(encoding="utf-8").splitlines()[line - 1] == "id: dinkes_faskes"

    # An entry outside the repository (an operator's catalog folder): its absolute path.
    outside = tmp_path / "dinkes_faskes.yaml"
    outside.write_text("# moved\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    moved = load_entry(outside)
    [reference] = catalog_code_reference(moved)["dagster/code_references"].code_references
    assert (reference.file_path, reference.line_number) == (str(outside), line + 2)
    spec = dg.AssetSpec("x", metadata=catalog_code_reference(moved))
    assert Path(spec.metadata["dagster/code_references"].code_references[0].file_path).is_file()
    assert catalog_code_reference(moved.model_copy(update={"catalog_file": ""})) == {}


def test_python_code_references_point_at_the_asset_function_not_the_masking_wrapper(
    materialized,
):
    defs = materialized[1]
    linked = with_python_code_references(list(defs.assets))
    graph = dg.Definitions(assets=linked, resources=defs.resources).resolve_asset_graph()

    def references(key: dg.AssetKey) -> list[tuple[str, str | None]]:
        value = graph.get(key).metadata["dagster/code_references"]
        return [(Path(r.file_path).name, r.label) for r in value.code_references]

    assert references(dg.AssetKey("analyst_snapshot")) == [("warehouse_assets.py", "Python")]
    [entry] = load_catalog(materialized[0].catalog_dir)
    assert references(tidy_key(entry)) == [
        ("dinkes_faskes.yaml", "catalog entry"),
        ("source_assets.py", "Python"),
    ]
