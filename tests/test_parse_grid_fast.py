"""Reading a grid a column at a time (sources/parse_grid_fast.py) gives exactly what the
row-by-row parser gives (rows, dtypes, values, lokasi, warnings, notes, the same SourceError),
or declines and the parser reads it: on the bundled and generated sources and on thousands of
random hostile grids (typed cells, markers, totals, unknown regions, short rows)."""

import copy
import datetime as dt
import math
import random
from pathlib import Path

import pandas as pd
import pytest

from bench.generate import generate_catalog
from sources.catalog import DEFAULT_CATALOG_DIR, load_catalog
from sources.errors import SourceError
from sources.extract import Extractor
from sources.fetch import fetch_source
from sources.grid import Grid, column_letter, read_grid
from sources.parse import parse_grid_report
from sources.parse_grid_fast import read_columns
from tests.uji_entries import uji_entry


def outcome(run):
    """What `run()` gives, or the SourceError it raises, as comparable values."""
    try:
        parsed = run()
    except SourceError as exc:
        return ("error", str(exc))
    if parsed is None:
        return None
    return (parsed.tidy, parsed.warnings, parsed.notes, parsed.quarantined, parsed.outside)


def both(entry, grid: Grid):
    """(columnar outcome or None when it declines, row parser outcome) on copies of `grid`
    (the extractor fills merged cells in place)."""
    fast = outcome(lambda: read_columns(Extractor(entry, copy.deepcopy(grid))))
    slow = outcome(lambda: Extractor(entry, copy.deepcopy(grid)).run())
    return fast, slow


def assert_same(fast, slow) -> None:
    assert fast is not None
    if isinstance(fast[0], str) or isinstance(slow[0], str):
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast[0], slow[0])  # dtypes too: "string", float64
    assert fast[1:] == slow[1:]


def test_bundled_sources_are_read_identically_or_left_to_the_parser():
    read = []
    for entry in load_catalog(DEFAULT_CATALOG_DIR):
        if entry.reads_as not in ("xlsx", "csv") or entry.is_url:
            continue  # feeds are checked on generated recordings below
        grid = read_grid(entry, entry.local_path())
        fast, slow = both(entry, grid)
        if fast is not None:
            assert_same(fast, slow)
            read.append(entry.id)
    assert read  # the path is taken for some bundled workbooks


def test_generated_workbooks_and_feeds_are_all_read_column_wise(tmp_path):
    catalog = generate_catalog(tmp_path, 6, 800, seed=23,
                               layouts_used=("xlsx_long", "xlsx_wide", "ckan_long"))  # fmt: skip
    for entry in load_catalog(catalog.catalog_dir):
        landing = fetch_source(entry, tmp_path / "landing")
        grid = read_grid(entry, Path(landing.path))
        fast, slow = both(entry, grid)
        assert fast is not None, entry.id
        assert_same(fast, slow)
        assert len(fast[0]) >= 800


REGIONS = ["Klojen", "KLOJEN", " Kec.  Sukun ", "Blimbing", "35.73.04", "3573030", "Lowokwaru",
           "Kedung Kandang", "Atlantis", "Kota Malang", "", None, "Jumlah",
           "Total Kota"]  # fmt: skip
PERIODS = ["2021", 2021, 2021.0, "2022*", "2023-01", "2023-Q2", "Januari 2023", "2023-13", "",
           None, dt.datetime(2023, 4, 1), "Jumlah 2022", "2024-S1"]  # fmt: skip
VALUES = [1.0, 2.5, 0.0, -3.25, 17, 10**6, float("nan"), True, None, "", " ", "1.234", "1.234,5",
          "12,5*", "7*", "-", "–", "…", "n/a", "NA", "x", "12.5", "abc", "#DIV/0!", "1 234",
          "1234.5", dt.datetime(2020, 1, 1), 1e-9, 123456789.125]  # fmt: skip
FIRST = ["Jumlah", "Total", "Sumber: BPS", "Catatan: sementara", "Keterangan", "", None]


def random_value(rng: random.Random, plain: float) -> object:
    """Mostly numbers (a sheet is), sometimes anything."""
    return rng.choice(VALUES) if rng.random() < plain else round(rng.uniform(-50, 5000), 2)


def random_long_grid(rng: random.Random, rows: int, plain: float) -> tuple[Grid, dict]:
    header = ["No", "Kecamatan", "Tahun", "Jumlah UMKM", "Koperasi Aktif"]
    cells: list[list[object]] = [["SAMPLE tabel uji"], header]
    good_regions = REGIONS[:8]
    for i in range(rows):
        roll = rng.random()
        if roll < 0.05:
            cells.append([rng.choice(FIRST), None, rng.choice([*PERIODS[:3], None]),
                          random_value(rng, 0.2), random_value(rng, 0.2)])  # fmt: skip
        elif roll < 0.08:
            cells.append([None] * rng.randint(0, 5))  # blank, or a short empty row
        elif roll < 0.1:
            cells.append([i + 1, rng.choice(REGIONS), rng.choice(PERIODS)])  # a short row
        else:
            region = rng.choice(REGIONS) if rng.random() < plain / 4 else rng.choice(good_regions)
            period = rng.choice(PERIODS) if rng.random() < plain / 4 else rng.choice(PERIODS[:7])
            cells.append([i + 1, region, period, random_value(rng, plain),
                          random_value(rng, plain)])  # fmt: skip
    parse = {
        "header_row": 2,
        "region": {"column": "Kecamatan", "level": "kecamatan"},
        "period": {"column": "Tahun"},
        "values": {"Jumlah UMKM": "JUMLAH_UMKM", "Koperasi Aktif": "KOPERASI_AKTIF"},
    }
    return cells, parse


def random_wide_grid(rng: random.Random, rows: int, plain: float) -> tuple[Grid, dict]:
    periods = ["2020", "2021", "2022*", "2023"][: rng.randint(1, 4)]
    cells: list[list[object]] = [["Kecamatan", *periods]]
    for _ in range(rows):
        if rng.random() < 0.06:
            first = rng.choice(FIRST)
        else:
            first = rng.choice(REGIONS) if rng.random() < plain / 4 else rng.choice(REGIONS[:8])
        cells.append([first, *(random_value(rng, plain) for _ in periods)])
    parse = {"header_row": 1, "layout": "wide_by_period", "indicator": "PREVALENSI",
             "region": {"column": "Kecamatan", "level": "kecamatan"}}  # fmt: skip
    return cells, parse


def entry_for(parse: dict, rng: random.Random):
    parse = {**parse, "sheet": "Data"}
    for key, choices in {"dash": ["zero", "null"], "total_check": ["warn", "fail", "off"],
                         "total_tolerance": [None, 0.0, 0.05]}.items():  # fmt: skip
        if (value := rng.choice(choices)) is not None:
            parse[key] = value
    indicators = set(parse.get("values", {}).values()) | {parse.get("indicator")} - {None}
    if rng.random() < 0.3:
        parse["total_exempt"] = [min(indicators)]
    return uji_entry("uji_grid", "xlsx", "/nonexistent/uji.xlsx", parse)


def sheet_grid(cells, numeric: set[int]) -> Grid:
    return Grid(cells=cells, describe="sheet `Data`", sheet="Data", sheets=["Data"],
                locate=lambda r, c: f"Data!{column_letter(c)}{r + 1}", numeric=numeric)  # fmt: skip


@pytest.mark.parametrize("plain", [0.0, 0.02, 0.3])
def test_random_hostile_grids_are_read_identically_or_declined(plain):
    rng = random.Random(int(plain * 1000) + 7)
    taken = declined = 0
    for _ in range(300):
        make = rng.choice([random_long_grid, random_wide_grid])
        cells, parse = make(rng, rng.randint(0, 40), plain)
        numeric = {3} if rng.random() < 0.2 else set()
        entry = entry_for(parse, rng)
        fast, slow = both(entry, sheet_grid(cells, numeric))
        if fast is None:
            declined += 1
            continue
        taken += 1
        assert_same(fast, slow)
    # Clean sheets are read column-wise (the test would prove nothing otherwise); hostile ones
    # are mostly left to the parser, which writes their quarantine.
    assert taken >= (150 if plain == 0.0 else 20), (taken, declined)


def test_a_large_sheet_reads_the_same_with_totals_that_do_not_add_up():
    rng = random.Random(11)
    cells, parse = random_long_grid(rng, 0, 0.0)
    names = ["Klojen", "Sukun", "Blimbing", "Lowokwaru", "Kedungkandang"]
    for year in range(1900, 2100):
        parts = [[None, n, str(year), rng.randint(0, 10**6), round(rng.uniform(0, 99), 3)]
                 for n in names]  # fmt: skip
        cells += parts
        total = sum(p[3] for p in parts) + (1 if year % 9 == 0 else 0)
        cells.append(["Jumlah", None, None, total, math.fsum(p[4] for p in parts)])
    entry = entry_for(parse, random.Random(1))
    fast, slow = both(entry, sheet_grid(cells, set()))
    assert_same(fast, slow)


def test_parse_grid_report_answers_the_same_either_way(monkeypatch):
    entry = next(e for e in load_catalog(DEFAULT_CATALOG_DIR) if e.reads_as == "xlsx")
    columnar = parse_grid_report(entry, read_grid(entry, entry.local_path()))
    monkeypatch.setattr("sources.parse_grid_fast.read_columns", lambda extractor: None)
    row_by_row = parse_grid_report(entry, read_grid(entry, entry.local_path()))
    pd.testing.assert_frame_equal(columnar.tidy, row_by_row.tidy)
    assert columnar.warnings == row_by_row.warnings
