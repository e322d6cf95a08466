"""What parsing a source gives (`ParsedSource`), and the steps both parsers share: the header
fits, merged key cells filled down, total mismatches turned into warnings (or a failure)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sources.catalog import SourceEntry
from sources.errors import SourceError
from sources.grid import Grid, fill_range
from sources.quarantine import Quarantined

MAX_LISTED_PROBLEMS = 10


@dataclass(frozen=True)
class OutsideRow:
    """A row of another region in a table that covers a wider area than the city
    (`parse.region.covers`): counted, never a fact, an error or a correction."""

    lokasi: str
    nama: str  # the region cell as written: "Malang"
    wilayah: str  # what it names: "Kabupaten Malang (BPS 3507)"


@dataclass
class ParsedSource:
    """Tidy rows plus what the parser noticed without refusing the file: warnings (total
    mismatches, skipped headers), cells it quarantined, notes (choices it made: the sheet
    it took, the number style of a column) and rows of regions outside Kota Malang."""

    tidy: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outside: list[OutsideRow] = field(default_factory=list)

    @property
    def values_quarantined(self) -> int:
        """Tidy rows held back by unreadable cells."""
        return sum(item.values for item in self.quarantined)


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
