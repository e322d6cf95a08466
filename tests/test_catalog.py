"""Catalog entries fail fast, naming the file, the field, the value and what is allowed."""

import copy

import pytest
import yaml

from sources.catalog import CatalogError, load_catalog, parse_entry

FILE = "sources/catalog/dinkes_faskes.yaml"
VALID = {
    "id": "dinkes_faskes",
    "title": "SAMPLE Fasilitas kesehatan",
    "agency": {"code": "dinkes", "name": "Dinas Kesehatan"},
    "kind": "xlsx",
    "location": "sources/samples/x.xlsx",
    "sample": True,
    "dimension": "smart_living",
    "schedule": "tahunan",
    "parse": {
        "sheet": "Data",
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": {"Puskesmas": "PUSKESMAS"},
    },
    "indicators": [
        {
            "code": "PUSKESMAS",
            "name_id": "Jumlah puskesmas",
            "name_en": "Community health centres",
            "unit": "unit",
            "definition": "Puskesmas operating at year end.",
            "direction": "higher_is_better",
        }
    ],
}


def _set(path, value):
    def mutate(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        if value is KeyError:
            del data[last]
        else:
            data[last] = value

    return mutate


def _update(**fields):
    return lambda data: data.update(fields)


def _update_parse(**fields):
    return lambda data: data["parse"].update(fields)


ERRORS = [
    (
        _set(["dimensoin"], "smart_living"),
        "field `dimensoin` is not allowed (unknown key; check its spelling)",
    ),
    (
        _set(["dimension"], "smart_health"),
        "field `dimension` has 'smart_health'; allowed: 'smart_governance', 'smart_people', "
        "'smart_mobility', 'smart_economy', 'smart_environment' or 'smart_living'",
    ),
    (
        _set(["kind"], "pdf"),
        "field `kind` has 'pdf'; allowed: 'xlsx', 'csv', 'ckan_datastore', 'ckan_resource' or "
        "'bps_webapi'",
    ),
    (_set(["schedule"], KeyError), "field `schedule` is missing"),
    (
        _set(["parse", "regoin"], {}),
        "field `parse.regoin` is not allowed (unknown key; check its spelling)",
    ),
    (
        _set(["indicators", 0, "direction"], "up"),
        "field `indicators.0.direction` has 'up'; allowed: 'higher_is_better', "
        "'lower_is_better' or 'neutral'",
    ),
    (
        _set(["indicators", 0, "code"], "puskesmas"),
        "field `indicators.0.code` has 'puskesmas'; it must match ^[A-Z][A-Z0-9_]*$",
    ),
    (
        _set(["parse", "values"], {"Puskesmas": "OTHER"}),
        "`parse` yields ['OTHER'] but `indicators` does not declare them",
    ),
    (_set(["title"], "Faskes"), "a sample entry must say SAMPLE in its `title`"),
    (
        _set(["parse", "region", "code"], "35.73"),
        "field `parse.region`: give exactly one of `column` (a header) or `code` (a fixed region)",
    ),
    (
        _set(["parse", "sheet"], KeyError),
        "kind `xlsx` needs `parse.sheet` or `parse.sheet_pattern` (a workbook), or "
        "`parse.table` (an HTML table export)",
    ),
    # Acquisition fields (issue 3): portal resources, wide_by_region, total checks.
    (
        _update(kind="ckan_resource"),
        "kind `ckan_resource` needs `dataset` (the CKAN dataset id or name)",
    ),
    (
        _update(kind="ckan_resource", dataset="dinkes-faskes"),
        "kind `ckan_resource` needs `resource_id`, `resource_name` or `resource_format` to pick "
        "the resource",
    ),
    (
        _update(kind="ckan_resource", dataset="dinkes-faskes", resource_format="XLSX"),
        "kind `ckan_resource` needs `format` (xlsx or csv: how to read the downloaded file)",
    ),
    (
        _update(kind="ckan_resource", dataset="d", resource_name="Data", format="pdf"),
        "field `format` has 'pdf'; allowed: 'xlsx' or 'csv'",
    ),
    (_update(format="xlsx"), "`format` is only for kind `ckan_resource`"),
    (
        _set(["parse", "layout"], "wide_by_region"),
        "field `parse.region`: layout `wide_by_region` reads regions from the header: give "
        "`level` only",
    ),
    (
        _update_parse(layout="wide_by_region", region={"level": "kecamatan"}),
        "field `parse`: layout `wide_by_region` needs `indicator` (the code it yields)",
    ),
    (
        _set(["parse", "region"], {"level": "kecamatan"}),
        "field `parse.region`: give exactly one of `column` (a header) or `code` (a fixed region)",
    ),
    (
        _set(["parse", "total_check"], "maybe"),
        "field `parse.total_check` has 'maybe'; allowed: 'warn', 'fail' or 'off'",
    ),
    (
        _set(["parse", "total_tolerance"], 2),
        "field `parse.total_tolerance` has 2: Input should be less than 1",
    ),
    (
        _set(["parse", "drop_columns"], ["("]),
        "field `parse`: `(` is not a valid regular expression (missing ), unterminated "
        "subpattern at position 0)",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), ERRORS)
def test_bad_entry_names_file_field_and_allowed_values(mutate, message):
    data = copy.deepcopy(VALID)
    mutate(data)
    with pytest.raises(CatalogError) as caught:
        parse_entry(data, FILE)
    assert str(caught.value) == f"{FILE}: {message}"


def test_valid_entry_loads_with_defaults():
    entry = parse_entry(copy.deepcopy(VALID), FILE)
    assert entry.parse.header_row == 1
    assert entry.parse.dash == "null"
    assert entry.parse.encoding == "auto"
    assert entry.parse.total_check == "warn"
    assert entry.reads_as == "xlsx"


def test_ckan_resource_entry_reads_as_its_format():
    data = {**copy.deepcopy(VALID), "kind": "ckan_resource", "dataset": "faskes"}
    entry = parse_entry({**data, "resource_name": "Faskes 2023", "format": "csv"}, FILE)
    assert (entry.kind, entry.reads_as) == ("ckan_resource", "csv")
    assert entry.indicator_pillar(entry.indicators[0]) == "living"


def _write(directory, name, data):
    (directory / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def test_file_name_must_match_id(tmp_path):
    _write(tmp_path, "faskes", VALID)
    with pytest.raises(CatalogError, match=r"field `id` has 'dinkes_faskes' but the file is named"):
        load_catalog(tmp_path, root=tmp_path)


def test_indicator_code_yielded_twice_is_refused(tmp_path):
    _write(tmp_path, "dinkes_faskes", VALID)
    _write(tmp_path, "dinkes_lagi", {**VALID, "id": "dinkes_lagi"})
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path, root=tmp_path)
    assert str(caught.value) == (
        "dinkes_lagi.yaml: field `indicators`: code 'PUSKESMAS' is already yielded by "
        "dinkes_faskes.yaml; each indicator has one source, rename one of them"
    )


def test_invalid_yaml_names_the_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^broken.yaml: not valid YAML"):
        load_catalog(tmp_path, root=tmp_path)
