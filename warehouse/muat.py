"""The load history, `meta_muat`: one row per source per run, appended, never rewritten.

Besides the record itself it answers the two questions change detection asks: what was the
last successful load of a source made from (`last_good_load`), and did anything load in a run
(`run_outcomes`, `latest_loads`), so a run with nothing new can leave the warehouse alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb

from warehouse.sqlutil import check_sumber_id

OUTCOMES: tuple[str, ...] = ("loaded", "unchanged", "failed", "rejected")
_COLUMNS = (
    "muat_id, sumber_id, lokasi, sha256, bytes, fetched_at, loaded_at, seconds, rows, outcome, "
    "message, url, http_status, etag, last_modified, katalog_sha256, tahap, baris_luar_wilayah"
)


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
    url: str | None = None,
    http_status: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    katalog_sha256: str | None = None,
    tahap: str | None = None,
    baris_luar_wilayah: int | None = None,
) -> str:
    """Append one load record and return its `muat_id` (a new UUID unless given).

    `lokasi` is the catalog's URL or path; `url` what was actually requested (a resolved portal
    resource), `http_status` / `etag` / `last_modified` what the server answered, and
    `katalog_sha256` the fingerprint of the catalog entry the rows were read under, and
    `baris_luar_wilayah` the rows of other regions a wider table listed (not loaded). `loaded_at`
    defaults to now; naive datetimes are taken as UTC. `message` and `url` must not contain
    secrets (they are published with the snapshot).
    """
    check_sumber_id(sumber_id)
    if outcome not in OUTCOMES:
        raise ValueError(
            f"Source `{sumber_id}`: load outcome {outcome!r} is not one of {', '.join(OUTCOMES)}."
        )
    muat_id = muat_id or uuid.uuid4().hex
    values = [
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
        url,
        http_status,
        etag,
        last_modified,
        katalog_sha256,
        tahap,
        baris_luar_wilayah,
    ]
    marks = ", ".join("?" for _ in values)
    con.execute(f"INSERT INTO meta_muat ({_COLUMNS}) VALUES ({marks})", values)
    return muat_id


def last_good_load(
    con: duckdb.DuckDBPyConnection, sumber_id: str
) -> tuple[str | None, str | None] | None:
    """(sha256, katalog_sha256) of the source's latest record when that record is `loaded` or
    `unchanged` (an `unchanged` record repeats the load it confirmed); None when the source was
    never loaded or its latest fetch failed or was refused. After a failure the next good
    content is therefore processed again, even if it equals what is loaded: the run reports the
    source `loaded` again and the failure's findings are closed."""
    rows = con.execute(
        "SELECT outcome, sha256, katalog_sha256 FROM meta_muat WHERE sumber_id = ? "
        "ORDER BY loaded_at DESC LIMIT 1",
        [check_sumber_id(sumber_id)],
    ).fetchall()
    if not rows or rows[0][0] not in ("loaded", "unchanged"):
        return None
    return rows[0][1], rows[0][2]


def run_outcomes(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str]:
    """sumber_id -> outcome of every record of one run (muat_id `<run_id>:<sumber_id>`)."""
    rows = con.execute(
        "SELECT sumber_id, outcome FROM meta_muat WHERE starts_with(muat_id, ?)", [f"{run_id}:"]
    ).fetchall()
    return dict(rows)


def latest_loads(con: duckdb.DuckDBPyConnection, sumber_ids: Sequence[str]) -> dict[str, str]:
    """sumber_id -> muat_id of its latest `loaded` record (sources never loaded are absent).
    It changes exactly when the rows in `tidy.<sumber_id>` are replaced."""
    ids = [check_sumber_id(s) for s in sumber_ids]
    if not ids:
        return {}
    rows = con.execute(
        "SELECT sumber_id, arg_max(muat_id, loaded_at) FROM meta_muat "
        "WHERE outcome = 'loaded' AND list_contains(?, sumber_id) GROUP BY sumber_id",
        [ids],
    ).fetchall()
    return dict(rows)


def _utc(value: datetime | None) -> datetime | None:
    # DuckDB would read a naive datetime in the session time zone; the pipeline means UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
