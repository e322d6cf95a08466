"""Total rows and columns: dropped from the data, but checked against the sum of their parts.

Agency tables end groups with "Jumlah" rows (and BPS tables by region carry a "Jumlah" column).
They are never loaded (the fact table would double count), yet they are evidence: a total that
does not equal the sum of the values above it usually means a shifted, missing or extra row.
A total may close the rows since the previous total (a subtotal) or all rows so far (a grand
total); either match is accepted. What a mismatch does is the catalog's `total_check`: `warn`
(loaded, reported in the metadata and meta_muat), `fail` (nothing loaded) or `off`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from sources.catalog import ParseSpec
from sources.numbers import NumberFormatError, parse_number


class TotalChecker:
    """Accumulates the parts per value column and compares each total against them."""

    def __init__(self, spec: ParseSpec) -> None:
        self.enabled = spec.total_check != "off"
        self.patterns = [re.compile(p, re.IGNORECASE) for p in spec.total_rows]
        self.tolerance = spec.total_tolerance
        self.dash = spec.dash
        self.since_last: dict[int, list[float]] = defaultdict(list)
        self.so_far: dict[int, list[float]] = defaultdict(list)
        self.counted: dict[int, int] = defaultdict(int)  # parts so far (so_far is compacted)
        self.mismatches: list[str] = []

    def is_total(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def add(self, column: int, value: float | None) -> None:
        """One parsed part (None: a missing value, which a total cannot account for)."""
        if value is not None:
            self.since_last[column].append(value)
            self.so_far[column].append(value)
            self.counted[column] += 1

    def check_row(self, place, line: list[object], columns: list[int]) -> None:
        """A total row: each value column's total against the parts above it."""
        if self.enabled:
            for column in columns:
                total = self._number(line, column)
                # Right after a subtotal, only the grand total (all rows so far) can match.
                parts = self.since_last.get(column) or self.so_far.get(column)
                if total is None or not parts:
                    continue
                count = len(self.since_last.get(column) or ()) or self.counted[column]
                first = math.fsum(parts)
                # The grand total is summed only when the subtotal does not match (most do).
                if self._close(total, first) or self._close(
                    total, math.fsum(self._compact(column))
                ):
                    continue
                self.mismatches.append(
                    f"{place(column)}: total {_fmt(total)} but the {count} value(s) "
                    f"above sum to {_fmt(first)}"
                )
        self.since_last.clear()

    def _compact(self, column: int) -> list[float]:
        """The parts so far of `column`, replaced by the few exact partial sums they add up to:
        summing every part again at each total made a workbook with many subtotals quadratic
        (math.fsum of the partials is the same correctly rounded sum as of the parts)."""
        parts = self.so_far[column]
        if len(parts) > 8 and all(map(math.isfinite, parts)):
            partials = _exact_partials(parts)
            if all(map(math.isfinite, partials)):  # no overflow on the way
                self.so_far[column] = parts = partials
        return parts

    def check_columns(self, place, line: list[object], total_column: int, parts: list[int]):
        """A total column (wide_by_region): the row's total against its region cells."""
        if not self.enabled:
            return
        total = self._number(line, total_column)
        values = [v for v in (self._number(line, c) for c in parts) if v is not None]
        if total is None or not values:
            return
        if not self._close(total, math.fsum(values)):
            self.mismatches.append(
                f"{place(total_column)}: total {_fmt(total)} but the {len(values)} region "
                f"cell(s) beside it sum to {_fmt(math.fsum(values))}"
            )

    def _number(self, line: list[object], column: int) -> float | None:
        raw = line[column] if column < len(line) else None
        try:
            return parse_number(raw, dash=self.dash).nilai
        except NumberFormatError:
            return None  # a text total is not evidence either way

    def _close(self, total: float, parts: float) -> bool:
        return abs(total - parts) <= self.tolerance * max(abs(total), abs(parts)) + 1e-9


def _exact_partials(values: list[float]) -> list[float]:
    # Shewchuk's non-overlapping partials (the algorithm behind math.fsum): their exact sum is
    # the exact sum of `values`, in a handful of floats.
    partials: list[float] = []
    for x in values:
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]
    return partials


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"
