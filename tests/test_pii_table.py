"""The guard over a DuckDB table (scan_table) reports exactly what scan_frame reports on the
whole table read into pandas: findings in the same order, counts, masked examples, places."""

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from quality.pii import scan_frame
from quality.pii_table import Copied, scan_table, scan_tables

NIK_WOMAN = "3573014506900003"
NIK_MAN = "3201010101850007"
KK = "3573010101200005"


def report_dict(report):
    return report.as_dict()


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def both(con, table, **kwargs):
    frame = con.execute(f"SELECT * FROM {table}").df()
    return scan_frame(frame, table=table, **kwargs), scan_table(con, table, **kwargs)


def test_same_report_as_the_frame_scan_on_a_mixed_table(con):
    rows = 2_000
    rng = np.random.default_rng(7)
    catatan = np.where(rng.random(rows) < 0.9, None, "tidak tersedia").astype(object)
    catatan[[5, 17, 900]] = ["hubungi 0812-3456-7890", "a@b.co.id atau 0812-3456-7890", "x"]
    catatan[1500] = f"KK {KK}, telp +62 341 551234"
    nilai = rng.normal(100, 10, rows)
    nilai[[3, 1999]] = float(NIK_MAN)
    frame = pd.DataFrame(
        {
            "sumber_id": np.where(np.arange(rows) % 2, "a", "b"),
            "nik": [NIK_WOMAN if i % 400 == 1 else None for i in range(rows)],
            "catatan": catatan,
            "no_kk": [KK if i == 7 else "-" for i in range(rows)],
            "nama_pelapor": [["Budi Santoso", "Siti Aminah", "Ahmad"][i % 3] for i in range(rows)],
            "nilai": nilai,
            "jumlah": np.arange(rows, dtype=np.int64),
            "aktif": np.arange(rows) % 2 == 0,
            "dicatat": pd.Timestamp("2024-11-28 00:11:35", tz="UTC")
            + pd.to_timedelta(np.arange(rows), unit="s"),
            "hari": [dt.date(2024, 1, 1)] * rows,
            "lokasi": [f"Data!C{i + 4}" if i % 11 else None for i in range(rows)],
        }
    )
    con.register("source_frame", frame)
    con.execute("CREATE TABLE t AS SELECT * FROM source_frame")
    frame_report, table_report = both(con, "t")
    assert not table_report.passed
    assert report_dict(table_report) == report_dict(frame_report)
    assert [(f.column, f.kind) for f in table_report.findings] == [
        ("nik", "nik"),
        ("catatan", "telepon"),
        ("catatan", "email"),
        ("catatan", "no_kk"),
        ("no_kk", "no_kk"),
        ("nama_pelapor", "nama"),
        ("nilai", "nik"),
    ]
    assert table_report.summary() == frame_report.summary()

    allow = {"catatan": "nomor kantor, publik"}
    source_allow = {"a": {"catatan": "kantor kecamatan", "nik": "uji"}, "b": {"nilai": "uji"}}
    for kwargs in ({"allow": allow}, {"source_allow": source_allow}, {"skip": ("catatan",)}):
        frame_report, table_report = both(con, "t", **kwargs)
        assert report_dict(table_report) == report_dict(frame_report), kwargs


def test_clean_table_and_empty_table(con):
    con.execute(
        "CREATE TABLE fact AS SELECT 'IND' AS indikator, 'Sheet!D' || i AS lokasi, "
        "i * 1.5 AS nilai, sha256(i::VARCHAR) AS berkas_sha256 FROM range(50000) r(i)"
    )
    con.execute("CREATE TABLE kosong (catatan VARCHAR, nilai DOUBLE, lokasi VARCHAR)")
    for table in ("fact", "kosong"):
        frame_report, table_report = both(con, table)
        assert table_report.passed
        assert report_dict(table_report) == report_dict(frame_report)
    assert scan_table(con, "fact").summary() == "fact: no personal data in 50000 rows."


def test_non_ascii_digits_are_scanned_like_the_frame_scan(con):
    # Python's \\d reads Arabic-Indic digits; the SQL pre-filter must not drop such values.
    con.execute("CREATE TABLE t (catatan VARCHAR)")
    con.execute("INSERT INTO t VALUES ('telp ٠٨١٢٣٤٥٦٧٨٩٠'), ('biasa')")
    frame_report, table_report = both(con, "t")
    assert report_dict(table_report) == report_dict(frame_report)


def test_table_in_a_schema(con):
    con.execute("CREATE SCHEMA tidy")
    con.execute(f"CREATE TABLE tidy.a AS SELECT 'hubungi {NIK_WOMAN}' AS catatan, 'X!A1' AS lokasi")
    report = scan_table(con, "tidy.a")
    assert [(f.column, f.count, f.places) for f in report.findings] == [("catatan", 1, ["X!A1"])]


def test_labelled_numbers_and_landlines_as_the_frame_scan(con):
    """Issue 11, case 8 in SQL: a labelled NIK/KK whatever its digits, landlines, and the
    numbers that are neither (money, region codes, dates)."""
    typo = "3573015213900007"  # no valid birth date
    frame = pd.DataFrame(
        {
            "NIK Pemohon": [typo, "3573010000000000", None, "-"],
            "no_kk": [float("3573019999990001"), 1.0, 2.0, None],
            "catatan": [
                f"NIK: {typo}; No. KK 3573010101200005",
                "telp (0341) 551234",
                "Rp 62.341.551.234 untuk 3573010001",
                "2023-01-05",
            ],
            "nilai": [float(typo), 3573010000000000.0, 1.5, None],  # unlabelled: strict
            "lokasi": ["S!A2", "S!A3", "S!A4", "S!A5"],
        }
    )
    con.register("source_frame", frame)
    con.execute("CREATE TABLE labelled AS SELECT * FROM source_frame")
    frame_report, table_report = both(con, "labelled")
    assert report_dict(table_report) == report_dict(frame_report)
    assert [(f.column, f.kind, f.count) for f in table_report.findings] == [
        ("NIK Pemohon", "nik", 2),
        ("no_kk", "no_kk", 1),
        ("catatan", "nik", 1),
        ("catatan", "no_kk", 1),
        ("catatan", "telepon", 1),
    ]


def test_agency_headers_label_columns_as_in_the_frame_scan(con):
    frame = pd.DataFrame(
        {"catatan": ["3573015213900007", "Budi Santoso", "Siti Aminah"], "nilai": [1.0, 2.0, 3.0]}
    )
    frame["kk"] = [float("3573019999990001"), 1.0, 2.0]
    con.register("source_frame", frame)
    con.execute("CREATE TABLE renamed AS SELECT * FROM source_frame")
    headers = {"catatan": "NIK / Nama Pelapor", "nilai": "No. KK"}
    frame_report, table_report = both(con, "renamed", headers=headers)
    assert report_dict(table_report) == report_dict(frame_report)
    assert [(f.column, f.kind) for f in table_report.findings] == [
        ("catatan", "nik"),
        ("catatan", "nama"),
        ("kk", "no_kk"),
    ]


# --- scan_tables: a column copied from a scanned column is not screened again -------------

PHONE = "0812-3456-7890"


def derived_tables(con):
    """`src` (a fact table: lokasi, catatan, nilai of two sources), `lookup` (names) and
    `derived`, built from both as warehouse/build.py builds a smart_* table."""
    con.execute(
        "CREATE TABLE src AS SELECT 'IND_' || (i % 3) AS indikator, 's' || (i % 2) AS sumber_id, "
        "'baris ' || i || ', kolom 2' AS lokasi, NULL::VARCHAR AS catatan, i * 1.5 AS nilai "
        "FROM range(3000) r(i)"
    )
    con.execute(f"UPDATE src SET lokasi = 'telp {PHONE}' WHERE nilai IN (6.0, 10.5)")
    con.execute("UPDATE src SET catatan = 'hubungi a@b.co.id' WHERE nilai = 9.0")
    con.execute(f"UPDATE src SET nilai = {NIK_MAN} WHERE nilai = 1500.0")
    con.execute(
        "CREATE TABLE lookup AS SELECT * FROM (VALUES ('IND_0', 'Indikator nol', '0341 551234'), "
        "('IND_1', 'Indikator satu', NULL), ('IND_2', 'Tidak dipakai', NULL)) "
        "t(kode, judul, kontak)"
    )
    con.execute(
        "CREATE TABLE derived AS SELECT s.indikator, l.judul AS nama_indikator, l.kontak, "
        "s.sumber_id, s.lokasi, s.catatan, s.nilai FROM src AS s JOIN lookup AS l "
        "ON l.kode = s.indikator WHERE s.indikator IN ('IND_0', 'IND_1') ORDER BY s.rowid"
    )


COPIES = {
    "derived": [
        Copied(
            "src",
            {c: c for c in ("indikator", "sumber_id", "lokasi", "catatan", "nilai")},
            ("indikator", "indikator"),
        ),
        Copied("lookup", {"nama_indikator": "judul", "kontak": "kontak"}),
    ]
}


def test_copied_columns_report_what_a_whole_scan_reports(con):
    derived_tables(con)
    source_allow = {"s1": {"lokasi": "nomor kantor"}}
    # Derived first in the list: the sources are still scanned before it.
    reports = scan_tables(
        con, ["derived", "src", "lookup"], source_allow=source_allow, copies=COPIES
    )
    assert [r.table for r in reports] == ["derived", "src", "lookup"]
    for report in reports:
        whole = scan_table(con, report.table, source_allow=source_allow)
        assert {**report.as_dict(), "covered": {}} == report_dict(whole), report.table
    derived = reports[0]
    assert derived.covered == {
        "indikator": "src.indikator",
        "sumber_id": "src.sumber_id",
        "lokasi": "src.lokasi",
        "catatan": "src.catatan",
        "nilai": "src.nilai",
        "nama_indikator": "lookup.judul",
        "kontak": "lookup.kontak",
    }
    # The findings are the derived table's own: its rows, its places, its allow-lists.
    assert [(f.column, f.kind, f.count) for f in derived.findings] == [
        ("kontak", "telepon", 1000),
        ("lokasi", "telepon", 1),
        ("lokasi", "telepon", 1),
        ("catatan", "email", 1),
        ("nilai", "nik", 1),
    ]
    assert not derived.passed and derived.as_dict()["covered"]["lokasi"] == "src.lokasi"


def test_a_copy_of_a_source_with_personal_data_fails_too(con):
    """fact_indikator blocked on lokasi: the smart_* table holding that lokasi is blocked as
    well, though its own lokasi was never screened (issue 14)."""
    derived_tables(con)
    src, derived = scan_tables(con, ["src", "derived"], copies=COPIES)
    assert "lokasi" in derived.covered
    assert not src.passed and not derived.passed
    [lokasi] = [f for f in derived.blocking if f.column == "lokasi"]
    assert lokasi.examples == ["0812******90"] and lokasi.count == 2


def test_a_table_not_rebuilt_since_its_source_changed_is_scanned_whole(con):
    derived_tables(con)
    # The source no longer holds the phone numbers; the derived table, built before, still does.
    con.execute("UPDATE src SET lokasi = 'baris 0, kolom 1' WHERE lokasi LIKE 'telp%'")
    con.execute("UPDATE lookup SET kontak = NULL")
    src, lookup, derived = scan_tables(con, ["src", "lookup", "derived"], copies=COPIES)
    assert src.passed is False  # catatan and nilai still hold personal data
    assert "lokasi" not in [f.column for f in src.findings] and lookup.passed
    assert "lokasi" not in derived.covered and "kontak" not in derived.covered
    assert {(f.column, f.count) for f in derived.findings} >= {("lokasi", 2), ("kontak", 1000)}
    assert report_dict(derived) == {
        **report_dict(scan_table(con, "derived")),
        "covered": derived.covered,
    }


def test_copies_of_columns_judged_otherwise_are_scanned(con):
    """A person-name column is judged on its own share of name-like values, and a column
    named `nik` reads any 16 digits: such copies are not covered by the source's scan."""
    con.execute(
        "CREATE TABLE src AS SELECT * FROM (VALUES ('Budi Santoso', '3573015213900007'), "
        "('Siti Aminah', '1')) t(nama, catatan)"
    )
    con.execute("CREATE TABLE derived AS SELECT nama AS pelapor, catatan AS nik FROM src")
    copies = {"derived": [Copied("src", {"pelapor": "nama", "nik": "catatan"})]}
    src, derived = scan_tables(con, ["src", "derived"], copies=copies)
    assert src.findings and derived.covered == {}
    assert [(f.column, f.kind) for f in derived.findings] == [("pelapor", "nama"), ("nik", "nik")]


def test_columns_skipped_in_the_source_are_not_covered(con):
    derived_tables(con)
    reports = scan_tables(con, ["src", "derived"], skip={"src": ["lokasi"]}, copies=COPIES)
    assert "lokasi" not in reports[1].covered
    assert [f.count for f in reports[1].findings if f.column == "lokasi"] == [2]


# --- the guard of the warehouse step over the tables warehouse/build.py builds -----------


def test_the_guard_blocks_a_smart_table_holding_a_blocked_fact_value(tmp_path):
    from assets.quality_assets import guard_tables
    from sources.wilayah import reference_frame
    from warehouse.db import work_db
    from warehouse.kualitas import blocked_tables
    from warehouse.load import build_dimension_table, load_dim_wilayah

    tables = ["dim_wilayah", "dim_indikator", "fact_indikator", "smart_people", "smart_living"]
    with work_db(tmp_path / "work.duckdb") as con:
        load_dim_wilayah(con, reference_frame())
        con.execute(
            "INSERT INTO dim_indikator (kode, nama_id, dimensi, sumber_id, sampel) VALUES "
            "('IND_A', 'Indikator A', 'smart_people', 'src_a', false), "
            "('IND_B', 'Indikator B', 'smart_living', 'src_a', false)"
        )
        con.execute(
            "INSERT INTO fact_indikator SELECT 'IND_A', '35.73.01', (2000 + i)::VARCHAR, i, "
            f"'final', NULL, 'src_a', '{'ab' * 32}', 'Data!C' || i FROM range(500) r(i)"
        )
        # The agency's sheet is named after a person's phone: every lokasi of one row shows it.
        con.execute(f"UPDATE fact_indikator SET lokasi = 'HP {PHONE}!C9' WHERE periode = '2009'")
        build_dimension_table(con, "smart_people")
        build_dimension_table(con, "smart_living")

        reports = {r.table: r for r in guard_tables(con, tables, {})}
        people = reports["smart_people"]
        assert people.covered["lokasi"] == "fact_indikator.lokasi"
        assert "nama_wilayah" not in people.covered  # dim_wilayah.nama is judged as names
        assert [(f.column, f.count, f.examples) for f in people.blocking] == [
            ("lokasi", 1, ["0812******90"])
        ]
        assert blocked_tables(con, tables) == ["fact_indikator", "smart_people"]
        laporan = con.execute(
            "SELECT laporan FROM meta_kualitas WHERE tabel = 'smart_people'"
        ).fetchone()[0]
        assert '"lokasi": "fact_indikator.lokasi"' in laporan

        # Allowed for its source, in both tables; a fixed fact table unblocks both.
        allowed = guard_tables(con, tables, {"src_a": {"lokasi": "sheet name, office line"}})
        assert all(r.passed for r in allowed) and blocked_tables(con, tables) == []
        con.execute("UPDATE fact_indikator SET lokasi = 'Data!C9' WHERE periode = '2009'")
        build_dimension_table(con, "smart_people")
        assert all(r.passed for r in guard_tables(con, tables, {}))


def test_only_plain_copies_of_dimension_select_are_covered():
    from assets.quality_assets import copied_columns

    copies = copied_columns(
        {"a": "f.lokasi", "b": "upper(f.catatan)", "c": "x.y", "d": "i.nama_id"}
    )
    assert [(c.source, dict(c.columns), c.key) for c in copies] == [
        ("fact_indikator", {"a": "lokasi"}, ("indikator", "indikator")),
        ("dim_indikator", {"d": "nama_id"}, None),
    ]


def _two_source_facts(con, nilai_b: int = 0) -> None:
    """fact_indikator with 300 clean rows of src_a and 20 of src_b (nilai + `nilai_b`)."""
    con.execute("DELETE FROM fact_indikator")
    for source, rows, extra in (("src_a", 300, 0), ("src_b", 20, nilai_b)):
        con.execute(
            f"INSERT INTO fact_indikator SELECT 'IND_{source[-1].upper()}', '35.73.01', "
            f"(2000 + i)::VARCHAR, i + {extra}, 'final', NULL, '{source}', '{'ab' * 32}', "
            "'Data!C' || i FROM range(?) r(i)",
            [rows],
        )


def _scanned(monkeypatch) -> list[str]:
    """The tables (or parts) pii_table._scan reads."""
    import quality.pii_table as pii_table

    read, real = [], pii_table._scan
    monkeypatch.setattr(
        pii_table, "_scan", lambda con, table, **k: read.append(table) or real(con, table, **k)
    )
    return read


def test_a_clean_tables_unchanged_sources_are_not_read_again(tmp_path, monkeypatch):
    """In proportion to change: a source whose rows are as they were when the last scan (same
    rules) found nothing is not read; a change that brings personal data is found, and then
    counted over the whole table, as a scan of every row counts it."""
    from assets.quality_assets import guard_tables
    from warehouse.db import work_db

    with work_db(tmp_path / "work.duckdb") as con:
        _two_source_facts(con)
        assert guard_tables(con, ["fact_indikator"], {})[0].passed  # recorded clean
        read = _scanned(monkeypatch)
        _two_source_facts(con, nilai_b=1)  # src_b changed
        [report] = guard_tables(con, ["fact_indikator"], {})
        assert report.passed and report.rows == 320
        assert read == ["kp_guard_part.main.part"]  # src_b's 20 rows, not 320

        # A phone number in one row of each source: found in the changed rows, then counted
        # and placed over the whole table, as a scan of every row does.
        con.execute(f"UPDATE fact_indikator SET lokasi = 'HP {PHONE}' WHERE periode = '2003'")
        read.clear()
        [found] = guard_tables(con, ["fact_indikator"], {})
        assert read == ["kp_guard_part.main.part", "fact_indikator"]
        (tmp_path / "work.duckdb.guarded.json").unlink()  # as a first night: every row read
        [whole] = guard_tables(con, ["fact_indikator"], {})
        assert found.as_dict() == whole.as_dict() and [f.count for f in found.blocking] == [2]

        # With a finding recorded nowhere, the next night reads the whole table again; so does
        # one whose rules changed (a source's allow-list here).
        read.clear()
        guard_tables(con, ["fact_indikator"], {})
        assert read == ["fact_indikator"]
        con.execute("UPDATE fact_indikator SET lokasi = 'Data!C3' WHERE periode = '2003'")
        guard_tables(con, ["fact_indikator"], {})  # clean again: recorded
        read.clear()
        guard_tables(con, ["fact_indikator"], {"src_a": {"catatan": "office notes"}})
        assert read == ["fact_indikator"]


def test_a_night_with_no_changed_source_reads_nothing_and_reports_as_a_full_scan(
    tmp_path, monkeypatch
):
    """The reports, and what the smart_* tables' copied columns are screened by, are those of
    a scan of every row."""
    from assets.quality_assets import guard_tables
    from sources.wilayah import reference_frame
    from warehouse.db import work_db
    from warehouse.load import build_dimension_table, load_dim_wilayah

    tables = ["dim_wilayah", "dim_indikator", "fact_indikator", "smart_people"]
    with work_db(tmp_path / "work.duckdb") as con:
        load_dim_wilayah(con, reference_frame())
        con.execute(
            "INSERT INTO dim_indikator (kode, nama_id, dimensi, sumber_id, sampel) VALUES "
            "('IND_A', 'Indikator A', 'smart_people', 'src_a', false)"
        )
        _two_source_facts(con)
        con.execute("UPDATE fact_indikator SET indikator = 'IND_A'")
        build_dimension_table(con, "smart_people")
        first = [r.as_dict() for r in guard_tables(con, tables, {})]  # every row, recorded
        read = _scanned(monkeypatch)
        again = [r.as_dict() for r in guard_tables(con, tables, {})]
    assert again == first and first[3]["covered"]["lokasi"] == "fact_indikator.lokasi"
    assert "fact_indikator" not in read and "kp_guard_part.main.part" not in read


def test_the_guard_hands_its_prints_to_the_snapshot_of_the_same_run_only(tmp_path):
    """The per-source prints the guard hashed (first night: as it records them; later nights:
    to compare) are kept for its run's snapshot (assets/run_memo.py), for no other run."""
    from assets.quality_assets import guard_tables
    from assets.run_memo import work_prints
    from warehouse.db import work_db
    from warehouse.prints import source_prints

    with work_db(tmp_path / "work.duckdb") as con:
        _two_source_facts(con)
        guard_tables(con, ["fact_indikator"], {}, run_id="night-1")
        assert work_prints("night-1") == {"fact_indikator": source_prints(con, "fact_indikator")}
        _two_source_facts(con, nilai_b=1)
        guard_tables(con, ["fact_indikator"], {}, run_id="night-2")
        now = source_prints(con, "fact_indikator")
        assert work_prints("night-2") == {"fact_indikator": now}
        assert work_prints("night-1") == {}  # one run at a time: the older one's are gone
