"""The warehouse build in proportion to change: when one source changed since the analyst file,
only its dimension table is rebuilt (and validated, and scanned); the others keep their rows and
their checks' last results, and every table equals what a full rebuild gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
import yaml

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.settings import Settings
from sources.catalog import DIMENSIONS, REPO_ROOT

FASKES = "dinkes_faskes"  # smart_living
OTHERS = ["kominfo_wifi_publik", "dishub_angkutan"]  # smart_mobility


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory):
    """Night 1 over three sources, then night 2 after two values of the faskes workbook
    swapped places (its totals still add up): (settings, night 2's result, instance)."""
    root = tmp_path_factory.mktemp("incremental")
    catalog = root / "catalog"
    catalog.mkdir()
    for source in [FASKES, *OTHERS]:
        shutil.copy(REPO_ROOT / f"sources/catalog/{source}.yaml", catalog)
    workbook = root / "faskes.xlsx"
    shutil.copy(REPO_ROOT / f"sources/samples/{FASKES}.SAMPLE.xlsx", workbook)
    entry = catalog / f"{FASKES}.yaml"
    data = yaml.safe_load(entry.read_text("utf-8"))
    entry.write_text(yaml.safe_dump({**data, "location": str(workbook)}), "utf-8")
    settings = Settings(
        warehouse=root / "analyst" / "kotapintar.duckdb",
        data_dir=root / "data",
        catalog_dir=catalog,
        offline=True,
    )
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    instance = dg.DagsterInstance.ephemeral()
    assert job.execute_in_process(instance=instance, raise_on_error=False).success
    _swap_two_values(workbook)
    second = job.execute_in_process(instance=instance, raise_on_error=False)
    assert second.success
    yield settings, second, instance
    instance.dispose()


def _swap_two_values(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for column in sheet.iter_cols(min_row=1):
        numbers = [c for c in column if isinstance(c.value, int | float) and c.value >= 100]
        if len(numbers) >= 2 and numbers[0].value != numbers[1].value:
            numbers[0].value, numbers[1].value = numbers[1].value, numbers[0].value
            book.save(path)
            return
    raise AssertionError(f"{path}: no two different numbers in a column to swap")


def _materialized(result) -> dict[str, dict]:
    return {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.all_events
        if e.is_step_materialization
    }


def test_only_the_changed_sources_dimension_is_rebuilt(two_nights):
    _settings, second, _instance = two_nights
    materialized = _materialized(second)
    rebuilt = {
        d for d in DIMENSIONS if getattr(materialized[d].get("rebuilt"), "value", True) is True
    }
    assert rebuilt == {"smart_living"}
    fact = materialized["fact_indikator"]
    assert fact["sources_rebuilt"].value == [FASKES]
    # The snapshot and the exports follow.
    assert {"analyst_snapshot", "open_exports"} <= set(materialized)


def test_a_kept_tables_suite_result_is_its_last_one_and_says_so(two_nights):
    _settings, second, _instance = two_nights
    evaluations = [
        e.event_specific_data
        for e in second.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    suites = {c.asset_key.to_user_string(): c for c in evaluations if c.check_name == "gx_suite"}
    assert (
        "no source of this dimension changed"
        in suites["smart_mobility"].metadata["unchanged"].value
    )
    assert "unchanged" not in suites["smart_living"].metadata
    assert all(s.passed for s in suites.values())


def test_every_table_equals_a_full_rebuild(two_nights):
    settings, _second, instance = two_nights
    work = settings.data_dir / "work.duckdb"
    tables = ["fact_indikator", *DIMENSIONS]

    def contents() -> dict[str, list]:
        with duckdb.connect(str(work), read_only=True) as con:
            return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}

    incremental = contents()
    assert incremental["smart_living"] and incremental["smart_mobility"]
    # The warehouse step selected on its own (no run_changes in the run) rebuilds everything.
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    full = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        asset_selection=[dg.AssetKey(t) for t in ["dim_wilayah", "dim_indikator", *tables]],
    )
    assert full.success
    assert all(
        getattr(_materialized(full)[d].get("rebuilt"), "value", True) is True for d in DIMENSIONS
    )
    assert contents() == incremental


def test_each_sources_checks_target_its_latest_materialization(two_nights):
    """The sources step reads its checks' target materializations in one go (CheckTargets):
    a source loaded tonight is judged on tonight's materialization, an unchanged one on the
    one of the night it was loaded."""
    _settings, second, instance = two_nights
    targets = {
        (e.asset_key.to_user_string(), e.check_name): e.target_materialization_data
        for e in (x.event_specific_data for x in second.all_events)
        if getattr(e, "check_name", None) in ("tidy_valid", "fetch_ok")
    }
    tonight = second.run_id
    records = instance.get_run_records()
    first = min(records, key=lambda r: r.create_timestamp).dagster_run.run_id  # night 1
    assert targets[(f"tidy_{FASKES}", "tidy_valid")].run_id == tonight
    assert targets[(f"raw_{FASKES}", "fetch_ok")].run_id == tonight
    for source in OTHERS:
        assert targets[(f"tidy_{source}", "tidy_valid")].run_id == first
        assert targets[(f"raw_{source}", "fetch_ok")].run_id == first
