"""Rows and remarks for a draft: `total_rows` and `drop_rows` for the rows the parser's
defaults miss, and a status remark column (or a free-text one kept as notes).

The defaults already take "Jumlah ..."/"Total ..." as totals, "Sumber:", "Catatan:", "*)" as
footnotes, and a row naming the city in the region column as a total. A rule is written only
for what they miss: a row of column numbers, a statistic ("Rata-rata"), a note below a table
without a region column, a total worded otherwise; and when a data row itself starts like a
total ("Jumlah Penduduk" as an indicator label) the defaults are switched off and named.
"""

from __future__ import annotations

import re

from sources.catalog import DEFAULT_DROP_ROWS, DEFAULT_STATUS_WORDS, DEFAULT_TOTAL_ROWS
from sources.draft_plan import Plan
from sources.draft_regions import Region, parent_totals
from sources.draft_table import Table
from sources.wilayah import is_city

_REMARK_HEADER = re.compile(r"^(ket|keterangan|catatan|status|sifat data|remark)\b", re.I)
_STATUS_PATTERNS = [re.compile(p, re.I) for p in DEFAULT_STATUS_WORDS]
_DEFAULT_DROPS = [re.compile(p, re.I) for p in DEFAULT_DROP_ROWS]
_DEFAULT_TOTALS = [re.compile(p, re.I) for p in DEFAULT_TOTAL_ROWS]


def status(table: Table, plan: Plan, exclude: set[int]) -> None:
    """`status.column` for a text column whose cells say "angka sementara", "proyeksi", "*"
    (its header a remark word, or most of its cells such words); `notes` for a remark column
    of other text."""
    found = notes = None
    for column in table.columns:
        if column.index in exclude or column.index in table.figures:
            continue
        texts = [t for t in column.texts(table.rows.data) if t]
        said = [t for t in texts if any(p.search(t) for p in _STATUS_PATTERNS)]
        remark = _REMARK_HEADER.match(column.label)
        if said and found is None and (remark or len(said) * 2 >= len(texts)):
            found = column
            plan.say(
                "parse.status",
                f"status column {column.label!r}: {len(said)} of {len(texts)} cells name a "
                f"status, e.g. {said[0]!r}",
            )
        elif texts and remark and notes is None:
            notes = column
    if found is not None:
        spec: dict = {"column": found.label}
        if "r" in {t.strip().casefold() for t in found.texts(table.rows.data)}:
            spec["words"] = {r"^\s*r\s*$": "sementara"}  # BPS: "r" = angka revisi
            plan.say("parse.status", "a lone 'r' is BPS's mark for a revised figure")
        plan.parse["status"] = spec
    if notes is not None:
        plan.parse["notes"] = notes.label
        plan.say("parse.notes", f"remark column {notes.label!r} kept in catatan")


def row_rules(table: Table, plan: Plan, layout: str, region: Region) -> None:
    """`total_rows`, `drop_rows` and `default_row_rules` (see the module docstring)."""
    rows = table.rows
    firsts = [table.first_text(r) for r in rows.data]
    totals: list = []
    drops: list = []
    starts_like = next((f for f in firsts if any(d.search(f) for d in _DEFAULT_DROPS)), None)
    if starts_like is not None:
        plan.parse["default_row_rules"] = False
        totals = [r"^(jumlah|total)\s*$"]
        drops = [p for p in DEFAULT_DROP_ROWS if not p.startswith(r"^(jumlah|total)")]
        plan.say(
            "parse.default_row_rules",
            f"a data row starts like a total ({starts_like!r}): default rules off, totals "
            "and footnotes named below",
        )
    for r in rows.totals:
        first = table.first_text(r)
        if region.column is not None and is_city(table.text(r, region.column)):
            continue
        if not any(p.search(first) for p in _DEFAULT_TOTALS) and not _covered(first, totals):
            totals.append(prefix_pattern(first, firsts))
    totals += parent_totals(table, plan, region)
    if totals:
        plan.parse["total_rows"] = [t for i, t in enumerate(totals) if t not in totals[:i]]
    for r in rows.statistics:
        first = table.first_text(r)
        if not _covered(first, drops):
            drops.append(prefix_pattern(first, firsts))
            plan.say("parse.drop_rows", f"{first!r} row: a statistic, neither data nor a sum")
    for r in rows.column_numbers:
        rule = _column_number_rule(table, r)
        if rule not in drops:
            drops.append(rule)
            plan.say("parse.drop_rows", f"row {r + 1} numbers the columns")
    # With a region column the parser skips a row naming no region; without one, every note
    # (and in a layout other than indicators_as_rows, every label row) needs a rule.
    if region.column is None or layout == "wide_by_region":
        notes = rows.footnotes + (rows.labels if layout != "indicators_as_rows" else [])
        defaults_on = starts_like is None
        for r in sorted(notes):
            first = table.first_text(r)
            if not (defaults_on and _covered(first, DEFAULT_DROP_ROWS)) and not _covered(
                first, drops
            ):
                drops.append(prefix_pattern(first, firsts))
    if drops:
        plan.parse["drop_rows"] = [d for i, d in enumerate(drops) if d not in drops[:i]]
    if rows.totals:
        names = ", ".join(repr(table.first_text(r)) for r in rows.totals[:3])
        plan.say("parse.total_rows" if totals else "parse._", f"total rows: {names}")
    if rows.footnotes:
        shown = ", ".join(repr(table.first_text(r)[:40]) for r in rows.footnotes[:3])
        plan.say("parse.drop_rows" if drops else "parse._", f"footnote rows: {shown}")


def _column_number_rule(table: Table, r: int) -> str | dict:
    """A rule for a row of column numbers: "(1)" is no data anywhere; a bare 1 may be the
    first row's number, so the rule looks at a text column instead (its "2" is no name)."""
    if table.first_text(r).startswith("("):
        return r"^\(\d+\)$"
    for column in table.columns:
        kinds = column.kinds(table.rows.data)
        if column.label and kinds["text"] and column.index not in table.figures:
            return {"column": column.label, "pattern": r"^\(?\d+\)?$"}
    return r"^\(?1\)?$"


def prefix_pattern(text: str, keep: list[str]) -> str:
    """A pattern for rows starting like `text` that no row in `keep` starts like: its first
    word, or as many words as it takes."""
    words = text.split()
    for n in range(1, len(words) + 1):
        pattern = "^" + re.escape(" ".join(words[:n])).replace(r"\ ", r"\s+")
        if not any(re.search(pattern, k, re.I) for k in keep):
            return pattern
    return "^" + re.escape(text) + "$"


def _covered(text: str, patterns: list) -> bool:
    return any(re.search(p, text, re.I) for p in patterns if isinstance(p, str))
