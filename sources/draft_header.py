"""Find a sheet's header: the rows between the title and the first row of figures.

Agency tables start with title rows (one text, often merged across the table), then one to
three header rows (merged groups over their columns, a unit row), sometimes a row of column
numbers "(1) (2) (3)", then the body. The first body row is the first row holding figures that
is followed by more such rows; the header is the block of text rows right above it, up to three.
A row joins the block only as a group level over the row below it (each text below stands under
an empty cell, a merged or carried group, or a label merged down over both), so a title row, an
empty row or a body group label ("Kependudukan" right above the first figures) ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sources.cells import cell_text
from sources.draft_read import Sheet, kind_of
from sources.drift import labels_at
from sources.grid import Grid, fill_header_groups, fill_range

MAX_DEPTH = 3
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,2})\)?$")


@dataclass
class Header:
    """Where the header is (0-based `first`, `depth` rows) and what stands above and below."""

    first: int
    depth: int
    body_start: int  # the first row after the header (a column-number row is in the body)
    labels: list[str]
    titles: list[str] = field(default_factory=list)  # texts of the rows above the header
    evidence: str = ""

    @property
    def header_row(self) -> int:
        return self.first + 1

    @property
    def title(self) -> str:
        return " ".join(self.titles)


def find_header(sheet: Sheet) -> Header:
    """The header of `sheet` (see the module docstring); a sheet without figures gets a
    one-row header on its first non-empty row."""
    rows = sheet.cells
    numbers_row = None
    body = None
    for r, row in enumerate(rows):
        if column_number_row(row):
            numbers_row = r
            continue
        if _has_figures(row) and any(_has_figures(x) for x in rows[r + 1 : r + 3] or [row]):
            body = r
            break
    if body is None:
        first = next((r for r, row in enumerate(rows) if any(map(cell_text, row))), 0)
        return Header(first, 1, first + 1, labels_of(sheet, first, 1), evidence="no figures")
    above = numbers_row if numbers_row is not None and numbers_row == body - 1 else body
    if above != body - 1:
        numbers_row = None
    r = above - 1
    # Group labels of the body ("Kependudukan", "KEC. BLIMBING") may stand right above the
    # first figures: one text under a header row that has no group over it.
    while r > 0 and _filled(rows[r]) == 1 and _filled(rows[r - 1]) >= 2:
        if _sub_header(sheet, r, r - 1):
            break
        r -= 1
    block = [r] if r >= 0 and any(map(cell_text, rows[r])) else []
    while block and len(block) < MAX_DEPTH:
        upper = block[0] - 1
        if upper < 0 or not any(map(cell_text, rows[upper])) or _has_figures(rows[upper]):
            break
        if _is_title(sheet, upper) or not _sub_header(sheet, block[0], upper):
            break
        block.insert(0, upper)
    if not block:  # the first body row has no header above: take the row itself as header
        block = [max(above - 1, 0)]
    first, depth = block[0], len(block)
    # A group row that spans every labelled column is a title, not a header level.
    while depth > 1 and _spans_everything(sheet, first, depth):
        first, depth = first + 1, depth - 1
    titles = [t for row in rows[:first] for t in map(cell_text, row) if t]
    if sheet.title:  # an HTML table's title stands above its first row
        titles.insert(0, sheet.title)
    evidence = f"figures start in row {body + 1}" + (
        f" (column numbers in row {numbers_row + 1})" if numbers_row is not None else ""
    )
    return Header(
        first,
        depth,
        numbers_row if numbers_row is not None else body,
        labels_of(sheet, first, depth),
        titles=list(dict.fromkeys(titles)),
        evidence=evidence,
    )


def labels_of(sheet: Sheet, first: int, depth: int) -> list[str]:
    """Column labels as the parser builds them for a header at `first` of `depth` rows: merged
    header cells filled, group labels carried right (CSV), parts joined "Top / Sub"."""
    cells = [list(row) for row in sheet.cells[: first + depth]]
    for r0, c0, r1, c1 in sheet.merged:
        if r1 >= first and r0 < first + depth:
            fill_range(cells, r0, c0, r1, c1)
    fill_header_groups(cells, sheet.merged, first, depth)
    grid = Grid(cells=cells, describe="", locate=lambda r, c: "", merged=sheet.merged)
    return labels_at(grid, first, depth)


def column_number_row(row: list[object]) -> bool:
    """A row of column numbers under a BPS-style header: "(1)", "(2)", ... or 1, 2, 3, ..."""
    numbers = []
    for value in row:
        text = cell_text(value)
        if not text:
            continue
        found = _COLUMN_NUMBER.match(text)
        if found is None:
            return False
        numbers.append(int(found[1]))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _filled(row: list[object]) -> int:
    return sum(1 for v in row if cell_text(v))


def _sub_header(sheet: Sheet, lower: int, upper: int) -> bool:
    """Whether row `lower` is a header level under row `upper`: each of its texts stands under
    a group of `upper` (an empty cell there, or a label merged or carried over several columns),
    or it is a row of units ("(km²)", "(%)")."""
    cells = sheet.cells
    below = [c for c, v in enumerate(cells[lower]) if cell_text(v)]
    if below and all(re.fullmatch(r"\(.*\)|\[.*\]", cell_text(cells[lower][c])) for c in below):
        return True
    above = cells[upper]
    for c in below:
        if c >= len(above) or not cell_text(above[c]):
            continue  # under a merged or carried group, or a vertically merged label
        if any(r0 <= upper <= r1 and c0 <= c <= c1 and c1 > c0 for r0, c0, r1, c1 in sheet.merged):
            continue  # under a label merged across columns
        right = c + 1
        if right < len(above) and not cell_text(above[right]):
            continue  # a CSV group written once over its first column
        if any(r0 <= upper and r1 >= lower and c0 <= c <= c1 for r0, c0, r1, c1 in sheet.merged):
            continue  # one label merged down over both rows
        return False
    return bool(below)


def _has_figures(row: list[object]) -> bool:
    """A row holding at least one figure (a number that is no year, or a marker such as "-")."""
    return any(kind_of(v) in ("number", "marker") for v in row)


def _is_title(sheet: Sheet, r: int) -> bool:
    """A title row: one text in the table's first column that no merged range carries down
    into the header below it."""
    filled = [c for c, v in enumerate(sheet.cells[r]) if cell_text(v)]
    if len(filled) != 1:
        return False
    c = filled[0]
    carried_down = any(r0 == r and c0 == c and r1 > r for r0, c0, r1, _ in sheet.merged)
    if carried_down:
        return False
    first_column = min(
        (
            i
            for row in sheet.cells[r + 1 : r + 1 + MAX_DEPTH]
            for i, v in enumerate(row)
            if cell_text(v)
        ),
        default=0,
    )
    return c <= first_column


def _spans_everything(sheet: Sheet, first: int, depth: int) -> bool:
    """Whether the top header row, once filled, puts one text over every labelled column
    (a title merged across the table), where a real group leaves the key columns out."""
    top = labels_of(sheet, first, 1)
    below = labels_of(sheet, first + 1, depth - 1)
    columns = [c for c, label in enumerate(below) if label]
    texts = {top[c] if c < len(top) else "" for c in columns}
    return len(columns) >= 3 and len(texts) == 1 and "" not in texts
