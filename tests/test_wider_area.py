"""Tables that cover a wider area than the city (`parse.region.covers`): only Kota Malang's rows
become facts; the other kab/kota are counted as outside the city (run summary, `meta_muat`,
Dagster metadata), never quarantined, never in a correction workbook; Kabupaten Malang's row
("Malang", "Kab. Malang", 3507, 35.07) never becomes 35.73, with the rule or without it.

Fixtures: tests/wider_area/ (SAMPLE, written by its make_fixtures.py with exact answer keys).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from assets.quality_stage import QualityOptions
from assets.source_run import refresh_source
from assets.source_step import tidy_metadata
from pipelines.summary import RunSummary, SourceLine
from quality.gate import check_source
from sources.catalog import CatalogError, load_entry, parse_entry
from sources.errors import SourceError
from sources.kabkota import find, reference
from sources.parse import parse_landing
from sources.parse_fast import fast_vocabulary
from sources.wilayah import (
    OtherRegionError,
    RegionResolver,
    alias_registry,
    check_aliases,
    is_city,
    known_codes,
)
from warehouse.db import work_db

HERE = Path(__file__).resolve().parent / "wider_area"
JATIM, SIPSN = "bps_jatim_penduduk", "sipsn_timbulan_sampah"
FACTS = ["indikator", "kode_wilayah", "periode", "nilai", "status"]
NO_CITY_FIX = (
    "check that the file is the whole table (an export filtered to some regions may leave the "
    "city out) and that `parse.region.column` in {catalog} is its region column; a spelling of "
    "Kota Malang the pipeline does not know goes into sources/wilayah_alias.csv"
)


def entry_of(fixture_id: str, **region):
    entry = load_entry(HERE / "catalog" / f"{fixture_id}.yaml")
    if not region:
        return entry
    data = entry.model_dump()
    data["parse"]["region"] = {**data["parse"]["region"], **region}
    return parse_entry(data, entry.catalog_file)


def answer(fixture_id: str) -> list[tuple]:
    key = pd.read_csv(HERE / "answers" / f"{fixture_id}.csv", dtype=str)
    return sorted(
        (r.indikator, r.kode_wilayah, r.periode, float(r.nilai), r.status)
        for r in key.itertuples(index=False)
    )


def outside_key(fixture_id: str) -> list[tuple[str, str, str]]:
    key = pd.read_csv(HERE / "answers" / f"{fixture_id}.luar.csv", dtype=str)
    return [tuple(row) for row in key.itertuples(index=False)]


def facts(parsed) -> list[tuple]:
    return sorted(tuple(row) for row in parsed.tidy[FACTS].itertuples(index=False))


@pytest.mark.parametrize(("fixture_id", "outside"), [(JATIM, 37), (SIPSN, 513)])
def test_only_kota_malang_loads_and_the_others_are_counted(fixture_id, outside):
    entry = entry_of(fixture_id)
    parsed = parse_landing(entry, entry.local_path())
    assert facts(parsed) == answer(fixture_id)
    assert parsed.quarantined == []
    assert parsed.warnings == []  # the "Jawa Timur" total sums rows that are not loaded
    key = outside_key(fixture_id)
    assert len(key) == len(parsed.outside) == outside
    assert [(o.lokasi, o.nama) for o in parsed.outside] == [(p, n) for p, n, _ in key]
    for row, (_, _, code) in zip(parsed.outside, key, strict=True):
        assert row.wilayah.endswith(f"(BPS {code})"), row
    gate = check_source(
        entry, parsed.tidy, known_regions=known_codes(), unreadable=parsed.quarantined
    )
    assert gate.passed and gate.findings.empty, gate.summary()


def test_the_provincial_table_says_what_it_left_out():
    entry = entry_of(JATIM)
    notes = parse_landing(entry, entry.local_path()).notes
    assert notes[-3].startswith(
        "37 row(s) outside Kota Malang (`parse.region.covers: provinsi`), counted, not loaded: "
        "'Pacitan' (Tabel 3.1.1!B6), 'Ponorogo' (Tabel 3.1.1!B7),"
    )
    assert notes[-3].endswith(", and 27 more")
    assert notes[-2:] == [
        "'Malang' (Tabel 3.1.1!B12) is Kabupaten Malang (BPS 3507), not Kota Malang: left out",
        "1 row(s) total the Jawa Timur table, not checked (their parts lie outside the city): "
        "'Jawa Timur' (Tabel 3.1.1!B44)",
    ]


def test_the_bps_code_column_reads_the_same():
    # 3573 is the city, 3507 Kabupaten Malang, 3500 the province (its total).
    entry = entry_of(JATIM, column="Kode")
    parsed = parse_landing(entry, entry.local_path())
    assert facts(parsed) == answer(JATIM)
    assert parsed.quarantined == []
    assert [o.nama for o in parsed.outside] == [code for _, _, code in outside_key(JATIM)]
    assert parsed.outside[6].wilayah == "Kabupaten Malang (BPS 3507)"


def test_a_wider_table_is_read_row_by_row():
    # The vectorised CSV path knows no `covers`: it must leave such a file to the parser.
    assert not fast_vocabulary(entry_of(SIPSN).parse)
    assert fast_vocabulary(entry_of(SIPSN, covers=None).parse)


# --- a table without Kota Malang's row fails -----------------------------------------------------


def without_city_xlsx(tmp_path: Path) -> Path:
    workbook = load_workbook(entry_of(JATIM).local_path())
    sheet = workbook["Tabel 3.1.1"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "Kota Malang")
    sheet.delete_rows(row)
    path = tmp_path / "jatim.xlsx"
    workbook.save(path)
    return path


def test_the_provincial_table_without_the_city_row_fails_with_the_reason(tmp_path):
    entry = entry_of(JATIM)
    with pytest.raises(SourceError) as failure:
        parse_landing(entry, without_city_xlsx(tmp_path))
    assert str(failure.value) == (
        f"Source `bps_jatim_penduduk` ({entry.location}): the table covers Jawa Timur "
        "(`parse.region.covers: provinsi`) but has no row for Kota Malang (35.73 / BPS 3573); "
        "Kabupaten Malang's row 'Malang' (Tabel 3.1.1!B12) is a different region "
        "(35.07 / BPS 3507); 37 row(s) name other regions. Fix: "
        + NO_CITY_FIX.format(catalog=entry.catalog_file)
    )
    assert failure.value.cells == []  # nothing for the agency to correct
    assert failure.value.details == {"rows_outside_city": 37}


def test_the_national_table_without_the_city_row_fails_and_names_a_misspelling(tmp_path):
    entry = entry_of(SIPSN)
    text = entry.local_path().read_text(encoding="utf-8")
    path = tmp_path / "sipsn.csv"
    path.write_text(text.replace("Kota  Malang;", "Kota Malng;"), encoding="utf-8")
    with pytest.raises(SourceError) as failure:
        parse_landing(entry, path)
    assert failure.value.problem == (
        "the table covers Indonesia (`parse.region.covers: nasional`) but has no row for Kota "
        "Malang (35.73 / BPS 3573); Kabupaten Malang's row 'Kab. Malang' (baris 235, kolom 3) is "
        "a different region (35.07 / BPS 3507); 513 row(s) name other regions; 1 row(s) name "
        "no known region: 'Kota Malng' (baris 260, kolom 3)"
    )
    # The misspelled city row is the agency's to correct: it goes to their workbook.
    assert [cell[:3] for cell in failure.value.cells] == [
        ("baris 260, kolom 3", "kode_wilayah_known", "Kota Malng")
    ]


# --- Kabupaten Malang is never 35.73 -------------------------------------------------------------


@pytest.mark.parametrize("text", ["Malang", "Kab. Malang", "Kabupaten Malang", "KAB MALANG",
                                  "Malang (Kab.)", "3507", "35.07"])  # fmt: skip
def test_kabupaten_malang_is_another_region_at_every_level(text):
    for level in ("kota", "kecamatan", "kelurahan"):
        with pytest.raises(OtherRegionError) as error:
            RegionResolver(level).resolve(text)
        assert error.value.region.kode_bps == "3507"
        assert str(error.value) == (
            f"region {text!r} is Kabupaten Malang (BPS 3507), another region than Kota Malang "
            "(35.73, BPS 3573)"
        )
        assert error.value.closest == []  # "did you mean Kota Malang?" would be the trap
    assert not is_city(text)


@pytest.mark.parametrize(
    "text", ["Kota Malang", "KOTA MALANG", "Kota  Malang", "Malang (Kota)", "Kodya Malang",
             "Kotamadya Malang", "3573", "35.73"],
)  # fmt: skip
def test_kota_malang_is_the_city(text):
    assert RegionResolver("kota").resolve(text) == "35.73"


def test_without_the_rule_other_rows_are_errors_and_malang_is_not_the_city():
    # A city table (no `covers`) holding the provincial rows: every other row is quarantined
    # with what it is, the city's row loads, and 'Malang' is never read as 35.73.
    entry = entry_of(JATIM, covers=None)
    parsed = parse_landing(entry, entry.local_path())
    assert facts(parsed) == answer(JATIM)
    assert parsed.outside == []
    assert len(parsed.quarantined) == 38  # 37 kab/kota and the province's row
    assert {q.aturan for q in parsed.quarantined} == {"kode_wilayah_known"}
    malang = next(q for q in parsed.quarantined if q.nilai == "Malang")
    assert malang.lokasi == "Tabel 3.1.1!B12"
    assert malang.problem == (
        "region 'Malang' is Kabupaten Malang (BPS 3507), another region than Kota Malang "
        "(35.73, BPS 3573); if the table covers more than the city, set "
        f"`parse.region.covers` in {entry.catalog_file}"
    )
    assert malang.detail == (
        "nama wilayah 'Malang' adalah Kabupaten Malang (BPS 3507), bukan wilayah Kota Malang "
        "(35.73)"
    )


def test_without_the_city_row_nothing_becomes_35_73(tmp_path):
    entry = entry_of(JATIM, covers=None)
    parsed = parse_landing(entry, without_city_xlsx(tmp_path))
    assert parsed.tidy.empty
    assert "Malang" in {q.nilai for q in parsed.quarantined}


def test_no_alias_may_make_kabupaten_malang_the_city():
    assert check_aliases({"Malang": "35.73"}) == [
        "alias 'Malang' -> '35.73': the spelling names Kabupaten Malang (BPS 3507), another "
        "region than Kota Malang"
    ]
    assert check_aliases({"Kab. Malang": "35.73"})
    assert check_aliases({"Malang Kota": "35.73"}) == []  # the city, in another order
    # The walidata's registry spells the city, never Kabupaten Malang.
    city = [a.ejaan for a in alias_registry() if a.kode_wilayah == "35.73"]
    assert city and all(find(spelling)[0].kode_bps == "3573" for spelling in city)


# --- which rows are outside, which are errors ----------------------------------------------------


def table(tmp_path: Path, rows: list[str], **region) -> tuple:
    """A small provincial CSV (`Wilayah;Jumlah`) read through the Jawa Timur entry."""
    path = tmp_path / "tabel.csv"
    path.write_text("\n".join(["Wilayah;Jumlah", *rows]) + "\n", encoding="utf-8")
    data = entry_of(JATIM).model_dump()
    data.update(kind="csv", location=str(path))
    data["parse"] = {
        "delimiter": ";",
        "region": {"column": "Wilayah", "level": "kota", "covers": "provinsi", **region},
        "period": {"value": "2024"},
        "values": {"Jumlah": "BPS_JATIM_PENDUDUK"},
    }
    data["indicators"] = data["indicators"][:1]
    entry = parse_entry(data, "tabel.yaml")
    return entry, parse_landing(entry, path)


def test_a_misspelled_city_or_a_region_of_another_province_is_an_error(tmp_path):
    _, parsed = table(
        tmp_path, ["Kota Malang;10", "Kota Batuu;3", "Kota Bandung;4", "Kab. Malang;5"]
    )
    assert facts(parsed) == [("BPS_JATIM_PENDUDUK", "35.73", "2024", 10.0, "final")]
    assert [o.nama for o in parsed.outside] == ["Kab. Malang"]
    assert [(q.lokasi, q.nilai, q.problem) for q in parsed.quarantined] == [
        (
            "baris 3, kolom 1",
            "Kota Batuu",
            "region 'Kota Batuu' is not a known kota of Kota Malang (no similar name)",
        ),
        (
            "baris 4, kolom 1",
            "Kota Bandung",
            "region 'Kota Bandung' is Kota Bandung (BPS 3273), outside Jawa Timur, which this "
            "table covers (`parse.region.covers: provinsi`)",
        ),
    ]


def test_totals_of_the_wider_table_are_not_checked(tmp_path):
    # "Jumlah" sums every kab/kota: compared with the city's row alone it would always differ.
    _, parsed = table(tmp_path, ["Kota Malang;10", "Kota Batu;3", "Jumlah;13", "Jawa Timur;13"])
    assert parsed.warnings == []
    assert len(parsed.outside) == 1


def test_the_city_row_above_its_kecamatan_totals_them(tmp_path):
    # Level kecamatan: Kota Malang's kecamatan below its row load; the city's row is their
    # total (checked), the other kab/kota are outside.
    rows = ["Kota Batu;3", "Kota Malang;16", "Kedungkandang;1", "Sukun;2", "Klojen;3",
            "Blimbing;4", "Lowokwaru;6", "Malang;9"]  # fmt: skip
    _, parsed = table(tmp_path, rows, level="kecamatan")
    assert sorted(parsed.tidy["kode_wilayah"]) == [f"35.73.0{i}" for i in range(1, 6)]
    assert [o.nama for o in parsed.outside] == ["Kota Batu", "Malang"]
    assert parsed.warnings == [] and parsed.quarantined == []
    _, wrong = table(tmp_path, [r.replace("16", "17") for r in rows], level="kecamatan")
    assert len(wrong.warnings) == 1 and "total" in wrong.warnings[0]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Malang", "Kabupaten Malang (BPS 3507)"),
        ("Batu", "Kota Batu (BPS 3579)"),  # no Kabupaten Batu: a bare name is the kota then
        ("01. Pacitan", "Kabupaten Pacitan (BPS 3501)"),
        ("Kota Baru", "Kabupaten Kota Baru (BPS 6302)"),  # a kabupaten named "Kota Baru"
        ("Lima Puluh Kota", "Kabupaten Lima Puluh Kota (BPS 1308)"),
        ("Kab. Adm. Kep. Seribu", "Kabupaten Kepulauan Seribu (BPS 3101)"),
        ("Kota Adm. Jakarta Pusat", "Kota Jakarta Pusat (BPS 3173)"),
        ("Kab. Toba", "Kabupaten Toba (BPS 1206)"),  # renamed from Toba Samosir
        ("Kabupaten Toba Samosir", "Kabupaten Toba Samosir (BPS 1206)"),
        ("Jawa Timur", "Provinsi Jawa Timur (BPS 35)"),
        ("3500", "Provinsi Jawa Timur (BPS 35)"),
        ("Indonesia", "Indonesia"),
        ("Kota Malang", "Kota Malang (BPS 3573)"),
        ("Kota Malng", None),
        ("Jumlah", None),
    ],
)
def test_regions_of_indonesia(text, found):
    regions = find(text)
    assert (regions[0].describe() if regions else None) == found


def test_the_reference_lists_514_kab_kota():
    rows = reference()
    codes = {r.kode_bps for r in rows if r.tingkat in ("kabupaten", "kota")}
    assert len(codes) == 514
    assert sum(1 for c in codes if int(c[2:]) >= 71) == 98  # kota are numbered from 71
    assert {r.kode_bps for r in rows if r.tingkat == "provinsi" and r.kode_bps} == {
        r.kode_bps[:2] for r in rows if r.tingkat != "provinsi"
    }


@pytest.mark.parametrize(
    ("region", "message"),
    [
        (
            {"code": "35.73", "covers": "provinsi"},
            "give exactly one of `column` (a header) or `code` (a fixed region)",
        ),
        ({"code": "35.73", "column": None, "covers": "provinsi"}, None),
        ({"covers": "kota"}, "field `parse.region.covers` has 'kota'; allowed: 'provinsi' or "
                             "'nasional'"),
    ],
)  # fmt: skip
def test_covers_in_the_catalog(region, message):
    data = entry_of(JATIM).model_dump()
    data["parse"]["region"] = {**data["parse"]["region"], **region}
    with pytest.raises(CatalogError) as error:
        parse_entry(data, "x.yaml")
    expected = message or (
        "`covers` reads the kab/kota rows of a region `column`: give `column`, and no `code` or "
        "`subheaders`"
    )
    assert str(error.value).endswith(expected), str(error.value)


# --- counted in meta_muat, the metadata and the run summary; no quarantine, no workbook ----------


def test_the_count_reaches_meta_muat_metadata_and_summary_never_the_quarantine(tmp_path):
    entry = entry_of(JATIM)
    koreksi = tmp_path / "koreksi"
    db = partial(work_db, tmp_path / "work.duckdb")
    result = refresh_source(
        entry,
        landing_root=tmp_path / "landing",
        work_db=db,
        offline=True,
        muat_id="r1:bps_jatim_penduduk",
        quality=QualityOptions(koreksi_dir=koreksi),
    )
    assert (result.outcome, result.rows, result.outside) == ("loaded", 2, 37)
    with db() as con:
        assert con.execute("SELECT rows, baris_luar_wilayah FROM meta_muat").fetchall() == [(2, 37)]
        assert con.execute("SELECT count(*) FROM karantina").fetchone() == (0,)
        loaded = con.execute("SELECT DISTINCT kode_wilayah FROM tidy.bps_jatim_penduduk").fetchall()
        assert loaded == [("35.73",)]
    assert not koreksi.exists() or not any(koreksi.iterdir())
    assert tidy_metadata(entry, result)["rows_outside_city"] == 37
    line = SourceLine(entry.id, "loaded", 2, 0.1, outside=37)
    assert (
        "bps_jatim_penduduk: 37 rows outside Kota Malang (other regions of the table), not loaded"
    ) in RunSummary([line], snapshot=None).render().splitlines()


def test_a_failed_wider_table_still_counts_its_rows(tmp_path):
    entry = entry_of(JATIM)
    broken = without_city_xlsx(tmp_path)
    data = entry.model_dump()
    data["location"] = str(broken)
    entry = parse_entry(data, entry.catalog_file)
    db = partial(work_db, tmp_path / "work.duckdb")
    result = refresh_source(
        entry, landing_root=tmp_path / "landing", work_db=db, offline=True,
        muat_id="r1:bps_jatim_penduduk",
    )  # fmt: skip
    assert (result.outcome, result.stage, result.outside) == ("failed", "parse", 37)
    with db() as con:
        assert con.execute("SELECT outcome, baris_luar_wilayah FROM meta_muat").fetchall() == [
            ("failed", 37)
        ]
        assert con.execute("SELECT count(*) FROM karantina").fetchone() == (0,)


# --- the fixtures ---------------------------------------------------------------------------------


def make_fixtures():
    spec = importlib.util.spec_from_file_location("wider_fixtures", HERE / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_fixtures_are_sample_and_the_script_regenerates_them(tmp_path):
    make_fixtures().main(["--out", str(tmp_path)])
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(HERE)
        for p in HERE.rglob("*")
        if p.is_file() and p.name != "make_fixtures.py" and "__pycache__" not in p.parts
    )
    assert written == committed
    for name in written:
        if name.suffix == ".xlsx":
            cells = [
                [tuple(r) for r in load_workbook(folder / name).active.iter_rows(values_only=True)]
                for folder in (tmp_path, HERE)
            ]
            assert cells[0] == cells[1], name
        else:
            assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), name
    for fixture_id in (JATIM, SIPSN):
        entry = entry_of(fixture_id)
        assert entry.sample and "SAMPLE" in entry.title and ".SAMPLE." in entry.location
