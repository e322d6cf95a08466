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
    (_set(["kind"], "pdf"), "field `kind` has 'pdf'; allowed: 'xlsx', 'csv' or 'ckan_datastore'"),
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
        "kind `xlsx` needs `parse.sheet` or `parse.sheet_pattern`",
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
