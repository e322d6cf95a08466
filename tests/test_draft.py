"""`kotapintar draft`: a drafted entry loads the agency file as it is.

The acceptance test drafts an entry for every agency fixture (tests/agency_files), replaces only
the indicator codes (codes.yaml: label as in the file -> official code) and copies the
hand-written entry's `quality` block (quarantine tolerance is policy, not structure), parses the
fixture and compares with the answer key. The focused tests pin each detection on small files.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from quality.gate import check_source
from sources.catalog import parse_entry
from sources.draft import DraftError, draft_entry
from sources.draft_names import indicator_code, unit_of
from sources.errors import SourceError
from sources.parse import parse_landing
from sources.wilayah import known_codes, reference

AGENCY_FILES = Path(__file__).parent / "agency_files"
ANSWER_COLUMNS = ["indikator", "kode_wilayah", "periode", "nilai", "status"]
KECAMATAN = ["Kedungkandang", "Sukun", "Klojen", "Blimbing", "Lowokwaru"]


# -- the acceptance measure: drafts of the agency fixtures ------------------------------------


def fixture_ids() -> list[str]:
    return sorted(p.stem for p in (AGENCY_FILES / "catalog").glob("*.yaml"))


def fixture_file(fixture: str) -> Path:
    found = sorted((AGENCY_FILES / "files").glob(f"{fixture}.*"))
    assert found, f"no file for fixture {fixture} in {AGENCY_FILES / 'files'}"
    return found[0]


def with_official_codes(fixture: str, drafted: dict) -> dict:
    """The drafted entry with each indicator code replaced by the official one for its label
    (and the hand-written entry's `quality` block): what an engineer edits, nothing else."""
    codes = (yaml.safe_load((AGENCY_FILES / "codes.yaml").read_text("utf-8")) or {}).get(
        fixture, {}
    )
    data = copy.deepcopy(drafted)
    renamed = {}
    for indicator in data["indicators"]:
        official = codes.get(indicator["name_id"])
        if official is not None:
            renamed[indicator["code"]] = official
            indicator["code"] = official
    parse = data["parse"]
    for field in ("values", "indicator_labels", "row_indicators"):
        if field in parse:
            parse[field] = {k: renamed.get(v, v) for k, v in parse[field].items()}
    if "indicator" in parse:
        parse["indicator"] = renamed.get(parse["indicator"], parse["indicator"])
    if "total_exempt" in parse:
        parse["total_exempt"] = [renamed.get(c, c) for c in parse["total_exempt"]]
    written = yaml.safe_load((AGENCY_FILES / "catalog" / f"{fixture}.yaml").read_text("utf-8"))
    if "quality" in written:
        data["quality"] = written["quality"]
    return data


def answer_rows(frame: pd.DataFrame) -> list[tuple]:
    """Rows as comparable tuples: codes and periods as text, values rounded, empty as None."""
    rows = []
    for row in frame[ANSWER_COLUMNS].itertuples(index=False):
        nilai = None if pd.isna(row.nilai) else round(float(row.nilai), 9)
        status = None if pd.isna(row.status) else str(row.status)
        rows.append((str(row.indikator), str(row.kode_wilayah), str(row.periode), nilai, status))
    return sorted(rows, key=repr)


def quarantine_keys(fixture: str, parsed) -> tuple[list, list]:
    """(expected, found) quarantined cells, compared on the columns the answer key has."""
    path = AGENCY_FILES / "answers" / f"{fixture}.karantina.csv"
    expected = pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None
    columns = [c for c in ("lokasi", "aturan") if expected is not None and c in expected]
    columns = columns or ["lokasi"]
    found = sorted(tuple(str(getattr(q, c)) for c in columns) for q in parsed.quarantined)
    if expected is None:
        return [], found
    return sorted(tuple(r) for r in expected[columns].itertuples(index=False)), found


def load_exactly(fixture: str) -> str | None:
    """None when the drafted entry (official codes) loads the fixture as the answer key says:
    the same facts, the same quarantined cells, and the quality gate lets it load; else why
    not."""
    path = fixture_file(fixture)
    drafted = draft_entry(path, entry_id=fixture, test_parse=False)
    written = yaml.safe_load(drafted.text)  # what `kotapintar draft` writes
    entry = parse_entry(with_official_codes(fixture, written), f"{fixture}.yaml")
    try:
        parsed = parse_landing(entry, path)
    except SourceError as exc:
        return f"fails: {exc.problem}"
    answer = pd.read_csv(
        AGENCY_FILES / "answers" / f"{fixture}.csv", dtype={"kode_wilayah": str, "periode": str}
    )
    expected, found = answer_rows(answer), answer_rows(parsed.tidy)
    if expected != found:
        missing = [r for r in expected if r not in found][:3]
        extra = [r for r in found if r not in expected][:3]
        return (
            f"{len(found)} rows, expected {len(expected)}; missing e.g. {missing}; "
            f"unexpected e.g. {extra}"
        )
    expected_q, found_q = quarantine_keys(fixture, parsed)
    if expected_q != found_q:
        return f"quarantined {found_q[:5]}, expected {expected_q[:5]}"
    gate = check_source(
        entry, parsed.tidy, known_regions=known_codes(), unreadable=parsed.quarantined
    )
    if not (gate.passed or gate.may_load_partially(entry.quality.max_quarantine_share)):
        return f"the quality gate refuses it: {gate.summary()}"
    return None


@pytest.mark.skipif(not (AGENCY_FILES / "codes.yaml").is_file(), reason="no agency fixtures yet")
def test_drafts_load_most_agency_fixtures_exactly():
    ids = fixture_ids()
    problems = {fixture: load_exactly(fixture) for fixture in ids}
    exact = [f for f, problem in problems.items() if problem is None]
    print(f"\nkotapintar draft loads {len(exact)} of {len(ids)} agency fixtures exactly")
    for fixture, problem in problems.items():
        print(f"  {fixture}: {'exact' if problem is None else problem}")
    required = 12 if len(ids) >= 16 else math.ceil(0.75 * len(ids))
    assert len(exact) >= required, problems


# -- focused detections on small files --------------------------------------------------------


def save(tmp_path, rows, merges=(), sheet="Data", name="uji.xlsx", extra_sheets=()):
    workbook = openpyxl.Workbook()
    for title, extra_rows in extra_sheets:
        extra = workbook.create_sheet(title)
        for row in extra_rows:
            extra.append(list(row))
    sheet_ = workbook.active
    sheet_.title = sheet
    for row in rows:
        sheet_.append(list(row))
    for cells in merges:
        sheet_.merge_cells(cells)
    path = tmp_path / name
    workbook.save(path)
    return path


def tidy_of(drafted) -> list[tuple]:
    assert drafted.problem is None, drafted.problem
    return answer_rows(drafted.parsed.tidy)


def test_indicator_codes_and_units_come_from_the_label():
    assert indicator_code("Volume Air Terjual (m³)") == "VOLUME_AIR_TERJUAL_M3"
    assert indicator_code("Jenis Kelamin / Laki-laki") == "JENIS_KELAMIN_LAKI_LAKI"
    assert indicator_code("Rasio PAD (%)") == "RASIO_PAD_PERSEN"
    assert indicator_code("2024") == "X_2024"
    assert unit_of("Volume Air Terjual (m³)") == "m³"
    assert unit_of("Rasio (%)") == "persen"
    assert unit_of("Penduduk (Angka Sementara)") is None
    assert unit_of("Jumlah Sekolah") is None


def test_long_table_under_a_title_and_a_merged_two_row_header(tmp_path):
    rows = [
        ("JUMLAH FASILITAS KESEHATAN MENURUT KECAMATAN TAHUN 2023",),
        (),
        ("No.", "Kecamatan", "Rumah Sakit", None, "Puskesmas"),
        (None, None, "Umum", "Khusus", None),
        *[(i + 1, name, i, "-", 3) for i, name in enumerate(KECAMATAN)],
        (None, "Jumlah", 10, 0, 15),
        ("Sumber: Dinas Kesehatan",),
        ("Keterangan: - = tidak ada",),
    ]
    path = save(tmp_path, rows, merges=["A3:A4", "B3:B4", "C3:D3", "E3:E4"])
    drafted = draft_entry(path, entry_id="dinkes_faskes")
    parse = drafted.entry["parse"]
    assert (parse["header_row"], parse["header_depth"]) == (3, 2)
    assert parse["region"] == {"column": "Kecamatan", "level": "kecamatan"}
    assert parse["period"] == {"value": "2023"}
    assert parse["values"] == {
        "Rumah Sakit / Umum": "RUMAH_SAKIT_UMUM",
        "Rumah Sakit / Khusus": "RUMAH_SAKIT_KHUSUS",
        "Puskesmas": "PUSKESMAS",
    }
    assert parse["dash"] == "zero"  # the footnote says "-" is nil
    assert "# region column 'Kecamatan': 5 of 5 values resolve at level kecamatan" in drafted.text
    assert [i["name_id"] for i in drafted.entry["indicators"]] == list(parse["values"])
    assert {i["name_en"] for i in drafted.entry["indicators"]} == {"TODO"}
    assert len(drafted.parsed.tidy) == 15 and drafted.parsed.warnings == []


def test_the_sheet_with_the_most_numbers_is_taken_unless_one_is_named(tmp_path):
    rows = [("Kecamatan", "Luas (km²)"), *[(name, "10,5") for name in KECAMATAN]]
    path = save(tmp_path, rows, sheet="Tabel 3.1", extra_sheets=[("Keterangan", [("catatan",)])])
    assert draft_entry(path).entry["parse"]["sheet"] == "Tabel 3.1"
    assert "'Tabel 3.1' (5), 'Keterangan' (0)" in draft_entry(path).text
    with pytest.raises(DraftError, match=r"sheet 'Keterangan' of uji\.xlsx has no column of"):
        draft_entry(path, sheet="Keterangan")


def test_kelurahan_with_kecamatan_sub_headers(tmp_path):
    rows = [("RUMAH TANGGA MISKIN MENURUT KELURAHAN 2023",), ("Kelurahan", "Rumah Tangga")]
    for region in reference():
        if region.tingkat == "kecamatan":
            rows.append((f"KEC. {region.nama.upper()}", None))
        elif region.tingkat == "kelurahan":
            rows.append((region.nama, 100))
    path = save(tmp_path, rows)
    drafted = draft_entry(path)
    assert drafted.entry["parse"]["region"] == {
        "column": "Kelurahan",
        "level": "kelurahan",
        "subheaders": True,
    }
    assert "57 of 57 values resolve at level kelurahan" in drafted.text
    assert drafted.parsed.tidy["kode_wilayah"].nunique() == 57


def test_a_sum_column_beside_its_parts_is_not_an_indicator(tmp_path):
    rows = [
        ("Kelurahan", "Laki-laki", "Perempuan", "Jumlah", "Jumlah KK"),
        ("Arjosari", 10, 12, 22, 5),
        ("Polowijen", 8, 9, 17, 4),
        ("Samaan", 3, 4, 7, 2),
    ]
    drafted = draft_entry(save(tmp_path, rows))
    assert list(drafted.entry["parse"]["values"]) == ["Laki-laki", "Perempuan", "Jumlah KK"]
    assert "'Jumlah' (D) sums B..C: a total, not loaded" in drafted.text


def test_city_table_with_years_down_and_a_provisional_mark(tmp_path):
    rows = [
        ("INDIKATOR MAKRO KOTA MALANG",),
        ("Tahun", "Laju Pertumbuhan Ekonomi (%)", "Jumlah Penduduk Miskin (ribu)"),
        (2022, "6,30", "35,1"),
        ("2023*", "6,12", "34,2"),
        ("Sumber: BPS",),
    ]
    drafted = draft_entry(save(tmp_path, rows))
    parse = drafted.entry["parse"]
    assert parse["region"] == {"code": "35.73", "level": "kota"}
    assert parse["period"] == {"column": "Tahun"}
    assert tidy_of(drafted) == [
        ("JUMLAH_PENDUDUK_MISKIN_RIBU", "35.73", "2022", 35.1, "final"),
        ("JUMLAH_PENDUDUK_MISKIN_RIBU", "35.73", "2023", 34.2, "sementara"),
        ("LAJU_PERTUMBUHAN_EKONOMI_PERSEN", "35.73", "2022", 6.3, "final"),
        ("LAJU_PERTUMBUHAN_EKONOMI_PERSEN", "35.73", "2023", 6.12, "sementara"),
    ]
    units = {i["code"]: i["unit"] for i in drafted.entry["indicators"]}
    assert units["LAJU_PERTUMBUHAN_EKONOMI_PERSEN"] == "persen"


def test_header_groups_over_years_become_a_wide_header_pattern(tmp_path):
    rows = [
        ("PELANGGAN DAN VOLUME AIR PERUMDA",),
        ("Kecamatan", "Volume Air Terjual (m³)", None, "Jumlah Pelanggan", None),
        (None, 2023, "2024*", 2023, "2024*"),
        *[(name, "1.200,5", 1300, 400, 410) for name in KECAMATAN],
    ]
    drafted = draft_entry(save(tmp_path, rows, merges=["A2:A3", "B2:C2", "D2:E2"]))
    parse = drafted.entry["parse"]
    assert parse["layout"] == "wide"
    assert parse["indicator_labels"] == {
        "Volume Air Terjual (m³)": "VOLUME_AIR_TERJUAL_M3",
        "Jumlah Pelanggan": "JUMLAH_PELANGGAN",
    }
    tidy = tidy_of(drafted)
    assert len(tidy) == 20
    assert ("VOLUME_AIR_TERJUAL_M3", "35.73.03", "2023", 1200.5, "final") in tidy
    assert ("JUMLAH_PELANGGAN", "35.73.03", "2024", 410.0, "sementara") in tidy


def test_month_words_across_the_header_take_the_year_from_the_title(tmp_path):
    rows = [
        ("KUNJUNGAN PERPUSTAKAAN MENURUT KECAMATAN TAHUN 2024",),
        ("Kecamatan", "Januari", "Februari", "Maret"),
        *[(f"Kec. {name}", 10, 11, 12) for name in KECAMATAN],
        ("Kota Malang", 50, 55, 60),
    ]
    drafted = draft_entry(save(tmp_path, rows))
    parse = drafted.entry["parse"]
    assert parse["layout"] == "wide_by_period"
    assert parse["period"] == {"year_from": "title"}
    assert "total_rows" not in parse  # the parser takes "Kota Malang" as a total itself
    assert sorted(drafted.parsed.tidy["periode"].unique()) == ["2024-01", "2024-02", "2024-03"]
    assert drafted.parsed.warnings == []


def test_labels_down_the_rows_and_years_across_are_indicators_as_rows(tmp_path):
    rows = [
        ("INDIKATOR KESEJAHTERAAN RAKYAT",),
        ("Uraian", "Satuan", 2022, "2023*"),
        ("Kependudukan", None, None, None),
        ("Jumlah Penduduk", "jiwa", 847182, 850000),
        ("Laju Pertumbuhan Penduduk", "%", "0,40", "0,33"),
        ("Jumlah", None, None, None),
        ("Ket: diolah",),
    ]
    drafted = draft_entry(save(tmp_path, rows))
    parse = drafted.entry["parse"]
    assert parse["layout"] == "indicators_as_rows"
    assert parse["header_row"] == 2 and "header_depth" not in parse
    # "Jumlah Penduduk" is an indicator here, not a total row.
    assert parse["default_row_rules"] is False
    assert parse["row_indicators"] == {
        "Jumlah Penduduk": "JUMLAH_PENDUDUK",
        "Laju Pertumbuhan Penduduk": "LAJU_PERTUMBUHAN_PENDUDUK",
    }
    assert [i["unit"] for i in drafted.entry["indicators"]] == ["jiwa", "persen"]
    assert len(tidy_of(drafted)) == 4


def test_regions_across_the_header_are_wide_by_region(tmp_path):
    rows = [
        ("LUAS LAHAN SAWAH MENURUT KECAMATAN (ha)",),
        ("Tahun", "Kecamatan", None, None, None, None, "Jumlah"),
        (None, *KECAMATAN, None),
        (2022, "10,5", 20, "-", 40, 50, "120,5"),
        ("2023*", "9,5", 20, "-", 40, 50, "119,5"),
    ]
    drafted = draft_entry(save(tmp_path, rows, merges=["A2:A3", "B2:F2", "G2:G3"]))
    parse = drafted.entry["parse"]
    assert parse["layout"] == "wide_by_region"
    assert parse["region"] == {"level": "kecamatan"}
    assert parse["period"] == {"column": "Tahun"}
    assert drafted.entry["indicators"][0]["unit"] == "ha"
    assert len(drafted.parsed.tidy) == 10 and drafted.parsed.warnings == []


def test_csv_encoding_delimiter_decimal_point_and_status_column(tmp_path):
    lines = ["Tahun;Kecamatan;Luas Panen (ha);Keterangan"]
    lines += [f"2023;{name};1,250.5;Angka sementara" for name in KECAMATAN]
    lines += ["Catatan: diolah"]
    path = tmp_path / "dkpp_panen.csv"
    path.write_bytes("\r\n".join(lines).replace("Angka", "Angká").encode("cp1252"))
    drafted = draft_entry(path)
    parse = drafted.entry["parse"]
    assert (parse["delimiter"], parse["encoding"]) == (";", "cp1252")
    assert parse["decimal"] == "point"
    assert parse["status"] == {"column": "Keterangan"}
    assert "# decimal point in 'Luas Panen (ha)' (evidence '1,250.5' at C2)" in drafted.text
    assert set(drafted.parsed.tidy["status"]) == {"sementara"}
    assert set(drafted.parsed.tidy["nilai"]) == {1250.5}


def test_months_in_a_column_with_the_year_in_another(tmp_path):
    rows = [
        ("PENUMPANG BUS KOTA MALANG",),
        ("Tahun", "Triwulan", "Penumpang"),
        (2024, "I", 1000),
        (None, "II", 1100),
        ("Sumber: Dishub",),
    ]
    drafted = draft_entry(save(tmp_path, rows, merges=["A3:A4"]))
    assert drafted.entry["parse"]["period"] == {
        "column": "Triwulan",
        "kind": "quarter",
        "year_column": "Tahun",
    }
    assert tidy_of(drafted) == [
        ("PENUMPANG", "35.73", "2024-Q1", 1000.0, "final"),
        ("PENUMPANG", "35.73", "2024-Q2", 1100.0, "final"),
    ]


def test_the_draft_is_a_valid_entry_and_reads_back_as_written(tmp_path):
    rows = [("Kecamatan", "Luas (km²)"), *[(name, "10,5") for name in KECAMATAN]]
    drafted = draft_entry(save(tmp_path, rows, name="bps_luas.SAMPLE.xlsx"))
    assert yaml.safe_load(drafted.text) == drafted.entry
    entry = parse_entry(yaml.safe_load(drafted.text), "bps_luas.yaml")
    assert entry.id == "bps_luas" and entry.sample and "SAMPLE" in entry.title
    first, second = drafted.text.splitlines()[:2]
    assert first == "# yaml-language-server: $schema=sources/catalog.schema.json"
    assert second.startswith("# Draft catalog entry for bps_luas.SAMPLE.xlsx")


def test_a_dash_is_nil_in_a_count_column_that_writes_no_zero(tmp_path):
    rows = [("Kecamatan", "Kasus", "Korban"), *[(n, "-" if i == 2 else i + 1, 3) for i, n in
            enumerate(KECAMATAN)]]  # fmt: skip
    drafted = draft_entry(save(tmp_path, rows, name="a.xlsx"))
    assert drafted.entry["parse"]["dash"] == "zero"
    assert "a count column that writes no 0" in drafted.text
    rows[1] = ("Kedungkandang", 0, 3)  # a written 0: "-" is then no data
    drafted = draft_entry(save(tmp_path, rows, name="b.xlsx"))
    assert "dash" not in drafted.entry["parse"]
    assert "'-' beside a written 0 in 'Kasus'" in drafted.text


def test_known_spelling_variations_become_proposed_aliases(tmp_path):
    names = ["Polowidjen", "Ciptomulya", "Bunul", "Kiduldalam", "Samaan", "Kasin", "Bareng"]
    rows = [("Kelurahan", "Jumlah KK"), *[(name, 100 + i) for i, name in enumerate(names)]]
    drafted = draft_entry(save(tmp_path, rows))
    region = drafted.entry["parse"]["region"]
    assert region["aliases"] == {
        "Polowidjen": "35.73.01.1003",
        "Ciptomulya": "35.73.04.1001",
        "Bunul": "35.73.01.1008",
    }
    assert "CHECK alias 'Polowidjen' (A2) -> Polowijen 35.73.01.1003" in drafted.text
    # "Kiduldalam" (a for e) is no known variation: it stays unresolved and is quarantined.
    assert "'Kiduldalam' at A5" in drafted.text
    assert [q.lokasi for q in drafted.parsed.quarantined] == ["Data!A5"]


def test_one_separator_before_three_digits_groups_thousands(tmp_path):
    lines = ["Kecamatan;Murid;APM (%);Pengunjung"]
    lines += [f"{name};15.234;97.85;1,204" for name in KECAMATAN]
    path = tmp_path / "murid.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    drafted = draft_entry(path)
    parse = drafted.entry["parse"]
    assert "decimal" not in parse  # "15.234": the Indonesian thousands dot
    assert parse["column_decimal"] == {"APM (%)": "point", "Pengunjung": "point"}
    assert set(drafted.parsed.tidy["nilai"]) == {15234.0, 97.85, 1204.0}


def test_of_two_like_sheets_the_one_naming_the_latest_year_is_taken(tmp_path):
    rows = [("Kecamatan", "Posyandu"), *[(name, 10) for name in KECAMATAN]]
    path = save(tmp_path, rows, sheet="REKAP 2023 ", extra_sheets=[("Rekap 2022", rows)])
    assert draft_entry(path).entry["parse"]["sheet"] == "REKAP 2023 "


def test_a_part_shared_by_every_header_group_is_written_into_the_pattern(tmp_path):
    rows = [
        ("Kecamatan", "Kasus", None, None, None),
        (None, "Laki-laki", None, "Perempuan", None),
        (None, 2023, "2024*", 2023, "2024*"),
        *[(name, 1, 2, 3, 4) for name in KECAMATAN],
    ]
    path = save(tmp_path, rows, merges=["A1:A3", "B1:E1", "B2:C2", "D2:E2"])
    parse = draft_entry(path).entry["parse"]
    assert parse["header_depth"] == 3
    assert parse["header_pattern"].startswith("^Kasus / (?P<indicator>.+) / (?P<period>")
    assert parse["indicator_labels"] == {"Laki-laki": "LAKI_LAKI", "Perempuan": "PEREMPUAN"}


def test_a_status_in_brackets_after_a_header_year(tmp_path):
    rows = [
        ("Komponen", 2022, "2023 (Angka Sementara)"),
        ("Umur Harapan Hidup", "72,8", "73,1"),
        ("Harapan Lama Sekolah", "15,5", "15,6"),
    ]
    drafted = draft_entry(save(tmp_path, rows))
    assert "(?P<status>" in drafted.entry["parse"]["header_pattern"]
    assert ("UMUR_HARAPAN_HIDUP", "35.73", "2023", 73.1, "sementara") in tidy_of(drafted)


def test_months_as_dates_and_an_average_row_under_them(tmp_path):
    import datetime as dt

    rows = [("Bulan", "PM10 (µg/m³)"), *[(dt.datetime(2023, m, 1), 30 + m) for m in (1, 2, 3)]]
    rows.append(("Rata-rata", 32))
    drafted = draft_entry(save(tmp_path, rows))
    assert drafted.entry["parse"]["drop_rows"] == [r"^Rata\-rata"]
    assert drafted.entry["schedule"] == "bulanan"
    assert [r[2] for r in tidy_of(drafted)] == ["2023-01", "2023-02", "2023-03"]


def test_bps_codes_typed_as_numbers_are_the_region_and_kecamatan_codes_close_them(tmp_path):
    rows = [
        ("Kode Wilayah", "Kelurahan", "Penduduk (jiwa)"),
        (3573030008, "KLOJEN", 100),
        (3573030009, "RAMPAL CELAKET", 200),
        (3573030, "Kecamatan Klojen", 300),
    ]
    drafted = draft_entry(save(tmp_path, rows))
    parse = drafted.entry["parse"]
    assert parse["region"] == {"column": "Kode Wilayah", "level": "kelurahan"}
    assert parse["total_rows"] == [{"column": "Kode Wilayah", "pattern": r"^\d{7}$"}]
    assert len(drafted.parsed.tidy) == 2 and drafted.parsed.warnings == []


def test_a_row_of_column_numbers_under_the_header_is_dropped(tmp_path):
    rows = [("Kecamatan", "Sekolah", "Murid"), ("(1)", "(2)", "(3)")]
    rows += [(name, 4, 500) for name in KECAMATAN]
    drafted = draft_entry(save(tmp_path, rows, name="a.xlsx"))
    assert drafted.entry["parse"]["drop_rows"] == [r"^\(\d+\)$"]
    assert drafted.parsed.quarantined == []
    # Bare numbers: the first data row's "No" is 1 too, so the rule reads a text column.
    rows = [("No", "Kecamatan", "Sekolah", "Murid"), (1, 2, 3, 4)]
    rows += [(i + 1, name, 4, 500) for i, name in enumerate(KECAMATAN)]
    drafted = draft_entry(save(tmp_path, rows, name="b.xlsx"))
    assert drafted.entry["parse"]["drop_rows"] == [
        {"column": "Kecamatan", "pattern": r"^\(?\d+\)?$"}
    ]
    assert len(drafted.parsed.tidy) == 10 and drafted.parsed.quarantined == []


def test_periods_after_a_word_in_the_header_and_labels_after_a_number_column(tmp_path):
    rows = [
        ("No", "Uraian", "Target 2024", "Realisasi Triwulan I 2024", "Realisasi Triwulan II 2024*"),
        ("1", "Pajak Daerah", 100, "20,5", "45,1"),
        ("2", "Retribusi Daerah", 50, "10,0", "22,2"),
    ]
    drafted = draft_entry(save(tmp_path, rows))
    parse = drafted.entry["parse"]
    assert parse["layout"] == "indicators_as_rows"
    assert parse["label_column"] == "Uraian"
    assert parse["header_pattern"].startswith("^Realisasi (?P<period>")
    assert "'Target 2024'" in drafted.text  # said to be left out
    assert ("PAJAK_DAERAH", "35.73", "2024-Q2", 45.1, "sementara") in tidy_of(drafted)


def test_the_total_of_a_ratio_column_is_exempt_from_the_sum_check(tmp_path):
    rows = [("Kecamatan", "Murid", "Rasio Murid/Guru")]
    rows += [(name, 100, "16,5") for name in KECAMATAN] + [("Jumlah", 500, "16,5")]
    drafted = draft_entry(save(tmp_path, rows))
    assert drafted.entry["parse"]["total_exempt"] == ["RASIO_MURID_GURU"]
    assert drafted.parsed.warnings == []


def test_the_yaml_reads_back_with_comments_and_mixed_rule_lists():
    from sources.draft_render import render

    entry = {
        "id": "uji",
        "parse": {
            "region": {"column": "Kecamatan", "level": "kecamatan"},
            "drop_rows": [{"column": "Kecamatan", "pattern": r"^\d+$"}, r"^Ket:"],
            "values": {"Luas (km²): total": "LUAS"},
        },
    }
    comments = {"parse.region": ["region column 'Kecamatan': 5 of 5 values resolve"]}
    text = render(entry, {**comments, "parse._": ["at the end"]}, ["first line"])
    assert yaml.safe_load(text) == entry
    assert text.startswith("# first line\nid: uji\nparse:\n  # region column")
    assert text.rstrip().endswith("# at the end")


def comments(text: str) -> str:
    """The draft's comment lines as one line (render wraps them)."""
    parts = [line.strip().removeprefix("#").strip() for line in text.splitlines()]
    return " ".join(p for p, line in zip(parts, text.splitlines(), strict=True) if "#" in line)


def test_an_html_table_export_is_drafted_by_its_table():
    drafted = draft_entry(AGENCY_FILES / "files" / "bps_penduduk_html.SAMPLE.xls")
    parse = drafted.entry["parse"]
    assert (parse["table"], "sheet" in parse) == (2, False)
    assert drafted.summary[0] == "bps_penduduk_html.SAMPLE.xls: HTML table 2 of 3"
    assert (
        'an HTML table export (a website\'s "download as Excel"), read by table; tables '
        "(numeric cells): 1 (0), 2 (24), 3 (0); taken: the one with the most numeric cells"
    ) in comments(drafted.text)
    assert drafted.problem is None
    assert len(drafted.parsed.tidy) == 20


def test_spaces_grouping_thousands_make_a_dot_a_decimal(tmp_path):
    lines = ["Kecamatan;Penduduk;Rata-rata Anggota RT"]
    lines += [f"{name};{201 + i}\u00a0234;3.8{i}6" for i, name in enumerate(KECAMATAN)]
    path = tmp_path / "rumah_tangga.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    drafted = draft_entry(path)
    assert drafted.entry["parse"]["decimal"] == "space"
    assert (
        "thousands grouped by spaces ('201\\xa0234' at B2) and never by '.' or ',': they mark "
        "decimals, so '3.806' at C2 is a decimal"
    ) in comments(drafted.text)
    assert sorted(drafted.parsed.tidy["nilai"])[:2] == [3.806, 3.816]


def test_a_dot_grouping_elsewhere_keeps_spaces_a_thousands_separator(tmp_path):
    lines = ["Kecamatan;Penduduk;Luas;Pengunjung"]
    lines += [f"{name};201 234;3.846;1.201.234" for name in KECAMATAN]
    path = tmp_path / "penduduk.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    drafted = draft_entry(path)
    assert "decimal" not in drafted.entry["parse"]  # Indonesian: 3.846 is 3846
    assert (
        "'201 234' at B2 groups thousands by spaces, but '1.201.234' at D2 by a separator: "
        "decided per column"
    ) in comments(drafted.text)
    assert set(drafted.parsed.tidy["nilai"]) == {1201234.0, 201234.0, 3846.0}


def test_numbers_stored_as_text_are_drafted_plain(tmp_path):
    lines = ["Kecamatan;Anggaran (Rp);Capaian (%)"]
    lines += [f"{name};4825000{i}.00;97,{i}" for i, name in enumerate(KECAMATAN)]
    path = tmp_path / "anggaran.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    drafted = draft_entry(path)
    assert drafted.entry["parse"]["column_decimal"] == {"Anggaran (Rp)": "plain"}
    assert (
        "plain numbers in 'Anggaran (Rp)': '48250000.00' at B2 has no thousands separator"
    ) in comments(drafted.text)
    assert sorted(drafted.parsed.tidy["nilai"])[-1] == 48250004.0
