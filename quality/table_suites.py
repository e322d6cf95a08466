"""GX suites of the warehouse tables analysts and the portal read: the dimensions (dim_wilayah,
dim_indikator), the catalog (meta_sumber) and one table per smart-city dimension.

The tidy rows were validated per source before they loaded; these suites check what the build
made of them (joins that found their names, keys still unique, codes still known), so a bug in
the build cannot reach the analyst file.
"""

from __future__ import annotations

from collections.abc import Collection

from quality.rules import Rule
from sources.catalog import DIMENSIONS
from sources.tidy import KEY_COLUMNS, PERIODE_PATTERN, STATUSES

NOT_NULL = "expect_column_values_to_not_be_null"
UNIQUE = "expect_column_values_to_be_unique"
IN_SET = "expect_column_values_to_be_in_set"
REGEX = "expect_column_values_to_match_regex"
KODE_WILAYAH = r"^35\.73(\.\d{2}(\.\d{4})?)?$"
SCHEDULES = ["harian", "mingguan", "bulanan", "triwulanan", "semesteran", "tahunan"]
DIRECTIONS = ["higher_is_better", "lower_is_better", "neutral"]


def _not_null(*columns: str) -> list[Rule]:
    return [Rule("not_null", NOT_NULL, {"column": c}) for c in columns]


def dim_wilayah_rules() -> list[Rule]:
    return [
        *_not_null("kode_wilayah", "nama", "tingkat"),
        Rule("unique", UNIQUE, {"column": "kode_wilayah"}),
        Rule("kode_format", REGEX, {"column": "kode_wilayah", "regex": KODE_WILAYAH}),
        Rule(
            "in_set", IN_SET, {"column": "tingkat", "value_set": ["kota", "kecamatan", "kelurahan"]}
        ),
    ]


def dim_indikator_rules() -> list[Rule]:
    return [
        *_not_null("kode", "nama_id", "satuan", "dimensi", "sumber_id"),
        Rule("unique", UNIQUE, {"column": "kode"}),
        Rule("in_set", IN_SET, {"column": "dimensi", "value_set": list(DIMENSIONS)}),
        Rule("in_set", IN_SET, {"column": "jadwal", "value_set": SCHEDULES}),
        Rule("in_set", IN_SET, {"column": "arah", "value_set": DIRECTIONS}),
    ]


def meta_sumber_rules() -> list[Rule]:
    return [
        *_not_null("sumber_id", "judul", "produsen_kode"),
        Rule("unique", UNIQUE, {"column": "sumber_id"}),
        Rule("in_set", IN_SET, {"column": "jadwal", "value_set": SCHEDULES}),
    ]


def dimension_table_rules(
    known_regions: Collection[str], indicators: Collection[str]
) -> list[Rule]:
    """A smart_<dimension> table: the fact rows of one dimension with names joined in."""
    return [
        *_not_null(*KEY_COLUMNS, "status", "nama_indikator", "nama_wilayah", "sumber_id"),
        Rule("in_set", IN_SET, {"column": "indikator", "value_set": sorted(indicators)}),
        Rule("in_set", IN_SET, {"column": "kode_wilayah", "value_set": sorted(known_regions)}),
        Rule("periode_format", REGEX, {"column": "periode", "regex": PERIODE_PATTERN}),
        Rule("in_set", IN_SET, {"column": "status", "value_set": list(STATUSES)}),
        Rule(
            "key_unique",
            "expect_compound_columns_to_be_unique",
            {"column_list": list(KEY_COLUMNS), "ignore_row_if": "any_value_is_missing"},
        ),
    ]


def rules_for(table: str, *, known_regions: Collection[str], indicators: Collection[str]):
    """The rules of one published table, by name."""
    if table == "dim_wilayah":
        return dim_wilayah_rules()
    if table == "dim_indikator":
        return dim_indikator_rules()
    if table == "meta_sumber":
        return meta_sumber_rules()
    if table in DIMENSIONS:
        return dimension_table_rules(known_regions, indicators)
    raise ValueError(f"No suite for table `{table}`; known: dim_wilayah, dim_indikator, ...")
