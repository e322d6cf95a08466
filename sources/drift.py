"""Layout drift reports: the parse spec is a contract, and this says how the file broke it.

When an agency renames a sheet or a column, or adds a row above the header, the source fails
with one report: expected versus found (the workbook's sheets, every header cell with its
address), where the expected headers turned up instead if they did, and the catalog file and
field to edit. The same facts go to the asset metadata as `SourceError.details`.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from sources.catalog import SourceEntry
from sources.cells import cell_text, header_labels, same_label
from sources.errors import SourceError

if TYPE_CHECKING:
    from sources.grid import Grid

SEARCH_ROWS = 30  # how far down a moved header is looked for


def missing_sheet(entry: SourceEntry, names: list[str]) -> SourceError:
    """No sheet has the name (or matches the pattern) the entry declares."""
    spec = entry.parse
    wanted = f"`{spec.sheet}`" if spec.sheet else f"matching `{spec.sheet_pattern}`"
    field = "parse.sheet" if spec.sheet else "parse.sheet_pattern"
    close = difflib.get_close_matches(spec.sheet or "", names, n=1, cutoff=0.5)
    hint = f"; closest: `{close[0]}`" if close else ""
    return SourceError(
        entry.id,
        entry.location,
        f"layout drift: no sheet {wanted} (found: {', '.join(names) or 'no sheets'}){hint}",
        fix=f"update `{field}` in {entry.catalog_file}",
        details={
            "drift": "sheet",
            "expected_sheet": spec.sheet or spec.sheet_pattern,
            "found_sheets": names,
            "catalog_file": entry.catalog_file,
            "field": field,
        },
    )


def labels_at(grid: Grid, first: int, depth: int) -> list[str]:
    """Header labels as if the header started at row `first` (merged cells filled)."""
    rows = [list(grid.cells[r]) for r in range(first, min(first + depth, len(grid.cells)))]
    for r0, c0, r1, c1 in grid.merged:
        for r in range(max(r0, first), min(r1, first + depth - 1) + 1):
            row = rows[r - first]
            top = grid.cells[r0][c0] if c0 < len(grid.cells[r0]) else None
            for c in range(c0, min(c1 + 1, len(row))):
                row[c] = top
    return header_labels(rows)


def header_drift(
    entry: SourceEntry,
    grid: Grid,
    first: int,
    depth: int,
    misses: list[tuple[str, str]],
    expected: list[str],
) -> SourceError:
    """Headers `misses` ((text, catalog field) pairs) are not in the declared header rows."""
    labels = labels_at(grid, first, depth)
    found = [(grid.place_of_header(first, i), label) for i, label in enumerate(labels) if label]
    rows = f"row {first + 1}" + (f"-{first + depth}" if depth > 1 else "")
    sheets = f"; workbook sheets: {', '.join(grid.sheets)}" if grid.sheets else ""
    moved = _header_moved_to(grid, first, depth, expected)
    elsewhere = {} if moved is not None else _seen_elsewhere(grid, first, depth, misses)
    noun = "column" if len(misses) == 1 else "columns"
    what = ", ".join(f"{text!r}" for text, _ in misses)
    listed = ", ".join(f"{place} {label!r}" for place, label in found) or "an empty header row"
    hints = ""
    if moved is not None:
        hints = (
            f"; every expected header is in row {moved + 1} instead: the header moved "
            f"(a row added or removed above it?)"
        )
    elif elsewhere:
        hints = "; " + ", ".join(
            f"{text!r} appears at {place}" for text, place in elsewhere.items()
        )
    fields = ", ".join(f"`{field}`" for _, field in misses)
    fix = (
        f"set `parse.header_row: {moved + 1}` in {entry.catalog_file}"
        if moved is not None
        else f"update {fields} (or `parse.header_row`) in {entry.catalog_file}"
    )
    return SourceError(
        entry.id,
        entry.location,
        f"layout drift: {noun} {what} not found in the header of {grid.describe} "
        f"({rows}{sheets}); found: {listed}{hints}",
        fix=fix,
        details={
            "drift": "header",
            "sheet": grid.sheet,
            "workbook_sheets": grid.sheets,
            "header_rows": rows,
            "expected": [{"header": text, "field": field} for text, field in misses],
            "found": {place: label for place, label in found},
            "moved_to_row": moved + 1 if moved is not None else None,
            "seen_elsewhere": elsewhere,
            "catalog_file": entry.catalog_file,
        },
    )


def _header_moved_to(grid: Grid, first: int, depth: int, expected: list[str]) -> int | None:
    """The row where every expected header is found, if the declared row has lost them."""
    wanted = [w for w in expected if not w.startswith("<")]
    if not wanted:
        return None
    for candidate in range(min(len(grid.cells) - depth + 1, SEARCH_ROWS)):
        if candidate == first:
            continue
        labels = labels_at(grid, candidate, depth)
        if all(any(same_label(label, w) for label in labels) for w in wanted):
            return candidate
    return None


def _seen_elsewhere(
    grid: Grid, first: int, depth: int, misses: list[tuple[str, str]]
) -> dict[str, str]:
    """Cells outside the header that hold a missing header's text (or its last part)."""
    seen: dict[str, str] = {}
    for text, _ in misses:
        last = re.split(r"\s/\s", text)[-1]
        for r in range(min(len(grid.cells), SEARCH_ROWS)):
            if first <= r < first + depth:
                continue
            hit = next(
                (c for c, v in enumerate(grid.cells[r]) if same_label(cell_text(v), last)), None
            )
            if hit is not None:
                seen[text] = grid.locate(r, hit)
                break
    return seen
