"""`meta_kualitas`: the latest verdict of each publication check per table, and when a source's
data last changed (for the freshness checks).

The personal-data guard writes one verdict per table it scanned; the analyst snapshot and the
portal publisher call `blocked_tables` and leave out every table whose latest verdict failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from warehouse.sqlutil import check_sumber_id, transaction

PERSONAL_DATA = "data_pribadi"


@dataclass(frozen=True)
class Verdict:
    """One check's verdict on one table. `laporan` must hold masked data only."""

    tabel: str
    lolos: bool
    temuan: int
    laporan: dict | None = None


def record_verdict(
    con: duckdb.DuckDBPyConnection,
    *,
    tabel: str,
    lolos: bool,
    temuan: int,
    laporan: dict | None = None,
    run_id: str | None = None,
    pemeriksaan: str = PERSONAL_DATA,
) -> None:
    """Replace the verdict of one check on one table. `laporan` must hold masked data only."""
    record_verdicts(
        con, [Verdict(tabel, lolos, temuan, laporan)], run_id=run_id, pemeriksaan=pemeriksaan
    )


def record_verdicts(
    con: duckdb.DuckDBPyConnection,
    verdicts: Sequence[Verdict],
    *,
    run_id: str | None = None,
    pemeriksaan: str = PERSONAL_DATA,
) -> None:
    """Replace the verdicts of one check on several tables, in one transaction (one commit
    instead of one per table: ~4 ms each)."""
    now = datetime.now(UTC)
    with transaction(con):
        for v in verdicts:
            laporan = json.dumps(v.laporan, ensure_ascii=False) if v.laporan is not None else None
            con.execute(
                "INSERT OR REPLACE INTO meta_kualitas "
                "(tabel, pemeriksaan, lolos, temuan, laporan, run_id, diperiksa_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [v.tabel, pemeriksaan, v.lolos, v.temuan, laporan, run_id, now],
            )


def blocked_tables(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str] | None = None
) -> list[str]:
    """Tables (of `tables`, or all) whose latest verdict of any check failed: not to publish."""
    rows = con.execute(
        "SELECT DISTINCT tabel FROM meta_kualitas WHERE NOT lolos ORDER BY tabel"
    ).fetchall()
    blocked = [r[0] for r in rows]
    return blocked if tables is None else [t for t in tables if t in blocked]


def data_changed_at(con: duckdb.DuckDBPyConnection, sumber_id: str) -> datetime | None:
    """When the data now loaded for a source first arrived: the first load of its current file
    (by sha256). None if nothing is loaded. An unchanged file re-fetched every night keeps this
    date, so a freshness check sees when the agency last published, not when we last looked."""
    check_sumber_id(sumber_id)
    rows = con.execute(
        """
        WITH current AS (
            SELECT sha256 FROM meta_muat
            WHERE sumber_id = ? AND outcome = 'loaded' AND sha256 IS NOT NULL
            ORDER BY loaded_at DESC LIMIT 1
        )
        SELECT min(m.loaded_at) FROM meta_muat m JOIN current c USING (sha256)
        WHERE m.sumber_id = ? AND m.outcome = 'loaded'
        """,
        [sumber_id, sumber_id],
    ).fetchall()
    return rows[0][0] if rows and rows[0][0] is not None else None


def loaded_tidy(con: duckdb.DuckDBPyConnection, sumber_id: str):
    """The rows loaded for a source (its last good load), or None if it never loaded; the
    year-over-year rule compares new values with them."""
    from warehouse.sqlutil import quote, table_exists

    if not table_exists(con, "tidy", check_sumber_id(sumber_id)):
        return None
    return con.execute(
        f"SELECT indikator, kode_wilayah, periode, nilai FROM tidy.{quote(sumber_id)}"
    ).df()
