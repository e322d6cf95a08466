"""Periods as dates: the temporal coverage (DCAT temporal_start / temporal_end) of a table."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date

_PERIODE = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4])|-S([12]))?$")


def period_bounds(periode: str) -> tuple[date, date]:
    """First and last day of a period: `2023`, `2023-05`, `2023-Q2` or `2023-S1`."""
    match = _PERIODE.match(periode)
    if not match:
        raise ValueError(
            f"Period {periode!r} is not YYYY, YYYY-MM, YYYY-Qn or YYYY-Sn; the quality suite "
            "should have refused it."
        )
    year = int(match.group(1))
    month, quarter, half = match.group(2), match.group(3), match.group(4)
    if month:
        first, last = int(month), int(month)
    elif quarter:
        first, last = 3 * int(quarter) - 2, 3 * int(quarter)
    elif half:
        first, last = 6 * int(half) - 5, 6 * int(half)
    else:
        first, last = 1, 12
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def temporal_coverage(periods: Iterable[str]) -> tuple[str, str]:
    """ISO dates of the earliest start and the latest end; ("", "") when there is none."""
    bounds = [period_bounds(p) for p in set(periods) if p]
    if not bounds:
        return "", ""
    return min(b[0] for b in bounds).isoformat(), max(b[1] for b in bounds).isoformat()
