"""Decide a table's layout and write its `parse` block and indicators, with the evidence.

- regions across the header: `wide_by_region`;
- periods across the header and labels (not regions) down the first text column:
  `indicators_as_rows`;
- periods across the header under one indicator: `wide_by_period`; under several header
  groups: `wide`, with a `header_pattern` capturing the indicator and the period;
- otherwise one column per indicator: `long`, its period from a column or the title.
"""

from __future__ import annotations

import re
from collections import Counter

from sources import draft_numbers as numbers
from sources import draft_rows as rows_
from sources.draft_header import Header
from sources.draft_header_pattern import HeaderPeriod, HeaderPlan, header_periods, plan_header
from sources.draft_names import UNIT_WORDS, table_name, unique_codes, unit_of
from sources.draft_period_columns import PeriodColumn, find_periods, row_period, style_of
from sources.draft_period_columns import year_column as year_column_of
from sources.draft_periods import fixed_period, needs_year
from sources.draft_plan import Plan
from sources.draft_read import Sheet
from sources.draft_regions import (
    city_rows_are_totals,
    find_region,
    header_regions,
    region_spec,
)
from sources.draft_table import SAMPLE_HEAD, SAMPLE_TAIL, Table
from sources.periods import find_year

_PERIOD_GROUP_WORDS = re.compile(r"^(tahun|periode|bulan|triwulan|semester|year|period)$", re.I)
_UNIT_HEADER = re.compile(r"^(satuan|unit)$", re.I)
_BARE_TOTAL = re.compile(r"^(jumlah|total)\s*(kota malang)?\s*$", re.I)
_ESTIMATE = re.compile(r"\b(proyeksi|perkiraan|estimasi)\b", re.I)
_SCHEDULES = {
    "year": "tahunan",
    "month": "bulanan",
    "date": "bulanan",
    "quarter": "triwulanan",
    "semester": "semesteran",
}


class Planner:
    """Builds the Plan for one sheet."""

    def __init__(self, sheet: Sheet, header: Header, file_stem: str) -> None:
        self.sheet = sheet
        self.header = header
        self.file_stem = file_stem
        self.table = Table(sheet, header)
        self.plan = Plan()

    def build(self) -> Plan:
        t, plan = self.table, self.plan
        self._header_fields()
        region = find_region(t)
        keys = {region.column} - {None}
        t.drop_figure_column(region.column)  # region codes typed as numbers are no values
        periods = find_periods(t, exclude=keys)
        for period in periods:
            t.drop_figure_column(period.column)
        in_rows = row_period(periods)
        years = year_column_of(periods, in_rows)
        by_header = header_periods({c: t.columns[c].label for c in t.figures})
        across, level = header_regions(t) if region.column is None else ({}, "")
        layout = "long"
        if len(across) >= 2:
            layout = "wide_by_region"
        elif len(by_header) >= 2 and self._periods_across(by_header, in_rows):
            indicator_rows = region.column is None and self._label_column() is not None
            layout = "indicators_as_rows" if indicator_rows else "wide"
            years, in_rows = in_rows, None  # a year column gives the header its year
        if layout != "long":
            plan.parse["layout"] = layout
        if layout == "wide_by_region":
            plan.parse["region"] = {"level": level}
        else:
            region_spec(t, plan, region)
            city_rows_are_totals(t, region)
        if layout == "long":
            self._long(in_rows, years, keys)
        elif layout == "wide_by_region":
            self._wide_by_region(across, level, in_rows)
        elif layout == "indicators_as_rows":
            self._indicators_as_rows(by_header, years)
        else:
            self._wide(by_header, years)
        rows_.status(t, plan, keys)
        rows_.row_rules(t, plan, layout, region)
        if layout != "indicators_as_rows":  # a row of indicators has no sum to check
            numbers.total_exempt(t, plan)
        numbers.dash(t, plan, self.header.titles)
        return plan

    # -- header and periods ----------------------------------------------------------------

    @staticmethod
    def _periods_across(by_header: list[HeaderPeriod], in_rows: PeriodColumn | None) -> bool:
        """Periods across the header, unless the rows have their own period column: a column
        of years may only give header months or quarters their year."""
        if in_rows is None:
            return True
        return in_rows.style == "year" and any(needs_year(p.text) for p in by_header)

    def _header_fields(self) -> None:
        h, plan = self.header, self.plan
        if self.sheet.table is not None:
            plan.parse["table"] = self.sheet.table
        elif self.sheet.name is not None:
            plan.parse["sheet"] = self.sheet.name
        plan.parse["header_row"] = h.header_row
        if h.depth != 1:
            plan.parse["header_depth"] = h.depth
        rows = f"row {h.header_row}" + (f"-{h.header_row + h.depth - 1}" if h.depth > 1 else "")
        plan.say("parse.header_row", f"header in {rows} ({h.depth} level(s)); {h.evidence}")
        if self.table.sampled:
            plan.say(
                "parse.header_row",
                f"a big table: the counts below are of its first {SAMPLE_HEAD} and last "
                f"{SAMPLE_TAIL} rows",
            )

    def _row_period(self, period: PeriodColumn, years: PeriodColumn | None) -> None:
        spec: dict = {"column": self.table.columns[period.column].label}
        if period.kind:
            spec["kind"] = period.kind
        if period.needs_year:  # "Agustus" stands for any period without its year
            spec.update(self._year_rule(["Agustus"], years))
        self.plan.parse["period"] = spec
        self.plan.say("parse.period", period.evidence())
        self._schedule(period.style)

    def _year_rule(self, texts: list[str], years: PeriodColumn | None) -> dict:
        """How periods without a year get it: a year column, the title, the sheet name."""
        plan = self.plan
        if not any(needs_year(t) for t in texts):
            return {}
        if years is not None:
            label = self.table.columns[years.column].label
            plan.say("parse.period", f"the year of each row is in column {label!r}")
            return {"year_column": label}
        if (year := find_year(self.header.title)) is not None:
            plan.say("parse.period", f"the year {year} is in the title")
            return {"year_from": "title"}
        if self.sheet.name and find_year(self.sheet.name) is not None:
            plan.say("parse.period", f"the year is in the sheet name {self.sheet.name!r}")
            return {"year_from": "sheet"}
        plan.say("parse.period", "TODO: no year found for periods without one; set the year")
        return {"year": 2000}

    def _fixed_period(self) -> None:
        """One period for the whole table, from the sheet name, the title or the file name."""
        texts = [*([self.sheet.name] if self.sheet.name else []), *self.header.titles]
        found = fixed_period([*texts, self.file_stem])
        if found is None:
            self.plan.parse["period"] = {"value": "TODO"}
            self.plan.say("parse.period", "TODO: no period column and none in the title: set it")
            return
        self.plan.parse["period"] = {"value": found[0]}
        self.plan.say("parse.period", f"one period for the whole table, from {found[1]!r}")
        self._schedule(style_of(found[0]))

    def _schedule(self, style: str | None) -> None:
        self.plan.schedule = _SCHEDULES.get(style or "year", "tahunan")

    # -- layouts -------------------------------------------------------------------------

    def _long(self, period: PeriodColumn | None, years, keys: set[int]) -> None:
        plan, t = self.plan, self.table
        if period is not None:
            self._row_period(period, years)
        else:
            self._fixed_period()
        keys = keys | {p.column for p in (period, years) if p is not None}
        columns = [c for c in t.figures if c not in keys]
        columns = numbers.without_sum_columns(t, plan, columns)
        labels = [t.columns[c].label for c in columns]
        codes = unique_codes(labels)
        plan.parse["values"] = {label: codes[label] for label in labels}
        plan.say("parse.values", f"{len(labels)} value column(s), one indicator each")
        numbers.decimals(t, plan, columns)
        plan.column_codes = {c: codes[t.columns[c].label] for c in columns}
        self._indicators([(label, codes[label]) for label in labels])

    def _wide_by_region(self, across: dict[int, str], level: str, period) -> None:
        plan = self.plan
        name = self._table_name()
        code = unique_codes([name])[name]
        plan.parse["indicator"] = code
        plan.say(
            "parse.layout",
            f"regions across the header: {len(across)} columns resolve at level {level} "
            f"({', '.join(list(across.values())[:3])}, ...)",
        )
        if period is not None:
            self._row_period(period, None)
        else:
            self._fixed_period()
        numbers.decimals(self.table, plan, list(across))
        plan.column_codes = dict.fromkeys(across, code)
        self._indicators([(name, code)])

    def _wide(self, by_header: list[HeaderPeriod], years) -> None:
        """One indicator over periods (wide_by_period) or several (wide)."""
        plan = self.plan
        header = plan_header(by_header)
        texts = [p.text for p in header.columns]
        shown = ", ".join(texts[:4]) + (", ..." if len(texts) > 4 else "")
        if len(header.groups) <= 1:
            plan.parse["layout"] = "wide_by_period"
            rest = header.columns[0].rest
            name = rest if rest and not _PERIOD_GROUP_WORDS.match(rest) else self._table_name()
            code = unique_codes([name])[name]
            plan.parse["indicator"] = code
            plan.say(
                "parse.layout", f"periods across the header ({shown}): one indicator, {name!r}"
            )
            named = [(name, code)]
            column_codes = {p.column: code for p in header.columns}
        else:
            codes = unique_codes(header.groups)
            plan.parse["indicator_labels"] = {g: codes[g] for g in header.groups}
            plan.say(
                "parse.layout",
                f"{len(header.groups)} header groups over periods ({shown}): the pattern "
                "captures the indicator and the period",
            )
            named = [(g, codes[g]) for g in header.groups]
            column_codes = {p.column: codes[header.group_of(p)] for p in header.columns}
        self._header_rule(header, years)
        numbers.decimals(self.table, plan, [p.column for p in header.columns])
        plan.column_codes = column_codes
        self._indicators(named)

    def _header_rule(self, header: HeaderPlan, years) -> None:
        """`header_pattern` or `period_columns`, the year rule, the schedule; and which figure
        columns are left out."""
        if header.pattern is not None:
            self.plan.parse["header_pattern"] = header.pattern
        elif header.period_columns is not None:
            self.plan.parse["period_columns"] = header.period_columns
        if year_rule := self._year_rule([p.text for p in header.columns], years):
            self.plan.parse["period"] = year_rule
        self._schedule(header.style)
        skipped = sorted(set(self.table.figures) - {p.column for p in header.columns})
        if skipped:
            labels = ", ".join(repr(self.table.columns[c].label) for c in skipped[:4])
            self.plan.say("parse.layout", f"not read (no period in the header): {labels}")

    def _indicators_as_rows(self, by_header: list[HeaderPeriod], years) -> None:
        plan, t = self.plan, self.table
        label_column = self._label_column()
        header = plan_header(by_header, one_group=True)
        values = [p.column for p in header.columns]
        # Here a "Jumlah ..." row with its own words is an indicator, not a total.
        for r in list(t.rows.totals):
            if t.has_values(r, values) and not _BARE_TOTAL.match(t.text(r, label_column)):
                t.rows.totals.remove(r)
                t.rows.data.append(r)
        t.rows.data.sort()
        self._header_rule(header, years)
        first = min(
            (c for r in t.rows.data for c in range(len(t.cells[r])) if t.text(r, c)), default=0
        )
        if label_column != first:
            plan.parse["label_column"] = t.columns[label_column].label
        keyed = self._row_labels(label_column)
        codes = unique_codes([name for name, _ in keyed])
        plan.parse["row_indicators"] = {key: codes[name] for name, key in keyed}
        texts = ", ".join(p.text for p in header.columns[:3])
        plan.say(
            "parse.layout",
            f"indicator labels down column {t.columns[label_column].letter}, periods across "
            f"the header ({texts}, ...)",
        )
        numbers.decimals(t, plan, values)
        units = {}
        if (unit_column := self._unit_column()) is not None:
            for r in t.rows.data:
                unit = t.text(r, unit_column)
                units[t.text(r, label_column)] = UNIT_WORDS.get(unit.casefold(), unit)
        self._indicators([(name, codes[name]) for name, _ in keyed], units)

    def _row_labels(self, label_column: int) -> list[tuple[str, str]]:
        """(name, row_indicators key) per data row: the label, or "Group / Label" when the
        same label stands under several group rows."""
        t = self.table
        group = None
        found: list[tuple[str, str | None]] = []
        labels, data = set(t.rows.labels), set(t.rows.data)
        for r in t.body:
            label = t.text(r, label_column)
            if r in labels and label:
                group = label
            elif r in data and label:
                found.append((label, group))
        counts = Counter(label for label, _ in found)
        keyed = []
        for label, group in found:
            key = f"{group} / {label}" if counts[label] > 1 and group else label
            keyed.append((key, key))
        return list(dict.fromkeys(keyed))

    def _label_column(self) -> int | None:
        """The column of indicator labels: the first column left of the figures whose data
        rows hold text (a "No" or "Satuan" column is not it)."""
        t = self.table
        for column in t.columns[: min(t.figures, default=len(t.columns))]:
            if column.index == t.numbering or _UNIT_HEADER.match(column.label):
                continue
            if column.kinds(t.rows.data)["text"] >= max(1, 0.5 * len(t.rows.data)):
                return column.index
        return None

    def _unit_column(self) -> int | None:
        return next((c.index for c in self.table.columns if _UNIT_HEADER.match(c.label)), None)

    # -- indicators ----------------------------------------------------------------------

    def _table_name(self) -> str:
        return table_name(self.header.titles, self.file_stem)

    def _indicators(self, named: list[tuple[str, str]], units: dict | None = None) -> None:
        """One indicator per (label, code): the label as in the file, a unit from the label's
        brackets (or the Satuan column, or the title of a one-indicator table), TODOs."""
        for name, code in named:
            unit = (units or {}).get(name) or unit_of(name)
            if unit is None and len(named) == 1:
                unit = unit_of(self.header.title)
            indicator = {
                "code": code,
                "name_id": name,
                "name_en": "TODO",
                "unit": unit or "TODO",
                "definition": "TODO",
                "direction": "neutral",
            }
            if _ESTIMATE.search(name):
                indicator["estimate"] = True
            self.plan.indicators.append(indicator)
