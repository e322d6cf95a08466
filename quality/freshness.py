"""How late a source may be: each update schedule (jadwal pemutakhiran) and the time after which
data that has not changed counts as late.

The window is the schedule's period plus a grace for agencies that publish a few days after the
period closes; the Dagster freshness checks (assets/freshness.py) are built from these.
"""

from __future__ import annotations

import datetime as dt

# schedule -> (period, grace): late when the data last changed more than period + grace ago.
SCHEDULE_WINDOWS: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    "harian": (dt.timedelta(days=1), dt.timedelta(days=1)),
    "mingguan": (dt.timedelta(days=7), dt.timedelta(days=2)),
    "bulanan": (dt.timedelta(days=31), dt.timedelta(days=7)),
    "triwulanan": (dt.timedelta(days=92), dt.timedelta(days=14)),
    "semesteran": (dt.timedelta(days=183), dt.timedelta(days=30)),
    "tahunan": (dt.timedelta(days=366), dt.timedelta(days=60)),
}


def allowed_age(schedule: str) -> dt.timedelta:
    """How old a source's data may be before it is late, e.g. 9 days for `mingguan`."""
    if schedule not in SCHEDULE_WINDOWS:
        raise ValueError(
            f"Unknown schedule {schedule!r}; expected one of {', '.join(SCHEDULE_WINDOWS)}."
        )
    period, grace = SCHEDULE_WINDOWS[schedule]
    return period + grace


def describe_age(seconds: float) -> str:
    """A duration for people: '3 days', '5 hours'."""
    days = seconds / 86400
    if days >= 2:
        return f"{days:.0f} days"
    hours = seconds / 3600
    return f"{hours:.0f} hours" if hours >= 2 else f"{seconds / 60:.0f} minutes"
