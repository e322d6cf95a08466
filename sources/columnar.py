"""The column-at-a-time reading of a `long` or `wide_by_period` body, shared by the vectorised
CSV path (sources/parse_fast.py) and the workbook/feed path (sources/parse_grid_fast.py).

Both give exactly the row-by-row parser's rows, values and warnings (sources/extract.py), or
raise NotColumnar, and the caller hands the file to that parser (which writes every error
message). Python sees each *distinct* cell of a column once: region names, periods, row labels
and the value cells' texts go through the parser's own rules (cell_text, RegionResolver,
parse_period, parse_number, TotalChecker), so the rules live in one place.

A body is anything with the `Body` methods: the CSV path's are Arrow columns, the grid path's
Python lists of cells. Row `i` of a body is a line of the file below the header; `grid_row`
names its row in the grid, `locate` a cell's place as the parser names it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from sources.catalog import ParseSpec, SourceEntry
from sources.cells import cell_text
from sources.numbers import NumberFormatError, ParsedValue
from sources.parse import _period
from sources.periods import PeriodFormatError
from sources.tidy import STATUSES
from sources.totals import TotalChecker, mismatch_text
from sources.value_columns import ValueColumn
from sources.wilayah import RegionResolver, UnknownRegionError

SKIP, TOTAL, DROP, DATA = 0, 1, 2, 3


class NotColumnar(Exception):
    """This file needs the row-by-row parser (which also reports what is wrong with it)."""


class Body(Protocol):
    rows: int
    width: int

    def encoded(self, index: int) -> tuple[list, np.ndarray]:
        """Column `index` as (distinct cells, None last; each row's position among them)."""

    def distinct(self, index: int, rows: np.ndarray) -> tuple[list, np.ndarray]:
        """The same for some rows of column `index`."""

    def grid_row(self, rows: np.ndarray) -> np.ndarray: ...

    def locate(self, row: int, column: int) -> str:
        """A cell's place by its grid row and column."""


def fast_vocabulary(spec: ParseSpec) -> bool:
    """Whether the entry uses only what the columnar paths do exactly as the row-by-row parser:
    the long and wide_by_period layouts with Indonesian numbers, first-cell row rules and
    plain periods; everything else (the rest of the extraction model) is read row by row."""
    period = spec.period
    plain_period = period is None or (
        period.year is None
        and period.year_column is None
        and period.year_from is None
        and period.kind is None
    )
    return (
        spec.layout in ("long", "wide_by_period")
        and spec.header_pattern is None
        and spec.header_depth <= 2
        and not spec.notes  # a free-text column (parse.notes) is read row by row
        and spec.status is None
        and spec.decimal == "comma"
        and not spec.column_decimal
        and not spec.region.aliases
        and not spec.region.subheaders
        and spec.region.covers is None  # rows of other regions are sorted out row by row
        and not spec.row_rules("drop")[1]
        and not spec.row_rules("total")[1]
        and plain_period
    )


def distinct_objects(cells: list) -> tuple[list, np.ndarray]:
    """The distinct cells of a list of Python cells (None last, always there, as the Arrow
    encoding of a column has it) and each cell's position among them. Keyed by type too: 1,
    1.0 and True are equal in Python but not to the parser."""
    index: dict[tuple, int] = {}
    codes = np.fromiter(
        (index.setdefault((v.__class__, v), len(index)) for v in cells), np.int64, len(cells)
    )
    distinct = [value for _, value in index]
    none = index.get((type(None), None))
    if none is None:
        return [*distinct, None], codes
    del distinct[none]
    remap = np.arange(len(index))  # positions after `none` move up one; `none` goes last
    remap[none + 1 :] -= 1
    remap[none] = len(index) - 1
    return [*distinct, None], remap[codes]


def line_kind(entry: SourceEntry):
    """What the parser does with a line, from its first non-empty cell: skip it (empty), check
    it as a total row, drop it (footnote), or read it."""
    totals = TotalChecker(entry.parse)
    drops = [re.compile(p, re.IGNORECASE) for p in entry.parse.row_rules("drop")[0]]

    def kind(value: object) -> int:
        text = cell_text(value)
        if not text:
            return SKIP
        if totals.is_total(text):
            return TOTAL
        return DROP if any(d.search(text) for d in drops) else DATA

    return kind


def classify(body: Body, kind) -> np.ndarray:
    """Per row, its kind (see line_kind), judged on its first non-empty cell: the rows still
    `SKIP` after a column are judged again on the next one."""
    if not body.width:
        return np.full(body.rows, SKIP, dtype=np.int8)

    def kinds(distinct: list, codes: np.ndarray) -> np.ndarray:
        return np.array([kind(v) for v in distinct], dtype=np.int8)[codes]

    classes = kinds(*body.encoded(0))
    for index in range(1, body.width):
        rows = np.flatnonzero(classes == SKIP)
        if not len(rows):
            break
        classes[rows] = kinds(*body.distinct(index, rows))
    return classes


def used(distinct: list, codes: np.ndarray) -> list[int]:
    """The positions among `distinct` that some row uses."""
    return np.flatnonzero(np.bincount(codes, minlength=len(distinct))).tolist()


def regions(entry: SourceEntry, body: Body, cols, classes: np.ndarray):
    """The kode_wilayah of the data rows as (distinct codes, position per row); rows with
    neither a region nor values are skipped, as the parser skips them."""
    spec = entry.parse
    resolver = RegionResolver(spec.region.level)
    if cols.region is None:
        try:
            code = resolver.resolve(spec.region.code)
        except UnknownRegionError:
            raise NotColumnar from None
        return ([code], np.zeros(int((classes == DATA).sum()), dtype=np.int64)), classes
    data = np.flatnonzero(classes == DATA)
    distinct, codes = body.encoded(cols.region)
    codes = codes[data]
    resolved = [""] * len(distinct)
    for position in used(distinct, codes):
        text = cell_text(distinct[position])
        try:
            resolved[position] = resolver.resolve(text) if text else ""
        except UnknownRegionError:
            raise NotColumnar from None
    empty = np.array([code == "" for code in resolved], dtype=bool)[codes]
    if empty.any():
        rows = data[empty]
        for column in cols.values:
            distinct_values, value_codes = body.distinct(column.index, rows)
            if any(cell_text(distinct_values[c]) for c in used(distinct_values, value_codes)):
                raise NotColumnar  # values but no region name: the parser reports the cell
        classes = classes.copy()
        classes[rows] = SKIP
        codes = codes[~empty]
    return (resolved, codes), classes


def totals_without_period(body: Body, period_column: int | None, classes) -> None:
    """A total row that names its own period is checked against that period's rows (see
    sources/totals.py): the row-by-row parser does that; here totals close the rows above."""
    if period_column is None:
        return
    rows = np.flatnonzero(classes == TOTAL)
    if not len(rows):
        return
    distinct, codes = body.distinct(period_column, rows)
    for position in used(distinct, codes):
        try:
            if _period(distinct[position]) is not None:
                raise NotColumnar
        except PeriodFormatError:
            continue  # "Jumlah" in the period column: a total of the rows above


def periods(body: Body, period_column: int | None, data: np.ndarray):
    """(distinct periods, their provisional flags, each data row's position among them) from
    the period column."""
    if period_column is None:
        return None
    distinct, codes = body.encoded(period_column)
    codes = codes[data]
    parsed: list[tuple[str, bool] | None] = [("", False)] * len(distinct)
    for position in used(distinct, codes):
        try:
            parsed[position] = _period(distinct[position])
        except PeriodFormatError:
            raise NotColumnar from None  # the parser quarantines the row with the reason
        if parsed[position] is None:
            raise NotColumnar  # an empty period: the parser reports the cell
    return [p[0] for p in parsed], np.array([p[1] for p in parsed], dtype=bool), codes


@dataclass
class Values:
    nilai: np.ndarray  # float64, NaN where the cell is missing
    provisional: np.ndarray
    reasons: list[str]  # why values are missing ...
    reason: np.ndarray  # ... position in `reasons` per row, -1 when there is a value


Reader = Callable[[object], ParsedValue]
Numbers = tuple[np.ndarray, np.ndarray]  # (values already read, NaN elsewhere; which those are)


def read_values(body: Body, index: int, data: np.ndarray, read: Reader, numbers: Numbers):
    """One value column of the data rows: the numbers the body already read, the rest by
    `read` (the parser's own reading of a cell), once per distinct cell."""
    nilai, plain = numbers[0][data], numbers[1][data]
    others = np.flatnonzero(~plain)
    provisional = np.zeros(len(data), dtype=bool)
    reason = np.full(len(data), -1, dtype=np.int64)
    reasons: list[str] = []
    if len(others):
        distinct, codes = body.distinct(index, data[others])
        parsed = []
        for value in distinct:
            try:
                parsed.append(read(value))
            except NumberFormatError:
                raise NotColumnar from None
        reasons = sorted({p.reason for p in parsed if p.reason is not None})
        position = {text: i for i, text in enumerate(reasons)}
        nilai[others] = np.array([math.nan if p.nilai is None else p.nilai for p in parsed])[codes]
        provisional[others] = np.array([p.provisional for p in parsed], dtype=bool)[codes]
        reason[others] = np.array([position.get(p.reason, -1) for p in parsed])[codes]
    return Values(nilai, provisional, reasons, reason)


def total_mismatches(entry, body: Body, cols, classes, data, values, numbers, read) -> list[str]:
    """What sources.totals.TotalChecker reports for these rows, in its order and words: each
    total against the values since the previous total (else all so far), or all so far.
    `read` reads a total cell as TotalChecker._number does.

    Floating-point sums screen the totals that clearly match; the rest are checked exactly
    (math.fsum), as the checker does, so the outcome and the wording are the same."""
    checker = TotalChecker(entry.parse)
    total_rows = np.flatnonzero(classes == TOTAL)
    if not checker.enabled or not len(total_rows):
        return []
    ends = np.searchsorted(data, total_rows)  # data rows above each total row
    starts = np.concatenate([[0], ends[:-1]])
    found: list[tuple[int, int, str]] = []
    checked = [(c, v) for c, v in zip(cols.values, values, strict=True)
               if c.indikator not in entry.parse.total_exempt]  # fmt: skip
    for order, (column, column_values) in enumerate(checked):
        nilai = column_values.nilai
        totals = _total_cells(body, column.index, total_rows, read, numbers[column.index])
        # Sums of the values above each total row (and above the one before it), counted
        # segment by segment between total rows: arrays of the totals' length, not the rows'.
        missing = np.isnan(nilai)
        present = _sums_above(~missing, ends)
        known = np.where(missing, 0.0, nilai)
        del missing
        sums = _sums_above(known, ends)
        frac = _sums_above(known != np.trunc(known), ends) if checker.exact_counts else None
        magnitude = _sums_above(np.abs(known, out=known), ends)
        del known
        since_count = present[1:] - present[:-1]
        approx = np.where(since_count > 0, sums[1:] - sums[:-1], sums[1:])
        # A bound on the rounding error of these sums (summed in order, then a difference).
        error = 2.5 * present[1:] * 2.0**-53 * magnitude[1:]
        candidates = ~np.isnan(totals) & (present[1:] > 0)
        scale = np.maximum(np.abs(totals), np.abs(approx)) - error
        clearly = np.abs(totals - approx) + error <= checker.tolerance * scale
        if frac is not None:
            # Whole counts must match exactly: a float sum of whole numbers is exact below
            # 2**53, so equality screens them; any other whole-count total is checked exactly.
            group_frac = np.where(since_count > 0, frac[1:] - frac[:-1], frac[1:])
            integral = (group_frac == 0) & (np.mod(np.nan_to_num(totals), 1) == 0)
            exact = (totals == approx) & (magnitude[1:] < 2.0**53)
            clearly = np.where(integral, exact, clearly)
        for k in np.flatnonzero(candidates & ~clearly):
            message = _exact_check(
                checker, nilai, int(starts[k]), int(ends[k]), totals[k], body, data, column.index
            )
            if message:
                place = body.locate(int(body.grid_row(total_rows[k : k + 1])[0]), column.index)
                found.append((int(k), order, f"{place}: {message}"))
    return [message for _, _, message in sorted(found)]


def _sums_above(values: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """0, then the sum of values[:e] for each of the ascending `ends`: the values summed in
    order between consecutive ends (numpy's reduceat), then those sums added up. A running
    sum of every row would hold 8 bytes a row (~8 MiB per 1M-line column, several at once, at
    the moment the parse holds the most)."""
    dtype = np.int64 if values.dtype == np.bool_ else np.float64
    out = np.zeros(len(ends) + 1, dtype=dtype)
    cuts = np.unique(ends[(ends > 0) & (ends < len(values))])
    if len(values):
        starts = np.concatenate([[0], cuts])
        pieces = np.add.reduceat(values, starts, dtype=dtype)  # the last piece runs to the end
        before = np.concatenate([[0], np.cumsum(pieces)])  # before[i]: sum of values[:starts[i]]
        out[1:] = before[np.searchsorted(np.append(starts, len(values)), ends)]
    return out


def _total_cells(body: Body, index: int, rows: np.ndarray, read: Reader, numbers) -> np.ndarray:
    """The totals of one column as numbers (NaN: no total, or text that is not a number)."""
    totals, plain = numbers[0][rows], numbers[1][rows]
    others = np.flatnonzero(~plain)
    if not len(others):
        return totals
    distinct, codes = body.distinct(index, rows[others])
    parsed = []
    for value in distinct:
        try:
            number = read(value).nilai
        except NumberFormatError:
            number = None
        parsed.append(math.nan if number is None else number)
    totals[others] = np.array(parsed, dtype=np.float64)[codes]
    return totals


def _exact_check(checker: TotalChecker, nilai, start: int, end: int, total, body, data, index):
    """TotalChecker.check_row for one total and column; the mismatch text (without the total's
    place), or None."""
    since_rows = np.arange(start, end)[~np.isnan(nilai[start:end])]
    all_rows = np.arange(end)[~np.isnan(nilai[:end])]
    rows = since_rows if len(since_rows) else all_rows
    parts, so_far = nilai[rows].tolist(), nilai[all_rows].tolist()
    total = float(total)
    sums = [math.fsum(parts), math.fsum(so_far)]
    whole = total.is_integer()
    if checker._close(total, sums[0], whole and all(v.is_integer() for v in parts)):
        return None
    if checker._close(total, sums[1], whole and all(v.is_integer() for v in so_far)):
        return None
    first, last = (body.locate(int(body.grid_row(data[rows[[i]]])[0]), index) for i in (0, -1))
    return mismatch_text("", total, len(parts), first, last, sums[0]).lstrip(": ")


@dataclass
class Layout:
    """Where the frame's rows come from: lines in file order, the value columns of a line next
    to each other (row i holds data line i // columns and value column i % columns)."""

    lines: int
    columns: int

    def spread(self, per_line: np.ndarray) -> np.ndarray:
        """One value per data line, on each of that line's rows (one value column: as is)."""
        return per_line if self.columns == 1 else np.repeat(per_line, self.columns)

    def tile(self, per_column: np.ndarray) -> np.ndarray:
        """One value per value column, on each of that column's rows."""
        return np.tile(per_column, self.lines)

    def order(self) -> np.ndarray:
        """Where each row is among the value columns' arrays laid end to end."""
        column = self.tile(np.arange(self.columns))
        return column * self.lines + np.repeat(np.arange(self.lines), self.columns)


def period_columns(entry: SourceEntry, columns: list[ValueColumn], periods, layout: Layout):
    """(distinct periods, each row's position among them, each row's provisional flag): from
    the period column, else from the value columns' headers or the entry's fixed period."""
    if periods is not None:
        distinct, flags, codes = periods
        return distinct, layout.spread(codes), layout.spread(flags[codes])
    fixed = entry.parse.period.value if entry.parse.period and entry.parse.period.value else ""
    pairs = [
        (c.periode, c.provisional)
        if c.periode is not None
        else (fixed.rstrip("*").strip(), fixed.endswith("*"))
        for c in columns
    ]
    return (
        [p for p, _ in pairs],
        layout.tile(np.arange(len(columns))),
        layout.tile(np.array([q for _, q in pairs], dtype=bool)),
    )


def tidy_columns(
    entry,
    columns: list[ValueColumn],
    layout: Layout,
    values: list[Values],
    provisional: np.ndarray,
    built: dict,
    text_of: Callable | None = None,
) -> dict:
    """The tidy frame's columns but `lokasi`, in TIDY_COLUMNS order: one row per data line and
    value column (see Layout), with the path's own `kode_wilayah` and `periode` (`built`). The
    repeated text columns are made by `text_of` from their distinct values and each row's
    position (default text_column: categoricals, no string per row)."""
    text_of = text_of or text_column
    provisional = provisional | np.column_stack([v.provisional for v in values]).ravel()
    reasons = sorted({text for v in values for text in v.reasons})
    position = {text: i for i, text in enumerate(reasons)}
    catatan = np.column_stack(
        [np.array([*(position[t] for t in v.reasons), -1])[v.reason] for v in values]
    ).ravel()
    rows = layout.lines * layout.columns
    return {
        "sumber_id": text_of([entry.id], np.zeros(rows, dtype=np.int64)),
        "indikator": text_of([c.indikator for c in columns],
                                 layout.tile(np.arange(len(columns)))),
        "kode_wilayah": built["kode_wilayah"],
        "periode": built["periode"],
        "nilai": np.column_stack([v.nilai for v in values]).ravel(),
        "status": text_of(["final", "sementara"], provisional.astype(np.int64), STATUSES),
        "catatan": text_of(reasons, catatan),
    }  # fmt: skip


def text_column(distinct: list[str], codes: np.ndarray, also: tuple[str, ...] = ()):
    """A text column from distinct values and positions (-1: missing), as a categorical: one
    small code per row instead of one string (~100 MiB less for the five repeated columns of
    1M rows). The values are those of a "string" column (the categories are "string"); `also`
    adds categories a later step may write (mark_estimates sets status `perkiraan`)."""
    unique = list(dict.fromkeys([*also, *distinct]))
    index = {text: i for i, text in enumerate(unique)}
    # A value given twice (two columns of one indicator) is one category; -1 stays -1.
    remap = np.array([*(index[text] for text in distinct), -1], dtype=np.int64)
    categories = pd.Index(unique, dtype="string")
    return pd.Categorical.from_codes(remap[codes], dtype=pd.CategoricalDtype(categories))


def string_column(distinct: list[str], codes: np.ndarray, also: tuple[str, ...] = ()):
    """A text column as the row parser's frame has it ("string", Arrow-backed), from distinct
    values and positions (-1: missing): one Arrow take, no Python string per row. `also` is
    text_column's, unused here (a "string" column takes any value)."""
    cells = pa.array([*distinct, None], pa.large_string())
    positions = np.where(codes < 0, len(distinct), codes)
    return pd.arrays.ArrowStringArray(cells.take(pa.array(positions)))
