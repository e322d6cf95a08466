"""The analyst snapshot: atomic replacement, readers never blocked, failures leave the old file."""

import hashlib
import json
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest

from warehouse import snapshot
from warehouse.db import work_db
from warehouse.load import build_fact, replace_tidy
from warehouse.query import query
from warehouse.snapshot import open_analyst, publish_snapshot

TABLES = ["fact_indikator", "tidy.a"]

# An analyst in another process: opens the file read-only once, then keeps reading. It reports its
# first view, and after `published` appears does 50 more reads (so some surely follow the swap).
READER = """
import json, os, sys, duckdb
path, published = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, read_only=True)
def view():
    count, total = con.execute("SELECT count(*), sum(nilai) FROM fact_indikator").fetchall()[0]
    noted = con.execute(
        "SELECT rows FROM kp_snapshot WHERE table_name = 'fact_indikator'").fetchall()[0][0]
    return [count, total, noted]
print(json.dumps(view()), flush=True)
views, reads, after = set(), 0, 0
while after < 50:
    views.add(json.dumps(view()))
    reads += 1
    after += os.path.exists(published)
print(json.dumps({"reads": reads, "views": sorted(views)}), flush=True)
"""


def fill_work(path, n: int) -> None:
    """Work database whose fact table has `n` rows with nilai 1..n."""
    df = pd.DataFrame(
        {
            "sumber_id": "a",
            "indikator": "IND",
            "kode_wilayah": "35.73",
            "periode": [f"{2000 + i}" for i in range(n)],
            "nilai": [float(i + 1) for i in range(n)],
            "status": "final",
            "catatan": None,
            "lokasi": [f"Tabel!C{i}" for i in range(n)],
        }
    ).astype({"catatan": "string"})
    with work_db(path) as con:
        replace_tidy(con, "a", df, hashlib.sha256(str(n).encode()).hexdigest())
        build_fact(con, ["a"])


@pytest.fixture
def paths(tmp_path):
    work, analyst = tmp_path / "data" / "work.duckdb", tmp_path / "analyst" / "kotapintar.duckdb"
    fill_work(work, 3)
    publish_snapshot(work, analyst, TABLES)
    return work, analyst


def test_publish_copies_tables_with_unique_keys_and_a_snapshot_record(paths):
    work, analyst = paths
    info = publish_snapshot(work, analyst, [*TABLES, "tidy.a"])
    assert info.path == analyst
    assert info.tables == {"fact_indikator": 3, "tidy.a": 3}
    assert info.bytes == analyst.stat().st_size
    assert sorted(p.name for p in analyst.parent.iterdir()) == ["kotapintar.duckdb"]
    noted = query("SELECT table_name, rows FROM kp_snapshot ORDER BY 1", analyst)
    assert noted.values.tolist() == [["fact_indikator", 3], ["tidy.a", 3]]
    with open_analyst(analyst) as con:
        # The key is unique but not a PRIMARY KEY, whose in-memory index cannot spill (the
        # build and fact_integrity check it instead).
        keys = con.sql(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND table_name = 'fact_indikator'"
        ).fetchall()
        assert keys == []
        distinct = con.sql(
            "SELECT count(*), count(DISTINCT (indikator, kode_wilayah, periode)) "
            "FROM fact_indikator"
        ).fetchall()
        assert distinct == [(3, 3)]
        assert con.sql("SELECT kode_wilayah FROM tidy.a LIMIT 1").fetchall() == [("35.73",)]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM fact_indikator")


def test_reader_in_another_process_keeps_its_view_while_a_new_snapshot_lands(paths, tmp_path):
    work, analyst = paths
    published = tmp_path / "published"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(analyst), str(published)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert json.loads(reader.stdout.readline()) == [3, 6.0, 3], reader.stderr.read()
        with open_analyst(analyst) as held_here:  # also held open in this process
            fill_work(work, 5)
            started = time.perf_counter()
            info = publish_snapshot(work, analyst, TABLES)
            published.touch()
            assert time.perf_counter() - started < 10  # never waited for the readers
            assert held_here.sql("SELECT count(*) FROM fact_indikator").fetchall() == [(3,)]
        out, err = reader.communicate(timeout=60)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    report = json.loads(out)
    assert report["views"] == ["[3, 6.0, 3]"] and report["reads"] >= 50
    assert info.tables["fact_indikator"] == 5
    # A new reader, even in a process that had the old file open, sees the new snapshot.
    fresh = query("SELECT count(*) AS n, sum(nilai) AS s FROM fact_indikator", analyst)
    assert fresh.values.tolist() == [[5, 15.0]]


def test_missing_table_mid_build_leaves_the_old_file_untouched(paths):
    work, analyst = paths
    before = analyst.read_bytes()
    fill_work(work, 5)
    with pytest.raises(LookupError) as caught:
        publish_snapshot(work, analyst, ["fact_indikator", "no_such_table"])
    assert str(caught.value) == (
        f"Snapshot: table `no_such_table` not found in the work database {work} (found: "
        "dim_indikator, dim_wilayah, fact_indikator, karantina, meta_kualitas, meta_muat, "
        "meta_sumber, "
        "smart_economy, smart_environment, smart_governance, smart_living, smart_mobility, "
        "smart_people, tidy.a). Build it first or leave it out of the snapshot."
    )
    assert analyst.read_bytes() == before
    assert sorted(p.name for p in analyst.parent.iterdir()) == ["kotapintar.duckdb"]


def test_failed_swap_removes_the_temporary_file(paths, monkeypatch):
    work, analyst = paths
    before = analyst.read_bytes()

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(snapshot.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        publish_snapshot(work, analyst, TABLES)
    assert analyst.read_bytes() == before
    assert sorted(p.name for p in analyst.parent.iterdir()) == ["kotapintar.duckdb"]


def test_publish_while_the_work_database_is_open_in_this_process(paths):
    work, analyst = paths
    with work_db(work) as con:
        con.execute("DELETE FROM fact_indikator WHERE periode = '2000'")
        info = publish_snapshot(work, analyst, ["fact_indikator"])
        assert con.sql("SELECT count(*) FROM fact_indikator").fetchall() == [(2,)]
    assert info.tables == {"fact_indikator": 2}


@pytest.mark.parametrize(
    ("tables", "error", "message"),
    [
        ([], ValueError, r"Snapshot: no tables given"),
        ("fact_indikator", TypeError, r"`tables` is a list of table names, not one string"),
        (["kp_snapshot"], ValueError, r"'kp_snapshot' is not a table that can be published"),
        (["x; DROP TABLE y"], ValueError, r"'x; DROP TABLE y' is not a table that can be"),
    ],
)
def test_publish_refuses_bad_table_lists(tmp_path, tables, error, message):
    with pytest.raises(error, match=message):
        publish_snapshot(tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb", tables)
    assert list(tmp_path.iterdir()) == []


def test_open_analyst_names_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist yet: run the pipeline once"):
        open_analyst(tmp_path / "nothing.duckdb")


# --- in proportion to change: unchanged tables stay in a copy of the previous file ---------------


def storage_version(path) -> str:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{path}' AS a (READ_ONLY)")
        return con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'a'"
        ).fetchall()[0][0]


def test_a_publish_keeps_unchanged_tables_and_copies_changed_ones(paths):
    work, analyst = paths
    first = query("SELECT max(published_at) AS t FROM kp_snapshot", analyst).t[0]
    again = publish_snapshot(work, analyst, TABLES)
    assert again.unchanged == ("fact_indikator", "tidy.a") and again.tables["tidy.a"] == 3
    fill_work(work, 5)  # both tables change
    changed = publish_snapshot(work, analyst, TABLES)
    assert changed.unchanged == () and changed.tables == {"fact_indikator": 5, "tidy.a": 5}
    assert query("SELECT sum(nilai) AS s FROM fact_indikator", analyst).s[0] == 15
    noted = query("SELECT table_name, rows, published_at FROM kp_snapshot ORDER BY 1", analyst)
    assert noted[["table_name", "rows"]].values.tolist() == [["fact_indikator", 5], ["tidy.a", 5]]
    assert (noted.published_at > first).all()
    # Still the format the oldest supported DuckDB reads, and nothing else left in the file.
    assert storage_version(analyst) == f"{snapshot.ANALYST_STORAGE_VERSION}+"
    with open_analyst(analyst) as con:
        tables = con.sql(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE database_name = 'kotapintar' ORDER BY 1"
        ).fetchall()
    assert [t for (t,) in tables] == [
        "main.fact_indikator",
        "main.kamus_data",
        "main.kp_snapshot",
        "tidy.a",
    ]


def test_a_blocked_table_keeps_its_previous_version_in_the_kept_file(paths):
    work, analyst = paths
    fill_work(work, 4)
    info = publish_snapshot(work, analyst, ["tidy.a"], carry_over=["fact_indikator"])
    assert info.carried_over == ("fact_indikator",) and info.unchanged == ()
    assert info.tables == {"tidy.a": 4, "fact_indikator": 3}
    assert query("SELECT count(*) AS n FROM fact_indikator", analyst).n[0] == 3


def test_a_previous_file_in_another_storage_version_is_not_reused(paths):
    work, analyst = paths
    analyst.unlink()
    with duckdb.connect() as con:  # as a pipeline that wrote the library's newest format
        con.execute(f"ATTACH '{analyst}' AS a")
        con.execute("CREATE TABLE a.fact_indikator AS SELECT 1 AS x")
    info = publish_snapshot(work, analyst, TABLES)
    assert info.unchanged == () and info.tables == {"fact_indikator": 3, "tidy.a": 3}
    assert storage_version(analyst) == f"{snapshot.ANALYST_STORAGE_VERSION}+"


def test_the_kept_file_does_not_grow_without_bound(paths):
    work, analyst = paths
    sizes = []
    for n in [4000, 3, 5000, 4, 4000, 5, 5000, 6]:
        fill_work(work, n)
        publish_snapshot(work, analyst, TABLES)
        sizes.append(analyst.stat().st_size)
        with duckdb.connect() as con:
            con.execute(f"ATTACH '{analyst}' AS a (READ_ONLY)")
            used, free = con.execute(
                "SELECT used_blocks, free_blocks FROM pragma_database_size() "
                "WHERE database_name = 'a'"
            ).fetchall()[0]
        # A file more than half free is not reused: the next publish writes a compact one.
        assert free <= used + 8, sizes
    fresh = analyst.with_name("fresh.duckdb")
    publish_snapshot(work, fresh, TABLES)
    assert max(sizes[2:]) <= 3 * fresh.stat().st_size + 2**20, sizes


def _two_sources(path, b_values: list[float]) -> None:
    """A work database whose fact table holds 40 rows of source `a` and those of `b`."""

    def frame(source: str, values: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "sumber_id": source,
                "indikator": f"IND_{source.upper()}",
                "kode_wilayah": "35.73",
                "periode": [f"{2000 + i}" for i in range(len(values))],
                "nilai": values,
                "status": "final",
                "catatan": None,
                "lokasi": [f"Tabel!C{i}" for i in range(len(values))],
            }
        ).astype({"catatan": "string"})

    with work_db(path) as con:
        replace_tidy(con, "a", frame("a", [float(i) for i in range(40)]), "a" * 64)
        sha = hashlib.sha256(str(b_values).encode()).hexdigest()
        replace_tidy(con, "b", frame("b", b_values), sha)
        build_fact(con, ["a", "b"])


def test_a_few_changed_sources_are_patched_into_the_kept_file(tmp_path, monkeypatch):
    work, analyst = tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb"
    _two_sources(work, [1.0, 2.0])
    publish_snapshot(work, analyst, ["fact_indikator"])
    _two_sources(work, [3.0, 4.0, 5.0])  # source b changed: 3 of 43 rows
    copied = []
    monkeypatch.setattr(
        snapshot, "_copy_table", lambda con, w, p, name, *a, **k: copied.append(name) or 0
    )
    info = publish_snapshot(work, analyst, ["fact_indikator"])
    assert copied == [] and info.tables == {"fact_indikator": 43}
    every = "SELECT * FROM fact_indikator ORDER BY ALL"
    with duckdb.connect(str(work), read_only=True) as con:
        expected = con.execute(every).fetchall()
    with open_analyst(analyst) as con:
        assert con.execute(every).fetchall() == expected


def test_a_patch_that_would_replace_most_rows_copies_the_table(tmp_path, monkeypatch):
    work, analyst = tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb"
    _two_sources(work, [1.0])
    publish_snapshot(work, analyst, ["fact_indikator"])
    _two_sources(work, [float(i) for i in range(100)])  # b is now most of the table
    calls = []
    real = snapshot._copy_table
    monkeypatch.setattr(
        snapshot, "_copy_table", lambda *a, **k: calls.append(a[3]) or real(*a, **k)
    )
    assert publish_snapshot(work, analyst, ["fact_indikator"]).tables == {"fact_indikator": 140}
    assert calls == ["fact_indikator"]


def test_a_table_to_keep_in_order_is_copied_not_patched_and_sorted_by_its_key(
    tmp_path, monkeypatch
):
    """A patch appends the changed source's rows at the end; a table the exports read as
    stored (`keep_order`, the smart_* tables) is copied whole instead, sorted by its key when
    the work table is not stored so (the warehouse step patches it there). An unchanged one is
    still kept as it is."""
    work, analyst = tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb"
    key = {"fact_indikator": ["indikator", "kode_wilayah", "periode"]}
    _two_sources(work, [1.0, 2.0])
    publish_snapshot(work, analyst, ["fact_indikator"], keep_order=key)
    again = publish_snapshot(work, analyst, ["fact_indikator"], keep_order=key)
    assert again.unchanged == ("fact_indikator",)
    _two_sources(work, [3.0, 4.0, 5.0])  # b sorts after a: its rows end the table either way
    with work_db(work) as con:  # put b's rows first: patched, they would come last
        con.execute("CREATE TABLE f AS SELECT * FROM fact_indikator ORDER BY sumber_id DESC")
        con.execute("DELETE FROM fact_indikator")
        con.execute("INSERT INTO fact_indikator SELECT * FROM f")
        stored = con.execute("SELECT * FROM fact_indikator").fetchall()
        expected = con.execute(
            "SELECT * FROM fact_indikator ORDER BY indikator, kode_wilayah, periode"
        ).fetchall()
    assert stored != expected  # the work table is out of key order
    patched = []
    real = snapshot._patch_sources
    monkeypatch.setattr(snapshot, "_patch_sources", lambda *a: patched.append(a[2]) or real(*a))
    info = publish_snapshot(work, analyst, ["fact_indikator"], keep_order=key)
    assert patched == [] and info.unchanged == () and info.tables == {"fact_indikator": 43}
    with open_analyst(analyst) as con:
        assert con.execute("SELECT * FROM fact_indikator").fetchall() == expected


def test_a_table_whose_sources_all_match_is_kept_unchanged_without_a_patch(tmp_path, monkeypatch):
    work, analyst = tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb"
    _two_sources(work, [1.0, 2.0])
    publish_snapshot(work, analyst, ["fact_indikator"])
    patched = []
    monkeypatch.setattr(snapshot, "_patch_sources", lambda *a: patched.append(a[2]))
    info = publish_snapshot(work, analyst, ["fact_indikator"])
    assert patched == [] and info.unchanged == ("fact_indikator",)


def _built_side_hashes(monkeypatch) -> list[str]:
    """The tables whose previous version (the file being built) a publish hashes."""
    hashed = []
    real_fingerprint, real_prints = snapshot.table_fingerprint, snapshot.source_prints

    def fingerprint(con, source, *rest):
        if snapshot._BUILD in source:
            hashed.append(source)
        return real_fingerprint(con, source, *rest)

    def prints(con, table, *rest):
        if snapshot._BUILD in table:
            hashed.append(table)
        return real_prints(con, table, *rest)

    monkeypatch.setattr(snapshot, "table_fingerprint", fingerprint)
    monkeypatch.setattr(snapshot, "source_prints", prints)
    return hashed


def test_the_previous_files_prints_are_taken_from_the_last_publishs_record(paths, monkeypatch):
    """A table copied or compared has its prints recorded, and the next publish takes the
    built side's from the record."""
    work, analyst = paths
    hashed = _built_side_hashes(monkeypatch)
    info = publish_snapshot(work, analyst, TABLES)
    assert info.unchanged == ("fact_indikator", "tidy.a") and hashed == []
    # The record names the file it describes; the new file is described again.
    record = json.loads(work.with_name(work.name + ".published.json").read_text())
    assert record["analyst"]["inode"] == analyst.stat().st_ino
    assert {*record["sources"], *record["fingerprints"]} == set(TABLES)


def test_a_changed_analyst_file_is_hashed_again_not_trusted_by_its_record(paths, monkeypatch):
    """Someone wrote into the analyst file: its record no longer describes it, so its tables
    are compared by their rows, and the altered one is copied again from the work database."""
    work, analyst = paths
    fill_work(work, 4000)  # enough rows that the altered file is still worth reusing
    publish_snapshot(work, analyst, TABLES)
    with duckdb.connect(str(analyst)) as con:
        con.execute("UPDATE fact_indikator SET nilai = 0 WHERE periode = '2000'")
    hashed = _built_side_hashes(monkeypatch)
    info = publish_snapshot(work, analyst, TABLES)
    assert hashed and info.unchanged == ("tidy.a",)
    assert query("SELECT sum(nilai) AS s FROM fact_indikator", analyst).s[0] == 4000 * 4001 / 2


@pytest.mark.parametrize(
    "spoil",
    [
        lambda r: {**r, "duckdb": "0.0.1"},
        lambda r: {**r, "analyst": {**r["analyst"], "size": r["analyst"]["size"] + 1}},
        lambda r: "not a record",
        lambda r: {**r, "fingerprints": {"tidy.a": "not a print"}},
    ],
    ids=["another duckdb", "another file", "not an object", "a bad print"],
)
def test_a_record_that_does_not_fit_is_ignored(paths, monkeypatch, spoil):
    work, analyst = paths
    path = work.with_name(work.name + ".published.json")
    path.write_text(json.dumps(spoil(json.loads(path.read_text()))))
    hashed = _built_side_hashes(monkeypatch)
    info = publish_snapshot(work, analyst, TABLES)
    assert hashed and info.unchanged == ("fact_indikator", "tidy.a")


def test_a_patch_its_proof_rejects_is_replaced_by_a_whole_copy(tmp_path, monkeypatch):
    """Rows without a source (sumber_id NULL) cannot be patched by source: the proof of the
    patch (the replaced sources' prints and the row count) fails, and the table is copied."""
    work, analyst = tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb"

    def fill(odd_value: int) -> None:
        with duckdb.connect(str(work)) as con:
            con.execute("CREATE OR REPLACE TABLE t (sumber_id VARCHAR, v INTEGER)")
            con.execute("INSERT INTO t SELECT 'a', range FROM range(40)")
            con.execute(f"INSERT INTO t VALUES ('b', 1), (NULL, {odd_value})")

    fill(1)
    publish_snapshot(work, analyst, ["t"])
    publish_snapshot(work, analyst, ["t"])  # the prints recorded
    fill(2)  # only the row without a source changed
    copied = []
    real = snapshot._copy_table
    monkeypatch.setattr(
        snapshot, "_copy_table", lambda *a, **k: copied.append(a[3]) or real(*a, **k)
    )
    info = publish_snapshot(work, analyst, ["t"])
    assert copied == ["t"] and info.tables == {"t": 42}
    assert query("SELECT v FROM t WHERE sumber_id IS NULL", analyst).v.tolist() == [2]


def _comments(path) -> set[tuple]:
    with open_analyst(path) as con:
        return set(
            con.execute(
                "SELECT table_name, comment FROM duckdb_tables() WHERE comment IS NOT NULL "
                "UNION ALL SELECT table_name || '.' || column_name, comment FROM duckdb_columns() "
                "WHERE comment IS NOT NULL"
            ).fetchall()
        )


def test_a_kept_table_has_the_comments_of_a_new_file_even_after_someone_changed_them(paths):
    """Comments are written only where the file being built differs (a kept table keeps its
    own): one changed in the analyst file by hand is written again."""
    work, analyst = paths
    with duckdb.connect(str(analyst)) as con:
        con.execute("COMMENT ON TABLE fact_indikator IS 'changed by hand'")
        con.execute("COMMENT ON COLUMN fact_indikator.nilai IS NULL")
    info = publish_snapshot(work, analyst, TABLES)
    assert "fact_indikator" in info.unchanged
    fresh = analyst.with_name("fresh.duckdb")
    publish_snapshot(work, fresh, TABLES)
    assert _comments(analyst) == _comments(fresh)
    assert ("fact_indikator", "changed by hand") not in _comments(analyst)
    assert any(name == "fact_indikator.nilai" for name, _ in _comments(analyst))


def _work_side_hashes(monkeypatch) -> list[str]:
    """The work tables a publish hashes source by source."""
    hashed, real = [], snapshot.source_prints

    def prints(con, table, *rest):
        if snapshot._BUILD not in table:
            hashed.append(table)
        return real(con, table, *rest)

    monkeypatch.setattr(snapshot, "source_prints", prints)
    return hashed


def test_work_prints_from_the_caller_are_taken_unless_the_table_no_longer_adds_up(
    tmp_path, monkeypatch
):
    """Prints the caller hashed after the table's last write spare hashing it again; prints
    whose row counts no longer add up to the table's (written since) are not trusted."""
    from warehouse.prints import source_prints

    work, analyst = tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb"
    every = "SELECT * FROM fact_indikator ORDER BY ALL"

    def work_prints_and_rows():
        with duckdb.connect(str(work), read_only=True) as con:
            return source_prints(con, "fact_indikator"), con.execute(every).fetchall()

    _two_sources(work, [1.0, 2.0])
    publish_snapshot(work, analyst, ["fact_indikator"])
    _two_sources(work, [3.0, 4.0, 5.0])
    given, expected = work_prints_and_rows()
    hashed = _work_side_hashes(monkeypatch)
    publish_snapshot(work, analyst, ["fact_indikator"], work_prints={"fact_indikator": given})
    assert hashed == []
    with open_analyst(analyst) as con:
        assert con.execute(every).fetchall() == expected

    _two_sources(work, [6.0, 7.0, 8.0, 9.0])  # written after `given` was hashed
    _, expected = work_prints_and_rows()
    publish_snapshot(work, analyst, ["fact_indikator"], work_prints={"fact_indikator": given})
    assert len(hashed) == 1
    with open_analyst(analyst) as con:
        assert con.execute(every).fetchall() == expected


def test_a_changed_table_copied_in_key_order_records_the_work_tables_print(tmp_path, monkeypatch):
    """The print compared on the way is the copy's (same rows, same definition): recorded
    without hashing the copy, and equal to what hashing it gives."""
    work, analyst = tmp_path / "work.duckdb", tmp_path / "kotapintar.duckdb"
    key = {"fact_indikator": ["indikator", "kode_wilayah", "periode"]}
    _two_sources(work, [1.0, 2.0])
    publish_snapshot(work, analyst, ["fact_indikator"], keep_order=key)
    _two_sources(work, [3.0, 4.0, 5.0])
    hashed = _built_side_hashes(monkeypatch)
    info = publish_snapshot(work, analyst, ["fact_indikator"], keep_order=key)
    assert info.unchanged == () and hashed == []  # the previous file's print came from the record
    record = json.loads(work.with_name(work.name + ".published.json").read_text())
    with open_analyst(analyst) as con:
        assert record["fingerprints"]["fact_indikator"] == list(
            snapshot.table_fingerprint(con, "fact_indikator")
        )
