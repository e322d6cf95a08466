"""Read an agency file for drafting: every sheet of a workbook (cells and merged ranges), every
table of an HTML table export (a website's "download as Excel" .xls), or a CSV (encoding and
delimiter sniffed), and what kind of thing each cell holds. A workbook is read by what its bytes
are (sources/formats.py), as the parser reads it.

The parser reads one sheet that a catalog entry names; a draft has no entry yet, so it reads
them all and picks the one that holds the data (the most numeric cells).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from sources.cells import cell_text
from sources.formats import ContentError, head_of, open_workbook, real_format
from sources.grid import Merged, sheet_cells, split_csv
from sources.html_tables import decode_html, read_tables
from sources.numbers import NumberFormatError, parse_number
from sources.periods import find_year
from sources.textsniff import detect_encoding

_YEAR_TEXT = re.compile(r"^(19|20)\d{2}\s*\*+\s*\)?$|^(19|20)\d{2}$")
_MARKERS = {"-", "–", "—", "…", "...", "..", "x", "na", "n/a", "n.a."}


@dataclass
class Sheet:
    """One sheet (or the CSV) as the parser's grid would hold it before header filling."""

    name: str | None  # None for a CSV; "table 2" for an HTML table
    cells: list[list[object]]
    merged: list[Merged] = field(default_factory=list)
    table: int | None = None  # an HTML table's number (`parse.table`)
    title: str = ""  # an HTML table's title (caption or heading), above its cells

    @cached_property
    def numeric_cells(self) -> int:
        return sum(1 for row in self.cells for v in row if kind_of(v) in ("number", "year"))


@dataclass
class SourceFile:
    """An agency file: its kind, sheets, and for a CSV how it is written."""

    path: Path
    kind: str  # "xlsx" or "csv" (the catalog `kind`)
    sheets: list[Sheet]
    encoding: str | None = None
    delimiter: str | None = None
    format: str = ""  # what a workbook really is: "xlsx", "xls" or "html"

    def sheet(self, name: str | None) -> Sheet:
        """The sheet named `name` (None: the one with the most numeric cells; among sheets
        close to that, the one naming the latest year, as agencies add a sheet per year)."""
        if name is None:
            most = max(s.numeric_cells for s in self.sheets)
            close = [s for s in self.sheets if s.numeric_cells >= 0.8 * most]
            return max(close, key=lambda s: (find_year(s.name or "") or 0, s.numeric_cells))
        for sheet in self.sheets:
            if sheet.name == name or cell_text(sheet.name).casefold() == name.casefold():
                return sheet
        names = ", ".join(repr(s.name) for s in self.sheets)
        raise ValueError(f"no sheet {name!r} in {self.path.name} (sheets: {names})")


def read_source(path: Path) -> SourceFile:
    """Every sheet of a workbook (.xlsx, .xls), every table of an HTML table export, or the one
    table of a CSV."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    if suffix not in (".xlsx", ".xlsm", ".xls", ".htm", ".html"):
        raise ValueError(f"{path.name}: expected an .xlsx or .xls workbook or a .csv file")
    fmt = real_format(head_of(path))
    if fmt == "html":
        return _read_html(path)
    try:
        workbook = open_workbook(path, "xls" if fmt == "xls" else "xlsx")
    except ContentError as exc:
        raise ValueError(f"{path.name}: {exc.problem}; {exc.fix}") from None
    sheets = [Sheet(name, *sheet_cells(workbook, name, path)) for name in workbook.sheet_names]
    return SourceFile(path, "xlsx", sheets, format=fmt)


def _read_html(path: Path) -> SourceFile:
    tables = read_tables(decode_html(path.read_bytes()))
    if not tables:
        raise ValueError(f"{path.name}: an HTML page without any <table>: nothing to load")
    sheets = [
        Sheet(f"table {t.number}", [list(r) for r in t.cells], t.merged, t.number, t.title)
        for t in tables
    ]
    return SourceFile(path, "xlsx", sheets, format="html")


def _read_csv(path: Path) -> SourceFile:
    encoding = detect_encoding(path)
    cells, delimiter = split_csv(path.read_text(encoding=encoding))
    return SourceFile(path, "csv", [Sheet(None, cells)], encoding, delimiter)


def kind_of(value: object) -> str:
    """What a cell holds: "empty", "year" (an integer 1900-2100, or "2023*"), "number",
    "marker" (-, …, NA: a value cell without a value), "date" or "text"."""
    if value is None or isinstance(value, bool):
        return "empty" if value is None else "text"
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return "empty"
        if float(value).is_integer() and 1900 <= value <= 2100:
            return "year"
        return "number"
    if isinstance(value, dt.date | dt.time):
        return "date"
    return _text_kind(str(value))


@lru_cache(maxsize=65536)  # a column repeats its texts; a big file must not parse each again
def _text_kind(value: str) -> str:
    text = cell_text(value)
    if not text:
        return "empty"
    if _YEAR_TEXT.match(text):
        return "year"
    if text.casefold() in _MARKERS:
        return "marker"
    if number_of(text) is not None:
        return "number"
    return "text"


def number_of(value: object) -> float | None:
    """The number a cell holds in either decimal style, None when it holds none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    return _text_number(str(value))


@lru_cache(maxsize=65536)
def _text_number(value: str) -> float | None:
    text = cell_text(value)
    if not text or not any(ch.isdigit() for ch in text):
        return None
    for style in ("comma", "point"):
        try:
            parsed = parse_number(text, decimal=style)
        except NumberFormatError:
            continue
        if parsed.nilai is not None:
            return parsed.nilai
    return None
