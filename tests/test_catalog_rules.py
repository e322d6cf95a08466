"""Catalog rules on tidy rows: year-over-year change (within the file and against the rows loaded
before, per month, quarter or semester), coverage of expected regions and periods."""

import math

import pytest

from quality.catalog_rules import coverage_frame, derive_columns
from quality.gate import check_source
from sources.catalog import parse_entry
from sources.tidy import tidy_frame
from sources.wilayah import known_codes


def entry(**rules):
    return parse_entry(
        {
            "id": "uji",
            "title": "SAMPLE uji",
            "sample": True,
            "agency": {"code": "dinkes", "name": "Dinkes"},
            "kind": "csv",
            "location": "x.csv",
            "dimension": "smart_living",
            "schedule": "triwulanan",
            "parse": {
                "region": {"column": "Kec", "level": "kecamatan"},
                "period": {"column": "Periode"},
                "values": {"A": "UJI"},
            },
            "indicators": [
                {
                    "code": "UJI",
                    "name_id": "u",
                    "name_en": "u",
                    "unit": "unit",
                    "definition": "d",
                    "direction": "neutral",
                    **rules,
                }
            ],
        },
        "uji.yaml",
    )


def rows(*values: tuple[str, str, float | None]):
    return tidy_frame(
        [
            {
                "sumber_id": "uji",
                "indikator": "UJI",
                "kode_wilayah": kode,
                "periode": periode,
                "nilai": nilai,
                "status": "final",
                "catatan": None,
                "lokasi": f"baris {n}, kolom 3",
            }
            for n, (kode, periode, nilai) in enumerate(values, start=2)
        ]
    )


def test_change_is_against_the_same_quarter_a_year_earlier():
    df = rows(
        ("35.73.01", "2023-Q1", 100.0),
        ("35.73.01", "2023-Q2", 400.0),
        ("35.73.01", "2024-Q1", 150.0),
        ("35.73.02", "2024-Q1", 10.0),
        ("35.73.01", "2024-Q2", None),
    )
    out = derive_columns(df, entry(max_change_pct=40))
    assert out["perubahan_yoy"].round(3).tolist()[:3] == [
        pytest.approx(math.nan, nan_ok=True)
    ] * 2 + [0.5]
    assert math.isnan(out["perubahan_yoy"][3]) and math.isnan(out["perubahan_yoy"][4])


def test_change_uses_the_rows_loaded_before_when_the_file_has_only_the_new_year():
    history = rows(("35.73.01", "2023-Q1", 100.0))
    new = rows(("35.73.01", "2024-Q1", 300.0))
    gate = check_source(entry(max_change_pct=40), new, known_regions=known_codes(), history=history)
    [failure] = gate.report.failures
    assert failure.rule == "yoy_change" and gate.held_back.tolist() == [0]
    assert failure.message == (
        "nilai: 1 row of UJI changed more than 40 % from a year earlier: "
        "2024-Q1 35.73.01 100.0 -> 300.0 (+200%, baris 2, kolom 3)."
    )
    assert gate.findings["nilai"].tolist() == ["100 → 300 (200 %)"]
    assert gate.findings["diharapkan"].tolist() == ["berubah paling banyak 40 % per tahun"]


def test_coverage_lists_missing_regions_and_periods():
    df = rows(*[(f"35.73.0{i}", "2023-Q1", 1.0) for i in range(1, 5)])
    frame = coverage_frame(
        df, entry(expected_regions="kecamatan", expected_periods=["2023-Q1", "2023-Q2"])
    )
    missing = frame[~frame["ada"]]
    assert missing[["aturan", "periode", "kode_wilayah"]].fillna("").values.tolist() == [
        ["regions_expected", "2023-Q1", "35.73.05"],
        ["periods_expected", "2023-Q2", ""],
        *[["regions_expected", "2023-Q2", f"35.73.0{i}"] for i in range(1, 6)],
    ]
    gate = check_source(
        entry(expected_regions="kecamatan", expected_periods=["2023-Q1", "2023-Q2"]),
        df,
        known_regions=known_codes(),
    )
    assert not gate.passed and gate.held_back.size == 0
    assert sorted(gate.table_level) == ["periods_expected", "regions_expected"]
    assert not gate.may_load_partially(0.5), "a missing row cannot be quarantined"
    messages = [f.message for f in gate.coverage.failures]
    assert messages[0] == (
        "kode_wilayah: 6 expected regions are missing: UJI 2023-Q1 35.73.05, UJI 2023-Q2 "
        "35.73.01, UJI 2023-Q2 35.73.02, UJI 2023-Q2 35.73.03, UJI 2023-Q2 35.73.04 and 1 more; "
        "the catalog declares them in `expected_regions`."
    )


def test_range_and_allowed_values_only_apply_to_their_indicator():
    df = rows(("35.73.01", "2023-Q1", 150.0), ("35.73.02", "2023-Q1", 3.0))
    gate = check_source(
        entry(max_value=100, allowed_values=[1, 2, 3]), df, known_regions=known_codes()
    )
    failures = {f.rule: f for f in gate.report.failures}
    assert set(failures) == {"value_range", "value_allowed"}
    assert failures["value_range"].message == (
        "nilai: 1 row of UJI out of range: 150.0 (baris 2, kolom 3); the catalog expects <= 100.0."
    )
    assert gate.findings["pesan"].tolist()[0] == (
        "Nilai di luar rentang wajar: 150; seharusnya paling banyak 100 unit."
    )
    assert gate.may_load_partially(0.5) and gate.kept(df)["nilai"].tolist() == [3.0]
