"""A sheet below its header, for a draft: its columns (label and body cells), which of them
hold figures, and what each body row is (data, total, footnote, group label, statistic, a row
of column numbers).

A big file is judged by its first rows and its last ones (where totals and footnotes are), so
drafting a 100 000-row export takes seconds.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sources.catalog import DEFAULT_DROP_ROWS, DEFAULT_TOTAL_ROWS
from sources.cells import cell_text
from sources.draft_header import Header, column_number_row
from sources.draft_read import Sheet, kind_of, number_of
from sources.grid import column_letter, fill_range

SAMPLE_HEAD, SAMPLE_TAIL = 5000, 100  # body rows read of a big file: the first and the last
_NUMBER_HEADER = re.compile(r"^(no|nomor|no\.? ?urut)\.?$", re.I)
_TOTAL_LABEL = re.compile(r"^(jumlah|total|sub ?total)\b", re.I)
# A row of one statistic over the rows above: the word alone (a row label "Rata-rata Lama
# Sekolah" is an indicator, not an average).
_STATISTIC = re.compile(
    r"^(rata-?rata|rerata|average|mean|median|modus|maks(imum)?|min(imum)?|max(imum)?)"
    r"(\s+(kota( malang)?|tahunan|bulanan|\d{4}))?\s*:?$",
    re.I,
)


@dataclass
class Column:
    index: int
    label: str  # as the parser reads it ("Top / Sub")
    cells: dict[int, object]  # row -> value, body rows only, empty cells left out

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    def kinds(self, rows: list[int]) -> Counter:
        return Counter(kind_of(self.cells[r]) for r in rows if r in self.cells)

    def texts(self, rows: list[int]) -> list[str]:
        return [cell_text(self.cells[r]) for r in rows if r in self.cells]


@dataclass
class Rows:
    """Body rows by role (0-based row indexes)."""

    data: list[int] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    footnotes: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # text-only rows inside the body
    statistics: list[int] = field(default_factory=list)  # "Rata-rata": neither data nor a sum
    column_numbers: list[int] = field(default_factory=list)


class Table:
    """One sheet below its header."""

    def __init__(self, sheet: Sheet, header: Header) -> None:
        self.sheet = sheet
        self.header = header
        self.cells = _filled_body(sheet, header.body_start)
        body = range(header.body_start, len(self.cells))
        self.sampled = len(body) > SAMPLE_HEAD + SAMPLE_TAIL
        self.body = [*body[:SAMPLE_HEAD], *body[-SAMPLE_TAIL:]] if self.sampled else list(body)
        width = max((len(row) for row in self.cells), default=0)
        labels = header.labels + [""] * (width - len(header.labels))
        self.columns = [Column(c, labels[c], self._cells_of(c)) for c in range(width)]
        self.numbering = self._numbering_column()
        self.figures = self._figure_columns()
        self.rows = self._classify_rows()

    def place(self, r: int, c: int) -> str:
        return f"{column_letter(c)}{r + 1}"

    def cell(self, r: int, c: int) -> object:
        line = self.cells[r]
        return line[c] if c < len(line) else None

    def text(self, r: int, c: int) -> str:
        return cell_text(self.cell(r, c))

    def first_text(self, r: int) -> str:
        return next((t for t in map(cell_text, self.cells[r]) if t), "")

    def has_values(self, r: int, columns: list[int] | None = None) -> bool:
        """Whether the row has a cell in a figure column (as the parser asks of its values)."""
        return any(self.text(r, c) for c in (self.figures if columns is None else columns))

    def drop_figure_column(self, index: int) -> None:
        """A figure column that is a key (years, region codes), not a value column."""
        if index in self.figures:
            self.figures.remove(index)
            self.rows = self._classify_rows()

    def _cells_of(self, c: int) -> dict[int, object]:
        return {r: v for r in self.body if kind_of(v := self.cell(r, c)) != "empty"}

    def _numbering_column(self) -> int | None:
        """A "No." column: its header says so, or it counts 1, 2, 3, ... down the rows."""
        for column in self.columns:
            if _NUMBER_HEADER.match(column.label):
                return column.index
        for column in self.columns[:2]:
            whole = [n for n in map(number_of, column.cells.values()) if n is not None]
            if len(whole) >= 3 and whole == list(range(1, len(whole) + 1)):
                return column.index
        return None

    def _figure_columns(self) -> list[int]:
        """Columns whose body cells are mostly figures (numbers or markers), with a number in
        one of them; a column of "-" all the way down counts beside them."""
        found, dashes = [], []
        for column in self.columns:
            if column.index == self.numbering or not column.cells:
                continue
            kinds = column.kinds(self.body)
            figures = kinds["number"] + kinds["year"] + kinds["marker"]
            if kinds["number"] + kinds["year"] and figures >= 0.6 * sum(kinds.values()):
                found.append(column.index)
            elif kinds["marker"] and kinds["marker"] >= 0.6 * sum(kinds.values()):
                dashes.append(column.index)
        return sorted(found + dashes) if found else []

    def _classify_rows(self) -> Rows:
        rows = Rows()
        last_values = max((r for r in self.body if self.has_values(r)), default=-1)
        drops = [re.compile(p, re.I) for p in DEFAULT_DROP_ROWS]
        totals = [re.compile(p, re.I) for p in DEFAULT_TOTAL_ROWS]
        for r in self.body:
            first = self.first_text(r)
            if not first:
                continue
            if column_number_row(self.cells[r]):
                rows.column_numbers.append(r)
            elif any(t.search(first) for t in totals) or _TOTAL_LABEL.search(first):
                rows.totals.append(r)
            elif _STATISTIC.match(first) and self.has_values(r):
                rows.statistics.append(r)
            elif r > last_values or any(d.search(first) for d in drops):
                rows.footnotes.append(r)
            elif not self.has_values(r):
                rows.labels.append(r)
            else:
                rows.data.append(r)
        return rows


def _filled_body(sheet: Sheet, body_start: int) -> list[list[object]]:
    """The sheet's cells with merged body ranges of text or years filled down (a year or
    kecamatan merged over the rows it labels), as the parser fills its key columns."""
    cells = [list(row) for row in sheet.cells]
    for r0, c0, r1, c1 in sheet.merged:
        inside = body_start <= r0 < len(cells) and c0 < len(cells[r0])
        if inside and kind_of(cells[r0][c0]) in ("text", "year", "date"):
            fill_range(cells, r0, c0, r1, c1)
    return cells
