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
that process closes its connection), then fails with a message naming the file. Between runs it
never comes to that: each run holds the work database from start to end (warehouse/run_lock.py),
and a second run waits for the first one as a whole, saying which run it waits for.

Every connection gets a memory limit, a thread count and a spill folder next to the file
(`duckdb_tmp/`), so big sorts, joins and aggregations of the warehouse build spill to disk
instead of growing the process: DuckDB's own default is 80 % of RAM, which a 5M-fact build
used (bench/memory.py). The limits come from KOTAPINTAR_DUCKDB_MEMORY and
KOTAPINTAR_DUCKDB_THREADS (declared and checked in pipelines/settings.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.reference import DIMENSIONS
from warehouse.sqlutil import scalar, transaction

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK_PATH = REPO_ROOT / "data" / "work.duckdb"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema.sql"
MEMORY_ENV, THREADS_ENV = "KOTAPINTAR_DUCKDB_MEMORY", "KOTAPINTAR_DUCKDB_THREADS"
# The whole process peaks at about this plus ~400 MiB (imports, the rows in pandas, GX): a
# 1M-row `kotapintar run` ~1,400 MiB with 1GB, ~660 MiB with 256MB, under 600 with 192MB at
# the same speed (its sorts of 1M rows spill to TEMP_FOLDER); the 5M-fact build of
# bench/memory.py 768 MiB with 256MB (1,274 with 1GB). Operators of bigger machines may raise
# it. Threads: each keeps its own sort and hash buffers.
DEFAULT_MEMORY_MB = 192
DEFAULT_MEMORY_LIMIT = f"{DEFAULT_MEMORY_MB}MB"
SCALED_PER_BYTE = 2.5  # the limit for a bigger database: 2.5x its file (see memory_limit)
SCALED_MAX_MB = 1024
DEFAULT_THREADS = min(4, os.cpu_count() or 1)
TEMP_FOLDER = "duckdb_tmp"
# What shed_cache lowers the limit to for a moment (DuckDB evicts down to it).
SHED_LIMIT = "32MB"
# The `{dimension}` template: its CREATE TABLE and the ALTERs that follow it.
_PER_DIMENSION = re.compile(
    r"^CREATE TABLE IF NOT EXISTS \{dimension\} \(.*?\);\n(?:ALTER TABLE \{dimension\} [^;]*;\n)*",
    re.M | re.S,
)
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
# Derived tables that lost their PRIMARY KEY (bench/memory.py: its index is built in memory,
# cannot spill, and cost ~1.5 GiB at 5M facts). Uniqueness stays checked: build_fact refuses a
# key from two sources, fact_integrity and the smart_* GX suites check the key.
UNKEYED_TABLES: tuple[str, ...] = ("fact_indikator", *DIMENSIONS)


def schema_sql() -> str:
    """The idempotent DDL of the warehouse (warehouse/schema.sql), its one `{dimension}`
    statement written out for each smart-city dimension."""
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    template = _PER_DIMENSION.search(text)
    if template is None:
        raise RuntimeError(f"{SCHEMA_PATH}: no `CREATE TABLE IF NOT EXISTS {{dimension}}`.")
    statement = template.group(0)
    return text.replace(statement, "".join(statement.replace("{dimension}", d) for d in DIMENSIONS))


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
        apply_limits(con, path.parent / TEMP_FOLDER, path)
        if apply_schema and not _schema_current(con, path):
            with transaction(con):  # ~40 statements, one commit: a new database ~25 -> ~15 ms
                con.execute(schema_sql())
            drop_derived_keys(con)
            _APPLIED.add(_schema_key(path))
    except BaseException:
        con.close()
        raise
    return con


def memory_limit(database: Path | None = None) -> str:
    """The memory limit of a connection: KOTAPINTAR_DUCKDB_MEMORY (e.g. 1GB) when set, else
    DEFAULT_MEMORY_LIMIT, raised for a big `database` file to SCALED_PER_BYTE times its size
    (at most SCALED_MAX_MB): memory in proportion to the data.

    A database of 1M facts (~70 MB) keeps 192MB, under which a 1M-row run peaks below 600
    MiB. The 200 x 10,000 catalog's (~130 MB) gets ~320MB: a night where one source changed
    rebuilds its dimension table (340k rows) with a sort that no longer spills (~1.2 s ->
    ~0.7 s on a slow machine state; at 1.5x, 192MB, it did). The 500 x 10,000 catalog's (5M
    facts, ~320 MB) gets ~800MB: DuckDB then inserts the smart_* tables in key order on both
    threads without spilling (at 480MB: build 23.5 -> 15.0 s, exports 25.1 -> 18.5 s, peak
    675 -> 980 MiB; the Benchmarks issue allows 2 GiB)."""
    explicit = os.environ.get(MEMORY_ENV, "").strip()
    if explicit:
        return check_memory_limit(explicit)
    try:
        size = Path(database).stat().st_size if database is not None else 0
    except OSError:
        size = 0
    scaled = min(SCALED_MAX_MB, int(size * SCALED_PER_BYTE / 2**20))
    return f"{scaled}MB" if scaled > DEFAULT_MEMORY_MB else DEFAULT_MEMORY_LIMIT


def threads() -> int:
    """Threads per work-database connection (KOTAPINTAR_DUCKDB_THREADS)."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return DEFAULT_THREADS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(
            f"{THREADS_ENV}={raw!r} is not a whole number >= 1 (default {DEFAULT_THREADS}); "
            "fix it in the environment or .env"
        )
    return int(raw)


def check_memory_limit(value: str) -> str:
    """`value` if DuckDB can read it as an amount of memory (512MB, 1GB, 2GiB), else ValueError."""
    if not _MEMORY.match(value):
        raise ValueError(
            f"{MEMORY_ENV}={value!r} is not an amount of memory such as 512MB, 1GB or 2GiB "
            f"(default {DEFAULT_MEMORY_LIMIT}); fix it in the environment or .env"
        )
    return value.strip()


def apply_limits(
    con: duckdb.DuckDBPyConnection, temp_directory: Path, database: Path | None = None
) -> None:
    """Memory limit (for `database`, the file the connection opened: see memory_limit),
    threads and spill folder of the connection's database."""
    con.execute(f"SET memory_limit = '{memory_limit(database)}'")
    con.execute(f"SET threads = {threads()}")
    # A database already open in this process (kept_open) may have spilled into the folder:
    # DuckDB then refuses any SET of it, even to the same folder.
    if scalar(con, "SELECT current_setting('temp_directory')") != str(temp_directory):
        con.execute("SET temp_directory = ?", [str(temp_directory)])


def use_system_allocator() -> None:
    """Let Arrow allocate with the C library's malloc instead of the mimalloc it bundles.

    mimalloc keeps the pages Arrow frees for Arrow alone, while pandas' and numpy's arrays come
    from malloc: a parse (Arrow columns, then numpy arrays and a DataFrame) held both at its
    peak. A 1M-line CSV run peaked at 539-542 MiB with malloc against 587-599 with mimalloc, in
    about the same time (bench/README.md, session 12). Process-wide, for what is allocated
    from then on; pipelines/definitions.py calls it, so every process that runs the job does."""
    pa.set_memory_pool(pa.system_memory_pool())


def release_memory() -> None:
    """Hand the memory that a big unit of work freed back to the operating system.

    Freed memory otherwise stays in the process: Arrow's allocator keeps pages for reuse, and
    glibc keeps freed heap. After a 1M-row source (parse, validation, load)
    that was ~250 MiB held through the warehouse step, which added its own peak on top of it.
    A few milliseconds; DuckDB returns its own memory when its database closes."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the connection's current database; None for one in memory."""
    path = scalar(
        con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    )
    return Path(path) if path else None


def shed_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Make DuckDB let go of what a finished big statement left in its buffer pool.

    After a sorted insert or a join DuckDB keeps the memory it used (up to memory_limit), though
    `duckdb_memory()` shows little of it: at 1M facts ~110-170 MiB, under the pandas and GX work
    that follows on the same connection (the smart_* suites). Lowering the limit for a moment
    evicts it; committed rows are in the file, so nothing is written. Call it outside a
    transaction. Best effort: a limit DuckDB cannot meet is left as it was."""
    # The limit apply_limits gives this database (read back, "488.2 MiB" would round down).
    limit = memory_limit(database_path(con))
    try:
        con.execute(f"SET memory_limit = '{SHED_LIMIT}'")
    except duckdb.Error:
        pass  # more than that is pinned: nothing to gain here
    finally:
        con.execute(f"SET memory_limit = '{limit}'")


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # musl has no malloc_trim
    except OSError:
        return None


_LIBC = _glibc()


def drop_derived_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Migrate a work database made before the derived tables lost their PRIMARY KEY: rebuild
    each such table without it, rows kept, one transaction per table (DuckDB cannot drop a key
    in place). Returns the tables rebuilt; a database already migrated costs one query."""
    keyed = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT table_name FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND schema_name = 'main' "
            "AND constraint_type = 'PRIMARY KEY' AND list_contains(?, table_name)",
            [list(UNKEYED_TABLES)],
        ).fetchall()
    ]
    for table in sorted(keyed):
        body = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \((.*?)\);", schema_sql(), re.DOTALL)
        if body is None or "PRIMARY KEY" in body.group(1):
            raise RuntimeError(f"warehouse/schema.sql: no key-free definition of `{table}`.")
        rebuilt = f"kp_rebuild_{table}"
        con.begin()
        try:
            con.execute(f"CREATE TABLE {rebuilt} ({body.group(1)})")
            con.execute(f"INSERT INTO {rebuilt} BY NAME SELECT * FROM {table}")
            con.execute(f"DROP TABLE {table}")
            con.execute(f"ALTER TABLE {rebuilt} RENAME TO {table}")
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return sorted(keyed)


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


@contextmanager
def kept_open(path: str | Path) -> Iterator[None]:
    """Keep the work database open around several units of work (a run's steps): each
    `connect` then joins the open database (~5 ms) instead of opening the file, which reads its
    catalog again (~30-60 ms with 200 sources' tidy tables; five times a run). The file stays
    locked to other processes meanwhile, as a run's steps hold it anyway; what the keeping
    connection's database caches is evicted when it closes and by `shed_cache`, as before.
    Best effort: when the file cannot be opened here, each unit of work opens it (and reports
    why) as without it."""
    try:
        keeper = connect(path)
    except Exception:  # the first step reports it, with its own context
        keeper = None
    try:
        yield
    finally:
        if keeper is not None:
            keeper.close()


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
