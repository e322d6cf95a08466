"""Write the agency-shaped fixture set: SAMPLE files, their catalog entries and answer keys.

Every file here is shaped like what Kota Malang's OPDs and BPS really send (title rows, merged
multi-row headers, group labels written once in a CSV, "Jumlah"/"Kota Malang" rows, footnotes,
no-break spaces, odd sheet names, cp1252/BOM CSVs, `;` and tab delimiters, "-"/"…" markers,
month and quarter words, remark columns, both decimal styles, kecamatan sub-headers) and every
number is made up (SAMPLE, not official data).

Each value cell is written from a `Fact` (what the parser must yield for it) and each cell the
parser must hold back from a `Bad` (its rule), so the answer keys come from the same data the
files are written from, never from running the parser. Output (deterministic: no clock, no
random generator; workbooks get fixed timestamps):

    files/<id>.SAMPLE.xlsx|csv    the agency-shaped files
    catalog/<id>.yaml             their catalog entries (location tests/agency_files/files/...)
    answers/<id>.csv              indikator,kode_wilayah,periode,nilai,status (sorted)
    answers/<id>.karantina.csv    lokasi,aturan of every cell that must be quarantined
    codes.yaml                    per fixture: indicator label as in the file -> code
    README.md                     what each file exercises

Run from the repo root (tests/test_agency_files.py checks that a rerun changes nothing):

    .venv/bin/python tests/agency_files/make_fixtures.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))  # file_writers.py, beside this script
sys.path.insert(0, str(ROOT))  # scripts/html_export.py, shared with the bundled samples
from file_writers import Formula, biff_workbook, sheetjs_workbook  # noqa: E402

from scripts.html_export import HtmlTable, html_page  # noqa: E402
from scripts.stable_xlsx import save_stable  # noqa: E402
from sources.catalog_schema import schema_comment  # noqa: E402

WILAYAH_CSV = ROOT / "sources" / "wilayah_kota_malang.csv"
LOCATION = "tests/agency_files/files"
SAMPLE_NOTE = "DATA CONTOH (SAMPLE) — bukan data resmi"
NBSP = "\u00a0"
GENERATED = (
    "# SAMPLE fixture written by tests/agency_files/make_fixtures.py: edit the script, not this."
)

FAMILIES: dict[int, str] = {
    1: "multi-row headers (depth 2-3) with merged groups (in CSV: group label written once)",
    2: "header parts captured by a regex with named groups",
    3: "indicators as rows (with group rows)",
    4: "months and periods in words (year from text, column, catalog, sheet or title)",
    5: "status from a remark column",
    6: "number style (decimal point, thousands dot, English style, auto)",
    7: "regions as agencies write them (sub-headers, spellings, aliases, unknown names)",
    8: "totals per period (years stacked in rows, a Kota Malang row per year)",
    9: "files as other programs save them (an HTML table saved as .xls, a BIFF .xls, an xlsx "
    "written by SheetJS, formulas without saved values)",
}

# The quarantine rules (sources/quarantine.py) that hold back a whole row; nilai_numeric holds
# back only its own cell.
ROW_RULES = frozenset(
    {"kode_wilayah_known", "keys_not_null", "periode_well_formed", "wilayah_induk"}
)

AGENCIES: dict[str, str] = {
    "bapenda": "Badan Pendapatan Daerah Kota Malang",
    "bkad": "Badan Keuangan dan Aset Daerah Kota Malang",
    "bpbd": "Badan Penanggulangan Bencana Daerah Kota Malang",
    "bps": "BPS Kota Malang",
    "dinkes": "Dinas Kesehatan Kota Malang",
    "dinsos": "Dinas Sosial Kota Malang",
    "disdikbud": "Dinas Pendidikan dan Kebudayaan Kota Malang",
    "dishub": "Dinas Perhubungan Kota Malang",
    "disnaker": "Dinas Tenaga Kerja, Penanaman Modal dan PTSP Kota Malang",
    "disperkim": "Dinas Perumahan dan Kawasan Permukiman Kota Malang",
    "dispendukcapil": "Dinas Kependudukan dan Pencatatan Sipil Kota Malang",
    "dlh": "Dinas Lingkungan Hidup Kota Malang",
    "dp3ap2kb": "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan KB",
    "pdam": "Perumda Air Minum Tugu Tirta Kota Malang",
    "kemenkes": "Kementerian Kesehatan Republik Indonesia",
}


# --- regions ------------------------------------------------------------------------------------


def _read_regions() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Kecamatan name -> code, and kecamatan code -> [(kelurahan code, name)] in file order."""
    kecamatan: dict[str, str] = {}
    kelurahan: dict[str, list[tuple[str, str]]] = {}
    with WILAYAH_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["tingkat"] == "kecamatan":
                kecamatan[row["nama"]] = row["kode_kemendagri"]
            elif row["tingkat"] == "kelurahan":
                kelurahan.setdefault(row["kode_induk"], []).append(
                    (row["kode_kemendagri"], row["nama"])
                )
    return kecamatan, kelurahan


KOTA = "35.73"
KECAMATAN, KELURAHAN = _read_regions()
# The order BPS tables list the kecamatan in (by BPS code), not the Kemendagri order.
BPS_ORDER = ("Kedungkandang", "Sukun", "Klojen", "Blimbing", "Lowokwaru")


def kelurahan_code(name: str) -> str:
    return next(code for rows in KELURAHAN.values() for code, nama in rows if nama == name)


# --- cells, tables and fixtures -----------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """A value cell: what the file shows and the tidy row the parser must make of it."""

    shown: object
    indikator: str
    kode_wilayah: str
    periode: str
    nilai: float | None
    status: str = "final"


@dataclass(frozen=True)
class Bad:
    """A cell the parser cannot read and must quarantine, with the rule it breaks."""

    shown: object
    aturan: str


def shown(cell: object) -> object:
    return cell.shown if isinstance(cell, Fact | Bad) else cell


@dataclass
class Table:
    """One sheet or CSV as written: rows of cells (plain values, Facts, Bads) and merges."""

    rows: list[list[object]] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    bold_rows: set[int] = field(default_factory=set)

    def add(self, *cells: object, bold: bool = False) -> int:
        """Append a row; returns its 1-based row number."""
        row = list(cells)
        if any(isinstance(c, Bad) and c.aturan in ROW_RULES for c in row):
            # A row held back for its key yields no facts: its values must be plain cells.
            assert not any(isinstance(c, Fact) for c in row), row
        self.rows.append(row)
        if bold:
            self.bold_rows.add(len(self.rows))
        return len(self.rows)

    def merge(self, ref: str) -> None:
        self.merges.append(ref)

    @property
    def next_row(self) -> int:
        return len(self.rows) + 1

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Fixture:
    id: str
    kind: str  # xlsx | csv
    families: tuple[int, ...]
    about: str  # one paragraph for the README: what the file exercises
    entry: dict  # title, agency, dimension, schedule, parse, indicators, quality
    codes: dict[str, str]  # indicator label as it appears in the file -> code
    table: Table  # the table the catalog entry reads
    sheet: str | None = None  # xlsx: the real name of the sheet `table` is written to
    sheets: list[tuple[str, Table]] = field(default_factory=list)  # xlsx: every sheet, in order
    encoding: str = "utf-8"  # csv: utf-8, utf-8-sig (BOM) or cp1252
    delimiter: str = ";"
    newline: str = "\n"
    pad: bool = True  # csv: Excel writes every line to the table's full width
    # How the file is written when not by openpyxl or csv: "html" (each of `sheets` a <table>,
    # a non-empty name a heading above it, saved as .xls), "xls" (BIFF8), "sheetjs" (xlsx).
    format: str = ""

    @property
    def file_name(self) -> str:
        extension = "xls" if self.format in ("html", "xls") else self.kind
        return f"{self.id}.SAMPLE.{extension}"

    @property
    def shape(self) -> str:
        """What the file is, for the README: "xlsx", "csv", "xls (HTML table)", ..."""
        names = {"html": "xls (HTML tables)", "xls": "xls (BIFF8)", "sheetjs": "xlsx (SheetJS)"}
        return names.get(self.format, self.kind)

    def cells(self):
        """(row, column, cell) of the parsed table, 1-based."""
        for r, row in enumerate(self.table.rows, start=1):
            for c, cell in enumerate(row, start=1):
                yield r, c, cell

    def place(self, r: int, c: int) -> str:
        """The cell's place as the parser names it: `Sheet!C7`, or `baris 7, kolom 3` (the
        physical line: a quoted cell with a line break pushes the lines below it down)."""
        if self.format == "html":
            number = 1 + [t for _, t in self.sheets].index(self.table)
            return f"tabel {number}, baris {r}, kolom {c}"
        if self.kind == "xlsx":
            return f"{self.sheet}!{get_column_letter(c)}{r}"
        line = 1 + sum(
            1 + sum(str(shown(v)).count("\n") for v in row if v is not None)
            for row in self.table.rows[: r - 1]
        )
        return f"baris {line}, kolom {c}"

    def facts(self) -> list[tuple[str, str, str, float | None, str]]:
        rows = [
            (f.indikator, f.kode_wilayah, f.periode, f.nilai, f.status)
            for _, _, f in self.cells()
            if isinstance(f, Fact)
        ]
        keys = [row[:3] for row in rows]
        assert len(set(keys)) == len(keys), f"{self.id}: a key twice"
        return sorted(rows, key=lambda row: row[:3])

    def quarantined(self) -> list[tuple[str, str]]:
        return [(self.place(r, c), b.aturan) for r, c, b in self.cells() if isinstance(b, Bad)]


# --- numbers and helpers ------------------------------------------------------------------------


def pick(key: str, lo: int, hi: int) -> int:
    """A made-up but stable number in [lo, hi] for `key` (crc32: the same on every Python)."""
    return lo + zlib.crc32(key.encode("utf-8")) % (hi - lo + 1)


def id_num(value: float, decimals: int = 0, group: str = ".") -> str:
    """Indonesian number text: 1234.5 -> "1.234,5" (`group` may be a no-break space)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", group)


def en_num(value: float, decimals: int = 0) -> str:
    """English number text: 34527.1 -> "34,527.10"."""
    return f"{value:,.{decimals}f}"


def total(facts: Sequence[Fact]) -> float:
    """What a total row shows for these parts: the sum of the values that are there."""
    return sum(f.nilai for f in facts if f.nilai is not None)


def column_totals(rows: Sequence[Sequence[Fact]]) -> list[float]:
    return [total(column) for column in zip(*rows, strict=True)]


def indicator(code, name_id, name_en, unit, definition, direction="neutral") -> dict:
    return {
        "code": code,
        "name_id": name_id,
        "name_en": name_en,
        "unit": unit,
        "definition": definition,
        "direction": direction,
    }


def entry(title, agency, dimension, schedule, parse, indicators, max_quarantine=None) -> dict:
    assert "SAMPLE" in title
    out = {
        "title": title,
        "agency": {"code": agency, "name": AGENCIES[agency]},
        "dimension": dimension,
        "schedule": schedule,
        "parse": parse,
        "indicators": indicators,
    }
    if max_quarantine is not None:
        out["quality"] = {"max_quarantine_share": max_quarantine}
    return out


def title_rows(t: Table, title: str, width: int, *more: str) -> None:
    """A merged title row, the SAMPLE note and any further lines above the table."""
    last = get_column_letter(width)
    for text in (title, SAMPLE_NOTE, *more):
        r = t.add(text)
        t.merge(f"A{r}:{last}{r}")


# --- 1. PDAM: two merged header groups over years, xlsx -----------------------------------------


def pdam_air_pelanggan() -> Fixture:
    fid = "pdam_air_pelanggan"
    vol, pel = "VOLUME_AIR_TERJUAL", "PELANGGAN_AIR_MINUM"
    years = ("2021", "2022", "2023", "2024*")
    t = Table(widths={"A": 18})
    title_rows(
        t,
        "Tabel 5.3  Volume Air Terjual dan Jumlah Pelanggan Perumda Air Minum Tugu Tirta "
        "menurut Kecamatan di Kota Malang, 2021–2024",
        9,
    )
    t.add()
    t.add(
        "Kecamatan",
        "Volume Air Terjual (m³)",
        None,
        None,
        None,
        f"Jumlah{NBSP}Pelanggan",  # typed with a no-break space
        None,
        None,
        None,
        bold=True,
    )
    for ref in ("A4:A5", "B4:E4", "F4:I4"):
        t.merge(ref)
    year_cells = [int(y) if y.isdigit() else y for y in years]
    t.add(None, *year_cells, *year_cells, bold=True)
    t.add(*[f"({i})" for i in range(1, 10)])  # BPS-style column numbers under the header
    spelling = {
        "Kedungkandang": "Kedung Kandang",
        "Sukun": "SUKUN",
        "Klojen": f"{NBSP}Klojen",
        "Blimbing": "Kec. Blimbing",
        "Lowokwaru": "Lowokwaru ",
    }
    body = []
    for name in BPS_ORDER:
        kode = KECAMATAN[name]
        row = []
        for code, lo, hi in ((vol, 3_000_000, 9_000_000), (pel, 18_000, 46_000)):
            for y in years:
                year, provisional = y.rstrip("*"), y.endswith("*")
                n = pick(f"{fid}/{code}/{name}/{year}", lo, hi)
                status = "sementara" if provisional else "final"
                cell: object = id_num(n) if provisional else n
                nilai: float | None = n
                if (code, name, year) == (pel, "Lowokwaru", "2021"):
                    cell, nilai = "…", None  # not available
                if (code, name, year) == (vol, "Sukun", "2023"):
                    cell, status = id_num(n) + "*", "sementara"  # one figure still provisional
                row.append(Fact(cell, code, kode, year, nilai, status))
        body.append(row)
        t.add(spelling[name], *row)
    t.add()
    sums = column_totals(body)
    t.add("Kota Malang", *[id_num(s) if i in (3, 7) else s for i, s in enumerate(sums)], bold=True)
    t.add()
    t.add("*) Angka sementara")
    t.add("Sumber: Perumda Air Minum Tugu Tirta Kota Malang")
    info = Table(widths={"A": 90})
    info.add("Keterangan")
    info.add(SAMPLE_NOTE)
    info.add("Tabel data ada pada lembar ' Tabel 5.3 '. Angka 2024 adalah angka sementara.")
    chart = Table()
    chart.add("Grafik volume air terjual (lihat lembar Tabel 5.3)")
    sheet = " Tabel 5.3 "  # spaces around the name, as typed
    parse = {
        "sheet": "Tabel 5.3",
        "header_row": 4,
        "header_depth": 2,
        "layout": "wide",
        # "Volume Air Terjual (m³) / 2024*": the group is the indicator, the column the year.
        "header_pattern": r"^(?P<indicator>.+?) / (?P<year>\d{4}\s*\*?)$",
        "indicator_labels": {"Volume Air Terjual (m³)": vol, "Jumlah Pelanggan": pel},
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        # The "(1) (2) ... (9)" column-number row under the header is no data.
        "drop_rows": [r"^\(\d+\)$"],
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(1, 2, 7),
        about="Two merged header groups (Volume Air Terjual (m³), Jumlah Pelanggan with a "
        "no-break space) over 2021..2023 and 2024*, read by a header_pattern with indicator and "
        "year groups; sheet ' Tabel 5.3 ' after a 'Keterangan' sheet; a (1)..(9) column-number "
        "row dropped by drop_rows; kecamatan spellings (Kedung Kandang, SUKUN, Kec. Blimbing, "
        "NBSP); a '…' cell; a '6.543.210*' cell; a Kota Malang total row; footnotes.",
        entry=entry(
            "SAMPLE — Volume air terjual dan jumlah pelanggan PDAM menurut kecamatan",
            "pdam",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    vol,
                    "Volume air minum terjual",
                    "Drinking water sold",
                    "m³",
                    "Volume air minum yang terjual ke pelanggan Perumda Tugu Tirta dalam setahun.",
                ),
                indicator(
                    pel,
                    "Jumlah pelanggan air minum",
                    "Piped water customers",
                    "sambungan",
                    "Sambungan rumah dan non-rumah tangga aktif pada akhir tahun.",
                    "higher_is_better",
                ),
            ],
        ),
        codes={"Volume Air Terjual (m³)": vol, "Jumlah Pelanggan": pel},
        table=t,
        sheet=sheet,
        sheets=[("Keterangan", info), (sheet, t), ("Grafik", chart)],
    )


# --- 2. Dinkes: three groups written once in a CSV (UTF-8 BOM, `;`) -----------------------------


def dinkes_tenaga_kesehatan() -> Fixture:
    fid = "dinkes_tenaga_kesehatan"
    groups = {
        "Dokter\nUmum": ("DOKTER_UMUM", 20, 90),  # Alt+Enter in the header cell
        "Perawat": ("PERAWAT", 150, 900),
        "Bidan": ("BIDAN", 40, 260),
    }
    years = ("2022", "2023", "2024*")
    t = Table()
    t.add("Tabel 2.4 Jumlah Tenaga Kesehatan menurut Kecamatan dan Jenis Tenaga, 2022–2024")
    t.add(SAMPLE_NOTE)
    t.add()
    top: list[object] = ["Kecamatan"]
    for label in groups:
        top += [label, None, None]  # the group label once, above its first column
    t.add(*top)
    t.add(None, *(years * len(groups)))
    spelling = {
        "Kedungkandang": "Kec. Kedungkandang",
        "Sukun": "Kec. Sukun",
        "Klojen": "Kec. Klojen",
        "Blimbing": "Kec. Blimbing",
        "Lowokwaru": "Kec. Lowokwaru",
    }
    body = []
    for name in BPS_ORDER:
        row = []
        for code, lo, hi in groups.values():
            for y in years:
                year = y.rstrip("*")
                n = pick(f"{fid}/{code}/{name}/{year}", lo, hi)
                status = "sementara" if y.endswith("*") else "final"
                row.append(Fact(id_num(n), code, KECAMATAN[name], year, n, status))
        body.append(row)
        t.add(spelling[name], *row)
    t.add("Jumlah", *[id_num(s) for s in column_totals(body)])
    t.add()
    t.add("*) Angka sementara (data s.d. Oktober 2024)")
    t.add("Sumber: Dinas Kesehatan Kota Malang")
    parse = {
        "header_row": 4,
        "header_depth": 2,
        "layout": "wide",
        "header_pattern": r"^(?P<indicator>Dokter Umum|Perawat|Bidan) / (?P<year>\d{4}\s*\*?)$",
        "indicator_labels": {"Dokter Umum": "DOKTER_UMUM", "Perawat": "PERAWAT", "Bidan": "BIDAN"},
        "region": {"column": "Kecamatan", "level": "kecamatan"},
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(1, 2),
        about="CSV (UTF-8 with BOM, `;`, Excel-padded lines) whose two-row header writes each "
        "group label once above its first column (the parser carries it right); one label has a "
        "line break inside its quoted cell ('Dokter\\nUmum'); years 2022, 2023, 2024*; "
        "'Kec. ...' names; a Jumlah row; footnotes.",
        entry=entry(
            "SAMPLE — Jumlah tenaga kesehatan menurut kecamatan dan jenis tenaga",
            "dinkes",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    "DOKTER_UMUM",
                    "Jumlah dokter umum",
                    "General practitioners",
                    "orang",
                    "Dokter umum yang praktik di fasilitas kesehatan di kecamatan.",
                    "higher_is_better",
                ),
                indicator(
                    "PERAWAT",
                    "Jumlah perawat",
                    "Nurses",
                    "orang",
                    "Perawat yang bekerja di fasilitas kesehatan di kecamatan.",
                    "higher_is_better",
                ),
                indicator(
                    "BIDAN",
                    "Jumlah bidan",
                    "Midwives",
                    "orang",
                    "Bidan yang bekerja di fasilitas kesehatan di kecamatan.",
                    "higher_is_better",
                ),
            ],
        ),
        codes={"Dokter Umum": "DOKTER_UMUM", "Perawat": "PERAWAT", "Bidan": "BIDAN"},
        table=t,
        encoding="utf-8-sig",
    )


# --- 3. DP3AP2KB: a three-row merged header, xlsx -----------------------------------------------


def dp3ap2kb_kekerasan() -> Fixture:
    fid = "dp3ap2kb_kekerasan"
    sexes = {"Laki-laki": "KORBAN_KEKERASAN_LAKI_LAKI", "Perempuan": "KORBAN_KEKERASAN_PEREMPUAN"}
    years = ("2022", "2023", "2024*")
    t = Table(widths={"A": 18, "H": 30})
    title_rows(
        t,
        "Jumlah Korban Kekerasan terhadap Perempuan dan Anak yang Ditangani menurut Kecamatan "
        "dan Jenis Kelamin Korban, 2022–2024",
        8,
    )
    t.add()
    t.add("Kecamatan", "Kasus", None, None, None, None, None, "Keterangan", bold=True)
    t.add(None, "Laki-laki", None, None, "Perempuan", None, None, None, bold=True)
    t.add(None, 2022, 2023, "2024*", 2022, 2023, "2024*", None, bold=True)
    for ref in ("A4:A6", "B4:G4", "B5:D5", "E5:G5", "H4:H6"):
        t.merge(ref)
    body = []
    for name in BPS_ORDER:
        row = []
        for code in sexes.values():
            for y in years:
                year = y.rstrip("*")
                n = pick(f"{fid}/{code}/{name}/{year}", 0, 45)
                if (name, code, year) in (
                    ("Klojen", sexes["Laki-laki"], "2022"),
                    ("Lowokwaru", sexes["Laki-laki"], "2024"),
                ):
                    n = 0
                status = "sementara" if y.endswith("*") else "final"
                # A nil count is written "-" (the catalog says dash: zero).
                row.append(Fact("-" if n == 0 else n, code, KECAMATAN[name], year, n, status))
        body.append(row)
        note = "termasuk rujukan UPT PPA" if name == "Klojen" else None
        t.add(name, *row, note)
    t.add("Jumlah", *column_totals(body), None, bold=True)
    t.add()
    t.add("*) Angka sementara s.d. Triwulan III 2024")
    t.add("Sumber: DP3AP2KB Kota Malang (SIMFONI-PPA)")
    parse = {
        "sheet": "Tabel Kekerasan",
        "header_row": 4,
        "header_depth": 3,
        "layout": "wide",
        # "Kasus / Perempuan / 2024*": the middle part is the indicator, the leaf the year.
        "header_pattern": r"^Kasus / (?P<indicator>Laki-laki|Perempuan) / (?P<year>\d{4}\s*\*?)$",
        "indicator_labels": dict(sexes),
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "dash": "zero",
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(1, 2),
        about="Three-row merged header: 'Kecamatan' and 'Keterangan' merged down all three rows, "
        "'Kasus' over 'Laki-laki'/'Perempuan' over 2022, 2023, 2024*; header_pattern "
        "'Kasus / (?P<indicator>...) / (?P<year>...)'; '-' means nil (dash: zero); a Jumlah row.",
        entry=entry(
            "SAMPLE — Korban kekerasan terhadap perempuan dan anak menurut kecamatan",
            "dp3ap2kb",
            "smart_people",
            "tahunan",
            parse,
            [
                indicator(
                    sexes["Laki-laki"],
                    "Jumlah korban kekerasan laki-laki yang ditangani",
                    "Male victims of violence assisted",
                    "orang",
                    "Korban kekerasan laki-laki (anak) yang ditangani UPT PPA dalam setahun.",
                    "lower_is_better",
                ),
                indicator(
                    sexes["Perempuan"],
                    "Jumlah korban kekerasan perempuan yang ditangani",
                    "Female victims of violence assisted",
                    "orang",
                    "Korban kekerasan perempuan dan anak perempuan yang ditangani UPT PPA.",
                    "lower_is_better",
                ),
            ],
        ),
        codes=dict(sexes),
        table=t,
        sheet="Tabel Kekerasan",
        sheets=[("Tabel Kekerasan", t)],
    )


# --- 4. Dishub: three-row header written once in a CSV, quarters in words, year from title -----


def dishub_penumpang_terminal() -> Fixture:
    fid = "dishub_penumpang_terminal"
    flows = {"Berangkat": "PENUMPANG_TERMINAL_BERANGKAT", "Datang": "PENUMPANG_TERMINAL_DATANG"}
    quarters = ("TW I", "TW II", "TW III", "TW IV*")
    t = Table()
    t.add("Jumlah Penumpang Terminal Tipe A menurut Lokasi Terminal, Tahun 2023")
    t.add(SAMPLE_NOTE)
    t.add()
    t.add("Kecamatan", "Penumpang", *[None] * 7)
    t.add(None, "Berangkat", None, None, None, "Datang", None, None, None)
    t.add(None, *quarters, *quarters)
    terminals = {"Blimbing": "Blimbing", "Kedungkandang": "Kedungkandang", "Sukun": "Sukun"}
    body = []
    for name, written in terminals.items():
        row = []
        for code in flows.values():
            for q, label in enumerate(quarters, start=1):
                n = pick(f"{fid}/{code}/{name}/{q}", 40_000, 260_000)
                status = "sementara" if label.endswith("*") else "final"
                row.append(Fact(id_num(n), code, KECAMATAN[name], f"2023-Q{q}", n, status))
        body.append(row)
        t.add(written, *row)
    t.add("Total", *[id_num(s) for s in column_totals(body)])
    t.add("Keterangan: TW = triwulan; * angka sementara")
    parse = {
        "header_row": 4,
        "header_depth": 3,
        "layout": "wide",
        "header_pattern": r"^Penumpang / (?P<indicator>Berangkat|Datang) / "
        r"(?P<quarter>TW\s*[IV]+\s*\*?)$",
        "indicator_labels": dict(flows),
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        # "TW I" names no year: the title says "Tahun 2023".
        "period": {"year_from": "title"},
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(1, 2, 4),
        about="CSV (`,`, lines not padded) with a three-row header written once (Penumpang / "
        "Berangkat|Datang / TW I..TW IV*); quarters as 'TW' with Roman numerals; the year from "
        "the title row ('Tahun 2023'); a Total row; a 'Keterangan:' line.",
        entry=entry(
            "SAMPLE — Penumpang terminal tipe A per triwulan menurut lokasi terminal",
            "dishub",
            "smart_mobility",
            "triwulanan",
            parse,
            [
                indicator(
                    flows["Berangkat"],
                    "Jumlah penumpang berangkat di terminal tipe A",
                    "Passengers departing from type A bus terminals",
                    "orang",
                    "Penumpang bus AKAP/AKDP yang berangkat dari terminal dalam triwulan.",
                ),
                indicator(
                    flows["Datang"],
                    "Jumlah penumpang datang di terminal tipe A",
                    "Passengers arriving at type A bus terminals",
                    "orang",
                    "Penumpang bus AKAP/AKDP yang turun di terminal dalam triwulan.",
                ),
            ],
        ),
        codes=dict(flows),
        table=t,
        delimiter=",",
        pad=False,
    )


# --- 5. BKAD: indicators as rows, "Realisasi Triwulan III 2024" headers, xlsx --------------------


def bkad_realisasi_triwulan() -> Fixture:
    fid = "bkad_realisasi_triwulan"
    rows = {
        "Pendapatan Asli Daerah": ("REALISASI_PAD_TRIWULAN", 250_000_00, 420_000_00),
        f"{NBSP}{NBSP}Pajak Daerah": ("REALISASI_PAJAK_DAERAH", 150_000_00, 300_000_00),
        f"{NBSP}{NBSP}Retribusi Daerah": ("REALISASI_RETRIBUSI_DAERAH", 10_000_00, 40_000_00),
        "  Hasil Pengelolaan Kekayaan Daerah yang Dipisahkan": (None, 5_000_00, 9_000_00),
        "Pendapatan Transfer": ("REALISASI_PENDAPATAN_TRANSFER", 400_000_00, 900_000_00),
    }
    numbers = {"Pendapatan Asli Daerah": "1", "Pendapatan Transfer": "2"}
    t = Table(widths={"B": 52})
    title_rows(t, "Realisasi Pendapatan Daerah Kota Malang Tahun Anggaran 2024", 8)
    t.add("(dalam juta rupiah)")
    t.add()
    quarters = ["Triwulan I", "Triwulan II", "Triwulan III", "Triwulan IV"]
    header = t.add(
        "No",
        "Uraian",
        "Target 2024",
        *[f"Realisasi {q} 2024" for q in quarters[:3]],
        "Realisasi Triwulan IV 2024*",
        "% Realisasi",
        bold=True,
    )
    sub = 0
    quarter_values: dict[str, list[float]] = {}
    for label, (code, lo, hi) in rows.items():
        stripped = label.strip(f" {NBSP}")
        number = numbers.get(stripped)
        if number is None:
            sub += 1
            number = f"1.{sub}"
        target = pick(f"{fid}/target/{stripped}", hi, hi + 100_000_00) / 100
        cells: list[object] = []
        for q in range(1, 5):
            cents = pick(f"{fid}/{stripped}/{q}", lo, hi) * q // 4
            value = cents / 100
            quarter_values.setdefault(stripped, []).append(value)
            cell: object = id_num(value, 2) if q == 4 else value  # the last quarter is text
            status = "sementara" if q == 4 else "final"
            cells.append(Fact(cell, code, KOTA, f"2024-Q{q}", value, status) if code else cell)
        share = round(100 * pick(f"{fid}/{stripped}/4", lo, hi) / 100 / target, 2)
        t.add(number, label, target, *cells, share)
    # The revenue total is an indicator of its own, though its label starts with "Jumlah".
    code = "REALISASI_PENDAPATAN_DAERAH"
    cells = []
    for q in range(1, 5):
        cents = round(100 * quarter_values["Pendapatan Asli Daerah"][q - 1]) + round(
            100 * quarter_values["Pendapatan Transfer"][q - 1]
        )
        value = cents / 100
        shown_value: object = id_num(value, 2) if q == 4 else value
        status = "sementara" if q == 4 else "final"
        cells.append(Fact(shown_value, code, KOTA, f"2024-Q{q}", value, status))
    t.add(None, "Jumlah Pendapatan Daerah", None, *cells, None, bold=True)
    t.add()
    t.add(None, "*) Realisasi Triwulan IV belum diaudit (angka sementara)")
    t.add(None, "Sumber: BKAD Kota Malang, LRA per triwulan")
    mapped = {k.strip(f" {NBSP}"): v[0] for k, v in rows.items() if v[0]}
    mapped["Jumlah Pendapatan Daerah"] = code
    parse = {
        "sheet": "LRA 2024",
        "header_row": header,
        "layout": "indicators_as_rows",
        # The first cell of a row is its number (1, 1.1, ...); the label is in "Uraian".
        "label_column": "Uraian",
        "row_indicators": mapped,
        "header_pattern": r"^Realisasi (?P<quarter>Triwulan [IV]+) (?P<year>\d{4})"
        r"\s*(?P<status>\*)?$",
        "region": {"code": KOTA, "level": "kota"},
        # Pajak and Retribusi are parts of PAD: no row of this hierarchy is a sum of the rows
        # above it. "Jumlah Pendapatan Daerah" is mapped in row_indicators: an indicator.
        "total_check": "off",
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(2, 3, 4),
        about="Indicators as rows (label in 'Uraian' after a 'No' column, indented with no-break "
        "spaces); value columns 'Realisasi Triwulan I..IV 2024' read by a header_pattern with "
        "quarter, year and status groups ('2024*' -> sementara); 'Target 2024' and "
        "'% Realisasi' are not value columns; one row label not in row_indicators (skipped with "
        "a warning); 'Jumlah Pendapatan Daerah' is mapped in row_indicators, so it is an "
        "indicator row, not a total row; footnotes.",
        entry=entry(
            "SAMPLE — Realisasi pendapatan daerah per triwulan",
            "bkad",
            "smart_governance",
            "triwulanan",
            parse,
            [
                indicator(
                    "REALISASI_PAD_TRIWULAN",
                    "Realisasi PAD kumulatif s.d. triwulan",
                    "Own-source revenue collected, year to date",
                    "juta rupiah",
                    "PAD yang terealisasi sejak awal tahun anggaran sampai akhir triwulan.",
                    "higher_is_better",
                ),
                indicator(
                    "REALISASI_PAJAK_DAERAH",
                    "Realisasi pajak daerah kumulatif s.d. triwulan",
                    "Local taxes collected, year to date",
                    "juta rupiah",
                    "Pajak daerah yang terealisasi sejak awal tahun sampai akhir triwulan.",
                    "higher_is_better",
                ),
                indicator(
                    "REALISASI_RETRIBUSI_DAERAH",
                    "Realisasi retribusi daerah kumulatif s.d. triwulan",
                    "Local levies collected, year to date",
                    "juta rupiah",
                    "Retribusi daerah yang terealisasi sejak awal tahun sampai akhir triwulan.",
                    "higher_is_better",
                ),
                indicator(
                    "REALISASI_PENDAPATAN_DAERAH",
                    "Realisasi pendapatan daerah kumulatif s.d. triwulan",
                    "Total revenue collected, year to date",
                    "juta rupiah",
                    "Seluruh pendapatan daerah (PAD dan transfer) sampai akhir triwulan.",
                    "higher_is_better",
                ),
                indicator(
                    "REALISASI_PENDAPATAN_TRANSFER",
                    "Realisasi pendapatan transfer kumulatif s.d. triwulan",
                    "Transfer revenue received, year to date",
                    "juta rupiah",
                    "Dana transfer pusat dan provinsi yang diterima sampai akhir triwulan.",
                ),
            ],
        ),
        codes=mapped,
        table=t,
        sheet="LRA 2024",
        sheets=[("LRA 2024", t)],
    )


# --- 6. BPS: IPM components as rows under group rows, xlsx -------------------------------------


def bps_ipm_komponen() -> Fixture:
    fid = "bps_ipm_komponen"
    # BPS writes the status in the header in words; "angka perbaikan" is provisional too.
    years = ("2020", "2021", "2022 (Angka Perbaikan)", "2023", "2024 (Angka Sementara)")
    # (group, label, unit, code, base (hundredths), step per year, text style)
    lines = [
        ("Kesehatan", "Umur Harapan Hidup saat Lahir (UHH)", "tahun", "UHH", 7281, 12),
        ("Pendidikan", "Harapan Lama Sekolah (HLS)", "tahun", "HLS", 1545, 8),
        ("Pendidikan", "Rata-rata Lama Sekolah (RLS)", "tahun", "RLS", 1041, 9),
        ("Pengeluaran", "Pengeluaran per Kapita Disesuaikan", "ribu rupiah", "PPP", 0, 0),
        (None, "Indeks Pembangunan Manusia (IPM)", None, "IPM", 8204, 41),
    ]
    codes = {
        "UHH": "UMUR_HARAPAN_HIDUP",
        "HLS": "HARAPAN_LAMA_SEKOLAH",
        "RLS": "RATA_RATA_LAMA_SEKOLAH",
        "PPP": "PENGELUARAN_PER_KAPITA",
        "IPM": "INDEKS_PEMBANGUNAN_MANUSIA",
    }
    t = Table(widths={"A": 44})
    title_rows(t, "Tabel 4.1.1 Indeks Pembangunan Manusia dan Komponennya, Kota Malang", 7)
    t.add()
    header = t.add("Komponen", "Satuan", *[int(y) if y.isdigit() else y for y in years], bold=True)
    group_now = None
    row_indicators: dict[str, str] = {}
    labels: dict[str, str] = {}
    for group, label, unit, key, base, step in lines:
        code = codes[key]
        if group and group != group_now:
            t.add(group, bold=True)  # a group row: a label without values
            group_now = group
        cells = []
        for i, y in enumerate(years):
            year = y[:4]
            status = "final" if y.isdigit() else "sementara"
            if key == "PPP":
                n = 16_800 + 215 * i + pick(f"{fid}/ppp/{year}", 0, 40)
                cells.append(Fact(id_num(n), code, KOTA, year, n, status))  # "17.234" thousands
                continue
            hundredths = base + step * i + pick(f"{fid}/{key}/{year}", 0, 6)
            value = hundredths / 100
            # BPS exports mix numbers and Indonesian text ("82,04") in one table.
            cell = id_num(value, 2) if i % 2 else value
            cells.append(Fact(cell, code, KOTA, year, value, status))
        t.add(f"{NBSP}{NBSP}{label}" if group else label, unit, *cells)
        row_indicators[f"{group} / {label}" if group else label] = code
        labels[label] = code
    t.add()
    t.add("Sumber: BPS Kota Malang, Susenas dan Sakernas")
    parse = {
        "sheet": "Tabel 4.1.1",
        "header_row": header,
        "layout": "indicators_as_rows",
        "row_indicators": row_indicators,
        # "2024 (Angka Sementara)": the year, and the status in words in brackets.
        "header_pattern": r"^(?P<year>\d{4})\s*(?:\((?P<status>[^)]*)\))?$",
        "region": {"code": KOTA, "level": "kota"},
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(3,),
        about="Indicators as rows under group rows (Kesehatan, Pendidikan, Pengeluaran) keyed "
        "'Group / Label'; the IPM row is keyed by its label alone although a group row is above "
        "it; year columns '2022 (Angka Perbaikan)' and '2024 (Angka Sementara)' read by a "
        "header_pattern with a status group; a 'Satuan' column; numbers and Indonesian text "
        "mixed ('82,04', '17.234' thousands).",
        entry=entry(
            "SAMPLE — Indeks Pembangunan Manusia dan komponennya",
            "bps",
            "smart_people",
            "tahunan",
            parse,
            [
                indicator(
                    codes["UHH"],
                    "Umur harapan hidup saat lahir",
                    "Life expectancy at birth",
                    "tahun",
                    "Perkiraan rata-rata lama hidup sejak lahir (komponen kesehatan IPM).",
                    "higher_is_better",
                ),
                indicator(
                    codes["HLS"],
                    "Harapan lama sekolah",
                    "Expected years of schooling",
                    "tahun",
                    "Lama sekolah yang diharapkan dirasakan anak umur 7 tahun di masa mendatang.",
                    "higher_is_better",
                ),
                indicator(
                    codes["RLS"],
                    "Rata-rata lama sekolah",
                    "Mean years of schooling",
                    "tahun",
                    "Rata-rata tahun sekolah penduduk umur 25 tahun ke atas.",
                    "higher_is_better",
                ),
                indicator(
                    codes["PPP"],
                    "Pengeluaran per kapita disesuaikan",
                    "Adjusted per-capita expenditure",
                    "ribu rupiah",
                    "Pengeluaran riil per kapita setahun, disesuaikan dengan paritas daya beli.",
                    "higher_is_better",
                ),
                indicator(
                    codes["IPM"],
                    "Indeks Pembangunan Manusia",
                    "Human Development Index",
                    "indeks",
                    "Rata-rata geometrik indeks kesehatan, pendidikan dan pengeluaran.",
                    "higher_is_better",
                ),
            ],
        ),
        codes=labels,
        table=t,
        sheet="Tabel 4.1.1",
        sheets=[("Tabel 4.1.1", t)],
    )


# --- 7. Dinkes: indicators as rows in a cp1252 CSV, the same label under two groups ------------


def dinkes_profil_balita() -> Fixture:
    fid = "dinkes_profil_balita"
    periods = ("Semester I 2023", "Semester II 2023", "Semester I 2024", "Semester II 2024*")
    tidy = ("2023-S1", "2023-S2", "2024-S1", "2024-S2")
    groups = [
        (
            "1",
            "Balita Ditimbang (D/S)",
            {"Laki-laki": "D_S_LAKI_LAKI", "Perempuan": "D_S_PEREMPUAN"},
        ),
        (
            "2",
            "Imunisasi Dasar Lengkap",
            {"Laki-laki": "IDL_LAKI_LAKI", "Perempuan": "IDL_PEREMPUAN"},
        ),
    ]
    t = Table()
    t.add("Tabel 3.7 Cakupan Pelayanan Kesehatan Balita menurut Jenis Kelamin, Kota Malang")
    t.add(SAMPLE_NOTE)
    t.add()
    t.add("No", "Uraian", "Satuan", *periods)
    row_indicators: dict[str, str] = {}
    for number, group, sexes in groups:
        t.add(number, group)  # a group row
        for sex, code in sexes.items():
            cells = []
            for p, (label, periode) in enumerate(zip(periods, tidy, strict=True)):
                status = "sementara" if label.endswith("*") else "final"
                tenths = pick(f"{fid}/{code}/{periode}", 780, 990)
                cell, nilai = id_num(tenths / 10, 1), tenths / 10
                if (code, p) == ("D_S_PEREMPUAN", 2):
                    cell, nilai = "…", None
                if (code, p) == ("IDL_LAKI_LAKI", 0):
                    cell, nilai = "-", None
                cells.append(Fact(cell, code, KOTA, periode, nilai, status))
            t.add(None, sex, "%", *cells)
            row_indicators[f"{group} / {sex}"] = code
    code = "GIZI_BURUK_DITANGANI"
    cells = [
        Fact("100", code, KOTA, periode, 100.0, "sementara" if label.endswith("*") else "final")
        for label, periode in zip(periods, tidy, strict=True)
    ]
    t.add("3", "Balita Gizi Buruk Ditangani", "%", *cells)
    row_indicators["Balita Gizi Buruk Ditangani"] = code
    t.add()
    t.add("Keterangan: D/S = balita ditimbang dibanding seluruh balita sasaran")
    t.add("*) Angka sementara")
    t.add("Sumber: Dinas Kesehatan Kota Malang, Profil Kesehatan")
    parse = {
        "header_row": 4,
        "layout": "indicators_as_rows",
        "label_column": "Uraian",
        # "Laki-laki" is a row under two groups: keys are "Group / Label".
        "row_indicators": row_indicators,
        "period_columns": r"^semester\b",
        "region": {"code": KOTA, "level": "kota"},
    }
    definitions = {
        "D_S_LAKI_LAKI": ("Cakupan balita laki-laki ditimbang (D/S)", "Weighed boys under five"),
        "D_S_PEREMPUAN": ("Cakupan balita perempuan ditimbang (D/S)", "Weighed girls under five"),
        "IDL_LAKI_LAKI": (
            "Cakupan imunisasi dasar lengkap bayi laki-laki",
            "Full immunisation, boys",
        ),
        "IDL_PEREMPUAN": (
            "Cakupan imunisasi dasar lengkap bayi perempuan",
            "Full immunisation, girls",
        ),
        "GIZI_BURUK_DITANGANI": (
            "Persentase balita gizi buruk yang ditangani",
            "Severely malnourished children treated",
        ),
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(3, 4),
        about="cp1252 CSV with `;`: indicators as rows with a 'No' column before the 'Uraian' "
        "label; the same labels (Laki-laki, Perempuan) under two group rows, keyed "
        "'Group / Label'; a row without a group match keyed by its label; semester columns "
        "'Semester I 2023'..'Semester II 2024*' by period_columns; '…' (byte 0x85) and '-'.",
        entry=entry(
            "SAMPLE — Cakupan pelayanan kesehatan balita menurut jenis kelamin",
            "dinkes",
            "smart_living",
            "semesteran",
            parse,
            [
                indicator(
                    c,
                    n_id,
                    n_en,
                    "persen",
                    f"{n_id} dalam semester, dari laporan puskesmas.",
                    "higher_is_better",
                )
                for c, (n_id, n_en) in definitions.items()
            ],
        ),
        codes=dict(row_indicators),
        table=t,
        encoding="cp1252",
    )


# --- 8. Dishub: month abbreviations in a column, year from the sheet name, xlsx ----------------


MONTHS_ID_SHORT = ("Jan", "Peb", "Maret", "Apr.", "Mei", "Juni", "Juli", "Agt", "Sept", "Okt",
                   "Nop", "Des*")  # fmt: skip


def dishub_terminal_bulanan() -> Fixture:
    fid = "dishub_terminal_bulanan"
    columns = {
        "Penumpang Berangkat (orang)": ("PENUMPANG_ARJOSARI_BERANGKAT", 60_000, 140_000),
        "Penumpang Datang (orang)": ("PENUMPANG_ARJOSARI_DATANG", 60_000, 140_000),
        "Armada Beroperasi (unit)": ("ARMADA_ARJOSARI_BEROPERASI", 55, 90),
    }

    def sheet(year: int, facts: bool) -> Table:
        t = Table(widths={"A": 12, "B": 26, "C": 26, "D": 26})
        t.add("Rekapitulasi Penumpang dan Armada Terminal Arjosari")
        t.add(SAMPLE_NOTE)
        t.add("Bulan", *columns, bold=True)
        body = []
        for m, label in enumerate(MONTHS_ID_SHORT, start=1):
            provisional = label.endswith("*") and facts
            row = []
            for code, lo, hi in columns.values():
                n = pick(f"{fid}/{code}/{year}/{m}", lo, hi)
                status = "sementara" if provisional else "final"
                row.append(Fact(n, code, KOTA, f"{year}-{m:02d}", n, status))
            body.append(row)
            t.add(
                label if facts else label.rstrip("*"), *(row if facts else [shown(c) for c in row])
            )
        sums = column_totals(body)
        # The armada "total" is the monthly average, not a sum (total_exempt).
        t.add("Jumlah", sums[0], sums[1], id_num(sums[2] / 12, 1), bold=True)
        t.add("*) Desember angka sementara")
        return t

    t = sheet(2023, True)
    name = "REKAP 2023 "  # capitals and a trailing space, as typed
    parse = {
        "sheet": "Rekap 2023",
        "header_row": 3,
        "region": {"code": KOTA, "level": "kota"},
        # "Agt", "Peb", "Nop": month words without a year; the sheet name says 2023.
        "period": {"column": "Bulan", "year_from": "sheet"},
        "values": {label: code for label, (code, _, _) in columns.items()},
        "total_exempt": ["ARMADA_ARJOSARI_BEROPERASI"],
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(4,),
        about="Months as Indonesian words and abbreviations in a 'Bulan' column (Jan, Peb, "
        "Maret, Apr., Agt, Sept, Nop, Des*) with the year from the sheet name 'REKAP 2023 ' "
        "(capitals, trailing space; an earlier 'Rekap 2022' sheet is not read); a Jumlah row "
        "whose armada cell is an average (total_exempt).",
        entry=entry(
            "SAMPLE — Penumpang dan armada bulanan Terminal Arjosari",
            "dishub",
            "smart_mobility",
            "bulanan",
            parse,
            [
                indicator(
                    code,
                    f"Jumlah {label.split(' (')[0].lower()} Terminal Arjosari",
                    f"Arjosari terminal: {label.split(' (')[0]}",
                    label.split("(")[1].rstrip(")"),
                    f"{label.split(' (')[0]} di Terminal Arjosari dalam sebulan.",
                )
                for label, (code, _, _) in columns.items()
            ],
        ),
        codes={label: code for label, (code, _, _) in columns.items()},
        table=t,
        sheet=name,
        sheets=[("Rekap 2022", sheet(2022, False)), (name, t)],
    )


# --- 9. Disnaker: English months, year column, English numbers; two bad periods, CSV ------------


def disnaker_pencari_kerja() -> Fixture:
    fid = "disnaker_pencari_kerja"
    columns = {
        "Pencari Kerja Terdaftar": ("PENCARI_KERJA_TERDAFTAR", 900, 4_800),
        "Lowongan Kerja Terdaftar": ("LOWONGAN_KERJA_TERDAFTAR", 300, 2_900),
        "Penempatan Tenaga Kerja": ("PENEMPATAN_TENAGA_KERJA", 100, 1_500),
    }
    long_months = ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December")  # fmt: skip
    t = Table()
    t.add("Tahun", "Bulan", *columns)
    short = ["Jan", "Feb'24", "Mar", "Apr '24", "May", "Jun"]  # "Feb'24": the text's year wins
    for year, months in ((2023, long_months), (2024, short)):
        for m, label in enumerate(months, start=1):
            cells = []
            for code, lo, hi in columns.values():
                n = pick(f"{fid}/{code}/{year}/{m}", lo, hi)
                cells.append(Fact(en_num(n), code, KOTA, f"{year}-{m:02d}", n))
            t.add(str(year), label, *cells)
    # July 2024 without its year, and a row that names two months: both held back.
    t.add("", Bad("Jul", "periode_well_formed"), "2,114", "1,008", "377")
    t.add("2024", Bad("Jul/Aug", "periode_well_formed"), "4,020", "1,876", "702")
    parse = {
        "region": {"code": KOTA, "level": "kota"},
        "period": {"column": "Bulan", "year_column": "Tahun"},
        "values": {label: code for label, (code, _, _) in columns.items()},
        # An export of the job-market web app: English month names and numbers ("1,204").
        "decimal": "point",
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(4, 6),
        about="Web-app CSV (`,`, UTF-8): English month names (January.., Jan, Feb'24, "
        "Apr '24) with the year in a 'Tahun' column; English numbers '1,204' quoted (decimal: "
        "point); a row whose year cell is empty and a row 'Jul/Aug' are quarantined "
        "(periode_well_formed).",
        entry=entry(
            "SAMPLE — Pencari kerja, lowongan dan penempatan tenaga kerja bulanan",
            "disnaker",
            "smart_economy",
            "bulanan",
            parse,
            [
                indicator(
                    code,
                    f"Jumlah {label.lower()}",
                    label,
                    "orang" if code != "LOWONGAN_KERJA_TERDAFTAR" else "lowongan",
                    f"{label} di Disnaker Kota Malang dalam sebulan (AK/II).",
                )
                for label, (code, _, _) in columns.items()
            ],
            max_quarantine=0.15,
        ),
        codes={label: code for label, (code, _, _) in columns.items()},
        table=t,
        delimiter=",",
        pad=False,
    )


# --- 10. DLH: one indicator, month columns, year from the title, xlsx ---------------------------


def dlh_sampah_tpa() -> Fixture:
    fid = "dlh_sampah_tpa"
    code = "SAMPAH_MASUK_TPA"
    months = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sep", "Okt", "Nov", "Des*")
    t = Table(widths={"A": 18})
    title_rows(
        t,
        "Volume Sampah Masuk TPA Supit Urang menurut Kecamatan Asal, Tahun 2024 (ton)",
        15,
    )
    t.add()
    t.add("Kecamatan", *months, "Jumlah", bold=True)
    body = []
    for k, name in enumerate(BPS_ORDER):
        row = []
        for m, label in enumerate(months, start=1):
            tenths = pick(f"{fid}/{name}/{m}", 28_000, 61_000)
            value = tenths / 10
            style = (k + m) % 3
            # Typed numbers, Indonesian text, and text grouped with a no-break space.
            cell: object = value if style == 0 else id_num(value, 1, "." if style == 1 else NBSP)
            status = "sementara" if label.endswith("*") else "final"
            row.append(Fact(cell, code, KECAMATAN[name], f"2024-{m:02d}", value, status))
        body.append(row)
        t.add(name.upper(), *row, id_num(sum(f.nilai for f in row), 1))
    sums = column_totals(body)
    t.add("Kota Malang", *[id_num(s, 1) for s in sums], id_num(sum(sums), 1), bold=True)
    t.add("*) Angka sementara")
    t.add("Sumber: UPT TPA Supit Urang, DLH Kota Malang")
    parse = {
        "sheet": "TPA",
        "header_row": 4,
        "layout": "wide_by_period",
        "indicator": code,
        "period_columns": r"^(jan|feb|mar|apr|mei|jun|jul|agt|sep|okt|nov|des)\s*\*?$",
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        # "Jan".."Des*" name no year: the title says "Tahun 2024".
        "period": {"year_from": "title"},
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(4, 6),
        about="One indicator with month columns Jan..Des* (Agt; wide_by_period) whose year comes "
        "from the merged title row ('Tahun 2024'); decimals as typed numbers, Indonesian text "
        "'4.567,8' and text grouped with a no-break space '4 567,8'; a 'Jumlah' column that is "
        "not a month; kecamatan in capitals; a Kota Malang total row.",
        entry=entry(
            "SAMPLE — Volume sampah masuk TPA Supit Urang menurut kecamatan asal",
            "dlh",
            "smart_environment",
            "bulanan",
            parse,
            [
                indicator(
                    code,
                    "Volume sampah masuk TPA",
                    "Waste delivered to the landfill",
                    "ton",
                    "Berat sampah dari kecamatan yang ditimbang masuk TPA Supit Urang.",
                    "lower_is_better",
                )
            ],
        ),
        codes={"Volume Sampah Masuk TPA Supit Urang": code},
        table=t,
        sheet="TPA",
        sheets=[("TPA", t)],
    )


# --- 11. Disperkim: bare Roman quarters, fixed year, tab-separated; one bad quarter ------------


def disperkim_rtlh_triwulan() -> Fixture:
    fid = "disperkim_rtlh_triwulan"
    unit, cost = "RTLH_DIPERBAIKI", "ANGGARAN_RTLH"
    t = Table()
    t.add("Rekap Perbaikan Rumah Tidak Layak Huni (RTLH) Tahun Anggaran 2024")
    t.add(SAMPLE_NOTE)
    t.add("Triwulan", "Kecamatan", "RTLH Diperbaiki (unit)", "Anggaran (juta rupiah)")
    for q, roman in enumerate(("I", "II", "III", "IV"), start=1):
        block = []
        for name in BPS_ORDER:
            n = pick(f"{fid}/{name}/{q}", 2, 35)
            tenths = n * pick(f"{fid}/cost/{name}/{q}", 150, 175)  # ~15-17.5 juta per house
            row = [
                Fact(str(n), unit, KECAMATAN[name], f"2024-Q{q}", n),
                Fact(id_num(tenths / 10, 1), cost, KECAMATAN[name], f"2024-Q{q}", tenths / 10),
            ]
            block.append(row)
            t.add(roman, name, *row)
        sums = column_totals(block)
        t.add(None, "Jumlah", str(int(sums[0])), id_num(sums[1], 1))
    # A fifth quarter: a typing slip, held back.
    t.add(Bad("V", "periode_well_formed"), "Sukun", "3", "46,5")
    parse = {
        "header_row": 3,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        # "I".."IV" alone: quarters (kind) of the fiscal year the title names, fixed here.
        "period": {"column": "Triwulan", "kind": "quarter", "year": 2024},
        "values": {"RTLH Diperbaiki (unit)": unit, "Anggaran (juta rupiah)": cost},
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(4, 8),
        about="Tab-separated CSV: bare Roman numerals I..IV in a 'Triwulan' column read as "
        "quarters (period.kind: quarter) of the fixed year 2024; a Jumlah row after each "
        "quarter (checked against that quarter's rows); a stray quarter 'V' quarantined "
        "(periode_well_formed).",
        entry=entry(
            "SAMPLE — Perbaikan rumah tidak layak huni per triwulan menurut kecamatan",
            "disperkim",
            "smart_living",
            "triwulanan",
            parse,
            [
                indicator(
                    unit,
                    "Jumlah rumah tidak layak huni yang diperbaiki",
                    "Substandard houses repaired",
                    "unit",
                    "Rumah tidak layak huni yang selesai diperbaiki dalam triwulan.",
                    "higher_is_better",
                ),
                indicator(
                    cost,
                    "Anggaran perbaikan rumah tidak layak huni",
                    "Spending on substandard house repair",
                    "juta rupiah",
                    "Anggaran yang direalisasikan untuk perbaikan RTLH dalam triwulan.",
                ),
            ],
            max_quarantine=0.1,
        ),
        codes={"RTLH Diperbaiki (unit)": unit, "Anggaran (juta rupiah)": cost},
        table=t,
        delimiter="\t",
        pad=False,
    )


# --- 12. BPS: projections with a remark column, years stacked with a Kota Malang row, xlsx ----


def bps_proyeksi_penduduk() -> Fixture:
    fid = "bps_proyeksi_penduduk"
    codes = {"Laki-laki": "PROYEKSI_PENDUDUK_LAKI_LAKI", "Perempuan": "PROYEKSI_PENDUDUK_PEREMPUAN"}
    t = Table(widths={"B": 18, "E": 24})
    title_rows(t, "Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin (jiwa)", 5)
    t.add("Tahun", "Kecamatan", "Penduduk (jiwa)", None, "Keterangan", bold=True)
    t.add(None, None, "Laki-laki", "Perempuan", None, bold=True)
    for ref in ("A3:A4", "B3:B4", "C3:D3", "E3:E4"):
        t.merge(ref)
    remarks = {2022: None, 2023: "Angka sementara", 2024: "Proyeksi"}
    for year, remark in remarks.items():
        first = t.next_row
        block = []
        for k, name in enumerate(BPS_ORDER):
            row_remark = remark
            status = {None: "final", "Angka sementara": "sementara", "Proyeksi": "perkiraan"}[
                remark
            ]
            if year == 2022 and name == "Klojen":
                row_remark, status = "angka perbaikan", "sementara"
            counts = [pick(f"{fid}/{year}/{name}/{sex}", 45_000, 110_000) for sex in codes]
            row = [
                Fact(n, code, KECAMATAN[name], str(year), n, status)
                for n, code in zip(counts, codes.values(), strict=True)
            ]
            block.append(row)
            # 2023: the remark is typed once and merged down the year's rows.
            cell = row_remark if (year != 2023 or k == 0) else None
            t.add(year if k == 0 else None, name, *row, cell)
        t.add(None, "Kota Malang", *column_totals(block), None, bold=True)
        t.merge(f"A{first}:A{t.next_row - 1}")
        if year == 2023:
            t.merge(f"E{first}:E{t.next_row - 1}")
    t.add()
    t.add("Sumber: BPS Kota Malang, Proyeksi Penduduk hasil SP2020")
    parse = {
        "sheet": "Penduduk",
        "header_row": 3,
        "header_depth": 2,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"column": "Tahun"},
        "values": {f"Penduduk (jiwa) / {sex}": code for sex, code in codes.items()},
        "status": {"column": "Keterangan"},
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(5, 8),
        about="Years stacked in rows with the year merged down its block and a Kota Malang row "
        "closing each year (checked against that year's rows only); status from a 'Keterangan' "
        "column: empty (final), 'angka perbaikan' (sementara), 'Angka sementara' typed once and "
        "merged down the 2023 rows (sementara for every row it spans), 'Proyeksi' (perkiraan).",
        entry=entry(
            "SAMPLE — Proyeksi penduduk menurut kecamatan dan jenis kelamin",
            "bps",
            "smart_people",
            "tahunan",
            parse,
            [
                indicator(
                    code,
                    f"Jumlah penduduk {sex.lower()} (proyeksi)",
                    f"{'Male' if sex == 'Laki-laki' else 'Female'} population (projection)",
                    "jiwa",
                    f"Penduduk {sex.lower()} pertengahan tahun menurut proyeksi hasil SP2020.",
                )
                for sex, code in codes.items()
            ],
        ),
        codes={f"Penduduk (jiwa) / {sex}": code for sex, code in codes.items()},
        table=t,
        sheet="Penduduk",
        sheets=[("Penduduk", t)],
    )


# --- 13. BPS: PDRB with BPS status words (incl. the lone "r"), cp1252 CSV ------------------------


def bps_pdrb_status() -> Fixture:
    fid = "bps_pdrb_status"
    columns = {
        "PDRB ADHB (miliar rupiah)": "PDRB_ADHB",
        "PDRB ADHK 2010 (miliar rupiah)": "PDRB_ADHK",
        "Laju Pertumbuhan (%)": "LAJU_PERTUMBUHAN_PDRB",
    }
    years = [
        ("2018", "Angka Tetap", "final"),
        ("2019", "Angka Tetap", "final"),
        ("2020", "r", "sementara"),  # BPS: "r" = angka revisi, set in status.words
        ("2021", "Angka Perbaikan", "sementara"),
        ("2022", "Angka Sementara", "sementara"),
        ("2023**", "Angka Sangat Sementara", "sementara"),
        ("2024", "Angka Estimasi", "perkiraan"),
    ]
    t = Table()
    t.add("PDRB Kota Malang Atas Dasar Harga Berlaku dan Harga Konstan 2010")
    t.add(SAMPLE_NOTE)
    t.add("Tahun", *columns, "Keterangan")
    for i, (year, remark, status) in enumerate(years):
        tidy = year.rstrip("*")
        adhb = pick(f"{fid}/adhb/{year}", 0, 900) + 72_000_00 + 5_400_00 * i
        adhk = pick(f"{fid}/adhk/{year}", 0, 900) + 50_000_00 + 2_300_00 * i
        growth = pick(f"{fid}/laju/{year}", 380, 620)
        growth = -226 if tidy == "2020" else growth
        laju: Fact = Fact(id_num(growth / 100, 2), columns["Laju Pertumbuhan (%)"], KOTA, tidy,
                          growth / 100, status)  # fmt: skip
        if tidy == "2018":
            laju = Fact("…", laju.indikator, KOTA, tidy, None, status)
        t.add(
            year,
            Fact(id_num(adhb / 100, 2), "PDRB_ADHB", KOTA, tidy, adhb / 100, status),
            Fact(id_num(adhk / 100, 2), "PDRB_ADHK", KOTA, tidy, adhk / 100, status),
            laju,
            remark,
        )
    t.add("Catatan: ** angka sangat sementara; r angka revisi")
    parse = {
        "header_row": 3,
        "region": {"code": KOTA, "level": "kota"},
        "period": {"column": "Tahun"},
        "values": dict(columns),
        "status": {"column": "Keterangan", "words": {r"^\s*r\s*$": "sementara"}},
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(5, 6),
        about="cp1252 CSV with `;`: BPS status words in a 'Keterangan' column: Angka Tetap "
        "(final), 'r' (revisi, mapped in status.words to sementara), Angka Perbaikan, Angka "
        "Sementara, Angka Sangat Sementara with '2023**', Angka Estimasi (perkiraan); negative "
        "'-2,26'; '…' (byte 0x85); Indonesian decimals '72.345,67'.",
        entry=entry(
            "SAMPLE — PDRB Kota Malang dan laju pertumbuhannya",
            "bps",
            "smart_economy",
            "tahunan",
            parse,
            [
                indicator(
                    "PDRB_ADHB",
                    "PDRB atas dasar harga berlaku",
                    "GRDP at current prices",
                    "miliar rupiah",
                    "Nilai tambah bruto seluruh lapangan usaha pada harga berlaku.",
                ),
                indicator(
                    "PDRB_ADHK",
                    "PDRB atas dasar harga konstan 2010",
                    "GRDP at constant 2010 prices",
                    "miliar rupiah",
                    "Nilai tambah bruto seluruh lapangan usaha pada harga konstan 2010.",
                ),
                indicator(
                    "LAJU_PERTUMBUHAN_PDRB",
                    "Laju pertumbuhan PDRB ADHK",
                    "Real GRDP growth",
                    "persen",
                    "Pertumbuhan PDRB ADHK 2010 dibanding tahun sebelumnya.",
                    "higher_is_better",
                ),
            ],
        ),
        codes=dict(columns),
        table=t,
        encoding="cp1252",
    )


# --- 14. Dinkes: point decimals in one column, thousands dots in the others; bad numbers -------


def dinkes_air_minum_layak() -> Fixture:
    fid = "dinkes_air_minum_layak"
    households, access, share = "RUMAH_TANGGA", "RUMAH_TANGGA_AIR_LAYAK", "PERSEN_AIR_MINUM_LAYAK"
    t = Table()
    t.add("Rumah Tangga dengan Akses Air Minum Layak menurut Kecamatan – 2023")
    t.add(SAMPLE_NOTE)
    t.add(
        "Kecamatan", "Jumlah Rumah Tangga", "Rumah Tangga Akses Air Minum Layak", "Persentase (%)"
    )
    body = []
    for name in BPS_ORDER:
        kode = KECAMATAN[name]
        n = pick(f"{fid}/rt/{name}", 31_000, 68_000)
        tenths = pick(f"{fid}/share/{name}", 880, 995)
        a = n * tenths // 1000
        row: list[object] = [
            Fact(id_num(n), households, kode, "2023", n),
            Fact(id_num(a), access, kode, "2023", a),
            Fact(f"{tenths / 10:.1f}", share, kode, "2023", tenths / 10),
        ]
        if name == "Klojen":
            row[2] = Bad("12,5,3", "nilai_numeric")  # three numbers typed into one cell
        if name == "Lowokwaru":
            row[2] = Bad("92,5", "nilai_numeric")  # a decimal comma in the point column
        body.append(row[:2])
        t.add(name, *row)
    sums = column_totals(body)
    t.add("Kota Malang", id_num(sums[0]), id_num(sums[1]), f"{100 * sums[1] / sums[0]:.1f}")
    t.add("Sumber: Dinas Kesehatan Kota Malang")
    parse = {
        "header_row": 3,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": {
            "Jumlah Rumah Tangga": households,
            "Rumah Tangga Akses Air Minum Layak": access,
            "Persentase (%)": share,
        },
        # "1.224" counts households (thousands dot); the share is written "92.5".
        "column_decimal": {"Persentase (%)": "point"},
        "total_exempt": [share],
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(6,),
        about="cp1252 CSV with `;` mixing styles: counts with a thousands dot ('52.318') and a "
        "percentage with a decimal point ('95.3', column_decimal: point); '12,5,3' and a "
        "comma decimal '92,5' in the point column are quarantined (nilai_numeric) while the "
        "rest of their rows loads; a Kota Malang total row (the share exempt).",
        entry=entry(
            "SAMPLE — Rumah tangga dengan akses air minum layak menurut kecamatan",
            "dinkes",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    households,
                    "Jumlah rumah tangga",
                    "Households",
                    "rumah tangga",
                    "Rumah tangga yang didata puskesmas di kecamatan.",
                ),
                indicator(
                    access,
                    "Rumah tangga dengan akses air minum layak",
                    "Households with safe drinking water",
                    "rumah tangga",
                    "Rumah tangga yang memakai sumber air minum layak.",
                    "higher_is_better",
                ),
                indicator(
                    share,
                    "Persentase rumah tangga dengan akses air minum layak",
                    "Share of households with safe drinking water",
                    "persen",
                    "Rumah tangga dengan akses air minum layak dibagi seluruh rumah tangga.",
                    "higher_is_better",
                ),
            ],
            max_quarantine=0.2,
        ),
        codes={
            "Jumlah Rumah Tangga": households,
            "Rumah Tangga Akses Air Minum Layak": access,
            "Persentase (%)": share,
        },
        table=t,
        encoding="cp1252",
    )


# --- 15. Bapenda: English-style numbers, "Jan-24" periods, CRLF, `,` CSV ------------------------


def bapenda_pajak_bulanan() -> Fixture:
    fid = "bapenda_pajak_bulanan"
    columns = {
        "Pajak Hotel (juta Rp)": ("PAJAK_HOTEL", 2_400_000, 3_900_000),
        "Pajak Restoran (juta Rp)": ("PAJAK_RESTORAN", 3_000_000, 4_600_000),
        "Pajak Parkir (juta Rp)": ("PAJAK_PARKIR", 60_000, 140_000),
    }
    t = Table()
    t.add("Wilayah", "Bulan", *columns)
    body = []
    # The same city written four ways down the column (an old template's "Kodya Malang").
    where = (
        "Kota Malang",
        "KOTA MALANG",
        "Kota Malang",
        "Kodya Malang",
        "Malang (Kota)",
        "Kota Malang",
    )
    for m, label in enumerate(("Jan-24", "Feb-24", "Mar-24", "Apr-24", "May-24", "Jun-24"), 1):
        row = []
        for code, lo, hi in columns.values():
            cents = pick(f"{fid}/{code}/{m}", lo, hi)
            row.append(Fact(en_num(cents / 100, 2), code, KOTA, f"2024-{m:02d}", cents / 100))
        body.append(row)
        t.add(where[m - 1], label, *row)
    t.add("Total", None, *[en_num(s, 2) for s in column_totals(body)])
    parse = {
        "region": {"column": "Wilayah", "level": "kota"},
        "period": {"column": "Bulan"},
        "values": {label: code for label, (code, _, _) in columns.items()},
        "decimal": "point",
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(4, 6, 7),
        about="An English-locale export (`,`, CRLF line ends): numbers like '34,527.10' in "
        "quoted cells (decimal: point); months 'Jan-24'..'Jun-24' with a two-digit year; a "
        "kota-level 'Wilayah' column (Kota Malang, KOTA MALANG, Kodya Malang, Malang (Kota)); "
        "a Total row.",
        entry=entry(
            "SAMPLE — Penerimaan pajak hotel, restoran dan parkir bulanan",
            "bapenda",
            "smart_economy",
            "bulanan",
            parse,
            [
                indicator(
                    code,
                    f"Penerimaan {label.split(' (')[0].lower()}",
                    f"{label.split(' ')[1]} tax revenue",
                    "juta rupiah",
                    f"{label.split(' (')[0]} yang diterima kas daerah dalam sebulan.",
                    "higher_is_better",
                )
                for label, (code, _, _) in columns.items()
            ],
        ),
        codes={label: code for label, (code, _, _) in columns.items()},
        table=t,
        delimiter=",",
        newline="\r\n",
        pad=False,
    )


# --- 16. Disdikbud: `decimal: auto` decides per column ------------------------------------------


def disdikbud_murid_sd() -> Fixture:
    fid = "disdikbud_murid_sd"
    pupils, apm, ratio = "MURID_SD", "APM_SD", "RASIO_MURID_GURU_SD_NEGERI"
    t = Table()
    t.add("Murid SD, Angka Partisipasi Murni dan Rasio Murid-Guru menurut Kecamatan, 2023")
    t.add(SAMPLE_NOTE)
    t.add()
    t.add("Kecamatan", "Jumlah Murid SD", "APM SD (%)", "Rasio Murid-Guru")
    body = []
    for name in BPS_ORDER:
        kode = KECAMATAN[name]
        n = pick(f"{fid}/murid/{name}", 11_000, 24_000)
        a = pick(f"{fid}/apm/{name}", 9_500, 9_950) / 100
        r = pick(f"{fid}/rasio/{name}", 150, 210) / 10
        row = [
            Fact(id_num(n), pupils, kode, "2023", n),  # "15.234": a thousands dot, ambiguous
            Fact(f"{a:.2f}", apm, kode, "2023", a),  # "97.85": only a decimal point reads it
            Fact(f"{r:.1f}", ratio, kode, "2023", r),
        ]
        body.append(row)
        t.add(name, *row)
    sums = column_totals(body)
    t.add("Kota Malang", id_num(sums[0]), "97.41", "17.6")
    parse = {
        "header_row": 4,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": {"Jumlah Murid SD": pupils, "APM SD (%)": apm, "Rasio Murid-Guru": ratio},
        # Decided per column: "97.85" only reads with a decimal point. "15.234" reads either
        # way and no cell of its column decides, so `auto` alone refuses the file: the pupils
        # column is declared (thousands dot).
        "decimal": "auto",
        "column_decimal": {"Jumlah Murid SD": "comma"},
        "total_exempt": [apm, ratio],
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(6,),
        about="`decimal: auto`: the APM and ratio columns '97.85' and '17.4' (only a decimal "
        "point reads them); the pupils column holds only ambiguous '15.234' cells (no cell "
        "decides), so it is declared in column_decimal (comma: thousands dot), without which "
        "the file is refused; a Kota Malang row with exempt ratios.",
        entry=entry(
            "SAMPLE — Murid SD, APM dan rasio murid-guru menurut kecamatan",
            "disdikbud",
            "smart_people",
            "tahunan",
            parse,
            [
                indicator(
                    pupils,
                    "Jumlah murid SD",
                    "Primary school pupils",
                    "orang",
                    "Murid SD/MI yang terdaftar pada awal tahun ajaran.",
                ),
                indicator(
                    apm,
                    "Angka partisipasi murni SD",
                    "Net enrolment rate, primary",
                    "persen",
                    "Murid SD umur 7-12 tahun dibagi penduduk umur 7-12 tahun.",
                    "higher_is_better",
                ),
                indicator(
                    ratio,
                    "Rasio murid terhadap guru SD",
                    "Pupil-teacher ratio, primary",
                    "murid per guru",
                    "Jumlah murid SD dibagi jumlah guru SD.",
                    "lower_is_better",
                ),
            ],
        ),
        codes={"Jumlah Murid SD": pupils, "APM SD (%)": apm, "Rasio Murid-Guru": ratio},
        table=t,
    )


# --- 17. Dispendukcapil: kelurahan under kecamatan sub-headers, spellings; three bad rows --------


def dispendukcapil_kelurahan() -> Fixture:
    fid = "dispendukcapil_kelurahan"
    codes = {
        "Jumlah Penduduk / Laki-laki": "PENDUDUK_DKB_LAKI_LAKI",
        "Jumlah Penduduk / Perempuan": "PENDUDUK_DKB_PEREMPUAN",
        "Jumlah KK": "KARTU_KELUARGA_DKB",
    }
    # How the agency writes some names: registry aliases (Tologowaru, Bandhulan, Purwontoro,
    # Telogomas), this entry's own aliases (Bunul, Ciptomulya) and spellings the normaliser
    # reads (Kota Lama, Oro-Oro Dowo, Tasik Madu spaced or not).
    spelling = {
        "Kotalama": "Kota Lama",
        "Tlogowaru": "Tologowaru",
        "Bandulan": "Bandhulan",
        "Purwantoro": "Purwontoro",
        "Tlogomas": "Telogomas",
        "Bunulrejo": "Bunul",
        "Ciptomulyo": "Ciptomulya",
        "Oro-oro Dowo": "Oro-Oro Dowo",
        "Tasik Madu": "Tasikmadu",
        "Bakalankrajan": "Bakalan Krajan",
        "Ketawanggede": "Ketawang Gede",
        "Kebonsari": "KEBONSARI",
        "Sukoharjo": "Kel. Sukoharjo",
        "Gading Kasri": "Gadingkasri",
    }
    headers = {
        "Kedungkandang": ("KEC. KEDUNGKANDANG", True),  # a sub-header with the subtotal
        "Sukun": ("SUKUN", False),
        "Klojen": ("Kecamatan Klojen", False),
        "Blimbing": ("Kec.Blimbing", False),
        "Lowokwaru": ("KECAMATAN LOWOKWARU", False),
    }
    sheet = "Penduduk  Kelurahan"  # two spaces, as typed
    t = Table(widths={"B": 26})
    title_rows(
        t,
        "Jumlah Penduduk dan Kartu Keluarga menurut Kelurahan (DKB Semester I 2024)",
        5,
    )
    t.add("No", "Kecamatan/Kelurahan", "Jumlah Penduduk", None, "Jumlah KK", bold=True)
    t.add(None, None, "Laki-laki", "Perempuan", None, bold=True)
    for ref in ("A3:A4", "B3:B4", "C3:D3", "E3:E4"):
        t.merge(ref)
    number = 0
    for roman, kecamatan in zip(("I", "II", "III", "IV", "V"), BPS_ORDER, strict=True):
        kec = KECAMATAN[kecamatan]
        header, subtotal = headers[kecamatan]
        header_row = t.add(roman, header, bold=True)
        rows = []
        for kode, nama in KELURAHAN[kec]:
            number += 1
            values = [
                pick(f"{fid}/{nama}/L", 3_000, 12_500),
                pick(f"{fid}/{nama}/P", 3_000, 12_800),
                pick(f"{fid}/{nama}/KK", 1_900, 7_600),
            ]
            name: object = spelling.get(nama, nama)
            if nama == "Kiduldalem":
                name = Bad("Kiduldalam", "kode_wilayah_known")  # no such kelurahan
            if nama == "Tunjungsekar":
                name = Bad(None, "keys_not_null")  # the name cell was cleared
            if nama == "Dinoyo":
                continue  # listed under Blimbing below
            if isinstance(name, Bad):
                t.add(number, name, *values)
                continue
            row = [
                Fact(v, code, kode, "2024-S1", v)
                for v, code in zip(values, codes.values(), strict=True)
            ]
            row[0] = replace(row[0], shown=id_num(values[0]))  # typed as text, "10.234"
            rows.append(row)
            t.add(number, name, *row)
        if kecamatan == "Blimbing":
            # A Lowokwaru kelurahan typed under the Blimbing sub-header: held back.
            number += 1
            t.add(number, Bad("Dinoyo", "wilayah_induk"), 5_432, 5_611, 3_020)
        if subtotal:
            t.rows[header_row - 1] += column_totals(rows)
    t.add()
    t.add("Sumber: Dispendukcapil Kota Malang, Data Konsolidasi Bersih (DKB) Semester I 2024")
    parse = {
        "sheet": "Penduduk Kelurahan",
        "header_row": 3,
        "header_depth": 2,
        "region": {
            "column": "Kecamatan/Kelurahan",
            "level": "kelurahan",
            "subheaders": True,
            "aliases": {
                "Bunul": kelurahan_code("Bunulrejo"),
                "Ciptomulya": kelurahan_code("Ciptomulyo"),
            },
        },
        "period": {"value": "2024-S1"},
        "values": dict(codes),
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(7,),
        about="All 57 kelurahan under kecamatan sub-header rows written five ways ('KEC. "
        "KEDUNGKANDANG' with its subtotal, 'SUKUN', 'Kecamatan Klojen', 'Kec.Blimbing', "
        "'KECAMATAN LOWOKWARU'); kelurahan that share their kecamatan's name; 'Kota Lama', "
        "registry aliases (Tologowaru, Bandhulan, Purwontoro, Telogomas) and this entry's own "
        "(Bunul, Ciptomulya); sheet 'Penduduk  Kelurahan' (two spaces). Quarantined: "
        "'Kiduldalam' (kode_wilayah_known), Dinoyo under Blimbing (wilayah_induk), a row whose "
        "name is empty (keys_not_null).",
        entry=entry(
            "SAMPLE — Penduduk dan kartu keluarga menurut kelurahan (DKB)",
            "dispendukcapil",
            "smart_people",
            "semesteran",
            parse,
            [
                indicator(
                    codes["Jumlah Penduduk / Laki-laki"],
                    "Jumlah penduduk laki-laki (DKB)",
                    "Male population (civil registry)",
                    "jiwa",
                    "Penduduk laki-laki dalam Data Konsolidasi Bersih menurut kelurahan.",
                ),
                indicator(
                    codes["Jumlah Penduduk / Perempuan"],
                    "Jumlah penduduk perempuan (DKB)",
                    "Female population (civil registry)",
                    "jiwa",
                    "Penduduk perempuan dalam Data Konsolidasi Bersih menurut kelurahan.",
                ),
                indicator(
                    codes["Jumlah KK"],
                    "Jumlah kartu keluarga (DKB)",
                    "Family cards (civil registry)",
                    "KK",
                    "Kartu keluarga dalam Data Konsolidasi Bersih menurut kelurahan.",
                ),
            ],
            max_quarantine=0.1,
        ),
        codes=dict(codes),
        table=t,
        sheet=sheet,
        sheets=[(sheet, t)],
    )


# --- 18. Dispendukcapil: 200 rows, two unknown spellings, CSV -----------------------------------


def dispendukcapil_akta_kelurahan() -> Fixture:
    fid = "dispendukcapil_akta_kelurahan"
    code = "AKTA_KELAHIRAN_TERBIT"
    names = [(k, n) for rows in KELURAHAN.values() for k, n in rows][:50]
    unknown = {37: "Mojolngu", 151: "Pandanwangii"}  # data row index -> a typo no one knows
    t = Table()
    t.add("Kelurahan", "Periode", "Akta Kelahiran Terbit")
    for i in range(200):
        kode, nama = names[i % 50]
        q = i // 50 + 1
        n = pick(f"{fid}/{nama}/{q}", 5, 140)
        period = f"Triwulan {('I', 'II', 'III', 'IV')[q - 1]} 2024"
        if i in unknown:
            t.add(Bad(unknown[i], "kode_wilayah_known"), period, str(n))
        else:
            t.add(nama, period, Fact(str(n), code, kode, f"2024-Q{q}", n))
    parse = {
        "region": {"column": "Kelurahan", "level": "kelurahan"},
        "period": {"column": "Periode"},
        "values": {"Akta Kelahiran Terbit": code},
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(4, 7),
        about="UTF-8 with BOM, the header on line 1, then exactly 200 data rows (50 kelurahan "
        "x 'Triwulan I..IV 2024', one indicator) with two unknown spellings ('Mojolngu', "
        "'Pandanwangii'): 198 facts, 2 quarantined (kode_wilayah_known) within "
        "max_quarantine_share 0.05.",
        entry=entry(
            "SAMPLE — Akta kelahiran terbit per triwulan menurut kelurahan",
            "dispendukcapil",
            "smart_people",
            "triwulanan",
            parse,
            [
                indicator(
                    code,
                    "Jumlah akta kelahiran terbit",
                    "Birth certificates issued",
                    "akta",
                    "Akta kelahiran yang diterbitkan dalam triwulan menurut kelurahan domisili.",
                )
            ],
            max_quarantine=0.05,
        ),
        codes={"Akta Kelahiran Terbit": code},
        table=t,
        encoding="utf-8-sig",  # the BOM sits right before the first header, "Kelurahan"
        pad=False,
    )


# --- 19. BPBD: years stacked, the Kota Malang row first in each year, xlsx ----------------------


def bpbd_kejadian_tahunan() -> Fixture:
    fid = "bpbd_kejadian_tahunan"
    events = {
        "Banjir": "KEJADIAN_BANJIR_GENANGAN",
        "Tanah Longsor": "KEJADIAN_LONGSOR_TALUD",
        "Kebakaran": "KEJADIAN_KEBAKARAN",
        "Pohon Tumbang": "KEJADIAN_POHON_TUMBANG",
    }
    t = Table(widths={"B": 22})
    title_rows(t, "Jumlah Kejadian Bencana menurut Kecamatan dan Jenis Kejadian", 6)
    t.add()
    t.add("Tahun", "Kecamatan", "Jenis Kejadian", None, None, None, bold=True)
    t.add(None, None, *events, bold=True)
    for ref in ("A4:A5", "B4:B5", "C4:F4"):
        t.merge(ref)
    orders = {
        "2021": ("Kedungkandang", "Sukun", "Klojen", "Blimbing", "Lowokwaru"),
        "2022": ("Blimbing", "Kedungkandang", "Klojen", "Lowokwaru", "Sukun"),
        "2023*": ("Lowokwaru", "Sukun", "Blimbing", "Klojen", "Kedungkandang"),
    }
    spelling = {"Kedungkandang": "Kec. Kedung Kandang", "Klojen": "KLOJEN"}
    for year, order in orders.items():
        tidy, status = year.rstrip("*"), "sementara" if year.endswith("*") else "final"
        block = []
        for name in order:
            row = []
            for code in events.values():
                n = pick(f"{fid}/{code}/{name}/{tidy}", 0, 14)
                row.append(Fact("-" if n == 0 else n, code, KECAMATAN[name], tidy, n, status))
            block.append(row)
        # The year's Kota Malang row comes first, the year merged down the whole block.
        first = t.add(year, "Kota Malang", *column_totals(block), bold=True)
        for name, row in zip(order, block, strict=True):
            t.add(None, spelling.get(name, name), *row)
        t.merge(f"A{first}:A{t.next_row - 1}")
        t.add()
    t.add("Keterangan: - tidak ada kejadian; * angka sementara")
    t.add("Sumber: BPBD Kota Malang")
    parse = {
        "sheet": "Kejadian",
        "header_row": 4,
        "header_depth": 2,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"column": "Tahun"},
        "values": {f"Jenis Kejadian / {label}": code for label, code in events.items()},
        "dash": "zero",
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(1, 8),
        about="Years stacked in rows with the year merged down its block ('2023*' provisional) "
        "and the year's Kota Malang row FIRST, above its kecamatan (checked against that year's "
        "rows only); kecamatan in a different order each year; 'Jenis Kejadian' merged over "
        "four columns; '-' means none (dash: zero); blank spacer rows.",
        entry=entry(
            "SAMPLE — Kejadian bencana menurut kecamatan, jenis dan tahun",
            "bpbd",
            "smart_environment",
            "tahunan",
            parse,
            [
                indicator(
                    code,
                    f"Jumlah kejadian {label.lower()}",
                    f"{label} events",
                    "kejadian",
                    f"Kejadian {label.lower()} yang ditangani BPBD dalam setahun.",
                    "lower_is_better",
                )
                for label, code in events.items()
            ],
        ),
        codes={f"Jenis Kejadian / {label}": code for label, code in events.items()},
        table=t,
        sheet="Kejadian",
        sheets=[("Kejadian", t)],
    )


# --- 20. Dishub: accidents, years stacked in a CSV with Kota Malang rows and a grand total ------


def dishub_kecelakaan() -> Fixture:
    fid = "dishub_kecelakaan"
    columns = {
        "Jumlah Kecelakaan": ("KECELAKAAN_LALU_LINTAS", 20, 160),
        "Korban Meninggal": ("KORBAN_MENINGGAL_LAKA", 0, 12),
        "Korban Luka": ("KORBAN_LUKA_LAKA", 30, 220),
    }
    t = Table()
    t.add("Data Kecelakaan Lalu Lintas menurut Kecamatan, 2022–2024")
    t.add(SAMPLE_NOTE)
    t.add()
    t.add("Tahun", "Kecamatan", *columns)
    everything = []
    # BPS numbers the kecamatan in front of the name ("010 Kedungkandang").
    bps_number = dict(zip(BPS_ORDER, ("010", "020", "030", "040", "050"), strict=True))
    for year in ("2022", "2023", "2024*"):
        tidy, status = year.rstrip("*"), "sementara" if year.endswith("*") else "final"
        block = []
        for name in BPS_ORDER:
            row = []
            for code, lo, hi in columns.values():
                n: float | None = pick(f"{fid}/{code}/{name}/{tidy}", lo, hi)
                cell: object = str(n)
                if (name, code, tidy) == ("Klojen", "KORBAN_MENINGGAL_LAKA", "2023"):
                    cell, n = "-", None  # not reported (dash: null)
                row.append(Fact(cell, code, KECAMATAN[name], tidy, n, status))
            block.append(row)
            t.add(year, f"{bps_number[name]} {name}", *row)
        t.add(year, "Kota Malang", *[str(int(s)) for s in column_totals(block)])
        everything += block
    t.add("Jumlah", None, *[str(int(s)) for s in column_totals(everything)])
    t.add("Sumber: Satlantas Polresta Malang Kota, diolah Dinas Perhubungan")
    parse = {
        "header_row": 4,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"column": "Tahun"},
        "values": {label: code for label, (code, _, _) in columns.items()},
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(8,),
        about="Years stacked in a CSV (the year on every row, '2024*' provisional) with a Kota "
        "Malang row closing each year (checked against that year's rows only) and a grand "
        "'Jumlah' row over all years; kecamatan with their BPS numbers in front ('010 "
        "Kedungkandang'); '-' means not reported (dash: null).",
        entry=entry(
            "SAMPLE — Kecelakaan lalu lintas dan korbannya menurut kecamatan",
            "dishub",
            "smart_mobility",
            "tahunan",
            parse,
            [
                indicator(
                    code,
                    label.lower().capitalize() + " lalu lintas",
                    {"KECELAKAAN_LALU_LINTAS": "Road accidents"}.get(
                        code, "Road accident " + ("deaths" if "MENINGGAL" in code else "injuries")
                    ),
                    "kejadian" if code == "KECELAKAAN_LALU_LINTAS" else "orang",
                    f"{label} lalu lintas yang tercatat di kecamatan dalam setahun.",
                    "lower_is_better",
                )
                for label, (code, _, _) in columns.items()
            ],
        ),
        codes={label: code for label, (code, _, _) in columns.items()},
        table=t,
    )


# --- 21. Dinsos: kelurahan under sub-headers in a CSV ------------------------------------------


def dinsos_dtks_kelurahan() -> Fixture:
    fid = "dinsos_dtks_kelurahan"
    kk, jiwa = "KELUARGA_DTKS", "JIWA_DTKS"
    headers = {
        "Kedungkandang": "Kecamatan Kedungkandang",
        "Sukun": "KEC. SUKUN",  # with its subtotal
        "Klojen": "KEC KLOJEN",
        "Blimbing": "Kec. Blimbing",
        "Lowokwaru": "LOWOKWARU",
    }
    spelling = {
        "Polowijen": "Polowidjen",
        "Kotalama": "Kota Lama",
        "Rampalcelaket": "Rampal Celaket",
    }
    t = Table()
    t.add("Jumlah Keluarga dan Jiwa dalam DTKS menurut Kelurahan, Maret 2024")
    t.add(SAMPLE_NOTE)
    t.add("Wilayah", "Keluarga (KK)", "Jiwa")
    everything = []
    for kecamatan in BPS_ORDER:
        kec = KECAMATAN[kecamatan]
        header = t.add(headers[kecamatan])
        rows = []
        for kode, nama in KELURAHAN[kec]:
            a = pick(f"{fid}/{nama}/kk", 300, 2_400)
            b = a * 3 + pick(f"{fid}/{nama}/jiwa", 0, 400)
            row = [
                Fact(id_num(a), kk, kode, "2024-03", a),
                Fact(id_num(b), jiwa, kode, "2024-03", b),
            ]
            rows.append(row)
            t.add(spelling.get(nama, nama), *row)
        if kecamatan == "Sukun":
            t.rows[header - 1] += [id_num(s) for s in column_totals(rows)]
        everything += rows
    t.add("Kota Malang", *[id_num(s) for s in column_totals(everything)])
    t.add("Sumber: Dinas Sosial Kota Malang (SIKS-NG)")
    parse = {
        "header_row": 3,
        "region": {
            "column": "Wilayah",
            "level": "kelurahan",
            "subheaders": True,
            "aliases": {"Polowidjen": kelurahan_code("Polowijen")},
        },
        "period": {"value": "2024-03"},
        "values": {"Keluarga (KK)": kk, "Jiwa": jiwa},
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(7,),
        about="A CSV of all 57 kelurahan under kecamatan sub-header rows ('Kecamatan "
        "Kedungkandang', 'KEC. SUKUN' with its subtotal, 'KEC KLOJEN', 'Kec. Blimbing', "
        "'LOWOKWARU'), kelurahan named like their kecamatan right below them, 'Kota Lama', "
        "'Rampal Celaket', the entry alias 'Polowidjen' (old spelling), and a Kota Malang row.",
        entry=entry(
            "SAMPLE — Keluarga dan jiwa dalam DTKS menurut kelurahan",
            "dinsos",
            "smart_people",
            "bulanan",
            parse,
            [
                indicator(
                    kk,
                    "Jumlah keluarga dalam DTKS",
                    "Households in the social welfare register",
                    "KK",
                    "Keluarga yang tercatat dalam Data Terpadu Kesejahteraan Sosial.",
                ),
                indicator(
                    jiwa,
                    "Jumlah jiwa dalam DTKS",
                    "People in the social welfare register",
                    "jiwa",
                    "Anggota keluarga yang tercatat dalam Data Terpadu Kesejahteraan Sosial.",
                ),
            ],
        ),
        codes={"Keluarga (KK)": kk, "Jiwa": jiwa},
        table=t,
    )


# --- 22. DLH: months as real date cells, "tt" markers, a "Rata-rata" row, xlsx ------------------


def dlh_kualitas_udara() -> Fixture:
    fid = "dlh_kualitas_udara"
    columns = {
        "PM2,5 (µg/m³)": ("PM25_BULANAN", 180, 420),
        "PM10 (µg/m³)": ("PM10_BULANAN", 300, 680),
        "Hari Kualitas Udara Baik": ("HARI_UDARA_BAIK", 14, 31),
    }
    t = Table(widths={"A": 12, "C": 16, "D": 16, "E": 24})
    title_rows(t, "Rata-rata Bulanan Konsentrasi Partikulat, Stasiun AQMS Kota Malang", 5)
    t.add()
    # An empty spacer column between the months and the values, as laid out for printing.
    header = t.add("Bulan", None, *columns, bold=True)
    body = []
    for m in range(1, 13):
        row = []
        for code, lo, hi in columns.values():
            n = pick(f"{fid}/{code}/{m}", lo, hi)
            if code == "HARI_UDARA_BAIK":
                n = min(n, (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1])
                row.append(Fact(n, code, KOTA, f"2023-{m:02d}", n))
                continue
            cell: object = n / 10 if m % 2 else id_num(n / 10, 1)
            nilai: float | None = n / 10
            if (code, m) in (("PM25_BULANAN", 3), ("PM10_BULANAN", 3)):
                cell, nilai = "tt", None  # tidak terukur: the monitor was down in March
            row.append(Fact(cell, code, KOTA, f"2023-{m:02d}", nilai))
        body.append(row)
        # A real date (1 Jan 2023) shown as "Jan-23", as the agency's template formats it.
        t.add(dt.datetime(2023, m, 1), None, *row)
    t.add(
        "Rata-rata",
        None,
        *[id_num(s / 11 if i < 2 else s / 12, 1) for i, s in enumerate(column_totals(body))],
    )
    t.add("Keterangan: tt = tidak terukur (alat dalam perbaikan)")
    t.add("Sumber: DLH Kota Malang, AQMS Balai Kota")
    parse = {
        # The sheet is renamed with every revision ("AQMS_2023_rev2"): found by a pattern.
        "sheet_pattern": r"^aqms",
        "header_row": header,
        "region": {"code": KOTA, "level": "kota"},
        "period": {"column": "Bulan"},
        "values": {label: code for label, (code, _, _) in columns.items()},
        # The yearly average under the months is no data and no sum.
        "drop_rows": [r"^rata-rata\b"],
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(4,),
        about="Months as real date cells (1 Jan 2023 shown 'Jan-23'); 'tt' (tidak terukur) "
        "markers; an empty spacer column; a 'Rata-rata' row under the months dropped by a "
        "drop_rows pattern (it is an average, neither data nor a total); the sheet "
        "'AQMS_2023_rev2' found by sheet_pattern after a 'Grafik' sheet.",
        entry=entry(
            "SAMPLE — Kualitas udara bulanan stasiun AQMS",
            "dlh",
            "smart_environment",
            "bulanan",
            parse,
            [
                indicator(
                    "PM25_BULANAN",
                    "Rata-rata bulanan PM2,5",
                    "Monthly mean PM2.5",
                    "µg/m³",
                    "Rata-rata konsentrasi PM2,5 harian dalam sebulan di stasiun AQMS.",
                    "lower_is_better",
                ),
                indicator(
                    "PM10_BULANAN",
                    "Rata-rata bulanan PM10",
                    "Monthly mean PM10",
                    "µg/m³",
                    "Rata-rata konsentrasi PM10 harian dalam sebulan di stasiun AQMS.",
                    "lower_is_better",
                ),
                indicator(
                    "HARI_UDARA_BAIK",
                    "Jumlah hari dengan kualitas udara baik",
                    "Days with good air quality",
                    "hari",
                    "Hari dalam sebulan dengan ISPU kategori baik.",
                    "higher_is_better",
                ),
            ],
        ),
        codes={label: code for label, (code, _, _) in columns.items()},
        table=t,
        sheet="AQMS_2023_rev2",
        sheets=[("Grafik", Table(rows=[["Grafik PM2,5 bulanan"]])), ("AQMS_2023_rev2", t)],
    )


# --- 23. BPS: kelurahan by BPS code, kecamatan code rows as subtotals; an unknown code, xlsx ---


def bps_kepadatan_kelurahan() -> Fixture:
    fid = "bps_kepadatan_kelurahan"
    area, people = "LUAS_KELURAHAN", "PENDUDUK_KELURAHAN_2023"
    bps = {}
    with WILAYAH_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            bps[row["kode_kemendagri"]] = row["kode_bps"]
    t = Table(widths={"B": 22})
    title_rows(t, "Luas Wilayah dan Jumlah Penduduk menurut Kelurahan, 2023", 5)
    t.add()
    header = t.add("Kode Wilayah", "Kelurahan", "Luas (km²)", "Penduduk (jiwa)", bold=True)
    everything = []
    for kecamatan in ("Klojen", "Blimbing"):
        kec = KECAMATAN[kecamatan]
        rows = []
        for kode, nama in KELURAHAN[kec]:
            hundredths = pick(f"{fid}/{nama}/luas", 60, 320)
            n = pick(f"{fid}/{nama}/penduduk", 6_000, 24_000)
            row = [
                Fact(id_num(hundredths / 100, 2), area, kode, "2023", hundredths / 100),
                Fact(n, people, kode, "2023", n),
            ]
            if nama == "Polehan":
                # A code that is no kelurahan (the table's last digits slipped): held back.
                t.add(Bad(int(bps[kode]) + 90, "kode_wilayah_known"), nama, *map(shown, row))
                continue
            rows.append(row)
            t.add(int(bps[kode]), nama.upper(), *row)
        sums = column_totals(rows)
        # BPS closes each kecamatan with its own code row (7 digits), read as a total.
        t.add(int(bps[kec]), f"Kecamatan {kecamatan}", id_num(sums[0], 2), int(sums[1]))
        everything += rows
    t.add()
    t.add("Sumber: BPS Kota Malang, Proyeksi Penduduk Interim")
    parse = {
        "sheet": "Tabel 3.2",
        "header_row": header,
        "region": {"column": "Kode Wilayah", "level": "kelurahan"},
        "period": {"value": "2023"},
        "values": {"Luas (km²)": area, "Penduduk (jiwa)": people},
        # A seven-digit BPS code is a kecamatan: its row totals the kelurahan above it.
        "total_rows": [{"column": "Kode Wilayah", "pattern": r"^\d{7}$"}],
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(7,),
        about="Kelurahan identified by their 10-digit BPS codes typed as numbers (names in "
        "capitals beside them, not read); each kecamatan closed by its 7-digit code row, a "
        "total by a total_rows rule on the code column; a code that is no kelurahan "
        "(3573040092) quarantined (kode_wilayah_known).",
        entry=entry(
            "SAMPLE — Luas wilayah dan penduduk menurut kelurahan (kode BPS)",
            "bps",
            "smart_people",
            "tahunan",
            parse,
            [
                indicator(
                    area,
                    "Luas kelurahan",
                    "Kelurahan land area",
                    "km²",
                    "Luas daratan kelurahan menurut BPS.",
                ),
                indicator(
                    people,
                    "Jumlah penduduk kelurahan 2023",
                    "Kelurahan population 2023",
                    "jiwa",
                    "Penduduk kelurahan pertengahan 2023 menurut proyeksi interim BPS.",
                ),
            ],
            max_quarantine=0.1,
        ),
        codes={"Luas (km²)": area, "Penduduk (jiwa)": people},
        table=t,
        sheet="Tabel 3.2",
        sheets=[("Tabel 3.2", t)],
    )


# --- 24. Dinkes: kelurahan with a merged kecamatan column and "Jumlah Kec." rows, xlsx --------


def dinkes_posyandu_kelurahan() -> Fixture:
    fid = "dinkes_posyandu_kelurahan"
    total_, active, share = "POSYANDU", "POSYANDU_AKTIF", "PERSEN_POSYANDU_AKTIF"
    t = Table(widths={"B": 18, "C": 22})
    title_rows(t, "Jumlah Posyandu dan Posyandu Aktif menurut Kelurahan, 2023", 6)
    t.add()
    header = t.add(
        "No", "Kecamatan", "Kelurahan", "Jumlah Posyandu", "Posyandu Aktif", "% Aktif", bold=True
    )
    everything = []
    number = 0
    for kecamatan in ("Sukun", "Lowokwaru"):
        first = t.next_row
        rows = []
        for k, (kode, nama) in enumerate(KELURAHAN[KECAMATAN[kecamatan]]):
            number += 1
            n = pick(f"{fid}/{nama}/n", 8, 30)
            a = n - pick(f"{fid}/{nama}/a", 0, 4)
            tenths = round(1000 * a / n)
            row: list[object] = [
                Fact(n, total_, kode, "2023", n),
                Fact(a, active, kode, "2023", a),
                Fact(f"{id_num(tenths / 10, 1)}%", share, kode, "2023", tenths / 10),
            ]
            if nama == "Bandungrejosari":
                row[2] = Bad("#DIV/0!", "nilai_numeric")  # the sheet's formula failed
            rows.append(row[:2])
            t.add(number, kecamatan if k == 0 else None, nama, *row)
        t.merge(f"B{first}:B{t.next_row - 1}")  # the kecamatan merged down its kelurahan
        sums = column_totals(rows)
        t.add(None, None, f"Jumlah Kec. {kecamatan}", *map(int, sums), None, bold=True)
        everything += rows
    sums = column_totals(everything)
    # The city's label sits in the Kecamatan column; the region column (Kelurahan) is empty.
    t.add(None, "Kota Malang", None, *map(int, sums), None, bold=True)
    t.add()
    t.add("Sumber: Dinas Kesehatan Kota Malang, Profil Kesehatan 2023")
    parse = {
        "sheet": "Posyandu",
        "header_row": header,
        "region": {"column": "Kelurahan", "level": "kelurahan"},
        "period": {"value": "2023"},
        "values": {"Jumlah Posyandu": total_, "Posyandu Aktif": active, "% Aktif": share},
        "total_exempt": [share],
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(7,),
        about="Kelurahan beside a kecamatan column merged down each block (kelurahan Sukun and "
        "Lowokwaru resolved at their level); 'Jumlah Kec. ...' rows closing each block and a "
        "Kota Malang row closing all, its label in the Kecamatan column (the Kelurahan cell "
        "empty): a total, not a row without a region; percentages written '85,7%'; an Excel "
        "error cell (#DIV/0!) in the percentage column must be quarantined (nilai_numeric), "
        "not read as an empty cell.",
        entry=entry(
            "SAMPLE — Posyandu dan posyandu aktif menurut kelurahan",
            "dinkes",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    total_,
                    "Jumlah posyandu",
                    "Community health posts",
                    "posyandu",
                    "Posyandu yang terdaftar di kelurahan.",
                ),
                indicator(
                    active,
                    "Jumlah posyandu aktif",
                    "Active community health posts",
                    "posyandu",
                    "Posyandu strata purnama dan mandiri di kelurahan.",
                    "higher_is_better",
                ),
                indicator(
                    share,
                    "Persentase posyandu aktif",
                    "Share of active community health posts",
                    "persen",
                    "Posyandu aktif dibagi seluruh posyandu di kelurahan.",
                    "higher_is_better",
                ),
            ],
            max_quarantine=0.05,
        ),
        codes={"Jumlah Posyandu": total_, "Posyandu Aktif": active, "% Aktif": share},
        table=t,
        sheet="Posyandu",
        sheets=[("Posyandu", t)],
    )


# --- 25. BPS: a "download as Excel" .xls that is an HTML page of three tables -------------------


def bps_penduduk_html() -> Fixture:
    fid = "bps_penduduk_html"
    male, female = "PENDUDUK_LAKI_LAKI_KECAMATAN", "PENDUDUK_PEREMPUAN_KECAMATAN"
    growth, density = "LAJU_PERTUMBUHAN_PENDUDUK_KECAMATAN", "KEPADATAN_PENDUDUK_KECAMATAN"
    title = Table()
    title.add("Tabel 3.1.2")
    title.add("Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin di Kota Malang, 2023")
    title.add(SAMPLE_NOTE)
    growth_label = "Laju Pertumbuhan Penduduk per Tahun 2020–2023 (%)"
    density_label = "Kepadatan Penduduk per km²"
    t = Table()
    t.add("Kecamatan", "Jumlah Penduduk (jiwa)", None, growth_label, density_label, bold=True)
    t.add(None, "Laki-laki", "Perempuan", None, None, bold=True)
    for ref in ("A1:A2", "B1:C1", "D1:D2", "E1:E2"):
        t.merge(ref)
    t.add("(1)", "(2)", "(3)", "(4)", "(5)")
    body = []
    for name in BPS_ORDER:
        kode = KECAMATAN[name]
        m = pick(f"{fid}/l/{name}", 85_000, 130_000)
        f = pick(f"{fid}/p/{name}", 86_000, 132_000)
        g = pick(f"{fid}/g/{name}", 40, 160) / 100
        d = pick(f"{fid}/d/{name}", 4_500, 13_000)
        row = [
            Fact(id_num(m), male, kode, "2023", m),
            Fact(id_num(f), female, kode, "2023", f),
            Fact(id_num(g, 2), growth, kode, "2023", g),
            Fact(id_num(d), density, kode, "2023", d),
        ]
        body.append(row[:2])
        # The web page pads some names with a no-break space (&nbsp;).
        t.add(f"{NBSP}{name}" if name == "Klojen" else name, *row)
    sums = column_totals(body)
    t.add("Kota Malang", id_num(sums[0]), id_num(sums[1]), "0,87", id_num(7_561))
    notes = Table()
    notes.add("Sumber: Proyeksi Penduduk Interim 2020–2023 (angka contoh, SAMPLE)")
    notes.add("Catatan: laju pertumbuhan dihitung dengan rumus geometrik")
    parse = {
        # The data table, found by its title (the title table right above it).
        "table": "Penduduk menurut Kecamatan",
        "header_row": 1,
        "header_depth": 2,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": {
            "Jumlah Penduduk (jiwa) / Laki-laki": male,
            "Jumlah Penduduk (jiwa) / Perempuan": female,
            growth_label: growth,
            density_label: density,
        },
        "decimal": "comma",
        "drop_rows": [r"^\(\d+\)$"],
        "total_exempt": [growth, density],
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(1, 6, 9),
        about="A BPS website 'download as Excel' file: an HTML page saved as .xls (meta charset, "
        "a <style> and a <script> holding '<table>' text, a <title>) with three tables: a title "
        "table, the data table (header cells in <th> merged with ROWSPAN/colspan: 'Jumlah "
        "Penduduk (jiwa)' over Laki-laki/Perempuan, 'Kecamatan' down two rows), a footnote "
        "table. `parse.table` finds the data table by its title; a (1)..(5) column-number row "
        "dropped; Indonesian numbers ('112.345', '0,95'); a name padded with &nbsp;; a Kota "
        "Malang total row.",
        entry=entry(
            "SAMPLE — Penduduk, laju pertumbuhan dan kepadatan menurut kecamatan (BPS, HTML)",
            "bps",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    male,
                    "Penduduk laki-laki",
                    "Male population",
                    "jiwa",
                    "Penduduk laki-laki hasil proyeksi pertengahan tahun.",
                ),
                indicator(
                    female,
                    "Penduduk perempuan",
                    "Female population",
                    "jiwa",
                    "Penduduk perempuan hasil proyeksi pertengahan tahun.",
                ),
                indicator(
                    growth,
                    "Laju pertumbuhan penduduk per tahun",
                    "Annual population growth rate",
                    "persen",
                    "Rata-rata pertambahan penduduk per tahun, rumus geometrik.",
                ),
                indicator(
                    density,
                    "Kepadatan penduduk",
                    "Population density",
                    "jiwa per km²",
                    "Penduduk dibagi luas wilayah daratan.",
                ),
            ],
        ),
        codes={
            "Jumlah Penduduk (jiwa) / Laki-laki": male,
            "Jumlah Penduduk (jiwa) / Perempuan": female,
            growth_label: growth,
            density_label: density,
        },
        table=t,
        sheets=[("", title), ("", t), ("", notes)],
        format="html",
    )


# --- 26. Dinkes: an Excel 97-2003 workbook (BIFF8 .xls) with a merged header -------------------


def dinkes_nakes_xls() -> Fixture:
    fid = "dinkes_nakes_xls"
    kinds = {"Dokter": "DOKTER_KECAMATAN", "Perawat": "PERAWAT_KECAMATAN",
             "Bidan": "BIDAN_KECAMATAN"}  # fmt: skip
    ratio = "RASIO_DOKTER_PER_100RB"
    ratio_label = "Rasio Dokter per 100.000 Penduduk"
    info = Table()
    info.add("Keterangan")
    info.add(SAMPLE_NOTE)
    t = Table()
    title_rows(t, "Jumlah Tenaga Kesehatan menurut Kecamatan dan Jenis, 2023", 5)
    t.add()
    t.add("Kecamatan", "Tenaga Kesehatan", None, None, ratio_label, bold=True)
    t.add(None, *kinds, None, bold=True)
    for ref in ("A4:A5", "B4:D4", "E4:E5"):
        t.merge(ref)
    body = []
    for name in BPS_ORDER:
        kode = KECAMATAN[name]
        row: list[object] = []
        for label, code in kinds.items():
            n = pick(f"{fid}/{code}/{name}", 20, 400)
            if (name, label) == ("Sukun", "Bidan"):
                row.append(Fact("…", code, kode, "2023", None))  # not available
            else:
                row.append(Fact(n, code, kode, "2023", n))  # BIFF NUMBER records
        r = pick(f"{fid}/rasio/{name}", 250, 900) / 10
        row.append(Fact(id_num(r, 1), ratio, kode, "2023", r))  # text: a LABEL record
        body.append(row[:3])
        t.add(name, *row)
    sums = [total(column) for column in zip(*body, strict=True)]
    t.add("Jumlah", *sums, "51,3", bold=True)
    t.add("Sumber: Dinas Kesehatan Kota Malang (SAMPLE)")
    parse = {
        "sheet": "Tabel 4.2",
        "header_row": 4,
        "header_depth": 2,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": {
            **{f"Tenaga Kesehatan / {label}": code for label, code in kinds.items()},
            ratio_label: ratio,
        },
        "total_exempt": [ratio],
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(1, 9),
        about="An Excel 97-2003 workbook (BIFF8 in an OLE2 file, .xls) as an old office PC "
        "saves it: a 'Keterangan' sheet, then 'Tabel 4.2' with a merged title and header "
        "('Tenaga Kesehatan' over Dokter/Perawat/Bidan; MERGEDCELLS records), counts as NUMBER "
        "records, a ratio as Indonesian text ('45,2', LABEL records), a '…' (not available) and "
        "a Jumlah row. The catalog says `kind: xlsx`: the reader goes by the file's bytes.",
        entry=entry(
            "SAMPLE — Tenaga kesehatan menurut kecamatan (xls)",
            "dinkes",
            "smart_living",
            "tahunan",
            parse,
            [
                *[
                    indicator(
                        code,
                        f"Jumlah {label.lower()}",
                        english,
                        "orang",
                        f"{label} yang bertugas di kecamatan.",
                    )
                    for (label, code), english in zip(
                        kinds.items(), ("Doctors", "Nurses", "Midwives"), strict=True
                    )
                ],
                indicator(
                    ratio,
                    "Rasio dokter per 100.000 penduduk",
                    "Doctors per 100,000 population",
                    "dokter per 100.000 penduduk",
                    "Jumlah dokter dibagi penduduk, dikali 100.000.",
                ),
            ],
        ),
        codes={**{f"Tenaga Kesehatan / {k}": v for k, v in kinds.items()}, ratio_label: ratio},
        table=t,
        sheet="Tabel 4.2",
        sheets=[("Keterangan", info), ("Tabel 4.2", t)],
        format="xls",
    )


# --- 27. Dishub: an xlsx written by SheetJS (a web app's export) --------------------------------


def dishub_penumpang_sheetjs() -> Fixture:
    fid = "dishub_penumpang_sheetjs"
    columns = {"Angkutan Kota": "PENUMPANG_ANGKOT", "Bus Sekolah": "PENUMPANG_BUS_SEKOLAH"}
    t = Table()
    t.add("Bulan", *columns)
    body = []
    for m in range(1, 13):
        row = []
        for code in columns.values():
            n = pick(f"{fid}/{code}/{m}", 9_000, 60_000)
            row.append(Fact(n, code, KOTA, f"2024-{m:02d}", n))
        body.append(row)
        # SheetJS writes a date as t="d" with ISO text, which calamine hands over as text.
        t.add(dt.datetime(2024, m, 1), *row)
    sums = column_totals(body)
    t.add("Jumlah", Formula("SUM(B2:B13)", sums[0]), Formula("SUM(C2:C13)", sums[1]))
    t.add("Sumber: aplikasi e-Tiket Dinas Perhubungan (DATA CONTOH, SAMPLE)")
    parse = {
        "sheet": "Penumpang",
        "region": {"code": KOTA, "level": "kota"},
        "period": {"column": "Bulan"},
        "values": dict(columns),
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(4, 9),
        about="An xlsx as SheetJS (a web app's 'Export to Excel') writes it: no sharedStrings.xml "
        'and no styles.xml, strings inline (t="inlineStr" in the header, t="str" below), no '
        '<dimension>, absolute part paths in the relationships, months as t="d" ISO dates '
        "('2024-03-01T00:00:00.000Z', read as dates), and a Jumlah row of SUM formulas with "
        "their saved values (checked as a total).",
        entry=entry(
            "SAMPLE — Penumpang angkutan kota dan bus sekolah bulanan (SheetJS)",
            "dishub",
            "smart_mobility",
            "bulanan",
            parse,
            [
                indicator(
                    code,
                    f"Penumpang {label.lower()}",
                    f"{label} passengers",
                    "orang",
                    f"Penumpang {label.lower()} tercatat e-Tiket dalam sebulan.",
                )
                for label, code in columns.items()
            ],
        ),
        codes=dict(columns),
        table=t,
        sheet="Penumpang",
        sheets=[("Penumpang", t)],
        format="sheetjs",
    )


# --- 28. Dinsos: formulas saved without their values (written by a program, e.g. openpyxl) -----


def dinsos_kpm_formula() -> Fixture:
    fid = "dinsos_kpm_formula"
    pkh, bpnt, both = "KPM_PKH", "KPM_BPNT", "KPM_JUMLAH"
    t = Table()
    t.add("Keluarga Penerima Manfaat (KPM) Bantuan Sosial menurut Kecamatan, 2024")
    t.add(SAMPLE_NOTE)
    t.add("Kecamatan", "KPM PKH", "KPM BPNT", "Jumlah KPM")
    start = t.next_row
    for name in BPS_ORDER:
        kode = KECAMATAN[name]
        a = pick(f"{fid}/pkh/{name}", 2_000, 7_000)
        b = pick(f"{fid}/bpnt/{name}", 3_000, 9_000)
        r = t.next_row
        # The sum is a formula the generating program never computed: no saved value.
        t.add(name, Fact(a, pkh, kode, "2024", a), Fact(b, bpnt, kode, "2024", b),
              Bad(f"=B{r}+C{r}", "nilai_numeric"))  # fmt: skip
    end = t.next_row - 1
    t.add("Jumlah", *[f"=SUM({c}{start}:{c}{end})" for c in "BCD"])
    parse = {
        "sheet": "KPM",
        "header_row": 3,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2024"},
        "values": {"KPM PKH": pkh, "KPM BPNT": bpnt, "Jumlah KPM": both},
    }
    return Fixture(
        id=fid,
        kind="xlsx",
        families=(9,),
        about="A workbook written by a program that saves formulas without computing them "
        "(openpyxl): 'Jumlah KPM' is '=B4+C4' on every row and the Jumlah row is '=SUM(..)', "
        "all without a saved value. Calamine reads such cells as empty; each 'Jumlah KPM' "
        "cell is quarantined (nilai_numeric) with the real reason (a formula without a saved "
        "value: open and save the file in Excel or LibreOffice), never loaded as NULL; the "
        "total row, unreadable, is not checked.",
        entry=entry(
            "SAMPLE — Keluarga penerima manfaat bansos menurut kecamatan (rumus tanpa nilai)",
            "dinsos",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    pkh,
                    "KPM Program Keluarga Harapan",
                    "PKH beneficiary families",
                    "keluarga",
                    "Keluarga penerima manfaat PKH.",
                ),
                indicator(
                    bpnt,
                    "KPM Bantuan Pangan Non Tunai",
                    "BPNT beneficiary families",
                    "keluarga",
                    "Keluarga penerima manfaat BPNT.",
                ),
                indicator(
                    both,
                    "Jumlah KPM bansos",
                    "Social assistance beneficiary families",
                    "keluarga",
                    "KPM PKH ditambah KPM BPNT.",
                ),
            ],
            max_quarantine=0.4,
        ),
        codes={"KPM PKH": pkh, "KPM BPNT": bpnt, "Jumlah KPM": both},
        table=t,
        sheet="KPM",
        sheets=[("KPM", t)],
    )


# --- 29. Kemenkes: an English CSV export, numbers quoted from 1,000, plain text amounts --------


def kemenkes_imunisasi_en() -> Fixture:
    fid = "kemenkes_imunisasi_en"
    target, done, coverage, budget = (
        "SASARAN_IMUNISASI_BAYI",
        "BAYI_IMUNISASI_LENGKAP",
        "CAKUPAN_IDL",
        "ANGGARAN_VAKSIN",
    )
    labels = {"Target infants": target, "Fully immunized": done, "Coverage (%)": coverage,
              "Vaccine budget (IDR)": budget}  # fmt: skip
    t = Table()
    t.add("Complete Basic Immunization by Subdistrict, Malang City, 2023")
    t.add("DATA CONTOH (SAMPLE) — not official data")
    t.add("Subdistrict", *labels)
    body = []
    for name in BPS_ORDER:
        kode = KECAMATAN[name]
        n = 987 if name == "Klojen" else pick(f"{fid}/t/{name}", 1_500, 4_200)
        k = n * pick(f"{fid}/c/{name}", 900, 990) // 1000
        rupiah = pick(f"{fid}/b/{name}", 30_000, 95_000) * 1000
        row: list[object] = [
            # "3,412" is quoted by the CSV writer (it holds the delimiter); "987" is not.
            Fact(en_num(n), target, kode, "2023", n),
            Fact(en_num(k), done, kode, "2023", k),
            Fact(f"{100 * k / n:.2f}", coverage, kode, "2023", round(100 * k / n, 2)),
            Fact(f"{rupiah}.00", budget, kode, "2023", rupiah),  # a number stored as text
        ]
        if name == "Blimbing":
            row[3] = Bad(f"{rupiah:,}.00", "nilai_numeric")  # grouped: no plain number
        body.append(row[:2])
        t.add(name, *row)
    sums = column_totals(body)
    t.add("Total", en_num(sums[0]), en_num(sums[1]), f"{100 * sums[1] / sums[0]:.2f}", "")
    parse = {
        "header_row": 3,
        "region": {"column": "Subdistrict", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": dict(labels),
        "decimal": "point",
        "column_decimal": {"Vaccine budget (IDR)": "plain"},
        "total_exempt": [coverage, budget],
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(6,),
        about="A ministry dashboard's English CSV export (`,`, CRLF): counts in the English style "
        "('3,412' quoted because it holds the delimiter, '987' not; decimal: point), a "
        "coverage '96.66' and a budget stored as plain text '48250000.00' (column_decimal: "
        "plain); one budget written grouped ('61,000,000.00') is quarantined, as a plain "
        "column refuses any grouping; a Total row.",
        entry=entry(
            "SAMPLE — Imunisasi dasar lengkap menurut kecamatan (ekspor Kemenkes, English)",
            "kemenkes",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    target,
                    "Sasaran bayi imunisasi",
                    "Target infants",
                    "bayi",
                    "Bayi sasaran imunisasi dasar lengkap.",
                ),
                indicator(
                    done,
                    "Bayi imunisasi dasar lengkap",
                    "Fully immunized infants",
                    "bayi",
                    "Bayi yang menerima imunisasi dasar lengkap.",
                    "higher_is_better",
                ),
                indicator(
                    coverage,
                    "Cakupan imunisasi dasar lengkap",
                    "Complete basic immunization coverage",
                    "persen",
                    "Bayi imunisasi dasar lengkap dibagi sasaran.",
                    "higher_is_better",
                ),
                indicator(
                    budget,
                    "Anggaran vaksin",
                    "Vaccine budget",
                    "rupiah",
                    "Anggaran pengadaan vaksin untuk kecamatan.",
                ),
            ],
            max_quarantine=0.1,
        ),
        codes=dict(labels),
        table=t,
        delimiter=",",
        newline="\r\n",
        pad=False,
    )


# --- 30. BPS: thousands grouped by spaces (also no-break and narrow no-break spaces) -----------


def bps_rumah_tangga_spasi() -> Fixture:
    fid = "bps_rumah_tangga_spasi"
    households, people, size, area = (
        "RUMAH_TANGGA_KECAMATAN",
        "PENDUDUK_KECAMATAN",
        "RATA_ANGGOTA_RT",
        "LUAS_KECAMATAN",
    )
    labels = {"Rumah Tangga": households, "Penduduk": people,
              "Rata-rata Anggota Rumah Tangga": size, "Luas (km²)": area}  # fmt: skip
    spaces = (" ", NBSP, "\u202f", " ", NBSP)
    t = Table()
    t.add("Rumah Tangga, Penduduk dan Luas Wilayah menurut Kecamatan, 2023")
    t.add(SAMPLE_NOTE)
    t.add("Kecamatan", *labels)
    body = []
    for i, name in enumerate(BPS_ORDER):
        kode = KECAMATAN[name]
        rt = pick(f"{fid}/rt/{name}", 30_000, 70_000)
        pop = rt * pick(f"{fid}/ag/{name}", 3_200, 3_900) // 1000
        avg = round(pop / rt, 3)
        km2 = pick(f"{fid}/km/{name}", 880, 3_990) / 100
        space = spaces[i]
        row = [
            Fact(f"{rt:,}".replace(",", space), households, kode, "2023", rt),
            Fact(f"{pop:,}".replace(",", space), people, kode, "2023", pop),
            # "3.846" looks like 3846 in the Indonesian style; grouped by spaces it is 3.846.
            Fact(f"{avg:.3f}", size, kode, "2023", avg),
            Fact(f"{km2:.2f}".replace(".", ","), area, kode, "2023", km2),
        ]
        body.append([row[0], row[1], row[3]])
        t.add(name, *row)
    sums = column_totals(body)
    t.add(
        "Kota Malang",
        f"{int(sums[0]):,}".replace(",", " "),
        f"{int(sums[1]):,}".replace(",", " "),
        f"{sums[1] / sums[0]:.3f}",
        f"{sums[2]:.2f}".replace(".", ","),
    )
    parse = {
        "header_row": 3,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"value": "2023"},
        "values": dict(labels),
        "decimal": "space",
        "total_exempt": [size],
    }
    return Fixture(
        id=fid,
        kind="csv",
        families=(6,),
        about="A UTF-8 CSV (`;`) whose thousands are grouped by spaces: a plain space, a no-break "
        "space (U+00A0) and a narrow no-break space (U+202F) ('52 318'); decimal: space, so "
        "'3.846' (average household size) is 3.846 and '39,89' (km²) is 39.89; a Kota Malang "
        "total row.",
        entry=entry(
            "SAMPLE — Rumah tangga, penduduk dan luas menurut kecamatan (ribuan dengan spasi)",
            "bps",
            "smart_living",
            "tahunan",
            parse,
            [
                indicator(
                    households,
                    "Jumlah rumah tangga",
                    "Households",
                    "rumah tangga",
                    "Rumah tangga hasil proyeksi.",
                ),
                indicator(
                    people,
                    "Jumlah penduduk",
                    "Population",
                    "jiwa",
                    "Penduduk hasil proyeksi pertengahan tahun.",
                ),
                indicator(
                    size,
                    "Rata-rata anggota rumah tangga",
                    "Average household size",
                    "jiwa per rumah tangga",
                    "Penduduk dibagi rumah tangga.",
                ),
                indicator(area, "Luas wilayah", "Area", "km²", "Luas daratan kecamatan."),
            ],
        ),
        codes=dict(labels),
        table=t,
        encoding="utf-8",
    )


FIXTURES: tuple[Callable[[], Fixture], ...] = (
    pdam_air_pelanggan,
    dinkes_tenaga_kesehatan,
    dp3ap2kb_kekerasan,
    dishub_penumpang_terminal,
    bkad_realisasi_triwulan,
    bps_ipm_komponen,
    dinkes_profil_balita,
    dishub_terminal_bulanan,
    disnaker_pencari_kerja,
    dlh_sampah_tpa,
    disperkim_rtlh_triwulan,
    bps_proyeksi_penduduk,
    bps_pdrb_status,
    dinkes_air_minum_layak,
    bapenda_pajak_bulanan,
    disdikbud_murid_sd,
    dispendukcapil_kelurahan,
    dispendukcapil_akta_kelurahan,
    bpbd_kejadian_tahunan,
    dishub_kecelakaan,
    dinsos_dtks_kelurahan,
    dlh_kualitas_udara,
    bps_kepadatan_kelurahan,
    dinkes_posyandu_kelurahan,
    bps_penduduk_html,
    dinkes_nakes_xls,
    dishub_penumpang_sheetjs,
    dinsos_kpm_formula,
    kemenkes_imunisasi_en,
    bps_rumah_tangga_spasi,
)


def build() -> list[Fixture]:
    fixtures = [make() for make in FIXTURES]
    ids = [f.id for f in fixtures]
    assert len(set(ids)) == len(ids), "fixture ids must be unique"
    return fixtures


# --- writing --------------------------------------------------------------------------------------


def write_xlsx(fixture: Fixture, path: Path) -> None:
    """Save with fixed timestamps (zip entries and docProps) so reruns give identical bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, table in fixture.sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(table.rows, start=1):
            for c, cell in enumerate(row, start=1):
                value = shown(cell)
                if value is not None:
                    target = ws.cell(row=r, column=c, value=value)
                    if isinstance(value, dt.datetime):
                        target.number_format = "mmm-yy"
            if r in table.bold_rows:
                for c in range(1, len(row) + 1):
                    ws.cell(row=r, column=c).font = Font(bold=True)
                    ws.cell(row=r, column=c).alignment = Alignment(
                        horizontal="center", vertical="center", wrap_text=True
                    )
        for ref in table.merges:
            ws.merge_cells(ref)
        for column, width in table.widths.items():
            ws.column_dimensions[column].width = width
    save_stable(wb, path, "tests/agency_files/make_fixtures.py")


def values(table: Table) -> list[list[object]]:
    return [[shown(cell) for cell in row] for row in table.rows]


def write_html(fixture: Fixture, path: Path) -> None:
    """Each of `sheets` a <table> (its leading bold rows as <th>), a name a heading above it."""
    blocks: list[HtmlTable | str] = []
    for heading, table in fixture.sheets:
        if heading:
            blocks.append(heading)
        header = next((r for r in range(len(table.rows)) if r + 1 not in table.bold_rows), 0)
        blocks.append(HtmlTable(values(table), table.merges, header))
    path.write_bytes(html_page(fixture.entry["title"], blocks))


def write_xls(fixture: Fixture, path: Path) -> None:
    sheets = [(name, values(table), table.merges) for name, table in fixture.sheets]
    path.write_bytes(biff_workbook(sheets))


def write_sheetjs(fixture: Fixture, path: Path) -> None:
    sheets = [(name, values(table), table.merges) for name, table in fixture.sheets]
    path.write_bytes(sheetjs_workbook(sheets))


def write_csv(fixture: Fixture, path: Path) -> None:
    width = fixture.table.width
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fixture.delimiter, lineterminator=fixture.newline)
    for row in fixture.table.rows:
        cells = ["" if shown(c) is None else shown(c) for c in row]
        assert all(isinstance(c, str | int) for c in cells), (fixture.id, row)
        if fixture.pad:
            cells += [""] * (width - len(cells))
        writer.writerow(cells)
    path.write_bytes(buffer.getvalue().encode(fixture.encoding))


def catalog_entry(fixture: Fixture) -> dict:
    e = fixture.entry
    out = {
        "id": fixture.id,
        "title": e["title"],
        "agency": e["agency"],
        "kind": fixture.kind,
        "location": f"{LOCATION}/{fixture.file_name}",
        "sample": True,
        "dimension": e["dimension"],
        "schedule": e["schedule"],
        "parse": e["parse"],
        "indicators": e["indicators"],
    }
    if "quality" in e:
        out["quality"] = e["quality"]
    return out


def dump_yaml(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def nilai_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def write_rows(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def readme(fixtures: list[Fixture]) -> str:
    lines = [
        "# Agency-shaped fixtures (SAMPLE)",
        "",
        "Files shaped like what Kota Malang's OPDs and BPS send, with made-up numbers (every file,",
        "title and catalog entry says SAMPLE). Each has a catalog entry and an exact answer key;",
        "`tests/test_agency_files.py` parses each file through its entry and requires the same",
        "facts (no missing, extra or wrong ones) and the same quarantined cells.",
        "",
        "Everything here is written by `make_fixtures.py` (do not edit by hand):",
        "",
        "    .venv/bin/python tests/agency_files/make_fixtures.py [--out DIR]",
        "",
        "- `files/<id>.SAMPLE.xlsx|xls|csv`: the agency file (an .xls may be BIFF8 or an HTML",
        "  table, as websites save them; `file_writers.py` and `scripts/html_export.py` write",
        "  what openpyxl cannot);",
        "- `catalog/<id>.yaml`: its catalog entry;",
        "- `answers/<id>.csv`: indikator,kode_wilayah,periode,nilai,status, sorted (an empty",
        "  nilai is a value the file marks missing: '-', '…', an empty cell);",
        "- `answers/<id>.karantina.csv`: lokasi,aturan of each cell the parser must hold back",
        "  (`Sheet!C7`; `baris 7, kolom 3` for CSV: 1-based line and column);",
        "- `codes.yaml`: per fixture, each indicator's label as it appears in the file (header",
        "  group or row label; 'Group / Label' where a label repeats) -> its code.",
        "",
        "The answer keys come from the same data the files are written from, never from the",
        "parser. Every total row in these files adds up, so a total warning means the parser",
        "summed the wrong rows.",
        "",
        "## Layout families",
        "",
        *[f"{n}. {text}" for n, text in FAMILIES.items()],
        "",
        "## Files",
        "",
        "| id | file | families | facts | quarantined |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in fixtures:
        families = ", ".join(map(str, f.families))
        lines.append(
            f"| {f.id} | {f.shape} | {families} | {len(f.facts())} | {len(f.quarantined())} |"
        )
    lines.append("")
    for f in fixtures:
        lines += [f"### {f.id}", "", f.about, ""]
    return "\n".join(lines)


def write_all(out: Path) -> list[Fixture]:
    fixtures = build()
    folders = {name: out / name for name in ("files", "catalog", "answers")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():  # this script owns these folders: no stale fixtures
            if old.is_file():
                old.unlink()
    for f in fixtures:
        target = folders["files"] / f.file_name
        writers = {"html": write_html, "xls": write_xls, "sheetjs": write_sheetjs}
        default = write_xlsx if f.kind == "xlsx" else write_csv
        writers.get(f.format, default)(f, target)
        about = "\n".join(f"# {line}" for line in _wrap(f.about, 98))
        # The schema's path as seen from the committed catalog/ folder, whatever --out is.
        schema = schema_comment(HERE / "catalog" / f"{f.id}.yaml")
        text = f"{schema}\n{GENERATED}\n{about}\n{dump_yaml(catalog_entry(f))}"
        (folders["catalog"] / f"{f.id}.yaml").write_text(text, encoding="utf-8")
        facts = [(i, k, p, nilai_text(n), s) for i, k, p, n, s in f.facts()]
        write_rows(
            folders["answers"] / f"{f.id}.csv",
            ("indikator", "kode_wilayah", "periode", "nilai", "status"),
            facts,
        )
        write_rows(
            folders["answers"] / f"{f.id}.karantina.csv", ("lokasi", "aturan"), f.quarantined()
        )
    codes = {f.id: f.codes for f in sorted(fixtures, key=lambda f: f.id)}
    (out / "codes.yaml").write_text(f"{GENERATED}\n{dump_yaml(codes)}", encoding="utf-8")
    (out / "README.md").write_text(readme(fixtures), encoding="utf-8")
    return fixtures


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    fixtures = write_all(args.out)
    print(f"wrote {len(fixtures)} fixtures to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
