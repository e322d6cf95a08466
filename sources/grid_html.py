"""Read an HTML table export (a BPS "download as Excel" .xls) into the parser's grid.

Such a file holds several `<table>`s (a title, the data, the footnotes); `parse.table` says
which one is the data: its number (1-based, in document order) or a regular expression searched
(case-insensitive) in its title or first row. Rowspan/colspan become merged ranges, so a
multi-row header reads as in a workbook. Cells are named `tabel 2, baris 5, kolom 3` (row and
column within that table: Excel shows the tables stacked on one sheet, so its row numbers would
differ). The table's title counts as a title row for `period.year_from: title`.
"""

from __future__ import annotations

import re
from pathlib import Path

from sources.catalog import SourceEntry
from sources.cells import cell_text
from sources.errors import SourceError
from sources.grid import Grid, fill_header_groups, fill_merged_headers
from sources.html_tables import HtmlTable, HtmlTableError, decode_html, read_tables


def read_html_grid(entry: SourceEntry, path: Path) -> Grid:
    """The grid of the table `entry.parse.table` names in the HTML file at `path`."""
    spec = entry.parse
    try:
        tables = read_tables(decode_html(path.read_bytes()))
    except HtmlTableError as exc:
        raise SourceError(
            entry.id,
            entry.location,
            f"the HTML table cannot be laid out: {exc}",
            fix="ask the agency for the table as .xlsx or CSV",
            outcome="rejected",
        ) from None
    table, notes = choose_table(entry, tables)
    cells = [list(row) for row in table.cells]
    fill_merged_headers(cells, table.merged, spec.header_row - 1, spec.header_depth)
    fill_header_groups(cells, table.merged, spec.header_row - 1, spec.header_depth)
    number = table.number
    return Grid(
        cells=cells,
        describe=f"table {number} of the HTML file",
        locate=lambda r, c: f"tabel {number}, baris {r + 1}, kolom {c + 1}",
        merged=table.merged,
        notes=notes,
        title=table.title,
    )


def choose_table(entry: SourceEntry, tables: list[HtmlTable]) -> tuple[HtmlTable, list[str]]:
    """The table `parse.table` names, and a note on the choice; a SourceError that lists the
    file's tables when there is no such table or the entry names none."""
    wanted = entry.parse.table
    if isinstance(wanted, int) and 1 <= wanted <= len(tables):
        return tables[wanted - 1], []
    if isinstance(wanted, str):
        pattern = re.compile(wanted, re.IGNORECASE)
        for table in tables:
            first_row = " ".join(cell_text(v) for v in table.cells[0]) if table.cells else ""
            if pattern.search(table.title) or pattern.search(first_row):
                return table, [f"table {table.number} taken (matches `parse.table: {wanted}`)"]
    found = "; ".join(t.describe() for t in tables) or "no <table> at all"
    data = [t.number for t in tables if t.is_data]
    example = f" (the data looks like table {data[0]})" if data else ""
    if wanted is None:
        problem = (
            'the file is an HTML table export (a website\'s "download as Excel"), not a '
            f"workbook with sheets, and `parse.table` does not say which table to read; it "
            f"holds: {found}"
        )
        fix = f"set `parse.table` in {entry.catalog_file}{example}"
    else:
        problem = f"layout drift: no table `{wanted}` in the HTML file (found: {found})"
        fix = f"update `parse.table` in {entry.catalog_file}{example}"
    return _raise(entry, problem, fix, [t.describe() for t in tables])


def _raise(entry: SourceEntry, problem: str, fix: str, found: list[str]):
    raise SourceError(
        entry.id,
        entry.location,
        problem,
        fix=fix,
        details={
            "drift": "table",
            "expected_table": entry.parse.table,
            "found_tables": found,
            "catalog_file": entry.catalog_file,
            "field": "parse.table",
        },
    )
