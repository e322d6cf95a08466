"""The load history, `meta_muat`: one row per source per run, appended, never rewritten."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import duckdb

from warehouse.sqlutil import check_sumber_id

OUTCOMES: tuple[str, ...] = ("loaded", "unchanged", "failed", "rejected")


def record_muat(
    con: duckdb.DuckDBPyConnection,
    *,
    sumber_id: str,
    outcome: str,
    lokasi: str | None = None,
    sha256: str | None = None,
    bytes: int | None = None,  # shadows the builtin on purpose: it is the column name
    fetched_at: datetime | None = None,
    loaded_at: datetime | None = None,
    seconds: float | None = None,
    rows: int | None = None,
    message: str | None = None,
    muat_id: str | None = None,
) -> str:
    """Append one load record and return its `muat_id` (a new UUID unless given).

    `lokasi` is the URL or path the bytes came from. `loaded_at` defaults to now. Naive datetimes
    are taken as UTC. `message` must not contain secrets (it is published with the snapshot).
    """
    check_sumber_id(sumber_id)
    if outcome not in OUTCOMES:
        raise ValueError(
            f"Source `{sumber_id}`: load outcome {outcome!r} is not one of {', '.join(OUTCOMES)}."
        )
    muat_id = muat_id or uuid.uuid4().hex
    con.execute(
        "INSERT INTO meta_muat (muat_id, sumber_id, lokasi, sha256, bytes, fetched_at, "
        "loaded_at, seconds, rows, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            muat_id,
            sumber_id,
            lokasi,
            sha256,
            bytes,
            _utc(fetched_at),
            _utc(loaded_at or datetime.now(UTC)),
            seconds,
            rows,
            outcome,
            message,
        ],
    )
    return muat_id


def _utc(value: datetime | None) -> datetime | None:
    # DuckDB would read a naive datetime in the session time zone; the pipeline means UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
