"""Write the bundled SAMPLE sources in `sources/samples/` that the embedded default run reads.

Every number here is made up (plausible in magnitude for Kota Malang, not official) and every file
says SAMPLE. The files are shaped the way agency files really arrive: title rows above the header,
merged two-row headers, "Jumlah" rows, footnotes, Indonesian number text ("1.234,5"), markers
("-", "…", "2023*"), extra sheets, `;` CSV, inconsistent region spellings, CKAN DataStore pages, and
a BPS WebAPI answer; and tables of other publishers that list every kab/kota of the province or
the nation (only Kota Malang's row loads): a BPS Jawa Timur table as its website's "download as
Excel" saves it (an HTML page named .xls) and a ministry's national CSV in English numbers.

The output is byte-for-byte deterministic (seeded random numbers, fixed workbook timestamps), so the
committed files change only when this script changes. Run from the repo root:

    .venv/bin/python scripts/make_samples.py
"""

from __future__ import annotations

import csv
import json
import random
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `scripts.*` importable
from scripts.html_export import HtmlTable, html_page  # noqa: E402
from scripts.sample_regions import (  # noqa: E402
    JATIM_KABKOTA,
    JAWA_TIMUR,
    kabkota_indonesia,
    title_case,
)
from scripts.stable_xlsx import FIXED_ISO, save_stable  # noqa: E402

SAMPLES = ROOT / "sources" / "samples"
WILAYAH_CSV = ROOT / "sources" / "wilayah_kota_malang.csv"
SAMPLE_NOTE = "DATA CONTOH (SAMPLE) — bukan data resmi"
PORTAL = "https://portal.sample.invalid"

# Kemendagri code -> canonical name, in the order BPS tables list them.
KECAMATAN: dict[str, str] = {
    "35.73.03": "Kedungkandang",
    "35.73.04": "Sukun",
    "35.73.02": "Klojen",
    "35.73.01": "Blimbing",
    "35.73.05": "Lowokwaru",
}
KDK, SKN, KLJ, BLB, LWK = KECAMATAN
# Sensus Penduduk 2020 (sums to 843,810) and area in km2 (sums to 110,06).
SP2020 = {KDK: 207_432, SKN: 201_372, KLJ: 96_958, BLB: 178_979, LWK: 159_069}
LUAS_KM2 = {KDK: 39.89, SKN: 20.97, KLJ: 8.83, BLB: 17.77, LWK: 22.60}


# --- formatting and writing helpers ---------------------------------------------------------------


def id_num(value: float, decimals: int = 0) -> str:
    """Indonesian number text: 1234.5 -> "1.234,5" (dot groups thousands, comma decimals)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def split_total(total: int, weights: Sequence[float]) -> list[int]:
    """Integer parts of `total` proportional to `weights` that sum exactly to `total`."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def write_rows(ws: Worksheet, rows: Sequence[Sequence[object]], start: int = 1) -> None:
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)


def style_sheet(ws: Worksheet, title_rows: int, header_rows: Sequence[int], widths: list[int]):
    for r in range(1, title_rows + 1):
        ws.cell(row=r, column=1).font = Font(bold=True)
    for r in header_rows:
        for cell in ws[r]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = width


def save_workbook(wb: Workbook, name: str) -> Path:
    return save_stable(wb, SAMPLES / name, "scripts/make_samples.py")


def write_csv(name: str, lines: Sequence[Sequence[object]], delimiter: str = ";") -> Path:
    path = SAMPLES / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(lines)
    return path


def kelurahan_by_kecamatan() -> dict[str, list[str]]:
    """The 57 kelurahan names of the reference file, grouped by their kecamatan code."""
    groups: dict[str, list[str]] = {}
    with WILAYAH_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["tingkat"] == "kelurahan":
                groups.setdefault(row["kode_induk"], []).append(row["nama"])
    return groups


# --- workbooks ------------------------------------------------------------------------------------


def bps_luas_penduduk() -> Path:
    """BPS table of area and SP2020 population; a "Keterangan" sheet comes FIRST; text numbers."""
    wb = Workbook()
    info = wb.active
    info.title = "Keterangan"
    write_rows(
        info,
        [
            ["Keterangan"],
            [SAMPLE_NOTE],
            ["Luas wilayah menurut Permendagri; penduduk hasil Sensus Penduduk 2020 (SP2020)."],
            ["Tabel data ada di sheet 'Tabel 3.1'."],
        ],
    )
    ws = wb.create_sheet("Tabel 3.1")
    rows: list[list[object]] = [
        [
            "Tabel 3.1 Luas Wilayah, Jumlah Penduduk dan Kepadatan Penduduk menurut Kecamatan "
            "di Kota Malang, 2020"
        ],
        [f"{SAMPLE_NOTE} BPS Kota Malang"],
        [],
        ["Kecamatan", "Luas (km²)", "Jumlah Penduduk (jiwa)", "Kepadatan Penduduk (jiwa/km²)"],
    ]
    for code, name in KECAMATAN.items():
        pop, area = SP2020[code], LUAS_KM2[code]
        rows.append([name, id_num(area, 2), id_num(pop), id_num(pop / area, 1)])
    pop, area = sum(SP2020.values()), sum(LUAS_KM2.values())
    rows.append(["Jumlah", id_num(area, 2), id_num(pop), id_num(pop / area, 1)])
    rows.append(["Sumber: BPS Kota Malang, Sensus Penduduk 2020 (data contoh)"])
    write_rows(ws, rows)
    style_sheet(ws, 2, [4], [18, 14, 22, 26])
    return save_workbook(wb, "bps_luas_penduduk.SAMPLE.xlsx")


# Dukcapil administrative population, semester II 2023, per kecamatan (sums to 847,792).
DUKCAPIL_2023_S2 = {BLB: 181_530, KLJ: 94_207, KDK: 204_118, SKN: 196_845, LWK: 171_092}
# How the agency file spells some kelurahan (the resolver must fold these to the reference names).
KELURAHAN_SPELLING = {
    "Oro-oro Dowo": "Oro-Oro Dowo",
    "Gading Kasri": "Gadingkasri",
    "Rampalcelaket": "Rampal Celaket",
    "Tasik Madu": "Tasikmadu",
    "Bakalankrajan": "Bakalan Krajan",
    "Kotalama": "KOTALAMA",
    "Sukun": "Kel. Sukun",
    "Tunjungsekar": "Tunjung Sekar",
}


def dispendukcapil_penduduk_kelurahan() -> Path:
    """57 kelurahan; merged "Jenis Kelamin" header; kecamatan merged down; subtotal rows."""
    rng = random.Random(3573_01)
    wb = Workbook()
    ws = wb.active
    ws.title = "DKB Smt II 2023"
    rows: list[list[object]] = [
        ["JUMLAH PENDUDUK MENURUT KELURAHAN DAN JENIS KELAMIN KOTA MALANG SEMESTER II TAHUN 2023"],
        [f"{SAMPLE_NOTE} Dispendukcapil Kota Malang"],
        ["No.", "Kecamatan", "Kelurahan", "Jenis Kelamin", None, "Jumlah", "Jumlah KK"],
        [None, None, None, "Laki-laki", "Perempuan"],
    ]
    merges = ["A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4"]
    number = 0
    city = [0, 0, 0, 0]
    for code in sorted(DUKCAPIL_2023_S2):
        names = kelurahan_by_kecamatan()[code]
        pops = split_total(DUKCAPIL_2023_S2[code], [rng.uniform(0.5, 1.5) for _ in names])
        first_row = len(rows) + 1
        subtotal = [0, 0, 0, 0]
        for i, (name, pop) in enumerate(zip(names, pops, strict=True)):
            male = round(pop * rng.uniform(0.487, 0.503))
            kk = round(pop / rng.uniform(3.0, 3.4))
            number += 1
            values = [male, pop - male, pop, kk]
            subtotal = [a + b for a, b in zip(subtotal, values, strict=True)]
            kecamatan = KECAMATAN[code].upper() if i == 0 else None
            rows.append([number, kecamatan, KELURAHAN_SPELLING.get(name, name), *values])
        merges.append(f"B{first_row}:B{len(rows)}")
        rows.append([None, f"Jumlah Kec. {KECAMATAN[code]}", None, *subtotal])
        merges.append(f"B{len(rows)}:C{len(rows)}")
        city = [a + b for a, b in zip(city, subtotal, strict=True)]
    rows.append(["JUMLAH KOTA MALANG", None, None, *city])
    merges.append(f"A{len(rows)}:C{len(rows)}")
    rows.append(["Sumber: Dispendukcapil Kota Malang, Data Konsolidasi Bersih (data contoh)"])
    rows.append(["Catatan: penduduk menurut alamat pada dokumen kependudukan"])
    write_rows(ws, rows)
    for ref in merges:
        ws.merge_cells(ref)
    style_sheet(ws, 2, [3, 4], [6, 18, 20, 12, 12, 12, 12])
    return save_workbook(wb, "dispendukcapil_penduduk_kelurahan.SAMPLE.xlsx")


def disdikbud_sekolah() -> Path:
    """Three title rows, two-row header "SD"/"SMP" over Sekolah/Murid/Guru, "Kec. ..." names."""
    rows: list[list[object]] = [
        ["REKAPITULASI SEKOLAH, MURID DAN GURU JENJANG SD DAN SMP KOTA MALANG"],
        ["TAHUN AJARAN 2023/2024"],
        [f"{SAMPLE_NOTE} Disdikbud Kota Malang"],
        ["No.", "Kecamatan", "SD", None, None, None, "SMP", None, None],
        [None, None, "Sekolah", "Murid", "Guru", "Rasio Murid/Guru", "Sekolah", "Murid", "Guru"],
    ]
    names = {
        KDK: "Kec. Kedung Kandang",
        SKN: "Kec. Sukun",
        KLJ: "Kec. Klojen",
        BLB: "Kec. Blimbing",
        LWK: "Kec. Lowokwaru",
    }
    sd = {KDK: (62, 19_480, 1_046), SKN: (58, 18_215, 1_012), KLJ: (47, 11_960, 801)}
    sd |= {BLB: (54, 16_870, 937), LWK: (49, 15_325, 902)}
    smp = {KDK: (22, 9_310, 602), SKN: (20, 8_870, 571), KLJ: (24, 8_140, 588)}
    smp |= {BLB: (19, 7_960, 516), LWK: (21, 8_425, 560)}
    for number, code in enumerate(KECAMATAN, start=1):
        s, m, g = sd[code]
        rows.append([number, names[code], s, m, g, round(m / g, 2), *smp[code]])
    sd_sum = [sum(v[i] for v in sd.values()) for i in range(3)]
    smp_sum = [sum(v[i] for v in smp.values()) for i in range(3)]
    rows.append(["Jumlah", None, *sd_sum, round(sd_sum[1] / sd_sum[2], 2), *smp_sum])
    rows.append(["Sumber: Dinas Pendidikan dan Kebudayaan Kota Malang, Dapodik (data contoh)"])
    wb = Workbook()
    ws = wb.active
    ws.title = "SD-SMP 2023"
    write_rows(ws, rows)
    for ref in ["A4:A5", "B4:B5", "C4:F4", "G4:I4", f"A{len(rows) - 1}:B{len(rows) - 1}"]:
        ws.merge_cells(ref)
    style_sheet(ws, 3, [4, 5], [6, 22, 10, 10, 10, 16, 10, 10, 10])
    chart = wb.create_sheet("Grafik")
    write_rows(chart, [["Grafik jumlah murid (lihat sheet SD-SMP 2023)"], [SAMPLE_NOTE]])
    return save_workbook(wb, "disdikbud_sekolah.SAMPLE.xlsx")


def dinkes_faskes() -> Path:
    """UPPERCASE names, "Rumah Sakit" merged over Umum/Khusus, "-" for none (dash: zero)."""
    rows: list[list[object]] = [
        ["JUMLAH FASILITAS PELAYANAN KESEHATAN MENURUT KECAMATAN KOTA MALANG TAHUN 2023"],
        [f"{SAMPLE_NOTE} Dinas Kesehatan Kota Malang"],
        ["No.", "Kecamatan", "Rumah Sakit", None, "Puskesmas", "Puskesmas Pembantu", "Posyandu"],
        [None, None, "Umum", "Khusus"],
    ]
    data = {
        KDK: (2, 0, 4, 9, 178),
        SKN: (2, 0, 3, 7, 160),
        KLJ: (9, 5, 3, 4, 85),
        BLB: (3, 1, 3, 6, 140),
        LWK: (4, 2, 3, 7, 130),
    }
    for number, code in enumerate(KECAMATAN, start=1):
        cells = ["-" if v == 0 else v for v in data[code]]
        rows.append([number, KECAMATAN[code].upper(), *cells])
    rows.append(["Jumlah", None, *[sum(v[i] for v in data.values()) for i in range(5)]])
    rows.append(["Sumber: Dinas Kesehatan Kota Malang (data contoh)"])
    rows.append(["Keterangan: - = tidak ada"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Faskes 2023"
    write_rows(ws, rows)
    total = len(rows) - 2
    for ref in ["A3:A4", "B3:B4", "C3:D3", "E3:E4", "F3:F4", "G3:G4", f"A{total}:B{total}"]:
        ws.merge_cells(ref)
    style_sheet(ws, 2, [3, 4], [6, 18, 10, 10, 12, 18, 12])
    return save_workbook(wb, "dinkes_faskes.SAMPLE.xlsx")


def dinkes_stunting() -> Path:
    """Wide by year (2020, 2021, 2022, "2023*"), percentages as "12,34" text, one "…" cell."""
    names = {
        KDK: "Kec. Kedungkandang",
        SKN: "Kec. Sukun",
        KLJ: "Kec. Klojen",
        BLB: "Kec. Blimbing",
        LWK: "Kec. Lowokwaru",
    }
    prevalence = {
        KDK: (14.62, 12.85, 11.04, 9.37),
        SKN: (13.10, 11.72, 10.26, 8.91),
        KLJ: (None, 8.64, 7.93, 6.48),
        BLB: (11.85, 10.41, 9.12, 7.76),
        LWK: (10.97, 9.58, 8.47, 7.02),
    }
    rows: list[list[object]] = [
        ["PREVALENSI BALITA STUNTING MENURUT KECAMATAN DI KOTA MALANG (%), 2020-2023"],
        [f"{SAMPLE_NOTE} Dinas Kesehatan Kota Malang"],
        ["Kecamatan", 2020, 2021, 2022, "2023*"],
    ]
    for code in KECAMATAN:
        rows.append([names[code], *["…" if v is None else id_num(v, 2) for v in prevalence[code]]])
    rows.append(
        ["Sumber: Dinas Kesehatan Kota Malang, e-PPGBM bulan timbang Agustus (data contoh)"]
    )
    rows.append(["Catatan: * angka sementara; … data tidak tersedia"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Stunting Kecamatan"
    write_rows(ws, rows)
    style_sheet(ws, 2, [3], [22, 10, 10, 10, 10])
    notes = wb.create_sheet("Catatan")
    write_rows(notes, [[SAMPLE_NOTE], ["Balita stunting: TB/U < -2 SD standar WHO."]])
    return save_workbook(wb, "dinkes_stunting.SAMPLE.xlsx")


def dlh_sampah_rth() -> Path:
    """Picked by `sheet_pattern` "^Sampah" past a "Grafik Sampah" sheet; numbers as text."""
    rows: list[list[object]] = [
        ["DINAS LINGKUNGAN HIDUP KOTA MALANG"],
        ["TIMBULAN SAMPAH, SAMPAH TERKELOLA DAN RUANG TERBUKA HIJAU PUBLIK MENURUT KECAMATAN 2023"],
        [f"{SAMPLE_NOTE} DLH Kota Malang"],
        [
            "Kecamatan",
            "Timbulan Sampah (ton/hari)",
            "Sampah Terkelola",
            None,
            "RTH Publik (ha)",
        ],
        [None, None, "ton/hari", "%"],
    ]
    names = {KDK: "Kedungkandang", SKN: "Sukun", KLJ: "Klojen", BLB: "Blimbing"}
    names[LWK] = "Kec. Lowokwaru"
    data = {
        KDK: (171.4, 118.3, 120.5),
        SKN: (162.8, 120.6, 60.2),
        KLJ: (96.5, 83.9, 45.8),
        BLB: (146.2, 111.4, 55.1),
        LWK: (139.7, 108.2, 70.3),
    }
    for code in KECAMATAN:
        made, managed, rth = data[code]
        share = 100 * managed / made
        rows.append(
            [names[code], *(id_num(v, d) for v, d in ((made, 1), (managed, 1), (share, 2)))]
        )
        rows[-1].append(id_num(rth, 2))
    made, managed, rth = (sum(v[i] for v in data.values()) for i in range(3))
    share = 100 * managed / made
    rows.append(["Jumlah", *(id_num(v, d) for v, d in ((made, 1), (managed, 1), (share, 2)))])
    rows[-1].append(id_num(rth, 2))
    rows.append(["Sumber: Dinas Lingkungan Hidup Kota Malang (data contoh)"])
    wb = Workbook()
    chart = wb.active
    chart.title = "Grafik Sampah"
    write_rows(chart, [["Grafik timbulan sampah (lihat sheet Sampah dan RTH 2023)"], [SAMPLE_NOTE]])
    ws = wb.create_sheet("Sampah dan RTH 2023")
    write_rows(ws, rows)
    for ref in ["A4:A5", "B4:B5", "C4:D4", "E4:E5"]:
        ws.merge_cells(ref)
    style_sheet(ws, 3, [4, 5], [20, 16, 12, 10, 14])
    return save_workbook(wb, "dlh_sampah_rth.SAMPLE.xlsx")


def bpbd_kejadian_bencana() -> Path:
    """Two years stacked with a period column, "-" for no events, a "Jumlah" row per year."""
    names = {KDK: "Kedung Kandang", SKN: "SUKUN", KLJ: "Klojen", BLB: "BLIMBING", LWK: "Lowokwaru"}
    events = {
        2022: {
            KDK: (9, 4, 11, 3),
            SKN: (7, 1, 8, 2),
            KLJ: (5, 0, 6, 4),
            BLB: (6, 0, 9, 2),
            LWK: (4, 2, 10, 1),
        },
        2023: {
            KDK: (7, 3, 9, 4),
            SKN: (6, 0, 7, 3),
            KLJ: (3, 0, 5, 2),
            BLB: (5, 1, 8, 0),
            LWK: (3, 1, 12, 2),
        },
    }
    rows: list[list[object]] = [
        ["REKAPITULASI KEJADIAN BENCANA MENURUT KECAMATAN DI KOTA MALANG, 2022-2023"],
        [f"{SAMPLE_NOTE} BPBD Kota Malang"],
        ["No.", "Tahun", "Kecamatan", "Jenis Kejadian", None, None, None],
        [None, None, None, "Banjir", "Tanah Longsor", "Cuaca Ekstrem", "Kebakaran"],
    ]
    merges = ["A3:A4", "B3:B4", "C3:C4", "D3:G3"]
    number = 0
    for year, by_code in events.items():
        for code in KECAMATAN:
            number += 1
            cells = ["-" if v == 0 else v for v in by_code[code]]
            rows.append([number, year, names[code], *cells])
        rows.append([f"Jumlah {year}", None, None])
        rows[-1] += [sum(v[i] for v in by_code.values()) for i in range(4)]
        merges.append(f"A{len(rows)}:C{len(rows)}")
    rows.append(["Sumber: BPBD Kota Malang, rekap kejadian harian (data contoh)"])
    rows.append(["Keterangan: - = nihil; cuaca ekstrem termasuk angin kencang dan pohon tumbang"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Kejadian Bencana"
    write_rows(ws, rows)
    for ref in merges:
        ws.merge_cells(ref)
    style_sheet(ws, 2, [3, 4], [6, 8, 18, 10, 14, 14, 12])
    return save_workbook(wb, "bpbd_kejadian_bencana.SAMPLE.xlsx")


def bps_ekonomi_makro() -> Path:
    """City level, one row per year with "2023*" provisional, numeric cells and "…" markers."""
    rows: list[list[object]] = [
        ["INDIKATOR MAKRO EKONOMI DAN SOSIAL KOTA MALANG, 2020-2023"],
        [f"{SAMPLE_NOTE} BPS Kota Malang"],
        [
            "Tahun",
            "Laju Pertumbuhan Ekonomi (%)",
            "PDRB per Kapita ADHB (juta rupiah)",
            "Tingkat Pengangguran Terbuka (%)",
            "Persentase Penduduk Miskin (%)",
        ],
        [2020, -2.26, 93.41, 9.61, 4.44],
        [2021, 4.21, 98.05, 9.65, 4.62],
        [2022, 6.33, 106.72, 7.66, 4.37],
        ["2023*", 6.22, "…", 6.80, "…"],
        ["Sumber: BPS Kota Malang (data contoh)"],
        ["Catatan: * angka sementara; … belum tersedia"],
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Indikator Makro"
    write_rows(ws, rows)
    style_sheet(ws, 2, [3], [10, 18, 20, 20, 20])
    return save_workbook(wb, "bps_ekonomi_makro.SAMPLE.xlsx")


def kominfo_sambat_online() -> Path:
    """City level, quarterly periods ("2024-Q4*" provisional), two-row header, % as text."""
    quarters = [f"{y}-Q{q}" for y in (2023, 2024) for q in range(1, 5)]
    rng = random.Random(3573_13)
    rows: list[list[object]] = [
        ["REKAPITULASI ADUAN MASYARAKAT MELALUI SAMBAT ONLINE KOTA MALANG PER TRIWULAN"],
        [f"{SAMPLE_NOTE} Diskominfo Kota Malang"],
        [
            "Triwulan",
            "Aduan",
            None,
            None,
            "Persentase Selesai (%)",
            "Rata-rata Waktu Tindak Lanjut (hari)",
        ],
        [None, "Masuk", "Ditindaklanjuti", "Selesai"],
    ]
    totals = [0, 0, 0]
    for i, quarter in enumerate(quarters):
        masuk = rng.randint(980, 1_480)
        lanjut = masuk - rng.randint(5, 40)
        selesai = lanjut - rng.randint(20, 90)
        totals = [t + v for t, v in zip(totals, (masuk, lanjut, selesai), strict=True)]
        label = f"{quarter}*" if i == len(quarters) - 1 else quarter
        days = id_num(rng.uniform(2.1, 4.8), 1)
        rows.append([label, masuk, lanjut, selesai, id_num(100 * selesai / masuk, 2), days])
    rows.append(["Jumlah", *totals, id_num(100 * totals[2] / totals[0], 2), None])
    rows.append(["Sumber: Dinas Komunikasi dan Informatika Kota Malang (data contoh)"])
    rows.append(["Catatan: * angka sementara, triwulan berjalan"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Rekap Triwulan"
    write_rows(ws, rows)
    for ref in ["A3:A4", "B3:D3", "E3:E4", "F3:F4"]:
        ws.merge_cells(ref)
    style_sheet(ws, 2, [3, 4], [12, 10, 16, 10, 14, 20])
    return save_workbook(wb, "kominfo_sambat_online.SAMPLE.xlsx")


def bkad_pendapatan_daerah() -> Path:
    """Three title rows, "Metadata" sheet after the data, miliar rupiah as "2.206,10" text."""
    # (PAD target, PAD realisasi, pendapatan daerah target, pendapatan daerah realisasi)
    years = {
        2020: (767.10, 460.23, 2_011.50, 1_946.82),
        2021: (610.00, 582.31, 2_145.37, 2_082.40),
        2022: (780.55, 743.90, 2_290.12, 2_206.10),
        "2023*": (850.00, 812.46, 2_450.80, 2_367.25),
    }
    rows: list[list[object]] = [
        ["PEMERINTAH KOTA MALANG - BADAN KEUANGAN DAN ASET DAERAH"],
        ["REALISASI PENDAPATAN DAERAH TAHUN ANGGARAN 2020-2023 (MILIAR RUPIAH)"],
        [f"{SAMPLE_NOTE} BKAD Kota Malang"],
        [
            "Tahun Anggaran",
            "Pendapatan Asli Daerah",
            None,
            None,
            "Pendapatan Daerah",
            None,
            "Rasio PAD terhadap Pendapatan Daerah (%)",
        ],
        [None, "Target", "Realisasi", "Capaian (%)", "Target", "Realisasi"],
    ]
    for year, (pad_t, pad_r, pd_t, pd_r) in years.items():
        values = [pad_t, pad_r, 100 * pad_r / pad_t, pd_t, pd_r, 100 * pad_r / pd_r]
        rows.append([year, *(id_num(v, 2) for v in values)])
    rows.append(["Sumber: BKAD Kota Malang, LKPD (data contoh)"])
    rows.append(["Catatan: * realisasi sementara, belum diaudit BPK"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Realisasi Pendapatan"
    write_rows(ws, rows)
    for ref in ["A4:A5", "B4:D4", "E4:F4", "G4:G5"]:
        ws.merge_cells(ref)
    style_sheet(ws, 3, [4, 5], [16, 12, 12, 12, 12, 12, 22])
    meta = wb.create_sheet("Metadata")
    write_rows(meta, [["Metadata"], [SAMPLE_NOTE], ["Satuan: miliar rupiah"]])
    return save_workbook(wb, "bkad_pendapatan_daerah.SAMPLE.xlsx")


# --- CSV ------------------------------------------------------------------------------------------


def diskopindag_umkm() -> Path:
    """`;` CSV, a SAMPLE title line (header on line 2), "12.345" text, 2023* provisional."""
    names = {KDK: "KEDUNGKANDANG", SKN: "Kec. Sukun", KLJ: "klojen", BLB: "BLIMBING"}
    names[LWK] = "Lowokwaru"
    # (UMKM, tenaga kerja UMKM, koperasi aktif, koperasi tidak aktif)
    data = {
        "2022": {
            KDK: (24_318, 51_207, 58, 41),
            SKN: (23_105, 49_866, 61, 37),
            KLJ: (17_942, 45_310, 97, 52),
            BLB: (21_876, 47_925, 72, 44),
            LWK: (22_431, 50_118, 80, 39),
        },
        "2023*": {
            KDK: (25_467, 53_912, 61, 38),
            SKN: (24_012, 51_740, 63, 35),
            KLJ: (18_305, 46_872, 99, 50),
            BLB: (22_790, 49_604, 74, 42),
            LWK: (23_518, 52_336, 83, 36),
        },
    }
    lines: list[list[object]] = [
        [f"{SAMPLE_NOTE} Diskopindag Kota Malang"],
        [
            "Tahun",
            "Kecamatan",
            "Jumlah UMKM",
            "Tenaga Kerja UMKM",
            "Koperasi Aktif",
            "Koperasi Tidak Aktif",
        ],
    ]
    for year, by_code in data.items():
        for code in KECAMATAN:
            lines.append([year, names[code], *[id_num(v) for v in by_code[code]]])
        lines.append(
            ["Jumlah", "", *[id_num(sum(v[i] for v in by_code.values())) for i in range(4)]]
        )
    lines.append(
        ["Sumber: Dinas Koperasi, Perindustrian dan Perdagangan Kota Malang (data contoh)"]
    )
    return write_csv("diskopindag_umkm.SAMPLE.csv", lines)


def kominfo_wifi_publik() -> Path:
    """Monthly `;` CSV per kecamatan; SAMPLE in the file name and a title line above the header."""
    rng = random.Random(3573_12)
    names = {
        KDK: "Kec. Kedung Kandang",
        SKN: "Kec. Sukun",
        KLJ: "Kec. Klojen",
        BLB: "Kec. Blimbing",
        LWK: "Kec. Lowokwaru",
    }
    hotspots = {KDK: 96, SKN: 88, KLJ: 74, BLB: 82, LWK: 91}
    lines: list[list[object]] = [
        [SAMPLE_NOTE],
        ["periode", "kecamatan", "titik_wifi_aktif", "pengguna_unik", "uptime_persen"],
    ]
    for month in range(1, 7):
        for code in KECAMATAN:
            active = hotspots[code] - rng.randint(0, 6)
            users = active * rng.randint(95, 160)
            uptime = id_num(rng.uniform(94.0, 99.6), 1)
            lines.append([f"2024-{month:02d}", names[code], active, id_num(users), uptime])
    return write_csv("kominfo_wifi_publik.SAMPLE.csv", lines)


# --- CKAN DataStore recordings --------------------------------------------------------------------


def resource_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{PORTAL}/{name}"))


def write_ckan_recording(
    name: str, fields: list[dict[str, str]], records: list[dict[str, object]], page_size: int = 100
) -> Path:
    """One `datastore_search.offset-<N>.json` per page, each a full Action API response body."""
    folder = SAMPLES / "ckan" / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("datastore_search.offset-*.json"):
        old.unlink()
    resource_id = resource_uuid(name)
    base = f"/api/3/action/datastore_search?resource_id={resource_id}"
    for offset in range(0, len(records), page_size):
        page = [{"_id": offset + i + 1, **r} for i, r in enumerate(records[offset:][:page_size])]
        body = {
            "_sample_note": f"SAMPLE recording: {SAMPLE_NOTE}; host {PORTAL} does not exist",
            "help": f"{PORTAL}/api/3/action/help_show?name=datastore_search",
            "success": True,
            "result": {
                "include_total": True,
                "resource_id": resource_id,
                "fields": [{"id": "_id", "type": "int"}, *fields],
                "records_format": "objects",
                "records": page,
                "limit": page_size,
                "offset": offset,
                "_links": {
                    "start": base,
                    "next": f"{base}&offset={offset + page_size}",
                },
                "total": len(records),
            },
        }
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
        (folder / f"datastore_search.offset-{offset}.json").write_text(text, encoding="utf-8")
    write_resource_show(folder, resource_id, name)
    return folder


def write_resource_show(folder: Path, resource_id: str, name: str) -> None:
    """`resource_show.json`: the resource's timestamps, which change detection compares before
    paging through the DataStore again."""
    body = {
        "_sample_note": f"SAMPLE recording: {SAMPLE_NOTE}; host {PORTAL} does not exist",
        "help": f"{PORTAL}/api/3/action/help_show?name=resource_show",
        "success": True,
        "result": {
            "id": resource_id,
            "name": f"{name} (SAMPLE)",
            "format": "CSV",
            "url": f"{PORTAL}/datastore/dump/{resource_id}",
            "datastore_active": True,
            "last_modified": FIXED_ISO.rstrip("Z"),
            "metadata_modified": FIXED_ISO.rstrip("Z"),
        },
    }
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    (folder / "resource_show.json").write_text(text, encoding="utf-8")


def months(first_year: int, last_year: int) -> list[str]:
    return [f"{y}-{m:02d}" for y in range(first_year, last_year + 1) for m in range(1, 13)]


def dishub_angkutan() -> Path:
    """Monthly 2020-01..2024-12 per kecamatan (300 records, 3 pages), region as kode_wilayah."""
    rng = random.Random(3573_06)
    base_passengers = {KDK: 212_000, SKN: 154_000, KLJ: 121_000, BLB: 263_000, LWK: 184_000}
    base_fleet = {KDK: 236, SKN: 171, KLJ: 128, BLB: 294, LWK: 207}

    def demand(periode: str) -> float:
        # Pandemic drop from April 2020, the July-August 2021 PPKM low, then a slow recovery.
        year, month = int(periode[:4]), int(periode[5:])
        if year == 2020:
            return 1.0 if month < 4 else 0.45
        if year == 2021:
            return 0.38 if month in (7, 8) else 0.6
        return {2022: 0.78, 2023: 0.86, 2024: 0.83}[year]

    records = []
    for periode in months(2020, 2024):
        for code, name in KECAMATAN.items():
            factor = demand(periode)
            fleet = round(base_fleet[code] * (0.7 + 0.3 * factor) * rng.uniform(0.97, 1.0))
            records.append(
                {
                    "kode_wilayah": code,
                    "nama_kecamatan": name,
                    "periode": periode,
                    "jumlah_penumpang": round(
                        base_passengers[code] * factor * rng.uniform(0.93, 1.07)
                    ),
                    "armada_beroperasi": fleet,
                    "ritase": fleet * rng.randint(88, 112),
                }
            )
    fields = [
        {"id": "kode_wilayah", "type": "text"},
        {"id": "nama_kecamatan", "type": "text"},
        {"id": "periode", "type": "text"},
        {"id": "jumlah_penumpang", "type": "int"},
        {"id": "armada_beroperasi", "type": "int"},
        {"id": "ritase", "type": "int"},
    ]
    return write_ckan_recording("dishub_angkutan", fields, records)


def dlh_ispu() -> Path:
    """Monthly 2022-01..2024-12 per kecamatan (180 records, 2 pages), region as a name, one null."""
    rng = random.Random(3573_09)
    names = {KDK: "Kedungkandang", SKN: "Sukun", KLJ: "Klojen", BLB: "Blimbing", LWK: "Lowokwaru"}
    base_pm25 = {KDK: 24.0, SKN: 27.5, KLJ: 31.0, BLB: 28.5, LWK: 26.0}
    records = []
    for periode in months(2022, 2024):
        dry = int(periode[5:]) in (6, 7, 8, 9, 10)
        for code in KECAMATAN:
            pm25 = round(base_pm25[code] * (1.3 if dry else 1.0) * rng.uniform(0.85, 1.15), 1)
            # ISPU sub-index for PM2.5 between the 15.5 and 55.4 ug/m3 breakpoints (51-100).
            ispu = round(50 + (pm25 - 15.5) * 50 / 39.9) if pm25 > 15.5 else round(pm25 * 50 / 15.5)
            records.append(
                {
                    "kecamatan": names[code],
                    "periode": periode,
                    "ispu_rata_rata": ispu,
                    "pm25_rata_rata": pm25,
                    "hari_kategori_baik": rng.randint(4, 18) if not dry else rng.randint(0, 8),
                }
            )
    # The Klojen sensor was offline for March 2023: the portal publishes an empty value.
    offline = next(r for r in records if r["periode"] == "2023-03" and r["kecamatan"] == "Klojen")
    offline["ispu_rata_rata"] = None
    offline["pm25_rata_rata"] = None
    fields = [
        {"id": "kecamatan", "type": "text"},
        {"id": "periode", "type": "text"},
        {"id": "ispu_rata_rata", "type": "int"},
        {"id": "pm25_rata_rata", "type": "numeric"},
        {"id": "hari_kategori_baik", "type": "int"},
    ]
    return write_ckan_recording("dlh_ispu", fields, records)


def dkpp_lahan_sawah() -> Path:
    """A BPS-style table by region (wide_by_region) published as an xlsx resource of a portal
    dataset (kind ckan_resource): years down, kecamatan across under a merged "Kecamatan" header,
    a checked "Jumlah" column, Klojen "-" (no rice fields), the latest year provisional."""
    # Hectares of rice fields, shrinking a little every year as the city builds on them.
    start = {KDK: 492.6, SKN: 71.4, KLJ: 0.0, BLB: 58.3, LWK: 163.9}
    years = [2019, 2020, 2021, 2022, 2023]
    rows: list[list[object]] = [
        ["LUAS LAHAN SAWAH MENURUT KECAMATAN DI KOTA MALANG (HEKTAR), 2019-2023"],
        [f"{SAMPLE_NOTE} Dinas Ketahanan Pangan dan Pertanian Kota Malang"],
        ["No.", "Tahun", "Kecamatan", None, None, None, None, "Jumlah"],
        [None, None, *KECAMATAN.values(), None],
    ]
    for i, year in enumerate(years):
        values = [round(start[code] * (1 - 0.018 * i), 1) for code in KECAMATAN]
        cells = [id_num(v, 1) if v else "-" for v in values]
        label = f"{year}*" if year == years[-1] else year
        rows.append([i + 1, label, *cells, id_num(round(sum(values), 1), 1)])
    rows.append(["Sumber: DKPP Kota Malang, statistik lahan pertanian (data contoh)"])
    rows.append(["Catatan: * angka sementara; - tidak ada lahan sawah"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Lahan Sawah"
    write_rows(ws, rows)
    for cells in ("A3:A4", "B3:B4", "C3:G3", "H3:H4"):
        ws.merge_cells(cells)
    style_sheet(ws, 2, [3, 4], [6, 9, 15, 12, 12, 12, 12, 12])
    folder = SAMPLES / "ckan" / "dkpp_lahan_sawah"
    (folder / "files").mkdir(parents=True, exist_ok=True)
    name = "lahan_sawah_2019_2023.SAMPLE.xlsx"
    save_workbook(wb, f"ckan/dkpp_lahan_sawah/files/{name}")
    write_package_show(folder, "luas-lahan-sawah-kota-malang", name)
    return folder


def write_package_show(folder: Path, dataset: str, file_name: str) -> None:
    """`package_show.json`: a dataset with the workbook and a PDF note as resources."""
    resource = {
        "id": resource_uuid(f"{dataset}/{file_name}"),
        "name": "Luas Lahan Sawah 2019-2023 (SAMPLE)",
        "format": "XLSX",
        "url": f"{PORTAL}/dataset/{dataset}/resource/download/{file_name}",
        "last_modified": FIXED_ISO.rstrip("Z"),
        "metadata_modified": FIXED_ISO.rstrip("Z"),
    }
    note = {
        "id": resource_uuid(f"{dataset}/metadata.pdf"),
        "name": "Metadata Statistik (SAMPLE)",
        "format": "PDF",
        "url": f"{PORTAL}/dataset/{dataset}/resource/download/metadata.pdf",
        "last_modified": FIXED_ISO.rstrip("Z"),
        "metadata_modified": FIXED_ISO.rstrip("Z"),
    }
    body = {
        "_sample_note": f"SAMPLE recording: {SAMPLE_NOTE}; host {PORTAL} does not exist",
        "help": f"{PORTAL}/api/3/action/help_show?name=package_show",
        "success": True,
        "result": {
            "id": resource_uuid(dataset),
            "name": dataset,
            "title": "Luas Lahan Sawah Kota Malang (SAMPLE)",
            "organization": {"name": "dkpp-kota-malang"},
            "resources": [resource, note],
        },
    }
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    (folder / "package_show.json").write_text(text, encoding="utf-8")


# --- BPS WebAPI recording -------------------------------------------------------------------------

BPS_WEBAPI = "https://webapi.bps.sample.invalid/v1/api"


def bps_ipm_jatim() -> Path:
    """A recorded answer of BPS's WebAPI (`list/model/data`, domain 3500): the human development
    index of Jawa Timur's 38 kab/kota and the province, 2020-2024, in BPS's own structure
    (vervar x var x turvar x tahun x turtahun, `datacontent` keyed by the joined ids). Variable
    id and values are made up; only Kota Malang's row loads (`parse.region.covers`)."""
    rng = random.Random(3573_15)
    variable, years = 413, range(2020, 2025)
    tahun = [{"val": year - 1900, "label": str(year)} for year in years]
    content: dict[str, float] = {}
    known = {3573: 82.0, 3578: 81.5, 3500: 71.5}  # Kota Malang, Surabaya, the province
    for code in JATIM_KABKOTA:
        level = known.get(code) or rng.uniform(62.0, 78.0)
        for step, item in enumerate(tahun):
            value = round(level + 0.55 * step + rng.uniform(-0.1, 0.1), 2)
            content[f"{code}{variable}0{item['val']}0"] = value
    answer = {
        "_sample_note": f"SAMPLE recording: {SAMPLE_NOTE}; host {BPS_WEBAPI} does not exist and "
        "the variable id is made up",
        "status": "OK",
        "data-availability": "available",
        "last_update": "2024-01-01 00:00:00",
        "subject": [{"val": 26, "label": "Indeks Pembangunan Manusia"}],
        "var": [
            {
                "val": variable,
                "label": "Indeks Pembangunan Manusia Menurut Kabupaten/Kota (SAMPLE)",
                "unit": "Indeks",
                "subj": "Indeks Pembangunan Manusia",
                "def": "IPM mengukur capaian pembangunan manusia dari tiga dimensi dasar: umur "
                "panjang dan hidup sehat, pengetahuan, dan standar hidup layak.",
                "decimal": "2",
                "note": f"{SAMPLE_NOTE}. Metode baru (UHH, HLS, RLS, pengeluaran per kapita).",
            }
        ],
        "turvar": [{"val": 0, "label": "Tidak ada"}],
        "labelvervar": "Kabupaten/Kota",
        "vervar": [{"val": code, "label": name} for code, name in JATIM_KABKOTA.items()],
        "tahun": tahun,
        "turtahun": [{"val": 0, "label": "Tahun"}],
        "datacontent": content,
        "related": [],
    }
    path = SAMPLES / "bps" / "bps_ipm_jatim.SAMPLE.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(answer, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# --- other publishers' tables: the province's and the nation's ----------------------------------


def bps_penduduk_jatim() -> Path:
    """BPS Jawa Timur's "download as Excel" of a table by kab/kota: an HTML page saved as .xls
    holding a title table, the data table (a two-row header in <th>: "Kabupaten/Kota" down two
    rows, "Jumlah Penduduk (ribu jiwa)" across the three years), a column-number row, the 38
    kab/kota and the province's total row, then a footnote table; Indonesian numbers ("1.234,5").
    Only Kota Malang's row loads (`parse.region.covers: provinsi`)."""
    rng = random.Random(3573_16)
    years = (2021, 2022, 2023)
    # In tenths of a thousand people: Kota Malang, Kabupaten Malang and Surabaya fixed.
    known = {3573: (8456, 8472, 8491), 3507: (26_372, 26_544, 26_712)}
    known[3578] = (28_806, 28_875, 28_937)
    data: list[list[object]] = [
        ["Kabupaten/Kota", "Jumlah Penduduk (ribu jiwa)", None, None],
        [None, *(str(year) for year in years)],
        ["(1)", "(2)", "(3)", "(4)"],
    ]
    totals = [0] * len(years)
    for code, name in JATIM_KABKOTA.items():
        if code == JAWA_TIMUR:
            continue
        tenths = known.get(code)
        if tenths is None:
            level = rng.randint(3_000, 20_000) if code < 3571 else rng.randint(1_200, 9_000)
            growth = rng.uniform(0.002, 0.009)
            tenths = tuple(round(level * (1 + growth) ** step) for step in range(len(years)))
        totals = [a + b for a, b in zip(totals, tenths, strict=True)]
        data.append([name, *(id_num(v / 10, 1) for v in tenths)])
    data.append([JATIM_KABKOTA[JAWA_TIMUR], *(id_num(v / 10, 1) for v in totals)])
    title = "Jumlah Penduduk menurut Kabupaten/Kota di Provinsi Jawa Timur (ribu jiwa), 2021–2023"
    notes = [
        ["Sumber: BPS Provinsi Jawa Timur, Proyeksi Penduduk Interim 2020–2023 (data contoh)"],
        [f"Catatan: {SAMPLE_NOTE}; angka rekaan, bukan angka BPS"],
    ]
    blocks = [
        HtmlTable([["Tabel 3.1.3"], [title], [SAMPLE_NOTE]], border=False),
        HtmlTable(data, merges=("A1:A2", "B1:D1"), header_rows=2),
        HtmlTable(notes, border=False),
    ]
    path = SAMPLES / "bps_penduduk_jatim.SAMPLE.xls"
    path.write_bytes(html_page(f"SAMPLE — {title}", blocks))
    return path


def en_num(hundredths: int) -> str:
    """English number text of hundredths: 24531650 -> "245,316.50"."""
    whole, rest = divmod(hundredths, 100)
    return f"{whole:,}.{rest:02d}"


def klhk_timbulan_sampah() -> Path:
    """The ministry's national SIPSN table as its website exports it: a `,` CSV, one row per
    kab/kota of Indonesia (514) with its province, names as "Kab. Malang" / "Kota Malang",
    English numbers ("245,316.50", quoted because of the comma; "94.60" below 1,000) and a
    closing note. Only Kota Malang's row loads (`parse.region.covers: nasional`)."""
    rng = random.Random(3573_17)
    provinces, regions = kabkota_indonesia()
    # Tons a day in hundredths: ranges by tingkat, Kota Malang's 672.10 fixed.
    tons_a_day = {"kota": (3_000, 160_000), "kabupaten": (2_000, 120_000)}
    city = {"3573": 672_10}
    lines: list[list[object]] = [
        [
            "Tahun",
            "Provinsi",
            "Kabupaten/Kota",
            "Timbulan Sampah Harian (ton)",
            "Timbulan Sampah Tahunan (ton)",
        ]
    ]
    for code, tingkat, nama in regions:
        core = title_case(nama.removeprefix(f"{tingkat.upper()} "))
        name = f"Kota {core}" if tingkat == "kota" else f"Kab. {core}"
        daily = city.get(code) or rng.randint(*tons_a_day[tingkat])
        province = title_case(provinces[code[:2]])
        lines.append(["2023", province, name, en_num(daily), en_num(daily * 365)])
    lines.append([f"Catatan: {SAMPLE_NOTE}; angka rekaan, bukan data SIPSN KLHK"])
    return write_csv("klhk_timbulan_sampah.SAMPLE.csv", lines, delimiter=",")


WRITERS: tuple[Callable[[], Path], ...] = (
    bps_luas_penduduk,
    dispendukcapil_penduduk_kelurahan,
    disdikbud_sekolah,
    dinkes_faskes,
    dinkes_stunting,
    dlh_sampah_rth,
    bpbd_kejadian_bencana,
    bps_ekonomi_makro,
    kominfo_sambat_online,
    bkad_pendapatan_daerah,
    diskopindag_umkm,
    kominfo_wifi_publik,
    dishub_angkutan,
    dlh_ispu,
    dkpp_lahan_sawah,
    bps_ipm_jatim,
    bps_penduduk_jatim,
    klhk_timbulan_sampah,
)


def main() -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    for write in WRITERS:
        path = write()
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
