"""Freshness: one Dagster freshness check per source, from its update schedule, for the UI
between runs.

Built with `build_last_update_freshness_checks` (Dagster 1.13). It is marked superseded by
`FreshnessPolicy`, but the policy is evaluated only by the daemon, from the time of the last
materialization: every nightly run materializes every source, so a policy would call a source
fresh even when the agency has not published anything new for a year. The check reads the
`dagster/last_updated_timestamp` metadata of `tidy/<id>` instead, which the sources step sets to
when the loaded data last CHANGED (the first load of the current file).

The checks are NOT in the nightly job: each schedule's checks are a step of their own (~0.8 s on
the SQLite instance, as much as all unchanged sources together). The nightly run decides
lateness itself in the sources step, with the same rule (quality/freshness.py), and puts it in
the tidy metadata (`late`, `freshness`, `age_days`) that the run summary lists; the
`freshness_checks_sensor` re-evaluates these checks between runs when the Dagster daemon runs
(`make ui`), so the UI also shows a source going late on a day without a run.

Severity WARN and never blocking: a late source still publishes its last good data.
"""

from __future__ import annotations

import warnings

import dagster as dg

from assets.source_assets import tidy_key
from quality.freshness import SCHEDULE_WINDOWS, allowed_age
from sources.catalog import SourceEntry

FRESHNESS_CHECK = "freshness_check"  # the name Dagster gives these checks


def build_freshness_checks(entries: list[SourceEntry]) -> list[dg.AssetChecksDefinition]:
    """One freshness check per source's tidy asset, grouped by schedule (one window each)."""
    checks: list[dg.AssetChecksDefinition] = []
    for schedule in SCHEDULE_WINDOWS:
        keys = [tidy_key(e) for e in entries if e.schedule == schedule]
        if not keys:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the superseded notice: see the module docstring
            checks += dg.build_last_update_freshness_checks(
                assets=keys,
                lower_bound_delta=allowed_age(schedule),
                severity=dg.AssetCheckSeverity.WARN,
            )
    return checks


def build_freshness_sensor(checks: list[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    """Re-evaluates the freshness checks between runs (when the Dagster daemon runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=checks,
            name="freshness_checks_sensor",
            default_status=dg.DefaultSensorStatus.RUNNING,
        )
