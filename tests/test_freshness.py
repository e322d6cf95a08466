"""Freshness: a source whose data has not changed within its schedule's window is late, in the
tidy asset's metadata and the run summary (decided in the sources step by quality/freshness.py);
every tidy asset also carries a Dagster freshness policy with the same window, which the daemon
evaluates from the asset's last materialization (made only when its rows changed)."""

import datetime as dt
import time

import dagster as dg
import pytest
from test_quality_gate import SOURCE, Env, clean_lines

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from quality.freshness import allowed_age, freshness
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


NOW = dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("schedule", "changed", "late", "text"),
    [
        ("mingguan", NOW - dt.timedelta(days=9), False, "data last changed 9 days ago, allowed "),
        ("mingguan", NOW - dt.timedelta(days=9, seconds=1), True, "data last changed 9 days ago"),
        ("harian", NOW - dt.timedelta(hours=5), False, "data last changed 5 hours ago, allowed 2 "),
        ("tahunan", NOW - dt.timedelta(days=500), True, "data last changed 500 days ago, allowed"),
        # DuckDB may hand back a naive timestamp: it is UTC.
        ("harian", dt.datetime(2026, 1, 28, 12), True, "data last changed 3 days ago, allowed 2 "),
        # Never loaded is a failure to fix (the source's own outcome says why), not lateness.
        ("harian", None, False, "no data loaded yet"),
    ],
)
def test_freshness_rule(schedule, changed, late, text):
    fresh = freshness(schedule, changed, now=NOW)
    assert fresh.late is late
    assert fresh.describe().startswith(text)
    assert fresh.allowed == allowed_age(schedule)


def test_each_tidy_asset_has_a_freshness_policy_from_its_schedule():
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    for entry in load_catalog():
        policy = graph.get(dg.AssetKey(f"tidy_{entry.id}")).freshness_policy
        assert isinstance(policy, dg.FreshnessPolicy), entry.id
        assert policy.fail_window.to_timedelta() == allowed_age(entry.schedule)
    # No superseded freshness checks: nothing that reads "Not Evaluated" after most runs.
    assert not [k for k in graph.asset_check_keys if k.name == "freshness_check"]
    nightly = defs.resolve_job_def(NIGHTLY_JOB).asset_layer.asset_graph.asset_check_keys
    assert {k.name for k in nightly} == {
        "fetch_ok",
        "tidy_valid",
        "fact_integrity",
        "gx_suite",
        "has_rows",
        "personal_data_guard",
    }


def _tidy_metadata(result) -> dict:
    """The tidy asset's metadata: materialized when loaded, observed when unchanged."""
    events = [
        *(e.materialization for e in result.get_asset_materialization_events()),
        *(
            e.asset_observation_data.asset_observation
            for e in result.get_asset_observation_events()
        ),
    ]
    [event] = [e for e in events if e.asset_key.path[0].startswith("tidy_")]
    return {k: getattr(v, "value", v) for k, v in event.metadata.items()}


def test_late_source_is_reported(tmp_path):
    env = Env(tmp_path)
    result, summary = env.run(clean_lines())
    metadata = _tidy_metadata(result)
    assert metadata["late"] is False and metadata["age_days"] < 1
    assert summary.late == {}

    # The agency has not published anything new for 500 days (the window is 426 for tahunan).
    with work_db(env.settings.data_dir / "work.duckdb") as con:
        con.execute("UPDATE meta_muat SET loaded_at = loaded_at - INTERVAL 500 DAY")
    result, summary = env.run(clean_lines())
    assert summary.sources[0].outcome == "unchanged"
    metadata = _tidy_metadata(result)
    assert metadata["late"] is True and 500 <= metadata["age_days"] < 501
    # When the data last changed, for the people reading the metadata.
    assert time.time() - metadata["dagster/last_updated_timestamp"] > 500 * 86400
    assert list(summary.late) == [SOURCE]
    assert summary.late[SOURCE] == "data last changed 500 days ago, allowed 426 days"
    assert f"late: {SOURCE} (data last changed 500 days ago, allowed 426 days)" in summary.render()
    assert summary.success, "a late source still publishes its last good data"
