"""Value columns of the wide layouts, read from their header paths.

A column's header path ("Volume Air Terjual (m³) / 2024*", "Realisasi Triwulan III 2024") is
matched against `parse.header_pattern` (or, without one, `parse.period_columns` on the header or
its last part, the whole text being a period). The pattern's named groups say what the column
holds: `indicator` (mapped through `indicator_labels`), `year`, `month`, `quarter`, `semester`
or a whole `period`, `status` and `region`. A period without a year takes the entry's year rule
(`period.year`, `period.year_from`, or per row `period.year_column`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath

from sources.catalog import SourceEntry
from sources.cells import cell_text
from sources.errors import SourceError
from sources.grid import Grid
from sources.periods import MissingYearError, PeriodFormatError, find_year, period_from_parts
from sources.status import StatusWords
from sources.value_columns import ValueColumn, decimal_of
from sources.wilayah import RegionResolver, UnknownRegionError

PERIOD_GROUPS = ("year", "month", "quarter", "semester", "period")


def folded(text: str) -> str:
    """A label as compared with catalog keys: trimmed, spaces collapsed, case folded."""
    return cell_text(text).casefold()


class HeaderReader:
    """Turns one sheet's header labels into value columns for one entry."""

    def __init__(self, entry: SourceEntry, grid: Grid, first: int) -> None:
        self.entry = entry
        self.spec = entry.parse
        self.grid = grid
        self.first = first
        self.default_year = header_year(entry, grid, first)
        self.status_words = StatusWords(self.spec)
        self.labels_to_code = {folded(k): v for k, v in self.spec.indicator_labels.items()}
        if self.spec.header_pattern:
            self.pattern = re.compile(self.spec.header_pattern, re.IGNORECASE)
        else:
            self.pattern = None
            self.period_pattern = re.compile(self.spec.period_columns, re.IGNORECASE)

    def value_columns(self, labels: list[str], used: set[int]):
        """(value columns, warnings): every header the pattern matches; headers whose indicator
        text no code is mapped to are skipped and named in a warning."""
        values, unmapped = [], []
        for i, label in enumerate(labels):
            if not label or i in used:
                continue
            groups = self._groups(label)
            if groups is None:
                continue
            code = self._indicator(groups)
            if code is None and groups.get("indicator") is not None:
                unmapped.append(f"{self.place(i)} {groups['indicator']!r}")
                continue
            status = self.status_words.read(groups["status"]) if groups.get("status") else None
            column = ValueColumn(
                i,
                code,
                status=status,
                kode_wilayah=self._region(groups, i),
                decimal=decimal_of(self.spec, label),
                label=label,
            )
            values.append(self._with_period(column, groups, i, label))
        warnings = []
        if unmapped:
            warnings.append(
                f"{len(unmapped)} header(s) match `parse.header_pattern` but their indicator is "
                f"not in `parse.indicator_labels` (skipped): {', '.join(unmapped)}; add them to "
                f"{self.entry.catalog_file} to load them"
            )
        return values, warnings

    def place(self, column: int) -> str:
        return self.grid.place_of_header(self.first, column)

    def _groups(self, label: str) -> dict[str, str | None] | None:
        if self.pattern is not None:
            match = self.pattern.search(label)
            return None if match is None else match.groupdict()
        # No pattern: the header (or its last part under a group) is a period.
        for text in dict.fromkeys([label, label.rsplit(" / ", 1)[-1]]):
            if self.period_pattern.search(text):
                return {"period": text}
        return None

    def _indicator(self, groups: dict) -> str | None:
        text = groups.get("indicator")
        if text is None:
            return self.spec.indicator if self.spec.layout != "indicators_as_rows" else None
        return self.labels_to_code.get(folded(text))

    def _region(self, groups: dict, column: int) -> str | None:
        text = groups.get("region")
        if not text:
            return None
        resolver = RegionResolver(self.spec.region.level, aliases=self.spec.region.aliases)
        try:
            return resolver.resolve(text)
        except UnknownRegionError as exc:
            raise SourceError(
                self.entry.id,
                self.entry.location,
                f"header {self.place(column)}: {exc}",
                fix=f"add the spelling to `parse.region.aliases` in {self.entry.catalog_file}",
            ) from None

    def _with_period(self, column, groups: dict, index: int, label: str):
        parts = {k: groups[k] for k in PERIOD_GROUPS if groups.get(k)}
        if not parts:
            return column  # the row's period column (or the fixed value) gives it
        try:
            period = period_from_parts(
                **parts, default_year=self.default_year, kind=_kind(self.spec)
            )
        except MissingYearError:
            if self.spec.period is not None and self.spec.period.year_column:
                return replace(column, year_parts=tuple(parts.items()))
            raise self._missing_year(index, label) from None
        except PeriodFormatError as exc:
            raise SourceError(
                self.entry.id,
                self.entry.location,
                f"header {self.place(index)} {label!r} matches the header rule but its period "
                f"cannot be read ({exc})",
                fix="narrow `parse.header_pattern` (or `parse.period_columns`) in "
                f"{self.entry.catalog_file} so it matches period headers only",
            ) from None
        status = "sementara" if period.provisional and column.status is None else column.status
        return replace(
            column, periode=period.periode, provisional=period.provisional, status=status
        )

    def _missing_year(self, index: int, label: str) -> SourceError:
        year_from = self.spec.period.year_from if self.spec.period else None
        if year_from:
            where = "sheet name" if year_from == "sheet" else "title rows above the header"
            return SourceError(
                self.entry.id,
                self.entry.location,
                f"header {self.place(index)} {label!r} is a period without a year, and the "
                f"{where} name no single year (`parse.period.year_from: {year_from}`)",
                fix=f"set `parse.period.year` in {self.entry.catalog_file}, or ask the agency "
                "to put the year in the title",
            )
        return SourceError(
            self.entry.id,
            self.entry.location,
            f"header {self.place(index)} {label!r} is a period without a year, and the catalog "
            "says nowhere where its year is",
            fix=f"set `parse.period.year` (a fixed year), `parse.period.year_column` (a column "
            f"of years) or `parse.period.year_from` (sheet or title) in {self.entry.catalog_file}",
        )


def _kind(spec) -> str | None:
    return spec.period.kind if spec.period is not None else None


def header_year(entry: SourceEntry, grid: Grid, first: int) -> int | None:
    """The year the entry's period words take when they carry none: `period.year`, or the one
    year named in the sheet name (the file name for a CSV) or in the title rows above the
    header (`period.year_from`)."""
    period = entry.parse.period
    if period is None:
        return None
    if period.year is not None:
        return period.year
    if period.year_from == "sheet":
        return find_year(grid.sheet or PurePosixPath(entry.location).stem)
    if period.year_from == "title":
        # An HTML table's title (its caption or heading) stands above its first row.
        rows = [cell_text(v) for row in grid.cells[:first] for v in row if v is not None]
        return find_year(" ".join([grid.title, *rows]))
    return None
