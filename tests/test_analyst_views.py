"""The self-describing analyst file (issue 13): analysts' questions asked as plain SQL of the
views on the bundled SAMPLE run, checked against values read by hand from the sample files;
the roll-up rules on a tiny made-up warehouse; comments and `kamus_data` on every column; the
provenance of a published row; both ways of opening the file read-only.

Sample cells are quoted as `file!cell`; the sums are written out so they can be checked by eye.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path

import duckdb
import pytest

from assets.warehouse_assets import SNAPSHOT_TABLES
from portal.gate import scan_personal_data
from sources.catalog import REPO_ROOT
from warehouse import kamus
from warehouse.analyst import KAMUS_TABLE, VIEWS
from warehouse.db import connect
from warehouse.muat import record_muat
from warehouse.snapshot import SNAPSHOT_TABLE, open_analyst, publish_snapshot

KOTA = "35.73"
BLIMBING, KLOJEN, KEDUNGKANDANG, SUKUN, LOWOKWARU = (f"35.73.0{n}" for n in range(1, 6))


@pytest.fixture(scope="module")
def analyst_file(bundled_run) -> Path:
    return bundled_run[0].warehouse


@pytest.fixture(params=["read_only", "open_analyst"])
def con(request, analyst_file):
    """The analyst file opened read-only both ways: as its own database, and ATTACHed under
    another name by open_analyst (the CLI `query` command and notebooks)."""
    if request.param == "read_only":
        connection = duckdb.connect(str(analyst_file), read_only=True)
    else:
        connection = open_analyst(analyst_file)
    yield connection
    connection.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# --- the analysts' questions, on the bundled SAMPLE run --------------------------------------

# Producers' city figures: the latest period whose value is not empty.
CITY_PRODUCERS = {
    # kominfo_sambat_online Rekap Triwulan!B12 / E12, row "2024-Q4*" (* angka sementara)
    "ADUAN_SAMBAT_MASUK": ("2024-Q4", 1351, "sementara"),
    "PERSENTASE_ADUAN_SELESAI": ("2024-Q4", 97.78, "sementara"),
    # bps_ekonomi_makro Indikator Makro! row 7 "2023*": B7, D7
    "LAJU_PERTUMBUHAN_EKONOMI": ("2023", 6.22, "sementara"),
    "TINGKAT_PENGANGGURAN_TERBUKA": ("2023", 6.8, "sementara"),
    # E7 is "…" (belum tersedia): the empty 2023 value is skipped, E6 (2022) is the latest.
    "PERSENTASE_PENDUDUK_MISKIN": ("2022", 4.37, "final"),
    # bkad_pendapatan_daerah Realisasi Pendapatan! row 9 "2023*": C9, G9
    "REALISASI_PAD": ("2023", 812.46, "sementara"),
    "RASIO_PAD_PENDAPATAN": ("2023", 34.32, "sementara"),
    # bps/bps_ipm_jatim.SAMPLE.json datacontent["357341301240"]: Kota Malang's row, 2024
    "INDEKS_PEMBANGUNAN_MANUSIA": ("2024", 84.12, "final"),
    # bps_penduduk_jatim.SAMPLE.xls, tabel 2 (the data table), baris 35 "Kota Malang", kolom 4
    # (2023) "849,1" ribu jiwa; a projection (`estimate: true`), so perkiraan
    "PROYEKSI_PENDUDUK": ("2023", 849.1, "perkiraan"),
    # klhk_timbulan_sampah.SAMPLE.csv baris 260 "Kota Malang", kolom 5 "245,316.50" ton/tahun
    # (its daily kolom 4 "672.10" × 365 = 245316.50)
    "TIMBULAN_SAMPAH_SIPSN": ("2023", 672.10 * 365, "final"),
}
# City roll-ups of the indicators the bundled catalog declares `aggregation: sum` (or mean),
# from the five kecamatan (order Kedungkandang, Sukun, Klojen, Blimbing, Lowokwaru unless said).
CITY_ROLLUPS = {
    # ckan/dishub_angkutan datastore_search.offset-200.json, records _id 296-300 (2024-12)
    "PENUMPANG_ANGKUTAN_KOTA": ("2024-12", 185856 + 122236 + 106331 + 211283 + 152435, "final"),
    "ARMADA_ANGKUTAN_KOTA": ("2024-12", 223 + 160 + 121 + 276 + 196, "final"),  # 976
    "RITASE_ANGKUTAN_KOTA": ("2024-12", 20293 + 16800 + 10890 + 25392 + 17248, "final"),
    # dispendukcapil DKB Smt II 2023!G5:G65, 57 kelurahan (= the sheet's G67, 264940)
    "JUMLAH_KEPALA_KELUARGA": ("2023-S2", 55437 + 29769 + 65008 + 61194 + 53532, "final"),
    "PENDUDUK_LAKI_LAKI": ("2023-S2", 89999 + 46761 + 101670 + 98161 + 84527, "final"),  # D67
    "PENDUDUK_PEREMPUAN": ("2023-S2", 91531 + 47446 + 102448 + 98684 + 86565, "final"),  # E67
    # diskopindag_umkm.SAMPLE.csv, rows "2023*": a roll-up of provisional values is provisional
    "JUMLAH_UMKM": ("2023", 25467 + 24012 + 18305 + 22790 + 23518, "sementara"),  # 114092
    "TENAGA_KERJA_UMKM": ("2023", 53912 + 51740 + 46872 + 49604 + 52336, "sementara"),
    "JUMLAH_KOPERASI_AKTIF": ("2023", 61 + 63 + 99 + 74 + 83, "sementara"),  # 380
    # disdikbud_sekolah SD-SMP 2023!D6:D10
    "JUMLAH_MURID_SD": ("2023", 19480 + 18215 + 11960 + 16870 + 15325, "final"),  # 81850
    # bps_luas_penduduk Tabel 3.1!C5:C9 and B5:B9 (2020)
    "JUMLAH_PENDUDUK_SP2020": ("2020", 207432 + 201372 + 96958 + 178979 + 159069, "final"),
    "LUAS_WILAYAH": ("2020", 39.89 + 20.97 + 8.83 + 17.77 + 22.60, "final"),  # 110.06
    # dinkes_faskes Faskes 2023!C5:G9 ("-" = none)
    "JUMLAH_RUMAH_SAKIT_UMUM": ("2023", 2 + 2 + 9 + 3 + 4, "final"),
    "JUMLAH_RUMAH_SAKIT_KHUSUS": ("2023", 0 + 0 + 5 + 1 + 2, "final"),
    "JUMLAH_PUSKESMAS": ("2023", 4 + 3 + 3 + 3 + 3, "final"),
    "JUMLAH_POSYANDU": ("2023", 178 + 160 + 85 + 140 + 130, "final"),  # 693
    # bpbd_kejadian_bencana Kejadian Bencana!D11:F15 (2023)
    "KEJADIAN_BANJIR": ("2023", 7 + 6 + 3 + 5 + 3, "final"),
    "KEJADIAN_TANAH_LONGSOR": ("2023", 3 + 0 + 0 + 1 + 1, "final"),
    "KEJADIAN_CUACA_EKSTREM": ("2023", 9 + 7 + 5 + 8 + 12, "final"),
    # ckan/dkpp_lahan_sawah lahan_sawah_2019_2023.SAMPLE.xlsx Lahan Sawah!C9:G9, "2023*"
    "LUAS_LAHAN_SAWAH": ("2023", 457.1 + 66.3 + 0 + 54.1 + 152.1, "sementara"),  # 729.6
    # dlh_sampah_rth Sampah dan RTH 2023!B6:B10 and E6:E10
    "TIMBULAN_SAMPAH": ("2023", 171.4 + 162.8 + 96.5 + 146.2 + 139.7, "final"),  # 716.6
    "LUAS_RTH_PUBLIK": ("2023", 120.5 + 60.2 + 45.8 + 55.1 + 70.3, "final"),  # 351.9
    # D6:D10 weighted by the timbulan B6:B10 (the sheet's own D11 says 75,69)
    "PERSENTASE_SAMPAH_TERKELOLA": (
        "2023",
        (171.4 * 69.02 + 162.8 * 74.08 + 96.5 * 86.94 + 146.2 * 76.20 + 139.7 * 77.45) / 716.6,
        "final",
    ),
    # kominfo_wifi_publik.SAMPLE.csv, rows 2024-06
    "TITIK_WIFI_PUBLIK_AKTIF": ("2024-06", 94 + 84 + 70 + 78 + 91, "final"),  # 417
}


def test_latest_value_of_every_indicator_for_the_city(con):
    found = rows(
        con,
        f"""
        SELECT indikator, periode, nilai, status, sumber_nilai
        FROM nilai_terakhir WHERE kode_wilayah = '{KOTA}' ORDER BY indikator
        """,
    )
    expected = {
        **{k: (*v, "produsen") for k, v in CITY_PRODUCERS.items()},
        **{k: (*v, "agregasi") for k, v in CITY_ROLLUPS.items()},
    }
    assert {r[0]: (r[1], pytest.approx(r[2]), r[3], r[4]) for r in found} == expected
    # Declared `none` (rates, unique users): never summed up to the city.
    assert not {"ISPU_RATA_RATA", "PENGGUNA_WIFI_PUBLIK", "PREVALENSI_STUNTING"} & {
        r[0] for r in found
    }


def test_only_the_city_row_of_a_provincial_or_national_table_is_loaded(con):
    found = rows(
        con,
        """
        SELECT indikator, kode_wilayah, periode, nilai, status, lokasi FROM nilai_indikator
        WHERE indikator IN ('PROYEKSI_PENDUDUK', 'TIMBULAN_SAMPAH_SIPSN') ORDER BY ALL
        """,
    )
    # bps_penduduk_jatim.SAMPLE.xls, tabel 2: its header is baris 1-2, the column numbers
    # "(1)".."(4)" baris 3, then 29 kabupaten and "Kota Kediri", "Kota Blitar": "Kota Malang"
    # is baris 3 + 32 = 35 ("845,6", "847,2", "849,1"), never "Malang" (baris 10, Kabupaten
    # Malang: "2.637,2", "2.654,4", "2.671,2").
    # klhk_timbulan_sampah.SAMPLE.csv: "Kota Malang" on baris 260 ("Kab. Malang" on baris 235).
    assert found == [
        ("PROYEKSI_PENDUDUK", KOTA, "2021", 845.6, "perkiraan", "tabel 2, baris 35, kolom 2"),
        ("PROYEKSI_PENDUDUK", KOTA, "2022", 847.2, "perkiraan", "tabel 2, baris 35, kolom 3"),
        ("PROYEKSI_PENDUDUK", KOTA, "2023", 849.1, "perkiraan", "tabel 2, baris 35, kolom 4"),
        ("TIMBULAN_SAMPAH_SIPSN", KOTA, "2023", 245316.5, "final", "baris 260, kolom 5"),
    ]
    outside = rows(
        con,
        """
        SELECT sumber_id, baris_luar_wilayah FROM meta_muat
        WHERE sumber_id IN ('bps_ipm_jatim', 'bps_penduduk_jatim', 'klhk_timbulan_sampah')
        ORDER BY ALL
        """,
    )
    # Every other row is counted outside the city: the other 37 of Jawa Timur's 38 kab/kota
    # (in each of BPS's 5 years for the WebAPI table, 37 × 5 = 185) and the other 513 of
    # Indonesia's 514; the "Jawa Timur" total rows are neither.
    assert outside == [
        ("bps_ipm_jatim", 185),
        ("bps_penduduk_jatim", 37),
        ("klhk_timbulan_sampah", 513),
    ]


# dispendukcapil DKB Smt II 2023!D and E, kelurahan rows of each kecamatan:
PENDUDUK_KECAMATAN = {
    # D5:D15 13517+9172+9039+6856+5597+11233+5503+7248+5636+10167+6031 = 89999
    # E5:E15 14210+9157+9067+7186+5580+11394+5598+7293+5665+10414+5967 = 91531
    BLIMBING: ("Blimbing", 89999, 91531, 11),
    # D17:D27 5426+6283+6388+2564+2811+4669+2594+4021+6394+2826+2785 = 46761
    # E17:E27 5575+6353+6409+2579+2786+4750+2701+4023+6449+2930+2891 = 47446
    KLOJEN: ("Klojen", 46761, 47446, 11),
    # D29:D40 7166+4475+12244+5782+5874+12655+6524+10269+10086+12968+5888+7739 = 101670
    # E29:E40 7394+4477+12290+5804+5860+12875+6585+10316+10135+12902+6125+7685 = 102448
    KEDUNGKANDANG: ("Kedungkandang", 101670, 102448, 12),
    # D42:D52 11269+7762+11754+12403+6199+12901+11494+5637+4880+8520+5342 = 98161
    # E42:E52 11613+7711+11793+12337+6214+12817+11644+5726+4879+8547+5403 = 98684
    SUKUN: ("Sukun", 98161, 98684, 11),
    # D54:D65 9203+8965+4523+6066+4929+10310+12213+5392+5379+7245+6052+4250 = 84527
    # E54:E65 9558+9085+4571+6225+5098+10820+12504+5665+5362+7345+5982+4350 = 86565
    LOWOKWARU: ("Lowokwaru", 84527, 86565, 12),
}


def test_kecamatan_totals_of_a_summed_indicator(con):
    found = rows(
        con,
        """
        SELECT kode_wilayah, nama_wilayah,
               sum(nilai) FILTER (WHERE indikator = 'PENDUDUK_LAKI_LAKI'),
               sum(nilai) FILTER (WHERE indikator = 'PENDUDUK_PEREMPUAN'),
               max(jumlah_wilayah), max(jumlah_wilayah_diharapkan), bool_and(lengkap),
               any_value(status), any_value(sumber_nilai), any_value(periode_mulai)
        FROM nilai_agregasi
        WHERE tingkat = 'kecamatan' AND periode = '2023-S2'
          AND indikator IN ('PENDUDUK_LAKI_LAKI', 'PENDUDUK_PEREMPUAN')
        GROUP BY ALL ORDER BY kode_wilayah
        """,
    )
    assert [r[:4] for r in found] == [(k, *v[:3]) for k, v in PENDUDUK_KECAMATAN.items()]
    for row, (_, _, _, kelurahan) in zip(found, PENDUDUK_KECAMATAN.values(), strict=True):
        assert row[4:9] == (kelurahan, kelurahan, True, "final", "agregasi")
        assert str(row[9]) == "2023-07-01"
    # The sheet's own subtotal rows agree: "Jumlah Kec. Blimbing" F16 = 181530, ...
    totals = [v[1] + v[2] for v in PENDUDUK_KECAMATAN.values()]
    assert totals == [181530, 94207, 204118, 196845, 171092]


def test_puskesmas_per_10000_residents_across_two_sources_by_year(con):
    # A count of one agency (Dinkes, yearly "2023") over the population of another
    # (Dispendukcapil, half-yearly "2023-S2"), joined by the year their periods start in.
    found = rows(
        con,
        """
        WITH penduduk AS (
            SELECT kode_wilayah, year(periode_mulai) AS tahun, sum(nilai) AS jiwa
            FROM nilai_gabungan
            WHERE indikator IN ('PENDUDUK_LAKI_LAKI', 'PENDUDUK_PEREMPUAN')
            GROUP BY ALL
        )
        SELECT f.kode_wilayah, p.tahun, f.nilai, p.jiwa, f.nilai / p.jiwa * 10000
        FROM nilai_gabungan AS f
        JOIN penduduk AS p
          ON p.kode_wilayah = f.kode_wilayah AND p.tahun = year(f.periode_mulai)
        WHERE f.indikator = 'JUMLAH_PUSKESMAS'
        ORDER BY f.kode_wilayah
        """,
    )
    # dinkes_faskes Faskes 2023!E5:E9 over the kecamatan totals above (L + P):
    expected = [
        (KOTA, 2023, 16, 847792, 16 / 847792 * 10000),  # 0.1887: 16 over 421118 + 426674
        (BLIMBING, 2023, 3, 181530, 3 / 181530 * 10000),  # E8 = 3: 0.1653
        (KLOJEN, 2023, 3, 94207, 3 / 94207 * 10000),  # E7 = 3: 0.3184
        (KEDUNGKANDANG, 2023, 4, 204118, 4 / 204118 * 10000),  # E5 = 4: 0.1960
        (SUKUN, 2023, 3, 196845, 3 / 196845 * 10000),  # E6 = 3: 0.1524
        (LOWOKWARU, 2023, 3, 171092, 3 / 171092 * 10000),  # E9 = 3: 0.1753
    ]
    assert [(*r[:4], pytest.approx(r[4])) for r in found] == expected


def test_all_provisional_facts(con):
    found = rows(
        con,
        """
        SELECT indikator, periode, count(*), sum(nilai)
        FROM nilai_indikator WHERE status = 'sementara'
        GROUP BY ALL ORDER BY ALL
        """,
    )
    # Every row marked "*" (angka sementara) in the samples.
    assert [(*r[:3], pytest.approx(r[3]) if r[3] is not None else None) for r in found] == [
        ("ADUAN_SAMBAT_MASUK", "2024-Q4", 1, 1351),  # Rekap Triwulan!B12
        ("JUMLAH_KOPERASI_AKTIF", "2023", 5, 61 + 63 + 99 + 74 + 83),
        ("JUMLAH_UMKM", "2023", 5, 25467 + 24012 + 18305 + 22790 + 23518),
        ("LAJU_PERTUMBUHAN_EKONOMI", "2023", 1, 6.22),
        ("LUAS_LAHAN_SAWAH", "2023", 5, 457.1 + 66.3 + 0 + 54.1 + 152.1),
        ("PERSENTASE_ADUAN_SELESAI", "2024-Q4", 1, 97.78),
        ("PERSENTASE_PENDUDUK_MISKIN", "2023", 1, None),  # E7 "…": provisional and empty
        ("PREVALENSI_STUNTING", "2023", 5, 9.37 + 8.91 + 6.48 + 7.76 + 7.02),  # E4:E8
        ("RASIO_PAD_PENDAPATAN", "2023", 1, 34.32),
        ("REALISASI_PAD", "2023", 1, 812.46),
        ("TENAGA_KERJA_UMKM", "2023", 5, 53912 + 51740 + 46872 + 49604 + 52336),
        ("TINGKAT_PENGANGGURAN_TERBUKA", "2023", 1, 6.8),
    ]


def test_periods_of_every_type_become_dates(con):
    cases = {
        "2023": ("tahun", "2023-01-01", "2023-12-31"),
        "2023-S2": ("semester", "2023-07-01", "2023-12-31"),
        "2023-Q3": ("triwulan", "2023-07-01", "2023-09-30"),
        "2023-11": ("bulan", "2023-11-01", "2023-11-30"),
        "2024-02": ("bulan", "2024-02-01", "2024-02-29"),
        "2023-13": (None, None, None),
        "2023-Q5": (None, None, None),
    }
    for periode, expected in cases.items():
        found = rows(
            con,
            f"SELECT jenis_periode('{periode}'), periode_mulai('{periode}')::VARCHAR, "
            f"periode_selesai('{periode}')::VARCHAR",
        )
        assert found == [expected], periode
    # The views use the same macros: one row of each type in the bundled data.
    seen = rows(
        con,
        """
        SELECT DISTINCT periode, jenis_periode, periode_mulai::VARCHAR, periode_selesai::VARCHAR
        FROM nilai_indikator WHERE periode IN ('2023', '2023-S2', '2023-Q3', '2023-11')
        ORDER BY periode
        """,
    )
    assert seen == [(p, *cases[p]) for p in ("2023", "2023-11", "2023-Q3", "2023-S2")]


# --- self-description ------------------------------------------------------------------------


def test_every_column_of_every_table_and_view_has_a_comment(con):
    objects = rows(
        con,
        "SELECT table_name, comment FROM duckdb_tables() "
        "WHERE database_name = current_database() AND NOT internal "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() "
        "WHERE database_name = current_database() AND NOT internal",
    )
    names = {name for name, _ in objects}
    assert {*SNAPSHOT_TABLES, SNAPSHOT_TABLE, KAMUS_TABLE, *VIEWS} <= names
    assert [name for name, comment in objects if not comment] == []
    missing = rows(
        con,
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND NOT internal "
        "AND (comment IS NULL OR comment = '')",
    )
    assert missing == []
    # Indonesian, then English.
    comment = rows(
        con,
        "SELECT comment FROM duckdb_columns() WHERE database_name = current_database() "
        "AND table_name = 'dim_wilayah' AND column_name = 'kode_wilayah'",
    )[0][0]
    assert comment.startswith("Kode wilayah: Kode wilayah Kemendagri") and " / Region code: " in (
        comment
    )


def test_kamus_data_describes_every_column_and_object(con):
    undescribed = rows(
        con,
        f"""
        SELECT c.table_name, c.column_name FROM duckdb_columns() AS c
        LEFT JOIN {KAMUS_TABLE} AS k ON k.tabel = c.table_name AND k.kolom = c.column_name
        WHERE c.database_name = current_database() AND NOT c.internal
          AND (k.label_id IS NULL OR k.label_en IS NULL OR k.keterangan_id IS NULL
               OR k.keterangan_en IS NULL OR k.tipe <> c.data_type)
        """,
    )
    assert undescribed == []
    objects = rows(con, f"SELECT tabel, jenis FROM {KAMUS_TABLE} WHERE kolom IS NULL")
    assert ("nilai_terakhir", "view") in objects and ("fact_indikator", "tabel") in objects
    assert ("periode_mulai", "makro") in objects


def test_every_published_object_is_in_the_dictionary():
    for name in [*SNAPSHOT_TABLES, SNAPSHOT_TABLE, KAMUS_TABLE, *VIEWS]:
        item = kamus.published(name)
        assert [c for c in item.columns if kamus.column_entry(name, c) is None] == [], name


def test_the_dictionary_lists_exactly_the_columns_of_each_table(tmp_path, rollup_file):
    # Tables from the schema of a new work database; views and the snapshot's own tables
    # from an analyst file. A column added without a dictionary entry fails here.
    con = connect(tmp_path / "work.duckdb")
    try:
        for table in SNAPSHOT_TABLES:
            assert _columns(con, table) == list(kamus.published(table).columns), table
    finally:
        con.close()
    con = open_analyst(rollup_file)
    try:
        for name in [SNAPSHOT_TABLE, KAMUS_TABLE, *VIEWS]:
            assert _columns(con, name) == list(kamus.published(name).columns), name
    finally:
        con.close()


def _columns(con, table: str) -> list[str]:
    return [
        r[0]
        for r in rows(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            f"AND schema_name = 'main' AND table_name = '{table}' ORDER BY column_index",
        )
    ]


# The DuckDB shell of the dev extras (duckdb-cli), as `make sql` runs it.
SHELL = REPO_ROOT / ".venv/bin/duckdb"


@pytest.mark.skipif(not SHELL.exists(), reason="no DuckDB shell: pip install -e '.[dev]'")
def test_the_duckdb_shell_reads_views_and_comments_read_only(analyst_file):
    shell = str(SHELL)
    sql = (
        f"SELECT indikator, nilai FROM nilai_terakhir WHERE kode_wilayah = '{KOTA}' "
        "AND indikator = 'JUMLAH_PUSKESMAS'; "
        "SELECT count(*) FROM duckdb_columns() WHERE NOT internal AND comment IS NULL;"
    )
    done = subprocess.run(
        [shell, "-readonly", "-csv", str(analyst_file), "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["indikator,nilai", "JUMLAH_PUSKESMAS,16.0", "count_star()", "0"]


# --- provenance ------------------------------------------------------------------------------


def test_a_published_row_names_its_file_and_cell(con, bundled_run):
    # Klojen's puskesmas, Faskes 2023!E7 = 3 of the sample workbook, whose bytes hash to the
    # row's berkas_sha256: the row alone answers "where does this number come from".
    sample = REPO_ROOT / "sources/samples/dinkes_faskes.SAMPLE.xlsx"
    sha = hashlib.sha256(sample.read_bytes()).hexdigest()
    key = "indikator = 'JUMLAH_PUSKESMAS' AND kode_wilayah = '35.73.02' AND periode = '2023'"
    assert rows(con, f"SELECT nilai, berkas_sha256, lokasi FROM smart_living WHERE {key}") == [
        (3.0, sha, "Faskes 2023!E7")
    ]
    assert rows(con, f"SELECT berkas, berkas_sha256, lokasi FROM nilai_indikator WHERE {key}") == [
        ("sources/samples/dinkes_faskes.SAMPLE.xlsx", sha, "Faskes 2023!E7")
    ]
    # Every published row has both.
    for table in ("smart_governance", "smart_people", "smart_mobility", "smart_living"):
        assert rows(
            con, f"SELECT count(*) FROM {table} WHERE berkas_sha256 IS NULL OR lokasi IS NULL"
        ) == [(0,)]
    # The open export (CSV) carries them too.
    with (bundled_run[0].export_path / "smart_living.csv").open(encoding="utf-8") as f:
        exported = [r for r in csv.DictReader(f) if r["indikator"] == "JUMLAH_PUSKESMAS"]
    klojen = next(r for r in exported if r["kode_wilayah"] == "35.73.02")
    assert (klojen["berkas_sha256"], klojen["lokasi"]) == (sha, "Faskes 2023!E7")


def test_a_files_fingerprint_is_not_taken_for_a_nik(tmp_path):
    # This sha256 holds 16 digits in a row ("1234567890123456"), which reads as a NIK.
    fingerprint = "ab1234567890123456cd" + "e" * 44
    con = connect(tmp_path / "work.duckdb")
    try:
        con.execute(
            "INSERT INTO smart_people (indikator, kode_wilayah, periode, berkas_sha256, lokasi) "
            "VALUES ('I', '35.73', '2023', ?, 'S!A1')",
            [fingerprint],
        )
        assert scan_personal_data(con, "smart_people").passed
        assert kamus.unscanned_columns("smart_people") == ["berkas_sha256"]
        # lokasi is still scanned.
        con.execute("UPDATE smart_people SET lokasi = 'NIK 3573014506900003'")
        assert not scan_personal_data(con, "smart_people").passed
    finally:
        con.close()


def test_a_work_database_made_before_gets_the_provenance_columns(tmp_path):
    path = tmp_path / "work.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute(
            "CREATE TABLE smart_people (indikator VARCHAR NOT NULL, nama_indikator VARCHAR, "
            "nama_indikator_en VARCHAR, satuan VARCHAR, arah VARCHAR, pilar VARCHAR, "
            "kode_wilayah VARCHAR NOT NULL, nama_wilayah VARCHAR, tingkat VARCHAR, "
            "kode_kecamatan VARCHAR, periode VARCHAR NOT NULL, nilai DOUBLE, status VARCHAR, "
            "catatan VARCHAR, produsen VARCHAR, sumber_id VARCHAR)"
        )
    con = connect(path)
    try:
        assert _columns(con, "smart_people")[-3:] == ["sumber_id", "berkas_sha256", "lokasi"]
    finally:
        con.close()


# --- the roll-up rules, on a tiny made-up warehouse ------------------------------------------

SHA = "ab" * 32
REGIONS = [
    ("35.73", "Kota", "kota", "35", None),
    ("35.73.01", "Kec A", "kecamatan", "35.73", "35.73.01"),
    ("35.73.02", "Kec B", "kecamatan", "35.73", "35.73.02"),
    ("35.73.01.1001", "Kel A1", "kelurahan", "35.73.01", "35.73.01"),
    ("35.73.01.1002", "Kel A2", "kelurahan", "35.73.01", "35.73.01"),
    ("35.73.02.1001", "Kel B1", "kelurahan", "35.73.02", "35.73.02"),
]
INDICATORS = [  # kode, agregasi, bobot_indikator
    ("JML", "sum", None),
    ("RATA", "mean", "BOBOT"),
    ("BOBOT", "sum", None),
    ("DUA", "sum", None),
    ("TIDAK", "none", None),
    ("KOSONG", None, None),
]
FACTS = [  # indikator, kode_wilayah, periode, nilai, status
    # kelurahan only: kecamatan A complete (a provisional part), B has an empty value
    ("JML", "35.73.01.1001", "2023", 10, "final"),
    ("JML", "35.73.01.1002", "2023", 5, "sementara"),
    ("JML", "35.73.02.1001", "2023", None, "final"),
    # kecamatan values weighted by BOBOT of the same region and period
    ("RATA", "35.73.01", "2023", 50, "final"),
    ("RATA", "35.73.02", "2023", 80, "final"),
    ("BOBOT", "35.73.01", "2023", 100, "perkiraan"),
    ("BOBOT", "35.73.02", "2023", 300, "final"),
    ("RATA", "35.73.01", "2024", 60, "final"),
    ("RATA", "35.73.02", "2024", 70, "final"),
    ("BOBOT", "35.73.01", "2024", 100, "final"),  # B has no weight in 2024
    # both levels: the city comes from the kecamatan, the producer's kecamatan value stays
    ("DUA", "35.73.01.1001", "2023", 1, "final"),
    ("DUA", "35.73.01.1002", "2023", 2, "final"),
    ("DUA", "35.73.02.1001", "2023", 3, "final"),
    ("DUA", "35.73.01", "2023", 4, "final"),
    ("DUA", "35.73.02", "2023", 3, "final"),
    ("DUA", "35.73", "2022", 9, "final"),
    # never rolled up
    ("TIDAK", "35.73.01", "2023", 1, "final"),
    ("TIDAK", "35.73.02", "2023", 1, "final"),
    ("KOSONG", "35.73.01", "2023", 1, "final"),
    ("KOSONG", "35.73.02", "2023", 1, "final"),
    # the longer period wins a tie of end dates
    ("TIDAK", "35.73", "2023-S2", 7, "final"),
    ("TIDAK", "35.73", "2023", 8, "final"),
]


@pytest.fixture(scope="module")
def rollup_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rollup")
    work, analyst = folder / "work.duckdb", folder / "kotapintar.duckdb"
    con = connect(work)
    try:
        con.executemany("INSERT INTO dim_wilayah VALUES (?, ?, ?, ?, NULL, ?)", REGIONS)
        for kode, agregasi, bobot in INDICATORS:
            con.execute(
                "INSERT INTO dim_indikator (kode, nama_id, dimensi, satuan, sumber_id, sampel, "
                "agregasi, bobot_indikator) VALUES (?, ?, 'smart_people', 'unit', 'src', true, "
                "?, ?)",
                [kode, f"Indikator {kode}", agregasi, bobot],
            )
        con.executemany(
            "INSERT INTO fact_indikator VALUES (?, ?, ?, ?, ?, NULL, 'src', ?, 'S!A1')",
            [[*fact, SHA] for fact in FACTS],
        )
        record_muat(con, sumber_id="src", outcome="loaded", lokasi="samples/src.xlsx", sha256=SHA)
    finally:
        con.close()
    info = publish_snapshot(
        work, analyst, ["dim_wilayah", "dim_indikator", "fact_indikator", "meta_muat"]
    )
    assert info.views == VIEWS
    return analyst


@pytest.fixture
def tiny(rollup_file):
    con = open_analyst(rollup_file)
    yield con
    con.close()


def rollups(con, indikator: str) -> list[tuple]:
    return rows(
        con,
        "SELECT kode_wilayah, periode, nilai, status, dasar_agregasi, jumlah_wilayah, "
        "jumlah_wilayah_diharapkan, lengkap, catatan FROM nilai_agregasi "
        f"WHERE indikator = '{indikator}' ORDER BY kode_wilayah, periode",
    )


def test_a_sum_is_only_given_when_every_region_below_has_a_value(tiny):
    assert rollups(tiny, "JML") == [
        # from kelurahan, as the indicator has no kecamatan values: 2 of 3 have one
        ("35.73", "2023", None, "sementara", "kelurahan", 2, 3, False,
         "tidak lengkap: 2 dari 3 kelurahan bernilai"),
        ("35.73.01", "2023", 15.0, "sementara", "kelurahan", 2, 2, True,
         "jumlah dari 2 kelurahan"),
        ("35.73.02", "2023", None, "final", "kelurahan", 0, 1, False,
         "tidak lengkap: 0 dari 1 kelurahan bernilai"),
    ]  # fmt: skip


def test_a_mean_is_weighted_and_needs_every_weight(tiny):
    assert rollups(tiny, "RATA") == [
        # (50 * 100 + 80 * 300) / (100 + 300) = 72.5; the weight's status is the weakest
        ("35.73", "2023", 72.5, "perkiraan", "kecamatan", 2, 2, True,
         "rata-rata tertimbang BOBOT dari 2 kecamatan"),
        ("35.73", "2024", None, "final", "kecamatan", 1, 2, False,
         "tidak lengkap: 1 dari 2 kecamatan bernilai dan berbobot BOBOT"),
    ]  # fmt: skip


def test_the_city_rolls_up_from_kecamatan_when_there_are_kecamatan_values(tiny):
    assert [r[:8] for r in rollups(tiny, "DUA")] == [
        ("35.73", "2023", 7.0, "final", "kecamatan", 2, 2, True),  # 4 + 3, not 1 + 2 + 3
        ("35.73.01", "2023", 3.0, "final", "kelurahan", 2, 2, True),
        ("35.73.02", "2023", 3.0, "final", "kelurahan", 1, 1, True),
    ]
    assert rollups(tiny, "TIDAK") == rollups(tiny, "KOSONG") == []


def test_the_latest_value_prefers_the_producer_and_skips_empty_values(tiny):
    latest = rows(
        tiny,
        "SELECT indikator, kode_wilayah, periode, nilai, sumber_nilai, lokasi FROM nilai_terakhir "
        "WHERE indikator IN ('DUA', 'RATA', 'TIDAK', 'JML') ORDER BY ALL",
    )
    assert latest == [
        ("DUA", "35.73", "2023", 7.0, "agregasi", None),  # newer than the producer's 2022
        ("DUA", "35.73.01", "2023", 4.0, "produsen", "S!A1"),  # not the roll-up's 3
        ("DUA", "35.73.01.1001", "2023", 1.0, "produsen", "S!A1"),
        ("DUA", "35.73.01.1002", "2023", 2.0, "produsen", "S!A1"),
        ("DUA", "35.73.02", "2023", 3.0, "produsen", "S!A1"),
        ("DUA", "35.73.02.1001", "2023", 3.0, "produsen", "S!A1"),
        ("JML", "35.73.01", "2023", 15.0, "agregasi", None),
        ("JML", "35.73.01.1001", "2023", 10.0, "produsen", "S!A1"),
        ("JML", "35.73.01.1002", "2023", 5.0, "produsen", "S!A1"),
        ("RATA", "35.73", "2023", 72.5, "agregasi", None),  # 2024 is incomplete
        ("RATA", "35.73.01", "2024", 60.0, "produsen", "S!A1"),
        ("RATA", "35.73.02", "2024", 70.0, "produsen", "S!A1"),
        ("TIDAK", "35.73", "2023", 8.0, "produsen", "S!A1"),  # the year over its S2
        ("TIDAK", "35.73.01", "2023", 1.0, "produsen", "S!A1"),
        ("TIDAK", "35.73.02", "2023", 1.0, "produsen", "S!A1"),
    ]
    assert rows(tiny, "SELECT DISTINCT berkas FROM nilai_indikator") == [("samples/src.xlsx",)]


def test_without_the_fact_table_there_are_no_views_but_still_comments(tmp_path, rollup_file):
    work = rollup_file.parent / "work.duckdb"
    info = publish_snapshot(work, tmp_path / "kotapintar.duckdb", ["dim_indikator"])
    assert info.views == ()
    con = open_analyst(info.path)
    try:
        assert rows(
            con, "SELECT count(*) FROM duckdb_views() WHERE NOT internal "
            "AND database_name = current_database()"
        ) == [(0,)]  # fmt: skip
        assert rows(
            con,
            f"SELECT DISTINCT tabel FROM {KAMUS_TABLE} ORDER BY ALL",
        ) == [("dim_indikator",), (KAMUS_TABLE,), (SNAPSHOT_TABLE,)]
    finally:
        con.close()


def test_an_old_table_without_a_column_the_views_read_is_published_without_views(tmp_path):
    # A dim_indikator from before `agregasi` (carried over from an older analyst file when
    # its new version was blocked) must not stop the publication.
    work = tmp_path / "work.duckdb"
    with duckdb.connect(str(work)) as old:
        old.execute("CREATE TABLE dim_wilayah (kode_wilayah VARCHAR, nama VARCHAR, "
                    "tingkat VARCHAR, kode_kecamatan VARCHAR)")  # fmt: skip
        old.execute("CREATE TABLE dim_indikator (kode VARCHAR, nama_id VARCHAR)")
        old.execute(
            "CREATE TABLE fact_indikator (indikator VARCHAR, kode_wilayah VARCHAR, "
            "periode VARCHAR, nilai DOUBLE, status VARCHAR, catatan VARCHAR, sumber_id VARCHAR, "
            "berkas_sha256 VARCHAR, lokasi VARCHAR)"
        )
    tables = ["dim_wilayah", "dim_indikator", "fact_indikator"]
    info = publish_snapshot(work, tmp_path / "kotapintar.duckdb", tables)
    assert info.views == () and set(info.tables) == set(tables)
