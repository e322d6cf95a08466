"""End to end: the nightly job materialized into tmp_path, run twice, and with a broken source."""

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.settings import Settings
from pipelines.summary import summarize
from sources.catalog import DEFAULT_CATALOG_DIR

DIMENSION_TABLES = [
    "smart_governance",
    "smart_people",
    "smart_mobility",
    "smart_economy",
    "smart_environment",
    "smart_living",
]
# One of each kind keeps the per-test run short; the full catalog runs once below.
SMALL = ["dinkes_faskes", "diskopindag_umkm", "dishub_angkutan"]


def make_settings(tmp_path: Path, ids: list[str] | None = None) -> Settings:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for path in sorted(DEFAULT_CATALOG_DIR.glob("*.yaml")):
        if ids is None or path.stem in ids:
            shutil.copy(path, catalog / path.name)
    return Settings(
        warehouse=tmp_path / "analyst" / "kotapintar.duckdb",
        data_dir=tmp_path / "data",
        catalog_dir=catalog,
        offline=True,
    )


def run(settings: Settings):
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(raise_on_error=False)
    return summarize(result, settings, 0.0)


def read(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """The whole bundled catalog, materialized twice; both summaries and fact snapshots."""
    settings = make_settings(tmp_path_factory.mktemp("full"))
    first = run(settings)
    fact_1 = read(settings, "SELECT * FROM fact_indikator ORDER BY ALL")
    second = run(settings)
    fact_2 = read(settings, "SELECT * FROM fact_indikator ORDER BY ALL")
    return settings, first, second, fact_1, fact_2


def test_full_catalog_loads_every_source(full_run):
    _, first, _, _, _ = full_run
    assert first.success, first.render()
    assert len(first.sources) >= 12
    assert {s.outcome for s in first.sources} == {"loaded"}


def test_analyst_file_holds_regions_indicators_and_six_dimension_tables(full_run):
    settings = full_run[0]
    assert read(
        settings, "SELECT tingkat, count(*), count(kode_bps) FROM dim_wilayah GROUP BY 1 ORDER BY 1"
    ) == [
        ("kecamatan", 5, 5),
        ("kelurahan", 57, 57),  # BPS kelurahan codes since 2026-12-02
        ("kota", 1, 1),
    ]
    dims = read(settings, "SELECT dimensi, count(*) FROM dim_indikator GROUP BY 1")
    assert len(dims) == 6 and sum(n for _, n in dims) >= 12
    for table in DIMENSION_TABLES:
        assert read(settings, f"SELECT count(*) FROM {table}")[0][0] > 0, table
    orphans = "SELECT count(*) FROM fact_indikator ANTI JOIN dim_wilayah USING (kode_wilayah)"
    assert read(settings, orphans) == [(0,)]
    types = read(
        settings,
        "SELECT DISTINCT data_type FROM information_schema.columns "
        "WHERE column_name IN ('kode_wilayah', 'periode', 'kode_bps')",
    )
    assert types == [("VARCHAR",)]


def test_second_run_leaves_fact_identical(full_run):
    _, _, second, fact_1, fact_2 = full_run
    assert second.success, second.render()
    assert fact_1 == fact_2
    assert len(fact_1) > 1000
    # Nothing changed: every source is `unchanged` (not parsed, validated or reloaded).
    assert {s.outcome for s in second.sources} == {"unchanged"}, second.render()


def test_provenance_reaches_the_cell(full_run):
    settings = full_run[0]
    rows = read(
        settings,
        "SELECT f.lokasi, m.lokasi FROM fact_indikator f JOIN meta_muat m ON m.sha256 = "
        "f.berkas_sha256 WHERE f.sumber_id = 'dinkes_faskes' LIMIT 1",
    )
    cell, location = rows[0]
    assert cell.startswith("Faskes 2023!")
    assert location == "sources/samples/dinkes_faskes.SAMPLE.xlsx"


def test_truncated_workbook_fails_alone_and_keeps_last_good_rows(tmp_path):
    settings = make_settings(tmp_path, SMALL)
    assert run(settings).success
    before = read(
        settings, "SELECT * FROM fact_indikator WHERE sumber_id = 'dinkes_faskes' ORDER BY ALL"
    )
    assert before

    # The agency's next file arrives cut in half.
    entry_file = settings.catalog_dir / "dinkes_faskes.yaml"
    entry = yaml.safe_load(entry_file.read_text(encoding="utf-8"))
    good = Path(DEFAULT_CATALOG_DIR.parent.parent / entry["location"]).read_bytes()
    broken = tmp_path / "dinkes_faskes.SAMPLE.xlsx"
    broken.write_bytes(good[: len(good) // 2])
    entry["location"] = str(broken)
    entry_file.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")

    summary = run(settings)
    outcomes = {s.source_id: s for s in summary.sources}
    # Refused by the content check before parsing (issue 3): a corrupt workbook is rejected.
    assert outcomes["dinkes_faskes"].outcome == "rejected"
    assert "the workbook cannot be opened" in outcomes["dinkes_faskes"].message
    assert str(broken) in outcomes["dinkes_faskes"].message
    # The others are unaffected: their content did not change since the first run.
    assert outcomes["diskopindag_umkm"].outcome == "unchanged"
    assert outcomes["dishub_angkutan"].outcome == "unchanged"
    assert not summary.success
    assert summary.snapshot, "the snapshot of what passed is still published"
    after = read(
        settings, "SELECT * FROM fact_indikator WHERE sumber_id = 'dinkes_faskes' ORDER BY ALL"
    )
    assert after == before
    muat = read(
        settings,
        "SELECT outcome, message FROM meta_muat WHERE sumber_id = 'dinkes_faskes' "
        "ORDER BY loaded_at",
    )
    assert [m[0] for m in muat] == ["loaded", "rejected"]
    assert "workbook cannot be opened" in muat[-1][1]


def test_source_never_loaded_is_reported_and_others_publish(tmp_path):
    settings = make_settings(tmp_path, SMALL)
    entry_file = settings.catalog_dir / "diskopindag_umkm.yaml"
    entry = yaml.safe_load(entry_file.read_text(encoding="utf-8"))
    entry["location"] = "sources/samples/does-not-exist.csv"
    entry_file.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    summary = run(settings)
    outcomes = {s.source_id: s.outcome for s in summary.sources}
    assert outcomes == {
        "dinkes_faskes": "loaded",
        "diskopindag_umkm": "failed",
        "dishub_angkutan": "loaded",
    }
    assert read(settings, "SELECT DISTINCT sumber_id FROM fact_indikator ORDER BY 1") == [
        ("dinkes_faskes",),
        ("dishub_angkutan",),
    ]
