"""The extraction model: one row loop for every layout the catalog can declare.

For each body row: skip it if blank; check it as a total (first cell, a named column, or a
region cell that names the whole city) or drop it (footnotes); in `indicators_as_rows` take its
label as the indicator (a label row without values opens a group); find its region (a
kecamatan sub-header sets the parent of the kelurahan below it); read its period (words, with
the year from the text, a column, the catalog, the sheet or the title) and its status (a remark
column); then one tidy row per value column, whose header may carry the indicator, period,
status or region. In a table that covers a wider area (`parse.region.covers`), a row of another
kab/kota is counted as outside the city instead (sources/wider_area.py).

A cell that cannot be read quarantines its row with the reason (sources/quarantine.py), and the
rest of the file still parses; the gate decides whether the source loads. What the catalog
cannot express (a month without a year rule, two header groups read as one) fails the source
with a fix that names the catalog field: that is the walidata's to fix, not the agency's.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from itertools import islice

from sources import quarantine as q
from sources.catalog import SourceEntry
from sources.cells import cell_text
from sources.columns import Columns, resolve_columns
from sources.errors import SourceError
from sources.grid import Grid
from sources.header_periods import folded, header_year
from sources.numbers import NumberFormatError, decide_decimal, parse_number
from sources.parsed import ParsedSource, check_header_fits, fill_merged_body, total_warnings
from sources.periods import (
    MissingKindError,
    MissingYearError,
    Period,
    PeriodFormatError,
    find_year,
    parse_period,
    period_from_parts,
)
from sources.status import StatusWords, stronger
from sources.tidy import tidy_frame
from sources.totals import TotalChecker
from sources.value_columns import ValueColumn, decimal_declared
from sources.wider_area import WiderArea
from sources.wilayah import (
    KODE_KOTA,
    OtherRegionError,
    RegionResolver,
    UnknownRegionError,
    WrongParentError,
    is_city,
    reference,
    resolve_or_none,
)
from sources.xlsx_cells import UnsavedFormula

MAX_LISTED = 10
DECIMAL_SAMPLES = 5000  # text cells looked at per column to decide `decimal: auto`
_KECAMATAN_PREFIX = re.compile(r"^\s*(kec\b|kecamatan\b)", re.IGNORECASE)
_EXCEL_ERROR = re.compile(r"^#(DIV/0!|N/A|REF!|VALUE!|NAME\?|NUM!|NULL!|SPILL!|CALC!|ERROR)$")


class Extractor:
    """Reads one grid for one catalog entry; `run()` returns the ParsedSource."""

    def __init__(self, entry: SourceEntry, grid: Grid) -> None:
        self.entry = entry
        self.spec = spec = entry.parse
        self.grid = grid
        first = spec.header_row - 1
        self.body_start = first + spec.header_depth
        check_header_fits(entry, grid, self.body_start)
        self.cols: Columns = resolve_columns(entry, grid, first, spec.header_depth)
        # A remark or label merged over the rows it describes counts for each of them.
        keys = [self.cols.region, self.cols.period, self.cols.year, self.cols.status]
        keys += [self.cols.label, self.cols.notes]
        fill_merged_body(grid, self.body_start, [c for c in keys if c is not None])
        self.resolver = RegionResolver(spec.region.level, aliases=spec.region.aliases)
        self.fixed_region = self._fixed_region() if spec.region.code else None
        self.drops = [re.compile(p, re.IGNORECASE) for p in spec.row_rules("drop")[0]]
        self.totals = TotalChecker(spec)
        # Labels repeat down a sheet: each distinct text is matched once.
        self._total_text = lru_cache(maxsize=4096)(self.totals.is_total)
        self._city = lru_cache(maxsize=4096)(is_city)
        self.status_words = StatusWords(spec)
        self.row_codes = {folded(k): v for k, v in spec.row_indicators.items()}
        self.year_default = header_year(entry, grid, first)
        self.kind = spec.period.kind if spec.period else None
        self.notes: list[str] = list(grid.notes)
        self.warnings: list[str] = [*grid.warnings, *self.cols.warnings]
        self.values = self._with_decimals(self.cols.values)
        self.value_indexes = [v.index for v in self.values]
        self.totals.decimals = {v.index: v.decimal for v in self.values}
        # Columns whose totals are sums; a ratio's or average's "Jumlah" row is not evidence.
        self.summed = [v.index for v in self.values if v.indikator not in spec.total_exempt]
        self.rows: list[tuple] = []  # in TIDY_COLUMNS order
        self.quarantined: list[q.Quarantined] = []
        self.catalog_problems: list[str] = []
        self.unmapped_labels: list[str] = []
        self.group: str | None = None  # indicators_as_rows: the label row above
        # A table of the province or the nation: rows of other regions are counted, not read.
        self.wider = WiderArea(entry) if spec.region.covers else None
        self.parent: str | None = None  # the kecamatan of a sub-header row above

    def run(self):
        for r in range(self.body_start, len(self.grid.cells)):
            self._row(r, self.grid.cells[r])
        self._raise_catalog_problems()
        if self.wider is not None:
            self.wider.require_city(self.quarantined)
            self.notes += self.wider.notes()
        if self.unmapped_labels:
            self.warnings.append(
                f"{len(self.unmapped_labels)} row label(s) have values but are not in "
                f"`parse.row_indicators` (skipped): {', '.join(self.unmapped_labels[:MAX_LISTED])}"
                f"; add them to {self.entry.catalog_file} to load them"
            )
        mismatches = self.totals.finish()
        warnings = [*self.warnings, *total_warnings(self.entry, mismatches)]
        return ParsedSource(
            tidy_frame(self.rows),
            warnings,
            quarantined=self.quarantined,
            notes=self.notes,
            outside=self.wider.outside if self.wider is not None else [],
        )

    # -- one row ------------------------------------------------------------------------

    def _row(self, r: int, line: list[object]) -> None:
        first_text = _first_text(line)
        if not first_text:
            return
        has_values = _any_filled(line, self.value_indexes)
        mapped = self.spec.layout == "indicators_as_rows" and self._mapped_label(line, first_text)
        if not mapped and self._is_total(line, first_text):
            if self.wider is None:
                self._check_total(r, line)
            elif self._names_city(line, first_text):
                self._check_city_total(r, line)
            # Else a total of a wider table: it sums rows mostly outside the city.
            return
        if not mapped and (
            any(d.search(first_text) for d in self.drops)
            or self._named_rule(line, self.cols.drop_rules)
        ):
            return
        code = None
        if self.spec.layout == "indicators_as_rows":
            code = self._row_indicator(r, line, first_text, has_values)
            if code is None:
                return
        kode = self._region(r, line, has_values)
        if kode is None and self.spec.layout != "wide_by_region":
            return
        row_period = self._row_period(r, line, has_values)
        if row_period is False:
            return
        status = self._row_status(line)
        note = _cell(line, self.cols.notes) or None
        seen: dict[tuple, int] = {}
        for column in self.values:
            self._value(r, line, column, code, kode, row_period, status, note, seen)
        for total_column in self.cols.totals:  # wide_by_region: "Jumlah" beside the regions
            self.totals.check_columns(
                lambda c, r=r: self.grid.locate(r, c), line, total_column, self.summed
            )

    def _value(self, r, line, column: ValueColumn, code, kode, row_period, status, note, seen):
        raw = line[column.index] if column.index < len(line) else None
        if column.index in self.grid.numeric and isinstance(raw, str):
            raw = _machine_number(raw)
        place = self.grid.locate(r, column.index)
        try:
            value = parse_number(raw, dash=self.spec.dash, decimal=column.decimal)
        except NumberFormatError as exc:
            text = cell_text(raw)
            if isinstance(raw, UnsavedFormula):
                problem = (
                    f"a formula without a saved value ({text}): the file was written by a "
                    "program that does not compute formulas; open it in Excel or LibreOffice "
                    "and save it, or ask the agency for the values"
                )
                detail = f"rumus tanpa nilai tersimpan ({text}): buka dan simpan ulang berkas"
            elif _EXCEL_ERROR.match(text):
                problem = f"an Excel error {text}: the formula behind the cell fails"
                detail = f"sel berisi galat Excel {text}: perbaiki rumus di sel ini"
            else:
                problem, detail = str(exc), f"angka {text!r} tidak terbaca"
            self._quarantine(place, q.BAD_NUMBER, text, problem, detail)
            return
        period = row_period or column.period or self._value_period(r, line, column)
        if period is None:
            return
        indikator = column.indikator or code
        kode_wilayah = column.kode_wilayah or kode
        key = (indikator, kode_wilayah, period.periode)
        if key in seen:
            self._same_key(r, seen[key], column.index, key)
            return
        seen[key] = column.index
        provisional = period.provisional or value.provisional
        final_status = status if column.status is None else stronger(status, column.status)
        if provisional:
            final_status = stronger(final_status, "sementara")
        self.totals.add(column.index, value.nilai, place, self._groups(period.periode))
        # A tuple in TIDY_COLUMNS order: cheaper than a dict per value to build and to frame.
        self.rows.append(
            (
                self.entry.id,
                indikator,
                kode_wilayah,
                period.periode,
                value.nilai,
                final_status or "final",
                _joined(value.reason, note),
                place,
            )
        )

    # -- row rules and totals ----------------------------------------------------------

    def _groups(self, periode: str) -> tuple:
        """The groups a value belongs to, for totals that close a group: its period (only a
        row's period cell can name one on a total row), its sub-header's kecamatan, and in a
        wider table the city (whose row totals its regions)."""
        groups = (("periode", periode),) if self.cols.period is not None else ()
        if self.wider is not None:  # the city's row of a wider table totals all its regions
            groups = (*groups, ("kota", periode if self.cols.period is not None else None))
        return (*groups, ("parent", self.parent)) if self.parent else groups

    def _is_total(self, line: list[object], first_text: str) -> bool:
        if self._total_text(first_text) or self._named_rule(line, self.cols.total_rules):
            return True
        if self.spec.region.level == "kota":
            return False
        # The whole city ("Kota Malang") in the region column, or as the row's first label
        # when the region cell is empty, totals the kecamatan or kelurahan rows.
        region = _cell(line, self.cols.region)
        return self._total_text(region) or self._city(region or first_text)

    def _names_city(self, line: list[object], first_text: str) -> bool:
        """Whether a total row of a wider table is the city's own (below level kota it
        totals the city's kecamatan or kelurahan); counts it as a row of the city."""
        if self._city(_cell(line, self.cols.region) or first_text):
            self.wider.city_rows += 1
            return True
        return False

    def _check_city_total(self, r: int, line: list[object]) -> None:
        """In a wider table the city's row totals its kecamatan or kelurahan, whether they
        are listed above or below it (those of its period, where the row names one)."""

        def place(c: int, r: int = r) -> str:
            return self.grid.locate(r, c)

        group = ("kota", self._total_period(line))
        self.totals.add_group_total(place, line, self.summed, group)

    def _named_rule(self, line: list[object], rules) -> bool:
        return any(pattern.search(_cell(line, index)) for index, pattern in rules)

    def _check_total(self, r: int, line: list[object]) -> None:
        def place(c: int, r: int = r) -> str:
            return self.grid.locate(r, c)

        period = self._total_period(line)
        if period is not None:
            self.totals.add_group_total(place, line, self.summed, ("periode", period))
        else:
            self.totals.check_row(place, line, self.summed)

    def _total_period(self, line: list[object]) -> str | None:
        """A total row's own period (years stacked in rows: each year's "Kota Malang" row)."""
        if self.cols.period is None or not _cell(line, self.cols.period):
            return None
        try:
            return parse_period(
                line[self.cols.period], year=self._row_year(line), kind=self.kind
            ).periode
        except PeriodFormatError:
            return None

    # -- labels, regions, periods, status ---------------------------------------------

    def _label(self, line, first_text: str) -> str:
        return _cell(line, self.cols.label) if self.cols.label is not None else first_text

    def _mapped_label(self, line, first_text: str) -> bool:
        """A row label the entry maps explicitly wins over the default row rules ("Jumlah
        Pendapatan Daerah" is an indicator, not a total row)."""
        label = self._label(line, first_text)
        keys = [f"{self.group} / {label}", label] if self.group else [label]
        return any(folded(k) in self.row_codes for k in keys)

    def _row_indicator(self, r: int, line, first_text: str, has_values: bool) -> str | None:
        label = self._label(line, first_text)
        if not has_values:
            self.group = label or self.group  # a group row ("Pendidikan") above its indicators
            return None
        keys = [f"{self.group} / {label}", label] if self.group else [label]
        code = next((self.row_codes[folded(k)] for k in keys if folded(k) in self.row_codes), None)
        if code is None:
            place = self.grid.locate(r, self.cols.label if self.cols.label is not None else 0)
            self.unmapped_labels.append(f"{place} {label!r}")
        return code

    def _region(self, r: int, line: list[object], has_values: bool) -> str | None:
        if self.cols.region is None:
            return self.fixed_region
        text = _cell(line, self.cols.region)
        place = self.grid.locate(r, self.cols.region)
        if not text:
            if has_values:
                self._quarantine(
                    place,
                    q.MISSING_KEY,
                    "",
                    "values but no region name",
                    "ada angka tetapi nama wilayah kosong",
                    line,
                )
            return None
        if self.spec.region.subheaders and self._subheader(r, line, text, has_values):
            return None
        try:
            kode = self.resolver.resolve(text, parent=self.parent)
        except UnknownRegionError as exc:
            if self.wider is not None and self.wider.take(place, text):
                return None  # another kab/kota of the table (or its total): outside the city
            if not has_values:
                return None  # a label row without numbers (a note, a group title)
            rule = q.WRONG_PARENT if isinstance(exc, WrongParentError) else q.UNKNOWN_REGION
            problem, detail = str(exc), _region_detail(exc)
            if self.wider is not None:
                problem, detail = self.wider.misplaced(text) or (problem, detail)
            elif isinstance(exc, OtherRegionError):
                problem += (
                    "; if the table covers more than the city, set `parse.region.covers` in "
                    f"{self.entry.catalog_file}"
                )
            self._quarantine(place, rule, text, problem, detail, line)
            return None
        if self.wider is not None:
            self.wider.city_rows += 1
        return kode

    def _subheader(self, r: int, line, text: str, has_values: bool) -> bool:
        """A row naming a kecamatan above its kelurahan: it sets the parent; with values it is
        the kecamatan's subtotal, checked against the rows below it."""
        kecamatan = resolve_or_none(text, "kecamatan", self.spec.region.aliases)
        if kecamatan is None or (has_values and not _KECAMATAN_PREFIX.search(text)):
            return False
        self.parent = kecamatan
        if has_values:

            def place(c: int, r: int = r) -> str:
                return self.grid.locate(r, c)

            self.totals.add_group_total(place, line, self.summed, ("parent", kecamatan))
        return True

    def _row_year(self, line: list[object]) -> int | None:
        if self.cols.year is None:
            return self.year_default
        raw = line[self.cols.year] if self.cols.year < len(line) else None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return int(raw)
        return find_year(cell_text(raw))

    def _row_period(self, r: int, line: list[object], has_values: bool):
        """The row's period (None: the header or the fixed value gives it; False: the row is
        quarantined or skipped)."""
        if self.cols.period is None:
            return None
        raw = line[self.cols.period] if self.cols.period < len(line) else None
        place = self.grid.locate(r, self.cols.period)
        if not cell_text(raw):
            if not has_values:
                return False
            self._quarantine(place, q.MISSING_KEY, "", "empty period", "periode kosong", line)
            return False
        return self._read_period(
            place, raw, line, lambda: parse_period(raw, year=self._row_year(line), kind=self.kind)
        )

    def _read_period(self, place: str, raw, line, read):
        try:
            return read()
        except MissingYearError as exc:
            if self.cols.year is not None:
                self._quarantine(
                    place,
                    q.BAD_PERIOD,
                    cell_text(raw),
                    f"{exc} (the year cell is empty)",
                    f"periode {cell_text(raw)!r} tanpa tahun (kolom tahun kosong)",
                    line,
                )
                return False
            self._catalog(
                f"{place}: period {cell_text(raw)!r} has no year; set `parse.period.year`, "
                "`parse.period.year_column` or `parse.period.year_from`"
            )
            return False
        except MissingKindError:
            self._catalog(
                f"{place}: period {cell_text(raw)!r} is a bare number; set `parse.period.kind` "
                "(month, quarter or semester)"
            )
            return False
        except PeriodFormatError as exc:
            text = cell_text(raw)
            self._quarantine(
                place, q.BAD_PERIOD, text, str(exc), f"periode {text!r} tidak terbaca", line
            )
            return False

    def _value_period(self, r, line, column: ValueColumn) -> Period | None:
        """A value's period when neither its row nor its header gives it whole."""
        if column.year_parts is not None:  # a month header, the year in the row's year column
            year_cell = line[self.cols.year] if self.cols.year < len(line) else None
            place = self.grid.locate(r, self.cols.year)
            parts = dict(column.year_parts)
            year = self._row_year(line)
            period = self._read_period(
                place,
                year_cell,
                None,
                lambda: period_from_parts(**parts, default_year=year, kind=self.kind),
            )
            return period or None
        fixed = self.spec.period.value if self.spec.period and self.spec.period.value else ""
        if not fixed:
            self._catalog(
                f"column {self.grid.place_of_header(self.spec.header_row - 1, column.index)} has "
                "no period: its header has none and the catalog gives no `parse.period`"
            )
            return None
        return Period(fixed.rstrip("*").strip(), fixed.endswith("*"))

    def _row_status(self, line: list[object]) -> str | None:
        if self.cols.status is None:
            return None
        return self.status_words.read(_cell(line, self.cols.status))

    # -- what went wrong ---------------------------------------------------------------

    def _quarantine(self, place, rule, text, problem, detail, line=None) -> None:
        values = 1 if line is None else max(1, sum(1 for v in self.values if _cell(line, v.index)))
        last = self.quarantined[-1] if self.quarantined else None
        if last is not None and (last.lokasi, last.aturan) == (place, rule):
            # One empty year cell under several month headers: one finding, all its values.
            self.quarantined[-1] = replace(last, values=last.values + values)
            return
        self.quarantined.append(q.Quarantined(place, rule, text, problem, detail, values))

    def _catalog(self, problem: str) -> None:
        if problem not in self.catalog_problems:
            self.catalog_problems.append(problem)

    def _same_key(self, r: int, first: int, second: int, key: tuple) -> None:
        self._catalog(
            f"{self.grid.locate(r, first)} and {self.grid.locate(r, second)} both give "
            f"indicator {key[0]}, region {key[1]}, period {key[2]}: two header groups are read "
            "as one; declare `parse.header_depth` to include the group row, or capture the "
            "indicator with an `indicator` group in `parse.header_pattern` and map it in "
            "`parse.indicator_labels`"
        )

    def _raise_catalog_problems(self) -> None:
        if not self.catalog_problems:
            return
        listed = "; ".join(self.catalog_problems[:MAX_LISTED])
        raise SourceError(
            self.entry.id,
            self.entry.location,
            f"the catalog entry cannot describe this file: {listed}",
            fix=f"edit {self.entry.catalog_file} as said (the agency file is not at fault); "
            "`kotapintar preview` shows the result without loading",
        )

    def _fixed_region(self) -> str:
        try:
            return self.resolver.resolve(self.spec.region.code)
        except UnknownRegionError as exc:
            raise SourceError(
                self.entry.id,
                self.entry.location,
                str(exc),
                fix=f"fix `parse.region.code` in {self.entry.catalog_file}",
            ) from None

    def _with_decimals(self, columns: list[ValueColumn]) -> list[ValueColumn]:
        """`decimal: auto` decided per column from its text cells, and said in the notes. A
        column whose style no one declared (auto, or the Indonesian default) fails the source
        when its ambiguous cells ("1.234": 1234 or 1.234?) could be misread."""
        undeclared = {
            c.index
            for c in columns
            if c.decimal == "auto" or not decimal_declared(self.spec, c.label)
        }
        samples = self._text_samples(undeclared)
        decided, risks = [], []
        for column in columns:
            if column.index not in undeclared:
                decided.append(column)
                continue
            decision = decide_decimal(samples[column.index])
            auto = column.decimal == "auto"
            if risk := decision.misread_risk(default=not auto):
                risks.append((column.label, f"column {column.label!r}: {risk}"))
            if not auto:
                decided.append(column)
                continue
            self.notes.append(f"column {column.label!r}: {decision.describe()}")
            if decision.conflict:
                self.warnings.append(
                    f"column {column.label!r} mixes number styles: {decision.conflict}; set "
                    f"`parse.column_decimal` in {self.entry.catalog_file}"
                )
            decided.append(replace(column, decimal=decision.style))
        if risks:
            raise SourceError(
                self.entry.id,
                self.entry.location,
                "; ".join(risk for _, risk in risks),
                fix=f"declare the column's number style in {self.entry.catalog_file}, e.g. "
                f"`parse.column_decimal: {{{risks[0][0]!r}: comma}}` if it is written the "
                "Indonesian way (1.234,5) or `point` the English way (1,234.5); `kotapintar "
                "draft` shows each column's evidence",
            )
        return decided

    def _text_samples(self, indexes: set[int]) -> dict[int, list[tuple[str, _Place]]]:
        """Up to DECIMAL_SAMPLES (text, place) of each column's text cells, a column at a time
        (most cells of a sheet are numbers: one quick pass down each column)."""
        samples: dict[int, list[tuple[str, _Place]]] = {}
        body = self.grid.cells[self.body_start :]
        locate, start = self.grid.locate, self.body_start
        for index in sorted(indexes):
            found = (
                (r, text)
                for r, line in enumerate(body, start)
                if index < len(line)
                and isinstance(raw := line[index], str)
                and (text := raw.strip())
            )
            samples[index] = [
                (text, _Place(locate, r, index)) for r, text in islice(found, DECIMAL_SAMPLES)
            ]
        return samples


class _Place:
    """A cell's place, named only when shown: the decimal decision reads 5,000 cells of a
    column and quotes a few of them."""

    __slots__ = ("column", "locate", "row")

    def __init__(self, locate, row: int, column: int) -> None:
        self.locate, self.row, self.column = locate, row, column

    def __str__(self) -> str:
        return self.locate(self.row, self.column)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _first_text(line: list[object]) -> str:
    """The text of the row's first cell that has any ("" for a blank row)."""
    for value in line:
        if value is None or value == "":  # most empty cells: no text to make of them
            continue
        if text := cell_text(value):
            return text
    return ""


def _joined(reason: str | None, note: str | None) -> str | None:
    """`catatan`: the value's reason and the row's note, "; " between, None when neither."""
    if reason and note:
        return f"{reason}; {note}"
    return reason or note or None


def _any_filled(line: list[object], indexes: list[int]) -> bool:
    """Whether any of the cells `indexes` holds anything (asked of every row: a plain loop
    costs less than any() over a generator)."""
    for index in indexes:  # noqa: SIM110
        if _filled(line, index):
            return True
    return False


def _filled(line: list[object], index: int) -> bool:
    """Whether cell `index` holds anything (cheaper than its text, asked of every cell)."""
    value = line[index] if index < len(line) else None
    if value is None:
        return False
    return bool(value.strip()) if isinstance(value, str) else True


def _cell(line: list[object], index: int | None) -> str:
    """The text of cell `index` of `line` ("" when the row is shorter or there is no column)."""
    return cell_text(line[index]) if index is not None and index < len(line) else ""


def _machine_number(text: str) -> object:
    # A portal field typed numeric carries machine numbers ("1234.5"): a dot is a decimal point
    # here, not the Indonesian thousands separator.
    try:
        return float(text.strip())
    except ValueError:
        return text


def _region_detail(exc: UnknownRegionError) -> str:
    """The Indonesian line for an unknown region, for the agency."""
    if isinstance(exc, WrongParentError):
        names = {w.kode: w.nama for w in reference()}
        return (
            f"kelurahan {exc.text!r} berada di kecamatan {names[exc.actual_parent]}, bukan di "
            f"kecamatan {names[exc.parent]} (subjudul di atasnya)"
        )
    if isinstance(exc, OtherRegionError):
        return (
            f"nama wilayah {exc.text!r} adalah {exc.region.describe()}, bukan wilayah Kota "
            f"Malang ({KODE_KOTA})"
        )
    close = f" (yang mirip: {', '.join(exc.closest)})" if exc.closest else ""
    return f"nama wilayah {exc.text!r} tidak dikenal sebagai {exc.level} Kota Malang{close}"
