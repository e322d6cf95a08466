"""Which columns of the header the parse spec uses: the region, period, year, status, label and
notes columns, the value columns (with what their header says: indicator, period, status,
region), total columns, and the columns of named row rules.

Every header the spec names is looked up first; all that are missing fail together in one drift
report (sources/drift.py), so an agency's renamed table is fixed in one edit, not one per run.
A header the catalog cannot read (a month without a year, a header group no code is mapped to)
is the catalog's problem, and the message points at the field to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sources.catalog import RowRule, SourceEntry
from sources.cells import cell_text, same_label
from sources.drift import header_drift, labels_at
from sources.errors import SourceError
from sources.grid import Grid
from sources.header_periods import HeaderReader
from sources.value_columns import ValueColumn, decimal_of
from sources.wilayah import RegionResolver, UnknownRegionError


@dataclass
class Columns:
    region: int | None = None
    period: int | None = None
    year: int | None = None  # period.year_column
    status: int | None = None  # status.column
    label: int | None = None  # label_column (indicators_as_rows)
    values: list[ValueColumn] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)  # wide_by_region total columns
    notes: int | None = None  # the free-text column kept in catatan (parse.notes)
    # Row rules on named columns: (column index, compiled pattern).
    drop_rules: list[tuple[int, re.Pattern]] = field(default_factory=list)
    total_rules: list[tuple[int, re.Pattern]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def resolve_columns(entry: SourceEntry, grid: Grid, first: int, depth: int) -> Columns:
    """The columns of `entry`'s parse spec in `grid`; raise a drift report for missing ones."""
    spec = entry.parse
    labels = labels_at(grid, first, depth)
    wanted = _named_headers(entry)
    found = {text: _index(labels, text) for text, _ in wanted}
    misses = [(cell_text(text), f) for text, f in wanted if found[text] is None]
    period = spec.period
    cols = Columns(
        region=found.get(spec.region.column) if spec.region.column else None,
        period=found.get(period.column) if period and period.column else None,
        year=found.get(period.year_column) if period and period.year_column else None,
        status=found.get(spec.status.column) if spec.status and spec.status.column else None,
        label=found.get(spec.label_column) if spec.label_column else None,
        notes=found.get(spec.notes) if spec.notes else None,
    )
    for kind, target in (("drop", cols.drop_rules), ("total", cols.total_rules)):
        for rule in spec.row_rules(kind)[1]:
            if found.get(rule.column) is not None:
                target.append((found[rule.column], re.compile(rule.pattern, re.IGNORECASE)))
    used = {
        c for c in (cols.region, cols.period, cols.year, cols.status, cols.label) if c is not None
    }
    used |= {c for c in (cols.notes,) if c is not None}
    if spec.layout == "long":
        cols.values = [
            ValueColumn(found[h], code, decimal=decimal_of(spec, h), label=cell_text(h))
            for h, code in spec.values.items()
            if found[h] is not None
        ]
    elif spec.layout == "wide_by_region":
        cols.values, cols.totals = _region_columns(entry, grid, first, labels, used)
        if not cols.values:
            misses.append((f"<a {spec.region.level} name>", "parse.region.level"))
    else:
        reader = HeaderReader(entry, grid, first)
        cols.values, cols.warnings = reader.value_columns(labels, used)
        if not cols.values:
            what = spec.header_pattern or spec.period_columns
            field_name = "parse.header_pattern" if spec.header_pattern else "parse.period_columns"
            misses.append((f"<a header matching {what}>", field_name))
    if misses:
        expected = [cell_text(text) for text, _ in wanted]
        raise header_drift(entry, grid, first, depth, misses, expected)
    return cols


def _named_headers(entry: SourceEntry) -> list[tuple[str, str]]:
    """(header text, catalog field) of every column the spec names."""
    spec = entry.parse
    wanted: list[tuple[str, str]] = []
    if spec.region.column:
        wanted.append((spec.region.column, "parse.region.column"))
    if spec.period and spec.period.column and spec.layout != "wide_by_period":
        wanted.append((spec.period.column, "parse.period.column"))
    if spec.period and spec.period.year_column:
        wanted.append((spec.period.year_column, "parse.period.year_column"))
    if spec.status and spec.status.column:
        wanted.append((spec.status.column, "parse.status.column"))
    if spec.label_column:
        wanted.append((spec.label_column, "parse.label_column"))
    if spec.layout == "long":
        wanted += [(header, f"parse.values.{header}") for header in spec.values]
    if spec.notes:
        wanted.append((spec.notes, "parse.notes"))
    for kind in ("drop", "total"):
        rules: list[RowRule] = spec.row_rules(kind)[1]
        wanted += [(rule.column, f"parse.{kind}_rows") for rule in rules]
    return list(dict.fromkeys(wanted))


def _index(labels: list[str], wanted: str) -> int | None:
    target = cell_text(wanted)
    for i, label in enumerate(labels):
        if label == target:
            return i
    return next((i for i, label in enumerate(labels) if same_label(label, target)), None)


def _region_columns(
    entry: SourceEntry, grid: Grid, first: int, labels: list[str], used: set[int]
) -> tuple[list[ValueColumn], list[int]]:
    """wide_by_region: every other non-empty header is a region, a total or a dropped column;
    an unknown header is drift (a renamed or new region) and fails with its cell."""
    spec = entry.parse
    resolver = RegionResolver(spec.region.level, aliases=spec.region.aliases)
    drops = [re.compile(p, re.IGNORECASE) for p in spec.drop_columns]
    totals = [re.compile(p, re.IGNORECASE) for p in spec.row_rules("total")[0]]
    values, total_columns, problems = [], [], []
    for i, label in enumerate(labels):
        if not label or i in used or any(d.search(label) for d in drops):
            continue
        if any(t.search(label) for t in totals):
            total_columns.append(i)
            continue
        kode = _resolve_header(resolver, label)
        if isinstance(kode, UnknownRegionError):
            problems.append(f"{grid.place_of_header(first, i)}: {kode}")
        else:
            values.append(
                ValueColumn(
                    i,
                    spec.indicator,
                    kode_wilayah=kode,
                    decimal=decimal_of(spec, label),
                    label=label,
                )
            )
    if problems:
        raise SourceError(
            entry.id,
            entry.location,
            f"layout drift: {len(problems)} header(s) of {grid.describe} are not regions: "
            + "; ".join(problems),
            fix="fix the region names in the agency file, add the spelling to "
            f"`parse.region.aliases`, or list such columns in `parse.drop_columns` in "
            f"{entry.catalog_file}",
            details={"drift": "region_header", "problems": problems},
        )
    return values, total_columns


def _resolve_header(resolver: RegionResolver, label: str) -> str | UnknownRegionError:
    # A two-row header reads "Kecamatan / Blimbing": the region is its last part.
    candidates = [label, *([label.rsplit(" / ", 1)[1]] if " / " in label else [])]
    error = None
    for candidate in reversed(candidates):
        try:
            return resolver.resolve(candidate)
        except UnknownRegionError as exc:
            error = error or exc
    return error
