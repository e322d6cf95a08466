"""Files as BPS, ministries and web apps publish them: each is read, or refused with the reason.

- HTML tables saved as .xls (a website's "download as Excel"): several tables, headers merged
  with rowspan/colspan, `parse.table` choosing the data table;
- legacy Excel 97-2003 workbooks (BIFF .xls), read by their bytes whatever their name says;
- xlsx written by SheetJS (dates as `t="d"`) and formulas saved without a value;
- number styles no cell decides ("1.234": 1234 or 1.234?), refused with the setting to declare.

The agency-shaped fixtures (tests/agency_files) hold the exact answer keys of whole files; these
tests pin the pieces and the messages.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from sources.catalog import SourceEntry, parse_entry
from sources.content import ContentError, check_content
from sources.errors import SourceError
from sources.formats import ENCRYPTED
from sources.grid import read_grid
from sources.html_tables import HtmlTableError, read_tables
from sources.parse import parse_landing
from sources.xlsx_cells import UnsavedFormula, fixed_cells, unsaved_formulas
from tests.agency_files.file_writers import biff_workbook, compound_file
from tests.test_agency_files import answer_key, differences

AGENCY = Path(__file__).parent / "agency_files"
FACTS = ["indikator", "kode_wilayah", "periode", "nilai", "status"]


def fixture_entry(fixture: str, **parse) -> SourceEntry:
    """The fixture's catalog entry with parse fields replaced (None removes one)."""
    data = yaml.safe_load((AGENCY / "catalog" / f"{fixture}.yaml").read_text("utf-8"))
    for key, value in parse.items():
        if value is None:
            data["parse"].pop(key, None)
        else:
            data["parse"][key] = value
    return parse_entry(data, f"tests/agency_files/catalog/{fixture}.yaml")


def parse_error(entry: SourceEntry, path: Path | None = None) -> SourceError:
    with pytest.raises(SourceError) as caught:
        parse_landing(entry, path or entry.local_path())
    return caught.value


def same_facts(entry: SourceEntry, path: Path, fixture: str) -> list[str]:
    return differences(parse_landing(entry, path).tidy[FACTS], answer_key(fixture))


# -- HTML tables ---------------------------------------------------------------------------------


def test_spans_become_merged_cells_and_closing_tags_may_be_left_out():
    [table] = read_tables(
        "<TABLE><tr><th ROWSPAN=2>Kecamatan<th colspan='3'>Penduduk"
        "<tr><th>L<th>P<th>Jumlah"
        "<tr><td>Sukun<td>1<td>2<td>3</TABLE>"
    )
    assert table.cells == [
        ["Kecamatan", "Penduduk", "", ""],
        ["", "L", "P", "Jumlah"],
        ["Sukun", "1", "2", "3"],
    ]
    assert table.merged == [(0, 0, 1, 0), (0, 1, 0, 3)]


def test_a_rowspan_past_the_table_or_of_zero_stops_at_the_last_row():
    [table] = read_tables(
        "<table><tr><td rowspan=0>A<td>1<tr><td>2<tr><td rowspan=9>3<td colspan=0>x</table>"
    )
    assert table.cells == [["A", "1", ""], ["", "2", ""], ["", "3", "x"]]
    assert table.merged == [(0, 0, 2, 0)]


def test_titles_scripts_nested_tables_and_excel_values():
    tables = read_tables(
        "<html><head><title>Portal</title>"
        "<script>var t = '<table><tr><td>1<td>2</table>';</script></head><body>"
        "<h3>Luas Wilayah menurut Kecamatan, 2023</h3>"
        "<table><tr><td>Kecamatan<td>Luas (km²)<tr><td>&nbsp;Sukun&nbsp;<td x:num='20.97'>"
        "20,97</table>"
        "<table><caption> Tabel 2 </caption><tr><td>a<td>1<tr><td>b<td>2</table>"
        "<table><tr><td>Jumlah Penduduk, 2024</td></tr></table>"
        "<table><tr><td>x<td><table><tr><td>inner<td>9</table></td><tr><td>y<td>8</table>"
    )
    assert [(t.number, t.title) for t in tables] == [
        (1, "Luas Wilayah menurut Kecamatan, 2023"),  # the heading above it
        (2, "Tabel 2"),  # its caption
        (3, ""),
        (4, "Jumlah Penduduk, 2024"),  # the title table above it
        (5, "Jumlah Penduduk, 2024 x y 8"),  # nested, counted in order: its table's text
    ]
    # A no-break space trims like any space at the ends; x:num is Excel's own value.
    assert tables[0].cells == [["Kecamatan", "Luas (km²)"], ["Sukun", 20.97]]
    assert tables[3].cells == [["x", ""], ["y", "8"]]
    assert tables[4].cells == [["inner", "9"]]
    assert [t.is_data for t in tables] == [True, True, False, False, False]


def test_a_login_form_laid_out_in_a_table_is_no_data_table():
    [form] = read_tables(
        "<form><table><tr><td>Username</td><td><input name=u></td></tr>"
        "<tr><td>Password</td><td><input type=password name=p></td></tr>"
        "<tr><td colspan=2><button>Masuk</button></td></tr></table></form>"
    )
    assert not form.is_data


@pytest.mark.parametrize(
    ("html", "message"),
    [
        (
            "<table><tr>" + "<td colspan=1000>x" * 17 + "</table>",
            "row 1 reaches past 16,384 columns (Excel's limit)",
        ),
        (
            "<table><tr><td colspan=1000>x" + "<tr>" * 5_000 + "</table>",
            "5,001 rows x 1,000 columns would exceed 5,000,000 cells",
        ),
    ],
)
def test_spans_cannot_blow_up_memory(html, message):
    with pytest.raises(HtmlTableError) as caught:
        read_tables(html)
    assert str(caught.value) == message


def test_the_bps_export_reads_by_table_number_as_by_title():
    entry = fixture_entry("bps_penduduk_html", table=2)
    path = entry.local_path()
    assert same_facts(entry, path, "bps_penduduk_html") == []
    grid = read_grid(entry, path)
    assert grid.locate(3, 1) == "tabel 2, baris 4, kolom 2"
    assert grid.title.startswith("Tabel 3.1.2 Jumlah Penduduk menurut Kecamatan")


TABLES = (
    "table 1 (3 rows x 1 columns, 'Tabel 3.1.2 Jumlah Penduduk menurut Kecamatan dan Jenis Kela'); "
    "table 2 (9 rows x 5 columns, 'Tabel 3.1.2 Jumlah Penduduk menurut Kecamatan dan Jenis Kela'); "
    "table 3 (2 rows x 1 columns, 'Sumber: Proyeksi Penduduk Interim 2020–2023 (angka contoh, S')"
)


@pytest.mark.parametrize(
    ("parse", "problem", "fix"),
    [
        (
            {"table": None, "sheet": "Tabel 3.1.2"},
            'the file is an HTML table export (a website\'s "download as Excel"), not a '
            "workbook with sheets, and `parse.table` does not say which table to read; it "
            f"holds: {TABLES}",
            "set `parse.table` in tests/agency_files/catalog/bps_penduduk_html.yaml (the data "
            "looks like table 2)",
        ),
        (
            {"table": 9},
            f"layout drift: no table `9` in the HTML file (found: {TABLES})",
            "update `parse.table` in tests/agency_files/catalog/bps_penduduk_html.yaml (the "
            "data looks like table 2)",
        ),
        (
            {"table": "Kepadatan Kelurahan"},
            f"layout drift: no table `Kepadatan Kelurahan` in the HTML file (found: {TABLES})",
            "update `parse.table` in tests/agency_files/catalog/bps_penduduk_html.yaml (the "
            "data looks like table 2)",
        ),
    ],
)
def test_a_table_the_entry_does_not_name_lists_the_tables(parse, problem, fix):
    error = parse_error(fixture_entry("bps_penduduk_html", **parse))
    assert (error.problem, error.fix) == (problem, fix)
    assert error.details["field"] == "parse.table"


def test_parse_table_on_a_workbook_asks_for_its_sheet():
    error = parse_error(fixture_entry("dinkes_nakes_xls", sheet=None, table=1))
    assert error.problem == (
        "`parse.table` is for an HTML table export, but the file is a workbook with sheets "
        "(Keterangan, Tabel 4.2)"
    )
    assert error.fix == (
        "set `parse.sheet` (or `parse.sheet_pattern`) in "
        "tests/agency_files/catalog/dinkes_nakes_xls.yaml"
    )


def test_the_year_of_month_words_comes_from_an_html_heading(tmp_path):
    page = tmp_path / "penumpang.xls"
    page.write_text(
        "<html><body><h4>Penumpang Bus Kota Tahun 2024 (SAMPLE)</h4>"
        "<table><tr><th>Bulan</th><th>Penumpang</th></tr>"
        "<tr><td>Januari</td><td>12.500</td></tr><tr><td>Pebruari</td><td>13.020</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    entry = fixture_entry("dishub_penumpang_sheetjs")
    data = entry.model_dump(exclude={"catalog_file"})
    data["parse"] = {
        "table": 1,
        "region": {"code": "35.73", "level": "kota"},
        "period": {"column": "Bulan", "year_from": "title"},
        "values": {"Penumpang": "PENUMPANG_ANGKOT"},
    }
    data["indicators"] = data["indicators"][:1]
    tidy = parse_landing(parse_entry(data, "penumpang.yaml"), page).tidy
    assert list(zip(tidy["periode"], tidy["nilai"], strict=True)) == [
        ("2024-01", 12500.0),
        ("2024-02", 13020.0),
    ]


# -- legacy .xls (BIFF8) -------------------------------------------------------------------------


def test_an_xls_is_read_by_its_bytes_whatever_its_name(tmp_path):
    # The landing folder keeps every workbook as <sha256>.xlsx: the name must not matter.
    entry = fixture_entry("dinkes_nakes_xls")
    landed = tmp_path / "0123abcd.xlsx"
    shutil.copyfile(entry.local_path(), landed)
    assert same_facts(entry, landed, "dinkes_nakes_xls") == []
    assert check_content(landed, "xlsx").format == "xls"


def test_an_encrypted_xls_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "terkunci.xls"
    path.write_bytes(biff_workbook([("Tabel 4.2", [["Kecamatan", "Dokter"]], [])], encrypted=True))
    with pytest.raises(ContentError) as caught:
        check_content(path, "xlsx")
    assert caught.value.problem == ENCRYPTED
    error = parse_error(fixture_entry("dinkes_nakes_xls"), path)
    assert (error.problem, error.outcome) == (ENCRYPTED, "rejected")
    assert error.fix.startswith("ask the agency for an unprotected copy")


def test_an_office_file_without_a_workbook_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "surat.xls"
    path.write_bytes(compound_file(b"Word" * 1500, name="WordDocument"))
    with pytest.raises(ContentError) as caught:
        check_content(path, "xlsx")
    assert caught.value.problem == (
        "the file is an old Office (OLE2) document but holds no Excel workbook (CalamineError: "
        "Cfb error: Cannot find Workbook stream)"
    )


# -- xlsx written by other programs --------------------------------------------------------------


def test_sheetjs_dates_are_read_as_dates():
    path = AGENCY / "files" / "dishub_penumpang_sheetjs.SAMPLE.xlsx"
    cells = fixed_cells(path, "Penumpang")
    assert cells == {(r, 0): dt.datetime(2024, r, 1) for r in range(1, 13)}


def test_formulas_without_a_saved_value_are_told_from_saved_ones():
    sheet = (
        b'<sheetData><row r="2">'
        b'<c r="A2"><f>SUM(B2:C2)</f></c>'  # no value at all
        b'<c r="B2" s="1"><f>B1*2</f><v /></c>'  # openpyxl: an empty <v />
        b'<c r="C2"><f>1+1</f><v></v></c>'  # an empty value for a number
        b'<c r="D2" t="str"><f>IF(A1="","",A1)</f><v></v></c>'  # a saved empty text
        b'<c r="E2"><f>2*3</f><v>6</v></c>'  # saved
        b'<c r="F2"><f t="shared" si="0"/><v>7</v></c>'  # shared formula, saved
        b'<c r="G2" t="str"><f>A1&amp;"x"</f></c>'  # text result, none saved
        b"</row></sheetData>"
    )
    assert unsaved_formulas(sheet) == {
        (1, 0): "=SUM(B2:C2)",
        (1, 1): "=B1*2",
        (1, 2): "=1+1",
        (1, 6): '=A1&"x"',
    }


def test_a_row_of_unsaved_formulas_calamine_drops_is_kept(tmp_path):
    path = tmp_path / "rumus.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Kecamatan", "Jumlah"])
    sheet.append(["Sukun", 5])
    sheet.append(["Jumlah", "=SUM(B2:B2)"])  # calamine reads no third row at all
    book.save(path)
    entry = fixture_entry("dinsos_kpm_formula", sheet="Data", header_row=1)
    grid = read_grid(entry, path)
    assert grid.cells[2] == ["Jumlah", UnsavedFormula("=SUM(B2:B2)")]
    assert isinstance(grid.cells[2][1], UnsavedFormula)
    assert grid.warnings == [
        "1 formula(s) without a saved value (Data!B3): the file was written by a program that "
        "does not compute formulas, so these cells have no value; open the file in Excel or "
        "LibreOffice and save it, or ask the agency for the values"
    ]


def test_a_formula_without_a_value_is_quarantined_with_the_reason():
    result = parse_landing(
        fixture_entry("dinsos_kpm_formula"), fixture_entry("dinsos_kpm_formula").local_path()
    )
    first = result.quarantined[0]
    assert (first.lokasi, first.aturan) == ("KPM!D4", "nilai_numeric")
    assert first.problem == (
        "a formula without a saved value (=B4+C4): the file was written by a program that does "
        "not compute formulas; open it in Excel or LibreOffice and save it, or ask the agency "
        "for the values"
    )
    assert result.warnings[0].startswith(
        "8 formula(s) without a saved value (KPM!D4, KPM!D5, KPM!D6, KPM!D7, KPM!D8 and 3 more)"
    )


# -- number styles no cell decides ---------------------------------------------------------------


def test_auto_refuses_a_column_whose_cells_decide_nothing():
    # The fixture declares its pupils column; without that, "15.234" would be a guess.
    error = parse_error(fixture_entry("disdikbud_murid_sd", column_decimal=None))
    assert error.problem == (
        "column 'Jumlah Murid SD': '21.787' at baris 5, kolom 2 reads as 21787 (Indonesian "
        "thousands dot) or 21.787 (decimal point), and no cell of the column tells which"
    )
    assert error.fix == (
        "declare the column's number style in tests/agency_files/catalog/disdikbud_murid_sd.yaml"
        ", e.g. `parse.column_decimal: {'Jumlah Murid SD': comma}` if it is written the "
        "Indonesian way (1.234,5) or `point` the English way (1,234.5); `kotapintar draft` "
        "shows each column's evidence"
    )


def csv_entry(tmp_path: Path, body: str, **parse) -> tuple[SourceEntry, Path]:
    path = tmp_path / "angka.csv"
    path.write_text("Kecamatan;Jumlah\n" + body, encoding="utf-8")
    entry = fixture_entry("dinkes_air_minum_layak")
    data = entry.model_dump(exclude={"catalog_file"}, exclude_unset=True)
    data["parse"] = {
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": {"Jumlah": "RUMAH_TANGGA"},
        **parse,
    }
    data["indicators"] = [i for i in data["indicators"] if i["code"] == "RUMAH_TANGGA"]
    return parse_entry(data, "angka.yaml"), path


def test_the_default_style_refuses_ambiguous_cells_a_decimal_point_contradicts(tmp_path):
    entry, path = csv_entry(tmp_path, "Sukun;1.234\nKlojen;527.10\n")
    assert parse_error(entry, path).problem == (
        "column 'Jumlah': '1.234' at baris 2, kolom 2 reads as 1234 (Indonesian thousands dot) "
        "or 1.234 (decimal point); the Indonesian default would take the first, but '527.10' "
        "at baris 3, kolom 2 reads only with a decimal point"
    )
    # Declared, the style reads what fits it and holds back what does not.
    declared, _ = csv_entry(tmp_path, "Sukun;1.234\nKlojen;527.10\n", decimal="comma")
    result = parse_landing(declared, path)
    assert list(result.tidy["nilai"]) == [1234.0]
    assert [q.lokasi for q in result.quarantined] == ["baris 3, kolom 2"]
    english, _ = csv_entry(tmp_path, "Sukun;1.234\nKlojen;527.10\n", decimal="point")
    assert list(parse_landing(english, path).tidy["nilai"]) == [1.234, 527.1]


def test_the_default_style_reads_cells_nothing_contradicts_the_indonesian_way(tmp_path):
    entry, path = csv_entry(tmp_path, "Sukun;1.234\nKlojen;21 575\nBlimbing;0,5\n")
    assert list(parse_landing(entry, path).tidy["nilai"]) == [1234.0, 21575.0, 0.5]
