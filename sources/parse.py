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

from functools import cache
from pathlib import Path

import pandas as pd

from sources.catalog import SourceEntry
from sources.cells import cell_text
from sources.extract import Extractor
from sources.grid import Grid, read_grid
from sources.parsed import ParsedSource
from sources.periods import parse_period

__all__ = ["ParsedSource", "cell_text", "parse_grid", "parse_landing", "parse_source"]


def parse_source(entry: SourceEntry, path: Path) -> pd.DataFrame:
    """Tidy rows of `entry` read from its landing file at `path` (see sources.tidy)."""
    return parse_landing(entry, path).tidy


@cache
def import_readers() -> None:
    """Import now what parse_landing imports on first use (the fast paths, the workbook, HTML
    and BPS readers, Arrow's pandas conversion), so that a parse then imports nothing; once
    per process, as a caller may ask before every parse. For a caller that imports GX on
    another thread meanwhile (quality/gx_runtime.warming_up): two threads importing at once
    can, on an import cycle, stop one with "deadlock detected"."""
    import pyarrow as pa
    import python_calamine  # noqa: F401

    import sources.bps_table
    import sources.grid_html
    import sources.parse_fast
    import sources.parse_grid_fast  # noqa: F401

    pa.table({"text": ["a"], "number": [1.5]}).to_pandas()  # its imports, on first use


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
    """Tidy rows of `grid`: one extraction model for every layout (sources/extract.py), read a
    column at a time where that gives the same (sources/parse_grid_fast.py)."""
    from sources.parse_grid_fast import read_columns  # it builds on this module

    extractor = Extractor(entry, grid)
    return read_columns(extractor) or extractor.run()


def _period(value: object) -> tuple[str, bool] | None:
    """A period cell as the vectorised CSV path reads it: (periode, provisional), None when
    empty; raises PeriodFormatError as sources.periods does (the row-by-row parser then
    quarantines the row with the reason)."""
    if not cell_text(value):  # a date cell reads as its month (sources.periods)
        return None
    period = parse_period(value)
    return period.periode, period.provisional
