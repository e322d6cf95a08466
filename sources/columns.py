"""Which columns of the header the parse spec uses: the region and period columns, the value
columns (with the indicator, and the period or region a wide header carries), total columns.

Every header the spec names is looked up first; all that are missing fail together in one drift
report (sources/drift.py), so an agency's renamed table is fixed in one edit, not one per run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sources.catalog import SourceEntry
from sources.cells import cell_text, same_label
from sources.drift import header_drift, labels_at
from sources.errors import SourceError
from sources.grid import Grid
from sources.wilayah import RegionResolver, UnknownRegionError


@dataclass(frozen=True)
class ValueColumn:
    index: int
    indikator: str
    periode: str | None = None  # wide_by_period: the period comes from the header
    provisional: bool = False
    kode_wilayah: str | None = None  # wide_by_region: the region comes from the header


@dataclass
class Columns:
    region: int | None = None
    period: int | None = None
    values: list[ValueColumn] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)  # wide_by_region total columns
    notes: int | None = None  # the free-text column kept in catatan (parse.notes)


def resolve_columns(entry: SourceEntry, grid: Grid, first: int, depth: int) -> Columns:
    """The columns of `entry`'s parse spec in `grid`; raise a drift report for missing ones."""
    spec = entry.parse
    labels = labels_at(grid, first, depth)
    wanted: list[tuple[str, str]] = []
    if spec.region.column:
        wanted.append((spec.region.column, "parse.region.column"))
    if spec.period and spec.period.column and spec.layout != "wide_by_period":
        wanted.append((spec.period.column, "parse.period.column"))
    if spec.layout == "long":
        wanted += [(header, f"parse.values.{header}") for header in spec.values]
    if spec.notes:
        wanted.append((spec.notes, "parse.notes"))
    found = {text: _index(labels, text) for text, _ in wanted}
    misses = [(cell_text(text), f) for text, f in wanted if found[text] is None]
    cols = Columns(
        region=found.get(spec.region.column) if spec.region.column else None,
        period=found.get(spec.period.column) if spec.period and spec.period.column else None,
        notes=found.get(spec.notes) if spec.notes else None,
    )
    if spec.layout == "long":
        cols.values = [
            ValueColumn(found[h], code) for h, code in spec.values.items() if found[h] is not None
        ]
    elif spec.layout == "wide_by_period":
        cols.values = _period_columns(entry, labels)
        if not cols.values:
            misses.append((f"<a header matching {spec.period_columns}>", "parse.period_columns"))
    else:
        used = {c for c in (cols.region, cols.period) if c is not None}
        cols.values, cols.totals = _region_columns(entry, grid, first, labels, used)
        if not cols.values:
            misses.append((f"<a {spec.region.level} name>", "parse.region.level"))
    if misses:
        expected = [cell_text(text) for text, _ in wanted]
        raise header_drift(entry, grid, first, depth, misses, expected)
    return cols


def _index(labels: list[str], wanted: str) -> int | None:
    target = cell_text(wanted)
    for i, label in enumerate(labels):
        if label == target:
            return i
    return next((i for i, label in enumerate(labels) if same_label(label, target)), None)


def _period_columns(entry: SourceEntry, labels: list[str]) -> list[ValueColumn]:
    pattern = re.compile(entry.parse.period_columns)
    return [
        ValueColumn(i, entry.parse.indicator, label.rstrip("*").strip(), label.endswith("*"))
        for i, label in enumerate(labels)
        if pattern.search(label)
    ]


def _region_columns(
    entry: SourceEntry, grid: Grid, first: int, labels: list[str], used: set[int]
) -> tuple[list[ValueColumn], list[int]]:
    """wide_by_region: every other non-empty header is a region, a total or a dropped column;
    an unknown header is drift (a renamed or new region) and fails with its cell."""
    spec = entry.parse
    resolver = RegionResolver(spec.region.level)
    drops = [re.compile(p, re.IGNORECASE) for p in spec.drop_columns]
    totals = [re.compile(p, re.IGNORECASE) for p in spec.total_rows]
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
            values.append(ValueColumn(i, spec.indicator, kode_wilayah=kode))
    if problems:
        raise SourceError(
            entry.id,
            entry.location,
            f"layout drift: {len(problems)} header(s) of {grid.describe} are not regions: "
            + "; ".join(problems),
            fix="fix the region names in the agency file, or list such columns in "
            f"`parse.drop_columns` in {entry.catalog_file}",
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
