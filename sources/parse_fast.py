"""A vectorised path for large, plain CSV sources: the same tidy rows, warnings and (by falling
back) errors as the row-by-row parser in sources/parse.py, about 20x faster on 1M lines.

The row-by-row parser looks at every cell in Python, which costs ~20 s on a 1M-line CSV
(csv.reader alone takes 2-4 s). Here Arrow's CSV reader splits the body into columns, and Python
only sees each *distinct* cell: region names, periods, row labels, and the values that are not a
plain number ("-", "…", "1.234*"). Those go through the parser's own rules (cell_text,
RegionResolver, _period, parse_number, the total-row patterns), so the rules live in one place.

It answers only when it can do exactly what the row-by-row parser does, and returns None
otherwise, so the caller falls back (and the row-by-row parser writes every error message):
- a CSV source (`reads_as == "csv"`), layout `long` or `wide_by_period`, of FAST_MIN_BYTES or more;
- text without the quote character or NUL, where Python's csv rules come down to splitting on
  line breaks (\n, \r\n, \r, as both readers do) and the delimiter, and no field over
  csv.field_size_limit();
- every row readable: values without a region, an unknown region, an empty period or a cell
  that is not a number returns None.
bench/run.py measures it; tests/test_parse_fast.py holds its values equal to the row-by-row
parser's (the repeated text columns are categoricals here, see _text; `lokasi` is text).
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from sources.catalog import ParseSpec, SourceEntry
from sources.cells import cell_text
from sources.columns import resolve_columns
from sources.errors import SourceError
from sources.grid import Grid, fill_header_groups
from sources.numbers import PLAIN_NUMBER_PATTERNS, NumberFormatError, parse_number
from sources.parse import _period
from sources.parsed import ParsedSource, total_warnings
from sources.periods import PeriodFormatError
from sources.textsniff import detect_delimiter, encoding_of, is_utf8
from sources.tidy import CSV_LOKASI_PARTS, STATUSES, TIDY_COLUMNS, csv_lokasi, tidy_frame
from sources.totals import TotalChecker, mismatch_text
from sources.value_columns import ValueColumn
from sources.wilayah import RegionResolver, UnknownRegionError

FAST_MIN_BYTES = 64 * 1024
CSV_FIELD_LIMIT = 131072  # csv.field_size_limit(): a longer field is an error in csv.reader
NUMBER_SLICE = 1 << 17  # cells per step of _plain_numbers
# Numbers parse_number reads as plain Indonesian text (ASCII digits only; anything else, e.g. a
# trailing "*" or a space, goes through parse_number itself).
_PLAIN_NUMBER = PLAIN_NUMBER_PATTERNS["comma"]
_SKIP, _TOTAL, _DROP, _DATA = 0, 1, 2, 3
_BOM = b"\xef\xbb\xbf"
_LINE_BREAKS = r"\r\n|\r|\n"  # what csv.reader and Arrow's reader both end a line at
_LINE_BREAK = re.compile(_LINE_BREAKS.encode())
# Characters sampled for the delimiter (as sources/grid.py does) and the body's usual width.
_SAMPLE_CHARS = 65536


class _NotFast(Exception):
    """This file needs the row-by-row parser (which also reports what is wrong with it)."""


@dataclass
class _Body:
    """The body lines as columns: cell `c` of body row `i` is `columns[c][i]` (null where the
    line is shorter); `lines[i]` is the row's line within the body. Blank lines and footnotes
    of another width than the rest are left out: they are neither data nor totals."""

    columns: list[pa.Array]
    lines: np.ndarray
    start: int  # grid row of the first body line
    _encoded: dict[int, tuple[list, np.ndarray]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.lines)

    def column(self, index: int, rows: np.ndarray | None = None) -> pa.Array:
        """Cell `index` of every row (null where a line is shorter), optionally some rows."""
        if index >= len(self.columns):
            return pa.nulls(self.rows if rows is None else len(rows), pa.large_string())
        cells = self.columns[index]
        return cells if rows is None else cells.take(pa.array(rows))

    def encoded(self, index: int) -> tuple[list, np.ndarray]:
        """Column `index` as (distinct cells, None last; each row's position among them),
        computed once: the first column serves both the line kinds and the periods."""
        if index not in self._encoded:
            self._encoded[index] = _distinct(self.column(index))
        return self._encoded[index]

    def grid_row(self, rows: np.ndarray) -> np.ndarray:
        return self.start + self.lines[rows]


def parse_csv_fast(
    entry: SourceEntry, path: Path, *, min_bytes: int = FAST_MIN_BYTES
) -> ParsedSource | None:
    """Tidy rows and warnings of a large plain CSV source, or None for the row-by-row parser."""
    if entry.reads_as != "csv" or not fast_vocabulary(entry.parse):
        return None
    if path.stat().st_size < min_bytes:
        return None
    try:
        return _parse(entry, path)
    except _NotFast:
        return None


def fast_vocabulary(spec: ParseSpec) -> bool:
    """Whether the entry uses only what this path does exactly as the row-by-row parser: the
    long and wide_by_period layouts with Indonesian numbers, first-cell row rules and plain
    periods; everything else (the rest of the extraction model) is read row by row."""
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


def _parse(entry: SourceEntry, path: Path) -> ParsedSource:
    spec = entry.parse
    data = _utf8_bytes(spec.encoding, path)
    delimiter = spec.delimiter or detect_delimiter(_text_sample(data, 0))
    if len(delimiter) != 1 or delimiter in "\r\n":
        raise _NotFast
    first = spec.header_row - 1
    body_start = first + spec.header_depth
    head, offset = _head(data, body_start, delimiter)
    fill_header_groups(head, [], first, spec.header_depth)  # as sources/grid.py reads a CSV
    header_grid = Grid(cells=head, describe="the CSV file", locate=_locate)
    try:
        cols = resolve_columns(entry, header_grid, first, spec.header_depth)
    except SourceError:
        raise _NotFast from None  # a drift report reads the whole grid: let the parser write it
    kind = _line_kind(entry)
    body = _read_body(data, offset, delimiter, body_start, kind)
    del data  # the body's columns are copies: the file's bytes are not read again
    # Arrow's kernels release the GIL: two threads read the value columns' numbers and build
    # the frame's columns (each as soon as what it needs is known) while this one does the
    # Python work on distinct cells.
    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = {c.index: pool.submit(_plain_numbers, body.column(c.index)) for c in cols.values}
        classes = _classify(body, kind)
        _totals_without_period(body, cols.period, classes)
        regions, classes = _regions(entry, body, cols, classes)
        data_rows = np.flatnonzero(classes == _DATA)
        layout = _Layout(len(data_rows), len(cols.values))
        lokasi = pool.submit(_lokasi, body.grid_row(data_rows) + 1, cols.values, layout)
        built = {"kode_wilayah": pool.submit(_text, regions[0], layout.spread(regions[1]))}
        periods = _periods(body, cols.period, data_rows)
        distinct_periods, period_codes, provisional = _period_columns(
            entry, cols.values, periods, layout
        )
        built["periode"] = pool.submit(_text, distinct_periods, period_codes)
        numbers = {index: future.result() for index, future in reading.items()}
        values = [_values(body, c.index, data_rows, spec.dash, numbers[c.index])
                  for c in cols.values]  # fmt: skip
        mismatches = _total_mismatches(entry, body, cols, classes, data_rows, values, numbers)
        warnings = total_warnings(entry, mismatches)
        if not len(data_rows):
            return ParsedSource(tidy_frame([]), warnings)
        # The frame is built from the values and the columns on the pool: the file's columns
        # (and their numbers) go first, so the two are not held at once.
        del body, numbers, classes
        pa.default_memory_pool().release_unused()
        frame = _frame(entry, cols.values, layout, values, provisional, built, lokasi)
    return ParsedSource(frame, warnings)


def _utf8_bytes(encoding: str, path: Path) -> bytes:
    """The file's text as UTF-8 bytes, as sources/grid.py reads it (encoding, leading BOMs
    stripped); _NotFast where csv.reader would do more than split (quotes, NUL)."""
    try:
        utf8 = encoding == "auto" or codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        raise _NotFast from None
    data = path.read_bytes()
    if utf8 and not is_utf8(data):
        if encoding != "auto":
            raise _NotFast
        utf8 = False  # encoding_of picks cp1252 or latin-1: Python decodes those
    if utf8:
        start = 0
        while data.startswith(_BOM, start):
            start += len(_BOM)
        data = data[start:] if start else data
    else:
        try:
            text = data.decode(encoding_of(data) if encoding == "auto" else encoding)
        except (UnicodeDecodeError, LookupError):
            raise _NotFast from None
        data = text.lstrip("\ufeff").encode("utf-8")
    if not data or b'"' in data or b"\x00" in data:
        raise _NotFast
    return data


def _text_sample(data: bytes, offset: int) -> str:
    """The first _SAMPLE_CHARS characters of the text from byte `offset` (whole characters)."""
    text = data[offset : offset + 4 * _SAMPLE_CHARS].decode("utf-8", errors="ignore")
    return text[:_SAMPLE_CHARS]


def _head(data: bytes, count: int, delimiter: str) -> tuple[list[list[str]], int]:
    """The first `count` lines split into cells, and the byte offset where the body begins."""
    head, offset = [], 0
    for match in _LINE_BREAK.finditer(data):
        if len(head) == count:
            break
        head.append(data[offset : match.start()].decode("utf-8"))
        offset = match.end()
    if len(head) < count and offset < len(data):
        head.append(data[offset:].decode("utf-8"))  # the last line, without a line break
        offset = len(data)
    if len(head) < count:
        raise _NotFast
    return [line.split(delimiter) if line else [] for line in head], offset


def _read_body(data: bytes, offset: int, delimiter: str, start: int, kind) -> _Body:
    """The body read by Arrow's CSV reader, expecting the most common line width. Lines of
    another width come back one by one: blank lines and footnotes are left out, data and total
    lines join the columns in their place."""
    if offset >= len(data):
        return _Body([], np.zeros(0, dtype=np.int64), start)
    width = _usual_width(_text_sample(data, offset), delimiter)
    names = [f"c{i}" for i in range(width)]
    odd: list[tuple[int, list[str]]] = []

    def other_width(row) -> str:
        odd.append((row.number - 1, row.text.split(delimiter)))
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data).slice(offset),
            # One thread: only then does Arrow number the odd lines (and it is no slower here).
            read_options=pa_csv.ReadOptions(
                use_threads=False, column_names=names, block_size=_block_size(len(data) - offset)
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                escape_char=False,
                ignore_empty_lines=False,  # keeps the line numbers: a blank line is empty cells
                invalid_row_handler=other_width,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowException, ValueError):
        raise _NotFast from None  # e.g. a line longer than Arrow's block: the parser reads it
    columns = [table.column(name).combine_chunks() for name in names]
    read = table.num_rows
    del table
    pa.default_memory_pool().release_unused()
    if any((pc.max(pc.binary_length(c)).as_py() or 0) > CSV_FIELD_LIMIT for c in columns):
        raise _NotFast
    lines = np.delete(np.arange(read + len(odd)), [n for n, _ in odd])
    kept = [(n, cells) for n, cells in odd if kind(_first_text(cells)) in (_DATA, _TOTAL)]
    if any(len(cell) > CSV_FIELD_LIMIT for _, cells in kept for cell in cells):
        raise _NotFast
    if kept:
        columns, lines = _with_odd_lines(columns, lines, kept)
    return _Body(columns, lines, start)


def _block_size(size: int) -> int:
    """The whole body as one block where it fits, so the columns come as one chunk each."""
    return max(1 << 20, min(size + 1, 1 << 30))


def _usual_width(sample: str, delimiter: str) -> int:
    """The most common number of fields of the sample's complete, non-blank lines (ties: the
    widest)."""
    lines = re.split(_LINE_BREAKS, sample)[:-1] or [sample]
    widths = Counter(line.count(delimiter) + 1 for line in lines if line)
    return max(widths, key=lambda w: (widths[w], w)) if widths else 1


def _with_odd_lines(columns: list[pa.Array], lines: np.ndarray, odd: list[tuple[int, list[str]]]):
    """The columns with the odd data/total lines put in their place (file order)."""
    width = max(len(columns), *(len(cells) for _, cells in odd))
    every = np.concatenate([lines, [n for n, _ in odd]])
    order = np.argsort(every, kind="stable")
    merged = []
    for index in range(width):
        mine = columns[index] if index < len(columns) else pa.nulls(len(lines), pa.large_string())
        theirs = pa.array([cells[index] if index < len(cells) else None for _, cells in odd],
                          pa.large_string())  # fmt: skip
        merged.append(pa.concat_arrays([mine, theirs]).take(pa.array(order)))
    return merged, every[order]


def _first_text(cells: list) -> str:
    return next((text for text in map(cell_text, cells) if text), "")


def _locate(r: int, c: int) -> str:
    return csv_lokasi(r + 1, c + 1)


def _distinct(cells: pa.Array) -> tuple[list, np.ndarray]:
    """The distinct cells (None last) and each cell's position among them."""
    encoded = pc.dictionary_encode(cells)
    distinct = [*encoded.dictionary.to_pylist(), None]
    codes = pc.fill_null(encoded.indices, len(distinct) - 1)
    return distinct, codes.to_numpy(zero_copy_only=False)


def _line_kind(entry: SourceEntry):
    """What the parser does with a line, from its first non-empty cell: skip it (empty), check
    it as a total row, drop it (footnote), or read it."""
    totals = TotalChecker(entry.parse)
    drops = [re.compile(p, re.IGNORECASE) for p in entry.parse.row_rules("drop")[0]]

    def kind(value: object) -> int:
        text = cell_text(value)
        if not text:
            return _SKIP
        if totals.is_total(text):
            return _TOTAL
        return _DROP if any(d.search(text) for d in drops) else _DATA

    return kind


def _classify(body: _Body, kind) -> np.ndarray:
    """Per row, its kind (see _line_kind), judged on its first non-empty cell: the rows still
    `_SKIP` after a column are judged again on the next one."""
    if not body.columns:
        return np.full(body.rows, _SKIP, dtype=np.int8)

    def kinds(distinct: list, codes: np.ndarray) -> np.ndarray:
        return np.array([kind(v) for v in distinct], dtype=np.int8)[codes]

    classes = kinds(*body.encoded(0))
    for index in range(1, len(body.columns)):
        rows = np.flatnonzero(classes == _SKIP)
        if not len(rows):
            break
        classes[rows] = kinds(*_distinct(body.column(index, rows)))
    return classes


def _used(distinct: list, codes: np.ndarray) -> list[int]:
    """The positions among `distinct` that some row uses."""
    return np.flatnonzero(np.bincount(codes, minlength=len(distinct))).tolist()


def _regions(entry: SourceEntry, body: _Body, cols, classes: np.ndarray):
    """The kode_wilayah of the data rows as (distinct codes, position per row); rows with
    neither a region nor values are skipped, as the parser skips them."""
    spec = entry.parse
    resolver = RegionResolver(spec.region.level)
    if cols.region is None:
        try:
            code = resolver.resolve(spec.region.code)
        except UnknownRegionError:
            raise _NotFast from None
        return ([code], np.zeros(int((classes == _DATA).sum()), dtype=np.int64)), classes
    data = np.flatnonzero(classes == _DATA)
    distinct, codes = body.encoded(cols.region)
    codes = codes[data]
    resolved = [""] * len(distinct)
    for position in _used(distinct, codes):
        text = cell_text(distinct[position])
        try:
            resolved[position] = resolver.resolve(text) if text else ""
        except UnknownRegionError:
            raise _NotFast from None
    empty = np.array([code == "" for code in resolved], dtype=bool)[codes]
    if empty.any():
        rows = data[empty]
        for column in cols.values:
            distinct_values, value_codes = _distinct(body.column(column.index, rows))
            if any(cell_text(distinct_values[c]) for c in _used(distinct_values, value_codes)):
                raise _NotFast  # values but no region name: the parser reports the cell
        classes = classes.copy()
        classes[rows] = _SKIP
        codes = codes[~empty]
    return (resolved, codes), classes


def _totals_without_period(body: _Body, period_column: int | None, classes) -> None:
    """A total row that names its own period is checked against that period's rows (see
    sources/totals.py): the row-by-row parser does that; here totals close the rows above."""
    if period_column is None:
        return
    rows = np.flatnonzero(classes == _TOTAL)
    for cell in set(body.column(period_column, rows).to_pylist()) if len(rows) else ():
        try:
            if _period(cell) is not None:
                raise _NotFast
        except PeriodFormatError:
            continue  # "Jumlah" in the period column: a total of the rows above


def _periods(body: _Body, period_column: int | None, data: np.ndarray):
    """(distinct periods, their provisional flags, each data row's position among them) from
    the period column."""
    if period_column is None:
        return None
    distinct, codes = body.encoded(period_column)
    codes = codes[data]
    parsed: list[tuple[str, bool] | None] = [("", False)] * len(distinct)
    for position in _used(distinct, codes):
        try:
            parsed[position] = _period(distinct[position])
        except PeriodFormatError:
            raise _NotFast from None  # the parser quarantines the row with the reason
        if parsed[position] is None:
            raise _NotFast  # an empty period: the parser reports the cell
    return [p[0] for p in parsed], np.array([p[1] for p in parsed], dtype=bool), codes


def _plain_numbers(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The cells that are plain Indonesian numbers, read in Arrow (NaN elsewhere), and which
    cells those are; the others go to parse_number. In slices: each step copies the text, and
    1M cells at once held ~100 MiB of such copies while the other thread built columns."""
    parts = [_plain_slice(cells.slice(start, NUMBER_SLICE))
             for start in range(0, max(len(cells), 1), NUMBER_SLICE)]  # fmt: skip
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _plain_slice(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    plain = pc.fill_null(pc.match_substring_regex(cells, _PLAIN_NUMBER), False)
    digits = pc.replace_substring(pc.if_else(plain, cells, None), ".", "")
    numbers = pc.cast(pc.replace_substring(digits, ",", "."), pa.float64())
    nilai = pc.fill_null(numbers, math.nan).to_numpy(zero_copy_only=False)
    return nilai, plain.to_numpy(zero_copy_only=False)


@dataclass
class _Values:
    nilai: np.ndarray  # float64, NaN where the cell is missing
    provisional: np.ndarray
    reasons: list[str]  # why values are missing ...
    reason: np.ndarray  # ... position in `reasons` per row, -1 when there is a value


def _values(body: _Body, index: int, data: np.ndarray, dash: str, numbers) -> _Values:
    """One value column of the data rows: plain numbers from Arrow, the rest by parse_number."""
    nilai, plain = numbers[0][data], numbers[1][data]
    others = np.flatnonzero(~plain)
    provisional = np.zeros(len(data), dtype=bool)
    reason = np.full(len(data), -1, dtype=np.int64)
    reasons: list[str] = []
    if len(others):
        distinct, codes = _distinct(body.column(index, data[others]))
        parsed = []
        for value in distinct:
            try:
                parsed.append(parse_number(value, dash=dash))
            except NumberFormatError:
                raise _NotFast from None
        reasons = sorted({p.reason for p in parsed if p.reason is not None})
        position = {text: i for i, text in enumerate(reasons)}
        nilai[others] = np.array([math.nan if p.nilai is None else p.nilai for p in parsed])[codes]
        provisional[others] = np.array([p.provisional for p in parsed], dtype=bool)[codes]
        reason[others] = np.array([position.get(p.reason, -1) for p in parsed])[codes]
    return _Values(nilai, provisional, reasons, reason)


def _total_mismatches(entry, body: _Body, cols, classes, data, values, numbers) -> list[str]:
    """What sources.totals.TotalChecker reports for these rows, in its order and words: each
    total against the values since the previous total (else all so far), or all so far.

    Floating-point sums screen the totals that clearly match; the rest are checked exactly
    (math.fsum), as the checker does, so the outcome and the wording are the same."""
    checker = TotalChecker(entry.parse)
    total_rows = np.flatnonzero(classes == _TOTAL)
    if not checker.enabled or not len(total_rows):
        return []
    ends = np.searchsorted(data, total_rows)  # data rows above each total row
    starts = np.concatenate([[0], ends[:-1]])
    found: list[tuple[int, int, str]] = []
    checked = [c for c in cols.values if c.indikator not in entry.parse.total_exempt]
    for order, column in enumerate(checked):
        nilai = values[cols.values.index(column)].nilai
        totals = _total_cells(
            body, column.index, total_rows, entry.parse.dash, numbers[column.index]
        )
        present = np.concatenate([[0], np.cumsum(~np.isnan(nilai))])
        sums = np.concatenate([[0.0], np.cumsum(np.nan_to_num(nilai))])
        magnitude = np.concatenate([[0.0], np.cumsum(np.abs(np.nan_to_num(nilai)))])
        since_count = present[ends] - present[starts]
        approx = np.where(since_count > 0, sums[ends] - sums[starts], sums[ends])
        # A bound on the rounding error of these sums (recursive summation, then a difference).
        error = 2.5 * present[ends] * 2.0**-53 * magnitude[ends]
        candidates = ~np.isnan(totals) & (present[ends] > 0)
        scale = np.maximum(np.abs(totals), np.abs(approx)) - error
        clearly = np.abs(totals - approx) + error <= checker.tolerance * scale
        if checker.exact_counts:
            # Whole counts must match exactly: a float sum of whole numbers is exact below
            # 2**53, so equality screens them; any other whole-count total is checked exactly.
            frac = np.concatenate([[0], np.cumsum(np.nan_to_num(nilai) % 1 != 0)])
            group_frac = np.where(since_count > 0, frac[ends] - frac[starts], frac[ends])
            integral = (group_frac == 0) & (np.mod(np.nan_to_num(totals), 1) == 0)
            exact = (totals == approx) & (magnitude[ends] < 2.0**53)
            clearly = np.where(integral, exact, clearly)
        for k in np.flatnonzero(candidates & ~clearly):
            message = _exact_check(
                checker, nilai, int(starts[k]), int(ends[k]), totals[k], body, data, column.index
            )
            if message:
                place = _locate(int(body.grid_row(total_rows[k : k + 1])[0]), column.index)
                found.append((int(k), order, f"{place}: {message}"))
    return [message for _, _, message in sorted(found)]


def _total_cells(body: _Body, index: int, rows: np.ndarray, dash: str, numbers) -> np.ndarray:
    """The totals of one column as numbers (NaN: no total, or text that is not a number)."""
    totals, plain = numbers[0][rows], numbers[1][rows]
    others = np.flatnonzero(~plain)
    if not len(others):
        return totals
    distinct, codes = _distinct(body.column(index, rows[others]))
    parsed = []
    for value in distinct:
        try:
            number = parse_number(value, dash=dash).nilai
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
    first, last = (_locate(int(body.grid_row(data[rows[[i]]])[0]), index) for i in (0, -1))
    return mismatch_text("", total, len(parts), first, last, sums[0]).lstrip(": ")


@dataclass
class _Layout:
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


def _period_columns(entry: SourceEntry, columns: list[ValueColumn], periods, layout: _Layout):
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


def _frame(
    entry: SourceEntry,
    columns: list[ValueColumn],
    layout: _Layout,
    values: list[_Values],
    provisional: np.ndarray,
    built: dict[str, Future],
    lokasi: Future,
) -> pd.DataFrame:
    """The tidy frame: one row per data line and value column (see _Layout), with the columns
    already `built` on the pool, and `lokasi` with each row's place as numbers too. The other
    text columns are categoricals of each column's distinct values (no string per row)."""
    provisional = provisional | np.column_stack([v.provisional for v in values]).ravel()
    reasons = sorted({text for v in values for text in v.reasons})
    position = {text: i for i, text in enumerate(reasons)}
    catatan = np.column_stack(
        [np.array([*(position[t] for t in v.reasons), -1])[v.reason] for v in values]
    ).ravel()
    rows = layout.lines * layout.columns
    text_columns = {
        "sumber_id": _text([entry.id], np.zeros(rows, dtype=np.int64)),
        "indikator": _text([c.indikator for c in columns], layout.tile(np.arange(len(columns)))),
        "status": _text(["final", "sementara"], provisional.astype(np.int64), STATUSES),
        "catatan": _text(reasons, catatan),
    }
    return pd.DataFrame(
        {
            **text_columns,
            **{name: future.result() for name, future in built.items()},
            "nilai": np.column_stack([v.nilai for v in values]).ravel(),
            **lokasi.result(),
        },
        columns=[*TIDY_COLUMNS, *CSV_LOKASI_PARTS],
    )


def _lokasi(line_numbers: np.ndarray, columns: list[ValueColumn], layout: _Layout):
    """csv_lokasi(line, column) per data line and value column in frame order, as text and as
    the two numbers (CSV_LOKASI_PARTS)."""
    numbers = pa.array(line_numbers).cast(pa.string())
    # csv_lokasi written out for Arrow; tests/test_parse_fast.py holds the two equal.
    parts = [
        pc.binary_join_element_wise("baris ", numbers, f", kolom {c.index + 1}", "")
        for c in columns
    ]
    baris = layout.spread(line_numbers)
    kolom = layout.tile(np.array([c.index + 1 for c in columns], dtype=np.int64))
    # One value column: its cells are already in frame order (no 1M-string take).
    text = parts[0] if len(parts) == 1 else pa.concat_arrays(parts).take(pa.array(layout.order()))
    return {
        "lokasi": pd.arrays.ArrowStringArray(text),
        **dict(zip(CSV_LOKASI_PARTS, (baris, kolom), strict=True)),
    }


def _text(distinct: list[str], codes: np.ndarray, also: tuple[str, ...] = ()) -> pd.Categorical:
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
