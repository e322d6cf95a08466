"""Change detection: an unchanged source is not parsed, validated or reloaded; a night with
nothing new does not rebuild or re-publish the warehouse; old work databases migrate."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from assets import source_run
from tests.test_pipeline import make_settings, run
from warehouse.db import connect

SOURCE = "dinkes_faskes"


def muat(db) -> list[tuple]:
    with db() as con:
        return con.execute(
            "SELECT outcome, rows, tahap, katalog_sha256 IS NOT NULL FROM meta_muat "
            "ORDER BY loaded_at"
        ).fetchall()


def test_unchanged_source_is_not_parsed_and_is_recorded(local, monkeypatch):
    refresh, _, _, db = local
    assert refresh("r1").outcome == "loaded"

    def no_parsing(*_args, **_kw):
        raise AssertionError("an unchanged source must not be parsed")

    monkeypatch.setattr(source_run, "parse_landing", no_parsing)
    second = refresh("r2")
    assert (second.outcome, second.rows, second.ok) == ("unchanged", 20, True)
    assert muat(db) == [("loaded", 20, "done", True), ("unchanged", 20, "done", True)]


def test_a_catalog_edit_re_reads_the_same_file(local):
    refresh, entry_file, _, _ = local
    refresh("r1")
    data = yaml.safe_load(entry_file.read_text("utf-8"))
    entry_file.write_text(yaml.safe_dump({**data, "parse": {**data["parse"], "dash": "null"}}))
    again = refresh("r2")
    assert again.outcome == "loaded"
    assert again.preview is not None  # it was parsed


def test_after_a_failure_the_good_file_is_processed_again(local):
    refresh, _, data_file, _ = local
    good = data_file.read_bytes()
    refresh("r1")
    data_file.write_bytes(good[: len(good) // 2])  # a broken upload
    assert refresh("r2").outcome == "rejected"
    # The agency fixes it. The rows loaded are these already, but the run says `loaded` (and
    # the failure's findings close), not `unchanged`; the night after, it is unchanged.
    data_file.write_bytes(good)
    assert refresh("r3").outcome == "loaded"
    assert refresh("r4").outcome == "unchanged"


def test_old_work_database_gains_the_new_meta_muat_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE meta_muat (muat_id VARCHAR PRIMARY KEY, sumber_id VARCHAR NOT NULL, "
            "lokasi VARCHAR, sha256 VARCHAR, bytes BIGINT, fetched_at TIMESTAMPTZ, loaded_at "
            "TIMESTAMPTZ NOT NULL, seconds DOUBLE, rows BIGINT, outcome VARCHAR NOT NULL, "
            "message VARCHAR)"
        )
        con.execute("INSERT INTO meta_muat VALUES ('m1', 's', NULL, 'abc', 1, NULL, now(), "
                    "1.0, 5, 'loaded', NULL)")  # fmt: skip
    con = connect(path)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE meta_muat").fetchall()]
        kept = con.execute("SELECT muat_id, katalog_sha256 FROM meta_muat").fetchall()
    finally:
        con.close()
    assert columns[-7:] == [
        "url",
        "http_status",
        "etag",
        "last_modified",
        "katalog_sha256",
        "tahap",
        "baris_luar_wilayah",
    ]
    assert kept == [("m1", None)]


def test_a_night_with_nothing_new_writes_nothing_new(tmp_path):
    settings = make_settings(tmp_path, [SOURCE, "diskopindag_umkm"])
    assert run(settings).success
    analyst = Path(settings.warehouse)
    before = (analyst.stat().st_ino, analyst.stat().st_mtime_ns)
    fact = _fact(settings)

    second = run(settings)
    assert {s.outcome for s in second.sources} == {"unchanged"}
    assert second.success and second.snapshot is None and second.unchanged_since
    assert "Nothing new since the analyst snapshot of" in second.render()
    assert (analyst.stat().st_ino, analyst.stat().st_mtime_ns) == before
    assert _fact(settings) == fact

    # A catalog edit is news: that source is re-read and the snapshot re-published.
    entry_file = settings.catalog_dir / f"{SOURCE}.yaml"
    data = yaml.safe_load(entry_file.read_text("utf-8"))
    entry_file.write_text(yaml.safe_dump({**data, "title": data["title"] + " (revisi)"}))
    third = run(settings)
    assert {s.source_id: s.outcome for s in third.sources} == {
        SOURCE: "loaded",
        "diskopindag_umkm": "unchanged",
    }
    assert third.snapshot and analyst.stat().st_ino != before[0]
    with duckdb.connect(str(analyst), read_only=True) as con:
        title = con.execute("SELECT judul FROM meta_sumber WHERE sumber_id = ?", [SOURCE])
        assert title.fetchone()[0].endswith("(revisi)")


def _fact(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM fact_indikator ORDER BY ALL").fetchall()
