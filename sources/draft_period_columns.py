"""Period columns for a draft: columns whose cells read as periods (years, "2024*", months in
words, "TW III", bare Roman numerals under a "Triwulan" header, dates), their style, and where
a period without its year gets one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sources.draft_periods import header_period
from sources.draft_read import kind_of
from sources.draft_table import Column, Table
from sources.periods import MissingYearError, PeriodFormatError, parse_period

_PERIOD_WORDS = re.compile(
    r"\b(tahun|thn|periode|period|bulan|month|year|triwulan|tw|semester|smt|kuartal|tanggal)\b",
    re.I,
)
_KIND_WORDS = {
    "quarter": re.compile(r"\b(triwulan|tw|trw|kuartal|quarter|q)\b", re.I),
    "semester": re.compile(r"\b(semester|smt|sem)\b", re.I),
    "month": re.compile(r"\b(bulan|month)\b", re.I),
}
# The more specific period column of the rows wins: a month column over a year column,
# which then gives the month its year.
_SPECIFIC = {"date": 0, "month": 1, "quarter": 1, "semester": 1, "mixed": 2, "year": 3}


@dataclass
class PeriodColumn:
    column: int
    style: str  # year, month, quarter, semester, date, mixed
    kind: str | None = None  # parse.period.kind for bare numbers ("III" under "Triwulan")
    needs_year: bool = False  # months or quarters written without their year
    provisional: int = 0  # cells marked "*"
    read: int = 0
    total: int = 0

    def evidence(self) -> str:
        what = {"date": "dates (read as months)"}.get(self.style, f"{self.style}s")
        stars = f", {self.provisional} marked * (provisional)" if self.provisional else ""
        return f"period column: {self.read} of {self.total} cells read as {what}{stars}"


def find_periods(table: Table, exclude: set[int]) -> list[PeriodColumn]:
    """Columns whose cells read as periods. Bare year-sized numbers are a period only under a
    period word or left of every other figure column (a count of 1.950 is not a year)."""
    found = []
    for column in table.columns:
        if column.index in exclude or column.index == table.numbering:
            continue
        if header_period(column.label) is not None:
            continue  # a header that is a period holds that period's values
        cells = [column.cells[r] for r in table.rows.data if r in column.cells]
        period = _period_column(column, cells) if cells else None
        if period is None:
            continue
        if period.style == "year" and not _PERIOD_WORDS.search(column.label):
            others = [c for c in table.figures if c != column.index]
            if others and column.index > min(others):
                continue
        found.append(period)
    return found


def row_period(periods: list[PeriodColumn]) -> PeriodColumn | None:
    """The period column of the rows: the most specific one."""
    if not periods:
        return None
    return min(periods, key=lambda p: (_SPECIFIC.get(p.style, 2), p.column))


def year_column(periods: list[PeriodColumn], chosen: PeriodColumn | None) -> PeriodColumn | None:
    """The column of years that gives `chosen` (months or quarters without one) its year."""
    if chosen is None or not chosen.needs_year:
        return None
    return next((p for p in periods if p is not chosen and p.style == "year"), None)


def _period_column(column: Column, cells: list[object]) -> PeriodColumn | None:
    """How a column's cells read as periods; None when most do not."""
    words = _PERIOD_WORDS.search(column.label)
    kind = next((k for k, p in _KIND_WORDS.items() if p.search(column.label)), None)
    styles: Counter = Counter()
    period = PeriodColumn(column.index, "year", total=len(cells))
    for value in cells:
        style = _period_style(value, kind)
        if style is None:
            continue
        styles[style[0]] += 1
        period.read += 1
        period.needs_year |= style[1]
        period.provisional += style[2]
    if not styles or period.read < 0.8 * period.total:
        return None
    period.style = styles.most_common(1)[0][0] if len(styles) == 1 else "mixed"
    if period.style in ("number", "mixed") and not words:
        return None
    if period.style == "number":  # bare numbers or Roman numerals under a kind word
        if kind is None:
            return None
        period.style, period.kind = kind, kind
    text_like = any(kind_of(v) == "text" for v in cells)
    if period.style == "year" and not words and text_like:
        return None
    if period.style not in ("year", "date") and not words and not text_like:
        return None
    return period


def _period_style(value: object, kind: str | None) -> tuple[str, bool, bool] | None:
    """(style, needs a year, provisional) of one period cell, None when it is no period;
    style "number" is a bare number that only the header's kind word reads."""
    if kind_of(value) == "date":
        return "date", False, False
    try:
        found = parse_period(value)
    except MissingYearError:
        return _without_year(value, kind, None)
    except PeriodFormatError:
        return _without_year(value, kind, "number") if kind is not None else None
    return style_of(found.periode), False, found.provisional


def _without_year(value: object, kind: str | None, style: str | None):
    try:
        found = parse_period(value, year=2000, kind=kind)
    except PeriodFormatError:
        return None
    return style or style_of(found.periode), True, found.provisional


def style_of(periode: str) -> str:
    """The style of a tidy periode: "2024" year, "2024-03" month, "2024-Q3", "2024-S2"."""
    if len(periode) == 4:
        return "year"
    return {"Q": "quarter", "S": "semester"}.get(periode[5:6], "month")
