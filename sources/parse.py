"""Turn a source's grid of cells into tidy rows, following its catalog parse spec.

The parse spec is a contract: a header, sheet or region the spec names and the file lacks fails the
whole source with a drift report (sources/drift.py), and nothing of it is loaded. A cell that
cannot be read (an unknown region, a number or period that is not one) quarantines its row and
the rest parses (sources/extract.py, sources/quarantine.py). Layouts:

- `long`: one row per region (or period), one column per indicator (`values`);
- `wide_by_period`: one row per region, one column per period, one indicator;
- `wide_by_region`: one row per period, one column per region (header = region name), one
  indicator; a total column ("Jumlah") is checked, not loaded;
- `wide`: columns found by `header_pattern`, whose groups name the indicator, period, status;
- `indicators_as_rows`: one row per indicator (`row_indicators`), one column per period.

Merged body cells in the region and period columns (a year merged over five kecamatan rows) are
filled down; total rows are dropped and checked (sources/totals.py); footnotes are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sources.catalog import SourceEntry
from sources.cells import cell_text
from sources.errors import SourceError
from sources.grid import Grid, fill_range, read_grid
from sources.periods import parse_period
from sources.quarantine import Quarantined

__all__ = ["ParsedSource", "cell_text", "parse_grid", "parse_landing", "parse_source"]

MAX_LISTED_PROBLEMS = 10


@dataclass
class ParsedSource:
    """Tidy rows plus what the parser noticed without refusing the file: warnings (total
    mismatches, skipped headers), cells it quarantined, and notes (choices it made: the sheet
    it took, the number style of a column)."""

    tidy: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def values_quarantined(self) -> int:
        """Tidy rows held back by unreadable cells."""
        return sum(item.values for item in self.quarantined)


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
    """Tidy rows of `grid`: one extraction model for every layout (sources/extract.py)."""
    from sources.extract import Extractor

    return Extractor(entry, grid).run()


def check_header_fits(entry: SourceEntry, grid: Grid, body_start: int) -> None:
    """A grid shorter than its declared header is the wrong file or the wrong `header_row`."""
    spec = entry.parse
    if len(grid.cells) < body_start:
        raise SourceError(
            entry.id,
            entry.location,
            f"{grid.describe} has {len(grid.cells)} rows, fewer than the header needs "
            f"(header_row {spec.header_row}, depth {spec.header_depth})",
            fix=f"check the file, or `parse.header_row` in {entry.catalog_file}",
        )


def fill_merged_body(grid: Grid, body_start: int, key_columns: list[int]) -> None:
    """Agencies merge a year or kecamatan cell over the rows it labels; only its top cell holds
    the text. Fill such ranges down in the key columns (never in value columns, where a merged
    number is ambiguous)."""
    for r0, c0, r1, c1 in grid.merged:
        if r0 >= body_start and any(c0 <= k <= c1 for k in key_columns):
            fill_range(grid.cells, r0, c0, r1, c1)


def _period(value: object) -> tuple[str, bool] | None:
    """A period cell as the vectorised CSV path reads it: (periode, provisional), None when
    empty; raises PeriodFormatError as sources.periods does (the row-by-row parser then
    quarantines the row with the reason)."""
    if isinstance(value, dt.date | dt.datetime):
        return f"{value.year:04d}-{value.month:02d}", False
    if not cell_text(value):
        return None
    period = parse_period(value)
    return period.periode, period.provisional


def total_warnings(entry: SourceEntry, mismatches: list[str]) -> list[str]:
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


_total_warnings = total_warnings  # the vectorised CSV path's name for it
