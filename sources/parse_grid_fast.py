"""The columnar path for any grid (a workbook sheet, a portal feed's records, a small or quoted
CSV): the same tidy rows, warnings and notes as the row-by-row parser (sources/extract.py),
several times faster on large sheets, or None and the parser reads the grid.

The row parser spends ~20 us a row in Python (its first text, total and drop rules, region,
period, then each value cell through parse_number and the total checker). Here each column of
the body is taken once as a list of cells, and the parser's rules run once per *distinct* cell
(sources/columnar.py, shared with the vectorised CSV path): a sheet of 10,000 kelurahan-month
rows has 57 distinct region names and a few dozen periods.

It starts from the row parser's own setup (an `Extractor`: the header checked and resolved,
merged key cells filled, the number style decided and its risks raised), so a file that fails
there fails the same way. It answers only within fast_vocabulary, without a year, status, label
or notes column, with every value column plainly an indicator in one period (or the row's);
and, as the CSV path, returns None at the first cell the parser would quarantine or report.
tests/test_parse_grid_fast.py holds its results equal to the parser's on hostile grids.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from sources import columnar
from sources.columnar import DATA, Layout, NotColumnar, distinct_objects, string_column
from sources.extract import Extractor, _machine_number
from sources.numbers import parse_number
from sources.parsed import ParsedSource, total_warnings
from sources.tidy import TIDY_COLUMNS, tidy_frame


class _GridBody:
    """The grid's rows below the header, a column at a time (see columnar.Body)."""

    def __init__(self, extractor: Extractor) -> None:
        grid = extractor.grid
        self.start = extractor.body_start
        self.lines = grid.cells[self.start :]
        self.rows = len(self.lines)
        self.width = max((len(line) for line in self.lines), default=0)
        self.locate = grid.locate
        self._encoded: dict[int, tuple[list, np.ndarray]] = {}

    def _cells(self, index: int, lines) -> list:
        return [line[index] if index < len(line) else None for line in lines]

    def encoded(self, index: int) -> tuple[list, np.ndarray]:
        if index not in self._encoded:
            self._encoded[index] = _distinct(self._cells(index, self.lines))
        return self._encoded[index]

    def distinct(self, index: int, rows: np.ndarray) -> tuple[list, np.ndarray]:
        lines = self.lines
        return _distinct(self._cells(index, [lines[i] for i in rows.tolist()]))

    def grid_row(self, rows: np.ndarray) -> np.ndarray:
        return self.start + rows

    def numbers(self, index: int) -> columnar.Numbers:
        """The column's number cells as parse_number reads them (a float or an int as it is;
        a NaN float is a missing value, read with the other cells), and which those are."""
        try:
            nilai = np.fromiter(
                (float(v) if v.__class__ is float or v.__class__ is int else math.nan
                 for v in self._cells(index, self.lines)),
                np.float64,
                self.rows,
            )  # fmt: skip
        except OverflowError:  # an int beyond a float: parse_number raises it, row by row
            raise NotColumnar from None
        return nilai, ~np.isnan(nilai)


def _distinct(cells: list) -> tuple[list, np.ndarray]:
    try:
        return distinct_objects(cells)
    except TypeError:  # a feed's nested value (a list, an object): the parser reports it
        raise NotColumnar from None


def read_columns(extractor: Extractor) -> ParsedSource | None:
    """What `extractor.run()` returns, read a column at a time; None where it cannot vouch for
    that (the caller then runs the extractor)."""
    if not _plain(extractor):
        return None
    try:
        return _read(extractor)
    except NotColumnar:
        return None


def _plain(extractor: Extractor) -> bool:
    """Within the columnar vocabulary: every value column an indicator in one period, or the
    row's, no two giving one key, and no column the parser reads beside the region and period."""
    cols, spec = extractor.cols, extractor.spec
    if not columnar.fast_vocabulary(spec) or cols.totals or cols.drop_rules or cols.total_rules:
        return False
    if any(c is not None for c in (cols.year, cols.status, cols.label, cols.notes)):
        return False
    fixed = spec.period.value if spec.period and spec.period.value else None
    keys = set()
    for column in extractor.values:
        if column.year_parts is not None or column.kode_wilayah:
            return False
        # A "*" header ("2024-11*") marks its column sementara, as its period's flag does.
        header_flag = column.status == "sementara" and column.provisional and cols.period is None
        if column.status is not None and not header_flag:
            return False
        if column.decimal != "comma" or not column.indikator:
            return False
        period = None if cols.period is not None else (column.periode or fixed)
        if cols.period is None and period is None:
            return False  # a column without a period: the parser writes the catalog problem
        keys.add((column.indikator, period))
    return len(keys) == len(extractor.values)


def _read(extractor: Extractor) -> ParsedSource:
    entry, spec, cols, grid = extractor.entry, extractor.spec, extractor.cols, extractor.grid
    body = _GridBody(extractor)
    classes = columnar.classify(body, columnar.line_kind(entry))
    columnar.totals_without_period(body, cols.period, classes)
    regions, classes = columnar.regions(entry, body, cols, classes)
    data_rows = np.flatnonzero(classes == DATA)
    layout = Layout(len(data_rows), len(extractor.values))
    periods = columnar.periods(body, cols.period, data_rows)
    distinct_periods, period_codes, provisional = columnar.period_columns(
        entry, extractor.values, periods, layout
    )
    # As Extractor._value reads a value: a feed's numeric field holds machine numbers.
    read_total = partial(parse_number, dash=spec.dash)  # as TotalChecker._number reads a total

    def read_value(numeric: bool, value: object):
        if numeric and isinstance(value, str):
            value = _machine_number(value)
        return read_total(value)

    numbers = {c.index: body.numbers(c.index) for c in extractor.values}
    values = [
        columnar.read_values(
            body, c.index, data_rows, partial(read_value, c.index in grid.numeric), numbers[c.index]
        )
        for c in extractor.values
    ]
    mismatches = columnar.total_mismatches(
        entry, body, cols, classes, data_rows, values, numbers, read_total
    )
    warnings = [*extractor.warnings, *total_warnings(entry, mismatches)]
    if not len(data_rows):
        return ParsedSource(tidy_frame([]), warnings, notes=extractor.notes)
    built = {
        "kode_wilayah": string_column(regions[0], layout.spread(regions[1])),
        "periode": string_column(distinct_periods, period_codes),
    }
    locate, indexes = grid.locate, [c.index for c in extractor.values]
    places = [locate(r, c) for r in body.grid_row(data_rows).tolist() for c in indexes]
    columns = columnar.tidy_columns(
        entry, extractor.values, layout, values, provisional, built, text_of=string_column
    )
    # The row parser's own dtypes ("string" text): nothing after the parse can tell the paths
    # apart.
    frame = pd.DataFrame(
        {**columns, "lokasi": pd.array(places, dtype="string")}, columns=list(TIDY_COLUMNS)
    )
    return ParsedSource(frame, warnings, notes=extractor.notes)
