"""The analyst snapshot: a separate DuckDB file, replaced atomically, never written in place.

Analysts read `kotapintar.duckdb` while the pipeline runs. Writing into that file would block
them (DuckDB has one writer per file, and a writer locks out readers of other processes) and could
show half a load. Instead, each publish builds a complete new file next to it, makes it durable,
and renames it over the old one:

    1. open the work database (the single writer) and ATTACH `<analyst>.tmp-<pid>`: a file copy
       of the previous analyst file when there is a good one (see below), else a new file;
    2. per table: keep it when the copy holds it with the same definition and rows
       (table_fingerprint on both sides, one hash pass each), else replay its DDL from the work
       database (types, keys, CHECKs kept: the fact and smart_* tables have no PRIMARY KEY,
       whose in-memory index would not spill), copy the rows, compare the counts; add
       `kp_snapshot` (when, which tables, how many rows), the analyst views, `kamus_data` and a
       comment on every table, view and column (warehouse/analyst.py, from the data dictionary
       in warehouse/kamus.py), all written anew;
    3. CHECKPOINT, DETACH (closes the file), fsync the file, give it the mode and group of the
       file it replaces (warehouse/files.py: under `umask 077` it would otherwise lock out the
       group of analysts that reads it);
    4. os.replace over the analyst file, fsync the directory.

A reader holding the old file open keeps reading the old inode, which Linux keeps alive until it
is closed: a consistent old view, never an error. New readers see the new file. If any step
fails, the temporary file is deleted and the analyst file is left untouched. Temporary files of
a run that was killed (`<analyst>.tmp-<pid>` and its `.wal`) are removed by the next publish
once their process is gone or they are a day old.

In proportion to change: copying a file is a fraction of the cost of copying its rows, so
a night where one source changed keeps every table whose rows are the same, and in a changed
table with a `sumber_id` column (fact_indikator, meta_muat...) replaces only the rows of the
sources whose rows differ (a fingerprint per source on both sides), when they are at most a
quarter of the table; the patched table is then proven equal to the work table by
table_fingerprint, or copied whole. The previous file's side of these prints is what the last
publish ended with, when it recorded them for this very file (warehouse/prints.py):
each unchanged table is then hashed once, on the work side, not twice. A patched table keeps
its rows but not their order, so the tables read in key order later (`keep_order`: the smart_*
tables the exports write) are copied, sorted on the way when the work table is not stored in key
order (the warehouse step patches them too, warehouse/build.py). Copies run on cursors of their
own, a changed smart_* table's beside the comparisons and patches of the others.
Dropped tables leave free blocks in the file, which the next tables reuse; a previous file
with more free than used blocks is not copied (a new, compact file is written instead), so the
file stays under about twice its data. Nor is one with a WAL next to it (someone wrote into
it) or in another storage version than ANALYST_STORAGE_VERSION (the copy keeps its version, so
the DuckDB floor holds either way).

Reading it: a process that still has the old file open through `duckdb.connect(path,
read_only=True)` and calls `duckdb.connect(path, read_only=True)` again after a publish gets the
OLD snapshot: DuckDB keeps one database instance per path and process while any connection to
it is open, and a new connect reuses it. Use `open_analyst()` (a fresh in-memory database that
ATTACHes the file, so every call opens the file as it is now), or close every connection first.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.analyst import create_views, describe
from warehouse.db import connect
from warehouse.files import keep_access, remove_stale
from warehouse.prints import ROWS_PRINT, Prints, record, recorded, source_prints
from warehouse.sqlutil import literal, quote, scalar, scans_in_order, transaction

DEFAULT_ANALYST_PATH = Path(__file__).resolve().parent / "kotapintar.duckdb"
SNAPSHOT_TABLE = "kp_snapshot"
# The oldest DuckDB release that reads the analyst file; keep it at the floor of `duckdb` and
# `duckdb-cli` in pyproject.toml.
ANALYST_STORAGE_VERSION = "v1.4.0"
# The alias of the file being built; unusual so it cannot clash with the work database's name.
_BUILD = "kp_publish_build"
_PREVIOUS = "kp_publish_previous"
_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


@dataclass(frozen=True)
class SnapshotInfo:
    """What a publish produced: the file, rows per table, size, duration and timestamp."""

    path: Path
    tables: dict[str, int]
    bytes: int
    seconds: float
    published_at: datetime
    # Tables taken unchanged from the previous analyst file (their new version was blocked).
    carried_over: tuple[str, ...] = ()
    # The analyst views made (warehouse/analyst.py); none when a table they read is missing.
    views: tuple[str, ...] = ()
    # Tables whose rows equal the previous file's, kept there as they were (not copied).
    unchanged: tuple[str, ...] = ()


def publish_snapshot(
    work_path: str | Path,
    analyst_path: str | Path = DEFAULT_ANALYST_PATH,
    tables: Sequence[str] = (),
    *,
    carry_over: Sequence[str] = (),
    keep_order: Mapping[str, Sequence[str]] | None = None,
    work_prints: Mapping[str, set[tuple]] | None = None,
    lock_wait_seconds: float = 30.0,
) -> SnapshotInfo:
    """Copy `tables` ("name" or "schema.name") of the work database into a new analyst file and
    swap it in atomically. On failure the old analyst file stays byte-identical.

    `carry_over` names tables whose new version must not be published (a publication check
    failed, see warehouse.kualitas.blocked_tables): they are copied from the previous analyst
    file as they were, or left out when it has none.

    `keep_order` maps tables read in their stored order later (the open exports write a table
    stored in key order without sorting it) to their key: when changed, they are copied whole
    from the work database, never patched (a patch appends the new rows at the end), and sorted
    by the key on the way unless the work table is stored in that order (one streaming pass
    tells). On a night when one of 200 sources changed, its dimension table's export then took
    ~0.7 s instead of ~1.6.

    `work_prints` maps work tables to their per-source prints (warehouse.prints.source_prints)
    as the caller computed them after the tables' last write, and nothing wrote them since:
    taken instead of hashing those tables again (a table whose row count no longer adds up is
    hashed anyway)."""
    started = time.perf_counter()
    work_path, analyst_path = Path(work_path), Path(analyst_path)
    names = _check_names(tables)
    if not work_path.is_file():
        raise FileNotFoundError(f"Snapshot: work database {work_path} does not exist; run a load.")
    analyst_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = analyst_path.with_name(f"{analyst_path.name}.tmp-{os.getpid()}")
    remove_stale(analyst_path.parent, _temp_pattern(analyst_path))  # of killed runs
    _remove(tmp)  # left over by a crashed run that had our pid
    published_at = datetime.now(UTC)
    try:
        con = connect(work_path, apply_schema=False, lock_wait_seconds=lock_wait_seconds)
        try:
            previous = analyst_path if analyst_path.is_file() else None
            counts, carried, views, unchanged, prints = _build(
                con,
                work_path,
                tmp,
                names,
                published_at,
                previous,
                _check_names(carry_over) if carry_over else [],
                keep_order or {},
                recorded(work_path, previous) if previous else None,
                work_prints or {},
            )
        finally:
            con.close()
        _fsync(tmp)
        keep_access(tmp, analyst_path)
        os.replace(tmp, analyst_path)
    except BaseException:
        _remove(tmp)
        raise
    _fsync(analyst_path.parent)
    with contextlib.suppress(OSError):  # without it, the next publish computes the prints
        record(work_path, analyst_path, prints)
    return SnapshotInfo(
        path=analyst_path,
        tables=counts,
        bytes=analyst_path.stat().st_size,
        seconds=time.perf_counter() - started,
        published_at=published_at,
        carried_over=tuple(carried),
        views=tuple(views),
        unchanged=tuple(unchanged),
    )


def open_analyst(path: str | Path = DEFAULT_ANALYST_PATH) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analyst file, for the CLI `query` command and notebooks.

    The file is ATTACHed READ_ONLY into a fresh in-memory database rather than opened with
    `duckdb.connect(path)`: DuckDB caches open databases by path within a process, so while a
    connection to the old file is still open, a second `duckdb.connect(path, read_only=True)`
    after a publish silently returns the OLD snapshot (tests/test_no_loss.py shows it). Each
    call here opens the file as it is now. Scratch tables an analyst creates land in the
    in-memory database.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Analyst file {path} does not exist yet: run the pipeline once to publish it."
        )
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {literal(str(path))} AS kotapintar (READ_ONLY)")
        con.execute("USE kotapintar")
    except BaseException:
        con.close()
        raise
    return con


def table_fingerprint(
    con: duckdb.DuckDBPyConnection, source: str, columns: str = "*"
) -> tuple[int, str]:
    """(rows, fingerprint) of `SELECT columns FROM source`: its column names and types, the
    DuckDB version and an order-free sum and xor of the rows' 64-bit hashes, in one parallel
    pass (~0.06 s per 1M rows of 18 columns). Equal fingerprints mean equal rows (the same
    multiset; a hash collision aside); a DuckDB upgrade changes every fingerprint, which only
    costs a rewrite. `source` and `columns` are SQL, quoted by the caller."""
    select = f"SELECT {columns} FROM {source}"
    described = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {select})").fetchall()
    rows, total, mixed = con.execute(f"SELECT {ROWS_PRINT} FROM ({select}) AS r").fetchall()[0]
    text = f"{duckdb.__version__}|{described}|{rows}|{total}|{mixed}"
    return rows, hashlib.sha256(text.encode()).hexdigest()[:32]


def _build(
    con: duckdb.DuckDBPyConnection,
    work_path: Path,
    tmp: Path,
    names: list[str],
    published_at: datetime,
    previous: Path | None = None,
    carry_over: Sequence[str] = (),
    keep_order: Mapping[str, Sequence[str]] | None = None,
    recorded: Prints | None = None,
    work_prints: Mapping[str, set[tuple]] | None = None,
) -> tuple[dict[str, int], list[str], list[str], list[str], Prints]:
    keep_order = keep_order or {}
    work = scalar(con, "SELECT current_database()")
    reused = previous is not None and _start_from_previous(con, previous, tmp)
    # The previous file's prints, when the last publish recorded them for the file just copied.
    known = recorded if reused and recorded and recorded.still_describe(previous) else Prints()
    if not reused:
        # Written in the storage format of the oldest DuckDB we support, not the library's
        # newest: analysts open the file with whatever DuckDB they have (the `duckdb-cli`
        # wheel on PyPI, a notebook, DBeaver), which often lags the Python library and
        # refuses a newer format.
        storage = literal(ANALYST_STORAGE_VERSION)
        con.execute(f"ATTACH {literal(str(tmp))} AS {_BUILD} (STORAGE_VERSION {storage})")
    carried: list[str] = []
    attached_previous = previous is not None and carry_over and not reused
    if attached_previous:
        con.execute(f"ATTACH {literal(str(previous))} AS {_PREVIOUS} (READ_ONLY)")
    ended = Prints()  # what the new file is known to hold, for the next publish
    # The work tables' prints computed on the way: a copy holds its work table's rows (its
    # count is checked), so it takes them instead of being hashed again.
    work_side = Prints()
    try:
        # Unqualified DDL replayed below must land in the new file.
        con.execute(f"USE {_BUILD}")
        with _Copies(con, work, work_path, keep_order, ended, work_side) as copies:
            # The tables kept in key order first: a changed one is copied whole, and its copy
            # (one core: DuckDB inserts a wide table on one thread) runs on a cursor of its own
            # while the other tables are compared and patched here.
            ordered = [name for name in names if name in keep_order]
            same = set()
            for name in ordered:  # each copy starts as soon as its table is found changed
                if reused and _unchanged(con, work, [name], known, ended, work_side):
                    same.add(name)
                    continue
                if reused and _has_table(con, _BUILD, name):
                    con.execute(f"DROP TABLE {_qualified(_BUILD, name)}")
                copies.start(name)
            rest = [name for name in names if name not in keep_order]
            patchable = _patchable(con, work, rest) if reused else []
            # A table with a `sumber_id` column is compared source by source (the same proof
            # as table_fingerprint, as the sums and xors add up): what differs is then patched
            # without hashing the table twice more (fact_indikator: 3 passes instead of 6).
            by_source = {
                name: _source_prints(con, work, name, known, work_prints or {})
                for name in patchable
            }
            for name, (built, now) in by_source.items():
                work_side.sources[name] = now
                if built == now:
                    same.add(name)
                    ended.sources[name] = now
            if reused:
                others = [name for name in rest if name not in by_source]
                same.update(_unchanged(con, work, others, known, ended, work_side))
            unchanged = [name for name in names if name in same]
            patchable = [name for name in patchable if name not in same]
            if reused:
                kept = [*unchanged, *patchable, *copies.started]
                kept += [t for t in carry_over if _has_table(con, _BUILD, t)]
                _keep_only(con, kept)
            kept_as_is = {}
            for name in rest:
                if name in unchanged or (
                    name in patchable and _patch_sources(con, work, name, *by_source[name])
                ):
                    kept_as_is[name] = _count(con, _qualified(_BUILD, name))
                    if name in patchable:
                        ended.sources[name] = by_source[name][1]
                else:
                    if name in patchable:  # the patch did not give the work table's rows
                        con.execute(f"DROP TABLE {_qualified(_BUILD, name)}")
                    copies.start(name)
            for name in ordered:
                if name in unchanged:
                    kept_as_is[name] = _count(con, _qualified(_BUILD, name))
            for name in carry_over:
                if reused and _has_table(con, _BUILD, name):
                    kept_as_is[name] = _count(con, _qualified(_BUILD, name))
                    carried.append(name)
                    _keep_print(known, ended, name)
                elif attached_previous and _has_table(con, _PREVIOUS, name):
                    kept_as_is[name] = _copy_table(con, _PREVIOUS, previous, name)
                    carried.append(name)
            # While the copies run (every table exists by now): the snapshot's own table, the
            # views and the comments. The copied tables' comments wait for their rows: a
            # COMMENT ON a table fails the insert another cursor is making into it.
            con.execute(
                f"CREATE TABLE {SNAPSHOT_TABLE} (published_at TIMESTAMPTZ NOT NULL, "
                "table_name VARCHAR PRIMARY KEY, rows BIGINT NOT NULL)"
            )
            with transaction(con):  # ~300 catalog changes: one commit is ~3x faster
                views = create_views(con)
                held = describe(con, hold=copies.started)
            found = kept_as_is | copies.finished()
        counts = {name: found[name] for name in [*names, *carried]}
        con.executemany(
            f"INSERT INTO {SNAPSHOT_TABLE} VALUES (?, ?, ?)",
            [[published_at, name, rows] for name, rows in counts.items()],
        )
        if held:
            con.execute(";\n".join(held))
        con.execute(f"CHECKPOINT {_BUILD}")
    finally:
        con.execute(f"USE {quote(work)}")
        con.execute(f"DETACH {_BUILD}")
        if attached_previous:
            con.execute(f"DETACH {_PREVIOUS}")
    return counts, carried, views, unchanged, ended


def _keep_print(known: Prints, ended: Prints, name: str) -> None:
    """A table kept as the previous file held it keeps the print recorded for it."""
    if name in known.fingerprints:
        ended.fingerprints[name] = known.fingerprints[name]
    if name in known.sources:
        ended.sources[name] = known.sources[name]


def _start_from_previous(con: duckdb.DuckDBPyConnection, previous: Path, tmp: Path) -> bool:
    """Copy the previous analyst file to `tmp` and ATTACH it as the file being built, so tables
    whose rows have not changed stay as they are instead of being copied row by row (a file
    copy is a fraction of the cost, bench numbers in the README). False, with nothing attached
    and no `tmp`, when the previous file is not a good start: it has a WAL (someone wrote into
    it), it is in another storage version than ANALYST_STORAGE_VERSION, or more than half of
    its blocks are free (dropped tables leave free blocks that the next tables reuse; a fresh
    file then compacts it, so the file cannot grow without bound), or DuckDB cannot open it."""
    if previous.with_name(previous.name + ".wal").exists():
        return False
    attached = False
    try:
        shutil.copyfile(previous, tmp)
        con.execute(f"ATTACH {literal(str(tmp))} AS {_BUILD}")
        attached = True
        version = scalar(
            con,
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = ?",
            [_BUILD],
        )
        used, free = con.execute(
            "SELECT used_blocks, free_blocks FROM pragma_database_size() WHERE database_name = ?",
            [_BUILD],
        ).fetchall()[0]
        if version in (ANALYST_STORAGE_VERSION, f"{ANALYST_STORAGE_VERSION}+") and free <= used:
            return True
    except (duckdb.Error, OSError):
        pass
    if attached:
        con.execute(f"DETACH {_BUILD}")
    _remove(tmp)
    return False


def _unchanged(
    con: duckdb.DuckDBPyConnection,
    work: str,
    names: list[str],
    known: Prints,
    ended: Prints,
    work_side: Prints,
) -> list[str]:
    """The tables of `names` that the file being built already holds with the same definition
    and the same rows as the work database (table_fingerprint of both: one hash pass each, the
    built side's taken from `known` when recorded); their prints go into `ended`, and every
    work table's print computed into `work_side`."""
    same = []
    for name in names:
        if not _has_table(con, _BUILD, name) or _ddl(con, _BUILD, name) != _ddl(con, work, name):
            continue
        built = known.fingerprints.get(name) or table_fingerprint(con, _qualified(_BUILD, name))
        now = work_side.fingerprints[name] = table_fingerprint(con, _qualified(work, name))
        if built == now:
            same.append(name)
            ended.fingerprints[name] = now
    return same


# A table whose rows are grouped by source: on a night when a few of 200 sources changed, only
# their rows are replaced in the copied file instead of copying the whole table again.
_BY_SOURCE = "sumber_id"
# Above this share of changed rows, a plain copy is as cheap as the patch.
_PATCH_SHARE = 0.25


def _patchable(con: duckdb.DuckDBPyConnection, work: str, names: list[str]) -> list[str]:
    """The tables of `names` that the file being built holds with the same definition and a
    `sumber_id` column: candidates for _patch_sources."""
    return [
        name
        for name in names
        if _has_table(con, _BUILD, name)
        and _ddl(con, _BUILD, name) == _ddl(con, work, name)
        and _BY_SOURCE in _column_names(con, work, name)
    ]


def _source_prints(
    con: duckdb.DuckDBPyConnection,
    work: str,
    name: str,
    known: Prints,
    work_prints: Mapping[str, set[tuple]],
) -> tuple[set[tuple], set[tuple]]:
    """The per-source prints of table `name` in the file being built (taken from `known` when
    recorded) and in the work database (from `work_prints` when given and its row counts add
    up to the table's)."""
    built = known.sources.get(name) or source_prints(con, _qualified(_BUILD, name))
    now = work_prints.get(name)
    if now is None or sum(rows for _, rows, _, _ in now) != _count(con, _qualified(work, name)):
        now = source_prints(con, _qualified(work, name))
    return built, now


def _patch_sources(
    con: duckdb.DuckDBPyConnection, work: str, name: str, before: set, after: set
) -> bool:
    """Replace, in the file being built, the rows of the sources whose prints differ between
    `before` (the file being built) and `after` (the work table), and prove the result holds
    the work table's rows: the replaced sources' prints again, and the table's row count (the
    other sources' rows, untouched by statements that name only the replaced sources, had
    equal prints already). False, with the table possibly half patched, when the change is too
    large to be worth it or the proof fails: the caller copies the table whole."""
    built, source = _qualified(_BUILD, name), _qualified(work, name)
    differing = sorted({row[0] for row in before ^ after}, key=str)
    total = sum(row[1] for row in after) or 1
    if sum(row[1] for row in after if row[0] in differing) > _PATCH_SHARE * total:
        return False
    stored = ", ".join(quote(c) for c in _column_names(con, work, name, stored_only=True))
    with transaction(con):
        con.execute(
            f"DELETE FROM {built} WHERE sumber_id IN (SELECT unnest(?))", [differing]
        ).fetchall()
        con.execute(
            f"INSERT INTO {built} ({stored}) SELECT {stored} FROM {source} "
            "WHERE sumber_id IN (SELECT unnest(?))",
            [differing],
        ).fetchall()
    replaced = {row for row in after if row[0] in differing}
    rows = sum(row[1] for row in after)
    return source_prints(con, built, differing) == replaced and _count(con, built) == rows


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return scalar(con, f"SELECT count(*) FROM {table}")


def _column_names(
    con: duckdb.DuckDBPyConnection, database: str, name: str, *, stored_only: bool = False
) -> list[str]:
    schema, table = name.split(".") if "." in name else ("main", name)
    generated = " AND NOT is_generated" if stored_only else ""
    return [
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
            f"AND table_name = ?{generated} ORDER BY column_index",
            [database, schema, table],
        ).fetchall()
    ]


def _keep_only(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Drop from the file being built every view, macro, schema and table but `tables`
    (kp_snapshot, kamus_data and the views are written anew after the tables)."""
    keep = {name if "." in name else f"main.{name}" for name in tables}
    where = f"database_name = {literal(_BUILD)}"
    with transaction(con):
        for schema, view in con.execute(
            f"SELECT schema_name, view_name FROM duckdb_views() WHERE {where} AND NOT internal"
        ).fetchall():
            con.execute(f"DROP VIEW {_BUILD}.{quote(schema)}.{quote(view)}")
        for schema, name, kind in con.execute(
            "SELECT DISTINCT schema_name, function_name, function_type FROM duckdb_functions() "
            f"WHERE {where} AND function_type IN ('macro', 'table_macro')"
        ).fetchall():
            what = "MACRO TABLE" if kind == "table_macro" else "MACRO"
            con.execute(f"DROP {what} {_BUILD}.{quote(schema)}.{quote(name)}")
        for schema, table in con.execute(
            f"SELECT schema_name, table_name FROM duckdb_tables() WHERE {where}"
        ).fetchall():
            if f"{schema}.{table}" not in keep:
                con.execute(f"DROP TABLE {_BUILD}.{quote(schema)}.{quote(table)}")
        for (schema,) in con.execute(
            f"SELECT schema_name FROM duckdb_schemas() WHERE {where} AND NOT internal "
            "AND schema_name <> 'main'"
        ).fetchall():
            if not any(k.startswith(f"{schema}.") for k in keep):
                con.execute(f"DROP SCHEMA {_BUILD}.{quote(schema)} CASCADE")


def _qualified(database: str, name: str) -> str:
    schema, table = name.split(".") if "." in name else ("main", name)
    return f"{quote(database)}.{quote(schema)}.{quote(table)}"


def _ddl(con: duckdb.DuckDBPyConnection, database: str, name: str) -> str | None:
    schema, table = name.split(".") if "." in name else ("main", name)
    return scalar(
        con,
        "SELECT sql FROM duckdb_tables() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ?",
        [database, schema, table],
    )


def _has_table(con: duckdb.DuckDBPyConnection, database: str, name: str) -> bool:
    schema, table = name.split(".") if "." in name else ("main", name)
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [database, schema, table],
        )
    )


class _Copies:
    """Tables copied from the work database into the file being built, two at a time on
    cursors of their own, while the caller goes on. DuckDB writes a wide table (a smart_*
    table's 18 columns) with one thread under the pipeline's memory limit, so two copies side
    by side, or a copy beside the comparisons and patches of the other tables, use the second
    core: 1M facts, fact_indikator and smart_governance ~2.4 s instead of ~3.0. Each copy's
    prints go into `ended` for the next publish: the work table's from `work_side` when they
    were computed on the way, else one pass over what was just written (~0.25 s of a
    200-source cold run, which spares the first night after it as much)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        work: str,
        work_path: Path,
        keep_order: Mapping[str, Sequence[str]],
        ended: Prints,
        work_side: Prints,
    ) -> None:
        self.con, self.work, self.work_path, self.keep_order = con, work, work_path, keep_order
        self.ended, self.work_side = ended, work_side
        self.started: list[str] = []
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._copies: dict[str, Future] = {}

    def __enter__(self) -> _Copies:
        return self

    def __exit__(self, *exc) -> None:
        # Every copy ends (or fails) before the file is detached, whatever happened here.
        self._pool.shutdown(wait=True)

    def start(self, name: str) -> None:
        # Created here, so that what is written beside the copy (views, comments) sees it.
        _create_copy(self.con, self.work, self.work_path, name)
        self._copies[name] = self._pool.submit(self._copy, self.con.cursor(), name)
        self.started.append(name)

    def finished(self) -> dict[str, int]:
        """Rows copied per table, once every copy has ended (the first failure raised)."""
        return {name: copy.result() for name, copy in self._copies.items()}

    def _copy(self, cursor: duckdb.DuckDBPyConnection, name: str) -> int:
        """_copy_table on `cursor` (closed after), writing into the file being built, and the
        copy's prints, of the kind the next publish compares it by."""
        with cursor:
            cursor.execute(f"USE {_BUILD}")  # the table's DDL is replayed unqualified
            key = self.keep_order.get(name)
            rows = _copy_table(cursor, self.work, self.work_path, name, key, created=True)
            built = _qualified(_BUILD, name)
            # The copy holds the work table's rows: their prints, when computed on the way.
            if key is None and _BY_SOURCE in _column_names(cursor, _BUILD, name):
                prints = self.work_side.sources.get(name) or source_prints(cursor, built)
                self.ended.sources[name] = prints
            else:
                fingerprint = self.work_side.fingerprints.get(name)
                self.ended.fingerprints[name] = fingerprint or table_fingerprint(cursor, built)
            return rows


def _create_copy(con: duckdb.DuckDBPyConnection, work: str, work_path: Path, name: str) -> None:
    """Create table `name` in the file being built (the current database) as database `work`
    defines it: its DDL replayed."""
    ddl = _ddl(con, work, name)
    if ddl is None:
        found = scalar(
            con,
            "SELECT string_agg(CASE schema_name WHEN 'main' THEN table_name "
            "ELSE schema_name || '.' || table_name END, ', ' ORDER BY ALL) "
            "FROM duckdb_tables() WHERE database_name = ?",
            [work],
        )
        raise LookupError(
            f"Snapshot: table `{name}` not found in the work database {work_path} "
            f"(found: {found or 'none'}). Build it first or leave it out of the snapshot."
        )
    schema = name.split(".")[0] if "." in name else "main"
    if schema != "main":
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_BUILD}.{quote(schema)}")
    con.execute(ddl)


def _copy_table(
    con: duckdb.DuckDBPyConnection,
    work: str,
    work_path: Path,
    name: str,
    key: Sequence[str] | None = None,
    *,
    created: bool = False,
) -> int:
    """Copy table `name` from database `work` into the file being built (created there first
    unless `created`); with a `key`, in key order: sorted on the way unless the work table is
    stored so."""
    if not created:
        _create_copy(con, work, work_path, name)
    schema, table = name.split(".") if "." in name else ("main", name)
    source = f"{quote(work)}.{quote(schema)}.{quote(table)}"
    target = f"{_BUILD}.{quote(schema)}.{quote(table)}"
    # Generated columns come with the DDL and cannot be written (tidy.* has two).
    stored = ", ".join(quote(c) for c in _column_names(con, work, name, stored_only=True))
    order = ""
    if key and not scans_in_order(con, source, key):
        order = f" ORDER BY {', '.join(quote(k) for k in key)}"
    con.execute(f"INSERT INTO {target} ({stored}) SELECT {stored} FROM {source}{order}")
    copied, expected = _count(con, target), _count(con, source)
    if copied != expected:
        raise RuntimeError(f"Snapshot: copied {copied} rows of `{name}` but it has {expected}.")
    return copied


def _check_names(tables: Sequence[str]) -> list[str]:
    if isinstance(tables, str):
        raise TypeError("Snapshot: `tables` is a list of table names, not one string.")
    names = list(dict.fromkeys(tables))
    if not names:
        raise ValueError("Snapshot: no tables given; pass the tables analysts should see.")
    for name in names:
        if not _TABLE_NAME.match(name) or name in (SNAPSHOT_TABLE, f"main.{SNAPSHOT_TABLE}"):
            raise ValueError(
                f"Snapshot: {name!r} is not a table that can be published; expected `table` or "
                f"`schema.table` in lower case (and not `{SNAPSHOT_TABLE}`, which is written here)."
            )
    return names


def _temp_pattern(analyst_path: Path) -> re.Pattern[str]:
    """Exactly the names publish_snapshot gives its temporary file (and DuckDB's WAL of it)."""
    return re.compile(rf"{re.escape(analyst_path.name)}\.tmp-(?P<pid>\d+)(?:\.wal)?")


def _fsync(path: Path) -> None:
    """Flush a file, or a directory entry after a rename, to disk (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(tmp: Path) -> None:
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
