"""The nothing-new check before a run (pipelines/quiet_night.py): it says "nothing new" only when
the job would find nothing new, and otherwise names why the job must run."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines import quiet_night
from pipelines.settings import Settings
from sources.catalog import REPO_ROOT

ROOT = Path(__file__).resolve().parents[1]
FASKES = "dinkes_faskes"
# A local workbook (copied, so a test can change it), a local CSV and an offline CKAN feed.
ENTRIES = [FASKES, "kominfo_wifi_publik", "dishub_angkutan"]


@pytest.fixture(scope="module")
def first_night(tmp_path_factory) -> Path:
    """A folder after one successful nightly job over ENTRIES (catalog, data, analyst file)."""
    from pipelines.definitions import NIGHTLY_JOB, build_definitions

    root = tmp_path_factory.mktemp("quiet")
    catalog = root / "catalog"
    catalog.mkdir()
    for source in ENTRIES:
        shutil.copy(REPO_ROOT / f"sources/catalog/{source}.yaml", catalog)
    shutil.copy(REPO_ROOT / f"sources/samples/{FASKES}.SAMPLE.xlsx", root / "faskes.xlsx")
    _edit_entry(catalog, FASKES, location=str(root / "faskes.xlsx"))
    job = build_definitions(_settings(root)).resolve_job_def(NIGHTLY_JOB)
    assert job.execute_in_process(raise_on_error=False).success
    return root


@pytest.fixture
def night(first_night, tmp_path) -> Path:
    """A copy of the first night's data and analyst folders for one test to change. The catalog
    and the workbook stay where they are (a catalog in another folder is another entry):
    `catalog` and `faskes` change those and restore them."""
    root = tmp_path / "night"
    for folder in ("data", "analyst"):
        shutil.copytree(first_night / folder, root / folder)
    (root / "catalog").symlink_to(first_night / "catalog")
    return root


@pytest.fixture
def catalog(first_night):
    """The catalog folder, restored after the test."""
    folder = first_night / "catalog"
    kept = {path: path.read_bytes() for path in folder.iterdir()}
    yield folder
    for path in folder.iterdir():
        path.unlink()
    for path, content in kept.items():
        path.write_bytes(content)


@pytest.fixture
def faskes(first_night):
    """The workbook dinkes_faskes reads, restored after the test."""
    path = first_night / "faskes.xlsx"
    kept = path.read_bytes()
    yield path
    path.write_bytes(kept)


def _settings(root: Path, **changes) -> Settings:
    settings = Settings(
        warehouse=root / "analyst" / "kotapintar.duckdb",
        data_dir=root / "data",
        catalog_dir=(root / "catalog").resolve(),
        offline=True,
    )
    return dataclasses.replace(settings, **changes)


def _edit_entry(catalog: Path, source: str, **fields) -> None:
    path = catalog / f"{source}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    path.write_text(yaml.safe_dump({**data, **fields}, allow_unicode=True), "utf-8")


def _work(root: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(root / "data" / quiet_night.WORK_DB_FILE))


def test_the_work_database_file_name_is_the_resources_one():
    from assets.resources import WORK_DB_FILE

    assert quiet_night.WORK_DB_FILE == WORK_DB_FILE


def test_nothing_new_after_a_good_night_with_each_sources_rows(night):
    verdict = quiet_night.check(_settings(night))
    assert verdict.summary is not None, verdict.reason
    summary = verdict.summary
    assert [s.source_id for s in summary.sources] == sorted(ENTRIES)
    assert {s.outcome for s in summary.sources} == {"unchanged"}
    with _work(night) as con:
        for line in summary.sources:
            loaded = con.execute(f"SELECT count(*) FROM tidy.{line.source_id}").fetchone()[0]
            assert line.rows == loaded > 0
    assert summary.success and summary.unchanged_since
    assert "Nothing new since the analyst snapshot" in summary.render()


def test_a_changed_file_needs_the_job(night, faskes):
    shutil.copy(REPO_ROOT / "sources/samples/dinkes_stunting.SAMPLE.xlsx", faskes)
    verdict = quiet_night.check(_settings(night))
    assert verdict.summary is None
    assert verdict.reason == f"{FASKES}: new content or catalog entry"
    assert [s.source_id for s in verdict.unchanged] == ["dishub_angkutan", "kominfo_wifi_publik"]


def test_an_edited_catalog_entry_needs_the_job(night, catalog):
    _edit_entry(catalog, "kominfo_wifi_publik", title="Titik WiFi publik (SAMPLE, diubah)")
    verdict = quiet_night.check(_settings(night))
    assert verdict.reason == "kominfo_wifi_publik: new content or catalog entry"


def test_a_removed_catalog_entry_needs_the_job(night, catalog):
    (catalog / "kominfo_wifi_publik.yaml").unlink()
    verdict = quiet_night.check(_settings(night))
    assert verdict.summary is None
    assert "differs from the catalog" in verdict.reason


def test_a_missing_file_is_left_to_the_job_to_report(night, faskes):
    faskes.unlink()
    assert quiet_night.check(_settings(night)).reason == f"{FASKES}: its fetch fails"


def test_a_failure_since_the_snapshot_needs_the_job(night):
    with _work(night) as con:
        con.execute(
            "INSERT INTO meta_muat (muat_id, sumber_id, loaded_at, outcome, message) "
            "VALUES ('later:dlh', 'dlh_ispu', now() + INTERVAL 1 MINUTE, 'failed', 'x')"
        )
    assert "dlh_ispu failed" in quiet_night.check(_settings(night)).reason


def test_stale_exports_need_the_job(night):
    (night / "data" / "exports" / "kp_export.json").unlink()
    verdict = quiet_night.check(_settings(night))
    assert verdict.summary is None and "export" in verdict.reason


def test_a_late_source_needs_the_job_so_its_alert_is_sent(night):
    with _work(night) as con:
        con.execute(
            "UPDATE meta_muat SET loaded_at = loaded_at - INTERVAL 3 YEAR "
            f"WHERE sumber_id = '{FASKES}'"
        )
    assert quiet_night.check(_settings(night)).reason.startswith(f"{FASKES} is late (")


def test_online_feeds_must_be_fetched_to_know_the_local_files_need_not(night):
    verdict = quiet_night.check(_settings(night, offline=False))
    assert verdict.reason == "dishub_angkutan must be fetched to know"
    assert [s.source_id for s in verdict.unchanged] == [FASKES, "kominfo_wifi_publik"]


def test_a_first_night_needs_the_job(tmp_path):
    assert quiet_night.check(_settings(tmp_path)).reason == "no work database yet"


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    settings = _settings(root)
    env = {
        "PATH": "/usr/bin:/bin",
        "KOTAPINTAR_CATALOG": str(settings.catalog_dir),
        "KOTAPINTAR_DATA_DIR": str(settings.data_dir),
        "KOTAPINTAR_WAREHOUSE": str(settings.warehouse),
        "KOTAPINTAR_OFFLINE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_cli_runs_only_the_sources_that_may_have_changed(night, faskes):
    shutil.copy(REPO_ROOT / "sources/samples/dinkes_stunting.SAMPLE.xlsx", faskes)
    run = _cli(night)
    assert run.returncode == 1, run.stdout + run.stderr  # not a faskes workbook any more
    assert f"starting the job: {FASKES}: new content or catalog entry" in run.stdout
    assert "(2 unchanged sources left out)" in run.stdout
    outcomes = {}  # the summary table's rows (the reasons follow it)
    for line in (line.split() for line in run.stdout.splitlines()):
        if line and line[0] in ENTRIES:
            outcomes.setdefault(line[0], line[1])
    assert outcomes == {
        FASKES: "failed",
        "dishub_angkutan": "unchanged",
        "kominfo_wifi_publik": "unchanged",
    }
    assert "2/3 sources ok, 1 failed" in run.stdout


def _swap_two_counts(workbook: Path) -> None:
    """New content whose totals still add up: two kecamatan swap their Posyandu counts."""
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    sheet = book.worksheets[0]
    sheet["G6"].value, sheet["G8"].value = sheet["G8"].value, sheet["G6"].value
    book.save(workbook)


def _smart_tables(analyst: Path) -> dict[str, list]:
    from warehouse.reference import DIMENSIONS
    from warehouse.snapshot import open_analyst

    with open_analyst(analyst) as con:
        return {d: con.execute(f"SELECT * FROM {d} ORDER BY ALL").fetchall() for d in DIMENSIONS}


def test_a_changed_source_plans_only_the_dimension_tables_it_can_change(night, faskes):
    import dagster as dg

    from assets.warehouse_build import REFERENCE_TABLES
    from warehouse.reference import DIMENSIONS

    _swap_two_counts(faskes)
    verdict = quiet_night.check(_settings(night))
    assert verdict.reason == f"{FASKES}: new content or catalog entry"
    assert verdict.dimensions == {"smart_living"}  # dinkes_faskes's indicators
    left = quiet_night.left_out(verdict)
    assert {dg.AssetKey(d) for d in DIMENSIONS if d != "smart_living"} <= left
    assert {dg.AssetKey(t) for t in REFERENCE_TABLES} <= left  # they equal the catalog
    assert not {dg.AssetKey(t) for t in ("smart_living", "fact_indikator", "meta_kualitas")} & left


def test_the_plan_includes_a_dimension_table_still_holding_a_changed_sources_rows(night, faskes):
    """A run that replaced a source's facts and failed before rebuilding the dimension tables
    leaves its old rows there: their dimension is planned too (else the build, which rebuilds
    it, would stop with "planned without them" night after night)."""
    with _work(night) as con:
        con.execute(
            "UPDATE smart_mobility SET sumber_id = ? "
            "WHERE rowid = (SELECT min(rowid) FROM smart_mobility)",
            [FASKES],
        )
    _swap_two_counts(faskes)
    verdict = quiet_night.check(_settings(night))
    assert verdict.dimensions == {"smart_living", "smart_mobility"}


def test_the_cli_rebuilds_the_changed_dimension_and_keeps_the_others(night, faskes):
    from pipelines.definitions import NIGHTLY_JOB, build_definitions

    analyst = _settings(night).warehouse
    before = _smart_tables(analyst)
    _swap_two_counts(faskes)
    run = _cli(night)
    assert run.returncode == 0, run.stdout + run.stderr
    job = build_definitions(_settings(night)).resolve_job_def(NIGHTLY_JOB)
    # 2 sources, 5 dimensions and the 3 reference tables left out
    planned = len(job.asset_layer.selected_asset_keys) - 2 * 2 - 5 - 3
    assert f"kotapintar run: {planned} assets (2 unchanged sources left out)" in run.stdout
    assert "Great Expectations validates in worker process" in run.stdout
    after = _smart_tables(analyst)
    assert {d for d in after if after[d] != before[d]} == {"smart_living"}
    values = [{row[:11]: row[11] for row in t["smart_living"]} for t in (before, after)]
    moved = {key[6] for key in values[0] if values[0][key] != values[1][key]}
    assert values[0].keys() == values[1].keys() and len(moved) == 2  # SUKUN and BLIMBING


def test_a_run_planned_without_a_dimension_that_must_change_fails_before_writing_it(night, faskes):
    import dagster as dg

    from pipelines.definitions import NIGHTLY_JOB, build_definitions

    analyst = _settings(night).warehouse
    before = _smart_tables(analyst)
    _swap_two_counts(faskes)
    job = build_definitions(_settings(night)).resolve_job_def(NIGHTLY_JOB)
    selection = job.asset_layer.selected_asset_keys - {dg.AssetKey("smart_living")}
    result = job.execute_in_process(raise_on_error=False, asset_selection=sorted(selection))
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.step_failure_data.user_failure_data.description
    assert "smart_living must be rebuilt (their facts changed)" in message
    assert "Run the job again" in message
    assert _smart_tables(analyst) == before  # the analyst file was not published
    with _work(night) as con:  # nor was the work database's table rebuilt
        rows = con.execute("SELECT * FROM smart_living ORDER BY ALL").fetchall()
    assert rows == before["smart_living"]


def test_a_run_planned_without_the_reference_tables_fails_when_the_catalog_changed(night, catalog):
    """Planned while the reference tables equal the catalog, run after an edit (the check and
    the run are seconds apart): the build would rebuild everything, so it stops first."""
    import dagster as dg

    from assets.warehouse_build import REFERENCE_TABLES
    from pipelines.definitions import NIGHTLY_JOB, build_definitions

    analyst = _settings(night).warehouse
    before = analyst.stat().st_mtime_ns
    _edit_entry(catalog, "kominfo_wifi_publik", title="Titik WiFi publik (SAMPLE, diubah)")
    job = build_definitions(_settings(night)).resolve_job_def(NIGHTLY_JOB)
    planned = job.asset_layer.selected_asset_keys - {dg.AssetKey(t) for t in REFERENCE_TABLES}
    result = job.execute_in_process(raise_on_error=False, asset_selection=sorted(planned))
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.step_failure_data.user_failure_data.description
    assert "dim_wilayah, dim_indikator, meta_sumber must be rebuilt (the catalog changed" in message
    assert analyst.stat().st_mtime_ns == before


def test_the_cli_stops_before_dagster_on_a_quiet_night_and_force_runs_the_job(night):
    analyst = _settings(night).warehouse
    before = analyst.stat().st_mtime_ns
    quiet = _cli(night)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "nothing new since the analyst snapshot; no Dagster run started" in quiet.stdout
    assert "3/3 sources ok" in quiet.stdout
    assert analyst.stat().st_mtime_ns == before
    forced = _cli(night, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "assets, warehouse" in forced.stdout  # the job's header: the job ran
    assert "no Dagster run started" not in forced.stdout
    assert "Nothing new since the analyst snapshot" in forced.stdout  # and found nothing new


# --- the nightly schedule asks the same question (pipelines/nightly_schedule.py) --------------


def _tick(root: Path):
    """What the nightly schedule answers for the folder `root` at its next tick."""
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.nightly_schedule import SCHEDULE

    schedule = build_definitions(_settings(root)).resolve_schedule_def(SCHEDULE)
    with dg.build_schedule_context() as context:
        return schedule.evaluate_tick(context)


def test_the_schedule_skips_a_quiet_night(night):
    tick = _tick(night)
    assert tick.run_requests == []
    assert tick.skip_message.startswith("Nothing new since the analyst snapshot of ")
    assert "3 sources unchanged" in tick.skip_message


def test_the_schedule_runs_the_job_without_the_unchanged_sources(night, faskes):
    import dagster as dg

    from assets.source_assets import raw_key, tidy_key
    from assets.warehouse_build import REFERENCE_TABLES
    from pipelines.definitions import NIGHTLY_JOB, build_definitions
    from warehouse.reference import DIMENSIONS

    shutil.copy(REPO_ROOT / "sources/samples/dinkes_stunting.SAMPLE.xlsx", faskes)
    (request,) = _tick(night).run_requests
    job = build_definitions(_settings(night)).resolve_job_def(NIGHTLY_JOB)
    everything = job.asset_layer.selected_asset_keys
    entries = {e.id: e for e in quiet_night.check(_settings(night)).entries}
    unchanged = {
        key(entries[s]) for s in ("dishub_angkutan", "kominfo_wifi_publik")
        for key in (raw_key, tidy_key)
    }  # fmt: skip
    dimensions = {dg.AssetKey(d) for d in DIMENSIONS if d != "smart_living"}  # not faskes's
    references = {dg.AssetKey(t) for t in REFERENCE_TABLES}  # equal to the catalog
    assert set(request.asset_selection) == everything - unchanged - dimensions - references
    assert {raw_key(entries[FASKES]), tidy_key(entries[FASKES])} <= set(request.asset_selection)
    assert request.tags["kotapintar/tonight"] == "2 unchanged sources left out"


def test_the_schedule_runs_the_whole_job_on_a_first_night_or_when_the_check_fails(
    night, tmp_path, monkeypatch
):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "catalog").symlink_to(night / "catalog")
    (first,) = _tick(fresh).run_requests  # no work database yet
    assert first.asset_selection is None
    assert first.tags["kotapintar/tonight"] == "whole job"

    def broken(settings, **_):
        raise OSError("disk on fire")

    monkeypatch.setattr(quiet_night, "check", broken)
    (request,) = _tick(night).run_requests
    assert request.asset_selection is None
    assert request.tags["kotapintar/tonight"] == "whole job (check failed)"
