"""Write the wider-area fixtures: tables that list other regions besides Kota Malang (SAMPLE).

Two files shaped like what arrives from outside the city, every number made up:

- `bps_jatim_penduduk`: a BPS Jawa Timur table by kabupaten/kota (xlsx): title rows, a
  column-number row, the 38 kab/kota in BPS order with their BPS codes, kabupaten by their
  bare name ("Malang" is Kabupaten Malang, 3507) and kota with "Kota" ("Kota Malang", 3573),
  a "Jawa Timur" row totalling them, and a source line;
- `sipsn_timbulan_sampah`: a national SIPSN-style CSV (`;`, Indonesian decimals), one row per
  kab/kota of Indonesia (514), columns Tahun, Provinsi, Kabupaten/Kota ("Kab. Malang",
  "Kota  Malang" with two spaces), names as Kemendagri writes them today ("Kab. Toba").

The answer keys come from the data the files are written from, never from the parser:

    files/<id>.SAMPLE.xlsx|csv    the files
    catalog/<id>.yaml             their catalog entries (`parse.region.covers`)
    answers/<id>.csv              Kota Malang's facts: indikator,kode_wilayah,periode,nilai,status
    answers/<id>.luar.csv         every row outside the city: lokasi,nama,kode_bps

Run from the repo root (tests/test_wider_area.py checks that a rerun changes nothing):

    .venv/bin/python tests/wider_area/make_fixtures.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))  # scripts/sample_regions.py, shared with the bundled samples
from scripts.sample_regions import (  # noqa: E402
    JATIM_KABKOTA,
    JAWA_TIMUR,
    kabkota_indonesia,
    title_case,
)
from scripts.stable_xlsx import save_stable  # noqa: E402

LOCATION = "tests/wider_area/files"
SAMPLE_NOTE = "DATA CONTOH (SAMPLE) — bukan data resmi"
GENERATED = "# SAMPLE fixture written by tests/wider_area/make_fixtures.py: edit the script."
KOTA_MALANG = "3573"

# Jawa Timur's kab/kota as BPS lists them (code order): kabupaten bare, kota with "Kota".
JATIM: tuple[tuple[int, str], ...] = tuple(
    (code, name) for code, name in JATIM_KABKOTA.items() if code != JAWA_TIMUR
)
JATIM_SHEET = "Tabel 3.1.1"
JATIM_HEADER = ("Kode", "Kabupaten/Kota", "Jumlah Penduduk (ribu jiwa)", "Kepadatan (jiwa/km²)")

SIPSN_HEADER = (
    "Tahun",
    "Provinsi",
    "Kabupaten/Kota",
    "Timbulan Sampah Harian (ton)",
    "Timbulan Sampah Tahunan (ton)",
)


def indonesian(cents: int) -> str:
    """Hundredths as Indonesian text: 4505925 -> "45.059,25"."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", ".") + f",{rest:02d}"


# --- the BPS Jawa Timur table -------------------------------------------------------------------


def jatim_rows() -> list[tuple[int, str, int, int]]:
    """(BPS code, name, population in hundreds of people, density) per kab/kota."""
    rows = []
    for i, (code, name) in enumerate(JATIM):
        tenths = 3000 + (i * 7919) % 29000  # ribu jiwa with one decimal, as tenths
        density = 400 + (i * 619) % 7000
        if str(code) == KOTA_MALANG:
            tenths, density = 8472, 7625
        rows.append((code, name, tenths, density))
    return rows


def write_jatim(path: Path) -> tuple[list[list[object]], list[list[object]]]:
    """The workbook; returns (Kota Malang's facts, the outside rows)."""
    wb = Workbook()
    ws = wb.active
    ws.title = JATIM_SHEET
    ws.append(
        [
            "Tabel 3.1.1 Jumlah dan Kepadatan Penduduk menurut Kabupaten/Kota di Provinsi "
            "Jawa Timur, 2024 (SAMPLE)"
        ]
    )
    ws.append([SAMPLE_NOTE])
    ws.append([])
    ws.append(list(JATIM_HEADER))
    ws.append(["(1)", "(2)", "(3)", "(4)"])
    facts, outside = [], []
    for i, (code, name, tenths, density) in enumerate(jatim_rows()):
        # Some cells are typed numbers, others Indonesian text ("1.234,5", "7.625"), the
        # city's row text only.
        city = str(code) == KOTA_MALANG
        people: object = tenths / 10
        if city or i % 2 == 0:
            people = f"{tenths // 10:,}".replace(",", ".") + f",{tenths % 10}"
        dense: object = f"{density:,}".replace(",", ".") if city or i % 3 == 0 else density
        ws.append([code, name, people, dense])
        place = f"{JATIM_SHEET}!B{ws.max_row}"
        if city:
            facts += [
                ["BPS_JATIM_PENDUDUK", "35.73", "2024", tenths / 10, "final"],
                ["BPS_JATIM_KEPADATAN", "35.73", "2024", float(density), "final"],
            ]
        else:
            outside.append([place, name, str(code)])
    rows = jatim_rows()
    ws.append([3500, "Jawa Timur", sum(r[2] for r in rows) / 10, 830])
    ws.append([])
    ws.append(["Sumber: BPS Provinsi Jawa Timur (SAMPLE, angka rekaan)"])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    save_xlsx(wb, path)
    return facts, outside


JATIM_ENTRY = {
    "id": "bps_jatim_penduduk",
    "title": "SAMPLE — Penduduk dan kepadatan menurut kabupaten/kota di Jawa Timur",
    "agency": {"code": "bps", "name": "BPS Provinsi Jawa Timur"},
    "kind": "xlsx",
    "location": f"{LOCATION}/bps_jatim_penduduk.SAMPLE.xlsx",
    "sample": True,
    "dimension": "smart_people",
    "schedule": "tahunan",
    "parse": {
        "sheet": JATIM_SHEET,
        "header_row": 4,
        "region": {"column": "Kabupaten/Kota", "level": "kota", "covers": "provinsi"},
        "period": {"value": "2024"},
        "values": {
            "Jumlah Penduduk (ribu jiwa)": "BPS_JATIM_PENDUDUK",
            "Kepadatan (jiwa/km²)": "BPS_JATIM_KEPADATAN",
        },
        "drop_rows": [r"^\(1\)$"],
    },
    "indicators": [
        {
            "code": "BPS_JATIM_PENDUDUK",
            "name_id": "Jumlah penduduk (tabel provinsi)",
            "name_en": "Population (provincial table)",
            "unit": "ribu jiwa",
            "definition": "Penduduk pertengahan tahun menurut tabel BPS Provinsi Jawa Timur.",
            "direction": "neutral",
        },
        {
            "code": "BPS_JATIM_KEPADATAN",
            "name_id": "Kepadatan penduduk (tabel provinsi)",
            "name_en": "Population density (provincial table)",
            "unit": "jiwa/km²",
            "definition": "Penduduk per km² luas daratan menurut tabel BPS Provinsi Jawa Timur.",
            "direction": "neutral",
        },
    ],
}


# --- the national SIPSN-style CSV ---------------------------------------------------------------


def sipsn_name(tingkat: str, nama: str) -> str:
    core = title_case(nama.removeprefix(f"{tingkat.upper()} "))
    if tingkat == "kota":
        return "Kota  Malang" if core == "Malang" else f"Kota {core}"
    return f"Kab. {core}"


def write_sipsn(path: Path) -> tuple[list[list[object]], list[list[object]]]:
    provinces, regions = kabkota_indonesia()
    assert len(regions) == 514, len(regions)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(SIPSN_HEADER)
    facts, outside = [], []
    for i, (code, tingkat, nama) in enumerate(regions):
        daily = 1000 + (i * 7919) % 150000  # tons with two decimals, as hundredths
        if code == KOTA_MALANG:
            daily = 51234
        name, province = sipsn_name(tingkat, nama), title_case(provinces[code[:2]])
        writer.writerow(["2023", province, name, indonesian(daily), indonesian(daily * 365)])
        line = i + 2
        if code == KOTA_MALANG:
            facts += [
                ["SIPSN_SAMPAH_HARIAN", "35.73", "2023", daily / 100, "final"],
                ["SIPSN_SAMPAH_TAHUNAN", "35.73", "2023", daily * 365 / 100, "final"],
            ]
        else:
            outside.append([f"baris {line}, kolom 3", name, code])
    writer.writerow([f"Catatan: {SAMPLE_NOTE}; angka rekaan, bukan data SIPSN"])
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return facts, outside


SIPSN_ENTRY = {
    "id": "sipsn_timbulan_sampah",
    "title": "SAMPLE — Timbulan sampah menurut kabupaten/kota se-Indonesia (gaya SIPSN)",
    "agency": {"code": "klhk", "name": "Kementerian Lingkungan Hidup dan Kehutanan"},
    "kind": "csv",
    "location": f"{LOCATION}/sipsn_timbulan_sampah.SAMPLE.csv",
    "sample": True,
    "dimension": "smart_environment",
    "schedule": "tahunan",
    "parse": {
        "delimiter": ";",
        "region": {"column": "Kabupaten/Kota", "level": "kota", "covers": "nasional"},
        "period": {"column": "Tahun"},
        "values": {
            "Timbulan Sampah Harian (ton)": "SIPSN_SAMPAH_HARIAN",
            "Timbulan Sampah Tahunan (ton)": "SIPSN_SAMPAH_TAHUNAN",
        },
    },
    "indicators": [
        {
            "code": "SIPSN_SAMPAH_HARIAN",
            "name_id": "Timbulan sampah harian",
            "name_en": "Daily waste generation",
            "unit": "ton/hari",
            "definition": "Timbulan sampah per hari menurut SIPSN.",
            "direction": "lower_is_better",
        },
        {
            "code": "SIPSN_SAMPAH_TAHUNAN",
            "name_id": "Timbulan sampah tahunan",
            "name_en": "Yearly waste generation",
            "unit": "ton/tahun",
            "definition": "Timbulan sampah per tahun menurut SIPSN.",
            "direction": "lower_is_better",
        },
    ],
}

FIXTURES = {
    "bps_jatim_penduduk": (JATIM_ENTRY, "xlsx", write_jatim),
    "sipsn_timbulan_sampah": (SIPSN_ENTRY, "csv", write_sipsn),
}


# --- writing ------------------------------------------------------------------------------------


def save_xlsx(wb: Workbook, path: Path) -> None:
    save_stable(wb, path, "tests/wider_area/make_fixtures.py")


def write_rows(path: Path, header: list[str], rows: list[list[object]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    out = parser.parse_args(argv).out
    for folder in ("files", "catalog", "answers"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for fixture_id, (entry, suffix, write) in FIXTURES.items():
        facts, outside = write(out / "files" / f"{fixture_id}.SAMPLE.{suffix}")
        text = yaml.safe_dump(entry, sort_keys=False, allow_unicode=True, width=100)
        (out / "catalog" / f"{fixture_id}.yaml").write_text(f"{GENERATED}\n{text}", "utf-8")
        key = ["indikator", "kode_wilayah", "periode", "nilai", "status"]
        write_rows(out / "answers" / f"{fixture_id}.csv", key, sorted(facts))
        write_rows(
            out / "answers" / f"{fixture_id}.luar.csv", ["lokasi", "nama", "kode_bps"], outside
        )


if __name__ == "__main__":
    main()
