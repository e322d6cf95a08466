"""Open exports: CSV (UTF-8) and Parquet per dimension table plus a Frictionless `datapackage.json`.

Read from the analyst snapshot (the checked, published state), never from the work database.
The whole folder is written anew next to the target and swapped in by rename, so a reader never
sees a mix of two exports; the folder is the exporter's own (other files in it are removed).
Files are deterministic: rows sorted by the table key, no timestamps inside the data files.

`kp_export.json` in the folder names the analyst snapshot the files were built from (its
`kp_snapshot.published_at`, read in the same connection as the rows) and every file's size and
sha256. The exports are thus checked against the analyst file, never assumed to follow it: a
run killed between the snapshot's rename and the export's swap leaves a manifest naming the
older snapshot, `export_staleness` says so, and the next run rebuilds them even on a night
with nothing new (warehouse/changes.py). Replaced files keep their mode and group, and the
temporary folders of killed runs are removed (warehouse/files.py).

Cost in proportion to change: the manifest also holds each table's content fingerprint
(warehouse.snapshot.table_fingerprint, one pass) and the file format it was written in. A table
whose fingerprint and format equal the current export's, and whose files there still have the
size and mtime the manifest recorded, is not written again: its two files are hard-linked (or
copied) into the new folder with their recorded sha256. Anything else (no manifest, another
DuckDB, another format, a file touched since) writes the table. The CSV is written without a
sort when one streaming pass shows the table already in key order (the smart_* tables are built
by sorted inserts, warehouse/build.py), which gives the same bytes as sorting. So is the Parquet
file, but its row groups follow the chunks of the scan, which a table patched or inserted in
parts cuts irregularly (e.g. 123,396 rows instead of 122,880): the bytes would then depend on how
the table was inserted. An unsorted Parquet file is therefore kept only when its row groups came
out as the sort makes them (ROW_GROUP_ROWS each, the last one shorter), else written again
sorted: on 1M rows 1.7 s instead of 3.7 s when the scan was regular.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.columns import table_columns
from warehouse.db import apply_limits
from warehouse.dictionary import DIMENSION_COLUMNS, DIMENSION_KEY
from warehouse.files import keep_access, link_or_copy, remove_stale
from warehouse.snapshot import open_analyst, table_fingerprint
from warehouse.sqlutil import literal, quote, scalar, scans_in_order

DATAPACKAGE = "datapackage.json"
# What the export was built from (see the module docstring); the exporter's own file.
MANIFEST = "kp_export.json"
# The table schema (data dictionary) is shared by every resource, so it is written once.
TABLE_SCHEMA = "tableschema.json"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
PUBLISHER = "Dinas Komunikasi dan Informatika Kota Malang (walidata)"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
CSV_OPTIONS = "FORMAT csv, HEADER true, DELIMITER ','"
# DuckDB's default row group size, stated: write_table_parquet checks the files against it.
ROW_GROUP_ROWS = 122_880
PARQUET_OPTIONS = f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
# Bump when the same rows would give other bytes for a reason FILE_FORMAT does not list, so
# no file written the old way is carried into a new export.
FORMAT_VERSION = 1
_COLUMNS = ", ".join(quote(c.name) for c in DIMENSION_COLUMNS)
_KEY = ", ".join(quote(k) for k in DIMENSION_KEY)
# What, besides the rows (and the DuckDB version, in every fingerprint), decides the bytes.
FILE_FORMAT = hashlib.sha256(
    f"{FORMAT_VERSION}|{CSV_OPTIONS}|{PARQUET_OPTIONS}|{_COLUMNS}|{_KEY}".encode()
).hexdigest()[:16]


@dataclass(frozen=True)
class ExportInfo:
    """What an export wrote: the folder, rows per table and every file's sha256."""

    folder: Path
    tables: dict[str, int]
    files: dict[str, str]
    # Tables whose files were carried from the previous export (same content, same format).
    carried: tuple[str, ...] = ()


def write_table_csv(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, *, ordered: bool | None = None
) -> int:
    """Write one dimension table as UTF-8 CSV with a header, rows in key order; return rows.
    A table already stored in key order (`ordered`, found out when None) is written as it is
    scanned (same bytes, no sort)."""
    if ordered is None:
        ordered = in_key_order(con, table)
    with _one_thread(con):
        return _copy(con, table, path, CSV_OPTIONS, sort=not ordered)


@contextlib.contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection):
    """One DuckDB thread for the statements inside. DuckDB's CSV writer keeps the rows in
    order by holding the batches that other threads finish early: with two threads a 1M-row
    table took 3.0 s and ran out of a 160MB limit; with one, 1.6 s in under 96MB (sorted:
    4.2 s instead of 5.4). The Parquet writer gains from the second thread, so only the CSV."""
    threads = scalar(con, "SELECT current_setting('threads')")
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")


def write_table_parquet(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, *, ordered: bool | None = None
) -> int:
    """Write one dimension table as Parquet (codes stay strings), rows in key order; return
    rows. The bytes depend on the rows only: a table stored in key order (`ordered`, found out
    when None) is written as scanned and kept when its row groups are the sort's (see the module
    docstring), else it is written sorted."""
    if ordered is None:
        ordered = in_key_order(con, table)
    rows = _parquet_as_scanned(con, table, path) if ordered else None
    return rows if rows is not None else _copy(con, table, path, PARQUET_OPTIONS, sort=True)


def _parquet_as_scanned(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> int | None:
    """Write the Parquet file of a table in key order as scanned; its rows when its row groups
    came out as the sort's, None when it must be written again, sorted."""
    rows = _copy(con, table, path, PARQUET_OPTIONS, sort=False)
    return rows if _row_groups_as_sorted(con, path) else None


def _row_groups_as_sorted(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Whether every row group of the Parquet file at `path` but the last holds ROW_GROUP_ROWS
    rows, as a sorted COPY writes them (read from the file's footer only)."""
    groups = con.execute(
        "SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(?) "
        "ORDER BY row_group_id",
        [str(path)],
    ).fetchall()
    return _as_sorted([rows for _, rows in groups])


def _as_sorted(sizes: list[int]) -> bool:
    """Whether row groups of these sizes are cut as a sorted COPY cuts them: ROW_GROUP_ROWS
    each, the last one shorter."""
    return all(n == ROW_GROUP_ROWS for n in sizes[:-1]) and all(n <= ROW_GROUP_ROWS for n in sizes)


def stored_regularly(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether every row group of `table` in storage but the last holds ROW_GROUP_ROWS rows (as
    one insert writes them; each further insert starts a row group of its own). Read from the
    storage's metadata, not the rows."""
    groups = con.execute(
        "SELECT row_group_id, sum(count) FROM pragma_storage_info(?) WHERE column_path = '[0]' "
        "GROUP BY row_group_id ORDER BY row_group_id",
        [table],
    ).fetchall()
    return _as_sorted([int(rows) for _, rows in groups])


def in_key_order(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a scan of dimension table `table` gives its rows in key order, so a COPY
    without ORDER BY writes them as sorting would (export_dimensions sets
    `preserve_insertion_order`, DuckDB's default, in case)."""
    return scans_in_order(con, quote(table), DIMENSION_KEY)


def table_schema() -> dict:
    """The Frictionless Table Schema of a dimension table (the data dictionary)."""
    fields = []
    for c in DIMENSION_COLUMNS:
        constraints: dict = {}
        if c.required:
            constraints["required"] = True
        if c.enum:
            constraints["enum"] = list(c.enum)
        if c.pattern:
            constraints["pattern"] = c.pattern
        field = {
            "name": c.name,
            "type": c.type,
            "title": f"{c.label_id} / {c.label_en}",
            "description": f"{c.notes_id} — {c.notes_en}",
        }
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": list(DIMENSION_KEY), "missingValues": [""]}


def export_dimensions(
    analyst_path: str | Path,
    out_dir: str | Path,
    tables: Sequence[str],
    *,
    known: Mapping[str, tuple[int, str]] | None = None,
) -> ExportInfo:
    """Export `tables` of the analyst snapshot into `out_dir` and describe them in
    `datapackage.json`. On any failure the previous export stays as it was.

    `known`: table_fingerprint of tables of this very analyst file, when the snapshot that
    wrote it recorded them (warehouse/prints.py); used for a table whose columns are
    the export's, in its order (the same print then), instead of hashing it again."""
    analyst_path, out_dir = Path(analyst_path), Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out_dir.parent, _temp_pattern(out_dir))  # of killed runs
    previous = _read_manifest(out_dir)
    staging = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        con = open_analyst(analyst_path)
        # The pipeline's memory limit and a spill folder, as on the work database: without
        # them the sorted COPY of 5M facts held ~0.6 GiB (bench/probe.py, 500 x 10,000).
        spill = staging.with_name(staging.name + "-spill")
        try:
            apply_limits(con, spill, analyst_path)
            # The unsorted CSV relies on it (in_key_order); DuckDB's default, set in case.
            con.execute("SET preserve_insertion_order = true")
            # Read in the connection the rows come from: the snapshot these files show.
            built_from = snapshot_published_at(con)
            rows, prints, files, carried, resources = {}, {}, {}, [], []
            for table in tables:
                rows[table], prints[table] = _fingerprint(con, table, known or {})
                shas = _carry(previous, out_dir, staging, table, prints[table])
                if shas is None:
                    shas = _write_table(con, table, staging)
                else:
                    carried.append(table)
                files |= shas
                resources += _resources(staging, table, shas)
            package = _package(con, list(tables), resources)
        finally:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
        _write_json(staging / TABLE_SCHEMA, table_schema())
        _write_json(staging / DATAPACKAGE, package)
        files |= {name: _sha256(staging / name) for name in (TABLE_SCHEMA, DATAPACKAGE)}
        files = dict(sorted(files.items()))
        manifest = _manifest(analyst_path, built_from, rows, prints, staging, files)
        _write_json(staging / MANIFEST, manifest)
        _keep_access(staging, out_dir)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportInfo(folder=out_dir, tables=rows, files=files, carried=tuple(carried))


def _fingerprint(
    con: duckdb.DuckDBPyConnection, table: str, known: Mapping[str, tuple[int, str]]
) -> tuple[int, str]:
    """table_fingerprint of the export's columns of `table`: `known[table]` (a print of all
    its columns) when those are the export's columns in its order, else computed."""
    if table in known:
        columns = [c.name for c in table_columns(con, table)]
        if columns == [c.name for c in DIMENSION_COLUMNS]:
            return known[table]
    return table_fingerprint(con, quote(table), _COLUMNS)


def _write_table(con: duckdb.DuckDBPyConnection, table: str, staging: Path) -> dict[str, str]:
    """Write `table`'s CSV and Parquet into `staging`; their sha256, each file read once.

    A table stored in key order is written by the two writers side by side, each on one DuckDB
    thread: each keeps to about one core anyway (1M rows: CSV 1.8 s and Parquet 1.6 s of CPU),
    so together they take ~2.2 s instead of ~3.8. A table that must be sorted is written one
    file after the other: two sorts at once would share one memory limit. So is a Parquet file
    whose row groups came out irregular (see write_table_parquet): it is written again, sorted,
    after the CSV, with every thread."""
    csv, parquet = staging / f"{table}.csv", staging / f"{table}.parquet"
    ordered = in_key_order(con, table)
    if not ordered:
        write_table_csv(con, table, csv, ordered=False)
        write_table_parquet(con, table, parquet, ordered=False)
    elif not stored_regularly(con, table):
        # The scan's chunks end where the storage's row groups do, and so would the Parquet
        # file's: it would be written again sorted, so it is written sorted at once (500 x
        # 10,000: a table built in several sorted inserts; ~9 s of 30 were the wasted write).
        write_table_csv(con, table, csv, ordered=True)
        write_table_parquet(con, table, parquet, ordered=False)
    else:
        reading = scalar(con, "SELECT current_database()")
        with _one_thread(con), ThreadPoolExecutor(max_workers=1) as pool:
            csv_written = pool.submit(_write_csv_apart, con.cursor(), table, csv, reading)
            kept = _parquet_as_scanned(con, table, parquet) is not None
            csv_written.result()
        if not kept:
            write_table_parquet(con, table, parquet, ordered=False)
    # Side by side: hashlib lets go of the GIL while it hashes.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([csv.name, parquet.name], pool.map(_sha256, [csv, parquet]), strict=True))


def _write_csv_apart(
    cursor: duckdb.DuckDBPyConnection, table: str, path: Path, database: str
) -> int:
    """The CSV of a table in key order, as scanned, on a cursor of its own (a DuckDB connection
    runs one statement at a time) that reads `database`; closes the cursor. The caller holds
    the one DuckDB thread (`threads` is the database's setting, not the cursor's)."""
    with cursor:
        cursor.execute(f"USE {quote(database)}")
        return _copy(cursor, table, path, CSV_OPTIONS, sort=False)


def _carry(
    previous: dict, out_dir: Path, staging: Path, table: str, fingerprint: str
) -> dict[str, str] | None:
    """Link `table`'s files from the current export into `staging` and return their recorded
    sha256 when that export holds exactly these rows in this format and the files are as it
    wrote them (size and mtime); None when the table must be written."""
    if previous.get("format") != FILE_FORMAT:
        return None
    if previous.get("fingerprints", {}).get(table) != fingerprint:
        return None
    shas = {}
    for name in (f"{table}.csv", f"{table}.parquet"):
        described = previous.get("files", {}).get(name) or {}
        try:
            found = (out_dir / name).stat()
        except FileNotFoundError:
            return None
        if (
            not described.get("sha256")
            or found.st_size != described.get("bytes")
            or found.st_mtime_ns != described.get("mtime_ns")
        ):
            return None
        shas[name] = described["sha256"]
    for name in shas:
        link_or_copy(out_dir / name, staging / name)
    return shas


def _read_manifest(out_dir: Path) -> dict:
    """The current export's manifest, or {} when there is none or it cannot be read (then
    every table is written)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def snapshot_published_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """`kp_snapshot.published_at` of the analyst file open in `con` (None without one)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND table_name = 'kp_snapshot'"
    ).fetchall()[0][0]
    if not found:
        return None
    return con.execute("SELECT max(published_at) FROM kp_snapshot").fetchall()[0][0]


def export_staleness(out_dir: str | Path, published_at: datetime | None) -> str:
    """Why the export in `out_dir` does not show the analyst snapshot published at
    `published_at` ("" when it does): no manifest, a manifest naming another snapshot, or a
    listed file missing or of another size (cheap: no file is read but the manifest)."""
    out_dir = Path(out_dir)
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        built_from = manifest["snapshot_published_at"]
        files = manifest["files"]
    except FileNotFoundError:
        return f"open exports in {out_dir} have no {MANIFEST} (never written, or before it)"
    except (ValueError, KeyError, TypeError) as exc:
        return f"open exports in {out_dir}: {MANIFEST} is unreadable ({exc})"
    if (
        built_from is None
        or published_at is None
        or (datetime.fromisoformat(built_from) != published_at)
    ):
        now = published_at.isoformat() if published_at else "none"
        return (
            f"open exports in {out_dir} were built from the analyst snapshot of {built_from}, "
            f"not the current one of {now}"
        )
    for name, described in sorted(files.items()):
        path = out_dir / name
        if not path.is_file() or path.stat().st_size != described.get("bytes"):
            return f"open exports in {out_dir}: {name} is missing or changed since the export"
    return ""


def _manifest(
    analyst_path: Path,
    built_from: datetime | None,
    rows: dict[str, int],
    prints: dict[str, str],
    folder: Path,
    files: dict[str, str],
) -> dict:
    """What this export was built from and what it holds (see export_staleness), and what the
    next export needs to carry unchanged tables (`format`, `fingerprints`, each file's
    `mtime_ns`)."""
    described = {}
    for name, sha in files.items():
        found = (folder / name).stat()
        described[name] = {"bytes": found.st_size, "sha256": sha, "mtime_ns": found.st_mtime_ns}
    return {
        "analyst_file": str(analyst_path),
        "snapshot_published_at": built_from.isoformat() if built_from else None,
        "tables": rows,
        "format": FILE_FORMAT,
        "fingerprints": prints,
        "files": described,
    }


def _temp_pattern(out_dir: Path) -> re.Pattern[str]:
    """Exactly the names export_dimensions gives its staging, spill and old folders."""
    return re.compile(rf"\.{re.escape(out_dir.name)}\.(?:tmp|old)-(?P<pid>\d+)(?:-spill)?")


def _keep_access(staging: Path, out_dir: Path) -> None:
    """The new folder and each file take the mode and group of what they replace (a new file
    those of the old datapackage.json), so readers of the old export can read the new one."""
    if not out_dir.is_dir():
        return
    keep_access(staging, out_dir)
    for path in staging.iterdir():
        same = out_dir / path.name
        keep_access(path, same if same.is_file() else out_dir / DATAPACKAGE)


def _copy(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, options: str, *, sort: bool
) -> int:
    order = f" ORDER BY {_KEY}" if sort else ""
    con.execute(
        f"COPY (SELECT {_COLUMNS} FROM {quote(table)}{order}) TO {literal(str(path))} ({options})"
    )
    return con.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()[0][0]


def _resources(folder: Path, table: str, shas: dict[str, str]) -> list[dict]:
    title = table.replace("_", " ").title()
    common = {
        "profile": "tabular-data-resource",
        "title": title,
        "schema": TABLE_SCHEMA,
        "licenses": [LICENSE],
    }
    csv, parquet = folder / f"{table}.csv", folder / f"{table}.parquet"
    return [
        {
            "name": table,
            "path": csv.name,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": f"{title}: one row per indicator, region and period (CSV, UTF-8).",
            "bytes": csv.stat().st_size,
            "hash": f"sha256:{shas[csv.name]}",
            **common,
        },
        {
            "name": f"{table}_parquet",
            "path": parquet.name,
            "format": "parquet",
            "mediatype": PARQUET_MEDIATYPE,
            # No bytes/hash here: frictionless reads Parquet through pyarrow and cannot count
            # its bytes, so declaring them fails validation; ExportInfo.files has the sha256.
            "description": f"{title}: the same rows as {csv.name}, in Parquet.",
            **common,
        },
    ]


def _package(con: duckdb.DuckDBPyConnection, tables: list[str], resources: list[dict]) -> dict:
    sample = _any_sample(con, tables)
    label = "[SAMPLE] " if sample else ""
    description = (
        "Indikator smart city Kota Malang (kode wilayah 35.73) per dimensi, satu baris per "
        "indikator, wilayah dan periode. English: Kota Malang smart-city indicators by "
        "dimension, one row per indicator, region and period."
    )
    if sample:
        description = (
            "SAMPLE DATA — contoh buatan, bukan angka resmi Pemerintah Kota Malang atau BPS "
            "(made-up sample figures, not official statistics). " + description
        )
    sources = con.execute(
        "SELECT DISTINCT s.sumber_id, s.judul, s.lokasi FROM meta_sumber AS s "
        "JOIN dim_indikator AS i USING (sumber_id) "
        f"WHERE i.dimensi IN ({', '.join('?' for _ in tables)}) ORDER BY 1",
        tables,
    ).fetchall()
    producers = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT produsen FROM dim_indikator WHERE produsen IS NOT NULL "
            f"AND dimensi IN ({', '.join('?' for _ in tables)}) ORDER BY 1",
            tables,
        ).fetchall()
    ]
    return {
        "profile": "tabular-data-package",
        "name": "kota-malang-smart-city",
        "title": f"{label}Kota Malang — indikator smart city / smart-city indicators",
        "description": description,
        "keywords": ["kota-malang", "smart-city", *(t.replace("_", "-") for t in tables)],
        "licenses": [LICENSE],
        "sources": [{"title": title, "path": path} for _, title, path in sources],
        "contributors": [{"title": PUBLISHER, "role": "publisher"}]
        + [{"title": p, "role": "author"} for p in producers],
        "resources": resources,
    }


def _any_sample(con: duckdb.DuckDBPyConnection, tables: list[str]) -> bool:
    if not tables:
        return False
    marks = ", ".join("?" for _ in tables)
    sql = f"SELECT count(*) FROM dim_indikator WHERE sampel AND dimensi IN ({marks})"
    return bool(con.execute(sql, tables).fetchall()[0][0])


def _swap(staging: Path, out_dir: Path) -> None:
    # Two renames: the old folder steps aside, the new one takes its name, then the old goes.
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except BaseException:
        with contextlib.suppress(OSError):
            os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
