"""A vectorised path for large, plain CSV sources: the same tidy rows, warnings and (by falling
back) errors as the row-by-row parser in sources/parse.py, about 10x faster on 1M lines.

The row-by-row parser looks at every cell in Python, which costs ~20 s on a 1M-line CSV
(csv.reader alone takes 2-4 s). Here Arrow splits the text into lines and fields, and Python
only sees each *distinct* cell: region names, periods, row labels, and the values that are not a
plain number ("-", "…", "1.234*"). Those go through the parser's own rules (cell_text,
RegionResolver, _period, parse_number, the total-row patterns), so the rules live in one place.

It answers only when it can do exactly what the row-by-row parser does, and returns None
otherwise, so the caller falls back (and the row-by-row parser writes every error message):
- a CSV source (`reads_as == "csv"`), layout `long` or `wide_by_period`, of FAST_MIN_BYTES or more;
- decoded text without the quote character, NUL or over-long lines, where Python's csv rules come
  down to splitting on newlines and the delimiter;
- every row readable: values without a region, an unknown region, an empty period or a cell
  that is not a number returns None.
bench/run.py measures it; tests/test_parse_fast.py holds it equal to the row-by-row parser.
"""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sources.catalog import SourceEntry
from sources.cells import cell_text
from sources.columns import ValueColumn, resolve_columns
from sources.errors import SourceError
from sources.grid import Grid
from sources.numbers import NumberFormatError, parse_number
from sources.parse import ParsedSource, _period, _total_warnings
from sources.textsniff import detect_delimiter, detect_encoding
from sources.tidy import TIDY_COLUMNS, tidy_frame
from sources.totals import TotalChecker, _fmt
from sources.wilayah import RegionResolver, UnknownRegionError

FAST_MIN_BYTES = 64 * 1024
CSV_FIELD_LIMIT = 131072  # csv.field_size_limit(): a longer field is an error in csv.reader
# Numbers parse_number reads as plain Indonesian text (ASCII digits only; anything else, e.g. a
# trailing "*" or a space, goes through parse_number itself).
_PLAIN_NUMBER = r"^[+-]?[0-9]{1,3}(\.[0-9]{3})*(,[0-9]+)?$|^[+-]?[0-9]+(,[0-9]+)?$"
_SKIP, _TOTAL, _DROP, _DATA = 0, 1, 2, 3
_BOM = b"\xef\xbb\xbf"


class _NotFast(Exception):
    """This file needs the row-by-row parser (which also reports what is wrong with it)."""


@dataclass
class _Body:
    """The body lines split into fields: all fields in one array, each line's first field and
    width, so cell (line, column) is one index into `cells` (no per-line list work)."""

    cells: pa.Array
    offsets: np.ndarray
    widths: np.ndarray
    start: int  # grid row of the first body line

    @classmethod
    def split(cls, lines: pa.Array, delimiter: str, start: int) -> _Body:
        fields = pc.split_pattern(lines, delimiter)
        offsets = fields.offsets.to_numpy(zero_copy_only=False)
        return cls(fields.values, offsets[:-1], np.diff(offsets), start)

    def column(self, index: int, rows: np.ndarray | None = None) -> pa.Array:
        """Cell `index` of each line (null where a line is shorter), optionally some lines."""
        offsets = self.offsets if rows is None else self.offsets[rows]
        short = (self.widths if rows is None else self.widths[rows]) <= index
        positions = np.where(short, 0, offsets + index)
        return self.cells.take(pa.array(positions, mask=short if short.any() else None))

    def line(self, row: int) -> list[str]:
        return self.cells.slice(self.offsets[row], self.widths[row]).to_pylist()


def parse_csv_fast(
    entry: SourceEntry, path: Path, *, min_bytes: int = FAST_MIN_BYTES
) -> ParsedSource | None:
    """Tidy rows and warnings of a large plain CSV source, or None for the row-by-row parser."""
    if entry.reads_as != "csv" or entry.parse.layout not in ("long", "wide_by_period"):
        return None
    if entry.parse.notes:
        return None  # a free-text column (parse.notes) is read by the row-by-row parser
    if path.stat().st_size < min_bytes:
        return None
    try:
        return _parse(entry, path)
    except _NotFast:
        return None


def _parse(entry: SourceEntry, path: Path) -> ParsedSource:
    spec = entry.parse
    lines, delimiter = _lines(entry, path)
    first = spec.header_row - 1
    body_start = first + spec.header_depth
    if len(lines) < body_start:
        raise _NotFast
    head = [line.split(delimiter) if line else [] for line in lines[:body_start].to_pylist()]
    header_grid = Grid(cells=head, describe="the CSV file", locate=_locate)
    try:
        cols = resolve_columns(entry, header_grid, first, spec.header_depth)
    except SourceError:
        raise _NotFast from None  # a drift report reads the whole grid: let the parser write it
    body = _Body.split(lines.slice(body_start), delimiter, body_start)
    classes = _classify(entry, body)
    regions, classes = _regions(entry, body, cols, classes)
    data = np.flatnonzero(classes == _DATA)
    periods = _periods(body, cols.period, data)
    values = [_values(body, column.index, data, spec.dash) for column in cols.values]
    warnings = _total_warnings(entry, _total_mismatches(entry, body, cols, classes, data, values))
    if not len(data):
        return ParsedSource(tidy_frame([]), warnings)
    frame = _frame(entry, body, cols.values, data, regions, periods, values)
    return ParsedSource(frame, warnings)


def _lines(entry: SourceEntry, path: Path) -> tuple[pa.Array, str]:
    """The decoded text as lines, read as sources/grid.py reads a CSV (encoding, BOM,
    delimiter), or _NotFast where csv.reader would do more than split."""
    spec = entry.parse
    decoded = _utf8_text(spec.encoding, path)
    if decoded is None:  # not UTF-8: Python decodes, as the parser does
        text, ends_with_newline = _python_text(spec.encoding, path)
    else:
        text, ends_with_newline = decoded
    if spec.delimiter is None:
        sample = pc.utf8_slice_codeunits(text, 0, 65536)[0].as_py()  # text[:65536]
    delimiter = spec.delimiter or detect_delimiter(sample)
    if len(delimiter) != 1 or delimiter == "\n":
        raise _NotFast
    lines = pc.split_pattern(text, "\n").flatten()
    if ends_with_newline:
        lines = lines.slice(0, len(lines) - 1)
    if pc.max(pc.utf8_length(lines)).as_py() > CSV_FIELD_LIMIT:
        raise _NotFast
    return lines, delimiter


def _utf8_text(encoding: str, path: Path) -> tuple[pa.Array, bool] | None:
    """A UTF-8 file's text as one Arrow string, as `read_text` would give it (leading BOMs
    stripped, newlines universal) without building a Python string of the whole file (~0.3 s
    of 1M lines); and whether it ends with a newline. None when the file is not UTF-8."""
    try:
        if encoding != "auto" and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
            return None
    except LookupError:
        raise _NotFast from None
    data = path.read_bytes()
    try:
        data.decode("utf-8")  # Python's own verdict on the bytes (Arrow's check may differ)
    except UnicodeDecodeError:
        if encoding == "auto":
            return None  # detect_encoding picks cp1252 or latin-1: Python decodes those
        raise _NotFast from None
    start = 0
    while data.startswith(_BOM, start):
        start += len(_BOM)
    if start == len(data) or b'"' in data or b"\x00" in data:
        raise _NotFast
    text = pa.array([memoryview(data)[start:]], pa.large_binary()).cast(pa.large_string())
    if b"\r" in data:
        text = pc.replace_substring(pc.replace_substring(text, "\r\n", "\n"), "\r", "\n")
    return text, data.endswith((b"\n", b"\r"))


def _python_text(encoding: str, path: Path) -> tuple[pa.Array, bool]:
    """The text decoded by Python (cp1252, latin-1, ...), as sources/grid.py reads it."""
    encoding = detect_encoding(path) if encoding == "auto" else encoding
    try:
        text = path.read_text(encoding=encoding)  # universal newlines, as the parser reads it
    except (UnicodeDecodeError, LookupError):
        raise _NotFast from None
    text = text.lstrip("\ufeff")
    if not text or '"' in text or "\x00" in text:
        raise _NotFast
    return pa.array([text], pa.large_string()), text.endswith("\n")


def _locate(r: int, c: int) -> str:
    return f"baris {r + 1}, kolom {c + 1}"


def _distinct(cells: pa.Array) -> tuple[list, np.ndarray]:
    """The distinct cells (None last) and each cell's position among them."""
    encoded = pc.dictionary_encode(cells)
    distinct = [*encoded.dictionary.to_pylist(), None]
    codes = pc.fill_null(encoded.indices, len(distinct) - 1)
    return distinct, codes.to_numpy(zero_copy_only=False)


def _classify(entry: SourceEntry, body: _Body) -> np.ndarray:
    """Per line, what the parser does with it, from its first non-empty cell: skip it (empty),
    check it as a total row, drop it (footnote), or read it."""
    totals = TotalChecker(entry.parse)
    drops = [re.compile(p, re.IGNORECASE) for p in entry.parse.drop_rows]

    def kind(value: object) -> int:
        text = cell_text(value)
        if not text:
            return _SKIP
        if totals.is_total(text):
            return _TOTAL
        return _DROP if any(d.search(text) for d in drops) else _DATA

    classes = np.full(len(body.widths), _SKIP, dtype=np.int8)
    pending = np.ones(len(body.widths), dtype=bool)
    for index in range(int(body.widths.max(initial=0))):
        rows = np.flatnonzero(pending)
        if not len(rows):
            break
        distinct, codes = _distinct(body.column(index, rows))
        found = np.array([kind(v) for v in distinct], dtype=np.int8)[codes]
        classes[rows] = found
        pending[rows] = (found == _SKIP) & (body.widths[rows] > index + 1)
    return classes


def _regions(entry: SourceEntry, body: _Body, cols, classes: np.ndarray):
    """The kode_wilayah of the data lines as (distinct codes, position per line); lines with
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
    distinct, codes = _distinct(body.column(cols.region, data))
    resolved = []
    for value in distinct:
        text = cell_text(value)
        try:
            resolved.append(resolver.resolve(text) if text else "")
        except UnknownRegionError:
            raise _NotFast from None
    empty = np.array([code == "" for code in resolved], dtype=bool)[codes]
    if empty.any():
        rows = data[empty]
        for column in cols.values:
            distinct_values, value_codes = _distinct(body.column(column.index, rows))
            if any(cell_text(distinct_values[c]) for c in set(value_codes.tolist())):
                raise _NotFast  # values but no region name: the parser reports the cell
        classes = classes.copy()
        classes[rows] = _SKIP
        codes = codes[~empty]
    return (resolved, codes), classes


def _periods(body: _Body, period_column: int | None, data: np.ndarray):
    """((distinct periods, provisional flags), position per data line) from the period column."""
    if period_column is None:
        return None
    distinct, codes = _distinct(body.column(period_column, data))
    parsed = [_period(v) for v in distinct]
    if any(parsed[c] is None for c in set(codes.tolist())):
        raise _NotFast  # an empty period: the parser reports the cell
    parsed = [p or ("", False) for p in parsed]
    return [p[0] for p in parsed], np.array([p[1] for p in parsed], dtype=bool), codes


def _plain_numbers(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The cells that are plain Indonesian numbers, read in Arrow (NaN elsewhere), and the
    positions of the other cells, for parse_number."""
    plain = pc.fill_null(pc.match_substring_regex(cells, _PLAIN_NUMBER), False)
    digits = pc.replace_substring(pc.if_else(plain, cells, None), ".", "")
    numbers = pc.cast(pc.replace_substring(digits, ",", "."), pa.float64())
    nilai = pc.fill_null(numbers, math.nan).to_numpy(zero_copy_only=False).copy()
    return nilai, np.flatnonzero(~plain.to_numpy(zero_copy_only=False))


@dataclass
class _Values:
    nilai: np.ndarray  # float64, NaN where the cell is missing
    provisional: np.ndarray
    reasons: list[str]  # why values are missing ...
    reason: np.ndarray  # ... position in `reasons` per line, -1 when there is a value


def _values(body: _Body, index: int, data: np.ndarray, dash: str) -> _Values:
    """One value column of the data lines: plain numbers in Arrow, the rest by parse_number."""
    cells = body.column(index, data)
    nilai, others = _plain_numbers(cells)
    provisional = np.zeros(len(data), dtype=bool)
    reason = np.full(len(data), -1, dtype=np.int64)
    reasons: list[str] = []
    if len(others):
        distinct, codes = _distinct(cells.take(pa.array(others)))
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


def _total_mismatches(entry, body: _Body, cols, classes, data, values) -> list[str]:
    """What sources.totals.TotalChecker reports for these lines, in its order and words: each
    total against the values since the previous total (else all so far), or all so far.

    Floating-point sums screen the totals that clearly match; the rest are checked exactly
    (math.fsum), as the checker does, so the outcome and the wording are the same."""
    checker = TotalChecker(entry.parse)
    total_rows = np.flatnonzero(classes == _TOTAL)
    if not checker.enabled or not len(total_rows):
        return []
    ends = np.searchsorted(data, total_rows)  # data lines above each total line
    starts = np.concatenate([[0], ends[:-1]])
    found: list[tuple[int, int, str]] = []
    checked = [c for c in cols.values if c.indikator not in entry.parse.total_exempt]
    for order, column in enumerate(checked):
        nilai = values[cols.values.index(column)].nilai
        totals = _total_cells(body, column.index, total_rows, entry.parse.dash)
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
        for k in np.flatnonzero(candidates & ~clearly):
            message = _exact_check(checker, nilai, int(starts[k]), int(ends[k]), totals[k])
            if message:
                place = _locate(body.start + int(total_rows[k]), column.index)
                found.append((int(k), order, f"{place}: {message}"))
    return [message for _, _, message in sorted(found)]


def _total_cells(body: _Body, index: int, rows: np.ndarray, dash: str) -> np.ndarray:
    """The totals of one column as numbers (NaN: no total, or text that is not a number).
    Plain numbers are read in Arrow: each total line usually holds a distinct sum."""
    cells = body.column(index, rows)
    totals, others = _plain_numbers(cells)
    if not len(others):
        return totals
    distinct, codes = _distinct(cells.take(pa.array(others)))
    numbers = []
    for value in distinct:
        try:
            number = parse_number(value, dash=dash).nilai
        except NumberFormatError:
            number = None
        numbers.append(math.nan if number is None else number)
    totals[others] = np.array(numbers, dtype=np.float64)[codes]
    return totals


def _exact_check(checker: TotalChecker, nilai: np.ndarray, start: int, end: int, total):
    """TotalChecker.check_row for one total and column; the mismatch text, or None."""
    since = nilai[start:end]
    since = since[~np.isnan(since)].tolist()
    so_far = nilai[:end]
    so_far = so_far[~np.isnan(so_far)].tolist()
    parts = since or so_far
    total = float(total)
    sums = [math.fsum(parts), math.fsum(so_far)]
    if any(checker._close(total, s) for s in sums):
        return None
    return f"total {_fmt(total)} but the {len(parts)} value(s) above sum to {_fmt(sums[0])}"


def _frame(
    entry: SourceEntry,
    body: _Body,
    columns: list[ValueColumn],
    data: np.ndarray,
    regions,
    periods,
    values: list[_Values],
) -> pd.DataFrame:
    """The tidy frame: one row per data line and value column, lines in file order. Text
    columns are built in Arrow from each column's distinct values (no Python string per row)."""
    m, k = len(data), len(columns)
    per_line = np.repeat(np.arange(m), k)  # row i of the frame comes from data line i // k
    per_column = np.tile(np.arange(k), m)
    if periods is not None:
        distinct, flags, codes = periods
        periode = _text(distinct, codes[per_line])
        provisional = flags[codes][per_line]
    else:
        fixed = entry.parse.period.value if entry.parse.period and entry.parse.period.value else ""
        pairs = [
            (c.periode, c.provisional)
            if c.periode is not None
            else (fixed.rstrip("*").strip(), fixed.endswith("*"))
            for c in columns
        ]
        periode = _text([p for p, _ in pairs], per_column)
        provisional = np.array([q for _, q in pairs], dtype=bool)[per_column]
    provisional = provisional | np.column_stack([v.provisional for v in values]).ravel()
    reasons = sorted({text for v in values for text in v.reasons})
    position = {text: i for i, text in enumerate(reasons)}
    catatan = np.column_stack(
        [np.array([*(position[t] for t in v.reasons), -1])[v.reason] for v in values]
    ).ravel()
    line_numbers = pa.array(body.start + data + 1).cast(pa.string())
    parts = [
        pc.binary_join_element_wise("baris ", line_numbers, f", kolom {c.index + 1}", "")
        for c in columns
    ]
    # One value column: its cells are already in frame order (no 1M-string take).
    lokasi = (
        parts[0] if k == 1 else pa.concat_arrays(parts).take(pa.array(per_column * m + per_line))
    )
    frame = pd.DataFrame(
        {
            "sumber_id": _text([entry.id], np.zeros(m * k, dtype=np.int64)),
            "indikator": _text([c.indikator for c in columns], per_column),
            "kode_wilayah": _text(regions[0], regions[1][per_line]),
            "periode": periode,
            "nilai": np.column_stack([v.nilai for v in values]).ravel(),
            "status": _text(["final", "sementara"], provisional.astype(np.int64)),
            "catatan": _text(reasons, catatan),
            "lokasi": pd.arrays.ArrowStringArray(lokasi),
        },
        columns=list(TIDY_COLUMNS),
    )
    return frame


def _text(distinct: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A pandas "string" column from distinct values and positions (-1: missing)."""
    missing = codes < 0
    if len(codes) and not missing[0] and (codes == codes[0]).all():
        return pd.arrays.ArrowStringArray(_repeat(distinct[codes[0]], len(codes)))
    indices = pa.array(np.where(missing, 0, codes), mask=missing if missing.any() else None)
    return pd.arrays.ArrowStringArray(pa.array(distinct or [""], pa.large_string()).take(indices))


def _repeat(text: str, n: int) -> pa.Array:
    """`text` n times, built from its bytes (a one-value column: the source id, one indicator,
    one status), ~10x cheaper than taking it n times."""
    raw = text.encode("utf-8")
    offsets = np.arange(n + 1, dtype=np.int64) * len(raw)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw * n))
