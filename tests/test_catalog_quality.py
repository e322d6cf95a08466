"""Catalog quality fields (rules per indicator, the entry's `quality` block): each invalid value
fails at load time with its exact message; valid ones become the expected GX rules."""

import copy

import pytest
from test_catalog import VALID

from quality.catalog_rules import coverage_rules, expected_region_codes, indicator_rules
from sources.catalog import CatalogError, parse_entry

FILE = "sources/catalog/dinkes_faskes.yaml"


def _entry(indicator: dict | None = None, quality: dict | None = None):
    data = copy.deepcopy(VALID)
    data["indicators"][0].update(indicator or {})
    if quality is not None:
        data["quality"] = quality
    return parse_entry(data, FILE)


ERRORS = [
    (
        {"min_value": 100, "max_value": 0},
        None,
        "field `indicators.0`: `min_value` 100 is greater than `max_value` 0",
    ),
    (
        {"expected_regions": ["35.73.09", "35.73.01"]},
        None,
        "field `indicators.0`: `expected_regions` has unknown code(s) '35.73.09'; use "
        "kode_wilayah from sources/wilayah_kota_malang.csv or a level ('kota', 'kecamatan', "
        "'kelurahan')",
    ),
    (
        {"expected_regions": "provinsi"},
        None,
        "field `indicators.0`: `expected_regions` has 'provinsi'; allowed: a level ('kota', "
        "'kecamatan', 'kelurahan') or a list of kode_wilayah",
    ),
    (
        {"expected_regions": []},
        None,
        "field `indicators.0`: `expected_regions` is an empty list; give codes or a level",
    ),
    (
        {"expected_periods": ["2023/24"]},
        None,
        "field `indicators.0.expected_periods.0` has '2023/24'; it must match "
        r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$",
    ),
    (
        {"max_change_pct": 0},
        None,
        "field `indicators.0.max_change_pct` has 0: Input should be greater than 0",
    ),
    (
        {"allowed_values": []},
        None,
        "field `indicators.0.allowed_values` has []: List should have at least 1 item after "
        "validation, not 0",
    ),
    (
        None,
        {"max_quarantine_share": 1.5},
        "field `quality.max_quarantine_share` has 1.5: Input should be less than 1",
    ),
    (
        None,
        {"personal_data_allow": [{"column": "catatan", "reason": "ok"}]},
        "field `quality.personal_data_allow.0.reason` has 'ok': String should have at least "
        "10 characters",
    ),
    (
        None,
        {"personal_data_allow": [{"column": "catatan"}]},
        "field `quality.personal_data_allow.0.reason` is missing",
    ),
    (
        None,
        {"partial": True},
        "field `quality.partial` is not allowed (unknown key; check its spelling)",
    ),
]


@pytest.mark.parametrize(("indicator", "quality", "message"), ERRORS)
def test_invalid_quality_field_is_named(indicator, quality, message):
    with pytest.raises(CatalogError) as error:
        _entry(indicator, quality)
    assert str(error.value) == f"{FILE}: {message}"


def test_default_is_all_or_nothing_without_allow_list():
    entry = _entry()
    assert entry.quality.max_quarantine_share == 0
    assert entry.quality.personal_data_allow == []
    assert indicator_rules(entry) == [] and coverage_rules(entry) == []


def test_declared_rules_become_gx_rules():
    entry = _entry(
        {
            "min_value": 0,
            "max_value": 100,
            "allowed_values": [1, 2, 3],
            "max_change_pct": 25,
            "expected_regions": "kecamatan",
            "expected_periods": ["2022", "2023"],
        },
        {
            "max_quarantine_share": 0.05,
            "personal_data_allow": [
                {"column": "catatan", "reason": "nomor telepon kantor, bukan pribadi"}
            ],
        },
    )
    where = (("indikator", "PUSKESMAS"),)
    rules = {r.name: r for r in indicator_rules(entry)}
    assert rules["value_range"].expectation == "expect_column_values_to_be_between"
    assert dict(rules["value_range"].kwargs) == {
        "column": "nilai",
        "min_value": 0,
        "max_value": 100,
    }
    assert rules["value_allowed"].kwargs["value_set"] == [1.0, 2.0, 3.0]
    assert dict(rules["yoy_change"].kwargs) == {
        "column": "perubahan_yoy",
        "min_value": -0.25,
        "max_value": 0.25,
    }
    assert all(r.where == where and r.row_level for r in rules.values())
    coverage = coverage_rules(entry)
    assert [r.name for r in coverage] == ["regions_expected", "periods_expected"]
    assert not any(r.row_level for r in coverage)
    assert expected_region_codes(entry.indicators[0]) == [
        "35.73.01",
        "35.73.02",
        "35.73.03",
        "35.73.04",
        "35.73.05",
    ]
    assert entry.quality.personal_data_allow[0].column == "catatan"


def test_bundled_catalog_declares_rules_for_some_indicators():
    from sources.catalog import load_catalog

    declared = [
        i.code
        for e in load_catalog()
        for i in e.indicators
        if i.min_value is not None or i.max_change_pct is not None or i.expected_regions
    ]
    assert len(declared) >= 8
