"""Derived tables: `fact_indikator` from the tidy tables, one analyst table per dimension.

Both are rebuilt whole in one transaction, in a fixed order, from nothing but loaded rows (no
clock, no random ids): rebuilding from the same tidy rows gives identical tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb

from warehouse.db import shed_cache
from warehouse.dictionary import COLUMN_NAMES
from warehouse.reference import DIMENSIONS
from warehouse.sqlutil import (
    check_sumber_id,
    examples,
    literal,
    quote,
    scalar,
    scans_in_order,
    table_exists,
    transaction,
)
from warehouse.tidy import KEY_COLUMNS

FACT_COLUMNS: tuple[str, ...] = (
    "indikator",
    "kode_wilayah",
    "periode",
    "nilai",
    "status",
    "catatan",
    "sumber_id",
    "berkas_sha256",
    "lokasi",
)
_KEY = "indikator, kode_wilayah, periode"
# Every column of a smart_* table (warehouse/dictionary.py says what each means) and where it
# comes from: f = fact_indikator, i = dim_indikator, w = dim_wilayah.
DIMENSION_SELECT: dict[str, str] = {
    "indikator": "f.indikator",
    "nama_indikator": "i.nama_id",
    "nama_indikator_en": "i.nama_en",
    "satuan": "i.satuan",
    "arah": "i.arah",
    "pilar": "i.pilar",
    "kode_wilayah": "f.kode_wilayah",
    "nama_wilayah": "w.nama",
    "tingkat": "w.tingkat",
    "kode_kecamatan": "w.kode_kecamatan",
    "periode": "f.periode",
    "nilai": "f.nilai",
    "status": "f.status",
    "catatan": "f.catatan",
    "produsen": "i.produsen",
    "sumber_id": "f.sumber_id",
    "berkas_sha256": "f.berkas_sha256",
    "lokasi": "f.lokasi",
}
if tuple(DIMENSION_SELECT) != COLUMN_NAMES:
    raise RuntimeError("warehouse/build.py DIMENSION_SELECT and warehouse/dictionary.py differ.")
# Facts sorted per insert (see indicator_batches).
BATCH_ROWS = 500_000
# Tidy tables read by one sorted insert at most (see indicator_batches).
BATCH_SOURCES = 32
# Up to this many indicators a dimension table is copied from a fact table in key order with
# lookups by position, without a sort (build_dimension_table).
MAP_INDICATORS = 16


def build_fact(con: duckdb.DuckDBPyConnection, sumber_ids: Sequence[str]) -> int:
    """Rebuild `fact_indikator` from `tidy.<id>` for exactly the given sources; return its rows.

    The order of `sumber_ids` does not matter. A key (indikator, kode_wilayah, periode) delivered
    by two sources is an error that names both; the fact table is then left as it was.
    """
    ids = sorted(set(check_sumber_id(s) for s in sumber_ids))
    missing = [s for s in ids if not table_exists(con, "tidy", s)]
    if missing:
        raise ValueError(
            f"fact_indikator: no tidy table for source(s) {', '.join(f'`{s}`' for s in missing)}. "
            "Load them with replace_tidy first, or leave them out of the build."
        )
    columns = ", ".join(FACT_COLUMNS)
    union = " UNION ALL ".join(f"SELECT {columns} FROM tidy.{quote(s)}" for s in ids)
    with transaction(con):
        con.execute("DELETE FROM fact_indikator")
        if not ids:
            return 0
        counts = indicator_counts(con, f"SELECT indikator, sumber_id FROM ({union})")
        # A key can only be shared by two sources if its indicator is.
        shared = [indikator for indikator, sources, _ in counts if len(sources) > 1]
        if shared:
            _refuse_shared_keys(con, union, shared)
        _insert_in_key_order(con, counts)
        rows = scalar(con, "SELECT count(*) FROM fact_indikator")
    shed_cache(con)  # the sorts' memory, before the checks and dimension tables
    return rows


def _insert_in_key_order(con: duckdb.DuckDBPyConnection, counts) -> None:
    """Insert the facts of `counts` (indicator_counts) from their tidy tables, each batch of
    indicators sorted by the key. A batch that is the whole of one tidy table stored in key
    order (as replace_tidy stores them) is copied as scanned, without a sort: 1M facts ~0.4 s
    instead of ~1.2. Only a plain scan keeps the order: the batch's filter is a semi-join,
    which does not."""
    columns = ", ".join(FACT_COLUMNS)
    held = {}  # source -> its indicators
    for indikator, sources, _ in counts:
        for source in sources:
            held.setdefault(source, set()).add(indikator)
    for batch, sources in indicator_batches(counts):
        if (
            len(sources) == 1
            and held[sources[0]] <= set(batch)
            and scans_in_order(con, f"tidy.{quote(sources[0])}", KEY_COLUMNS)
        ):
            con.execute(
                f"INSERT INTO fact_indikator ({columns}) "
                f"SELECT {columns} FROM tidy.{quote(sources[0])}"
            )
            continue
        # Only the tables that hold the batch's indicators: each is read about once.
        some = " UNION ALL ".join(f"SELECT {columns} FROM tidy.{quote(s)}" for s in sources)
        con.execute(
            f"INSERT INTO fact_indikator ({columns}) SELECT {columns} FROM ({some}) "
            f"WHERE indikator IN (SELECT unnest(?)) ORDER BY {_KEY}",
            [batch],
        )


def update_fact(
    con: duckdb.DuckDBPyConnection, sumber_ids: Sequence[str], changed: Sequence[str]
) -> tuple[int, list[str]]:
    """Replace in `fact_indikator` the rows of the `changed` sources only: their old rows out,
    the rows of their `tidy.<id>` in (for those of them in `sumber_ids`, the sources loaded now).
    Returns (the table's rows, the indicators whose rows changed hands), in one transaction.

    The same table as build_fact over `sumber_ids` gives, row for row, as long as the rows of
    the other sources are those build_fact took (the caller knows: warehouse/changes.py lists
    every source loaded since the analyst file was published). Each source's rows are inserted
    in key order, so the table stays clustered by indicator, not wholly sorted.

    The indicators returned include those whose rows in a dimension table (smart_*) came from
    the `changed` sources, not only those of their facts: a run that replaced the facts and
    then failed before rebuilding the dimension tables (fact_integrity failed, the process was
    killed) leaves those tables holding the sources' old rows, which the facts no longer show.
    """
    changed = sorted(set(check_sumber_id(s) for s in changed))
    loaded = sorted(set(check_sumber_id(s) for s in sumber_ids))
    incoming = [s for s in changed if s in loaded]
    missing = [s for s in incoming if not table_exists(con, "tidy", s)]
    if missing:
        raise ValueError(
            f"fact_indikator: no tidy table for source(s) {', '.join(f'`{s}`' for s in missing)}."
        )
    columns = ", ".join(FACT_COLUMNS)
    with transaction(con):
        touched = indicators_held_by(con, changed)  # the rows they take away
        con.execute("DELETE FROM fact_indikator WHERE sumber_id IN (SELECT unnest(?))", [changed])
        if incoming:
            union = " UNION ALL ".join(f"SELECT {columns} FROM tidy.{quote(s)}" for s in incoming)
            counts = indicator_counts(con, f"SELECT indikator, sumber_id FROM ({union})")
            new = [indikator for indikator, _, _ in counts]
            touched.update(new)
            # A key can only be shared if its indicator is: among the incoming sources, or
            # with a source whose rows stay.
            kept = {
                row[0]
                for row in con.execute(
                    "SELECT DISTINCT indikator FROM fact_indikator "
                    "WHERE indikator IN (SELECT unnest(?))",
                    [new],
                ).fetchall()
            }
            shared = sorted(kept | {i for i, sources, _ in counts if len(sources) > 1})
            if shared:
                everyone = " UNION ALL ".join(
                    f"SELECT {columns} FROM tidy.{quote(s)}" for s in loaded
                )
                _refuse_shared_keys(con, everyone, shared)
            _insert_in_key_order(con, counts)
        rows = scalar(con, "SELECT count(*) FROM fact_indikator")
    shed_cache(con)
    return rows, sorted(touched)


def indicators_held_by(con: duckdb.DuckDBPyConnection, sources: Sequence[str]) -> set[str]:
    """The indicators of the rows that `sources` hold in fact_indikator or in a dimension table
    (after a failed run the two can differ: see update_fact)."""
    held = " UNION ".join(
        f"SELECT indikator FROM {table} WHERE sumber_id IN (SELECT unnest($sources))"
        for table in ("fact_indikator", *DIMENSIONS)
    )
    return {row[0] for row in con.execute(held, {"sources": list(sources)}).fetchall()}


def dimensions_of(con: duckdb.DuckDBPyConnection, indicators: Sequence[str]) -> set[str]:
    """The smart-city dimensions of `indicators`, as `dim_indikator` says."""
    rows = con.execute(
        "SELECT DISTINCT dimensi FROM dim_indikator WHERE kode IN (SELECT unnest(?))",
        [list(indicators)],
    ).fetchall()
    return {row[0] for row in rows}


def build_dimension_table(
    con: duckdb.DuckDBPyConnection,
    dimension: str,
    *,
    fact_in_order: bool | None = None,
    sources: Sequence[str] | None = None,
) -> int:
    """Rebuild one analyst table (e.g. `smart_mobility`) from the fact rows of that dimension.

    With `sources` (those whose facts update_fact replaced), only their rows are replaced
    (patch_dimension_table); the table is rebuilt whole when that does not add up.

    Indicator names and units come from `dim_indikator`, region names and levels from
    `dim_wilayah`. Fact rows whose indicator is not in `dim_indikator` have no dimension and are
    left out; a region missing from `dim_wilayah` keeps its row with empty names.

    The rows go in in key order. When `fact_indikator` is stored in key order (as build_fact
    leaves it; `fact_in_order`, found out when None) and the dimension has at most
    MAP_INDICATORS indicators, they are copied as scanned: the names are looked up by position
    in small lists instead of joined, so the scan's order stands and nothing is sorted (1M
    facts of one indicator: ~2.4 s instead of ~4.2 with a join and a sort). A position is found
    by searching the list, so with many indicators (500 sources: ~170 per dimension, 5M facts)
    that costs more than the sort it saves. Otherwise each batch of indicators is joined and
    sorted on insert.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(
            f"Unknown dimension {dimension!r}; expected one of {', '.join(DIMENSIONS)}."
        )
    if sources is not None:
        rows = patch_dimension_table(con, dimension, sources)
        if rows is not None:
            return rows
    indicators = scalar(con, "SELECT count(*) FROM dim_indikator WHERE dimensi = ?", [dimension])
    copy_as_scanned = indicators <= MAP_INDICATORS and (
        fact_in_order if fact_in_order is not None else fact_in_key_order(con)
    )
    columns = ", ".join(DIMENSION_SELECT)
    with transaction(con):
        con.execute(f"DELETE FROM {dimension}")
        if copy_as_scanned:
            with _lookup_lists(con, dimension):
                con.execute(
                    f"INSERT INTO {dimension} ({columns}) "
                    f"SELECT {', '.join(_LOOKED_UP.values())} FROM ({_POSITIONED}) AS f "
                    "WHERE f.kp_i IS NOT NULL"
                )
        else:
            of_dimension = (
                "SELECT f.indikator, f.sumber_id FROM fact_indikator AS f JOIN dim_indikator "
                "AS i ON i.kode = f.indikator WHERE i.dimensi = ?"
            )
            # fact_indikator is clustered by indicator: DuckDB skips other batches' row groups.
            # One sorted insert per BATCH_ROWS facts, whatever their sources: the insert reads
            # fact_indikator only, and one insert leaves the table in regular row groups (its
            # Parquet export can then be written as scanned, beside the CSV).
            counts = indicator_counts(con, of_dimension, [dimension])
            for batch, _ in indicator_batches(counts, limit_sources=False):
                _insert_facts(con, dimension, "indikator", batch)
        rows = scalar(con, f"SELECT count(*) FROM {dimension}")
    shed_cache(con)  # the sort's memory, if any, before this table's GX suite reads it
    return rows


def patch_dimension_table(
    con: duckdb.DuckDBPyConnection, dimension: str, sources: Sequence[str]
) -> int | None:
    """Replace in one dimension table the rows of `sources` only, from their facts; its rows,
    or None (nothing changed) when the table then does not hold as many rows as the facts of
    its dimension: a row of another source is missing or left over, so it must be rebuilt.

    The same rows as a rebuild, as long as the rows of the other sources are those a rebuild
    would give: the facts of every source whose facts changed since the analyst file was
    published are among `sources` (update_fact's premise; its indicators include those a failed
    run left behind in a dimension table), and the reference tables equal the analyst file's
    (else the warehouse step rebuilds everything). The new rows come last, so the table is no
    longer in key order: the analyst snapshot sorts it on the way (warehouse/snapshot.py
    keep_order). On a night when one of 200 sources changed: ~0.05 s instead of ~0.6-1.1 s."""
    sources = sorted({check_sumber_id(s) for s in sources})
    facts = scalar(
        con,
        "SELECT count(*) FROM fact_indikator AS f JOIN dim_indikator AS i "
        "ON i.kode = f.indikator WHERE i.dimensi = ?",
        [dimension],
    )
    try:
        with transaction(con):
            con.execute(f"DELETE FROM {dimension} WHERE sumber_id IN (SELECT unnest(?))", [sources])
            _insert_facts(con, dimension, "sumber_id", sources)
            if scalar(con, f"SELECT count(*) FROM {dimension}") != facts:
                raise _DoesNotAddUp  # rolled back by transaction()
    except _DoesNotAddUp:
        return None
    return facts


class _DoesNotAddUp(Exception):
    """A patched dimension table whose rows are not as many as its dimension's facts."""


def _insert_facts(
    con: duckdb.DuckDBPyConnection, dimension: str, column: str, values: list[str]
) -> None:
    """Insert into `dimension` its facts whose `column` (indikator, sumber_id) is one of
    `values`, with the indicators' and regions' names joined, sorted by the key."""
    con.execute(
        f"""
        INSERT INTO {dimension} ({", ".join(DIMENSION_SELECT)})
        SELECT {", ".join(DIMENSION_SELECT.values())}
        FROM fact_indikator AS f
        JOIN dim_indikator AS i ON i.kode = f.indikator
        LEFT JOIN dim_wilayah AS w ON w.kode_wilayah = f.kode_wilayah
        WHERE i.dimensi = ? AND f.{column} IN (SELECT unnest(?))
        ORDER BY {_KEY_OF_F}
        """,
        [dimension, values],
    )


def fact_in_key_order(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `fact_indikator` is stored in key order (one streaming pass)."""
    return scans_in_order(con, "fact_indikator", KEY_COLUMNS)


# The dimension tables' columns from `fact_indikator` (f) and, by position, from lists built
# from dim_indikator (i, the dimension's indicators) and dim_wilayah (w) for the length of one
# build_dimension_table: one list of codes per table and one list per looked-up column, in the
# same order. `kp_i`/`kp_w` are a fact's positions in the code lists (NULL when absent: an
# indicator of another dimension, a region without names). Per-column lists, not a map of
# structs: 1M facts 2.4 s instead of 2.7 (a map copies the whole struct per lookup).
_LOOKUPS = {
    "i": ("dim_indikator", "kode", "indikator"),
    "w": ("dim_wilayah", "kode_wilayah", "kode_wilayah"),
}
_POSITIONED = (
    "SELECT *, "
    + ", ".join(
        f"list_position(getvariable('kp_{alias}_kode'), {fact_column}) AS kp_{alias}"
        for alias, (_, _, fact_column) in _LOOKUPS.items()
    )
    + " FROM fact_indikator"
)
_LOOKED_UP = {
    column: expression
    if expression.startswith("f.")
    else f"getvariable('kp_{expression[0]}_{expression[2:]}')[f.kp_{expression[0]}]"
    for column, expression in DIMENSION_SELECT.items()
}
_KEY_OF_F = ", ".join(f"f.{k}" for k in KEY_COLUMNS)


@contextmanager
def _lookup_lists(con: duckdb.DuckDBPyConnection, dimension: str) -> Iterator[None]:
    """The variables of _POSITIONED and _LOOKED_UP for `dimension`."""
    wanted = {"i": ["kode"], "w": ["kode"]}
    for expression in DIMENSION_SELECT.values():
        if not expression.startswith("f."):
            wanted[expression[0]].append(expression[2:])
    where = {"i": f"dimensi = {literal(dimension)}", "w": "true"}
    names = []
    for alias, (table, key, _) in _LOOKUPS.items():
        for column in wanted[alias]:
            source = key if column == "kode" else column
            names.append(f"kp_{alias}_{column}")
            con.execute(
                f"SET VARIABLE {names[-1]} = (SELECT coalesce(list({quote(source)} "
                f"ORDER BY {quote(key)}), []) FROM {table} WHERE {where[alias]})"
            )
    try:
        yield
    finally:
        for name in names:
            con.execute(f"RESET VARIABLE {name}")


def indicator_counts(
    con: duckdb.DuckDBPyConnection, indicators_sql: str, params: list | None = None
) -> list[tuple[str, list[str], int]]:
    """(indikator, its sources, facts) in key order, from `indicators_sql`: one
    (indikator, sumber_id) row per fact."""
    return con.execute(
        f"SELECT indikator, list_sort(list(DISTINCT sumber_id)), count(*) "
        f"FROM ({indicators_sql}) GROUP BY indikator ORDER BY indikator",
        params or [],
    ).fetchall()


def indicator_batches(
    counts: list[tuple[str, list[str], int]],
    rows: int | None = None,
    *,
    limit_sources: bool = True,
) -> list[tuple[list[str], list[str]]]:
    """The indicators of `counts` (indicator_counts) cut into runs of about `rows` facts
    (BATCH_ROWS; an indicator with more is a run of its own), each with its sources.

    Inserting the rows of each run sorted by the key gives the table in key order, as one
    sorted insert would, but DuckDB sorts one run at a time: one sorted insert of 5M facts ran
    out of a 1 GB memory limit (bench/memory.py). A run also reads at most BATCH_SOURCES
    tidy tables: each table scanned at once holds buffers of its own, and 500 sources of 2,000
    rows (250 tables per run) ran out of a 256MB limit. `limit_sources=False`: no such limit,
    for inserts that read one table (the dimension tables read fact_indikator)."""
    limit = rows or BATCH_ROWS
    sources_limit = BATCH_SOURCES if limit_sources else float("inf")
    batches: list[tuple[list[str], list[str]]] = []
    size = limit
    for indikator, sources, n in counts:
        added = {s for s in sources if not batches or s not in batches[-1][1]}
        if size + n > limit or (batches and len(batches[-1][1]) + len(added) > sources_limit):
            batches.append(([], []))
            size = 0
        batches[-1][0].append(indikator)
        batches[-1][1].extend(s for s in sources if s not in batches[-1][1])
        size += n
    return [(indicators, sorted(sources)) for indicators, sources in batches]


def _refuse_shared_keys(con: duckdb.DuckDBPyConnection, union: str, shared: list[str]) -> None:
    # The only guard of the key while the table is built: fact_indikator has no PRIMARY KEY
    # (its in-memory index cost ~1.5 GiB at 5M facts, see warehouse/schema.sql), and a key's
    # error would name neither the key nor the sources anyway. fact_integrity re-checks it.
    rows = con.execute(
        f"SELECT {_KEY}, array_to_string(list_sort(list(DISTINCT sumber_id)), ' & ') "
        f"FROM ({union}) WHERE indikator IN (SELECT unnest(?)) "
        "GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL",
        [shared],
    ).fetchall()
    if rows:
        sources = sorted({s for row in rows for s in row[3].split(" & ")})
        raise ValueError(
            f"fact_indikator: {len(rows)} key(s) (indikator, kode_wilayah, periode, sources) come "
            f"from more than one source ({', '.join(f'`{s}`' for s in sources)}): "
            f"{examples(rows)}. Each value must have one producer: drop the indicator from all "
            "but one catalog entry, or leave one of these sources out of the build."
        )
