"""The correction workbook (lembar koreksi) for one producing agency (OPD), in Bahasa Indonesia.

One xlsx per agency with open findings: a summary sheet per source, one row per finding (file,
sheet and cell, indicator, region, period, rule, value found, what was expected, how to fix it)
and a sheet explaining the rules. Written to a temporary file and renamed, so a reader never
opens half a workbook. openpyxl writes it (a runtime dependency for this reason).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from quality import pesan

WIB = ZoneInfo("Asia/Jakarta")
HASIL = {
    "loaded": "dimuat sebagian: baris bermasalah ditahan (karantina)",
    "failed": "tidak dimuat: data terakhir yang lolos pemeriksaan tetap dipakai",
    "rejected": "ditolak: data terakhir yang lolos pemeriksaan tetap dipakai",
}
TEMUAN_HEADER = [
    ("No", 5),
    ("Sumber data", 26),
    ("Berkas", 34),
    ("Lembar dan sel / baris", 22),
    ("Indikator", 24),
    ("Wilayah", 14),
    ("Periode", 10),
    ("Masalah", 26),
    ("Nilai ditemukan", 22),
    ("Yang diharapkan", 32),
    ("Keterangan", 50),
    ("Cara memperbaiki", 60),
]


def workbook_path(folder: Path, produsen_kode: str) -> Path:
    return Path(folder) / f"koreksi_{produsen_kode}.xlsx"


def write_correction_workbook(
    folder: Path, *, produsen_kode: str, produsen: str, findings: pd.DataFrame
) -> Path | None:
    """Write (or, when `findings` is empty, remove) the agency's workbook; return its path."""
    path = workbook_path(folder, produsen_kode)
    if findings.empty:
        path.unlink(missing_ok=True)
        return None
    from openpyxl import Workbook

    workbook = Workbook()
    _summary_sheet(workbook.active, produsen, findings)
    _findings_sheet(workbook.create_sheet("Temuan"), findings)
    _rules_sheet(workbook.create_sheet("Penjelasan aturan"), findings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    workbook.save(tmp)
    os.replace(tmp, path)
    return path


def _bold(sheet, row: int) -> None:
    from openpyxl.styles import Font, PatternFill

    for cell in sheet[row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")


def _summary_sheet(sheet, produsen: str, findings: pd.DataFrame) -> None:
    from openpyxl.styles import Font

    sheet.title = "Ringkasan"
    now = datetime.now(WIB).strftime("%d-%m-%Y %H:%M WIB")
    intro = [
        [f"Lembar koreksi data — {produsen}"],
        [f"Dibuat otomatis oleh pipeline data Kota Pintar pada {now}."],
        [
            "Baris di lembar 'Temuan' tidak lolos pemeriksaan mutu data. Mohon perbaiki sel yang "
            "disebut pada berkas sumber, lalu kirim ulang; pemeriksaan berjalan setiap malam."
        ],
        [],
        ["Sumber data", "Berkas", "Hasil pemuatan", "Baris ditahan", "Temuan lain"],
    ]
    for row in intro:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    _bold(sheet, len(intro))
    for sumber_id, group in findings.groupby("sumber_id", sort=True):
        first = group.iloc[0]
        sheet.append(
            [
                sumber_id,
                first.get("berkas") or "",
                HASIL.get(str(first.get("hasil_muat")), str(first.get("hasil_muat") or "")),
                int(group["per_baris"].fillna(False).astype(bool).sum()),
                int((~group["per_baris"].fillna(False).astype(bool)).sum()),
            ]
        )
    for column, width in zip("ABCDE", (30, 40, 60, 14, 14), strict=True):
        sheet.column_dimensions[column].width = width


def _findings_sheet(sheet, findings: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    sheet.append([name for name, _ in TEMUAN_HEADER])
    _bold(sheet, 1)
    for number, row in enumerate(findings.itertuples(index=False), start=1):
        sheet.append(
            [
                number,
                row.sumber_id,
                _text(getattr(row, "berkas", None)),
                _text(row.lokasi) or "(tidak ada di berkas)",
                _text(row.indikator),
                _text(row.kode_wilayah),
                _text(row.periode),
                pesan.judul(row.aturan),
                _text(row.nilai),
                _text(row.diharapkan),
                _text(row.pesan),
                pesan.cara_perbaikan(row.aturan),
            ]
        )
    for index, (_, width) in enumerate(TEMUAN_HEADER, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _rules_sheet(sheet, findings: pd.DataFrame) -> None:
    sheet.append(["Masalah", "Artinya", "Cara memperbaiki"])
    _bold(sheet, 1)
    for aturan in dict.fromkeys(findings["aturan"]):
        title, meaning, fix = pesan.ATURAN.get(aturan, (aturan, "", pesan.cara_perbaikan(aturan)))
        sheet.append([title, meaning, fix])
    for column, width in zip("ABC", (30, 70, 80), strict=True):
        sheet.column_dimensions[column].width = width


def _text(value) -> str:
    return "" if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) else str(value)
