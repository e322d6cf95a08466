"""The whole-process floor: what `kotapintar run` does to a CSV catalog, done by DuckDB alone.

    .venv/bin/python bench/whole_floor.py prepare --catalog DIR --work DIR --script floor.json
    .venv/bin/python bench/whole_floor.py run floor.json --out timings.json     # the timed process

`prepare` writes the SQL from the catalog with bench/floor.py's builder (the same statements the
in-process floor runs, held equal to the parser's rows by tests/test_bench_generate.py); it is
not timed, as a hand-written script would have the SQL in it already. `run` imports DuckDB and
nothing of ours and does the job end to end in one work-database file: `read_csv` of each file,
one statement per source that drops title/"Jumlah"/footnote rows, maps region names to codes,
reads Indonesian numbers and unpivots; the tidy suite's rules, the fact table's integrity and a
personal-data screen as SQL counts (any violation fails the run); `fact_indikator` in key order,
`dim_wilayah`, `dim_indikator` and one `smart_<dimension>` table per dimension with the
pipeline's columns; a new analyst file with those tables, swapped in with `os.replace`; a CSV
and a zstd Parquet export of each `smart_*` table. `--outputs lean` does what issue 14 lists
instead: the fact table as the rows come, the snapshot of it and the dimensions, the fact table
exported. Both run with the work database's limits (memory_limit, threads; warehouse/db.py).
Only CSV sources (the whole-process CSV case).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_CSV = ROOT / "sources" / "wilayah_kota_malang.csv"
KEY = "indikator, kode_wilayah, periode"
# The pipeline's smart_* columns (warehouse/build.py DIMENSION_SELECT), from f(act), i(ndicator)
# and w(ilayah).
SMART_SELECT = (
    "f.indikator, i.nama_id AS nama_indikator, i.nama_en AS nama_indikator_en, i.satuan, "
    "i.arah, i.pilar, f.kode_wilayah, w.nama AS nama_wilayah, w.tingkat, w.kode_kecamatan, "
    "f.periode, f.nilai, f.status, f.catatan, i.produsen, f.sumber_id, f.berkas_sha256, f.lokasi"
)
# The personal-data guard's screen: 10+ digits in a row or an e-mail sign in a text column.
PII = "regexp_matches({c}, '[0-9]{{10}}|@')"


def prepare(catalog: Path, work: Path, outputs: str = "pipeline") -> dict:
    """The statements of a floor run over `catalog` writing under `work` (paths absolute).

    `outputs`: "pipeline" builds what the pipeline publishes (`fact_indikator` in key order,
    the dimensions, one `smart_<dimension>` table per dimension with its 18 columns, each
    exported); "lean" only what issue 14 lists (a fact table as the rows come, the dimensions,
    the fact table exported)."""
    sys.path.insert(0, str(ROOT))
    from bench.floor import CHECKS_SQL, _lit, csv_raw_sql, region_rows, tidy_sql
    from sources.catalog import load_catalog
    from sources.tidy import PERIODE_PATTERN
    from warehouse.db import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS

    entries = load_catalog(catalog)
    others = [e.id for e in entries if e.reads_as != "csv"]
    if others:
        raise SystemExit(f"whole_floor: CSV sources only; not CSV: {', '.join(others)}")
    regions = ", ".join(f"({_lit(t)}, {_lit(k)}, {_lit(c)})" for t, k, c in region_rows())
    load = [
        # The limits the pipeline gives each work-database connection (warehouse/db.py).
        f"SET memory_limit = {_lit(DEFAULT_MEMORY_LIMIT)}",
        f"SET threads = {DEFAULT_THREADS}",
        # The tidy rows need no order (bench/floor.py); the tables below keep theirs.
        "SET preserve_insertion_order = false",
        "CREATE OR REPLACE TABLE floor_regions (tingkat VARCHAR, kunci VARCHAR, kode VARCHAR)",
        f"INSERT INTO floor_regions VALUES {regions}",
    ]
    checks, files = [], {}
    for n, entry in enumerate(entries):
        labels, raw, lokasi = csv_raw_sql(entry, entry.local_path())
        load += [raw, tidy_sql(entry, labels, lokasi, f"tidy_{n}")]
        indicators = ", ".join(_lit(i.code) for i in entry.indicators)
        pattern = _lit(PERIODE_PATTERN)
        checks.append(CHECKS_SQL.format(table=f"tidy_{n}", indicators=indicators, pattern=pattern))
        files[f"tidy_{n}"] = str(entry.local_path())
    indicator_rows = ", ".join(
        "(" + ", ".join("NULL" if v is None else _lit(str(v)) for v in (
            i.code, i.name_id, i.name_en, e.indicator_dimension(i), e.indicator_pillar(i), i.unit,
            i.direction, e.agency.name, e.id)) + ")"
        for e in entries for i in e.indicators
    )  # fmt: skip
    lean = outputs == "lean"
    dimensions = [] if lean else sorted({e.indicator_dimension(i) for e in entries
                                         for i in e.indicators})  # fmt: skip
    union = " UNION ALL ".join(
        f"SELECT sumber_id, indikator, kode_wilayah, periode, nilai, status, catatan, lokasi, "
        f"{{sha_{name}}} AS berkas_sha256 FROM {name}"
        for name in files
    )
    warehouse = [
        "SET preserve_insertion_order = true",  # a table written in key order is read so
        f"CREATE OR REPLACE TABLE dim_wilayah AS SELECT kode_kemendagri AS kode_wilayah, nama, "
        f"tingkat, kode_induk, kode_bps, CASE tingkat WHEN 'kelurahan' THEN kode_induk "
        f"WHEN 'kecamatan' THEN kode_kemendagri END AS kode_kecamatan "
        f"FROM read_csv({_lit(str(REFERENCE_CSV))}, header=true, all_varchar=true)",
        "CREATE OR REPLACE TABLE dim_indikator (kode VARCHAR, nama_id VARCHAR, nama_en VARCHAR, "
        "dimensi VARCHAR, pilar VARCHAR, satuan VARCHAR, arah VARCHAR, produsen VARCHAR, "
        "sumber_id VARCHAR)",
        f"INSERT INTO dim_indikator VALUES {indicator_rows}",
        f"CREATE OR REPLACE TABLE fact_indikator AS SELECT * FROM ({union})"
        + ("" if lean else f" ORDER BY {KEY}"),
        *(
            f"CREATE OR REPLACE TABLE {d} AS SELECT {SMART_SELECT} FROM fact_indikator AS f "
            f"JOIN dim_indikator AS i ON i.kode = f.indikator LEFT JOIN dim_wilayah AS w "
            f"ON w.kode_wilayah = f.kode_wilayah WHERE i.dimensi = {_lit(d)} "
            f"ORDER BY f.indikator, f.kode_wilayah, f.periode"
            for d in dimensions
        ),
    ]
    integrity = (
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM fact_indikator GROUP BY "
        f"{KEY} HAVING count(*) > 1)) AS fact_key_unique, "
        "(SELECT count(*) FROM fact_indikator WHERE kode_wilayah NOT IN "
        "(SELECT kode_wilayah FROM dim_wilayah)) AS fact_region_known, "
        "(SELECT count(*) FROM fact_indikator WHERE indikator NOT IN "
        "(SELECT kode FROM dim_indikator)) AS fact_indicator_known"
    )
    text = ["nama_indikator", "nama_wilayah", "catatan", "lokasi"]
    guard = [
        f"SELECT {', '.join(f'count(*) FILTER (WHERE {PII.format(c=c)}) AS {d}_{c}' for c in text)}"
        f" FROM {d}"
        for d in dimensions
    ]
    analyst = work / "analyst" / "kotapintar.duckdb"
    tables = ["dim_wilayah", "dim_indikator", "fact_indikator", *dimensions]
    snapshot = [
        # The pipeline's analyst file is in an older storage format too (warehouse/snapshot.py).
        f"ATTACH {_lit(str(analyst) + '.tmp')} AS snap (STORAGE_VERSION 'v1.4.0')",
        *(f"CREATE TABLE snap.{t} AS SELECT * FROM {t}" for t in tables),
        "CHECKPOINT snap",
        "DETACH snap",
    ]
    exports = work / "exports"
    copies = []
    for table in ["fact_indikator"] if lean else dimensions:
        # Written in key order above (the pipeline sorts again when it exports).
        copies += [
            f"COPY {table} TO {_lit(str(exports / f'{table}.csv'))} (FORMAT csv, HEADER true)",
            f"COPY {table} TO {_lit(str(exports / f'{table}.parquet'))} "
            "(FORMAT parquet, COMPRESSION zstd)",
        ]
    return {
        "outputs": outputs,
        "database": str(work / "work.duckdb"),
        "analyst": str(analyst),
        "exports": str(exports),
        "files": files,
        "load": load,
        "checks": checks,
        "warehouse": warehouse,
        "table_checks": [integrity, *guard],
        "snapshot": snapshot,
        "export": copies,
    }


def run(script: dict) -> dict:
    """Execute a prepared script; seconds per phase and the checks' counts."""
    import hashlib
    import os

    import duckdb

    seconds = {}
    started = time.perf_counter()
    Path(script["analyst"]).parent.mkdir(parents=True, exist_ok=True)
    Path(script["exports"]).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(script["database"])
    for statement in script["load"]:
        con.execute(statement)
    seconds["load"] = time.perf_counter() - started
    mark = time.perf_counter()
    counts = _counts(con, script["checks"])
    seconds["checks"] = time.perf_counter() - mark
    mark = time.perf_counter()
    sha = {}
    for table, path in script["files"].items():
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        sha[f"sha_{table}"] = f"'{digest}'"
    for statement in script["warehouse"]:
        con.execute(statement.format(**sha) if "{sha_" in statement else statement)
    seconds["warehouse"] = time.perf_counter() - mark
    mark = time.perf_counter()
    counts |= _counts(con, script["table_checks"])
    seconds["table_checks"] = time.perf_counter() - mark
    mark = time.perf_counter()
    for statement in script["snapshot"]:
        con.execute(statement)
    os.replace(script["analyst"] + ".tmp", script["analyst"])
    seconds["snapshot"] = time.perf_counter() - mark
    mark = time.perf_counter()
    for statement in script["export"]:
        con.execute(statement)
    seconds["export"] = time.perf_counter() - mark
    facts = con.execute("SELECT count(*) FROM fact_indikator").fetchone()[0]
    con.close()
    return {
        "outputs": script["outputs"],
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "facts": facts,
        "checks": counts,
    }


def _counts(con, queries: list[str]) -> dict[str, int]:
    """The violation counts of check queries (one row of counts each); any count fails."""
    counts: dict[str, int] = {}
    for query in queries:
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        for name, value in zip(names, cursor.fetchone(), strict=True):
            counts[name] = counts.get(name, 0) + int(value or 0)
    failed = {k: v for k, v in counts.items() if v}
    if failed:
        raise SystemExit(f"whole_floor: checks failed: {failed}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("prepare", help="write the script (not timed)")
    make.add_argument("--catalog", type=Path, required=True)
    make.add_argument("--work", type=Path, required=True)
    make.add_argument("--script", type=Path, required=True)
    make.add_argument("--outputs", choices=["pipeline", "lean"], default="pipeline")
    execute = commands.add_parser("run", help="run a script (the timed process)")
    execute.add_argument("script", type=Path)
    execute.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.command == "prepare":
        script = prepare(args.catalog, args.work.resolve(), args.outputs)
        args.script.write_text(json.dumps(script, indent=1), encoding="utf-8")
        return
    result = run(json.loads(args.script.read_text(encoding="utf-8")))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
