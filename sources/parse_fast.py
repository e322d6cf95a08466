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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from sources import columnar
from sources.catalog import SourceEntry
from sources.cells import cell_text
from sources.columnar import DATA, TOTAL, Layout, NotColumnar, fast_vocabulary, text_column
from sources.columns import resolve_columns
from sources.errors import SourceError
from sources.grid import Grid, fill_header_groups
from sources.numbers import PLAIN_NUMBER_PATTERNS, parse_number
from sources.parsed import ParsedSource, total_warnings
from sources.textsniff import detect_delimiter, encoding_of, is_utf8
from sources.tidy import CSV_LOKASI_PARTS, TIDY_COLUMNS, csv_lokasi, tidy_frame
from sources.value_columns import ValueColumn

__all__ = ["FAST_MIN_BYTES", "fast_vocabulary", "parse_csv_fast"]

FAST_MIN_BYTES = 64 * 1024
CSV_FIELD_LIMIT = 131072  # csv.field_size_limit(): a longer field is an error in csv.reader
NUMBER_SLICE = 1 << 17  # cells per step of _plain_numbers
SPLIT_BYTES = 8 << 20  # a body this big is read as two halves, one per thread
# Numbers parse_number reads as plain Indonesian text (ASCII digits only; anything else, e.g. a
# trailing "*" or a space, goes through parse_number itself).
_PLAIN_NUMBER = PLAIN_NUMBER_PATTERNS["comma"]
_BOM = b"\xef\xbb\xbf"
_LINE_BREAKS = r"\r\n|\r|\n"  # what csv.reader and Arrow's reader both end a line at
_LINE_BREAK = re.compile(_LINE_BREAKS.encode())
# Characters sampled for the delimiter (as sources/grid.py does) and the body's usual width.
_SAMPLE_CHARS = 65536


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

    @property
    def width(self) -> int:
        return len(self.columns)

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

    def distinct(self, index: int, rows: np.ndarray) -> tuple[list, np.ndarray]:
        return _distinct(self.column(index, rows))

    def grid_row(self, rows: np.ndarray) -> np.ndarray:
        return self.start + self.lines[rows]

    def locate(self, row: int, column: int) -> str:
        return _locate(row, column)


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
    except NotColumnar:
        return None


def _parse(entry: SourceEntry, path: Path) -> ParsedSource:
    spec = entry.parse
    data = _utf8_bytes(spec.encoding, path)
    delimiter = spec.delimiter or detect_delimiter(_text_sample(data, 0))
    if len(delimiter) != 1 or delimiter in "\r\n":
        raise NotColumnar
    first = spec.header_row - 1
    body_start = first + spec.header_depth
    head, offset = _head(data, body_start, delimiter)
    fill_header_groups(head, [], first, spec.header_depth)  # as sources/grid.py reads a CSV
    header_grid = Grid(cells=head, describe="the CSV file", locate=_locate)
    try:
        cols = resolve_columns(entry, header_grid, first, spec.header_depth)
    except SourceError:
        raise NotColumnar from None  # a drift report reads the whole grid: let the parser write it
    kind = columnar.line_kind(entry)
    body = _read_body(data, offset, delimiter, body_start, kind)
    del data  # the body's columns are copies: the file's bytes are not read again
    read = partial(parse_number, dash=spec.dash)  # the parser's reading of a value or total
    # Arrow's kernels release the GIL: two threads read the value columns' numbers and build
    # the frame's columns (each as soon as what it needs is known) while this one does the
    # Python work on distinct cells.
    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = {c.index: _plain_numbers(pool, body.column(c.index)) for c in cols.values}
        classes = columnar.classify(body, kind)
        columnar.totals_without_period(body, cols.period, classes)
        regions, classes = columnar.regions(entry, body, cols, classes)
        data_rows = np.flatnonzero(classes == DATA)
        layout = Layout(len(data_rows), len(cols.values))
        lokasi = pool.submit(_lokasi, body.grid_row(data_rows) + 1, cols.values, layout)
        built = {"kode_wilayah": pool.submit(text_column, regions[0], layout.spread(regions[1]))}
        periods = columnar.periods(body, cols.period, data_rows)
        distinct_periods, period_codes, provisional = columnar.period_columns(
            entry, cols.values, periods, layout
        )
        built["periode"] = pool.submit(text_column, distinct_periods, period_codes)
        numbers = {index: numbers_read() for index, numbers_read in reading.items()}
        values = [columnar.read_values(body, c.index, data_rows, read, numbers[c.index])
                  for c in cols.values]  # fmt: skip
        mismatches = columnar.total_mismatches(
            entry, body, cols, classes, data_rows, values, numbers, read
        )
        warnings = total_warnings(entry, mismatches)
        if not len(data_rows):
            return ParsedSource(tidy_frame([]), warnings)
        # The frame is built from the values and the columns on the pool: the file's columns
        # (and their numbers) go first, so the two are not held at once.
        del body, numbers, classes
        pa.default_memory_pool().release_unused()
        built = {name: future.result() for name, future in built.items()}
        frame = pd.DataFrame(
            {**columnar.tidy_columns(entry, cols.values, layout, values, provisional, built),
             **lokasi.result()},
            columns=[*TIDY_COLUMNS, *CSV_LOKASI_PARTS],
        )  # fmt: skip
    return ParsedSource(frame, warnings)


def _utf8_bytes(encoding: str, path: Path) -> bytes:
    """The file's text as UTF-8 bytes, as sources/grid.py reads it (encoding, leading BOMs
    stripped); NotColumnar where csv.reader would do more than split (quotes, NUL)."""
    try:
        utf8 = encoding == "auto" or codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        raise NotColumnar from None
    data = path.read_bytes()
    if utf8 and not is_utf8(data):
        if encoding != "auto":
            raise NotColumnar
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
            raise NotColumnar from None
        data = text.lstrip("\ufeff").encode("utf-8")
    if not data or b'"' in data or b"\x00" in data:
        raise NotColumnar
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
        raise NotColumnar
    return [line.split(delimiter) if line else [] for line in head], offset


def _read_body(data: bytes, offset: int, delimiter: str, start: int, kind) -> _Body:
    """The body read by Arrow's CSV reader, expecting the most common line width. Lines of
    another width come back one by one: blank lines and footnotes are left out, data and total
    lines join the columns in their place."""
    if offset >= len(data):
        return _Body([], np.zeros(0, dtype=np.int64), start)
    width = _usual_width(_text_sample(data, offset), delimiter)
    parts = _halves(data, offset) if len(data) - offset >= SPLIT_BYTES else [(offset, len(data))]
    if len(parts) == 1:
        read = [_read_part(data, *parts[0], delimiter, width)]
    else:  # Arrow's reader releases the GIL: a thread per half, each numbering its own lines
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            read = list(pool.map(lambda part: _read_part(data, *part, delimiter, width), parts))
    odd, lines_read = [], 0
    for part, part_odd in read:
        odd += [(lines_read + n, cells) for n, cells in part_odd]
        lines_read += part.num_rows + len(part_odd)  # every line is a row or an odd line
    tables = [part for part, _ in read]
    del read
    columns = []
    for _ in range(width):  # a column at a time: the halves' copy of it goes as it is joined
        columns.append(_one_array([chunk for t in tables for chunk in t.column(0).chunks]))
        tables = [t.remove_column(0) for t in tables]
    pa.default_memory_pool().release_unused()
    if any((pc.max(pc.binary_length(c)).as_py() or 0) > CSV_FIELD_LIMIT for c in columns):
        raise NotColumnar
    lines = np.delete(np.arange(lines_read), [n for n, _ in odd])
    kept = [(n, cells) for n, cells in odd if kind(_first_text(cells)) in (DATA, TOTAL)]
    if any(len(cell) > CSV_FIELD_LIMIT for _, cells in kept for cell in cells):
        raise NotColumnar
    if kept:
        columns, lines = _with_odd_lines(columns, lines, kept)
    return _Body(columns, lines, start)


def _one_array(chunks: list[pa.Array]) -> pa.Array:
    return chunks[0] if len(chunks) == 1 else pa.concat_arrays(chunks)


def _halves(data: bytes, offset: int) -> list[tuple[int, int]]:
    """The body from `offset` as two byte ranges split right after a line break near its
    middle (one range where no line break follows the middle)."""
    middle = offset + (len(data) - offset) // 2
    found = _LINE_BREAK.search(data, middle)
    if found is None or found.end() >= len(data):
        return [(offset, len(data))]
    return [(offset, found.end()), (found.end(), len(data))]


def _read_part(data: bytes, start: int, end: int, delimiter: str, width: int):
    """Arrow's CSV reader on data[start:end], expecting `width` cells a line: the table, and
    the lines of another width as (line within the part, cells)."""
    names = [f"c{i}" for i in range(width)]
    odd: list[tuple[int, list[str]]] = []

    def other_width(row) -> str:
        odd.append((row.number - 1, row.text.split(delimiter)))
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data).slice(start, end - start),
            # One thread: only then does Arrow number the odd lines.
            read_options=pa_csv.ReadOptions(
                use_threads=False, column_names=names, block_size=_block_size(end - start)
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
        raise NotColumnar from None  # e.g. a line longer than Arrow's block: the parser reads it
    return table, odd


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


def _plain_numbers(pool: ThreadPoolExecutor, cells: pa.Array):
    """Start reading which cells are plain Indonesian numbers, and their numbers, in Arrow on
    the pool; the others go to parse_number. Call the result for (numbers, NaN elsewhere;
    which cells are plain). In slices, a task each: the pool's two threads share a column
    (one value column no longer waits on one thread: ~0.18 -> ~0.1 s per 1M cells), and each
    step copies only its slice's text (1M cells at once held ~100 MiB of such copies)."""
    parts = [pool.submit(_plain_slice, cells.slice(start, NUMBER_SLICE))
             for start in range(0, max(len(cells), 1), NUMBER_SLICE)]  # fmt: skip

    def numbers_read() -> tuple[np.ndarray, np.ndarray]:
        read = [part.result() for part in parts]
        return np.concatenate([r[0] for r in read]), np.concatenate([r[1] for r in read])

    return numbers_read


def _plain_slice(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    plain = pc.fill_null(pc.match_substring_regex(cells, _PLAIN_NUMBER), False)
    digits = pc.replace_substring(pc.if_else(plain, cells, None), ".", "")
    numbers = pc.cast(pc.replace_substring(digits, ",", "."), pa.float64())
    nilai = pc.fill_null(numbers, math.nan).to_numpy(zero_copy_only=False)
    return nilai, plain.to_numpy(zero_copy_only=False)


def _lokasi(line_numbers: np.ndarray, columns: list[ValueColumn], layout: Layout):
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
