"""The JSON Schema of a catalog entry and the reference page: generated from the catalog model,
never stale, accepting every valid entry and refusing structural mistakes as the model does.

Some of the model's checks need more than the entry's shape (indicator codes that `parse`
yields, regular expressions that compile, known kode_wilayah): only the model makes those, so
an entry the schema accepts may still fail to load, never the other way round.
"""

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from test_catalog import ERRORS as ENTRY_ERRORS
from test_catalog import VALID
from test_catalog_quality import ERRORS as QUALITY_ERRORS

from pipelines.cli import main
from sources.catalog import CatalogError, parse_entry
from sources.catalog_schema import (
    COMMAND,
    REFERENCE_PATH,
    SCHEMA_COMMENT,
    SCHEMA_PATH,
    catalog_schema,
    generated,
    models,
    schema_comment,
    stale_files,
)
from sources.draft import draft_entry

ROOT = Path(__file__).resolve().parent.parent
FILE = "sources/catalog/dinkes_faskes.yaml"
ENTRY_FILES = sorted(ROOT.glob("sources/catalog/*.yaml")) + sorted(
    ROOT.glob("tests/agency_files/catalog/*.yaml")
)
VALIDATOR = Draft7Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_errors(data: dict) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '(entry)'}: {e.message}"
        for e in VALIDATOR.iter_errors(data)
    ]


def test_generated_files_are_up_to_date():
    stale = [str(p.relative_to(ROOT)) for p in stale_files()]
    assert not stale, f"{', '.join(stale)} differ from the catalog model: run `{COMMAND}`"


def test_generation_is_byte_stable():
    first, second = generated(), generated()
    assert first == second
    schema = first[SCHEMA_PATH]
    assert schema.endswith("}\n")
    again = json.dumps(json.loads(schema), indent=2, sort_keys=True, ensure_ascii=False)
    assert schema == again + "\n"


def test_the_schema_is_a_draft_07_schema_that_refuses_unknown_keys():
    schema = catalog_schema()
    Draft7Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    for name, definition in schema["definitions"].items():
        assert definition["additionalProperties"] is False, name
        assert definition["description"], f"{name} has no description (its docstring)"
    assert "catalog_file" not in schema["properties"]  # set by the loader, never written
    # Draft-07 ignores what stands beside a `$ref`: nothing does.
    assert '"$ref"' not in re.sub(r'\{"\$ref": "[^"]+"\}', "", json.dumps(schema))


@pytest.mark.parametrize("name", sorted(models()))
def test_every_field_has_a_description_and_a_row_in_the_reference(name):
    model = models()[name]
    schema = catalog_schema()
    definition = schema if name == "SourceEntry" else schema["definitions"][name]
    reference = REFERENCE_PATH.read_text(encoding="utf-8")
    for field in model.model_fields:
        if field == "catalog_file":
            continue
        assert definition["properties"][field].get("description"), f"{name}.{field}"
        assert re.search(rf"^\| `([\w.\[\]]+\.)?{field}` \|", reference, re.M), f"{name}.{field}"


def test_enums_list_the_allowed_values():
    schema = catalog_schema()
    assert schema["properties"]["kind"]["enum"] == [
        "xlsx", "csv", "ckan_datastore", "ckan_resource", "bps_webapi"
    ]  # fmt: skip
    assert "wide_by_region" in schema["definitions"]["ParseSpec"]["properties"]["layout"]["enum"]


@pytest.mark.parametrize("path", ENTRY_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_catalog_file_is_schema_valid_and_names_the_schema(path):
    text = path.read_text(encoding="utf-8")
    assert schema_errors(yaml.safe_load(text)) == []
    first = text.splitlines()[0]
    assert first == schema_comment(path)
    assert (path.parent / first.removeprefix(SCHEMA_COMMENT)).resolve() == SCHEMA_PATH


def test_the_valid_test_examples_are_schema_valid():
    assert schema_errors(VALID) == []
    ckan = {**copy.deepcopy(VALID), "kind": "ckan_resource", "dataset": "faskes"}
    assert schema_errors({**ckan, "resource_name": "Faskes 2023", "format": "csv"}) == []


def test_drafted_entries_are_schema_valid():
    files = sorted((ROOT / "tests/agency_files/files").glob("*.SAMPLE.*"))
    assert files
    for path in files:
        drafted = draft_entry(path, test_parse=False)
        assert schema_errors(yaml.safe_load(drafted.text)) == [], path.name


# A message of the model's that says the entry has the wrong shape: the schema refuses it too.
STRUCTURAL = re.compile(
    r"^field `[^`]+` (is not allowed|is missing|has .*(; allowed: |; it must match |: Input "
    r"should |: String should |: List should ))"
)


def _mutated_entry(mutate):
    data = copy.deepcopy(VALID)
    mutate(data)
    return data


def _mutated_quality(indicator, quality):
    data = copy.deepcopy(VALID)
    data["indicators"][0].update(indicator or {})
    if quality is not None:
        data["quality"] = quality
    return data


CASES = [(_mutated_entry(mutate), message) for mutate, message in ENTRY_ERRORS] + [
    (_mutated_quality(ind, quality), message) for ind, quality, message in QUALITY_ERRORS
]


@pytest.mark.parametrize(
    ("data", "message"),
    [c for c in CASES if STRUCTURAL.match(c[1])],
    ids=[m[:60] for _, m in CASES if STRUCTURAL.match(m)],
)
def test_the_schema_refuses_what_the_model_calls_a_wrong_shape(data, message):
    assert schema_errors(data), f"the schema accepts what the model refuses: {message}"


def _with(**changes):
    """VALID with `changes` at dotted paths; None deletes the key."""
    data = copy.deepcopy(VALID)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return data


# The rules between fields (sources/catalog_schema_rules.py), each broken once: the model and
# the schema both refuse the entry.
RULE_BREAKS = {
    "a misspelt field": _with(indicatorz=[]),
    "a misspelt nested field": _with(parse__regoin={}),
    "a wrong enum value": _with(schedule="kadang-kadang"),
    "a missing required field": _with(indicators__0__unit=None),
    "sample without SAMPLE": _with(title="Fasilitas kesehatan"),
    "ckan_datastore without resource_id": _with(kind="ckan_datastore"),
    "ckan_resource fields on another kind": _with(dataset="faskes"),
    "bps_webapi without bps": _with(kind="bps_webapi", location="https://webapi.bps.go.id/v1/api"),
    "bps on another kind": _with(bps={"domain": "3573", "variable": 1}),
    "xlsx without sheet or table": _with(parse__sheet=None),
    "long without values": _with(parse__values={}),
    "long without a fixed period": _with(parse__period={"year": 2023}),
    "indicators_as_rows without row_indicators": _with(
        parse__layout="indicators_as_rows", parse__values={}
    ),
    "wide without header_pattern": _with(parse__layout="wide", parse__indicator="PUSKESMAS"),
    "region column and code": _with(
        parse__region={"column": "K", "code": "35.73", "level": "kota"}
    ),
    "subheaders at kecamatan": _with(
        parse__region={"column": "Kecamatan", "level": "kecamatan", "subheaders": True}
    ),
    "covers without column": _with(
        parse__region={"code": "35.73", "level": "kota", "covers": "provinsi"}
    ),
    "period column and value": _with(parse__period={"column": "Tahun", "value": "2023"}),
    "mean without weighted_by": _with(indicators__0__aggregation="mean"),
    "weighted_by without mean": _with(indicators__0__weighted_by="PENDUDUK"),
    "expected_regions not a level": _with(indicators__0__expected_regions="provinsi"),
    "bps domain not four digits": _with(
        kind="bps_webapi", location="https://webapi.bps.go.id/v1/api",
        bps={"domain": "35", "variable": 1},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(RULE_BREAKS))
def test_a_broken_rule_is_refused_by_model_and_schema(case):
    data = RULE_BREAKS[case]
    with pytest.raises(CatalogError):
        parse_entry(copy.deepcopy(data), FILE)
    assert schema_errors(data), f"the schema accepts an entry with {case}"


def test_an_integer_bps_domain_is_valid_in_both():
    data = _with(
        kind="bps_webapi",
        location="https://webapi.bps.go.id/v1/api",
        bps={"domain": 3573, "variable": 413, "th": 123},
        parse__sheet=None,
    )
    parse_entry(copy.deepcopy(data), FILE)
    assert schema_errors(data) == []


def test_draft_names_the_schema_relative_to_the_file_it_writes(tmp_path, capsys):
    from openpyxl import Workbook

    book = Workbook()
    rows = [("Kecamatan", "Posyandu"), *[(n, 10) for n in ("Blimbing", "Klojen", "Sukun")]]
    for row in rows:
        book.active.append(row)
    path = tmp_path / "dinkes_posyandu.xlsx"
    book.save(path)
    out = ROOT / "sources" / "catalog" / "dinkes_posyandu.yaml"
    drafted = draft_entry(path, test_parse=False, entry_file=out)
    assert drafted.text.startswith("# yaml-language-server: $schema=../catalog.schema.json\n")
    written = tmp_path / "nested" / "x.yaml"
    written.parent.mkdir()
    assert main(["draft", str(path), "--out", str(written)]) == 0
    first = written.read_text(encoding="utf-8").splitlines()[0]
    assert (written.parent / first.removeprefix(SCHEMA_COMMENT)).resolve() == SCHEMA_PATH
    capsys.readouterr()
    assert main(["draft", str(path)]) == 0  # to stdout: relative to the repository
    assert capsys.readouterr().out.startswith(f"{SCHEMA_COMMENT}sources/catalog.schema.json\n")
