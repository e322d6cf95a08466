"""Connections to the WORK database, the one file the pipeline writes.

DuckDB allows one writing process per database file, and a file opened for writing cannot be opened
by any other process, not even read-only. So:

- every write goes through one connection at a time: open it with `work_db()`, do the work, let the
  context manager close it. Keep connections short-lived so the next step (possibly another
  process, e.g. a Dagster multiprocess step) can take the file.
- a connection is not thread-safe; a thread that needs its own handle on the same file uses
  `con.cursor()`.
- analysts never open the work database: they read the snapshot published by
  `warehouse.snapshot.publish_snapshot`, which is replaced atomically.

`connect()` waits a little when another process holds the file (the lock is released as soon as
that process closes its connection), then fails with a message naming the file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK_PATH = REPO_ROOT / "data" / "work.duckdb"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema.sql"


def schema_sql() -> str:
    """The idempotent DDL of the warehouse (warehouse/schema.sql)."""
    return SCHEMA_PATH.read_text(encoding="utf-8")


def connect(
    path: str | Path, *, apply_schema: bool = True, lock_wait_seconds: float = 30.0
) -> duckdb.DuckDBPyConnection:
    """Open (creating it and its folder if needed) a read-write database and apply the schema.

    If another process holds the file, retry for up to `lock_wait_seconds` before giving up.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect_waiting(path, lock_wait_seconds)
    try:
        if apply_schema and not _schema_current(con, path):
            con.execute(schema_sql())
            _APPLIED.add(_schema_key(path))
    except BaseException:
        con.close()
        raise
    return con


# (file, schema text) pairs this process has applied the schema to. The schema is ~30 DDL
# statements (~50 ms): applied on every connect it cost ~0.25 s per source per run
# (bench/run.py). Applied once per process and file instead, migrations (ALTER ... ADD COLUMN)
# included; a file deleted and made again since is noticed by its missing tables.
_APPLIED: set[tuple[str, int]] = set()
_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS\s+(?:(\w+)\.)?(\w+)", re.IGNORECASE)


def _schema_key(path: Path) -> tuple[str, int]:
    return str(path.resolve()), hash(schema_sql())


def _schema_current(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    if _schema_key(path) not in _APPLIED:
        return False
    tables = [(schema or "main", name) for schema, name in _TABLE.findall(schema_sql())]
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND (schema_name, table_name) IN (SELECT unnest(?), unnest(?))",
        [[s for s, _ in tables], [t for _, t in tables]],
    ).fetchall()[0][0]
    return found == len(tables)


@contextmanager
def work_db(
    path: str | Path = DEFAULT_WORK_PATH, *, lock_wait_seconds: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the work database for one unit of work and always close it afterwards.

    Closing releases the file lock; an uncommitted transaction left open by an exception is rolled
    back by DuckDB when the connection closes.
    """
    con = connect(path, lock_wait_seconds=lock_wait_seconds)
    try:
        yield con
    finally:
        con.close()


def _connect_waiting(path: Path, lock_wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            # Only a lock held by another process is worth waiting for; anything else (a corrupt
            # file, a permission problem) will not fix itself.
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"Work database {path} is in use by another process and stayed locked for "
                    f"{lock_wait_seconds:g} s ({exc}). DuckDB allows one writer per file: wait for "
                    "the other run or step to finish, or close the program holding it."
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
