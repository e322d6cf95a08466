"""The vectorised CSV path gives exactly what the row-by-row parser gives (rows, values, lokasi,
warnings; its repeated text columns are categoricals of the same values), and hands every file
it cannot prove it reads identically back to that parser."""

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.generate import generate_catalog
from sources import parse_fast
from sources.catalog import DEFAULT_CATALOG_DIR, load_catalog
from sources.errors import SourceError
from sources.extract import Extractor
from sources.grid import read_grid
from sources.parse import parse_landing
from sources.parse_fast import FAST_MIN_BYTES, fast_vocabulary, parse_csv_fast
from sources.tidy import CSV_LOKASI_PARTS, TIDY_COLUMNS, csv_lokasi
from tests.uji_entries import uji_entry

HEADER = "Tahun;Kecamatan;Jumlah UMKM;Koperasi Aktif"


def entry_for(path: Path, **parse) -> object:
    spec = {
        "delimiter": ";",
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"column": "Tahun"},
        "values": {"Jumlah UMKM": "JUMLAH_UMKM", "Koperasi Aktif": "KOPERASI_AKTIF"},
        **parse,
    }
    return uji_entry("uji_csv", "csv", str(path), spec)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / "uji.csv"
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def month(n: int) -> str:
    """The n-th month from January 1900: distinct, valid periods for many lines."""
    return f"{1900 + n // 12}-{n % 12 + 1:02d}"


def slow(entry, path: Path):
    return Extractor(entry, read_grid(entry, path)).run()


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The fast path's categoricals as the row parser's "string" columns (values compared)."""
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype(dict.fromkeys(categorical, "string"))


def assert_same(entry, path: Path):
    fast = parse_csv_fast(entry, path, min_bytes=0)
    assert fast is not None, "the fast path declined a file it should read"
    expected = slow(entry, path)
    pd.testing.assert_frame_equal(as_text(fast.tidy[list(TIDY_COLUMNS)]), expected.tidy)
    assert fast.warnings == expected.warnings
    # The place as numbers too, spelling the same lokasi (the work database stores those).
    places = zip(*(fast.tidy[c] for c in CSV_LOKASI_PARTS), strict=True)
    assert list(fast.tidy["lokasi"]) == [csv_lokasi(b, k) for b, k in places]
    assert all(str(fast.tidy[c].dtype) == "int64" for c in CSV_LOKASI_PARTS)
    return fast


MESSY = """DATA CONTOH (SAMPLE)
Tahun;Kecamatan;Jumlah UMKM;Koperasi Aktif;Catatan
2022;KEDUNGKANDANG;24.318;58;ok
2022; Kec.  Sukun ;1 234;-;
2022;klojen;17.942,5*;NA
2022;BLIMBING;…;x;extra;fields
2022;Lowokwaru;12,5;0
Jumlah;;55.494,5;58
;;;

2023*;Kedung Kandang;25.467;61
2023*;35.73.04;-12;63
2023*;3573030;+7;
Total;;25.462;124
Sumber: Diskopindag (data contoh)
"""


def test_bundled_csv_sources_are_read_identically():
    checked = []
    for entry in load_catalog(DEFAULT_CATALOG_DIR):
        if entry.reads_as != "csv":
            continue
        if fast_vocabulary(entry.parse):
            assert_same(entry, entry.local_path())
            checked.append(entry.id)
        else:  # e.g. the national table (`region.covers`, English numbers): read row by row
            assert parse_csv_fast(entry, entry.local_path(), min_bytes=0) is None, entry.id
    assert checked


def test_generated_csv_layouts_are_read_identically(tmp_path):
    catalog = generate_catalog(tmp_path, 4, 1500, seed=11, layouts_used=("csv_long",))
    for entry in load_catalog(catalog.catalog_dir):
        assert len(assert_same(entry, entry.local_path()).tidy) >= 1500


@pytest.mark.parametrize(
    ("encoding", "newline", "bom"),
    [("utf-8", "\n", ""), ("utf-8", "\r\n", ""), ("utf-8", "\n", "\ufeff"), ("cp1252", "\r\n", ""),
     ("utf-8", "\r", "\ufeff\ufeff")],  # UTF-8 is split in Arrow: old Mac newlines, two BOMs
)  # fmt: skip
def test_messy_file_markers_totals_and_encodings(tmp_path, encoding, newline, bom):
    path = write(tmp_path, bom + MESSY.replace("Jumlah UMKM", "Jumlah UMKM"), encoding, newline)
    entry = entry_for(path, header_row=2, encoding="auto")
    fast = assert_same(entry, path)
    assert fast.warnings  # "Total" does not add up: reported the same way
    assert set(fast.tidy["catatan"].dropna()) >= {"tidak tersedia (NA)", "tidak ada data (-)"}


def test_wide_by_period_fixed_region_and_fixed_period(tmp_path):
    wide = (
        "Kecamatan;2021;2022;2023*;Keterangan\n"
        "Sukun;1.234;-;5,5;a\nKlojen;2;3;…;\nJumlah;1.236;3;5,5\n"
    )
    path = write(tmp_path, wide)
    entry = entry_for(path, layout="wide_by_period", indicator="PREVALENSI", period=None,
                      values={}, dash="zero")  # fmt: skip
    assert len(assert_same(entry, path).tidy) == 6
    fixed = "Indikator;Nilai A;Nilai B\nx;1;2\ny;3,5;4*\n"
    path = write(tmp_path, fixed)
    entry = entry_for(path, region={"code": "35.73", "level": "kota"},
                      period={"value": "2023-S2*"},
                      values={"Nilai A": "NILAI_A", "Nilai B": "NILAI_B"})  # fmt: skip
    assert list(assert_same(entry, path).tidy["status"]) == ["sementara"] * 4


def test_totals_checked_exactly_and_fail_mode_raises_the_same_error(tmp_path):
    lines = [HEADER]
    rng = random.Random(3)
    for year in range(2000, 2040):
        values = [(rng.uniform(0, 10_000), rng.randint(0, 99)) for _ in range(5)]
        names = ["Sukun", "Klojen", "Blimbing", "Lowokwaru", "Kedungkandang"]
        lines += [f"{year};{n};{a:.3f}".replace(".", ",") + f";{b}" for n, (a, b) in
                  zip(names, values, strict=True)]  # fmt: skip
        total = sum(a for a, _ in values) * (1.2 if year % 7 == 0 else 1.0)
        lines.append(f"Jumlah {year};;{total:.3f}".replace(".", ",") + ";")
        if year % 10 == 0:
            lines.append("Jumlah sejak 2000;;1;")  # right after a subtotal: the grand total
    path = write(tmp_path, "\n".join(lines) + "\n")
    entry = entry_for(path)
    assert len(assert_same(entry, path).warnings) == 1
    failing = entry_for(path, total_check="fail")
    with pytest.raises(SourceError) as fast_error:
        parse_csv_fast(failing, path, min_bytes=0)
    with pytest.raises(SourceError) as slow_error:
        slow(failing, path)
    assert str(fast_error.value) == str(slow_error.value)


@pytest.mark.parametrize("seed", range(4))
def test_random_totals_are_judged_as_the_row_by_row_parser_does(tmp_path, seed):
    """Totals at the top, right after another, over missing values, over whole counts with a
    count off by one, and at the very end: the same warnings, in the same words."""
    rng = random.Random(seed)
    names = ["Sukun", "Klojen", "Blimbing", "Lowokwaru", "Kedungkandang"]
    lines, above = [HEADER, "Jumlah;;0;0"], ([], [])
    for year in range(1990, 2060):
        for name in names:
            umkm = rng.choice(["-", f"{rng.uniform(0, 9_999):.2f}".replace(".", ",")])
            koperasi = rng.choice(["-", str(rng.randint(0, 50_000))])
            lines.append(f"{year};{name};{umkm};{koperasi}")
            above[0].append(0.0 if umkm == "-" else float(umkm.replace(",", ".")))
            above[1].append(0 if koperasi == "-" else int(koperasi))
        for _ in range(rng.choice([0, 0, 1, 2])):  # none, a subtotal, or two in a row
            off = rng.choice([0, 0, 1])
            umkm = f"{sum(above[0]):.2f}".replace(".", ",")
            lines.append(f"Jumlah {year};;{umkm};{sum(above[1]) + off}")
            above = ([], [])
    lines.append("Total;;1.234,5;99")
    path = write(tmp_path, "\n".join(lines) + "\n")
    fast = assert_same(entry_for(path), path)
    assert fast.warnings


def test_numbers_parse_to_the_same_floats(tmp_path):
    rng = random.Random(5)
    lines = [HEADER]
    for i in range(2400):  # one period per month, 1900-01 to 2099-12
        whole = f"{rng.randint(0, 10**12):,}".replace(",", ".")
        period = f"{1900 + i // 12}-{i % 12 + 1:02d}"
        lines.append(f"{period};Sukun;{whole},{rng.randint(0, 10**9)};{rng.randint(0, 10**6)}")
    path = write(tmp_path, "\n".join(lines))
    assert_same(entry_for(path, total_check="off"), path)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('2022;"Sukun";1;2', "a quoted field"),
        ("2022;Atlantis;1;2", "an unknown region"),
        ("2022;Sukun;12.5;2", "an ambiguous number"),
        (";Sukun;1;2", "an empty period"),
        ("2022;;1;2", "values without a region"),
    ],
)
def test_files_it_cannot_vouch_for_go_to_the_row_by_row_parser(tmp_path, line, why):
    path = write(tmp_path, f"{HEADER}\n2022;Klojen;1;2\n{line}\n")
    entry = entry_for(path)
    assert parse_csv_fast(entry, path, min_bytes=0) is None, why
    if why == "a quoted field":
        pd.testing.assert_frame_equal(parse_landing(entry, path).tidy, slow(entry, path).tidy)
        return
    # The row-by-row parser quarantines the unreadable row, with its place and reason.
    landed, expected = parse_landing(entry, path), slow(entry, path)
    pd.testing.assert_frame_equal(landed.tidy, expected.tidy)
    assert landed.quarantined == expected.quarantined
    assert [q.lokasi.split(",")[0] for q in landed.quarantined] == ["baris 3"]


def test_header_drift_small_files_and_workbooks_are_not_its_job(tmp_path):
    path = write(tmp_path, "Tahun;Kecamatan;UMKM;Koperasi Aktif\n2022;Sukun;1;2\n")
    assert parse_csv_fast(entry_for(path), path, min_bytes=0) is None  # drift report: the parser
    path = write(tmp_path, f"{HEADER}\n2022;Sukun;1;2\n")
    assert parse_csv_fast(entry_for(path), path) is None  # below FAST_MIN_BYTES
    xlsx = next(e for e in load_catalog(DEFAULT_CATALOG_DIR) if e.kind == "xlsx")
    assert parse_csv_fast(xlsx, xlsx.local_path(), min_bytes=0) is None


def test_parse_landing_takes_the_fast_path_for_large_files(tmp_path):
    names = ["Sukun", "Klojen", "Blimbing", "Lowokwaru", "Kedungkandang"]
    lines = [HEADER] + [f"{month(i // 5)};{names[i % 5]};{i};{i % 7}" for i in range(8000)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert path.stat().st_size >= FAST_MIN_BYTES
    entry = entry_for(path)
    assert parse_csv_fast(entry, path) is not None
    landed = parse_landing(entry, path).tidy
    pd.testing.assert_frame_equal(as_text(landed[list(TIDY_COLUMNS)]), slow(entry, path).tidy)


def test_lines_of_another_width_deep_in_the_body_keep_their_place(tmp_path):
    """Arrow's reader expects the usual width: a footnote, a blank line, a data line with an
    extra field and one with a field short, far past the sample it measures, come back in
    place, and every later line keeps its number."""
    names = ["Sukun", "Klojen", "Blimbing", "Lowokwaru", "Kedungkandang"]
    lines = [HEADER] + [f"{month(i // 5)};{names[i % 5]};{i};{i % 7}" for i in range(12000)]
    lines[7000] = "Catatan: angka sementara"
    lines[8000] = ""
    lines[9000] += ";ekstra"
    lines[10000] = "2099-12;Sukun;1"
    path = write(tmp_path, "\n".join(lines) + "\n")
    fast = assert_same(entry_for(path, drop_rows=["^Catatan"]), path)
    assert fast.tidy["lokasi"].iloc[-1] == f"baris {len(lines)}, kolom 4"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_body_read_in_two_halves_reads_as_one(tmp_path, monkeypatch, newline):
    """A large body is read by two threads, split after a line break near its middle: odd
    lines in either half keep their numbers, whichever line break the file uses."""
    monkeypatch.setattr(parse_fast, "SPLIT_BYTES", 0)  # every body in two halves
    names = ["Sukun", "Klojen", "Blimbing", "Lowokwaru", "Kedungkandang"]
    lines = [HEADER] + [f"{month(i // 5)};{names[i % 5]};{i};{i % 7}" for i in range(4000)]
    for at in (5, 1999, 2000, 2001, 3990):  # around the split too
        lines[at] = ""
    lines[1000] = "Catatan: angka sementara"
    lines[3000] += ";ekstra"
    lines[3500] = "2099-12;Sukun;1"
    path = write(tmp_path, "\n".join(lines) + "\n", newline=newline)
    assert len(parse_fast._halves(path.read_bytes(), 0)) == 2
    fast = assert_same(entry_for(path, drop_rows=["^Catatan"]), path)
    assert fast.tidy["lokasi"].iloc[-1] == f"baris {len(lines)}, kolom 4"
    messy = write(tmp_path, MESSY, newline=newline)
    assert_same(entry_for(messy, header_row=2, encoding="auto"), messy)


def test_repeated_text_columns_are_categoricals_that_take_an_estimate(tmp_path):
    """~100 MiB less per 1M rows; mark_estimates then writes `perkiraan` into `status`."""
    from sources.parse import mark_estimates

    path = write(tmp_path, f"{HEADER}\n2022;Klojen;1;2\n2023*;Sukun;3;4\n")
    entry = entry_for(path)
    fast = parse_csv_fast(entry, path, min_bytes=0).tidy
    repeated = ["sumber_id", "indikator", "kode_wilayah", "periode", "status", "catatan"]
    assert all(isinstance(fast[c].dtype, pd.CategoricalDtype) for c in repeated)
    assert str(fast["lokasi"].dtype) == "string"
    indicators = [i.model_copy(update={"estimate": i.code == "JUMLAH_UMKM"})
                  for i in entry.indicators]  # fmt: skip
    marked = mark_estimates(entry.model_copy(update={"indicators": indicators}), fast)
    assert list(zip(marked["indikator"], marked["status"], strict=True)) == [
        ("JUMLAH_UMKM", "perkiraan"),
        ("KOPERASI_AKTIF", "final"),
        ("JUMLAH_UMKM", "perkiraan"),
        ("KOPERASI_AKTIF", "sementara"),
    ]


@pytest.mark.parametrize("rows", [0, 1, 7, 5000])
def test_sums_above_the_total_rows_are_the_running_sums_at_them(rows):
    """The screen of the totals reads sums of the values above each total row; a wrong sum
    there could call a total that does not add up "clearly right"."""
    from sources.columnar import _sums_above

    rng = np.random.default_rng(rows)
    values = rng.uniform(-1e6, 1e6, rows).round(2)
    ends = np.sort(np.concatenate([[0, rows, rows], rng.integers(0, rows + 1, 40)]))
    running = np.concatenate([[0.0], np.cumsum(values)])
    assert np.allclose(_sums_above(values, ends), [0.0, *running[ends]], rtol=1e-12, atol=1e-6)
    whole = values > 0
    counted = np.concatenate([[0], np.cumsum(whole)])
    assert (_sums_above(whole, ends) == [0, *counted[ends]]).all()
