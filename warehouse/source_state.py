"""What the work database knows about every source at once: the latest load record, the file its
loaded rows came from, how many rows are loaded and when that data first arrived.

The same answers as warehouse.muat.last_good_load, warehouse.tidy.loaded_berkas_sha256,
warehouse.published.tidy_row_count and warehouse.kualitas.data_changed_at, in two queries for
the whole catalog instead of four per source: the nothing-new check before a run
(pipelines/quiet_night.py) asks them for every source, and at ~4 ms a query the per-source
form cost more than the rest of that check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from warehouse.sqlutil import check_sumber_id, literal, quote, table_exists

LOOKUPS_BEFORE_LISTING = 20


@dataclass(frozen=True)
class SourceState:
    """One source in the work database; None / 0 where it was never loaded."""

    latest_outcome: str | None = None  # of the latest meta_muat record
    latest_sha256: str | None = None
    latest_katalog_sha256: str | None = None
    loaded_sha256: str | None = None  # the landing file the loaded rows came from
    rows: int = 0
    data_changed_at: datetime | None = None

    @property
    def last_good_load(self) -> tuple[str | None, str | None] | None:
        """As warehouse.muat.last_good_load: (sha256, katalog_sha256) when the latest record is
        `loaded` or `unchanged`, else None."""
        if self.latest_outcome not in ("loaded", "unchanged"):
            return None
        return self.latest_sha256, self.latest_katalog_sha256


def source_states(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, SourceState]:
    """The state of each source in `ids` (every id gets one)."""
    ids = [check_sumber_id(s) for s in ids]
    history = {
        row[0]: row[1:]
        for row in con.execute(
            """
            WITH latest AS (  -- one record's fields: three arg_max could mix tied records
                SELECT sumber_id, unnest(arg_max(
                    {'outcome': outcome, 'sha256': sha256, 'katalog_sha256': katalog_sha256},
                    loaded_at))
                FROM meta_muat WHERE sumber_id IN (SELECT unnest(?)) GROUP BY sumber_id
            ), current AS (
                SELECT sumber_id, arg_max(sha256, loaded_at) AS sha256 FROM meta_muat
                WHERE sumber_id IN (SELECT unnest(?)) AND outcome = 'loaded'
                  AND sha256 IS NOT NULL
                GROUP BY sumber_id
            ), arrived AS (
                SELECT m.sumber_id, min(m.loaded_at) AS first_loaded FROM meta_muat m
                JOIN current c ON c.sumber_id = m.sumber_id AND c.sha256 = m.sha256
                WHERE m.outcome = 'loaded' GROUP BY m.sumber_id
            )
            SELECT l.sumber_id, l.outcome, l.sha256, l.katalog_sha256, a.first_loaded
            FROM latest l LEFT JOIN arrived a USING (sumber_id)
            """,
            [ids, ids],
        ).fetchall()
    }
    loaded = _tidy_tables(con, ids)
    tables = [s for s in ids if s in loaded]
    counts = {}
    if tables:
        union = " UNION ALL ".join(
            f"SELECT {literal(s)}, count(*), max(berkas_sha256) FROM tidy.{quote(s)}"
            for s in tables
        )
        counts = {row[0]: row[1:] for row in con.execute(union).fetchall()}
    states = {}
    for source in ids:
        outcome, sha, katalog, changed = history.get(source, (None, None, None, None))
        rows, berkas = counts.get(source, (0, None))
        states[source] = SourceState(outcome, sha, katalog, berkas, rows, changed)
    return states


def _tidy_tables(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    """Which of `ids` have a tidy table: looked up one by one for a few (each source asks for
    itself), listed for many (a listing costs ~6 ms with 500 tables, a lookup ~0.3 ms)."""
    if len(ids) <= LOOKUPS_BEFORE_LISTING:
        return {s for s in ids if table_exists(con, "tidy", s)}
    return {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'tidy'"
        ).fetchall()
    }
