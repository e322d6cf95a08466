"""How late a source may be: each update schedule (jadwal pemutakhiran) and the time after which
data that has not changed counts as late.

The window is the schedule's period plus a grace for agencies that publish a few days after the
period closes. One rule for both places lateness is shown: `freshness()` decides it for every
source in each nightly run (the tidy asset's metadata and the run summary), from when the loaded
data first arrived; and the Dagster freshness policy of each `tidy_<id>`
(assets/source_assets.py), which the daemon evaluates between runs from the asset's last
materialization (made only when the rows changed), uses the same windows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Freshness:
    """Whether a source's data is late: `age` is how long ago the loaded data last changed
    (None when nothing was ever loaded: that is a failure to fix, not lateness)."""

    late: bool
    age: dt.timedelta | None
    allowed: dt.timedelta

    def describe(self) -> str:
        """E.g. 'data last changed 500 days ago, allowed 426 days'."""
        if self.age is None:
            return "no data loaded yet"
        allowed = describe_age(self.allowed.total_seconds())
        return f"data last changed {describe_age(self.age.total_seconds())} ago, allowed {allowed}"


def freshness(
    schedule: str, data_changed_at: dt.datetime | None, now: dt.datetime | None = None
) -> Freshness:
    """Late when the data last changed longer ago than the schedule allows (`allowed_age`).

    `data_changed_at` is when the data now loaded first arrived (naive means UTC)."""
    allowed = allowed_age(schedule)
    if data_changed_at is None:
        return Freshness(late=False, age=None, allowed=allowed)
    if data_changed_at.tzinfo is None:
        data_changed_at = data_changed_at.replace(tzinfo=dt.UTC)
    age = max((now or dt.datetime.now(dt.UTC)) - data_changed_at, dt.timedelta(0))
    return Freshness(late=age > allowed, age=age, allowed=allowed)
