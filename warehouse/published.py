"""Which sources the work database holds rows for, and how many rows each has."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from warehouse.sqlutil import check_sumber_id, quote, scalar, table_exists


def loaded_sources(con: duckdb.DuckDBPyConnection, sumber_ids: Sequence[str]) -> list[str]:
    """The given sources that have a tidy table (ever loaded), in order."""
    return [s for s in sumber_ids if table_exists(con, "tidy", check_sumber_id(s))]


def tidy_row_count(con: duckdb.DuckDBPyConnection, sumber_id: str) -> int:
    """Rows of a source currently loaded (its last good load), 0 if never loaded."""
    if not table_exists(con, "tidy", check_sumber_id(sumber_id)):
        return 0
    return scalar(con, f"SELECT count(*) FROM tidy.{quote(sumber_id)}")
