"""Read a workbook sheet, a CSV file or a portal feed into one shape: a grid of cells that knows
how to name each cell's place (`Tabel 4.1!C7`, `baris 7, kolom 3`, `records[12].jumlah`).

A workbook is read by what its bytes are (sources/formats.py): .xlsx and legacy .xls through
python-calamine, an HTML table export (a website's "download as Excel") through
sources/grid_html.py."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sources.catalog import SourceEntry
from sources.drift import missing_sheet
from sources.errors import SourceError
from sources.formats import ContentError, head_of, open_workbook, real_format, spreadsheetml_error
from sources.textsniff import detect_delimiter, detect_encoding
from sources.tidy import csv_lokasi
from sources.xlsx_cells import UnsavedFormula, fixed_cells

# DataStore field types whose values are machine numbers ("1234.5"), never Indonesian text.
NUMERIC_TYPES = {"int", "int4", "int8", "integer", "bigint", "numeric", "float", "float4",
                 "float8", "double precision", "real", "number"}  # fmt: skip


Merged = tuple[int, int, int, int]


@cache  # called for the place of every value cell; a sheet has few distinct columns
def column_letter(index: int) -> str:
    """0-based column index to the spreadsheet letter: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Grid:
    """Rows of cells (0-based, header rows included) and a function naming a cell's place.

    `merged` lists merged ranges (r0, c0, r1, c1, inclusive) of a sheet; `numeric` marks the
    columns a portal declares numeric; `sheets` names every sheet of the workbook."""

    cells: list[list[object]]
    describe: str
    locate: Callable[[int, int], str]
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    merged: list[Merged] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)
    header_place: Callable[[int, int], str] | None = None  # default: `locate`
    notes: list[str] = field(default_factory=list)  # choices made reading it (which sheet)
    warnings: list[str] = field(default_factory=list)  # what the file got wrong, file-wide
    title: str = ""  # a title outside the cells (an HTML table's caption or heading)

    def place_of_header(self, row: int, column: int) -> str:
        return (self.header_place or self.locate)(row, column)


def read_grid(entry: SourceEntry, path: Path) -> Grid:
    """The grid of `entry`'s landing file at `path`, chosen by how the entry reads."""
    if entry.reads_as == "bps":
        from sources.bps_table import read_bps_grid  # it builds on this module

        return read_bps_grid(entry, path)
    readers = {"xlsx": _read_xlsx, "csv": _read_csv, "records": _read_records}
    return readers[entry.reads_as](entry, path)


def _read_xlsx(entry: SourceEntry, path: Path) -> Grid:
    spec = entry.parse
    fmt = real_format(head_of(path))
    if fmt == "html":
        from sources.grid_html import read_html_grid  # it builds on this module

        return read_html_grid(entry, path)
    try:
        if fmt == "spreadsheetml":
            raise spreadsheetml_error()
        workbook = open_workbook(path, "xls" if fmt == "xls" else "xlsx")
    except ContentError as exc:
        raise SourceError(
            entry.id, entry.location, exc.problem, fix=exc.fix, outcome="rejected"
        ) from None
    sheet_name, notes = _choose_sheet(entry, workbook.sheet_names)
    cells, merged = sheet_cells(workbook, sheet_name, path)
    fill_merged_headers(cells, merged, spec.header_row - 1, spec.header_depth)
    fill_header_groups(cells, merged, spec.header_row - 1, spec.header_depth)
    return Grid(
        notes=notes,
        warnings=_unsaved_formulas(cells, sheet_name),
        cells=cells,
        describe=f"sheet `{sheet_name}`",
        locate=lambda r, c: f"{sheet_name}!{column_letter(c)}{r + 1}",
        sheet=sheet_name,
        sheets=list(workbook.sheet_names),
        merged=merged,
    )


def sheet_cells(workbook, name: str, path: Path) -> tuple[list[list[object]], list[Merged]]:
    """The cells of sheet `name` of an open calamine workbook (the file at `path`), with what
    calamine misreads read again (sources/xlsx_cells.py: Excel error cells as their text,
    formulas without a saved value, SheetJS date cells), and its merged ranges (r0, c0, r1,
    c1, inclusive)."""
    sheet = workbook.get_sheet_by_name(name)
    # calamine hands out fresh lists (mutable rows, filled in below): no copy needed.
    rows = sheet.to_python(skip_empty_area=False)
    cells = [row if type(row) is list else list(row) for row in rows]
    width = max((len(row) for row in cells), default=0)
    for (r, c), value in sorted(fixed_cells(path, name).items()):
        while r >= len(cells):  # calamine drops trailing rows of formulas without values
            cells.append([""] * width)
        if c >= len(cells[r]):
            cells[r].extend([""] * (c + 1 - len(cells[r])))
        cells[r][c] = value  # "#DIV/0!": read as a cell to fix, not as an empty one
    merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
    return cells, merged


def split_csv(text: str, delimiter: str | None = None) -> tuple[list[list[object]], str]:
    """The rows of CSV text (a BOM dropped) and the delimiter: the given one, else detected."""
    text = text.lstrip("\ufeff")
    delimiter = delimiter or detect_delimiter(text[:65536])
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)], delimiter


def _unsaved_formulas(cells: list[list[object]], sheet: str) -> list[str]:
    found = [
        f"{sheet}!{column_letter(c)}{r + 1}"
        for r, row in enumerate(cells)
        for c, value in enumerate(row)
        if isinstance(value, UnsavedFormula)
    ]
    if not found:
        return []
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return [
        f"{len(found)} formula(s) without a saved value ({shown}): the file was written by a "
        "program that does not compute formulas, so these cells have no value; open the file "
        "in Excel or LibreOffice and save it, or ask the agency for the values"
    ]


def _choose_sheet(entry: SourceEntry, names: list[str]) -> tuple[str, list[str]]:
    """The sheet to read and a note on the choice. A name matches regardless of case and
    surrounding spaces (agencies type "Tabel 1 " and "TABEL 1"); the note says which was taken."""
    spec = entry.parse
    if spec.sheet is not None:
        if spec.sheet in names:
            return spec.sheet, []
        wanted = _sheet_key(spec.sheet)
        matches = [name for name in names if _sheet_key(name) == wanted]
        if len(matches) == 1:
            return matches[0], [f"sheet {matches[0]!r} taken for `parse.sheet: {spec.sheet}`"]
    if spec.sheet is None and spec.sheet_pattern is not None:
        for name in names:
            if re.search(spec.sheet_pattern, name.strip(), re.IGNORECASE):
                return name, [f"sheet {name!r} taken (matches `{spec.sheet_pattern}`)"]
    if spec.sheet is None and spec.sheet_pattern is None:
        raise SourceError(
            entry.id,
            entry.location,
            "`parse.table` is for an HTML table export, but the file is a workbook with "
            f"sheets ({', '.join(names)})",
            fix=f"set `parse.sheet` (or `parse.sheet_pattern`) in {entry.catalog_file}",
        )
    raise missing_sheet(entry, names)


def _sheet_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def fill_header_groups(
    cells: list[list[object]], merged: list[Merged], first: int, depth: int
) -> None:
    """A multi-row header saved without merged cells (every CSV, some workbooks) writes a group
    label once, above the first of its columns ("Volume Air Terjual",,, over 2021 2022 2023).
    When no merged range touches the header, carry each upper-row label right over the empty
    cells whose columns have a label below them, up to the next label."""
    if depth < 2 or any(r0 < first + depth and r1 >= first for r0, _, r1, _ in merged):
        return
    rows = cells[first : first + depth]
    if len(rows) < depth:
        return
    width = max(len(row) for row in rows)
    for upper in range(depth - 1):
        row, carried = rows[upper], None
        for c in range(width):
            text = row[c] if c < len(row) else None
            if text not in (None, ""):
                carried = text
                continue
            below = any(
                c < len(rows[k]) and rows[k][c] not in (None, "") for k in range(upper + 1, depth)
            )
            if carried is None or not below:
                carried = None
                continue
            if c < len(row):
                row[c] = carried


def fill_merged_headers(
    cells: list[list[object]], merged: list[Merged], first: int, depth: int
) -> None:
    # A merged header ("Jenis Kelamin" over two columns) stores its text only in the top-left cell;
    # copy it over the whole range so every column below it gets its label.
    for r0, c0, r1, c1 in merged:
        if r1 < first or r0 >= first + depth:
            continue
        fill_range(cells, r0, c0, r1, c1)


def fill_range(cells: list[list[object]], r0: int, c0: int, r1: int, c1: int) -> None:
    """Copy the top-left value of a merged range into every cell of the range."""
    if r0 >= len(cells) or c0 >= len(cells[r0]):
        return
    value = cells[r0][c0]
    for r in range(r0, min(r1 + 1, len(cells))):
        for c in range(c0, min(c1 + 1, len(cells[r]))):
            cells[r][c] = value


def _read_csv(entry: SourceEntry, path: Path) -> Grid:
    spec = entry.parse
    encoding = detect_encoding(path) if spec.encoding == "auto" else spec.encoding
    try:
        text = path.read_text(encoding=encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        at = f" (byte {exc.start})" if isinstance(exc, UnicodeDecodeError) else f" ({exc})"
        raise SourceError(
            entry.id,
            entry.location,
            f"the file is not valid {encoding}{at}",
            fix=f"set `parse.encoding` in {entry.catalog_file} to the file's encoding "
            "(or `auto` to detect it)",
        ) from None
    cells, _ = split_csv(text, spec.delimiter)
    fill_header_groups(cells, [], spec.header_row - 1, spec.header_depth)
    return Grid(
        cells=cells,
        describe="the CSV file",
        locate=lambda r, c: csv_lokasi(r + 1, c + 1),
    )


def _read_records(entry: SourceEntry, path: Path) -> Grid:
    # The landing file of a portal feed is {"fields": [...], "records": [...]} (sources/feeds.py).
    with path.open(encoding="utf-8") as handle:
        payload = json.load(handle)
    fields = [f["id"] for f in payload["fields"]]
    numeric = {
        i
        for i, f in enumerate(payload["fields"])
        if str(f.get("type", "")).lower() in NUMERIC_TYPES
    }
    cells: list[list[object]] = [list(fields)]
    cells += [[record.get(f) for f in fields] for record in payload["records"]]
    return Grid(
        cells=cells,
        describe="the DataStore fields",
        locate=lambda r, c: f"records[{r - 1}].{fields[c]}",
        numeric=numeric,
        header_place=lambda _r, c: f"fields[{c}]",
    )
