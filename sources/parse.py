"""Turn a source's grid of cells into tidy rows, following its catalog parse spec.

The parse spec is a contract: a header, sheet or region the spec names and the file lacks fails the
whole source with a drift report (sources/drift.py), and nothing of it is loaded. Layouts:

- `long`: one row per region (or period), one column per indicator (`values`);
- `wide_by_period`: one row per region, one column per period, one indicator;
- `wide_by_region`: one row per period, one column per region (header = region name), one
  indicator; a total column ("Jumlah") is checked, not loaded.

Merged body cells in the region and period columns (a year merged over five kecamatan rows) are
filled down; total rows are dropped and checked (sources/totals.py); footnotes are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sources.catalog import PeriodSpec, SourceEntry
from sources.cells import cell_text
from sources.columns import ValueColumn, resolve_columns
from sources.errors import SourceError
from sources.grid import Grid, fill_range, read_grid
from sources.numbers import NumberFormatError, parse_number
from sources.tidy import tidy_frame
from sources.totals import TotalChecker
from sources.wilayah import RegionResolver, UnknownRegionError

__all__ = ["ParsedSource", "cell_text", "parse_grid", "parse_landing", "parse_source"]

MAX_LISTED_PROBLEMS = 10


@dataclass
class ParsedSource:
    """Tidy rows plus what the parser noticed without refusing the file (total mismatches)."""

    tidy: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def parse_source(entry: SourceEntry, path: Path) -> pd.DataFrame:
    """Tidy rows of `entry` read from its landing file at `path` (see sources.tidy)."""
    return parse_landing(entry, path).tidy


def parse_landing(entry: SourceEntry, path: Path) -> ParsedSource:
    """Tidy rows and warnings of `entry` read from its landing file at `path`."""
    from sources.parse_fast import parse_csv_fast  # large plain CSVs, vectorised; else None

    parsed = parse_csv_fast(entry, path) or parse_grid_report(entry, read_grid(entry, path))
    parsed.tidy = mark_estimates(entry, parsed.tidy)
    return parsed


def mark_estimates(entry: SourceEntry, tidy: pd.DataFrame) -> pd.DataFrame:
    """Status `perkiraan` for the rows of indicators the catalog declares `estimate: true`
    (an estimate stays an estimate even when the agency also marks it provisional)."""
    estimates = [i.code for i in entry.indicators if i.estimate]
    if estimates and len(tidy):
        tidy.loc[tidy["indikator"].isin(estimates).to_numpy(dtype=bool), "status"] = "perkiraan"
    return tidy


def parse_grid(entry: SourceEntry, grid: Grid) -> pd.DataFrame:
    return parse_grid_report(entry, grid).tidy


def parse_grid_report(entry: SourceEntry, grid: Grid) -> ParsedSource:
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
    cols = resolve_columns(entry, grid, first, spec.header_depth)
    _fill_merged_body(grid, body_start, [c for c in (cols.region, cols.period) if c is not None])
    resolver = RegionResolver(spec.region.level)
    fixed_region = _fixed_region(entry, resolver) if spec.region.code else None
    drops = [re.compile(p, re.IGNORECASE) for p in spec.drop_rows]
    totals = TotalChecker(spec)
    # Columns whose totals are sums; a ratio's or average's "Jumlah" row is not evidence.
    value_indexes = [v.index for v in cols.values if v.indikator not in spec.total_exempt]

    rows: list[dict] = []
    problems: list[tuple[str, object, str]] = []  # (place, value found, what is wrong)
    for r in range(body_start, len(grid.cells)):
        line = grid.cells[r]
        # Cell texts are made only for the cells read (first label, region, notes): a wide
        # sheet's value cells are parsed as numbers below, never as text.
        first_text = next((t for t in map(cell_text, line) if t), "")
        if not first_text:
            continue
        if totals.is_total(first_text):
            totals.check_row(lambda c, r=r: grid.locate(r, c), line, value_indexes)
            continue
        if any(d.search(first_text) for d in drops):
            continue
        kode = fixed_region
        if cols.region is not None:
            region = _cell(line, cols.region)
            if not region:
                if all(not _cell(line, v.index) for v in cols.values):
                    continue  # a note or spacer line with no region and no values
                problems.append((grid.locate(r, cols.region), None, "values but no region name"))
                continue
            try:
                kode = resolver.resolve(region)
            except UnknownRegionError as exc:
                problems.append((grid.locate(r, cols.region), region, str(exc)))
                continue
        row_period = None
        if cols.period is not None:
            row_period = _period(line[cols.period] if cols.period < len(line) else None)
            if row_period is None:
                problems.append((grid.locate(r, cols.period), None, "empty period"))
                continue
        note = _cell(line, cols.notes) or None
        for column in cols.values:
            raw = line[column.index] if column.index < len(line) else None
            if column.index in grid.numeric and isinstance(raw, str):
                raw = _machine_number(raw)
            try:
                value = parse_number(raw, dash=spec.dash)
            except NumberFormatError as exc:
                problems.append((grid.locate(r, column.index), raw, str(exc)))
                continue
            totals.add(column.index, value.nilai)
            periode, provisional = _row_period(row_period, column, spec.period)
            rows.append(
                {
                    "sumber_id": entry.id,
                    "indikator": column.indikator,
                    "kode_wilayah": column.kode_wilayah or kode,
                    "periode": periode,
                    "nilai": value.nilai,
                    "status": "sementara" if provisional or value.provisional else "final",
                    "catatan": "; ".join(t for t in (value.reason, note) if t) or None,
                    "lokasi": grid.locate(r, column.index),
                }
            )
        for total_column in cols.totals:
            totals.check_columns(
                lambda c, r=r: grid.locate(r, c), line, total_column, value_indexes
            )
    if problems:
        raise _problems_error(entry, problems)
    return ParsedSource(tidy_frame(rows), _total_warnings(entry, totals.mismatches))


def _fill_merged_body(grid: Grid, body_start: int, key_columns: list[int]) -> None:
    # Agencies merge a year or kecamatan cell over the rows it labels; only its top cell holds
    # the text. Fill such ranges down in the region/period columns (never in value columns,
    # where a merged number is ambiguous).
    for r0, c0, r1, c1 in grid.merged:
        if r0 >= body_start and any(c0 <= k <= c1 for k in key_columns):
            fill_range(grid.cells, r0, c0, r1, c1)


def _machine_number(text: str) -> object:
    # A portal field typed numeric carries machine numbers ("1234.5"): a dot is a decimal point
    # here, not the Indonesian thousands separator.
    try:
        return float(text.strip())
    except ValueError:
        return text


def _row_period(
    row_period: tuple[str, bool] | None, column: ValueColumn, fixed: PeriodSpec | None
) -> tuple[str, bool]:
    """The period of one value and whether it is provisional ("2023*"): from the row's period
    cell, else the wide layout's header, else the catalog's fixed value."""
    if row_period is not None:
        return row_period
    if column.periode is not None:
        return column.periode, column.provisional
    text = fixed.value if fixed and fixed.value else ""
    return text.rstrip("*").strip(), text.endswith("*")


def _cell(line: list[object], index: int | None) -> str:
    """The text of cell `index` of `line` ("" when the row is shorter or there is no column)."""
    return cell_text(line[index]) if index is not None and index < len(line) else ""


def _period(value: object) -> tuple[str, bool] | None:
    """A period cell: 2023 / "2023" / "2023*" (provisional) / a date (its month)."""
    if isinstance(value, dt.date | dt.datetime):
        return f"{value.year:04d}-{value.month:02d}", False
    text = cell_text(value)
    if not text:
        return None
    return text.rstrip("*").strip(), text.endswith("*")


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


def _total_warnings(entry: SourceEntry, mismatches: list[str]) -> list[str]:
    if not mismatches:
        return []
    text = (
        f"{len(mismatches)} total(s) do not equal the sum of their parts: "
        + "; ".join(mismatches[:MAX_LISTED_PROBLEMS])
        + ("; ..." if len(mismatches) > MAX_LISTED_PROBLEMS else "")
    )
    if entry.parse.total_check == "fail":
        raise SourceError(
            entry.id,
            entry.location,
            text,
            fix="check the agency file for a shifted, missing or extra row (or set "
            f"`parse.total_check: warn` in {entry.catalog_file}); nothing was loaded",
        )
    return [f"{text} (a shifted, missing or extra row?)"]


def _problems_error(entry: SourceEntry, problems: list[tuple[str, object, str]]) -> SourceError:
    listed = "; ".join(f"{place}: {text}" for place, _, text in problems[:MAX_LISTED_PROBLEMS])
    more = len(problems) - MAX_LISTED_PROBLEMS
    tail = f"; and {more} more" if more > 0 else ""
    error = SourceError(
        entry.id,
        entry.location,
        f"{len(problems)} cell(s) cannot be read: {listed}{tail}",
        fix="correct these cells in the agency file (or the region name spelling); nothing of "
        "this source was loaded and its last good data stays published",
    )
    error.cells = [
        (place, "sel_tidak_terbaca", "" if value is None else str(value), text)
        for place, value, text in problems
    ]
    return error
