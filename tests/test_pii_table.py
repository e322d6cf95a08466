"""The guard over a DuckDB table (scan_table) reports exactly what scan_frame reports on the
whole table read into pandas: findings in the same order, counts, masked examples, places."""

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from quality.pii import scan_frame
from quality.pii_table import scan_table

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
