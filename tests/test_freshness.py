"""Freshness: every source gets a Dagster freshness check from its update schedule; a source
whose data has not changed within its window is late, in the UI and in the run summary."""

import datetime as dt

import pytest
from test_quality_gate import SOURCE, Env, clean_lines

from assets.freshness import FRESHNESS_CHECK
from pipelines.definitions import build_definitions
from quality.freshness import allowed_age
from sources.catalog import load_catalog
from warehouse.db import work_db


@pytest.mark.parametrize(
    ("schedule", "days"),
    [
        ("harian", 2),
        ("mingguan", 9),
        ("bulanan", 38),
        ("triwulanan", 106),
        ("semesteran", 213),
        ("tahunan", 426),
    ],
)
def test_each_schedule_has_a_window(schedule, days):
    assert allowed_age(schedule) == dt.timedelta(days=days)


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError) as error:
        allowed_age("dwiwulanan")
    assert str(error.value) == (
        "Unknown schedule 'dwiwulanan'; expected one of harian, mingguan, bulanan, triwulanan, "
        "semesteran, tahunan."
    )


def test_every_source_has_a_freshness_check_and_a_sensor():
    defs = build_definitions()
    checks = {k for k in defs.resolve_asset_graph().asset_check_keys if k.name == FRESHNESS_CHECK}
    assert {k.asset_key.path[1] for k in checks} == {e.id for e in load_catalog()}
    assert all(k.asset_key.path[0] == "tidy" for k in checks)
    assert defs.resolve_sensor_def("freshness_checks_sensor")


def test_late_source_is_reported(tmp_path):
    env = Env(tmp_path)
    result, summary = env.run(clean_lines())
    [fresh] = [e for e in result.get_asset_check_evaluations() if e.check_name == FRESHNESS_CHECK]
    assert fresh.passed and summary.late == {}

    # The agency has not published anything new for 500 days (the window is 426 for tahunan).
    with work_db(env.settings.data_dir / "work.duckdb") as con:
        con.execute("UPDATE meta_muat SET loaded_at = loaded_at - INTERVAL 500 DAY")
    result, summary = env.run(clean_lines())
    assert summary.sources[0].outcome in ("loaded", "unchanged")
    [late] = [e for e in result.get_asset_check_evaluations() if e.check_name == FRESHNESS_CHECK]
    assert not late.passed and late.severity.value == "WARN"
    assert list(summary.late) == [SOURCE]
    assert summary.late[SOURCE].startswith("data last changed 50")
    assert f"late: {SOURCE} (data last changed 50" in summary.render()
    assert summary.success, "a late source still publishes its last good data"
