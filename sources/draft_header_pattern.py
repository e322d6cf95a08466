"""Periods in a header, as a draft describes them: which columns, grouped how, and the
`header_pattern` (or `period_columns`) that finds them again in next year's file.

A column whose header (or one end of it) reads as a period holds that period's values. Columns
are grouped by the rest of their header: one group is one indicator ("Volume Air Terjual (m³)"
over 2022, 2023, 2024*), a part every group shares ("Kasus / Laki-laki", "Kasus / Perempuan")
is written into the pattern literally, and the period part is matched by the regular expression
of its style (sources/draft_periods.py), so a new year or month needs no edit.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sources.draft_periods import header_period, period_style, style_pattern


@dataclass(frozen=True)
class HeaderPeriod:
    column: int
    rest: str  # the header without its period part ("" when the header is the period)
    text: str  # the period part, as written
    position: str  # whole, last, first or suffix (see header_period)
    status: str | None = None  # a remark in brackets after the period ("Angka Sementara")


@dataclass
class HeaderPlan:
    """The chosen period columns and how the entry finds them."""

    columns: list[HeaderPeriod]
    groups: list[str]  # indicator texts the pattern captures, in file order ([] : none)
    pattern: str | None = None  # header_pattern
    period_columns: str | None = None  # instead of a pattern, for whole or last-part periods

    def group_of(self, period: HeaderPeriod) -> str | None:
        """The indicator text the pattern captures for this column (None: no group)."""
        if not self.groups:
            return None
        rests = list(dict.fromkeys(p.rest for p in self.columns))
        return dict(zip(rests, self.groups, strict=True)).get(period.rest)

    @property
    def style(self) -> str | None:
        return common_style([c.text for c in self.columns])


def header_periods(labels: dict[int, str]) -> list[HeaderPeriod]:
    """The columns (index -> label) whose header holds a period. A period at the end of a
    one-part header ("Realisasi Triwulan I 2024") counts only when its rest repeats over
    several periods ("Target 2024" alone is a column like any other)."""
    found = []
    for column, label in labels.items():
        hit = header_period(label)
        if hit is not None:
            found.append(HeaderPeriod(column, hit[1], hit[0], hit[2], hit[3]))
    suffixes = Counter(p.rest for p in found if p.position == "suffix")
    return [p for p in found if p.position != "suffix" or suffixes[p.rest] >= 2]


def plan_header(periods: list[HeaderPeriod], one_group: bool = False) -> HeaderPlan:
    """How an entry reads these period columns. `one_group`: the layout takes a single group
    (indicators_as_rows): the largest."""
    position = Counter(p.position for p in periods).most_common(1)[0][0]
    chosen = [p for p in periods if p.position == position]
    if one_group:
        rest = Counter(p.rest for p in chosen).most_common(1)[0][0]
        chosen = [p for p in chosen if p.rest == rest]
    groups = list(dict.fromkeys(p.rest for p in chosen))
    period = f"(?P<period>{_period_regex([p.text for p in chosen])})"
    if any(p.status for p in chosen):  # "2024 (Angka Sementara)": a status group after it
        period += r"\s*(?:\((?P<status>[^)]*)\))?"
    elif position == "whole" or (position == "last" and len(groups) == 1):
        # "2024*", "Tahun / 2021": the parser reads a header or its last part as a period
        columns = _period_columns(chosen, _period_regex([p.text for p in chosen]))
        return HeaderPlan(chosen, [], period_columns=columns)
    if position == "whole":
        return HeaderPlan(chosen, [], pattern=f"^{period}$")
    if position == "suffix":
        if len(groups) == 1:
            return HeaderPlan(chosen, [], pattern=f"^{_literal(groups[0])} {period}$")
        return HeaderPlan(chosen, groups, pattern=f"^(?P<indicator>.+?) {period}$")
    if position == "first":
        if len(groups) == 1:
            return HeaderPlan(chosen, [], pattern=f"^{period} / {_literal(groups[0])}$")
        return HeaderPlan(chosen, groups, pattern=f"^{period} / (?P<indicator>.+)$")
    if len(groups) == 1:  # with a status group
        return HeaderPlan(chosen, [], pattern=f"^{_literal(groups[0])} / {period}$")
    shared = _shared_parts(groups)
    head = "".join(f"{_literal(part)} / " for part in shared)
    labels = [" / ".join(g.split(" / ")[len(shared) :]) for g in groups]
    return HeaderPlan(chosen, labels, pattern=f"^{head}(?P<indicator>.+) / {period}$")


def common_style(texts: list[str]) -> str | None:
    styles = {period_style(t) for t in texts}
    return styles.pop() if len(styles) == 1 else None


def _period_regex(texts: list[str]) -> str:
    style = common_style(texts)
    if style == "year" and not any(t.casefold().startswith("tahun") for t in texts):
        return r"\d{4}(?:\s*\*+\)?)?"  # the usual "2024", "2024*": no "Tahun" to allow for
    if style is not None:
        return style_pattern(style)
    return "|".join(re.escape(t) for t in dict.fromkeys(texts))


def _period_columns(chosen: list[HeaderPeriod], period: str) -> str | None:
    """`period_columns` unless the default (a bare year, "2024*") already matches them."""
    if all(re.fullmatch(r"\d{4}\s*\*?", p.text) for p in chosen):
        return None
    return f"^(?:{period})$"


def _shared_parts(groups: list[str]) -> list[str]:
    """The leading header parts every group shares, when each has a part of its own left."""
    split = [g.split(" / ") for g in groups]
    shared = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1 or any(len(s) <= len(shared) + 1 for s in split):
            break
        shared.append(parts[0])
    return shared


def _literal(text: str) -> str:
    """A header text as a regular expression: special characters escaped, any run of spaces
    matching any run (the parser collapses them anyway)."""
    return re.sub(r"(\\ )+", r"\\s+", re.escape(text))
