"""Turn a source's grid of cells into tidy rows, following its catalog parse spec.

The parse spec is a contract: a header, sheet or region the spec names and the file lacks fails the
whole source with what was expected and what was found, and nothing of it is loaded.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sources.catalog import PeriodSpec, SourceEntry
from sources.errors import SourceError
from sources.grid import Grid, read_grid
from sources.numbers import NumberFormatError, parse_number
from sources.tidy import tidy_frame
from sources.wilayah import RegionResolver, UnknownRegionError

_SPACES = re.compile(r"\s+")
MAX_LISTED_PROBLEMS = 10


def parse_source(entry: SourceEntry, path: Path) -> pd.DataFrame:
    """Tidy rows of `entry` read from its landing file at `path` (see sources.tidy)."""
    return parse_grid(entry, read_grid(entry, path))


@dataclass(frozen=True)
class _ValueColumn:
    index: int
    indikator: str
    periode: str | None = None  # wide_by_period: the period comes from the header
    provisional: bool = False


def cell_text(value: object) -> str:
    """A cell as header or label text: integral numbers without ".0", whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value)).strip()


def parse_grid(entry: SourceEntry, grid: Grid) -> pd.DataFrame:
    spec = entry.parse
    first = spec.header_row - 1
    body_start = first + spec.header_depth
    if len(grid.cells) < body_start:
        raise SourceError(
            entry.id,
            entry.location,
            f"{grid.describe} has {len(grid.cells)} rows, fewer than the header needs "
            f"(header_row {spec.header_row}, depth {spec.header_depth})",
            fix=f"check the file, or `parse.header_row` in {entry.catalog_file}",
        )
    labels = _header_labels(grid, first, spec.header_depth)
    finder = _HeaderFinder(entry, grid, labels, first, spec.header_depth)
    region_col = (
        finder.index(spec.region.column, "parse.region.column") if spec.region.column else None
    )
    period_col = None
    if spec.layout == "long" and spec.period.column:
        period_col = finder.index(spec.period.column, "parse.period.column")
    value_cols = _value_columns(entry, finder, labels)
    resolver = RegionResolver(spec.region.level)
    fixed_region = _fixed_region(entry, resolver) if spec.region.code else None
    drops = [re.compile(p, re.IGNORECASE) for p in spec.drop_rows]

    rows: list[dict] = []
    problems: list[str] = []
    for r in range(body_start, len(grid.cells)):
        line = grid.cells[r]
        texts = [cell_text(v) for v in line]
        first_text = next((t for t in texts if t), "")
        if not first_text or any(d.search(first_text) for d in drops):
            continue
        if region_col is not None and not _cell(texts, region_col):
            if all(not _cell(texts, v.index) for v in value_cols):
                continue  # a note or spacer line with no region and no values
            problems.append(f"{grid.locate(r, region_col)}: values but no region name")
            continue
        try:
            kode = fixed_region or resolver.resolve(_cell(texts, region_col))
        except UnknownRegionError as exc:
            problems.append(f"{grid.locate(r, region_col)}: {exc}")
            continue
        row_period = None
        if period_col is not None:
            row_period = _period(line[period_col] if period_col < len(line) else None)
            if row_period is None:
                problems.append(f"{grid.locate(r, period_col)}: empty period")
                continue
        for column in value_cols:
            raw = line[column.index] if column.index < len(line) else None
            try:
                value = parse_number(raw, dash=spec.dash)
            except NumberFormatError as exc:
                problems.append(f"{grid.locate(r, column.index)}: {exc}")
                continue
            periode, provisional = _row_period(row_period, column, spec.period)
            rows.append(
                {
                    "sumber_id": entry.id,
                    "indikator": column.indikator,
                    "kode_wilayah": kode,
                    "periode": periode,
                    "nilai": value.nilai,
                    "status": "sementara" if provisional or value.provisional else "final",
                    "catatan": value.reason,
                    "lokasi": grid.locate(r, column.index),
                }
            )
    if problems:
        raise _problems_error(entry, problems)
    return tidy_frame(rows)


def _row_period(
    row_period: tuple[str, bool] | None, column: _ValueColumn, fixed: PeriodSpec | None
) -> tuple[str, bool]:
    """The period of one value and whether it is provisional ("2023*"): from the row's period
    cell, else the wide layout's header, else the catalog's fixed value."""
    if row_period is not None:
        return row_period
    if column.periode is not None:
        return column.periode, column.provisional
    text = fixed.value if fixed and fixed.value else ""
    return text.rstrip("*").strip(), text.endswith("*")


def _cell(texts: list[str], index: int | None) -> str:
    return texts[index] if index is not None and index < len(texts) else ""


def _period(value: object) -> tuple[str, bool] | None:
    """A period cell: 2023 / "2023" / "2023*" (provisional) / a date (its month)."""
    if isinstance(value, dt.date | dt.datetime):
        return f"{value.year:04d}-{value.month:02d}", False
    text = cell_text(value)
    if not text:
        return None
    return text.rstrip("*").strip(), text.endswith("*")


def _header_labels(grid: Grid, first: int, depth: int) -> list[str]:
    header_rows = [[cell_text(v) for v in grid.cells[first + i]] for i in range(depth)]
    width = max(len(row) for row in header_rows)
    labels = []
    for c in range(width):
        parts = [row[c] if c < len(row) else "" for row in header_rows]
        texts = [p for p in parts if p]
        if len(texts) == 2 and texts[0] == texts[1]:
            texts = texts[:1]
        labels.append(" / ".join(texts))
    return labels


class _HeaderFinder:
    """Finds header labels; a missing one fails with expected versus found and the field to edit."""

    def __init__(self, entry: SourceEntry, grid: Grid, labels: list[str], first: int, depth: int):
        self.entry, self.grid, self.labels, self.first, self.depth = (
            entry,
            grid,
            labels,
            first,
            depth,
        )

    def index(self, wanted: str, field: str) -> int:
        target = cell_text(wanted)
        for exact in (True, False):
            for i, label in enumerate(self.labels):
                if label == target if exact else label.casefold() == target.casefold():
                    return i
        found = ", ".join(
            f"{self.grid.locate(self.first, i)} {label!r}"
            for i, label in enumerate(self.labels)
            if label
        )
        rows = f"row {self.first + 1}" + (f"-{self.first + self.depth}" if self.depth > 1 else "")
        raise SourceError(
            self.entry.id,
            self.entry.location,
            f"column {target!r} not found in the header of {self.grid.describe} ({rows}); "
            f"found: {found or 'an empty header row'}",
            fix=f"update `{field}` (or `parse.header_row`) in {self.entry.catalog_file}",
        )


def _value_columns(
    entry: SourceEntry, finder: _HeaderFinder, labels: list[str]
) -> list[_ValueColumn]:
    spec = entry.parse
    if spec.layout == "long":
        return [
            _ValueColumn(finder.index(header, f"parse.values.{header}"), code)
            for header, code in spec.values.items()
        ]
    pattern = re.compile(spec.period_columns)
    columns = [
        _ValueColumn(i, spec.indicator, label.rstrip("*").strip(), label.endswith("*"))
        for i, label in enumerate(labels)
        if pattern.search(label)
    ]
    if not columns:
        finder.index(f"<a header matching {spec.period_columns}>", "parse.period_columns")
    return columns


def _fixed_region(entry: SourceEntry, resolver: RegionResolver) -> str:
    try:
        return resolver.resolve(entry.parse.region.code)
    except UnknownRegionError as exc:
        raise SourceError(
            entry.id,
            entry.location,
            str(exc),
            fix=f"fix `parse.region.code` in {entry.catalog_file}",
        ) from None


def _problems_error(entry: SourceEntry, problems: list[str]) -> SourceError:
    listed = "; ".join(problems[:MAX_LISTED_PROBLEMS])
    more = len(problems) - MAX_LISTED_PROBLEMS
    tail = f"; and {more} more" if more > 0 else ""
    return SourceError(
        entry.id,
        entry.location,
        f"{len(problems)} cell(s) cannot be read: {listed}{tail}",
        fix="correct these cells in the agency file (or the region name spelling); nothing of "
        "this source was loaded and its last good data stays published",
    )
