"""Which sources the work database holds rows for, and how many rows each has."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from warehouse.sqlutil import check_sumber_id, quote, scalar, table_exists


def loaded_sources(con: duckdb.DuckDBPyConnection, sumber_ids: Sequence[str]) -> list[str]:
    """The given sources that have a tidy table (ever loaded), in order. One listing of the
    tidy schema (~6 ms at 500 tables) rather than a lookup per source (200: ~30 ms)."""
    present = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = 'tidy'"
        ).fetchall()
    }
    return [s for s in sumber_ids if check_sumber_id(s) in present]


def tidy_row_count(con: duckdb.DuckDBPyConnection, sumber_id: str) -> int:
    """Rows of a source currently loaded (its last good load), 0 if never loaded."""
    if not table_exists(con, "tidy", check_sumber_id(sumber_id)):
        return 0
    return scalar(con, f"SELECT count(*) FROM tidy.{quote(sumber_id)}")
