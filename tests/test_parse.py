"""Parsers: agency-shaped workbooks and CSV files to tidy rows, and their error messages."""

import openpyxl
import pandas as pd
import pytest

from sources.catalog import parse_entry
from sources.errors import SourceError
from sources.parse import parse_landing, parse_source

INDICATOR = {"unit": "jiwa", "definition": "d", "direction": "neutral"}


def entry(parse, kind="xlsx", codes=("L", "P")):
    return parse_entry(
        {
            "id": "uji",
            "title": "SAMPLE uji",
            "agency": {"code": "bps", "name": "BPS Kota Malang"},
            "kind": kind,
            "location": "sources/samples/uji",
            "sample": True,
            "dimension": "smart_people",
            "schedule": "tahunan",
            "parse": parse,
            "indicators": [{"code": c, "name_id": c, "name_en": c, **INDICATOR} for c in codes],
        },
        "sources/catalog/uji.yaml",
    )


@pytest.fixture
def agency_workbook(tmp_path):
    """Title rows, a two-row merged header, a total row, a footnote, a non-data sheet first."""
    wb = openpyxl.Workbook()
    wb.active.title = "Keterangan"
    wb.active["A1"] = "Metadata, bukan data"
    ws = wb.create_sheet("Tabel 3.1")
    ws["A1"] = "DATA CONTOH (SAMPLE) Penduduk menurut Kecamatan dan Jenis Kelamin"
    ws["A2"] = "Kota Malang, 2023"
    ws["A4"], ws["B4"], ws["C4"] = "No.", "Kecamatan", "Jenis Kelamin"
    ws.merge_cells("A4:A5")
    ws.merge_cells("B4:B5")
    ws.merge_cells("C4:D4")
    ws["C5"], ws["D5"] = "Laki-laki", "Perempuan"
    rows = [
        (1, "Kec. Kedung Kandang", 104000, "103.500"),
        (2, "SUKUN", "100.250,5", "-"),
        (3, "Klojen", "…", 50000),
        (None, "Jumlah", 204250.5, 153500),
        ("Sumber: Dispendukcapil Kota Malang (data contoh)", None, None, None),
    ]
    for i, row in enumerate(rows, start=6):
        for j, value in enumerate(row):
            ws.cell(row=i, column=j + 1, value=value)
    path = tmp_path / "penduduk.xlsx"
    wb.save(path)
    return path


LONG = {
    "sheet": "Tabel 3.1",
    "header_row": 4,
    "header_depth": 2,
    "region": {"column": "Kecamatan", "level": "kecamatan"},
    "period": {"value": "2023"},
    "values": {"Jenis Kelamin / Laki-laki": "L", "Jenis Kelamin / Perempuan": "P"},
}


def test_agency_workbook_becomes_tidy_rows(agency_workbook):
    tidy = parse_source(entry(LONG), agency_workbook)
    assert len(tidy) == 6  # 3 kecamatan x 2 indicators; total and footnote dropped
    first = tidy.iloc[0].to_dict()
    assert pd.isna(first.pop("catatan"))
    assert first == {
        "sumber_id": "uji",
        "indikator": "L",
        "kode_wilayah": "35.73.03",
        "periode": "2023",
        "nilai": 104000.0,
        "status": "final",
        "lokasi": "Tabel 3.1!C6",
    }
    by_cell = tidy.set_index("lokasi")
    assert by_cell.loc["Tabel 3.1!D6", "nilai"] == 103500.0
    assert by_cell.loc["Tabel 3.1!C7", "nilai"] == 100250.5
    assert by_cell.loc["Tabel 3.1!D7", "catatan"] == "tidak ada data (-)"
    assert by_cell.loc["Tabel 3.1!C8", "catatan"] == "tidak tersedia (…)"
    assert str(tidy["kode_wilayah"].dtype) == "string"


def test_wide_by_period_with_provisional_year(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Kelurahan", 2021, 2022, "2023*"])
    ws.append(["Blimbing", 10, 11, 12])
    ws.append(["Kel. Sukun", 20, 21, "22*"])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    spec = {
        "sheet": "Data",
        "layout": "wide_by_period",
        "indicator": "L",
        "region": {"column": "Kelurahan", "level": "kelurahan"},
    }
    tidy = parse_source(entry(spec, codes=("L",)), path)
    assert sorted(tidy["periode"].unique()) == ["2021", "2022", "2023"]
    blimbing_2023 = tidy[(tidy["kode_wilayah"] == "35.73.01.1005") & (tidy["periode"] == "2023")]
    assert blimbing_2023["status"].tolist() == ["sementara"]
    assert tidy[tidy["periode"] == "2021"]["status"].unique().tolist() == ["final"]


def test_csv_with_semicolons_and_period_column(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        "DATA CONTOH (SAMPLE)\nKecamatan;Tahun;Laki;Perempuan\n"
        "KEDUNGKANDANG;2022;1.234;2,5\nLowokwaru;2023*;10;20\nTotal;;1.244;22,5\n",
        encoding="utf-8",
    )
    spec = {
        "delimiter": ";",
        "header_row": 2,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"column": "Tahun"},
        "values": {"Laki": "L", "Perempuan": "P"},
    }
    tidy = parse_source(entry(spec, kind="csv"), path)
    assert tidy["nilai"].tolist() == [1234.0, 2.5, 10.0, 20.0]
    assert tidy["status"].tolist() == ["final", "final", "sementara", "sementara"]
    assert tidy["lokasi"].tolist()[0] == "baris 3, kolom 3"


def test_an_indicator_declared_an_estimate_gets_status_perkiraan(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        "Kecamatan;Tahun;Laki;Perempuan\nKedungkandang;2022;1.234;2,5\nLowokwaru;2023*;10;20\n",
        encoding="utf-8",
    )
    spec = {
        "delimiter": ";",
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"column": "Tahun"},
        "values": {"Laki": "L", "Perempuan": "P"},
    }
    source = entry(spec, kind="csv")
    estimate = source.indicators[1].model_copy(update={"estimate": True})
    source = source.model_copy(update={"indicators": [source.indicators[0], estimate]})
    tidy = parse_source(source, path)
    assert list(zip(tidy["indikator"], tidy["status"], strict=True)) == [
        ("L", "final"),
        ("P", "perkiraan"),
        ("L", "sementara"),
        ("P", "perkiraan"),  # an estimate stays an estimate, provisional or not
    ]


def test_renamed_column_fails_with_expected_and_found(agency_workbook):
    spec = {**LONG, "values": {"Jenis Kelamin / Pria": "L", "Jenis Kelamin / Perempuan": "P"}}
    with pytest.raises(SourceError) as caught:
        parse_source(entry(spec), agency_workbook)
    assert str(caught.value) == (
        "Source `uji` (sources/samples/uji): layout drift: column 'Jenis Kelamin / Pria' not "
        "found in the header of sheet `Tabel 3.1` (row 4-5; workbook sheets: Keterangan, "
        "Tabel 3.1); found: Tabel 3.1!A4 'No.', Tabel 3.1!B4 'Kecamatan', Tabel 3.1!C4 "
        "'Jenis Kelamin / Laki-laki', Tabel 3.1!D4 'Jenis Kelamin / Perempuan'. Fix: update "
        "`parse.values.Jenis Kelamin / Pria` (or `parse.header_row`) in sources/catalog/uji.yaml"
    )
    assert caught.value.details["expected"] == [
        {"header": "Jenis Kelamin / Pria", "field": "parse.values.Jenis Kelamin / Pria"}
    ]


def test_renamed_sheet_lists_the_sheets_found(agency_workbook):
    with pytest.raises(SourceError, match=r"no sheet `Tabel 4.1` \(found: Keterangan, Tabel 3.1\)"):
        parse_source(entry({**LONG, "sheet": "Tabel 4.1"}), agency_workbook)


def test_unknown_region_names_the_cell_and_closest_names(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Kecamatan", "Laki", "Perempuan"])
    ws.append(["Kedung Kandung", 1, 2])
    path = tmp_path / "typo.xlsx"
    wb.save(path)
    spec = {
        "sheet": "Data",
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": {"Laki": "L", "Perempuan": "P"},
    }
    parsed = parse_landing(entry(spec), path)
    assert parsed.tidy.empty
    [cell] = parsed.quarantined  # the row is held back, the source is not failed here
    assert (cell.lokasi, cell.aturan, cell.nilai, cell.values) == (
        "Data!A2",
        "kode_wilayah_known",
        "Kedung Kandung",
        2,
    )
    assert cell.problem.startswith("region 'Kedung Kandung' is not a known kecamatan of Kota ")
    assert "(closest known: Kedungkandang)" in cell.problem
    assert cell.detail == (
        "nama wilayah 'Kedung Kandung' tidak dikenal sebagai kecamatan Kota Malang "
        "(yang mirip: Kedungkandang)"
    )


def test_truncated_workbook_is_a_clear_error(agency_workbook):
    data = agency_workbook.read_bytes()
    agency_workbook.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError) as caught:
        parse_source(entry(LONG), agency_workbook)
    message = str(caught.value)
    assert message.startswith("Source `uji` (sources/samples/uji): the workbook cannot be opened")
    assert "download or export it again" in message
