"""The work database: schema, idempotent per-source loads, deterministic fact and dimension."""

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sources import tidy as source_tidy
from warehouse import build
from warehouse import tidy as tidy_module
from warehouse.build import (
    dimensions_of,
    fact_in_key_order,
    patch_dimension_table,
    update_fact,
)
from warehouse.db import connect, work_db
from warehouse.load import (
    TIDY_COLUMNS,
    build_dimension_table,
    build_fact,
    frame_sha256,
    load_dim_indikator,
    load_dim_wilayah,
    load_meta_sumber,
    loaded_berkas_sha256,
    record_muat,
    replace_tidy,
    tidy_sha256,
)
from warehouse.tidy import LOKASI_FROM_PARTS, LOKASI_PARTS

WILAYAH_CSV = Path(__file__).resolve().parent.parent / "sources" / "wilayah_kota_malang.csv"
SHA_A = hashlib.sha256(b"landing a").hexdigest()
SHA_B = hashlib.sha256(b"landing b").hexdigest()


def tidy(sumber_id: str, rows: list[tuple]) -> pd.DataFrame:
    """Tidy rows from (indikator, kode_wilayah, periode, nilai) tuples, as a parser returns them."""
    return source_tidy.tidy_frame(
        [
            {
                "sumber_id": sumber_id,
                "indikator": ind,
                "kode_wilayah": kode,
                "periode": periode,
                "nilai": nilai,
                "status": "final",
                "catatan": None,
                "lokasi": f"Tabel!C{i + 2}",
            }
            for i, (ind, kode, periode, nilai) in enumerate(rows)
        ]
    )


def indikator_row(kode: str, nama: str, dimensi: str, sumber_id: str) -> dict:
    return {
        "kode": kode,
        "nama_id": nama,
        "nama_en": nama + " (en)",
        "dimensi": dimensi,
        "pilar": "living",
        "satuan": "persen",
        "arah": "higher_is_better",
        "definisi": "definisi",
        "produsen_kode": "dinkes",
        "produsen": "Dinas Kesehatan",
        "jadwal": "tahunan",
        "sumber_id": sumber_id,
        "sampel": True,
    }


def wilayah_frame() -> pd.DataFrame:
    raw = pd.read_csv(WILAYAH_CSV, dtype=str, keep_default_na=False)
    return raw.rename(columns={"kode_kemendagri": "kode_wilayah"})


@pytest.fixture
def con(tmp_path):
    with work_db(tmp_path / "work.duckdb") as connection:
        yield connection


@pytest.fixture
def loaded(con):
    """Regions, two indicators of different dimensions and two sources loaded."""
    load_dim_wilayah(con, wilayah_frame())
    load_dim_indikator(
        con,
        pd.DataFrame(
            [
                indikator_row("AKSES_AIR", "Akses air minum layak", "smart_living", "a"),
                indikator_row("PANJANG_JALAN", "Panjang jalan", "smart_mobility", "b"),
            ]
        ),
    )
    replace_tidy(
        con,
        "a",
        tidy(
            "a", [("AKSES_AIR", "35.73.01.1001", "2023", 91.5), ("AKSES_AIR", "35.73", "2023", 90)]
        ),
        SHA_A,
    )
    replace_tidy(con, "b", tidy("b", [("PANJANG_JALAN", "35.73.02", "2022", None)]), SHA_B)
    return con


def rows_of(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table}").fetchall()


def test_tidy_contract_matches_sources():
    assert TIDY_COLUMNS == source_tidy.TIDY_COLUMNS


def test_karantina_columns_match_the_quality_findings():
    # Written twice on purpose (warehouse imports nothing of ours); this keeps them one list.
    from quality.findings import FINDING_COLUMNS
    from warehouse.karantina import KARANTINA_COLUMNS

    assert KARANTINA_COLUMNS == FINDING_COLUMNS


def test_schema_applies_twice(tmp_path):
    connect(tmp_path / "w.duckdb").close()
    connect(tmp_path / "w.duckdb").close()


def test_replace_tidy_twice_gives_the_same_rows(con):
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0), ("AKSES_AIR", "35.73.01", "2023", 2.0)])
    assert replace_tidy(con, "a", df, SHA_A) == 2
    first = rows_of(con, "tidy.a")
    assert replace_tidy(con, "a", df, SHA_A) == 2
    assert rows_of(con, "tidy.a") == first
    assert len(first) == 2
    assert {row[-1] for row in first} == {SHA_A}


def test_tidy_rows_are_stored_in_key_order_whatever_order_they_come_in(con):
    """Text and categorical keys alike, with the byte order DuckDB sorts by (a capital before
    a small letter, a digit before both, "é" after "z"); the rows are the frame's rows."""
    rows = [("ÉKONOMI", "35.73", "2023", 1.0), ("air", "35.73.01", "2024", 2.0),
            ("AIR", "35.73.01", "2023-12", 3.0), ("AIR", "35.73", "2023", 4.0),
            ("Air", "35.73.02", "2023", 5.0), ("AIR", "35.73.01", "2023-02", 6.0),
            ("zz", "35.73", "2023", 7.0), ("9", "35.73", "2023", 8.0)]  # fmt: skip
    frame = tidy("a", rows)
    categorical = frame.assign(**{c: frame[c].astype("category") for c in ("indikator", "periode")})
    key = "indikator, kode_wilayah, periode"
    for loaded in (frame, categorical, frame.iloc[::-1]):
        replace_tidy(con, "a", loaded, SHA_A)
        stored = con.execute(f"SELECT {key}, nilai FROM tidy.a").fetchall()
        assert stored == con.execute(f"SELECT {key}, nilai FROM tidy.a ORDER BY {key}").fetchall()
        assert sorted(stored) == sorted(rows)  # Python orders strings as DuckDB does


@pytest.mark.parametrize(
    ("rows", "sizes", "distinct", "counted"),
    [(5000, (1, 57, 200), True, True), (2000, (3, 40, 200), True, False),  # too sparse
     (5000, (1, 57, 200), False, False), (1, (1, 1, 1), True, True)],
)  # fmt: skip
def test_counting_the_keys_orders_rows_as_lexsort_does(rows, sizes, distinct, counted):
    """Distinct keys are ordered by counting; repeated ones and ones too sparse to count
    (more than 8 possible keys a row) fall back to lexsort, which orders them alike."""
    rng = np.random.default_rng(rows)
    picked = rng.choice(math.prod(sizes), rows, replace=not distinct)
    codes = list(np.unravel_index(picked, sizes))
    order = tidy_module._distinct_key_order(codes)
    if counted:
        assert (order == np.lexsort(codes[::-1])).all()
    else:
        assert order is None


def test_a_fact_table_from_one_source_stored_out_of_order_is_still_in_key_order(con):
    """A tidy table in key order is copied as stored; one that is not (loaded by an older
    version) is sorted as before."""
    rows = [("AKSES_AIR", f"35.73.0{i % 5 + 1}", str(2030 - i), float(i)) for i in range(30)]
    replace_tidy(con, "a", tidy("a", rows), SHA_A)
    build.build_fact(con, ["a"])
    assert fact_in_key_order(con)
    expected = rows_of(con, "fact_indikator")
    con.execute("CREATE TABLE tidy.b AS SELECT * FROM tidy.a ORDER BY periode")  # out of order
    con.execute("DROP TABLE tidy.a")
    con.execute("ALTER TABLE tidy.b RENAME TO a")
    build.build_fact(con, ["a"])
    assert fact_in_key_order(con) and rows_of(con, "fact_indikator") == expected


@pytest.mark.parametrize("batch_rows", [build.BATCH_ROWS, 100_000])
def test_a_big_source_gives_a_fact_table_in_key_order_in_whole_row_groups(
    con, monkeypatch, batch_rows
):
    """Rows in file order (period first) over two row groups, of two indicators: copied as
    stored when the source is one batch, sorted when its indicators fall in two batches (the
    batch's filter would not keep the order)."""
    monkeypatch.setattr(build, "BATCH_ROWS", batch_rows)
    regions = [f"35.73.0{r}" for r in range(1, 6)]
    months = [f"{year}-{month:02d}" for year in range(1000, 3000) for month in range(1, 13)]
    rows = [(ind, region, month, 1.0) for month in months[:24_000] for region in regions
            for ind in ("B_IND", "A_IND")]  # fmt: skip
    replace_tidy(con, "a", tidy("a", rows), SHA_A)
    assert build.build_fact(con, ["a"]) == len(rows) == 240_000
    assert fact_in_key_order(con)
    groups = con.execute(
        "SELECT row_group_id, max(count) FROM pragma_storage_info('fact_indikator') "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    if batch_rows > len(rows):  # one insert: whole row groups, the last one shorter
        assert [n for _, n in groups] == [122_880, 117_120]


def test_failed_replace_keeps_previous_rows(con):
    good = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0)])
    replace_tidy(con, "a", good, SHA_A)
    before = rows_of(con, "tidy.a")

    with pytest.raises(ValueError, match=r"Source `a`: tidy rows: missing column\(s\) `status`"):
        replace_tidy(con, "a", good.drop(columns=["status"]), SHA_B)
    # A failure inside the transaction (a value that is not a number) rolls back.
    bad = good.astype({"nilai": object})
    bad["nilai"] = ["sembilan puluh"]
    with pytest.raises(RuntimeError, match=r"rolled back; the rows loaded before are kept"):
        replace_tidy(con, "a", bad, SHA_B)

    assert rows_of(con, "tidy.a") == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda df: df.assign(kode_wilayah=35.73),
            r"column `kode_wilayah` has dtype float64, but codes must be text",
        ),
        (
            lambda df: pd.concat([df, df]),
            r"duplicate \(indikator, kode_wilayah, periode, lokasi\) in tidy rows: "
            r"\(AKSES_AIR, 35.73, 2023, Tabel!C2 & Tabel!C2\)",
        ),
        (lambda df: df.assign(sumber_id="zz"), r"tidy rows carry other sumber_id values \(zz\)"),
        (lambda df: df.assign(periode=None), r"column `periode` is empty in tidy rows"),
    ],
)
def test_replace_tidy_refuses_bad_rows_with_a_clear_message(con, change, message):
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0)])
    with pytest.raises(ValueError, match=message):
        replace_tidy(con, "a", change(df), SHA_A)


def test_keys_validated_skips_only_the_duplicate_screen(con):
    """The pipeline passes keys_validated after the gate's key_unique rule; empty keys and
    another source's rows are still refused, and the rows land as they are."""
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0), ("AKSES_AIR", "35.73.01", "2023", 2.0)])
    with pytest.raises(ValueError, match=r"column `periode` is empty"):
        replace_tidy(con, "a", df.assign(periode=None), SHA_A, keys_validated=True)
    with pytest.raises(ValueError, match=r"other sumber_id values \(zz\)"):
        replace_tidy(con, "a", df.assign(sumber_id="zz"), SHA_A, keys_validated=True)
    assert replace_tidy(con, "a", df, SHA_A, keys_validated=True) == 2
    loaded = con.execute("SELECT * FROM tidy.a ORDER BY kode_wilayah").fetchall()
    plain = df.astype(object).where(df.notna(), None)
    expected = [(*row, SHA_A) for row in plain.itertuples(index=False, name=None)]
    assert loaded == expected


def test_replace_tidy_refuses_a_bad_source_id_or_hash(con):
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0)])
    with pytest.raises(ValueError, match=r"Source id 'a; DROP TABLE x' is not valid"):
        replace_tidy(con, "a; DROP TABLE x", df, SHA_A)
    with pytest.raises(ValueError, match=r"berkas sha256 'abc' is not a 64-character"):
        replace_tidy(con, "a", df, "abc")


def test_tidy_hash_detects_changes(con):
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0), ("AKSES_AIR", "35.73.01", "2023", None)])
    assert tidy_sha256(con, "a") is None
    assert loaded_berkas_sha256(con, "a") is None
    replace_tidy(con, "a", df, SHA_A)
    assert tidy_sha256(con, "a") == frame_sha256(df) == frame_sha256(df.iloc[::-1])
    assert loaded_berkas_sha256(con, "a") == SHA_A
    assert frame_sha256(df.assign(nilai=[1.0, 0.0])) != frame_sha256(df)
    assert frame_sha256(df.assign(catatan=["", None])) != frame_sha256(df)


def test_build_fact_is_deterministic(loaded):
    assert build_fact(loaded, ["a", "b"]) == 3
    first = loaded.sql("SELECT * FROM fact_indikator").to_arrow_table()
    assert build_fact(loaded, ["b", "a", "a"]) == 3
    second = loaded.sql("SELECT * FROM fact_indikator").to_arrow_table()
    assert first.equals(second)
    assert first.column("kode_wilayah").to_pylist() == ["35.73", "35.73.01.1001", "35.73.02"]
    assert first.column("nilai").to_pylist() == [90.0, 91.5, None]


def test_build_fact_uses_only_the_listed_sources(loaded):
    assert build_fact(loaded, ["b"]) == 1
    assert loaded.sql("SELECT DISTINCT sumber_id FROM fact_indikator").fetchall() == [("b",)]


def test_build_fact_refuses_a_key_from_two_sources(loaded):
    build_fact(loaded, ["a", "b"])
    before = rows_of(loaded, "fact_indikator")
    replace_tidy(loaded, "c", tidy("c", [("AKSES_AIR", "35.73", "2023", 88.0)]), SHA_B)
    with pytest.raises(ValueError) as caught:
        build_fact(loaded, ["a", "b", "c"])
    assert str(caught.value).startswith(
        "fact_indikator: 1 key(s) (indikator, kode_wilayah, periode, sources) come from more "
        "than one source (`a`, `c`): (AKSES_AIR, 35.73, 2023, a & c)."
    )
    assert rows_of(loaded, "fact_indikator") == before


def test_build_fact_names_sources_never_loaded(loaded):
    with pytest.raises(ValueError, match=r"no tidy table for source\(s\) `zz`"):
        build_fact(loaded, ["a", "zz"])


def _sorted_fact(con) -> list[tuple]:
    return con.execute(
        "SELECT * FROM fact_indikator ORDER BY indikator, kode_wilayah, periode"
    ).fetchall()


def test_update_fact_replaces_one_sources_rows_as_a_full_rebuild_would(loaded):
    build_fact(loaded, ["a", "b"])
    replace_tidy(loaded, "a", tidy("a", [("AKSES_AIR", "35.73", "2024", 92.0)]), SHA_B)
    assert update_fact(loaded, ["a", "b"], ["a"]) == (2, ["AKSES_AIR"])
    incremental = _sorted_fact(loaded)
    build_fact(loaded, ["a", "b"])
    assert incremental == _sorted_fact(loaded)
    assert dimensions_of(loaded, ["AKSES_AIR"]) == {"smart_living"}


def test_update_fact_drops_a_source_no_longer_loaded_and_keeps_the_others(loaded):
    build_fact(loaded, ["a", "b"])
    assert update_fact(loaded, ["b"], ["a"]) == (1, ["AKSES_AIR"])
    assert loaded.sql("SELECT DISTINCT sumber_id FROM fact_indikator").fetchall() == [("b",)]


def test_update_fact_names_the_indicators_a_failed_run_left_in_the_dimension_tables(loaded):
    """Source `a` moves from AKSES_AIR (smart_living) to PANJANG_JALAN (smart_mobility). A run
    replaces its facts, then fails before the dimension tables are rebuilt; the next run's
    update_fact still names AKSES_AIR, whose smart_living rows are `a`'s old ones."""
    build_fact(loaded, ["a", "b"])
    for dimension in ("smart_living", "smart_mobility"):
        build_dimension_table(loaded, dimension)
    replace_tidy(loaded, "a", tidy("a", [("PANJANG_JALAN", "35.73", "2024", 7.0)]), SHA_B)
    assert update_fact(loaded, ["a", "b"], ["a"]) == (2, ["AKSES_AIR", "PANJANG_JALAN"])
    # ... the run fails here: smart_living still holds a's AKSES_AIR rows.
    assert update_fact(loaded, ["a", "b"], ["a"]) == (2, ["AKSES_AIR", "PANJANG_JALAN"])
    assert dimensions_of(loaded, ["AKSES_AIR", "PANJANG_JALAN"]) == {
        "smart_living",
        "smart_mobility",
    }


def test_update_fact_refuses_a_key_another_source_holds_and_changes_nothing(loaded):
    build_fact(loaded, ["a", "b"])
    before = _sorted_fact(loaded)
    replace_tidy(loaded, "c", tidy("c", [("AKSES_AIR", "35.73", "2023", 88.0)]), SHA_B)
    with pytest.raises(ValueError, match=r"come from more than one source \(`a`, `c`\)"):
        update_fact(loaded, ["a", "b", "c"], ["c"])
    assert _sorted_fact(loaded) == before


def _sorted(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_a_patched_dimension_table_holds_the_rows_of_a_rebuild(loaded):
    """Only the changed source's rows are replaced (one gone, one new, one changed value); the
    table then holds what a rebuild gives."""
    build_fact(loaded, ["a", "b"])
    build_dimension_table(loaded, "smart_living")
    rows = [("AKSES_AIR", "35.73", "2023", 90.5), ("AKSES_AIR", "35.73", "2024", 92.0)]
    replace_tidy(loaded, "a", tidy("a", rows), SHA_B)
    update_fact(loaded, ["a", "b"], ["a"])
    assert patch_dimension_table(loaded, "smart_living", ["a"]) == 2
    patched = _sorted(loaded, "smart_living")
    build_dimension_table(loaded, "smart_living")
    assert patched == _sorted(loaded, "smart_living")


def test_a_patch_that_does_not_add_up_rebuilds_the_table(loaded):
    """A row of another source missing from the table (a run that died half way): the patch
    counts rows against the facts, finds one short and the table is rebuilt whole."""
    build_fact(loaded, ["a", "b"])
    build_dimension_table(loaded, "smart_living")
    expected = _sorted(loaded, "smart_living")
    loaded.execute("DELETE FROM smart_living WHERE kode_wilayah = '35.73'")
    assert patch_dimension_table(loaded, "smart_living", ["b"]) is None
    assert len(rows_of(loaded, "smart_living")) == 1  # the failed patch changed nothing
    assert build_dimension_table(loaded, "smart_living", sources=["b"]) == 2
    assert _sorted(loaded, "smart_living") == expected


def test_dimension_table_joins_names(loaded):
    build_fact(loaded, ["a", "b"])
    assert build_dimension_table(loaded, "smart_living") == 2
    assert build_dimension_table(loaded, "smart_mobility") == 1
    assert build_dimension_table(loaded, "smart_economy") == 0
    living = loaded.sql(
        "SELECT indikator, nama_indikator, satuan, kode_wilayah, nama_wilayah, tingkat, "
        "kode_kecamatan, periode, nilai FROM smart_living"
    ).fetchall()
    assert living == [
        ("AKSES_AIR", "Akses air minum layak", "persen", "35.73", "Kota Malang", "kota", None,
         "2023", 90.0),
        ("AKSES_AIR", "Akses air minum layak", "persen", "35.73.01.1001", "Balearjosari",
         "kelurahan", "35.73.01", "2023", 91.5),
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"Unknown dimension 'smart_city'; expected one of"):
        build_dimension_table(loaded, "smart_city")


def test_dimension_table_in_key_order_from_a_sorted_or_a_shuffled_fact_table(loaded, monkeypatch):
    """Copied as scanned, with names looked up, from a fact table in key order; sorted on
    insert from one that is not (update_fact's): the same rows, both in key order. A region
    missing from dim_wilayah keeps its row with empty names; an unknown indicator is left out."""
    build_fact(loaded, ["a", "b"])
    columns = "indikator, kode_wilayah, periode, nilai, status, sumber_id, berkas_sha256, lokasi"
    extra = (
        "SELECT CASE WHEN i % 50 = 0 THEN 'NOT_IN_CATALOG' ELSE 'AKSES_AIR' END, "
        "CASE WHEN i % 7 = 0 THEN '35.73.99' ELSE '35.73.0' || (1 + i % 5) END, "
        "(1000 + i)::VARCHAR, i / 3, 'final', 'a', repeat('0', 64), 'baris ' || i "
        "FROM range(5000) AS r(i)"
    )
    loaded.execute(f"INSERT INTO fact_indikator ({columns}) {extra} ORDER BY random()")
    assert not fact_in_key_order(loaded)
    sorted_on_insert = build_dimension_table(loaded, "smart_living")
    shown = loaded.sql("SELECT * FROM smart_living").fetchall()
    loaded.execute("CREATE TEMP TABLE facts AS SELECT * FROM fact_indikator")
    loaded.execute("DELETE FROM fact_indikator")
    loaded.execute(
        "INSERT INTO fact_indikator SELECT * FROM facts ORDER BY indikator, kode_wilayah, periode"
    )
    assert fact_in_key_order(loaded)
    assert build_dimension_table(loaded, "smart_living") == sorted_on_insert == 4902
    assert loaded.sql("SELECT * FROM smart_living").fetchall() == shown
    assert shown == sorted(shown, key=lambda row: (row[0], row[6], row[10]))
    missing = [row for row in shown if row[6] == "35.73.99"]
    assert missing and {row[7] for row in missing} == {None}  # nama_wilayah
    # A dimension of more indicators than a map lookup pays for is joined and sorted.
    monkeypatch.setattr(build, "MAP_INDICATORS", 0)
    assert build_dimension_table(loaded, "smart_living") == 4902
    assert loaded.sql("SELECT * FROM smart_living").fetchall() == shown


def test_dim_wilayah_keeps_codes_as_text_with_the_reference_bps_codes(con):
    assert load_dim_wilayah(con, wilayah_frame()) == 63
    rows = dict(
        con.execute(
            "SELECT kode_wilayah, (tingkat, kode_bps, kode_kecamatan) FROM dim_wilayah"
        ).fetchall()
    )
    assert rows["35.73"] == ("kota", "3573", None)
    assert rows["35.73.01"] == ("kecamatan", "3573040", "35.73.01")
    # BPS's 10-digit kelurahan code (MFD), from ../shared/reference since 2026-12-02.
    assert rows["35.73.01.1001"] == ("kelurahan", "3573040011", "35.73.01")
    with pytest.raises(ValueError, match=r"column `kode_bps` has dtype float64"):
        load_dim_wilayah(con, wilayah_frame().assign(kode_bps=3573.0))
    with pytest.raises(ValueError, match=r"`tingkat` must be one of kota, kecamatan, kelurahan"):
        load_dim_wilayah(con, wilayah_frame().replace({"tingkat": {"kota": "provinsi"}}))
    assert con.sql("SELECT count(*) FROM dim_wilayah").fetchall() == [(63,)]


def test_codes_are_varchar_everywhere(loaded):
    build_fact(loaded, ["a", "b"])
    for dimension in ("smart_living", "smart_mobility"):
        build_dimension_table(loaded, dimension)
    types = loaded.execute(
        "SELECT table_schema || '.' || table_name || '.' || column_name, data_type "
        "FROM information_schema.columns "
        "WHERE column_name LIKE 'kode%' OR column_name LIKE '%sumber_id' "
        "OR column_name IN ('indikator', 'periode', 'produsen_kode')"
    ).fetchall()
    assert len(types) > 20
    assert {t for _, t in types} == {"VARCHAR"}, types


def test_meta_tables_load_and_append(con):
    sumber = pd.DataFrame(
        [
            {
                "sumber_id": "a",
                "judul": "SAMPLE akses air",
                "produsen_kode": "dinkes",
                "produsen": "Dinas Kesehatan",
                "jenis": "csv",
                "lokasi": "sources/samples/a.csv",
                "dimensi": "smart_living",
                "jadwal": "tahunan",
                "sampel": True,
            }
        ]
    )
    assert load_meta_sumber(con, sumber) == 1
    assert load_meta_sumber(con, sumber) == 1
    assert con.sql("SELECT count(*), any_value(berkas_katalog) FROM meta_sumber").fetchall() == [
        (1, None)
    ]
    first = record_muat(con, sumber_id="a", outcome="loaded", rows=2, sha256=SHA_A, bytes=10)
    second = record_muat(con, sumber_id="a", outcome="unchanged")
    assert first != second
    assert con.sql("SELECT outcome FROM meta_muat ORDER BY loaded_at").fetchall() == [
        ("loaded",),
        ("unchanged",),
    ]
    with pytest.raises(ValueError, match=r"load outcome 'ok' is not one of loaded, unchanged"):
        record_muat(con, sumber_id="a", outcome="ok")


def test_a_csv_place_given_as_numbers_is_stored_as_numbers_and_reads_the_same(con):
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0), ("AKSES_AIR", "35.73.01", "2023", 2.0)])
    df["lokasi"] = ["baris 4, kolom 3", "baris 1017554, kolom 3"]
    df["lokasi_baris"], df["lokasi_kolom"] = [4, 1017554], [3, 3]
    replace_tidy(con, "a", df, SHA_A)
    generated = "SELECT column_name, is_generated FROM duckdb_columns() WHERE table_name = 'a'"
    columns = dict(con.execute(generated).fetchall())
    assert columns["lokasi"] and columns["sumber_id"] and columns["berkas_sha256"]
    assert not columns["lokasi_baris"] and not columns["lokasi_kolom"]
    read = con.execute("SELECT lokasi, sumber_id FROM tidy.a ORDER BY lokasi_baris").fetchall()
    assert read == [("baris 4, kolom 3", "a"), ("baris 1017554, kolom 3", "a")]
    assert tidy_sha256(con, "a") == frame_sha256(df)  # same rows as the text-only frame gives
    assert tidy_sha256(con, "a") == frame_sha256(df.drop(columns=list(LOKASI_PARTS)))


def test_rows_placed_by_numbers_are_refused_naming_their_places(con):
    """The place's text is not handed to DuckDB when the table generates it from the numbers;
    the messages still name the rows by it."""
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0), ("AKSES_AIR", "35.73", "2023", 2.0)])
    df["lokasi"] = ["baris 4, kolom 3", "baris 9, kolom 3"]
    df["lokasi_baris"], df["lokasi_kolom"] = [4, 9], [3, 3]
    with pytest.raises(ValueError, match=r"\(AKSES_AIR, 35.73, 2023, baris 4, kolom 3 & baris 9"):
        replace_tidy(con, "a", df, SHA_A)
    with pytest.raises(ValueError, match=r"`periode` is empty in tidy rows at lokasi \(baris 4"):
        replace_tidy(con, "a", df.assign(periode=None), SHA_A, keys_validated=True)
    assert not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'a'"
    ).fetchone()[0]


def test_numbers_that_disagree_with_lokasi_are_refused(con):
    df = tidy("a", [("AKSES_AIR", "35.73", "2023", 1.0)])
    df["lokasi"] = ["baris 4, kolom 3"]
    df["lokasi_baris"], df["lokasi_kolom"] = [5], [3]
    with pytest.raises(ValueError, match=r"lokasi 'baris 4, kolom 3' but lokasi_baris 5"):
        replace_tidy(con, "a", df, SHA_A)


def test_the_sql_place_spells_what_the_csv_parsers_write(con):
    assert LOKASI_PARTS == source_tidy.CSV_LOKASI_PARTS
    for baris, kolom in [(1, 1), (12, 3), (1017554, 27)]:
        sql = LOKASI_FROM_PARTS.replace("lokasi_baris", str(baris)).replace(
            "lokasi_kolom", str(kolom)
        )
        assert con.execute(f"SELECT {sql}").fetchall()[0][0] == source_tidy.csv_lokasi(baris, kolom)


def test_fact_problems_of_some_indicators_look_only_at_their_facts(loaded):
    from warehouse.integrity import fact_problems

    build_fact(loaded, ["a", "b"])
    loaded.execute(
        "INSERT INTO fact_indikator SELECT * REPLACE ('99.99' AS kode_wilayah) "
        "FROM fact_indikator WHERE indikator = 'AKSES_AIR' LIMIT 1"
    )
    assert "unknown_kode_wilayah" in fact_problems(loaded)
    assert "unknown_kode_wilayah" in fact_problems(loaded, ["AKSES_AIR"])
    assert fact_problems(loaded, ["PANJANG_JALAN"]) == {}


def test_source_states_answer_as_the_per_source_queries(loaded):
    from warehouse.kualitas import data_changed_at
    from warehouse.muat import last_good_load
    from warehouse.published import tidy_row_count
    from warehouse.source_state import source_states

    record_muat(loaded, sumber_id="a", outcome="loaded", sha256=SHA_A, katalog_sha256="k1")
    record_muat(loaded, sumber_id="b", outcome="failed", sha256=SHA_B)
    states = source_states(loaded, ["a", "b", "never"])
    for source in ["a", "b", "never"]:
        state = states[source]
        assert state.last_good_load == last_good_load(loaded, source)
        assert state.loaded_sha256 == loaded_berkas_sha256(loaded, source)
        assert state.rows == tidy_row_count(loaded, source)
        assert state.data_changed_at == data_changed_at(loaded, source)
    assert states["a"].last_good_load == (SHA_A, "k1") and states["b"].last_good_load is None


def test_source_states_take_the_latest_records_fields_from_one_record(loaded):
    from datetime import UTC, datetime

    from warehouse.source_state import source_states

    at = datetime(2026, 1, 1, tzinfo=UTC)
    record_muat(loaded, sumber_id="a", outcome="loaded", sha256=SHA_A, katalog_sha256="k1",
                loaded_at=at)  # fmt: skip
    record_muat(loaded, sumber_id="a", outcome="failed", loaded_at=at)
    state = source_states(loaded, ["a"])["a"]
    assert (state.latest_outcome, state.latest_sha256, state.latest_katalog_sha256) in [
        ("loaded", SHA_A, "k1"),
        ("failed", None, None),
    ]
