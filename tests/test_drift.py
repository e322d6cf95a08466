"""Layout contracts: a bundled workbook edited the way agencies edit them yields a drift report
naming the sheet, the expected header, the headers found with their cells and the file to edit."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from sources.catalog import load_catalog
from sources.errors import SourceError
from sources.parse import parse_source

ENTRY = next(e for e in load_catalog() if e.id == "dinkes_faskes")
SHEET = "Faskes 2023"


@pytest.fixture
def workbook(tmp_path):
    """A copy of the bundled dinkes_faskes workbook and a function to edit and save it."""
    path = tmp_path / "dinkes_faskes.xlsx"
    shutil.copy(ENTRY.local_path(), path)

    def edit(change):
        wb = openpyxl.load_workbook(path)
        change(wb)
        wb.save(path)
        return path

    return edit


def drift(path) -> SourceError:
    with pytest.raises(SourceError) as caught:
        parse_source(ENTRY, path)
    return caught.value


def test_renamed_header_cell_yields_the_drift_report(workbook):
    def rename(wb):
        wb[SHEET]["E3"] = "Jumlah Puskesmas"

    error = drift(workbook(rename))
    assert str(error) == (
        "Source `dinkes_faskes` (sources/samples/dinkes_faskes.SAMPLE.xlsx): layout drift: "
        "column 'Puskesmas' not found in the header of sheet `Faskes 2023` (row 3-4; workbook "
        "sheets: Faskes 2023); found: Faskes 2023!A3 'No.', Faskes 2023!B3 'Kecamatan', "
        "Faskes 2023!C3 'Rumah Sakit / Umum', Faskes 2023!D3 'Rumah Sakit / Khusus', "
        "Faskes 2023!E3 'Jumlah Puskesmas', Faskes 2023!F3 'Puskesmas Pembantu', "
        "Faskes 2023!G3 'Posyandu'. Fix: update `parse.values.Puskesmas` (or "
        "`parse.header_row`) in sources/catalog/dinkes_faskes.yaml"
    )
    assert error.details["sheet"] == SHEET
    assert error.details["found"]["Faskes 2023!E3"] == "Jumlah Puskesmas"
    assert error.details["catalog_file"] == "sources/catalog/dinkes_faskes.yaml"


def test_every_missing_header_is_reported_at_once(workbook):
    def rename(wb):
        wb[SHEET]["B3"] = "Nama Kecamatan"
        wb[SHEET]["G3"] = "Pos Pelayanan Terpadu"

    error = drift(workbook(rename))
    assert "columns 'Kecamatan', 'Posyandu' not found in the header" in error.problem
    assert error.fix == (
        "update `parse.region.column`, `parse.values.Posyandu` (or `parse.header_row`) in "
        "sources/catalog/dinkes_faskes.yaml"
    )


def test_added_header_row_is_recognised_and_the_new_row_suggested(workbook):
    def add_row_on_top(wb):
        ws = wb[SHEET]
        merged = [CellRange(str(r)) for r in ws.merged_cells.ranges]
        for cells in merged:
            ws.unmerge_cells(str(cells))
        ws.insert_rows(1)
        ws["A1"] = "Lampiran II"
        for cells in merged:
            cells.shift(row_shift=1)
            ws.merge_cells(str(cells))

    error = drift(workbook(add_row_on_top))
    assert "columns 'Rumah Sakit / Umum', 'Rumah Sakit / Khusus' not found" in error.problem
    assert error.problem.endswith(
        "every expected header is in row 4 instead: the header moved (a row added or removed "
        "above it?)"
    )
    assert error.fix == "set `parse.header_row: 4` in sources/catalog/dinkes_faskes.yaml"


def test_moved_column_is_still_found_by_its_header(workbook):
    def swap(wb):
        ws = wb[SHEET]
        ws.unmerge_cells("E3:E4")
        ws.unmerge_cells("F3:F4")
        for row in range(3, 12):
            ws[f"E{row}"].value, ws[f"F{row}"].value = ws[f"F{row}"].value, ws[f"E{row}"].value

    tidy = parse_source(ENTRY, workbook(swap))
    puskesmas = tidy[tidy["indikator"] == "JUMLAH_PUSKESMAS"]
    assert set(puskesmas["lokasi"].str.extract(r"!([A-Z])")[0]) == {"F"}


def test_renamed_sheet_names_the_sheets_found_and_the_closest(workbook):
    def rename(wb):
        wb[SHEET].title = "Faskes 2024"

    error = drift(workbook(rename))
    assert error.problem == (
        "layout drift: no sheet `Faskes 2023` (found: Faskes 2024); closest: `Faskes 2024`"
    )
    assert error.fix == "update `parse.sheet` in sources/catalog/dinkes_faskes.yaml"
    assert error.details["found_sheets"] == ["Faskes 2024"]
