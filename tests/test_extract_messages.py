"""Messages that blame the right party: what the catalog cannot express fails the source with the
catalog field to add; what the agency wrote wrong quarantines its row, in Indonesian for them."""

from __future__ import annotations

import openpyxl
import pytest

from sources.catalog import parse_entry
from sources.errors import SourceError
from sources.parse import parse_landing

INDICATOR = {"unit": "orang", "definition": "uji", "direction": "neutral"}


def entry(parse: dict, codes=("PENUMPANG",)):
    return parse_entry(
        {
            "id": "uji",
            "title": "SAMPLE uji",
            "agency": {"code": "dishub", "name": "Dishub Kota Malang"},
            "kind": "xlsx",
            "location": "tests/uji.xlsx",
            "sample": True,
            "dimension": "smart_mobility",
            "schedule": "bulanan",
            "parse": {"sheet": "Data", **parse},
            "indicators": [{"code": c, "name_id": c, "name_en": c, **INDICATOR} for c in codes],
        },
        "sources/catalog/uji.yaml",
    )


def save(tmp_path, rows, sheet="Data"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    path = tmp_path / "uji.xlsx"
    wb.save(path)
    return path


MONTHS = [("Bulan", "Penumpang"), ("Januari", 120), ("Agt*", 131)]
CITY = {"code": "35.73", "level": "kota"}


def test_month_words_without_a_year_rule_point_at_the_catalog(tmp_path):
    path = save(tmp_path, MONTHS)
    spec = {"region": CITY, "period": {"column": "Bulan"}, "values": {"Penumpang": "PENUMPANG"}}
    with pytest.raises(SourceError) as caught:
        parse_landing(entry(spec), path)
    assert str(caught.value) == (
        "Source `uji` (tests/uji.xlsx): the catalog entry cannot describe this file: Data!A2: "
        "period 'Januari' has no year; set `parse.period.year`, `parse.period.year_column` or "
        "`parse.period.year_from`; Data!A3: period 'Agt*' has no year; set `parse.period.year`, "
        "`parse.period.year_column` or `parse.period.year_from`. Fix: edit "
        "sources/catalog/uji.yaml as said (the agency file is not at fault); `kotapintar "
        "preview` shows the result without loading"
    )


@pytest.mark.parametrize(
    ("period", "title"),
    [({"column": "Bulan", "year": 2024}, None), ({"column": "Bulan", "year_from": "title"}, 1)],
)
def test_month_words_take_the_declared_year(tmp_path, period, title):
    rows = ([("Penumpang Bus Kota Tahun 2024 (SAMPLE)",)] if title else []) + MONTHS
    path = save(tmp_path, rows)
    spec = {"region": CITY, "period": period, "values": {"Penumpang": "PENUMPANG"}}
    spec["header_row"] = 2 if title else 1
    tidy = parse_landing(entry(spec), path).tidy
    assert list(zip(tidy["periode"], tidy["nilai"], tidy["status"], strict=True)) == [
        ("2024-01", 120.0, "final"),
        ("2024-08", 131.0, "sementara"),
    ]


def test_two_header_groups_read_as_one_point_at_the_header_depth(tmp_path):
    rows = [
        (None, "Volume", None, "Pelanggan", None),
        ("Kecamatan", 2023, 2024, 2023, 2024),
        ("Klojen", 10, 11, 5, 6),
    ]
    path = save(tmp_path, rows)
    spec = {
        "layout": "wide",
        "header_row": 2,
        "header_pattern": r"^(?P<year>\d{4})$",
        "indicator": "PENUMPANG",
        "region": {"column": "Kecamatan", "level": "kecamatan"},
    }
    with pytest.raises(SourceError) as caught:
        parse_landing(entry(spec), path)
    message = str(caught.value)
    assert "Data!B3 and Data!D3 both give indicator PENUMPANG, region 35.73.02, period 2023" in (
        message
    )
    assert "declare `parse.header_depth` to include the group row" in message


def test_a_bare_roman_numeral_asks_for_the_period_kind(tmp_path):
    path = save(tmp_path, [("Triwulan", "Penumpang"), ("III", 10)])
    spec = {
        "region": CITY,
        "period": {"column": "Triwulan", "year": 2024},
        "values": {"Penumpang": "PENUMPANG"},
    }
    with pytest.raises(SourceError, match=r"Data!A2: period 'III' is a bare number; set "):
        parse_landing(entry(spec), path)
    spec["period"]["kind"] = "quarter"
    tidy = parse_landing(entry(spec), path).tidy
    assert tidy["periode"].tolist() == ["2024-Q3"]


def test_an_agency_typo_quarantines_its_row_in_indonesian(tmp_path):
    rows = [("Kecamatan", "Penumpang"), ("Klojen", "12,5,3"), ("Sukun", 7), ("Lowokwaru", "1.2x")]
    path = save(tmp_path, rows)
    spec = {
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2024"},
        "values": {"Penumpang": "PENUMPANG"},
    }
    parsed = parse_landing(entry(spec), path)
    assert parsed.tidy["kode_wilayah"].tolist() == ["35.73.04"]
    assert [(q.lokasi, q.aturan, q.nilai, q.detail) for q in parsed.quarantined] == [
        ("Data!B2", "nilai_numeric", "12,5,3", "angka '12,5,3' tidak terbaca"),
        ("Data!B4", "nilai_numeric", "1.2x", "angka '1.2x' tidak terbaca"),
    ]


def test_the_sheet_is_found_whatever_its_case_and_spaces_and_the_notes_say_which(tmp_path):
    path = save(tmp_path, [("Kecamatan", "Penumpang"), ("Klojen", 3)], sheet=" DATA ")
    spec = {
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2024"},
        "values": {"Penumpang": "PENUMPANG"},
    }
    parsed = parse_landing(entry(spec), path)
    assert len(parsed.tidy) == 1
    assert parsed.notes == ["sheet ' DATA ' taken for `parse.sheet: Data`"]
