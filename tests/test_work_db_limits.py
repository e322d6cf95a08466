"""Work-database connections: memory limit, threads and spill folder on every connection; the
derived tables without PRIMARY KEY (old databases migrated once, rows kept); keys still unique
as checks; sorted inserts in bounded runs."""

import duckdb
import pandas as pd
import pytest

from tests.fresh_process import printed_by
from warehouse import db
from warehouse.build import build_fact, indicator_batches, indicator_counts
from warehouse.db import UNKEYED_TABLES, connect, drop_derived_keys, work_db
from warehouse.integrity import fact_problems
from warehouse.load import replace_tidy

SHA = "ab" * 32


def tidy(source: str, indikator: str, periods: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sumber_id": source,
            "indikator": indikator,
            "kode_wilayah": "35.73",
            "periode": periods,
            "nilai": [float(i) for i in range(len(periods))],
            "status": "final",
            "catatan": pd.array([None] * len(periods), dtype="string"),
            "lokasi": [f"S!A{i}" for i in range(len(periods))],
        }
    )


def setting(con, name: str):
    return con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]


def test_every_connection_gets_the_limits_and_a_spill_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KOTAPINTAR_DUCKDB_MEMORY", "512MB")
    monkeypatch.setenv("KOTAPINTAR_DUCKDB_THREADS", "1")
    with work_db(tmp_path / "data" / "work.duckdb") as con:
        assert setting(con, "memory_limit") == "488.2 MiB"
        assert setting(con, "threads") == 1
        assert setting(con, "temp_directory") == str(tmp_path / "data" / "duckdb_tmp")
    monkeypatch.delenv("KOTAPINTAR_DUCKDB_MEMORY")
    monkeypatch.delenv("KOTAPINTAR_DUCKDB_THREADS")
    with work_db(tmp_path / "data" / "work.duckdb") as con:
        assert setting(con, "memory_limit") == "183.1 MiB"  # 192MB
        assert setting(con, "threads") == db.DEFAULT_THREADS


def test_the_default_limit_grows_with_the_database(tmp_path, monkeypatch):
    """Memory in proportion to the data: 2.5x the database file between 192MB and 1GB, unless
    KOTAPINTAR_DUCKDB_MEMORY sets it."""
    monkeypatch.delenv("KOTAPINTAR_DUCKDB_MEMORY", raising=False)
    file = tmp_path / "work.duckdb"
    assert db.memory_limit(file) == "192MB"  # no file yet
    for size_mb, limit in [
        (70, "192MB"),
        (76, "192MB"),
        (128, "320MB"),
        (320, "800MB"),
        (4000, "1024MB"),
    ]:
        with file.open("wb") as handle:
            handle.truncate(size_mb * 2**20)  # sparse: the size is what counts
        assert db.memory_limit(file) == limit, size_mb
    monkeypatch.setenv("KOTAPINTAR_DUCKDB_MEMORY", "256MB")
    assert db.memory_limit(file) == "256MB"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "KOTAPINTAR_DUCKDB_MEMORY",
            "lots",
            "KOTAPINTAR_DUCKDB_MEMORY='lots' is not an amount of memory such as 512MB, 1GB or "
            "2GiB (default 192MB); fix it in the environment or .env",
        ),
        (
            "KOTAPINTAR_DUCKDB_THREADS",
            "0",
            f"KOTAPINTAR_DUCKDB_THREADS='0' is not a whole number >= 1 (default "
            f"{db.DEFAULT_THREADS}); fix it in the environment or .env",
        ),
    ],
)
def test_bad_limits_fail_with_the_variable_named(tmp_path, monkeypatch, name, value, message):
    from pipelines.settings import Settings

    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as caught:
        Settings.from_env()
    assert str(caught.value) == message
    with pytest.raises(ValueError):
        connect(tmp_path / "w.duckdb").close()


def test_old_work_database_loses_the_derived_keys_once_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE fact_indikator (indikator VARCHAR NOT NULL, kode_wilayah VARCHAR NOT "
            "NULL, periode VARCHAR NOT NULL, nilai DOUBLE, status VARCHAR NOT NULL, catatan "
            "VARCHAR, sumber_id VARCHAR NOT NULL, berkas_sha256 VARCHAR NOT NULL, lokasi "
            "VARCHAR, PRIMARY KEY (indikator, kode_wilayah, periode))"
        )
        con.execute(
            "INSERT INTO fact_indikator VALUES ('I', '35.73', '2023', 1.5, 'final', NULL, 's', "
            "'x', 'S!A1'), ('I', '35.73', '2024', NULL, 'sementara', 'c', 's', 'x', 'S!A2')"
        )
        con.execute(
            "CREATE TABLE smart_people (indikator VARCHAR NOT NULL, nama_indikator VARCHAR, "
            "kode_wilayah VARCHAR NOT NULL, periode VARCHAR NOT NULL, nilai DOUBLE, "
            "PRIMARY KEY (indikator, kode_wilayah, periode))"
        )
        con.execute("INSERT INTO smart_people VALUES ('I', 'n', '35.73', '2023', 1.5)")
        before = con.execute("SELECT * FROM fact_indikator ORDER BY ALL").fetchall()
    con = connect(path)
    try:
        keys = con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
        assert not [t for (t,) in keys if t in UNKEYED_TABLES]
        assert con.execute("SELECT * FROM fact_indikator ORDER BY ALL").fetchall() == before
        # The rebuilt smart_people has the columns of schema.sql; the old ones are kept.
        people = con.execute(
            "SELECT indikator, nama_indikator, nama_wilayah, nilai FROM smart_people"
        ).fetchall()
        assert people == [("I", "n", None, 1.5)]
        nullable = con.execute(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'fact_indikator' AND column_name = 'periode'"
        ).fetchall()
        assert nullable == [("NO",)]
        assert drop_derived_keys(con) == []  # once: nothing left to migrate
    finally:
        con.close()


def test_fact_key_stays_unique_without_a_primary_key(tmp_path):
    with work_db(tmp_path / "work.duckdb") as con:
        replace_tidy(con, "a", tidy("a", "I", ["2023", "2024"]), SHA)
        replace_tidy(con, "b", tidy("b", "I", ["2024", "2025"]), SHA)
        with pytest.raises(ValueError, match=r"1 key\(s\) .* come from more than one source"):
            build_fact(con, ["a", "b"])
        # Written around the build, a duplicate is still found by fact_integrity.
        build_fact(con, ["a"])
        con.execute("INSERT INTO fact_indikator SELECT * FROM fact_indikator LIMIT 1")
        assert "duplicate_key" in fact_problems(con)


def test_sorted_runs_give_the_table_in_key_order(tmp_path, monkeypatch):
    monkeypatch.setattr("warehouse.build.BATCH_ROWS", 3)
    with work_db(tmp_path / "work.duckdb") as con:
        replace_tidy(con, "a", tidy("a", "Z", ["2024", "2023"]), SHA)
        replace_tidy(con, "b", tidy("b", "A", ["2025", "2021", "2022"]), SHA)
        replace_tidy(con, "c", tidy("c", "M", ["2020"]), SHA)
        union = "SELECT indikator, sumber_id FROM tidy.a UNION ALL SELECT indikator, sumber_id "
        union += "FROM tidy.b UNION ALL SELECT indikator, sumber_id FROM tidy.c"
        assert indicator_batches(indicator_counts(con, union)) == [
            (["A"], ["b"]),
            (["M", "Z"], ["a", "c"]),
        ]
        assert build_fact(con, ["c", "a", "b"]) == 6
        rows = con.execute("SELECT indikator, periode FROM fact_indikator").fetchall()
    assert rows == sorted(rows) and len(rows) == 6


def test_a_sorted_run_reads_a_bounded_number_of_tidy_tables(monkeypatch):
    """500 sources of 2,000 rows put 250 tables in one run of 500,000 facts, whose scans ran
    out of a 256MB limit: a run is also cut at BATCH_SOURCES tables."""
    monkeypatch.setattr("warehouse.build.BATCH_SOURCES", 2)
    counts = [("A", ["a"], 1), ("B", ["b"], 1), ("C", ["c"], 1), ("D", ["c", "d"], 1)]
    assert indicator_batches(counts, rows=100) == [
        (["A", "B"], ["a", "b"]),
        (["C", "D"], ["c", "d"]),
    ]
    # An indicator of more sources than that is a run of its own.
    assert indicator_batches([("A", ["a"], 1), ("E", ["b", "c", "d"], 1)], rows=100) == [
        (["A"], ["a"]),
        (["E"], ["b", "c", "d"]),
    ]
    # A dimension table's insert reads fact_indikator only: cut by rows alone.
    assert indicator_batches(counts, rows=100, limit_sources=False) == [
        (["A", "B", "C", "D"], ["a", "b", "c", "d"]),
    ]


def test_builds_shed_duckdbs_cache_and_keep_the_limit(tmp_path, monkeypatch):
    """build_fact and build_dimension_table end by lowering the limit for a moment
    (db.shed_cache): the rows stay, the configured limit is back afterwards."""
    monkeypatch.setenv("KOTAPINTAR_DUCKDB_MEMORY", "512MB")
    with work_db(tmp_path / "work.duckdb") as con:
        replace_tidy(con, "a", tidy("a", "IND_A", ["2023", "2024"]), SHA)
        assert build_fact(con, ["a"]) == 2
        assert setting(con, "memory_limit") == "488.2 MiB"
        db.shed_cache(con)
        assert setting(con, "memory_limit") == "488.2 MiB"
        assert con.execute("SELECT count(*) FROM fact_indikator").fetchone()[0] == 2


def test_release_memory_is_safe_at_any_time():
    db.release_memory()
    db.release_memory()


def test_a_process_that_builds_the_definitions_allocates_arrow_memory_with_malloc(monkeypatch):
    """The job's processes use the system allocator for Arrow (a lower peak for a big parse,
    warehouse/db.py use_system_allocator); a fresh process, since the pool is process-wide,
    and without the environment variable pipelines/__init__.py sets (tests/test_process_tuning.py):
    importing `pipelines` in this test process put it in the environment children inherit."""
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    probe = (
        "import pyarrow as pa\n"
        "print(pa.default_memory_pool().backend_name)\n"
        "from pipelines.definitions import build_definitions\n"
        "build_definitions()\n"
        "print(pa.default_memory_pool().backend_name)\n"
    )
    assert printed_by(probe).split() == ["mimalloc", "system"]
