"""Total rows and columns: dropped from the data, but checked against the sum of their parts.

Agency tables end groups with "Jumlah" rows (and BPS tables by region carry a "Jumlah" column).
They are never loaded (the fact table would double count), yet they are evidence: a total that
does not equal the sum of the values above it usually means a shifted, missing or extra row.
A total may close the rows since the previous total (a subtotal) or all rows so far (a grand
total); either match is accepted. A total that belongs to a group (its row names a period, as a
"Kota Malang" row in a table with years stacked in rows does, or it is a kecamatan sub-header
with values) is checked against that group's rows only, wherever they stand. Whole counts must
match exactly; other values within `total_tolerance` (0.5 % by default, for rounded shares).
Every mismatch names the total's cell and the cells of its parts. What a mismatch does is the
catalog's `total_check`: `warn` (loaded, reported in the metadata and meta_muat), `fail`
(nothing loaded) or `off`.
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
        self.patterns = [re.compile(p, re.IGNORECASE) for p in spec.row_rules("total")[0]]
        self.tolerance = DEFAULT_TOLERANCE if spec.total_tolerance is None else spec.total_tolerance
        self.exact_counts = spec.total_tolerance is None
        self.dash = spec.dash
        self.decimals: dict[int, str] = {}  # number style per column (default: comma)
        self.since_last: dict[int, list[float]] = defaultdict(list)
        self.so_far: dict[int, list[float]] = defaultdict(list)
        self.counted: dict[int, int] = defaultdict(int)  # parts so far (so_far is compacted)
        # Places of the first and last part since the last total / so far, per column.
        self.since_places: dict[int, list[str]] = {}
        self.all_places: dict[int, list[str]] = {}
        # Columns with a part that is not a whole number: so far, and since the last total.
        self.fractional: set[int] = set()
        self.fractional_since: set[int] = set()
        # Groups (a period, a sub-header's kecamatan): parts and totals, compared at the end.
        self.group_parts: dict[tuple, list] = {}
        self.group_totals: list[tuple[str, int, float, tuple]] = []
        self.mismatches: list[str] = []

    def is_total(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def add(self, column: int, value: float | None, place: str = "", groups: tuple = ()) -> None:
        """One parsed part (None: a missing value, which a total cannot account for), at
        `place`, belonging to `groups` (keys a group total may be checked against)."""
        if value is None:
            return
        self.since_last[column].append(value)
        self.so_far[column].append(value)
        self.counted[column] += 1
        if not value.is_integer():
            self.fractional.add(column)
            self.fractional_since.add(column)
        if place:
            # First and last part's place, for a mismatch's message (rarely needed: no lists).
            self.since_places.setdefault(column, [place, place])[1] = place
            self.all_places.setdefault(column, [place, place])[1] = place
            for group in groups:
                parts = self.group_parts.setdefault((column, group), [[], place, place])
                parts[0].append(value)
                parts[2] = place

    def add_group_total(self, place, line: list[object], columns: list[int], group) -> None:
        """A total that closes one group (checked in `finish`, as its rows may follow it)."""
        if self.enabled:
            for column in columns:
                total = self._number(line, column)
                if total is not None:
                    self.group_totals.append((place(column), column, total, group))

    def finish(self) -> list[str]:
        """Check the group totals; return every mismatch found."""
        for place, column, total, group in self.group_totals:
            parts = self.group_parts.get((column, group))
            if not parts or not parts[0]:
                continue
            values, first, last = parts
            integral = all(float(v).is_integer() for v in values) and float(total).is_integer()
            summed = math.fsum(values)
            if not self._close(total, summed, integral):
                self.mismatches.append(
                    mismatch_text(place, total, len(values), first, last, summed)
                )
        self.group_totals.clear()
        return self.mismatches

    def check_row(self, place, line: list[object], columns: list[int]) -> None:
        """A total row: each value column's total against the parts above it."""
        if self.enabled:
            for column in columns:
                total = self._number(line, column)
                # Right after a subtotal, only the grand total (all rows so far) can match.
                since = bool(self.since_last.get(column))
                parts = self.since_last.get(column) or self.so_far.get(column)
                if total is None or not parts:
                    continue
                count = len(self.since_last.get(column) or ()) or self.counted[column]
                first = math.fsum(parts)
                whole = float(total).is_integer()
                fractional = self.fractional_since if since else self.fractional
                integral = whole and column not in fractional
                grand_integral = whole and column not in self.fractional
                # The grand total is summed only when the subtotal does not match (most do).
                if self._close(total, first, integral) or self._close(
                    total, math.fsum(self._compact(column)), grand_integral
                ):
                    continue
                span = (self.since_places if since else self.all_places).get(column, ["", ""])
                self.mismatches.append(
                    mismatch_text(place(column), total, count, span[0], span[-1], first)
                )
        self.since_last.clear()
        self.since_places.clear()
        self.fractional_since.clear()

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
        integral = all(float(v).is_integer() for v in values) and float(total).is_integer()
        if not self._close(total, math.fsum(values), integral):
            self.mismatches.append(
                f"{place(total_column)}: total {_fmt(total)} but the {len(values)} region "
                f"cell(s) beside it sum to {_fmt(math.fsum(values))}"
            )

    def _number(self, line: list[object], column: int) -> float | None:
        raw = line[column] if column < len(line) else None
        try:
            decimal = self.decimals.get(column, "comma")
            return parse_number(raw, dash=self.dash, decimal=decimal).nilai
        except NumberFormatError:
            return None  # a text total is not evidence either way

    def _close(self, total: float, parts: float, integral: bool = False) -> bool:
        """Whole counts must match exactly (unless the entry sets a tolerance); other values
        within the relative tolerance."""
        tolerance = 0.0 if integral and self.exact_counts else self.tolerance
        return abs(total - parts) <= tolerance * max(abs(total), abs(parts)) + 1e-9


DEFAULT_TOLERANCE = 0.005


def mismatch_text(place: str, total: float, count: int, first: str, last: str, summed) -> str:
    """One mismatch, naming the total's cell and the cells of its parts."""
    cells = first if first == last else f"{first} … {last}"
    where = f" ({cells})" if first else " above"
    return f"{place}: total {_fmt(total)} but the {count} value(s){where} sum to {_fmt(summed)}"


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
