"""Workbook reality: wide-by-region tables, merged body cells, total rows checked against their
parts, portal field types, and CSVs in the encodings agencies save them in."""

from __future__ import annotations

import json

import openpyxl
import pytest

from sources.catalog import parse_entry
from sources.errors import SourceError
from sources.parse import parse_landing, parse_source

INDICATOR = {"unit": "ha", "definition": "d", "direction": "neutral"}


def entry(parse, kind="xlsx", codes=("SAWAH",), **extra):
    return parse_entry(
        {
            **extra,
            "id": "uji",
            "title": "SAMPLE uji",
            "agency": {"code": "dkpp", "name": "DKPP Kota Malang"},
            "kind": kind,
            "location": "sources/samples/uji",
            "sample": True,
            "dimension": "smart_environment",
            "schedule": "tahunan",
            "parse": parse,
            "indicators": [{"code": c, "name_id": c, "name_en": c, **INDICATOR} for c in codes],
        },
        "sources/catalog/uji.yaml",
    )


def save(tmp_path, rows, merges=(), name="t.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in rows:
        ws.append(list(row))
    for cells in merges:
        ws.merge_cells(cells)
    path = tmp_path / name
    wb.save(path)
    return path


WIDE_BY_REGION = {
    "sheet": "Data",
    "header_row": 2,
    "header_depth": 2,
    "layout": "wide_by_region",
    "indicator": "SAWAH",
    "region": {"level": "kecamatan"},
    "period": {"column": "Tahun"},
}
WIDE_ROWS = [
    ("LUAS LAHAN SAWAH (ha), DATA CONTOH (SAMPLE)",),
    ("No.", "Tahun", "Kecamatan", None, None, "Jumlah"),
    (None, None, "Kedungkandang", "Kec. Sukun", "BLIMBING", None),
    (1, 2022, "1.010,5", 250, 100, "1.360,5"),
    (2, "2023*", 990, "-", 95, 1085),
]


def test_wide_by_region_reads_regions_from_the_header(tmp_path):
    path = save(tmp_path, WIDE_ROWS, merges=["A2:A3", "B2:B3", "C2:E2", "F2:F3"])
    parsed = parse_landing(entry(WIDE_BY_REGION), path)
    tidy = parsed.tidy
    assert parsed.warnings == []
    keys = zip(tidy["kode_wilayah"], tidy["periode"], tidy["nilai"].fillna(-1), strict=True)
    assert sorted(keys) == [
        ("35.73.01", "2022", 100.0),
        ("35.73.01", "2023", 95.0),
        ("35.73.03", "2022", 1010.5),
        ("35.73.03", "2023", 990.0),
        ("35.73.04", "2022", 250.0),
        ("35.73.04", "2023", -1.0),
    ]
    assert set(tidy.loc[tidy["periode"] == "2023", "status"]) == {"sementara"}
    assert tidy.loc[tidy["kode_wilayah"] == "35.73.03", "lokasi"].tolist() == ["Data!C4", "Data!C5"]


def test_wide_by_region_total_column_that_does_not_add_up_is_reported(tmp_path):
    rows = [*WIDE_ROWS[:4], (2, 2023, 990, 240, 95, 1400)]
    path = save(tmp_path, rows, merges=["C2:E2"])
    parsed = parse_landing(entry(WIDE_BY_REGION), path)
    assert parsed.warnings == [
        "1 total(s) do not equal the sum of their parts: Data!F5: total 1,400 but the 3 region "
        "cell(s) beside it sum to 1,325 (a shifted, missing or extra row?)"
    ]


def test_wide_by_region_unknown_region_header_is_drift(tmp_path):
    renamed = (None, None, "Kedungkandang", "Kec. Sukun", "Kota Batu")
    rows = [WIDE_ROWS[0], WIDE_ROWS[1], renamed, *WIDE_ROWS[3:]]
    path = save(tmp_path, rows, merges=["C2:E2"])
    with pytest.raises(SourceError) as caught:
        parse_source(entry(WIDE_BY_REGION), path)
    assert caught.value.problem.startswith(
        "layout drift: 1 header(s) of sheet `Data` are not regions: Data!E2: region "
        "'Kota Batu' is Kota Batu (BPS 3579), another region than Kota Malang (35.73, BPS 3573)"
    )


LONG = {
    "sheet": "Data",
    "region": {"column": "Kecamatan", "level": "kecamatan"},
    "period": {"column": "Tahun"},
    "values": {"Luas": "SAWAH"},
}


def test_merged_period_cells_in_the_body_are_filled_down(tmp_path):
    rows = [
        ("Tahun", "Kecamatan", "Luas"),
        (2022, "Sukun", 10),
        (None, "Klojen", 20),
        ("Jumlah", None, 30),
        (2023, "Sukun", 11),
        (None, "Klojen", 19),
        ("Jumlah", None, 30),
    ]
    path = save(tmp_path, rows, merges=["A2:A3", "A5:A6", "A4:B4", "A7:B7"])
    parsed = parse_landing(entry(LONG), path)
    assert parsed.warnings == []
    assert parsed.tidy[["kode_wilayah", "periode", "nilai"]].values.tolist() == [
        ["35.73.04", "2022", 10.0],
        ["35.73.02", "2022", 20.0],
        ["35.73.04", "2023", 11.0],
        ["35.73.02", "2023", 19.0],
    ]


TOTALS = [
    ("Kecamatan", "Luas"),
    ("Sukun", 10),
    ("Klojen", 20),
    ("Blimbing", 30),
    ("Jumlah", 70),  # a row went missing or was shifted: 10 + 20 + 30 = 60
]


@pytest.mark.parametrize(
    ("mode", "warnings"),
    [
        ("warn", ["1 total(s) do not equal the sum of their parts: Data!B5: total 70 but the 3 "
                  "value(s) (Data!B2 … Data!B4) sum to 60 (a shifted, missing or extra row?)"]),
        ("off", []),
    ],
)  # fmt: skip
def test_total_row_that_does_not_add_up(tmp_path, mode, warnings):
    spec = {**LONG, "period": {"value": "2023"}, "total_check": mode}
    parsed = parse_landing(entry(spec), save(tmp_path, TOTALS))
    assert parsed.warnings == warnings
    assert len(parsed.tidy) == 3  # the total row itself is never loaded


def test_total_row_mismatch_fails_when_the_catalog_says_so(tmp_path):
    spec = {**LONG, "period": {"value": "2023"}, "total_check": "fail"}
    with pytest.raises(SourceError) as caught:
        parse_source(entry(spec), save(tmp_path, TOTALS))
    assert caught.value.problem.startswith("1 total(s) do not equal the sum of their parts")
    assert "nothing was loaded" in caught.value.fix


def test_subtotals_and_grand_total_both_add_up(tmp_path):
    rows = [TOTALS[0], ("Sukun", 10), ("Jumlah", 10), ("Klojen", 20), ("Jumlah", 20)]
    rows.append(("Total", 30))
    parsed = parse_landing(entry({**LONG, "period": {"value": "2023"}}), save(tmp_path, rows))
    assert parsed.warnings == []


def test_grand_total_after_many_subtotals_is_exact_and_counts_every_part(tmp_path):
    # The parts so far are compacted into exact partial sums at each total (no quadratic
    # re-summing); 0.1 x 30 is not 3.0 in naive float addition but is in math.fsum.
    regions = ["Sukun", "Klojen", "Blimbing"]
    rows = [TOTALS[0]]
    for _ in range(10):
        rows += [(name, 0.1) for name in regions] + [("Jumlah", "0,3")]
    good = parse_landing(
        entry({**LONG, "period": {"value": "2023"}}),
        save(tmp_path, [*rows, ("Total", 3)], name="good.xlsx"),
    )
    assert good.warnings == []
    bad = parse_landing(
        entry({**LONG, "period": {"value": "2023"}}),
        save(tmp_path, [*rows, ("Total", 4)], name="bad.xlsx"),
    )
    assert bad.warnings == [
        "1 total(s) do not equal the sum of their parts: Data!B42: total 4 but the 30 "
        "value(s) (Data!B2 … Data!B40) sum to 3 (a shifted, missing or extra row?)"
    ]


def test_exempt_indicator_total_is_not_checked(tmp_path):
    spec = {**LONG, "period": {"value": "2023"}, "total_exempt": ["SAWAH"]}
    assert parse_landing(entry(spec), save(tmp_path, TOTALS)).warnings == []


def test_numeric_portal_fields_are_machine_numbers_and_codes_stay_text(tmp_path):
    path = tmp_path / "feed.json"
    fields = [
        {"id": "kode", "type": "numeric"},  # a portal that typed the BPS code as a number
        {"id": "periode", "type": "int"},
        {"id": "luas", "type": "numeric"},
        {"id": "catatan", "type": "text"},
    ]
    records = [
        {"kode": 3573010, "periode": 2023, "luas": "1234.5", "catatan": "1.234"},
        {"kode": "3573020", "periode": 2023, "luas": 12.25, "catatan": None},
    ]
    path.write_text(json.dumps({"fields": fields, "records": records}), encoding="utf-8")
    spec = {
        "region": {"column": "kode", "level": "kecamatan"},
        "period": {"column": "periode"},
        "values": {"luas": "SAWAH"},
    }
    tidy = parse_source(entry(spec, kind="ckan_datastore", resource_id="r-1"), path)
    # "1234.5" in a numeric field is 1234.5, not the Indonesian 12345.
    assert tidy["nilai"].tolist() == [1234.5, 12.25]
    # BPS codes (numbered their own way) resolve to the Kemendagri codes, as text.
    assert tidy["kode_wilayah"].tolist() == ["35.73.03", "35.73.04"]
    assert tidy["periode"].tolist() == ["2023", "2023"]
    assert str(tidy["kode_wilayah"].dtype) == "string"


def test_cp1252_semicolon_csv_is_read_without_declaring_either(tmp_path):
    path = tmp_path / "umkm.csv"
    text = "Kecamatan;Keterangan;Luas\nKec. Sukun;Jalan ‘Sawah’;1.234,5\nKlojen;–;2\n"
    path.write_bytes(text.encode("cp1252"))
    spec = {**LONG, "period": {"value": "2023"}}
    spec.pop("sheet")
    tidy = parse_source(entry(spec, kind="csv"), path)
    assert tidy["nilai"].tolist() == [1234.5, 2.0]
