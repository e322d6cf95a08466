"""Regions for a draft: the column whose cells resolve as Kota Malang regions (names in any
agency spelling, Kemendagri or BPS codes), the level most of them resolve at, kecamatan
sub-header and subtotal rows among kelurahan, proposed aliases; or regions across the header.

A table with no such column is the city's (`region: {code: "35.73", level: kota}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sources.draft_plan import Plan
from sources.draft_spelling import propose_alias
from sources.draft_table import Column, Table
from sources.wilayah import RegionResolver, is_city, reference, resolve_or_none

LEVELS = ("kecamatan", "kelurahan")  # coarser first: it wins a tie (five names are both)
_KECAMATAN_PREFIX = re.compile(r"^\s*(kec\b|kecamatan\b)", re.I)
_REGION_CODE = re.compile(r"^3573(\d{3}(\d{3})?)?$|^35\.73(\.\d{2}(\.\d{4})?)?$")


@dataclass
class Region:
    column: int | None
    level: str
    resolved: int = 0
    total: int = 0
    # Distinct regions resolved: a kecamatan column merged down over its kelurahan resolves
    # on every row too, but names five regions, not 57.
    distinct: int = 0
    subheaders: bool = False
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (text, place)
    parents: list[str] = field(default_factory=list)  # kecamatan rows with values (subtotals)
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # text -> (code, why)


def find_region(table: Table) -> Region:
    """The column whose cells resolve as regions best, at the level most of them resolve."""
    best, best_key = Region(None, "kota"), (False, 0, 0)
    rows = table.rows.data + table.rows.labels
    for column in table.columns:
        texts = [(r, table.text(r, column.index)) for r in rows if r in column.cells]
        codes = sum(1 for _, text in texts if _REGION_CODE.match(text))
        if not texts or (column.index in table.figures and codes < 0.8 * len(texts)):
            continue  # figures are no region, unless they are region codes typed as numbers
        for level in LEVELS:
            region = _region_at(table, column, level, texts)
            # A column of codes wins over the names beside it: a code is exact, and a
            # misspelt name must not pass for a region the code column would refuse.
            coded = codes >= 0.8 * len(texts) and region.resolved >= 0.8 * region.total
            key = (coded, region.distinct, region.resolved)
            if key > best_key:
                best, best_key = region, key
    if best.column is not None and best.resolved * 2 < best.total:
        return Region(None, "kota")
    return best


def _region_at(table: Table, column: Column, level: str, texts: list[tuple[int, str]]) -> Region:
    resolver = RegionResolver(level)
    region = Region(column.index, level)
    codes = set()
    for r, text in texts:
        with_values = table.has_values(r)
        if level == "kelurahan" and _subheader(text, with_values):
            region.subheaders = True
            continue
        if not with_values or is_city(text):
            continue
        code = resolver.find(text)
        if code is None and level == "kelurahan" and resolve_or_none(text, "kecamatan"):
            region.parents.append(text)  # a kecamatan's own row among its kelurahan
            continue
        region.total += 1
        if code is not None:
            region.resolved += 1
            codes.add(code)
        else:
            region.unresolved.append((text, table.place(r, column.index)))
    # Sub-headers only count when the column also names kelurahan (the parser reads a
    # kecamatan name without values as a sub-header only then).
    region.subheaders = region.subheaders and region.resolved > 0
    for text, _ in region.unresolved:
        if text not in region.aliases and (found := propose_alias(text, resolver)):
            region.aliases[text] = found
    region.resolved += sum(1 for text, _ in region.unresolved if text in region.aliases)
    region.distinct = len(codes | {code for code, _ in region.aliases.values()})
    return region


def _subheader(text: str, with_values: bool) -> bool:
    """A kecamatan named above its kelurahan: no values, or "Kec." written before it."""
    if resolve_or_none(text, "kecamatan") is None:
        return False
    return not with_values or bool(_KECAMATAN_PREFIX.search(text))


def header_regions(table: Table) -> tuple[dict[int, str], str]:
    """Figure columns whose header (or its last part) names a region, and the level most of
    them resolve at: regions across the header (layout `wide_by_region`)."""
    best: dict[int, str] = {}
    best_level = "kecamatan"
    for level in LEVELS:
        resolver = RegionResolver(level)
        found = {}
        for c in table.figures:
            label = table.columns[c].label
            for text in (label, label.rsplit(" / ", 1)[-1]):
                if resolver.find(text) is not None:
                    found[c] = text
                    break
        if len(found) > len(best):
            best, best_level = found, level
    return best, best_level


def region_spec(table: Table, plan: Plan, region: Region) -> None:
    """`parse.region` for a region column, or the city when there is none."""
    if region.column is None:
        plan.parse["region"] = {"code": "35.73", "level": "kota"}
        plan.say("parse.region", "no column names regions: the figures are the city's")
        plan.summary.append("region: none in the table, the city (35.73)")
        return
    label = table.columns[region.column].label
    spec: dict = {"column": label, "level": region.level}
    if region.subheaders:
        spec["subheaders"] = True
    if region.aliases:
        spec["aliases"] = {text: code for text, (code, _) in region.aliases.items()}
    plan.parse["region"] = spec
    plan.say(
        "parse.region",
        f"region column {label!r}: {region.resolved} of {region.total} values resolve "
        f"at level {region.level}",
    )
    if region.subheaders:
        plan.say("parse.region", "kecamatan sub-header rows name the kecamatan of the rows below")
    names = {w.kode: w.nama for w in reference()}
    places = dict(reversed(region.unresolved))  # the first place of each text
    for text, (code, why) in region.aliases.items():
        plan.say(
            "parse.region", f"CHECK alias {text!r} ({places[text]}) -> {names[code]} {code}: {why}"
        )
    unresolved = [f"{t!r} at {place}" for t, place in region.unresolved if t not in region.aliases]
    if unresolved:
        listed = ", ".join(unresolved[:8]) + (", ..." if len(unresolved) > 8 else "")
        plan.say("parse.region", f"not resolved, quarantined unless you add `aliases`: {listed}")
    plan.summary.append(
        f"region: column {label!r}, level {region.level} ({region.resolved}/{region.total} resolve)"
    )


def city_rows_are_totals(table: Table, region: Region) -> None:
    """Rows naming the whole city in the region column are totals (the parser checks them as
    such, with no rule)."""
    if region.column is None:
        return
    rows = table.rows
    for r in [r for r in rows.data if is_city(table.text(r, region.column))]:
        rows.data.remove(r)
        rows.totals.append(r)
    rows.totals.sort()


def parent_totals(table: Table, plan: Plan, region: Region) -> list[dict]:
    """A rule for kecamatan rows that close their kelurahan in the region column: by the shape
    of their code ("3573030", "35.73.02"), or the "Kec." written before a name."""
    if not region.parents:
        return []
    label = table.columns[region.column].label
    if all(p.isdigit() for p in region.parents):
        pattern = rf"^\d{{{len(region.parents[0])}}}$"
    elif all(re.fullmatch(r"35\.73\.\d{2}", p) for p in region.parents):
        pattern = r"^35\.73\.\d{2}$"
    else:
        pattern = r"^(kec\b|kecamatan\b)"
    plan.say(
        "parse.total_rows",
        f"kecamatan rows in {label!r} close their kelurahan ({region.parents[0]!r}, ...)",
    )
    return [{"column": label, "pattern": pattern}]
