"""Per-source tidy tables (`tidy.<sumber_id>`): replace a source's rows, hash them, read provenance.

Each source owns one table, so reloading one agency's file never touches another's rows, and a
failed load leaves that source's last good rows in place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from warehouse.sqlutil import (
    check_sumber_id,
    examples,
    literal,
    quote,
    registered,
    require_columns,
    require_text_codes,
    scalar,
    table_exists,
    transaction,
)

# The tidy row contract (sources/tidy.py TIDY_COLUMNS), duplicated here on purpose: the warehouse
# imports nothing of ours. A test keeps the two lists equal.
TIDY_COLUMNS: tuple[str, ...] = (
    "sumber_id",
    "indikator",
    "kode_wilayah",
    "periode",
    "nilai",
    "status",
    "catatan",
    "lokasi",
)
KEY_COLUMNS: tuple[str, ...] = ("indikator", "kode_wilayah", "periode")
# Columns that must never be NULL in a tidy row.
NOT_NULL_COLUMNS: tuple[str, ...] = ("sumber_id", *KEY_COLUMNS, "status")

# A CSV parser may give each row's place as numbers (sources/tidy.py CSV_LOKASI_PARTS and
# csv_lokasi, written out here for SQL; a test holds them equal): the table then stores the two
# numbers and derives `lokasi`, as writing one distinct string per row costs DuckDB ~0.1-0.2 s
# per 1M rows.
LOKASI_PARTS: tuple[str, ...] = ("lokasi_baris", "lokasi_kolom")
LOKASI_FROM_PARTS = "'baris ' || lokasi_baris || ', kolom ' || lokasi_kolom"
_LOKASI_STORED = "lokasi VARCHAR"
_LOKASI_DERIVED = (
    f"lokasi VARCHAR GENERATED ALWAYS AS ({LOKASI_FROM_PARTS}) VIRTUAL, "
    "lokasi_baris BIGINT NOT NULL, lokasi_kolom BIGINT NOT NULL"
)
# sumber_id and berkas_sha256 are the same on every row of a table: generated (not stored)
# columns give readers the same columns without writing two constants per row (~0.1 s per 1M
# rows, bench/run.py). No PRIMARY KEY: replace_tidy refuses duplicate keys itself (with the
# rows' lokasi) right before the insert, and fact_indikator keeps its key. The index cost ~2 s
# per 1M rows.
TIDY_DDL = """
CREATE OR REPLACE TABLE tidy.{table} (
    sumber_id     VARCHAR GENERATED ALWAYS AS ({sumber_id}) VIRTUAL,
    indikator     VARCHAR NOT NULL,
    kode_wilayah  VARCHAR NOT NULL,
    periode       VARCHAR NOT NULL,
    nilai         DOUBLE,
    status        VARCHAR NOT NULL,
    catatan       VARCHAR,
    {lokasi},
    berkas_sha256 VARCHAR GENERATED ALWAYS AS ({sha256}) VIRTUAL
)
"""


def stored_columns(lokasi_parts: bool) -> tuple[str, ...]:
    """The columns a load writes (the generated ones are not written)."""
    written = tuple(c for c in TIDY_COLUMNS if c != "sumber_id")
    if lokasi_parts:
        return (*(c for c in written if c != "lokasi"), *LOKASI_PARTS)
    return written


# The columns that are not VARCHAR, and the Arrow types DuckDB stores without a cast.
_SQL_TYPES = {"nilai": "DOUBLE", **dict.fromkeys(LOKASI_PARTS, "BIGINT")}
_ARROW_TYPES = {"VARCHAR": (pa.string(), pa.large_string()), "DOUBLE": (pa.float64(),),
                "BIGINT": (pa.int64(),)}  # fmt: skip


# The contract columns as SQL, with the types the table stores; used for loading and hashing so
# a DataFrame and the rows loaded from it hash alike.
def _normalised(column: str) -> str:
    stored = _SQL_TYPES.get(column, "VARCHAR")
    return f"CAST({quote(column)} AS {stored}) AS {quote(column)}"


_NORMALISED = ", ".join(_normalised(c) for c in TIDY_COLUMNS)
# Canonical text of a set of rows: one JSON array per row (keeps NULL apart from ''), in a total
# order, so the hash does not depend on row order.
_HASH_SQL = (
    "SELECT sha256(coalesce(string_agg(json_array({cols})::VARCHAR, chr(10) ORDER BY {cols}), ''))"
    " FROM (SELECT {normalised} FROM {source})"
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def replace_tidy(
    con: duckdb.DuckDBPyConnection,
    sumber_id: str,
    df: pd.DataFrame,
    sha256: str,
    *,
    keys_validated: bool = False,
) -> int:
    """Replace all rows of `tidy.<sumber_id>` with `df` in one transaction; return the row count.

    `sha256` is the content hash of the landing file the rows were parsed from; it is stored on
    every row (`berkas_sha256`) for provenance. Running it again with the same frame gives the same
    rows, never duplicates. If anything fails the transaction rolls back and the rows loaded
    before stay. Columns beyond the tidy contract are ignored.

    Duplicate keys are refused. `keys_validated=True` says the caller's validation already
    refused them (the quality gate's `key_unique` rule held for these rows): that screen, about
    0.1 s per 1M rows, is then not repeated. Empty key columns and another source's rows are
    refused either way.
    """
    what = f"Source `{check_sumber_id(sumber_id)}`"
    require_columns(
        df,
        TIDY_COLUMNS,
        f"{what}: tidy rows",
        "A parser must return the tidy contract columns (sources.tidy.TIDY_COLUMNS).",
    )
    require_text_codes(df, ("sumber_id", *KEY_COLUMNS), f"{what}: tidy rows")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise ValueError(
            f"{what}: berkas sha256 {sha256!r} is not a 64-character lower-case hex digest; "
            "pass hashlib.sha256(landing_bytes).hexdigest()."
        )
    table = f"tidy.{quote(sumber_id)}"
    parts = _has_lokasi_parts(con, df, what)
    written = stored_columns(parts)
    rows = _in_key_order(_as_arrow(df, parts), df)
    ddl = TIDY_DDL.format(
        table=quote(sumber_id),
        sumber_id=literal(sumber_id),
        sha256=literal(sha256),
        lokasi=_LOKASI_DERIVED if parts else _LOKASI_STORED,
    )
    with registered(con, rows) as frame:
        lokasi = LOKASI_FROM_PARTS if parts else "lokasi"
        _check_rows(con, frame, sumber_id, what, keys=not keys_validated, lokasi=lokasi)
        try:
            with transaction(con):
                con.execute(ddl)
                con.execute(
                    f"INSERT INTO {table} ({', '.join(quote(c) for c in written)}) "
                    f"SELECT {_columns_as_stored(rows, written)} FROM {frame}"
                )
        except duckdb.Error as exc:
            raise RuntimeError(
                f"{what}: loading {len(df)} tidy rows into {table} failed and was rolled back; "
                f"the rows loaded before are kept. Cause: {exc}"
            ) from exc
    return len(df)


def _has_lokasi_parts(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, what: str) -> bool:
    """Whether `df` gives each row's place as numbers too (LOKASI_PARTS): whole numbers that
    the table's generated `lokasi` spells as the row's `lokasi` (checked on the first and the
    last row)."""
    if not all(c in df.columns for c in LOKASI_PARTS):
        return False
    if not all(pd.api.types.is_integer_dtype(df[c]) for c in LOKASI_PARTS):
        raise ValueError(
            f"{what}: {' and '.join(LOKASI_PARTS)} must be whole numbers "
            f"(found {', '.join(str(df[c].dtype) for c in LOKASI_PARTS)})."
        )
    for row in sorted({0, len(df) - 1} - {-1}):
        baris, kolom = (int(df[c].iat[row]) for c in LOKASI_PARTS)
        spelled = scalar(
            con,
            f"SELECT {LOKASI_FROM_PARTS} "
            "FROM (SELECT ?::BIGINT AS lokasi_baris, ?::BIGINT AS lokasi_kolom)",
            [baris, kolom],
        )
        if df["lokasi"].iat[row] != spelled:
            raise ValueError(
                f"{what}: row {row} has lokasi {df['lokasi'].iat[row]!r} but "
                f"lokasi_baris {baris}, lokasi_kolom {kolom}; a parser that gives the numbers "
                "must give the same place in both."
            )
    return True


def _as_arrow(df: pd.DataFrame, lokasi_parts: bool) -> pd.DataFrame | pa.Table:
    """The contract columns (the place as numbers instead of `lokasi` when `lokasi_parts`) as
    an Arrow table, which DuckDB scans ~30 % faster than a pandas frame of Arrow-backed
    strings; the frame itself when a column does not convert."""
    # With the place as numbers the text `lokasi` is generated by the table: its 1M strings
    # are neither converted, nor reordered, nor read (~0.1 s per 1M rows).
    columns = [c for c in TIDY_COLUMNS if not (lokasi_parts and c == "lokasi")]
    columns += LOKASI_PARTS if lokasi_parts else []
    try:
        return pa.Table.from_pandas(df[columns], preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        return df


def _in_key_order(rows: pd.DataFrame | pa.Table, df: pd.DataFrame) -> pd.DataFrame | pa.Table:
    """`rows` (made from `df`, row for row) in key order, so that the table is stored in it.

    The fact table is built in key order: a source alone in a sorted insert is then copied as
    stored instead of sorted again (warehouse/build.py), and numpy orders the codes of a 1M-row
    frame in ~0.1 s where DuckDB's sort under the work database's memory limit took ~1 s and
    spilled to disk. Strings compare by code point here as by byte in DuckDB (UTF-8 keeps the
    order). Rows with an empty key are left where they are: the checks refuse them."""
    if len(df) < 2 or df[list(KEY_COLUMNS)].isna().any(axis=None):
        return rows
    codes = [_sort_codes(df[column]) for column in KEY_COLUMNS]
    order = _distinct_key_order(codes)
    if order is None:  # keys repeat (the checks refuse them) or are too sparse to count
        order = np.lexsort(codes[::-1])
    if (order[1:] > order[:-1]).all():  # both orders are stable: rows in order stay as they are
        return rows
    return rows.take(order)


def _distinct_key_order(codes: list[np.ndarray]) -> np.ndarray | None:
    """The order of rows by their codes (first column first) by counting, ~5x faster than
    lexsort on 1M rows: each row's codes as one number, and its place is how many rows have a
    smaller one. None where two rows have the same codes or the numbers would span more than
    8 per row (the counts' memory)."""
    rows = len(codes[0])
    sizes = [int(c.max()) + 1 for c in codes]
    span = math.prod(sizes)  # the distinct numbers the codes can make
    if span > 8 * rows:
        return None
    key = np.zeros(rows, dtype=np.int64)
    for column, size in zip(codes, sizes, strict=True):
        key = key * size + column
    counts = np.bincount(key, minlength=span)
    if counts.max() > 1:
        return None
    smaller = np.cumsum(counts) - counts
    order = np.empty(rows, dtype=np.int64)
    order[smaller[key]] = np.arange(rows)
    return order


def _sort_codes(column: pd.Series) -> np.ndarray:
    """Integers that sort as the column's texts do."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = np.asarray(column.cat.categories, dtype=object).astype(str)
        rank = np.empty(len(categories), dtype=np.int64)
        rank[np.argsort(categories, kind="stable")] = np.arange(len(categories))
        return rank[column.cat.codes.to_numpy()]
    return pd.factorize(column.astype(str), sort=True)[0]


def _columns_as_stored(rows: pd.DataFrame | pa.Table, written: Sequence[str]) -> str:
    """The written columns for the INSERT: as they are when the Arrow types already are the
    table's (what the parsers give), else cast."""
    if isinstance(rows, pa.Table) and all(
        rows.schema.field(c).type in _ARROW_TYPES[_SQL_TYPES.get(c, "VARCHAR")] for c in written
    ):
        return ", ".join(quote(c) for c in written)
    return ", ".join(_normalised(c) for c in written)


def tidy_sha256(con: duckdb.DuckDBPyConnection, sumber_id: str) -> str | None:
    """Hash of the tidy rows loaded for a source (None if it was never loaded).

    Equal to `frame_sha256(df)` of the frame they were loaded from, so a caller can skip a load
    whose rows have not changed. `berkas_sha256` is not part of the hash.
    """
    if not table_exists(con, "tidy", check_sumber_id(sumber_id)):
        return None
    return _hash(con, f"tidy.{quote(sumber_id)}")


def frame_sha256(df: pd.DataFrame) -> str:
    """Hash of a tidy DataFrame, comparable with `tidy_sha256` (computed in DuckDB alike)."""
    require_columns(df, TIDY_COLUMNS, "tidy rows", "Pass a frame with the tidy contract columns.")
    with duckdb.connect() as con, registered(con, df) as frame:
        return _hash(con, frame)


def loaded_berkas_sha256(con: duckdb.DuckDBPyConnection, sumber_id: str) -> str | None:
    """The landing-file hash the loaded rows of a source came from (None if nothing is loaded)."""
    if not table_exists(con, "tidy", check_sumber_id(sumber_id)):
        return None
    return scalar(con, f"SELECT max(berkas_sha256) FROM tidy.{quote(sumber_id)}")


def _hash(con: duckdb.DuckDBPyConnection, source: str) -> str:
    cols = ", ".join(quote(c) for c in TIDY_COLUMNS)
    sql = _HASH_SQL.format(cols=cols, normalised=_NORMALISED, source=source)
    return scalar(con, sql)


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    frame: str,
    sumber_id: str,
    what: str,
    *,
    keys: bool = True,
    lokasi: str = "lokasi",
) -> None:
    """Refuse rows the table would reject, with messages that point at the rows (by `lokasi`,
    the SQL of a row's place in `frame`); duplicate keys only when `keys`."""
    # One pass first; the queries below, which name the offending rows, run only when it finds
    # something (on 1M clean rows: ~0.4 s instead of ~3 s for the seven separate scans). Keys
    # are screened by their hash (~40 % cheaper than distinct key tuples): a collision can only
    # make clean rows look suspect, and then the exact queries below find nothing.
    nulls = " OR ".join(f"{quote(c)} IS NULL" for c in NOT_NULL_COLUMNS)
    duplicates = (
        " + count(*) - count(DISTINCT hash(indikator, kode_wilayah, periode))" if keys else ""
    )
    suspect = con.execute(
        f"SELECT count(*) FILTER (WHERE {nulls} OR sumber_id <> ?){duplicates} FROM {frame}",
        [sumber_id],
    ).fetchall()[0][0]
    if not suspect:
        return
    for column in NOT_NULL_COLUMNS:
        rows = con.execute(
            f"SELECT {lokasi} FROM {frame} WHERE {quote(column)} IS NULL LIMIT 6"
        ).fetchall()
        if rows:
            raise ValueError(
                f"{what}: column `{column}` is empty in tidy rows at lokasi {examples(rows)}. "
                "Every row needs sumber_id, indikator, kode_wilayah, periode and status."
            )
    rows = con.execute(
        f"SELECT DISTINCT sumber_id FROM {frame} WHERE sumber_id <> ? ORDER BY 1 LIMIT 6",
        [sumber_id],
    ).fetchall()
    if rows:
        raise ValueError(
            f"{what}: tidy rows carry other sumber_id values {examples(rows)}; "
            f"a source's rows must all say sumber_id `{sumber_id}`."
        )
    if not keys:
        return
    rows = con.execute(
        f"SELECT indikator, kode_wilayah, periode, string_agg(l, ' & ' ORDER BY l) "
        f"FROM (SELECT *, {lokasi} AS l FROM {frame}) "
        "GROUP BY indikator, kode_wilayah, periode HAVING count(*) > 1 ORDER BY ALL LIMIT 6"
    ).fetchall()
    if rows:
        raise ValueError(
            f"{what}: duplicate (indikator, kode_wilayah, periode, lokasi) in tidy rows: "
            f"{examples(rows)}. Each key must appear once per source: check the parse spec of "
            "the catalog entry (a repeated region row or period column?)."
        )
