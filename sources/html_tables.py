"""HTML tables as grids: what a website's "download as Excel" file (.xls) really is.

BPS websites and many portals export a table as an HTML page saved with an .xls name: several
`<table>`s (a title, the data, the footnotes), header cells in `<th>` or `<td>` merged with
rowspan/colspan, `&nbsp;` in empty and grouped-number cells. Excel opens it as a sheet; this
module reads it with the standard library's HTML parser (no lxml or html5lib needed) into the
shape a workbook sheet has: rows of cells with each span's text in its top-left cell and the
span listed as a merged range, so multi-row headers work exactly like merged cells in xlsx.

Each table gets its number (1-based, in document order, nested tables counted) and a title: its
`<caption>`, else the text just before it (a heading or paragraph), else the title and text of
a title table right above it (a table without data rows).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from sources.textsniff import encoding_of

Merged = tuple[int, int, int, int]

# HTML's own limits on spans (a bigger value is clamped, as browsers do): they also bound what
# a hostile file can make us allocate.
MAX_COLSPAN, MAX_ROWSPAN = 1000, 65534
MAX_CELLS = 5_000_000
MAX_COLUMNS = 16_384  # as many as an Excel sheet has
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_ASCII_SPACE = re.compile(r"[ \t\r\n\f]+")  # what HTML collapses; a no-break space stays
_BLOCKS = {"br", "p", "div", "li", "tr"}
_SKIPPED = {"script", "style", "template", "select", "title"}
TITLE_CHARS = 200


class HtmlTableError(ValueError):
    """An HTML table too large to lay out (spans multiplying into millions of cells)."""


@dataclass
class HtmlTable:
    """One `<table>`: its number, title, and cells with spans laid out as merged ranges."""

    number: int
    title: str
    cells: list[list[object]]
    merged: list[Merged] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.cells), default=0)

    @property
    def is_data(self) -> bool:
        """A table of figures, not a layout or title table: two rows or more with two filled
        cells or more, and a digit somewhere (a login form's table has neither)."""
        full_rows = sum(1 for row in self.cells if sum(1 for v in row if _filled(v)) >= 2)
        digits = any(any(ch.isdigit() for ch in str(v)) for row in self.cells for v in row)
        return full_rows >= 2 and digits

    def describe(self) -> str:
        """For lists in messages: "table 2 (9 rows x 5 columns, 'Jumlah Penduduk ...')", with
        its title, or else the text it starts with."""
        size = f"{len(self.cells)} rows x {self.width} columns"
        said = self.title or self.text()
        return f"table {self.number} ({size}" + (f", {said[:60]!r})" if said else ")")

    def text(self) -> str:
        return " ".join(str(v) for row in self.cells for v in row if _filled(v))


def decode_html(data: bytes) -> str:
    """The text of an HTML file: a BOM, then a `<meta charset>` the file declares, then UTF-8
    when it decodes, else cp1252 (sources.textsniff.encoding_of)."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode(encoding_of(data[:4096]), errors="replace").lstrip("\ufeff")
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass  # an unknown charset name: guess as for a file without one
    return data.decode(encoding_of(data), errors="replace")


def read_tables(html: str) -> list[HtmlTable]:
    """Every `<table>` of `html`, in document order."""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    return parser.finish()


@dataclass
class _Cell:
    text: list[str]
    rowspan: int
    colspan: int
    number: float | None  # Excel's own HTML export carries the value in `x:num`


@dataclass
class _Open:
    """A table being read."""

    number: int
    before: str  # text outside tables since the previous one ended
    rows: list[list[_Cell]] = field(default_factory=list)
    cell: _Cell | None = None
    caption: list[str] = field(default_factory=list)
    in_caption: bool = False
    row_open: bool = False


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[_Open] = []
        self.done: list[tuple[_Open, list[list[object]], list[Merged]]] = []
        self.outside: list[str] = []
        self.count = 0
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
            return
        if tag == "table":
            self.count += 1
            self.open.append(_Open(self.count, _collapse("".join(self.outside))))
            self.outside = []
            return
        if not self.open:
            if tag in _BLOCKS:
                self.outside.append(" ")
            return
        table = self.open[-1]
        if tag == "caption":
            table.in_caption = True
        elif tag == "tr":
            self._close_cell(table)
            table.rows.append([])
            table.row_open = True
        elif tag in ("td", "th"):
            self._close_cell(table)
            if not table.row_open:
                table.rows.append([])
                table.row_open = True
            values = dict(attrs)
            table.cell = _Cell(
                [],
                _span(values.get("rowspan"), MAX_ROWSPAN),
                _span(values.get("colspan"), MAX_COLSPAN),
                _number(values.get("x:num")),
            )
        elif tag in _BLOCKS and table.cell is not None:
            table.cell.text.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            return  # <script/> opens nothing to skip
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if not self.open:
            return
        table = self.open[-1]
        if tag == "caption":
            table.in_caption = False
        elif tag in ("td", "th"):
            self._close_cell(table)
        elif tag == "tr":
            self._close_cell(table)
            table.row_open = False
        elif tag == "table":
            self._close_cell(table)
            self.open.pop()
            self.done.append((table, *_lay_out(table.rows)))

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.open:
            self.outside.append(data)
            return
        table = self.open[-1]
        if table.cell is not None:
            table.cell.text.append(data)
        elif table.in_caption:
            table.caption.append(data)

    def _close_cell(self, table: _Open) -> None:
        if table.cell is not None:
            table.rows[-1].append(table.cell)
            table.cell = None

    def finish(self) -> list[HtmlTable]:
        while self.open:  # a file cut off inside a table: keep what was read
            self.handle_endtag("table")
        tables: list[HtmlTable] = []
        previous: HtmlTable | None = None
        for opened, cells, merged in sorted(self.done, key=lambda done: done[0].number):
            table = HtmlTable(opened.number, "", cells, merged)
            caption = _collapse("".join(opened.caption))
            above = (
                f"{previous.title} {previous.text()}"
                if previous is not None and not previous.is_data
                else ""
            )
            table.title = (caption or opened.before or _collapse(above))[:TITLE_CHARS]
            tables.append(table)
            previous = table
        return tables


def _lay_out(rows: list[list[_Cell]]) -> tuple[list[list[object]], list[Merged]]:
    """The cells of `rows` on a grid: a span's value in its top-left cell, "" in the cells it
    covers (as calamine gives merged cells), each span listed as a merged range; a rowspan past
    the last row (or rowspan=0, "to the end") stops at the last row. As browsers do, a cell
    takes the next column no rowspan from above still covers."""
    busy: list[int] = []  # per column: the first row no rowspan from above covers
    placed: dict[tuple[int, int], object] = {}
    merged: list[Merged] = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < len(busy) and busy[c] > r:
                c += 1
            down = len(rows) - r if cell.rowspan == 0 else min(cell.rowspan, len(rows) - r)
            across = cell.colspan
            if c + across > MAX_COLUMNS:
                raise HtmlTableError(
                    f"row {r + 1} reaches past {MAX_COLUMNS:,} columns (Excel's limit)"
                )
            if down > 1:
                busy.extend([0] * (c + across - len(busy)))
                busy[c : c + across] = [r + down] * across
            placed[(r, c)] = cell.number if cell.number is not None else _text(cell)
            if down > 1 or across > 1:
                merged.append((r, c, r + down - 1, c + across - 1))
            c += across
            width = max(width, c)
    if len(rows) * width > MAX_CELLS:
        raise HtmlTableError(
            f"{len(rows):,} rows x {width:,} columns would exceed {MAX_CELLS:,} cells"
        )
    cells = [["" for _ in range(width)] for _ in rows]
    for (r, c), value in placed.items():
        cells[r][c] = value
    return cells, merged


def _text(cell: _Cell) -> str:
    return _collapse("".join(cell.text))


def _span(value: str | None, limit: int) -> int:
    """A rowspan/colspan attribute as HTML reads it: digits up front, else 1; 0 stays 0 (a
    rowspan "to the end of the table"; a colspan of 0 counts as 1)."""
    digits = re.match(r"\s*(\d+)", value or "")
    if digits is None:
        return 1
    span = int(digits.group(1))
    if span == 0:
        return 0 if limit == MAX_ROWSPAN else 1
    return min(span, limit)


def _number(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _collapse(text: str) -> str:
    return _ASCII_SPACE.sub(" ", text).strip()


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""
