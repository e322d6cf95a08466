"""What makes the analyst file self-describing: the period macros, the views for the common
questions, the `kamus_data` table and a DuckDB comment on every table, view and column (from
warehouse/kamus.py). Written by the snapshot (warehouse/snapshot.py) into the new file after its
tables are copied. It reads no rows: ~0.25 s per publish whatever the data's size (measured
on the bundled catalog, 2 busy cores: views ~0.07 s, ~340 comments and kamus_data ~0.17 s),
and nothing on a night with nothing new, when the snapshot is skipped.

Views (all read the published tables at query time, so they work with the file opened
read-only, under any name):

- `nilai_indikator`: the producers' figures (fact_indikator) with names, unit, region, the
  period as dates (`periode_mulai`, `periode_selesai`, `jenis_periode`, `tahun`) and where each
  came from (`berkas`, `berkas_sha256`, `lokasi`).
- `nilai_agregasi`: roll-ups for indicators whose catalog declares `aggregation` sum or mean:
  kecamatan from kelurahan, kota from kecamatan (or from kelurahan when the indicator has no
  kecamatan value in that period). `mean` is weighted by the `weighted_by` indicator's value of
  the same region and period. A roll-up row is there for every parent with at least one row
  below; it counts the regions that have a value (and, for mean, a weight) against those
  dim_wilayah expects, and its `nilai` is empty unless all are there (`lengkap`; `catatan`
  says what is missing): a partial sum is not a total. Its status is the weakest among the
  rows below and their weights (perkiraan, then sementara, then final).
  `sumber_nilai = 'agregasi'`: never the producer's own figure.
- `nilai_gabungan`: both together. `nilai_terakhir`: per indicator and region, the non-empty
  value of the period that ends last; on a tie the longer period, then the producer's figure.

The period is parsed in one place, the macros `jenis_periode`, `periode_mulai` and
`periode_selesai`, which analysts can call too (`periode_mulai('2023-S2')`).
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb
import pandas as pd

from warehouse.kamus import BY_NAME, PUBLISHED, column_entry
from warehouse.sqlutil import literal, quote, registered

MACROS = r"""
CREATE MACRO jenis_periode(p) AS CASE
    WHEN regexp_full_match(p, '[0-9]{4}') THEN 'tahun'
    WHEN regexp_full_match(p, '[0-9]{4}-S[12]') THEN 'semester'
    WHEN regexp_full_match(p, '[0-9]{4}-Q[1-4]') THEN 'triwulan'
    WHEN regexp_full_match(p, '[0-9]{4}-(0[1-9]|1[0-2])') THEN 'bulan'
END;
CREATE MACRO periode_mulai(p) AS make_date(
    TRY_CAST(left(p, 4) AS INTEGER),
    CASE jenis_periode(p)
        WHEN 'tahun' THEN 1
        WHEN 'semester' THEN 6 * TRY_CAST(right(p, 1) AS INTEGER) - 5
        WHEN 'triwulan' THEN 3 * TRY_CAST(right(p, 1) AS INTEGER) - 2
        WHEN 'bulan' THEN TRY_CAST(right(p, 2) AS INTEGER)
    END,
    1
);
CREATE MACRO periode_selesai(p) AS CAST(
    periode_mulai(p) + to_months(CASE jenis_periode(p)
        WHEN 'tahun' THEN 12 WHEN 'semester' THEN 6 WHEN 'triwulan' THEN 3 WHEN 'bulan' THEN 1
    END) - INTERVAL 1 DAY AS DATE
);
"""

# The file a value was read from, by its sha256: the latest load of that file.
_BERKAS = """
LEFT JOIN (
    SELECT sumber_id, sha256, arg_max(coalesce(url, lokasi), loaded_at) AS berkas
    FROM meta_muat WHERE sha256 IS NOT NULL GROUP BY ALL
) AS m ON m.sumber_id = f.sumber_id AND m.sha256 = f.berkas_sha256
"""

NILAI_INDIKATOR = """
CREATE VIEW nilai_indikator AS
SELECT f.indikator, i.nama_id AS nama_indikator, i.nama_en AS nama_indikator_en, i.dimensi,
       i.satuan, f.kode_wilayah, w.nama AS nama_wilayah, w.tingkat, w.kode_kecamatan,
       f.periode, jenis_periode(f.periode) AS jenis_periode,
       periode_mulai(f.periode) AS periode_mulai, periode_selesai(f.periode) AS periode_selesai,
       year(periode_mulai(f.periode)) AS tahun,
       f.nilai, f.status, f.catatan, i.produsen, f.sumber_id, 'produsen' AS sumber_nilai,
       {berkas} AS berkas, f.berkas_sha256, f.lokasi
FROM fact_indikator AS f
LEFT JOIN dim_indikator AS i ON i.kode = f.indikator
LEFT JOIN dim_wilayah AS w ON w.kode_wilayah = f.kode_wilayah
{berkas_join}
"""

NILAI_AGREGASI = """
CREATE VIEW nilai_agregasi AS
WITH kota AS (SELECT kode_wilayah FROM dim_wilayah WHERE tingkat = 'kota'),
-- Producers' kecamatan and kelurahan values of the indicators that roll up, with the weight.
bagian AS (
    SELECT f.indikator, f.periode, f.kode_wilayah, w.tingkat, w.kode_kecamatan, f.nilai,
           f.status, f.sumber_id, i.agregasi, i.bobot_indikator,
           b.nilai AS bobot, b.status AS status_bobot
    FROM fact_indikator AS f
    JOIN dim_indikator AS i ON i.kode = f.indikator AND i.agregasi IN ('sum', 'mean')
    JOIN dim_wilayah AS w ON w.kode_wilayah = f.kode_wilayah
        AND w.tingkat IN ('kecamatan', 'kelurahan')
    LEFT JOIN fact_indikator AS b ON i.agregasi = 'mean' AND b.indikator = i.bobot_indikator
        AND b.kode_wilayah = f.kode_wilayah AND b.periode = f.periode
),
ke_induk AS (
    SELECT *, kode_kecamatan AS kode_induk, 'kecamatan' AS tingkat_induk
    FROM bagian WHERE tingkat = 'kelurahan'
    UNION ALL
    SELECT b.*, k.kode_wilayah AS kode_induk, 'kota' AS tingkat_induk
    FROM bagian AS b, kota AS k
    WHERE b.tingkat = 'kecamatan' OR NOT EXISTS (
        SELECT 1 FROM bagian AS c
        WHERE c.tingkat = 'kecamatan' AND c.indikator = b.indikator AND c.periode = b.periode
    )
),
diharapkan AS (
    SELECT kode_kecamatan AS kode_induk, 'kelurahan' AS tingkat, count(*) AS n
    FROM dim_wilayah WHERE tingkat = 'kelurahan' GROUP BY ALL
    UNION ALL
    SELECT k.kode_wilayah, w.tingkat, count(*)
    FROM dim_wilayah AS w, kota AS k WHERE w.tingkat IN ('kecamatan', 'kelurahan') GROUP BY ALL
),
hitung AS (
    SELECT indikator, periode, kode_induk, tingkat_induk, tingkat AS dasar_agregasi,
           any_value(agregasi) AS agregasi, any_value(bobot_indikator) AS bobot_indikator,
           count(*) FILTER (WHERE dipakai) AS jumlah_wilayah,
           sum(nilai) FILTER (WHERE dipakai) AS jumlah,
           sum(nilai * bobot) FILTER (WHERE dipakai) AS jumlah_berbobot,
           sum(bobot) FILTER (WHERE dipakai) AS jumlah_bobot,
           max(greatest(list_position(['final', 'sementara', 'perkiraan'], status),
                        coalesce(list_position(['final', 'sementara', 'perkiraan'],
                                               status_bobot), 1))) AS peringkat_status,
           string_agg(DISTINCT sumber_id, ', ' ORDER BY sumber_id) AS sumber_id
    FROM (
        SELECT *, nilai IS NOT NULL AND (agregasi = 'sum' OR bobot IS NOT NULL) AS dipakai
        FROM ke_induk
    )
    GROUP BY ALL
)
SELECT h.indikator, i.nama_id AS nama_indikator, i.nama_en AS nama_indikator_en, i.dimensi,
       i.satuan, h.kode_induk AS kode_wilayah, w.nama AS nama_wilayah,
       h.tingkat_induk AS tingkat, w.kode_kecamatan,
       h.periode, jenis_periode(h.periode) AS jenis_periode,
       periode_mulai(h.periode) AS periode_mulai, periode_selesai(h.periode) AS periode_selesai,
       year(periode_mulai(h.periode)) AS tahun,
       CASE WHEN h.jumlah_wilayah = d.n THEN CASE h.agregasi
           WHEN 'sum' THEN h.jumlah
           WHEN 'mean' THEN h.jumlah_berbobot / nullif(h.jumlah_bobot, 0)
       END END AS nilai,
       ['final', 'sementara', 'perkiraan'][h.peringkat_status] AS status,
       CASE WHEN h.jumlah_wilayah = d.n
           THEN CASE h.agregasi WHEN 'sum' THEN 'jumlah' ELSE 'rata-rata tertimbang '
                || h.bobot_indikator END || ' dari ' || d.n || ' ' || h.dasar_agregasi
           ELSE 'tidak lengkap: ' || h.jumlah_wilayah || ' dari ' || d.n || ' '
                || h.dasar_agregasi || ' bernilai'
                || CASE h.agregasi WHEN 'mean' THEN ' dan berbobot ' || h.bobot_indikator
                   ELSE '' END
       END AS catatan,
       i.produsen, h.sumber_id, 'agregasi' AS sumber_nilai,
       h.agregasi, h.bobot_indikator, h.dasar_agregasi, h.jumlah_wilayah,
       d.n AS jumlah_wilayah_diharapkan, h.jumlah_wilayah = d.n AS lengkap
FROM hitung AS h
JOIN diharapkan AS d ON d.kode_induk = h.kode_induk AND d.tingkat = h.dasar_agregasi
LEFT JOIN dim_indikator AS i ON i.kode = h.indikator
LEFT JOIN dim_wilayah AS w ON w.kode_wilayah = h.kode_induk
"""

NILAI_GABUNGAN = """
CREATE VIEW nilai_gabungan AS
SELECT * FROM nilai_indikator
UNION ALL BY NAME
SELECT * FROM nilai_agregasi
"""

NILAI_TERAKHIR = """
CREATE VIEW nilai_terakhir AS
SELECT * FROM nilai_gabungan
WHERE nilai IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY indikator, kode_wilayah
    ORDER BY periode_selesai DESC, periode_mulai, sumber_nilai = 'agregasi', periode
) = 1
"""

# The columns the views read; `meta_muat` only names the file (`berkas`), NULL without it.
VIEW_COLUMNS = {
    "fact_indikator": ("indikator", "kode_wilayah", "periode", "nilai", "status", "catatan",
                       "sumber_id", "berkas_sha256", "lokasi"),
    "dim_indikator": ("kode", "nama_id", "nama_en", "dimensi", "satuan", "produsen",
                      "agregasi", "bobot_indikator"),
    "dim_wilayah": ("kode_wilayah", "nama", "tingkat", "kode_kecamatan"),
}  # fmt: skip
VIEWS = ("nilai_indikator", "nilai_agregasi", "nilai_gabungan", "nilai_terakhir")
KAMUS_TABLE = "kamus_data"


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the macros and the views in the current database; returns the views made. None
    when a table they read is missing (not published this time) or lacks a column (an old
    version carried over from the previous file): the tables are published without them
    rather than not at all."""
    found = set(
        con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchall()
    )
    if any((t, c) not in found for t, columns in VIEW_COLUMNS.items() for c in columns):
        return []
    with_berkas = all(
        ("meta_muat", c) in found for c in ("sumber_id", "sha256", "url", "lokasi", "loaded_at")
    )
    con.execute(MACROS)
    con.execute(
        NILAI_INDIKATOR.format(
            berkas="m.berkas" if with_berkas else "CAST(NULL AS VARCHAR)",
            berkas_join=_BERKAS if with_berkas else "",
        )
    )
    for sql in (NILAI_AGREGASI, NILAI_GABUNGAN, NILAI_TERAKHIR):
        con.execute(sql)
    return list(VIEWS)


def describe(con: duckdb.DuckDBPyConnection, hold: Collection[str] = ()) -> list[str]:
    """Write `kamus_data` and comment every table, view, column and macro of the current
    database that warehouse/kamus.py describes. The comments on the tables of `hold` (being
    filled by another connection: a COMMENT ON a table makes another transaction's insert into
    it fail at commit) are returned instead, as SQL to execute once they are filled."""
    objects = con.execute(
        "SELECT table_name, 'tabel' FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "UNION ALL SELECT view_name, 'view' FROM duckdb_views() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal "
        "UNION ALL SELECT DISTINCT function_name, 'makro' FROM duckdb_functions() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND function_type = 'macro'"
    ).fetchall()
    present = {name: kind for name, kind in objects} | {KAMUS_TABLE: "tabel"}
    con.execute(
        f"CREATE TABLE {KAMUS_TABLE} (tabel VARCHAR NOT NULL, jenis VARCHAR NOT NULL, "
        "kolom VARCHAR, urutan INTEGER NOT NULL, tipe VARCHAR, label_id VARCHAR, "
        "label_en VARCHAR, keterangan_id VARCHAR, keterangan_en VARCHAR)"
    )
    columns = con.execute(
        "SELECT table_name, column_name, column_index, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    rows, comments = [], {}
    for item in PUBLISHED:
        if item.name not in present:
            continue
        about = item.about
        rows.append([item.name, item.kind, None, 0, None, *_texts(about)])
        what = {"tabel": "TABLE", "view": "VIEW", "makro": "MACRO"}[item.kind]
        comments[what, item.name, None] = about.comment()
    for table, column, index, data_type in columns:
        entry = column_entry(table, column)
        kind = BY_NAME[table].kind if table in BY_NAME else present.get(table, "tabel")
        rows.append([table, kind, column, index, data_type, *(_texts(entry) if entry else _NONE)])
        if entry is not None:
            comments["COLUMN", table, column] = entry.comment()
    # ~340 rows: from a DataFrame in ~3 ms, where executemany took ~0.4 s.
    frame = pd.DataFrame(rows, columns=_KAMUS_COLUMNS).astype({"urutan": "int32"})
    with registered(con, frame) as name:
        con.execute(f"INSERT INTO {KAMUS_TABLE} SELECT * FROM {name}")
    # A table kept from the previous file keeps its comments: only what differs is written
    # (~300 statements on a night when one of 200 sources changed: ~0.1 s).
    written = _comments(con)
    now, later = [], []
    for (what, name, column), text in comments.items():
        if written.get((what, name, column)) != text:
            target = f"{quote(name)}{'.' + quote(column) if column else ''}"
            held = name in hold and what in ("TABLE", "COLUMN")
            (later if held else now).append(f"COMMENT ON {what} {target} IS {literal(text)}")
    if now:
        con.execute(";\n".join(now))
    return later


def _comments(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str | None], str]:
    """The comments the current database's main schema holds, keyed as describe keys them."""
    where = "database_name = current_database() AND schema_name = 'main' AND comment IS NOT NULL"
    found = con.execute(
        f"SELECT 'TABLE', table_name, NULL, comment FROM duckdb_tables() WHERE {where} "
        f"UNION ALL SELECT 'VIEW', view_name, NULL, comment FROM duckdb_views() WHERE {where} "
        "UNION ALL SELECT DISTINCT 'MACRO', function_name, NULL, comment FROM duckdb_functions() "
        f"WHERE {where} AND function_type = 'macro' "
        f"UNION ALL SELECT 'COLUMN', table_name, column_name, comment FROM duckdb_columns() "
        f"WHERE {where}"
    ).fetchall()
    return {(what, name, column): text for what, name, column, text in found}


_NONE = [None, None, None, None]
_KAMUS_COLUMNS = [
    "tabel", "jenis", "kolom", "urutan", "tipe", "label_id", "label_en", "keterangan_id",
    "keterangan_en",
]  # fmt: skip


def _texts(entry) -> list[str]:
    return [entry.label_id, entry.label_en, entry.notes_id, entry.notes_en]
