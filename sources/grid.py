"""Read a workbook sheet, a CSV file or a portal feed into one shape: a grid of cells that knows
how to name each cell's place (`Tabel 4.1!C7`, `baris 7, kolom 3`, `records[12].jumlah`)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sources.catalog import SourceEntry
from sources.errors import SourceError


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
    """Rows of cells (0-based, header rows included) and a function naming a cell's place."""

    cells: list[list[object]]
    describe: str
    locate: Callable[[int, int], str]


def read_grid(entry: SourceEntry, path: Path) -> Grid:
    """The grid of `entry`'s landing file at `path`, chosen by the entry's kind."""
    readers = {"xlsx": _read_xlsx, "csv": _read_csv, "ckan_datastore": _read_records}
    return readers[entry.kind](entry, path)


def _read_xlsx(entry: SourceEntry, path: Path) -> Grid:
    import python_calamine

    spec = entry.parse
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for zip/xml damage and encryption
        raise SourceError(
            entry.id,
            entry.location,
            f"the workbook cannot be opened ({type(exc).__name__}: {exc})",
            fix="check that the file is a complete, unencrypted .xlsx; download or export it again",
        ) from None
    sheet_name = _choose_sheet(entry, workbook.sheet_names)
    sheet = workbook.get_sheet_by_name(sheet_name)
    cells = [list(row) for row in sheet.to_python(skip_empty_area=False)]
    _fill_merged_headers(cells, sheet.merged_cell_ranges or [], spec.header_row - 1)
    return Grid(
        cells=cells,
        describe=f"sheet `{sheet_name}`",
        locate=lambda r, c: f"{sheet_name}!{column_letter(c)}{r + 1}",
    )


def _choose_sheet(entry: SourceEntry, names: list[str]) -> str:
    spec = entry.parse
    if spec.sheet is not None and spec.sheet in names:
        return spec.sheet
    if spec.sheet is None and spec.sheet_pattern is not None:
        for name in names:
            if re.search(spec.sheet_pattern, name, re.IGNORECASE):
                return name
    wanted = f"`{spec.sheet}`" if spec.sheet else f"matching `{spec.sheet_pattern}`"
    field = "parse.sheet" if spec.sheet else "parse.sheet_pattern"
    raise SourceError(
        entry.id,
        entry.location,
        f"no sheet {wanted} (found: {', '.join(names) or 'no sheets'})",
        fix=f"update `{field}` in {entry.catalog_file}",
    )


def _fill_merged_headers(cells: list[list[object]], merged: list, first_header: int) -> None:
    # A merged header ("Jenis Kelamin" over two columns) stores its text only in the top-left cell;
    # copy it over the whole range so every column below it gets its label.
    for (r0, c0), (r1, c1) in merged:
        if r1 < first_header or r0 >= first_header + 2:
            continue
        value = cells[r0][c0]
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if r < len(cells) and c < len(cells[r]):
                    cells[r][c] = value


def _read_csv(entry: SourceEntry, path: Path) -> Grid:
    spec = entry.parse
    try:
        text = path.read_text(encoding=spec.encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            entry.id,
            entry.location,
            f"the file is not valid {spec.encoding} (byte {exc.start})",
            fix=f"set `parse.encoding` in {entry.catalog_file} to the file's encoding",
        ) from None
    delimiter = spec.delimiter or ","
    cells = [
        list(row) for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    ]
    return Grid(
        cells=cells,
        describe="the CSV file",
        locate=lambda r, c: f"baris {r + 1}, kolom {c + 1}",
    )


def _read_records(entry: SourceEntry, path: Path) -> Grid:
    # The landing file of a portal feed is {"fields": [...], "records": [...]} (see sources.ckan).
    payload = json.loads(path.read_text(encoding="utf-8"))
    fields = [f["id"] for f in payload["fields"]]
    cells: list[list[object]] = [list(fields)]
    cells += [[record.get(f) for f in fields] for record in payload["records"]]
    return Grid(
        cells=cells,
        describe="the DataStore fields",
        locate=lambda r, c: f"records[{r - 1}].{fields[c]}",
    )
