"""The catalog model's rules between fields that a JSON Schema can state, as `if`/`then` parts.

The model enforces these in its validators (sources/catalog.py, sources/catalog_bps.py), with
the messages the loader prints; here they are restated so an editor flags them as the entry is
typed (which fields a `kind` or a `layout` needs or forbids). Rules that need more than the
shape of the entry (indicator codes yielded by `parse`, regular expressions that compile, known
kode_wilayah) stay in the model only. tests/test_catalog_schema.py holds each rule to the model:
an entry that breaks it is refused by both.
"""

from __future__ import annotations

from typing import Any

from sources.catalog import LEVELS

Schema = dict[str, Any]
# Each object's rules: (what the reference page says, the JSON Schema that checks it).
Rules = list[tuple[str, Schema]]

TEXT: Schema = {"type": "string", "minLength": 1}
NULL: Schema = {"type": "null"}


def _is(field: str, value: Any) -> Schema:
    return {"properties": {field: {"const": value}}, "required": [field]}


def _given(*fields: str) -> Schema:
    """All of `fields` are given (present and not null)."""
    return {"properties": {f: {"not": NULL} for f in fields}, "required": list(fields)}


def _one_of_given(*fields: str) -> Schema:
    return {"anyOf": [_given(f) for f in fields]}


def _absent(*fields: str) -> Schema:
    """None of `fields` is given (left out or null)."""
    return {"properties": dict.fromkeys(fields, NULL)}


CKAN_RESOURCE_ONLY = ("dataset", "resource_name", "resource_format", "format")
FIXED_PERIOD = {"properties": {"period": _one_of_given("column", "value")}, "required": ["period"]}
SHEET_OR_TABLE = {"properties": {"parse": _one_of_given("sheet", "sheet_pattern", "table")}}

ENTRY: Rules = [
    ("a sample entry says SAMPLE in its `title`",
     {"if": _is("sample", True), "then": {"properties": {"title": {"pattern": "SAMPLE"}}}}),
    ("kind `ckan_datastore` needs `resource_id`",
     {"if": _is("kind", "ckan_datastore"),
      "then": {"properties": {"resource_id": TEXT}, "required": ["resource_id"]}}),
    ("kind `ckan_resource` needs `dataset`, `format`, and `resource_id`, `resource_name` or "
     "`resource_format` to pick the resource",
     {"if": _is("kind", "ckan_resource"),
      "then": {"allOf": [
          {"properties": {"dataset": TEXT}, "required": ["dataset", "format"]},
          _given("format"),
          {"anyOf": [{"properties": {f: TEXT}, "required": [f]}
                     for f in ("resource_id", "resource_name", "resource_format")]},
      ]},
      "else": _absent(*CKAN_RESOURCE_ONLY)}),
    ("kind `bps_webapi` needs `bps` and a URL `location`, and reads layout `long`; other kinds "
     "take no `bps`",
     {"if": _is("kind", "bps_webapi"),
      "then": {"allOf": [
          _given("bps"),
          {"properties": {"location": {"pattern": "^https?://"},
                          "parse": {"properties": {"layout": {"const": "long"}}}}},
      ]},
      "else": _absent("bps")}),
    ("kind `xlsx` (and `ckan_resource` with `format: xlsx`) needs `parse.sheet`, "
     "`parse.sheet_pattern` or `parse.table`",
     {"if": {"anyOf": [_is("kind", "xlsx"),
                       {"allOf": [_is("kind", "ckan_resource"), _is("format", "xlsx")]}]},
      "then": SHEET_OR_TABLE}),
]  # fmt: skip

PARSE: Rules = [
    ("layout `long` (the default) needs `values` and a `period` with `column` or `value`",
     {"if": {"properties": {"layout": {"const": "long"}}},
      "then": {"allOf": [{"properties": {"values": {"minProperties": 1}},
                          "required": ["values"]}, FIXED_PERIOD]}}),
    ("layout `wide_by_region` needs `indicator` and a `period` with `column` or `value`; its "
     "`region` gives `level` only",
     {"if": _is("layout", "wide_by_region"),
      "then": {"allOf": [_given("indicator"), FIXED_PERIOD,
                         {"properties": {"region": _absent("column", "code")}}]},
      "else": {"properties": {"region": _one_of_given("column", "code")}}}),
    ("layout `indicators_as_rows` needs `row_indicators`",
     {"if": _is("layout", "indicators_as_rows"),
      "then": {"properties": {"row_indicators": {"minProperties": 1}},
               "required": ["row_indicators"]}}),
    ("layout `wide` needs `header_pattern`",
     {"if": _is("layout", "wide"), "then": _given("header_pattern")}),
]  # fmt: skip

REGION: Rules = [
    ("`column` or `code`, not both",
     {"not": _given("column", "code")}),
    ("`subheaders` needs `level: kelurahan` and a `column`",
     {"if": _is("subheaders", True),
      "then": {"allOf": [_is("level", "kelurahan"), _given("column")]}}),
    ("`covers` needs a `column` (and no `subheaders`)",
     {"if": _given("covers"),
      "then": {"allOf": [_given("column"),
                         {"properties": {"subheaders": {"const": False}}}]}}),
]  # fmt: skip

PERIOD: Rules = [
    ("`column` or `value`, not both", {"not": _given("column", "value")}),
]

INDICATOR: Rules = [
    ("`aggregation: mean` needs `weighted_by`, and `weighted_by` is only for it",
     {"if": _is("aggregation", "mean"), "then": _given("weighted_by"),
      "else": _absent("weighted_by")}),
    ("`expected_regions` is a level (`kota`, `kecamatan`, `kelurahan`) or a list of kode_wilayah",
     {"properties": {"expected_regions": {"anyOf": [
         {"enum": list(LEVELS)}, {"type": "array"}, NULL]}}}),
]  # fmt: skip

# `definitions` name (the model's class) -> its rules; "" is the entry itself.
RULES: dict[str, Rules] = {
    "": ENTRY,
    "ParseSpec": PARSE,
    "RegionSpec": REGION,
    "PeriodSpec": PERIOD,
    "Indicator": INDICATOR,
}


def add_rules(schema: Schema) -> Schema:
    """`schema` (the entry's, with `definitions`) with each object's rules under `allOf`."""
    for name, rules in RULES.items():
        target = schema["definitions"][name] if name else schema
        target["allOf"] = [*target.get("allOf", []), *(rule for _, rule in rules)]
    return schema
