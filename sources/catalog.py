"""The source catalog: one YAML file per dataset, validated against a typed model on load.

Adding a dataset is adding a file under `sources/catalog/`; no Python changes. A bad entry fails
at load time with a `CatalogError` naming the file, the field, the bad value and what is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sources.catalog_bps import BpsSpec, check_bps_entry

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG_DIR = Path(__file__).resolve().parent / "catalog"

Dimension = Literal[
    "smart_governance",
    "smart_people",
    "smart_mobility",
    "smart_economy",
    "smart_environment",
    "smart_living",
]
DIMENSIONS: tuple[str, ...] = Dimension.__args__
# Pillars of the national "Gerakan Menuju 100 Smart City" masterplan Kota Malang is scored on.
Pillar = Literal["governance", "branding", "economy", "living", "society", "environment"]
DEFAULT_PILLAR: dict[str, str] = {
    "smart_governance": "governance",
    "smart_people": "society",
    "smart_mobility": "living",
    "smart_economy": "economy",
    "smart_environment": "environment",
    "smart_living": "living",
}
Kind = Literal["xlsx", "csv", "ckan_datastore", "ckan_resource", "bps_webapi"]
# How a downloaded portal resource (kind `ckan_resource`) is read.
FileFormat = Literal["xlsx", "csv"]
Schedule = Literal["harian", "mingguan", "bulanan", "triwulanan", "semesteran", "tahunan"]
Direction = Literal["higher_is_better", "lower_is_better", "neutral"]
Level = Literal["kota", "kecamatan", "kelurahan"]
# The wider area a table covers besides the city (RegionSpec.covers, sources/kabkota.py).
Covers = Literal["provinsi", "nasional"]
LEVELS: tuple[str, ...] = Level.__args__
Layout = Literal["long", "wide_by_period", "wide_by_region", "wide", "indicators_as_rows"]
Status = Literal["final", "sementara", "perkiraan"]
# Number styles of text cells (sources/numbers.py): Indonesian `1.234,5`, English `1,234.5`,
# thousands grouped by spaces `21 575`, and plain machine text `5345.00`.
DecimalStyle = Literal["comma", "point", "space", "plain"]
PeriodKind = Literal["month", "quarter", "semester"]
# Satu Data / BPS MS-Ind `ukuran`: what kind of figure an indicator is.
Measure = Literal[
    "jumlah", "persentase", "proporsi", "rasio", "rata-rata", "indeks", "laju", "nilai"
]
# How an indicator's kelurahan/kecamatan values roll up to the level above (analyst views):
# `sum` adds them, `mean` averages them weighted by `weighted_by`, `none` never rolls up.
Aggregation = Literal["sum", "mean", "none"]
# Planning documents an indicator is a reference code in (kode referensi).
ReferenceScheme = Literal["SDGs", "RPJMN", "RPJMD", "SPM", "IKU", "Renstra"]
ISO_INDICATOR = r"^ISO 3712[023](:20\d\d)? \d+(\.\d+)*$"
# Named groups a `header_pattern` may capture from a column's header path.
HEADER_GROUPS = frozenset(
    {"indicator", "year", "month", "quarter", "semester", "period", "status", "region"}
)
# Row rules that always apply unless `default_row_rules: false`: a row whose first non-empty
# cell matches is a total (dropped from the data, checked against its parts) or a footnote.
DEFAULT_TOTAL_ROWS: tuple[str, ...] = (r"^(jumlah|total)\b",)
DEFAULT_DROP_ROWS: tuple[str, ...] = (
    r"^(jumlah|total)\b",
    r"^(sumber|source|catatan|keterangan|note)\s*:",
    r"^\*+\)?\s",  # "*) Angka sementara": a footnote under the table
)
# How a remark (status column, or a header's `status` group) reads, tried after the entry's own
# `status.words`: regular expressions, case-insensitive, searched in the text.
DEFAULT_STATUS_WORDS: dict[str, str] = {
    r"proyeksi|perkiraan|estimasi|\bprojection|\bestimate": "perkiraan",
    r"sementara|perbaikan|provisional|preliminary|^\s*\*+\s*$": "sementara",
    r"\btetap\b|\bfinal\b": "final",
}

# Same forms as sources.tidy.PERIODE_PATTERN: YYYY, YYYY-MM, YYYY-Qn, YYYY-Sn.
PERIODE_FORMAT = r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$"

Code = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogError(ValueError):
    """A catalog entry that cannot be used; the message names file, field, value and the fix."""


class Agency(_Strict):
    """The producing agency (produsen data, an OPD or BPS)."""

    code: Slug = Field(
        description="snake_case agency code; the asset owner `team:<code>` (e.g. `dinkes`)"
    )
    name: str = Field(description="the agency's full name, e.g. Dinas Kesehatan Kota Malang")


class RegionSpec(_Strict):
    """Where the region of each row comes from, and at which level names are resolved. Layout
    `wide_by_region` reads regions from the header and takes `level` only."""

    column: str | None = Field(
        None, description="the header of the region column (give `column` or `code`, not both)"
    )
    code: str | None = Field(
        None, description="one fixed region for every row: its kode_wilayah (e.g. `35.73`)"
    )
    level: Level = Field(
        description="the level region names are resolved at: `kota`, `kecamatan` or `kelurahan`"
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="spellings this agency uses that the normaliser and "
        "sources/wilayah_alias.csv do not know: spelling -> kode_wilayah; they win over the "
        "shared registry",
    )
    subheaders: bool = Field(
        False,
        description="level `kelurahan`: rows naming a kecamatan above its kelurahan "
        '("KEC. BLIMBING") set the parent of the rows below; such a row is neither a fact nor '
        "an error (with values, it is the kecamatan's subtotal, checked like a total row)",
    )
    covers: Covers | None = Field(
        None,
        description="the table lists a wider area than the city: `provinsi` (Jawa Timur's "
        'kab/kota) or `nasional` (Indonesia\'s); rows of other regions ("Malang" is Kabupaten '
        "Malang) count as outside Kota Malang, only the city's rows load, and a table without "
        "a row for Kota Malang fails",
    )

    @model_validator(mode="after")
    def _one_source(self) -> RegionSpec:
        if self.column is not None and self.code is not None:
            raise ValueError(REGION_ONE_OF)
        if self.covers is not None and (self.column is None or self.subheaders):
            raise ValueError(
                "`covers` reads the kab/kota rows of a region `column`: give `column`, and "
                "no `code` or `subheaders`"
            )
        if self.subheaders and (self.level != "kelurahan" or self.column is None):
            raise ValueError("`subheaders` needs `level: kelurahan` and a region `column`")
        if self.aliases:
            from sources.wilayah import check_aliases

            problems = check_aliases(self.aliases)
            if problems:
                raise ValueError("`aliases`: " + "; ".join(problems))
        return self


REGION_ONE_OF = "give exactly one of `column` (a header) or `code` (a fixed region)"


class PeriodSpec(_Strict):
    """Where the period of each row comes from: a `column` or a fixed `value` (a wide layout
    reads it from the header instead). Periods may be words ("Agustus", "Triwulan III",
    "Semester 2"); their year then comes from the text itself, or from `year`, `year_column` or
    `year_from` (the first year found in the sheet name or the title rows above the header)."""

    column: str | None = Field(None, description="the header of the period column")
    value: str | None = Field(
        None,
        description='one fixed period for every row (`"2023"`, `"2024-03"`, `"2024-Q1"`); '
        '`"2023*"` means provisional',
    )
    year: int | None = Field(None, ge=1900, le=2100, description="the year of periods in words")
    year_column: str | None = Field(
        None, description="the header of a column of years, for periods in words"
    )
    year_from: Literal["sheet", "title"] | None = Field(
        None,
        description="take the year of periods in words from the first year in the sheet name "
        "(or a CSV's file name: `sheet`) or in the title rows above the header (`title`)",
    )
    kind: PeriodKind | None = Field(
        None,
        description='how a bare number or Roman numeral ("III", "2") in a period reads: '
        "`month`, `quarter` or `semester`",
    )

    @model_validator(mode="after")
    def _one_source(self) -> PeriodSpec:
        if self.column is not None and self.value is not None:
            raise ValueError("give exactly one of `column` (a header) or `value` (a fixed period)")
        year_rules = [n for n in ("year", "year_column", "year_from") if getattr(self, n)]
        if len(year_rules) > 1:
            raise ValueError(
                f"give at most one of `year`, `year_column`, `year_from` ({year_rules})"
            )
        if self.column is None and self.value is None and not year_rules and self.kind is None:
            raise ValueError(
                "give `column` (a header) or `value` (a fixed period), or for a wide layout "
                "the year rule of its header periods (`year`, `year_column` or `year_from`)"
            )
        return self

    @property
    def fixed(self) -> bool:
        return self.column is not None or self.value is not None


class RowRule(_Strict):
    """A row rule that looks at one named column instead of the row's first non-empty cell."""

    column: str = Field(description="the header of the column the rule looks at")
    pattern: str = Field(
        description="a regular expression (case-insensitive) searched in that column's cell"
    )


class StatusSpec(_Strict):
    """Where a row's status comes from besides the `*` marker: a remark `column` whose text is
    matched against `words` (regular expression -> status, tried before the defaults:
    "sementara"/"perbaikan" -> sementara, "proyeksi"/"perkiraan" -> perkiraan)."""

    column: str | None = Field(
        None, description="the header of a remark column (e.g. `Keterangan`) that gives status"
    )
    words: dict[str, Status] = Field(
        default_factory=dict,
        description="regular expression -> `final`, `sementara` or `perkiraan`, tried before "
        "the defaults",
    )


class ParseSpec(_Strict):
    """How to turn the file or feed into tidy rows. Header texts are matched after trimming
    and collapsing whitespace; a two-row header reads as "Top / Sub"."""

    sheet: str | None = Field(
        None,
        description="xlsx and xls: the sheet by name (case and surrounding spaces ignored)",
    )
    sheet_pattern: str | None = Field(
        None, description="xlsx and xls: the first sheet whose name matches this regex"
    )
    table: Annotated[int, Field(ge=1)] | str | None = Field(
        None,
        description='an HTML table export (BPS "download as Excel" .xls): which `<table>` holds '
        "the data, by number (1-based, in document order) or by a regex searched in its title "
        "(caption, the text just before it, or its first row)",
    )
    header_row: int = Field(
        1, ge=1, description="first header row, 1-based like Excel; rows above are title rows"
    )
    header_depth: Literal[1, 2, 3] = Field(
        1,
        description="header rows; merged cells fill their range and several rows read as one "
        'path "Top / Mid / Sub"',
    )
    delimiter: str | None = Field(
        None, description="CSV separator; unset: detected among `,` `;` tab `|`"
    )
    encoding: str = Field(
        "auto",
        description="CSV encoding; `auto`: UTF-8 (with or without BOM), else cp1252, else latin-1",
    )
    layout: Layout = Field(
        "long",
        description="how values are laid out: `long`, `wide_by_period`, `wide_by_region`, "
        "`wide` or `indicators_as_rows`",
    )
    region: RegionSpec = Field(description="where each row's region comes from")
    period: PeriodSpec | None = Field(
        None, description="where each row's period comes from (a wide layout: the header)"
    )
    values: dict[str, Code] = Field(
        default_factory=dict, description="layout `long`: header -> indicator code"
    )
    indicator: Code | None = Field(
        None,
        description="layouts `wide_by_period`, `wide_by_region` and `wide` without an "
        "`indicator` group: the indicator code of every value column",
    )
    period_columns: str = Field(
        r"^\d{4}\s*\*?$",
        description="layouts `wide_by_period` and `indicators_as_rows` without `header_pattern`: "
        "regex of the period headers, matched on the header or its last part",
    )
    header_pattern: str | None = Field(
        None,
        description="layouts `wide` and `indicators_as_rows` (optional for `wide_by_period`): "
        'a regex searched in each column\'s header path ("Top / Sub / Leaf"); a column it '
        "matches holds values, and its named groups say what: indicator, year, month, quarter, "
        "semester, period, status, region",
    )
    indicator_labels: dict[str, Code] = Field(
        default_factory=dict,
        description="with an `indicator` group in `header_pattern`: the text it captures -> "
        "indicator code",
    )
    row_indicators: dict[str, Code] = Field(
        default_factory=dict,
        description='layout `indicators_as_rows`: row label (or "Group / Label" under a group '
        "row) -> indicator code",
    )
    label_column: str | None = Field(
        None,
        description="layout `indicators_as_rows`: the header of the label column (default: "
        "each row's first non-empty cell)",
    )
    status: StatusSpec | None = Field(
        None, description="where a figure's status comes from besides the `*` marker"
    )
    decimal: Literal["comma", "point", "space", "plain", "auto"] = Field(
        "comma",
        description="number style of text cells: `comma` (Indonesian, 1.234,5), `point` "
        "(English, 1,234.5), `space` (21 575), `plain` (5345.00) or `auto` (decided per column "
        "from its cells; a column of only ambiguous cells fails)",
    )
    column_decimal: dict[str, DecimalStyle] = Field(
        default_factory=dict,
        description="per-column number style, header -> `comma`, `point`, `space` or `plain`; "
        "wins over `decimal`",
    )
    drop_rows: list[str | RowRule] = Field(
        default_factory=list,
        description="row rules added to the defaults (`Jumlah`/`Total` rows, `Sumber:` lines, "
        "`*) ...` footnotes): a regex for the row's first non-empty cell, or "
        "{column, pattern} for a named column",
    )
    default_row_rules: bool = Field(
        True,
        description="`false`: only the entry's own `drop_rows` and `total_rows` apply, not the "
        "defaults",
    )
    dash: Literal["zero", "null"] = Field(
        "null", description='what "-" means: `null` (no data) or `zero` (nihil, as BPS writes)'
    )
    notes: str | None = Field(
        None,
        description="the header of a free-text column (e.g. `Keterangan`) kept in `catatan` of "
        "the row's values; the personal-data guard scans it",
    )
    drop_columns: list[str] = Field(
        default_factory=lambda: [r"^(no|nomor)\.?$", r"^kota malang$", r"^(keterangan|catatan)$"],
        description="layout `wide_by_region`: regexes of header cells that are neither a region "
        "nor a total column",
    )
    total_rows: list[str | RowRule] = Field(
        default_factory=list,
        description="total rules added to the default `^(jumlah|total)\\b` (a regex for the "
        "first non-empty cell, or {column, pattern}); totals are dropped and checked against "
        "their parts (in `wide_by_region` also total columns)",
    )
    total_check: Literal["warn", "fail", "off"] = Field(
        "warn",
        description="what a total that does not equal the sum of its parts does: `warn` "
        "(loaded, the mismatch reported), `fail` (nothing loaded) or `off`",
    )
    total_tolerance: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="relative difference a total may have from its parts; default: exact for "
        "whole counts, 0.5 % otherwise (rounded percentages and averages)",
    )
    total_exempt: list[Code] = Field(
        default_factory=list,
        description="indicator codes whose total row is not a sum (a ratio, a percentage, an "
        "average), so not checked",
    )

    @field_validator("region")
    @classmethod
    def _region_for_layout(cls, region: RegionSpec, info: ValidationInfo) -> RegionSpec:
        given = region.column is not None or region.code is not None
        if info.data.get("layout") == "wide_by_region":
            if given:
                raise ValueError(
                    "layout `wide_by_region` reads regions from the header: give `level` only"
                )
        elif not given:
            raise ValueError(REGION_ONE_OF)
        return region

    @model_validator(mode="after")
    def _layout_fields(self) -> ParseSpec:
        self._check_layout()
        if set(self.total_exempt) - set(self.indicator_codes()):
            unknown = sorted(set(self.total_exempt) - set(self.indicator_codes()))
            raise ValueError(f"`total_exempt` names {unknown}, which `parse` does not yield")
        rules = [
            r if isinstance(r, str) else r.pattern for r in [*self.drop_rows, *self.total_rows]
        ]
        words = [*(self.status.words if self.status else {})]
        patterns = [*rules, *self.drop_columns, self.period_columns, *words]
        table = self.table if isinstance(self.table, str) else ""
        for pattern in [*patterns, self.sheet_pattern or "", self.header_pattern or "", table]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"`{pattern}` is not a valid regular expression ({exc})") from exc
        self._check_header_groups()
        return self

    def _check_layout(self) -> None:
        period_fixed = self.period is not None and self.period.fixed
        if self.layout == "long":
            if not self.values:
                raise ValueError("layout `long` needs `values` (header -> indicator code)")
            if not period_fixed:
                raise ValueError("layout `long` needs `period` (column or value)")
        elif self.layout == "wide_by_region":
            if self.indicator is None:
                raise ValueError("layout `wide_by_region` needs `indicator` (the code it yields)")
            if not period_fixed:
                raise ValueError("layout `wide_by_region` needs `period` (column or value)")
        elif self.layout == "indicators_as_rows":
            if not self.row_indicators:
                raise ValueError(
                    "layout `indicators_as_rows` needs `row_indicators` (row label -> code)"
                )
        elif self.layout == "wide" and self.header_pattern is None:
            raise ValueError(
                "layout `wide` needs `header_pattern` (a regular expression over each column's "
                "header with named groups such as indicator, year, month)"
            )
        groups = self.header_groups()
        if self.layout in ("wide", "wide_by_period"):
            if "indicator" in groups and not self.indicator_labels:
                raise ValueError(
                    "`header_pattern` captures `indicator`: map what it captures in "
                    "`indicator_labels` (header text -> indicator code)"
                )
            if "indicator" not in groups and self.indicator is None:
                raise ValueError(
                    f"layout `{self.layout}` needs `indicator` (the code it yields), or an "
                    "`indicator` group in `header_pattern` with `indicator_labels`"
                )

    def _check_header_groups(self) -> None:
        unknown = self.header_groups() - HEADER_GROUPS
        if unknown:
            raise ValueError(
                f"`header_pattern` has group(s) {sorted(unknown)}; allowed: "
                + ", ".join(sorted(HEADER_GROUPS))
            )

    def header_groups(self) -> set[str]:
        """The named groups of `header_pattern` (empty without one)."""
        return set(re.compile(self.header_pattern).groupindex) if self.header_pattern else set()

    def indicator_codes(self) -> list[str]:
        if self.layout == "long":
            return list(self.values.values())
        if self.layout == "indicators_as_rows":
            return list(dict.fromkeys(self.row_indicators.values()))
        if self.indicator_labels and "indicator" in self.header_groups():
            return list(dict.fromkeys(self.indicator_labels.values()))
        return [self.indicator] if self.indicator else []

    def row_rules(self, kind: Literal["drop", "total"]) -> tuple[list[str], list[RowRule]]:
        """The rules of one kind in force: patterns for the first non-empty cell (the defaults
        first, unless `default_row_rules: false`) and rules on a named column."""
        given = self.drop_rows if kind == "drop" else self.total_rows
        defaults = DEFAULT_DROP_ROWS if kind == "drop" else DEFAULT_TOTAL_ROWS
        first = [
            *(defaults if self.default_row_rules else ()),
            *[r for r in given if isinstance(r, str)],
        ]
        return first, [r for r in given if not isinstance(r, str)]


class Indicator(_Strict):
    """One indicator a source yields, with the metadata analysts and the portal need, and the
    quality rules its values must meet (quality/catalog_rules.py turns them into GX
    expectations)."""

    code: Code = Field(description="UPPER_SNAKE indicator code, unique in the catalog")
    name_id: str = Field(description="the indicator's name in Indonesian")
    name_en: str = Field(description="the indicator's name in English")
    unit: str = Field(description="the unit of `nilai` (satuan), e.g. `unit`, `persen`, `jiwa`")
    definition: str = Field(description="the Indonesian definition (definisi)")
    direction: Direction = Field(
        description="whether a higher value is better: `higher_is_better`, `lower_is_better` or "
        "`neutral`"
    )
    dimension: Dimension | None = Field(
        None, description="the smart-city dimension; default: the entry's `dimension`"
    )
    schedule: Schedule | None = Field(
        None, description="update schedule (jadwal pemutakhiran); default: the entry's"
    )
    pillar: Pillar | None = Field(
        None,
        description='the national "Gerakan Menuju 100 Smart City" pillar; default derived from '
        "the dimension",
    )
    # Satu Data Indonesia / BPS MS-Ind (Peraturan BPS 5/2020) metadata. Optional here so a
    # draft entry loads; `kotapintar metadata --check` (quality/metadata_check.py) lists what is
    # missing, and the portal does not publish an indicator until it is complete.
    definition_en: str | None = Field(
        None, description="MS-Ind definition: the English definition (`definition` in English)"
    )
    concept: str | None = Field(None, description="MS-Ind konsep: the idea measured, in Indonesian")
    classification: str | None = Field(
        None,
        description="MS-Ind klasifikasi penyajian: how figures are broken down, e.g. "
        "`menurut kecamatan`",
    )
    measure: Measure | None = Field(None, description="MS-Ind ukuran: what kind of figure it is")
    interpretation: str | None = Field(
        None, description="MS-Ind interpretasi: how to read a higher or lower value"
    )
    method: str | None = Field(
        None, description="MS-Ind metode / rumus: how the figure is computed, with the formula"
    )
    estimation_level: Level | None = Field(
        None, description="MS-Ind level estimasi: the finest level published"
    )
    references: dict[ReferenceScheme, str] = Field(
        default_factory=dict,
        description="MS-Ind kode referensi: codes in planning documents (`SDGs`, `RPJMN`, "
        "`RPJMD`, `SPM`, `IKU`, `Renstra`) -> code",
    )
    iso_indicator: Annotated[str, Field(pattern=ISO_INDICATOR)] | None = Field(
        None,
        description="the matching ISO 37120 / 37122 / 37123 indicator, e.g. `ISO 37120:2018 8.1`",
    )
    aggregation: Aggregation | None = Field(
        None,
        description="how kelurahan/kecamatan values roll up in the analyst views: `sum`, `mean` "
        "(weighted by `weighted_by`) or `none`",
    )
    weighted_by: Code | None = Field(
        None,
        description="with `aggregation: mean`: the code of the indicator whose values weigh the "
        "mean (e.g. a population count)",
    )
    min_value: float | None = Field(
        None, description="quality rule: the smallest plausible `nilai` (inclusive)"
    )
    max_value: float | None = Field(
        None, description="quality rule: the largest plausible `nilai` (inclusive)"
    )
    allowed_values: list[float] | None = Field(
        None, min_length=1, description="quality rule: the only values `nilai` may take"
    )
    max_change_pct: float | None = Field(
        None,
        gt=0,
        description="quality rule: the largest change, in percent, from the same region and "
        "period a year earlier",
    )
    expected_regions: str | list[str] | None = Field(
        None,
        description="quality rule: every period has a row for each of these regions: a level "
        "(`kota`, `kecamatan`, `kelurahan`) or a list of kode_wilayah",
    )
    expected_periods: list[Annotated[str, Field(pattern=PERIODE_FORMAT)]] | None = Field(
        None,
        min_length=1,
        description='quality rule: periods the file must contain, e.g. `["2022", "2023"]`',
    )
    estimate: bool = Field(
        False,
        description="published as estimates or projections (angka perkiraan / proyeksi): every "
        "row of this indicator gets status `perkiraan`",
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "framework" in data:
            raise ValueError(
                "`framework` is now `iso_indicator` (e.g. 'ISO 37120:2018 8.1'); codes of "
                "SDGs, RPJMD, SPM and the like go under `references`"
            )
        return data

    @model_validator(mode="after")
    def _rules_consistent(self) -> Indicator:
        if self.weighted_by is not None and self.aggregation != "mean":
            has = f"`aggregation: {self.aggregation}`" if self.aggregation else "no `aggregation`"
            raise ValueError(
                f"indicator {self.code}: `weighted_by` is only for `aggregation: mean` (it has "
                f"{has}); set `aggregation: mean` or remove `weighted_by`"
            )
        if self.aggregation == "mean" and self.weighted_by is None:
            raise ValueError(
                f"indicator {self.code}: `aggregation: mean` needs `weighted_by`: the code of the "
                "indicator whose values weigh the mean (e.g. the population); a plain mean of "
                "rates misleads"
            )
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValueError(
                f"`min_value` {self.min_value:g} is greater than `max_value` {self.max_value:g}"
            )
        if isinstance(self.expected_regions, str) and self.expected_regions not in LEVELS:
            raise ValueError(
                f"`expected_regions` has {self.expected_regions!r}; allowed: a level ('kota', "
                "'kecamatan', 'kelurahan') or a list of kode_wilayah"
            )
        if isinstance(self.expected_regions, list):
            from sources.wilayah import known_codes  # the reference file, read once

            unknown = [code for code in self.expected_regions if code not in known_codes()]
            if unknown or not self.expected_regions:
                raise ValueError(
                    f"`expected_regions` has unknown code(s) {', '.join(map(repr, unknown))}; "
                    "use kode_wilayah from sources/wilayah_kota_malang.csv or a level "
                    "('kota', 'kecamatan', 'kelurahan')"
                    if unknown
                    else "`expected_regions` is an empty list; give codes or a level"
                )
        return self


class PersonalDataAllowance(_Strict):
    """A column the personal-data guard may let through, and why (a false positive)."""

    column: str = Field(description="the header of the column the guard lets through")
    reason: str = Field(
        min_length=10,
        description="why it is not personal data (e.g. an office's public phone number)",
    )


class QualitySpec(_Strict):
    """How strict the quality gate is for one source."""

    max_quarantine_share: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="`0`: all-or-nothing, any failed row keeps the whole file out; above 0: a "
        "partial load is allowed when at most this share of rows breaks row-level rules (those "
        "rows are quarantined)",
    )
    personal_data_allow: list[PersonalDataAllowance] = Field(
        default_factory=list, description="columns the personal-data guard lets through"
    )
    # Refused by default so an empty file can never wipe a source's published rows
    # (assets/quality_stage.py refuse_empty).
    may_be_empty: bool = Field(
        False,
        description="`true`: the source may legitimately have no data rows and an empty result "
        "loads; `false`: a file or feed with no data rows is refused",
    )


class SourceEntry(_Strict):
    """One dataset: where it comes from, who produces it, how to read it, what it yields."""

    id: Slug = Field(
        description="snake_case identifier, equal to the file name; also the asset keys "
        "`raw_<id>`, `tidy_<id>`"
    )
    title: str = Field(description="dataset title (must contain SAMPLE when `sample` is true)")
    agency: Agency = Field(description="the producing agency (produsen data)")
    kind: Kind = Field(
        description="`xlsx` (a spreadsheet file: .xlsx, .xls or an HTML table export), `csv`, "
        "`ckan_datastore` (a DataStore table), `ckan_resource` (a file attached to a portal "
        "dataset) or `bps_webapi` (a dynamic table of BPS's WebAPI)"
    )
    location: str = Field(
        description="a URL, or a path relative to the repository; for `ckan_*` the portal's "
        "base URL; for `bps_webapi` the WebAPI's base URL, never with the key"
    )
    resource_id: str | None = Field(
        None,
        description="`ckan_datastore`: the DataStore resource id; `ckan_resource`: optionally "
        "the exact resource to download",
    )
    dataset: str | None = Field(
        None, description="`ckan_resource` only: the dataset (package) id or name"
    )
    resource_name: str | None = Field(
        None,
        description="`ckan_resource` only: pick the dataset's resource with this name (case "
        "and surrounding spaces ignored)",
    )
    resource_format: str | None = Field(
        None,
        description="`ckan_resource` only: pick the resource with this format (`XLSX`, `CSV`)",
    )
    format: FileFormat | None = Field(
        None, description="`ckan_resource` only: how to read the downloaded file"
    )
    bps: BpsSpec | None = Field(
        None, description="`bps_webapi` only: which BPS dynamic table (catalog_bps.py)"
    )
    recording: str | None = Field(
        None,
        description="`ckan_*`: a folder of recorded Action API answers; `bps_webapi`: the "
        "recorded WebAPI answer (a JSON file); what the offline run replays through the same "
        "client code",
    )
    sample: bool = Field(False, description="`true` for made-up sample data")
    dimension: Dimension = Field(
        description="the smart-city dimension (the asset group), default for its indicators"
    )
    schedule: Schedule = Field(description="update schedule (jadwal pemutakhiran)")
    parse: ParseSpec = Field(description="how to turn the file or feed into tidy rows")
    indicators: list[Indicator] = Field(min_length=1, description="what it yields")
    quality: QualitySpec = Field(
        default_factory=QualitySpec, description="how strict the quality gate is"
    )
    catalog_file: str = Field("", exclude=True)  # set by the loader, not written in YAML

    @model_validator(mode="after")
    def _consistent(self) -> SourceEntry:
        if self.sample and "SAMPLE" not in self.title:
            raise ValueError("a sample entry must say SAMPLE in its `title`")
        if self.kind == "ckan_datastore" and not self.resource_id:
            raise ValueError("kind `ckan_datastore` needs `resource_id`")
        if self.kind == "ckan_resource":
            _check_ckan_resource(self)
        else:
            for name in ("dataset", "resource_name", "resource_format", "format"):
                if getattr(self, name) is not None:
                    raise ValueError(f"`{name}` is only for kind `ckan_resource`")
        check_bps_entry(self)
        if self.reads_as == "xlsx" and not (
            self.parse.sheet or self.parse.sheet_pattern or self.parse.table
        ):
            raise ValueError(
                f"kind `{self.kind}` needs `parse.sheet` or `parse.sheet_pattern` (a workbook), "
                "or `parse.table` (an HTML table export)"
            )
        declared = {i.code for i in self.indicators}
        used = set(self.parse.indicator_codes())
        if used - declared:
            raise ValueError(
                f"`parse` yields {sorted(used - declared)} but `indicators` does not declare them"
            )
        if declared - used:
            raise ValueError(
                f"`indicators` declares {sorted(declared - used)} but `parse` never yields them"
            )
        return self

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def reads_as(self) -> str:
        """How the landed file is read: "xlsx", "csv", "records" (a DataStore feed) or "bps"
        (a BPS WebAPI answer, sources/bps_table.py)."""
        if self.kind == "ckan_resource":
            return self.format or "xlsx"
        if self.kind == "bps_webapi":
            return "bps"
        return "records" if self.kind == "ckan_datastore" else self.kind

    def local_path(self, root: Path = REPO_ROOT) -> Path:
        """The file a local (non-URL) location points at, relative to the repo root."""
        return (root / self.location).resolve()

    def indicator_dimension(self, indicator: Indicator) -> str:
        return indicator.dimension or self.dimension

    def indicator_schedule(self, indicator: Indicator) -> str:
        return indicator.schedule or self.schedule

    def indicator_pillar(self, indicator: Indicator) -> str:
        return indicator.pillar or DEFAULT_PILLAR[self.indicator_dimension(indicator)]


def _check_ckan_resource(entry: SourceEntry) -> None:
    if not entry.dataset:
        raise ValueError("kind `ckan_resource` needs `dataset` (the CKAN dataset id or name)")
    if not (entry.resource_id or entry.resource_name or entry.resource_format):
        raise ValueError(
            "kind `ckan_resource` needs `resource_id`, `resource_name` or `resource_format` "
            "to pick the resource"
        )
    if entry.format is None:
        raise ValueError(
            "kind `ckan_resource` needs `format` (xlsx or csv: how to read the downloaded file)"
        )


def _field_path(loc: tuple[Any, ...]) -> str:
    # Pydantic puts the member name of tagged unions and validator names into loc; keep field names.
    return ".".join(str(part) for part in loc) or "(entry)"


def _describe(error: dict[str, Any]) -> str:
    field = _field_path(error["loc"])
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        return f"field `{field}` is not allowed (unknown key; check its spelling)"
    if kind == "missing":
        return f"field `{field}` is missing"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"field `{field}` has {value!r}; allowed: {expected}"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return f"field `{field}` has {value!r}; it must match {pattern}"
    if kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return f"{message}" if field == "(entry)" else f"field `{field}`: {message}"
    return f"field `{field}` has {value!r}: {error['msg']}"


def parse_entry(data: Any, catalog_file: str) -> SourceEntry:
    """Validate one entry's data; raise CatalogError naming the file and each bad field."""
    if not isinstance(data, dict):
        raise CatalogError(
            f"{catalog_file}: expected a mapping of fields, found {type(data).__name__}"
        )
    try:
        return SourceEntry.model_validate({**data, "catalog_file": catalog_file})
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise CatalogError(f"{catalog_file}: {problems}") from None


def load_entry(path: Path, root: Path = REPO_ROOT) -> SourceEntry:
    name = _display_path(path, root)
    try:
        # A SafeLoader subclass: plain data only, like yaml.safe_load.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    except DuplicateKeyError as exc:
        raise CatalogError(f"{name}: {exc}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{name}: not valid YAML ({exc})") from None
    entry = parse_entry(data, name)
    if entry.id != path.stem:
        raise CatalogError(
            f"{name}: field `id` has {entry.id!r} but the file is named {path.name}; "
            f"rename the file to {entry.id}{path.suffix} or change `id`"
        )
    return entry


def load_catalog(directory: Path | None = None, root: Path = REPO_ROOT) -> list[SourceEntry]:
    """Load and cross-check every `*.yaml` / `*.yml` entry in `directory` (sorted by id)."""
    directory = directory or DEFAULT_CATALOG_DIR
    files = catalog_files(directory, root)
    if not files:
        raise CatalogError(f"{directory}: no catalog entries (*.yaml or *.yml) found")
    entries = [load_entry(path, root) for path in files]
    owner_of: dict[str, str] = {}
    for entry in entries:
        for indicator in entry.indicators:
            other = owner_of.setdefault(indicator.code, entry.catalog_file)
            if other != entry.catalog_file:
                raise CatalogError(
                    f"{entry.catalog_file}: field `indicators`: code {indicator.code!r} is already "
                    f"yielded by {other}; each indicator has one source, rename one of them"
                )
    for entry in entries:
        for indicator in entry.indicators:
            if indicator.weighted_by and indicator.weighted_by not in owner_of:
                raise CatalogError(
                    f"{entry.catalog_file}: indicator {indicator.code}: field `weighted_by` "
                    f"names {indicator.weighted_by!r}, which no catalog entry yields; use the "
                    "code of a declared indicator (e.g. a population count)"
                )
    return entries


CATALOG_SUFFIXES = (".yaml", ".yml")


def catalog_files(directory: Path, root: Path = REPO_ROOT) -> list[Path]:
    """The entry files in `directory`, sorted by id: `*.yaml` and `*.yml` alike (an entry saved
    as `.yml` is not silently skipped), but never both for one id (which one would count?)."""
    if not directory.is_dir():
        return []
    by_id: dict[str, Path] = {}
    for path in sorted(p for p in directory.iterdir() if p.suffix in CATALOG_SUFFIXES):
        if not path.is_file():
            continue
        other = by_id.setdefault(path.stem, path)
        if other != path:
            raise CatalogError(
                f"{_display_path(other, root)}: {path.name} is the same entry "
                f"`{path.stem}` again; keep one of the two files"
            )
    return [by_id[key] for key in sorted(by_id)]


class DuplicateKeyError(yaml.YAMLError):
    """A key given twice in one mapping: YAML would keep the last one silently."""


# libyaml's parser when PyYAML was built with it: the pure-Python one took ~20 ms per entry,
# a third of a quiet night's `kotapintar run` on the bundled catalog.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_SafeLoader):
    """`yaml.SafeLoader` (libyaml's when available) that refuses a key repeated in one mapping
    (`dimension:` twice)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` merges may override keys
                continue
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
                seen.setdefault(key, line)
            except TypeError:  # an unhashable key: SafeLoader explains that itself
                continue
            if first is not None:
                raise DuplicateKeyError(
                    f"field `{key}` is given twice (lines {first} and {line}); YAML would keep "
                    "only the last one silently, delete one of them"
                )
        return super().construct_mapping(node, deep=deep)


def _display_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
