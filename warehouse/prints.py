"""Prints of tables (per source, or whole), and what the last publish recorded of the analyst file.

publish_snapshot (warehouse/snapshot.py) keeps a table of the previous analyst file when its
prints equal the work table's: table_fingerprint, or one print per source for a table with a
`sumber_id` column. Each night the previous file's side is the same file as the night before,
so hashing it again only repeats what the last publish already proved: the prints a publish
ended with are written next to the work database (`work.duckdb.published.json`), with the
identity of the analyst file they describe (its path, inode, size and mtime in ns) and the
DuckDB version that computed them (its `hash()` may change between releases).

They are used only while the analyst file still has that identity (a file written or replaced
since, by anyone, has another size, mtime or inode), by the same DuckDB: anything else, or a
record that cannot be read, means the prints are computed as before. The work table's side is
computed each night (or, for per-source prints, handed over by the same run's personal-data
guard: assets/run_memo.py). On a night when one of 200 sources changed this saves one hash
pass of each unchanged table's previous version (~0.2 s of ~1.3 s).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SUFFIX = ".published.json"
FORMAT = 1


@dataclass(frozen=True)
class Identity:
    """What tells one analyst file from another, or from itself after a write."""

    path: str
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Identity | None:
        try:
            found = path.stat()
        except OSError:
            return None
        return cls(str(path.resolve()), found.st_ino, found.st_size, found.st_mtime_ns)


@dataclass
class Prints:
    """Per table, its table_fingerprint (rows, print) or its per-source prints; `identity`,
    the analyst file they were recorded for (None: prints of a file being built)."""

    fingerprints: dict[str, tuple[int, str]] = field(default_factory=dict)
    sources: dict[str, set[tuple]] = field(default_factory=dict)
    identity: Identity | None = None

    def still_describe(self, analyst_path: Path) -> bool:
        """Whether the file they were recorded for is still as it was then."""
        return self.identity is not None and Identity.of(analyst_path) == self.identity


# The order-free print of the rows of a query aliased `r`: their count and the sum and xor of
# their 64-bit hashes (0 for no rows). Equal prints mean the same rows, as a multiset (a hash
# collision aside); a table's per-source prints add up to its own. Used by table_fingerprint
# (warehouse/snapshot.py), source_prints and warehouse.changes.table_matches.
ROWS_PRINT = "count(*), coalesce(sum(hash(r)::HUGEINT), 0), coalesce(bit_xor(hash(r)), 0)"
_PER_SOURCE = (
    f"SELECT sumber_id, {ROWS_PRINT} FROM (SELECT * FROM {{table}}) AS r GROUP BY sumber_id"
)


def source_prints(
    con: duckdb.DuckDBPyConnection, table: str, only: list | None = None
) -> set[tuple]:
    """(sumber_id, rows, sum, xor) per source of `table` (SQL, quoted by the caller); with
    `only`, of those sources alone."""
    if only is None:
        return set(con.execute(_PER_SOURCE.format(table=table)).fetchall())
    sql = _PER_SOURCE.format(table=f"{table} WHERE sumber_id IN (SELECT unnest(?))")
    return set(con.execute(sql, [only]).fetchall())


def record_path(work_path: Path, suffix: str = SUFFIX) -> Path:
    """A record next to the work database: the publish's (SUFFIX) or the guard's."""
    return work_path.with_name(work_path.name + suffix)


def recorded(work_path: Path, analyst_path: Path) -> Prints:
    """The prints the last publish recorded for `analyst_path`, when the file is still the one
    it wrote; empty otherwise."""
    identity = Identity.of(analyst_path)
    record = _read(record_path(work_path))
    try:
        if identity is None or record.get("analyst") != _as_json(identity):
            return Prints()
        return Prints(
            {t: (int(rows), str(p)) for t, (rows, p) in record["fingerprints"].items()},
            {t: _source_set(rows) for t, rows in record["sources"].items()},
            identity,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return Prints()


def record(work_path: Path, analyst_path: Path, prints: Prints) -> None:
    """Write what the publish that just wrote `analyst_path` knows of its tables. Replaced
    atomically; a stale record only means prints are computed (its identity no longer
    matches)."""
    _write(
        record_path(work_path),
        {
            "analyst": _as_json(Identity.of(analyst_path)),
            "fingerprints": {t: list(p) for t, p in sorted(prints.fingerprints.items())},
            "sources": {t: _source_list(p) for t, p in sorted(prints.sources.items())},
        },
    )


# The personal-data guard's record, next to the work database: per table, the rules it was last
# scanned under and found nothing (quality.pii_table.rules_print), and its per-source prints
# then. A source whose print is the same tonight is not read again (assets/quality_assets.py).
CLEAN_SUFFIX = ".guarded.json"


@dataclass(frozen=True)
class CleanScan:
    rules: str
    sources: frozenset[tuple]


def clean_scans(work_path: Path) -> dict[str, CleanScan]:
    """The tables the guard last found clean, with what they held then; {} when unknown."""
    try:
        tables = _read(record_path(work_path, CLEAN_SUFFIX)).get("tables", {})
        return {
            t: CleanScan(str(scan["rules"]), frozenset(_source_set(scan["sources"])))
            for t, scan in tables.items()
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def record_clean_scans(work_path: Path, scans: dict[str, CleanScan]) -> None:
    """Replace the guard's record (atomically; the tables not in `scans` are forgotten)."""
    _write(
        record_path(work_path, CLEAN_SUFFIX),
        {
            "tables": {
                t: {"rules": scan.rules, "sources": _source_list(scan.sources)}
                for t, scan in sorted(scans.items())
            }
        },
    )


def _read(path: Path) -> dict:
    """A record of this format and DuckDB version ({} for anything else: prints are then
    computed)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or document.get("duckdb") != duckdb.__version__
    ):
        return {}
    return document


def _write(path: Path, document: dict) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        text = json.dumps({"format": FORMAT, "duckdb": duckdb.__version__, **document})
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _source_list(prints) -> list[list]:
    return sorted(map(list, prints), key=str)


def _source_set(rows) -> set[tuple]:
    return {tuple(row) for row in rows}


def _as_json(identity: Identity | None) -> dict | None:
    return None if identity is None else identity.__dict__.copy()
