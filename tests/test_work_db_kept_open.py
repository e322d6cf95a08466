"""warehouse.db.kept_open: the work database stays open around a run's steps, so each step's
connection joins it instead of reading the file's catalog again."""

import subprocess
import sys

import duckdb
import pytest

from warehouse.db import connect, kept_open, work_db

OTHER_PROCESS = """
import sys, duckdb
try:
    duckdb.connect(sys.argv[1], read_only=True).close()
    print("opened")
except duckdb.Error:
    print("locked")
"""


def _other_process_sees(path) -> str:
    run = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path)], capture_output=True)
    return run.stdout.decode().strip()


def test_steps_join_the_kept_database_and_it_closes_after(tmp_path):
    path = tmp_path / "work.duckdb"
    with kept_open(path):
        with work_db(path) as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS x")
        # Between two steps the file is still held: the kept connection is open.
        assert _other_process_sees(path) == "locked"
        with work_db(path) as con:
            assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert _other_process_sees(path) == "opened"


def test_a_file_that_cannot_be_opened_is_left_to_the_steps_to_report(tmp_path):
    path = tmp_path / "work.duckdb"
    path.write_text("not a database")
    with kept_open(path), pytest.raises(duckdb.Error):  # kept_open says nothing itself
        connect(path).close()


def test_a_step_after_one_that_spilled_to_disk_still_connects(tmp_path, monkeypatch):
    """DuckDB refuses to set the spill folder of a database that has used it, even to the
    same folder: a step connecting after one that spilled must not set it again (the
    200-source cold run failed so at the snapshot)."""
    monkeypatch.setenv("KOTAPINTAR_DUCKDB_MEMORY", "60MB")
    monkeypatch.setenv("KOTAPINTAR_DUCKDB_THREADS", "1")
    path = tmp_path / "work.duckdb"
    with kept_open(path):
        with work_db(path) as con:
            con.execute(
                "CREATE TABLE t AS SELECT range AS a, md5(range::VARCHAR) AS b FROM range(2000000)"
            )
            con.execute("CREATE TABLE s AS SELECT * FROM t ORDER BY b")  # spills
        assert (tmp_path / "duckdb_tmp").is_dir()  # it did spill
        with work_db(path) as con:
            assert con.execute("SELECT count(*) FROM s").fetchall() == [(2_000_000,)]
