"""The floor: DuckDB alone turning the same files into the same tidy rows, checked in one pass.

Per source: DuckDB's `read_csv` (CSV) or `read_json` over the recorded DataStore pages (feeds)
into a table (workbooks: DuckDB has no offline xlsx reader, so calamine reads the cells and
DuckDB takes them as an Arrow table); one SQL statement drops title/"Jumlah"/footnote rows,
resolves region names and codes (a join on the normalised name), reads Indonesian numbers and
markers, splits the value columns into long rows with their `lokasi`; one SQL pass counts the
tidy suite's rules (keys not null, region known, periode well-formed, status allowed, nilai
numeric, key unique). Then one fact table over all sources, all in a DuckDB file on disk.

What it skips, on purpose: per-cell error messages, evidence, provenance tables, the analyst
snapshot and Dagster. It is the price of the data movement itself.
"""

from __future__ import annotations

import csv
import re
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources.catalog import REPO_ROOT, SourceEntry
from sources.grid import NUMERIC_TYPES, column_letter, read_grid
from sources.parse import cell_text
from sources.textsniff import detect_delimiter, detect_encoding
from sources.tidy import PERIODE_PATTERN, STATUSES
from sources.wilayah import RegionResolver, UnknownRegionError, normalise_name, reference

MARKERS = ["", "…", "...", "..", "na", "n/a", "n.a.", "nan", "tt", "td", "x"]
DASHES = ["-", "–", "—"]
_PREFIX = r"^(kota|kecamatan|kec|kelurahan|kel|desa|ds)\b\.?\s*"
# A text cell `t` (spaces, no-break spaces and the `*` marker gone) as a number, per the
# catalog's `decimal` style (sources/numbers.py).
_NUMBER_SQL = {
    "comma": "replace(replace(t, '.', ''), ',', '.')",  # 1.234,5
    "point": "replace(t, ',', '')",  # 1,234.5
    "space": "replace(t, ',', '.')",  # 21 575,5 or 21 575.5: spaces group thousands
    "plain": "t",  # 5345.00
}


def region_rows() -> list[tuple[str, str, str]]:
    """(tingkat, kunci, kode): each region's code, BPS code and normalised name as keys."""
    rows = []
    for w in reference():
        rows += [(w.tingkat, w.kode, w.kode), (w.tingkat, normalise_name(w.nama), w.kode)]
        if w.kode_bps:
            rows.append((w.tingkat, w.kode_bps, w.kode))
    return rows


def region_table(con: duckdb.DuckDBPyConnection) -> None:
    """`floor_regions(tingkat, kunci, kode)`: codes, BPS codes and normalised names."""
    rows = region_rows()
    con.execute(
        "CREATE OR REPLACE TABLE floor_regions (tingkat VARCHAR, kunci VARCHAR, kode VARCHAR)"
    )
    con.executemany("INSERT INTO floor_regions VALUES (?, ?, ?)", rows)


def _labels(rows: list[list[object]], depth: int) -> list[str]:
    texts = [[cell_text(v) for v in row] for row in rows[:depth]]
    width = max(len(row) for row in texts)
    labels = []
    for c in range(width):
        parts = [p for p in (row[c] if c < len(row) else "" for row in texts) if p]
        labels.append(" / ".join(parts[:1] if len(parts) == 2 and parts[0] == parts[1] else parts))
    return labels


def csv_raw_sql(entry: SourceEntry, path: Path) -> tuple[list[str], str, str]:
    """A CSV source's header labels, the statement that loads its body into `raw(r, c0, ...)`
    and the SQL template of a cell's lokasi (bench/whole_floor.py runs the same statement)."""
    spec = entry.parse
    body_start = spec.header_row - 1 + spec.header_depth
    encoding = detect_encoding(path) if spec.encoding == "auto" else spec.encoding
    with path.open(encoding=encoding, newline="") as handle:
        delimiter = spec.delimiter or detect_delimiter(handle.read(65536))
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        head = [row for _, row in zip(range(body_start), reader, strict=False)]
    labels = _labels(head[spec.header_row - 1 :], spec.header_depth)
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(labels)))
    sql = (
        f"CREATE OR REPLACE TEMP TABLE raw AS "
        f"SELECT row_number() OVER () + {body_start - 1} AS r, * "
        f"FROM read_csv({_lit(str(path))}, delim={_lit(delimiter)}, header=false, "
        f"skip={body_start}, quote='\"', escape='\"', null_padding=true, auto_detect=false, "
        f"columns={{{columns}}})"
    )
    return labels, sql, "'baris ' || (r + 1) || ', kolom ' || ({c} + 1)"


def _read_raw(con, entry: SourceEntry, path: Path) -> tuple[list[str], str]:
    """Load the body rows into `raw(r, c0, c1, ...)` (r = 0-based grid row); return the header
    labels and the SQL template of a cell's lokasi (`{r}`, `{c}` filled in SQL)."""
    spec = entry.parse
    body_start = spec.header_row - 1 + spec.header_depth
    if entry.reads_as == "csv":
        labels, sql, lokasi = csv_raw_sql(entry, path)
        con.execute(sql)
        return labels, lokasi
    if entry.reads_as == "records":
        pages = str(path / "datastore_search.offset-*.json")
        fields = con.execute(
            "SELECT [(f.id, f.type) FOR f IN result.fields] FROM read_json(?) LIMIT 1", [pages]
        ).fetchall()[0][0]
        fields = [(name, str(kind).lower()) for name, kind in fields]
        columns = ", ".join(
            # Numeric DataStore fields carry machine numbers: written as "1234,5" for the reader.
            f"replace(CAST(rec.{_q(name)} AS VARCHAR), '.', ',') AS c{i}"
            if kind in NUMERIC_TYPES
            else f"CAST(rec.{_q(name)} AS VARCHAR) AS c{i}"
            for i, (name, kind) in enumerate(fields)
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE raw AS SELECT row_number() OVER () AS r, {columns} "
            f"FROM (SELECT unnest(result.records) AS rec FROM read_json(?))",
            [pages],
        )
        fields = [name for name, _ in fields]
        return list(fields), "'records[' || (r - 1) || '].' || {field}"
    grid = read_grid(entry, path)  # calamine; merged header cells filled
    labels = _labels(grid.cells[spec.header_row - 1 :], spec.header_depth)
    body = grid.cells[body_start:]
    table = {"r": pa.array(range(body_start, body_start + len(body)), pa.int64())}
    for i in range(len(labels)):
        values = [row[i] if i < len(row) else None for row in body]
        table[f"c{i}"] = pa.array([_xlsx_text(v) for v in values], pa.string())
    sheet = re.fullmatch(r"sheet `(.+)`", grid.describe)
    if sheet is None:  # a place the row and column cannot spell (a BPS WebAPI answer's keys)
        table["places"] = pa.array(
            [[grid.locate(r, c) for c in range(len(labels))] for r in table["r"].to_pylist()],
            pa.list_(pa.string()),
        )
    con.register("raw_arrow", pa.table(table))
    con.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM raw_arrow")
    con.unregister("raw_arrow")
    if sheet is None:
        return labels, "places[{c} + 1]"
    return labels, f"'{sheet[1]}!' || {{letter}} || (r + 1)"


def _xlsx_text(value: object) -> str | None:
    # Workbook numbers as Indonesian text, so one SQL number reader serves every kind.
    if isinstance(value, float | int) and not isinstance(value, bool):
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return None if value is None or value == "" else str(value)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _column(labels: list[str], header: str) -> int:
    target = cell_text(header)
    for exact in (True, False):
        for i, label in enumerate(labels):
            if label == target if exact else label.casefold() == target.casefold():
                return i
    raise ValueError(f"floor: column {target!r} not in {labels}")


def _value_columns(entry: SourceEntry, labels: list[str]) -> list[tuple]:
    """(column, indicator, periode SQL, provisional SQL, kode SQL) per value column."""
    spec = entry.parse
    if spec.layout == "wide_by_period":
        # Matched on the header or its last part (a two-row header: "Jumlah ... / 2021").
        pattern = re.compile(spec.period_columns)
        return [
            (i, spec.indicator, _lit(period.rstrip("*").strip()), str(period.endswith("*")), "NULL")
            for i, label in enumerate(labels)
            for period in [label.rsplit(" / ", 1)[-1]]
            if pattern.search(label) or pattern.search(period)
        ]
    if spec.period.column:
        p = _column(labels, spec.period.column)
        periode, provisional = f"rtrim(trim(c{p}), '*')", f"ends_with(trim(c{p}), '*')"
    else:
        periode = _lit(spec.period.value.rstrip("*").strip())
        provisional = str(spec.period.value.endswith("*"))
    if spec.layout == "wide_by_region":
        return _region_columns(entry, labels, periode, provisional)
    return [
        (_column(labels, h), code, periode, provisional, "NULL") for h, code in spec.values.items()
    ]


def _region_columns(entry: SourceEntry, labels: list[str], periode: str, provisional: str):
    """wide_by_region: every header that names a region is a value column of that region
    (period, dropped and total columns aside), as sources/columns.py reads it."""
    spec = entry.parse
    resolver = RegionResolver(spec.region.level)
    totals = spec.row_rules("total")[0]
    skip = [re.compile(p, re.IGNORECASE) for p in [*spec.drop_columns, *totals]]
    period = _column(labels, spec.period.column) if spec.period.column else None
    columns = []
    for i, label in enumerate(labels):
        if not label or i == period or any(p.search(label) for p in skip):
            continue
        for candidate in [label.rsplit(" / ", 1)[-1], label]:
            try:
                kode = resolver.resolve(candidate)
            except UnknownRegionError:
                continue
            columns.append((i, spec.indicator, periode, provisional, _lit(kode)))
            break
    return columns


def tidy_sql(entry: SourceEntry, labels: list[str], lokasi: str, table: str) -> str:
    """One statement: raw -> the tidy rows of `entry` in `table`."""
    spec = entry.parse
    unexpressed = [
        what
        for what, used in [
            ("`decimal: auto`", spec.decimal == "auto"),
            ("`column_decimal`", bool(spec.column_decimal)),
            ("`status`", spec.status is not None),
        ]
        if used
    ]
    if unexpressed:
        raise ValueError(
            f"floor: {entry.id} uses {', '.join(unexpressed)}, which this SQL floor does not "
            "express; leave the source out of the floor's catalog or teach tidy_sql the rule"
        )
    # Indicators published as estimates: every row `perkiraan` (sources/parse.py).
    estimates = ", ".join(_lit(i.code) for i in entry.indicators if i.estimate) or "NULL"
    level = _lit(spec.region.level)
    first = "coalesce(" + ", ".join(f"nullif(trim(c{i}), '')" for i in range(len(labels))) + ")"
    drop = "|".join(f"({p})" for p in [*spec.row_rules("drop")[0], *spec.row_rules("total")[0]])
    drops = f"regexp_matches(first_text, {_lit('(?i)' + drop)})" if drop else "false"
    if spec.layout == "wide_by_region":
        region, joins, where = "NULL", "", ""  # the header names the region: m.kode
    elif spec.region.code:
        code = _lit(spec.region.code)
        region = f"(SELECT kode FROM floor_regions WHERE kunci = {code} AND tingkat = {level})"
        joins, where = "", ""
    else:
        g = _column(labels, spec.region.column)
        # Names are normalised once per distinct spelling, then joined back (a hash join): the
        # whole name first ("Kota Lama" is kelurahan Kotalama), then without its prefix word.
        whole = "regexp_replace(lower(trim(name)), '[^a-z]', '', 'g')"
        folded = (
            f"regexp_replace(regexp_replace(lower(trim(name)), {_lit(_PREFIX)}, ''), "
            "'[^a-z]', '', 'g')"
        )
        # A table that covers a wider area (region.covers): only the city's own rows load, by
        # their whole name ("Malang" there is Kabupaten Malang); the other rows are left out.
        covers = spec.region.covers is not None
        names = (
            f"(SELECT name, coalesce(rc.kode, rw.kode{'' if covers else ', rn.kode'}) AS kode "
            f"FROM (SELECT DISTINCT c{g} AS name FROM raw) "
            f"LEFT JOIN floor_regions AS rc ON rc.tingkat = {level} AND rc.kunci = trim(name) "
            f"LEFT JOIN floor_regions AS rw ON rw.tingkat = {level} AND rw.kunci = {whole} "
            f"LEFT JOIN floor_regions AS rn ON rn.tingkat = {level} AND rn.kunci = {folded})"
        )
        region, joins = "names.kode", f"LEFT JOIN {names} AS names ON names.name = body.c{g}"
        where = f"AND nullif(trim(c{g}), '') IS NOT NULL"
        where += " AND names.kode IS NOT NULL" if covers else ""
    dash = "0.0" if spec.dash == "zero" else "NULL"
    markers = ", ".join(map(_lit, MARKERS))
    dashes = ", ".join(map(_lit, DASHES))
    columns = _value_columns(entry, labels)
    row_period = spec.layout != "wide_by_period" and spec.period.column is not None
    # One row per value column: which cell column, its indicator, and (wide layouts) period.
    mapping = ", ".join(
        f"({_lit(f'c{i}')}, {i}, {_lit(code)}, "
        + ("NULL, NULL" if row_period else f"{periode}, {provisional}")
        + f", {_lit(column_letter(i))}, {_lit(labels[i])}, {kode})"
        for i, code, periode, provisional, kode in columns
    )
    periode = columns[0][2] if row_period else "m.periode"
    provisional = columns[0][3] if row_period else "m.provisional"
    cell_lokasi = lokasi.format(c="m.i", letter="m.letter", field="m.field")
    t = "rtrim(replace(replace(trim(cell), chr(160), ''), ' ', ''), '*')"
    unpivot = ", ".join(f"c{i}" for i, *_ in columns)
    return (
        f"CREATE OR REPLACE TABLE {table} AS "
        f"WITH body AS (SELECT * FROM (SELECT *, {first} AS first_text FROM raw) "
        f"WHERE first_text IS NOT NULL AND NOT {drops}), "
        f"located AS (SELECT body.*, {region} AS kode_wilayah FROM body {joins} "
        f"WHERE true {where}), "
        f"m(col, i, indikator, periode, provisional, letter, field, kode) AS (VALUES {mapping}), "
        f"cells AS (SELECT *, {t} AS t FROM located UNPIVOT INCLUDE NULLS "
        f"(cell FOR col IN ({unpivot}))) "
        f"SELECT {_lit(entry.id)} AS sumber_id, m.indikator, "
        "coalesce(m.kode, kode_wilayah) AS kode_wilayah, "
        f"{periode} AS periode, "
        f"CASE WHEN t IS NULL OR lower(t) IN ({markers}) THEN NULL "
        f"WHEN t IN ({dashes}) THEN {dash} "
        f"ELSE TRY_CAST({_NUMBER_SQL[spec.decimal]} AS DOUBLE) END AS nilai, "
        f"CASE WHEN m.indikator IN ({estimates}) THEN 'perkiraan' "
        f"WHEN {provisional} OR ends_with(trim(cell), '*') THEN 'sementara' "
        f"ELSE 'final' END AS status, "
        f"CASE WHEN cell IS NULL THEN 'kosong' WHEN lower(t) IN ({markers}) "
        f"THEN 'tidak tersedia (' || t || ')' WHEN t IN ({dashes}) AND {dash} IS NULL "
        f"THEN 'tidak ada data (-)' END AS catatan, "
        f"{cell_lokasi} AS lokasi "
        f"FROM cells JOIN m USING (col)"
    )


CHECKS_SQL = """
SELECT
    count(*) FILTER (WHERE indikator IS NULL OR kode_wilayah IS NULL OR periode IS NULL
                     OR status IS NULL) AS keys_not_null,
    count(*) FILTER (WHERE indikator NOT IN ({indicators})) AS indikator_declared,
    count(*) FILTER (WHERE kode_wilayah IS NOT NULL AND r.kode IS NULL) AS kode_wilayah_known,
    count(*) FILTER (WHERE NOT regexp_full_match(periode, {pattern})) AS periode_well_formed,
    count(*) FILTER (WHERE status NOT IN ({statuses})) AS status_allowed,
    count(*) FILTER (WHERE nilai IS NULL AND catatan IS NULL) AS nilai_numeric,
    (SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY indikator, kode_wilayah, periode
                           HAVING count(*) > 1)) AS key_unique
FROM {table} AS t LEFT JOIN (SELECT DISTINCT kode FROM floor_regions) AS r
    ON t.kode_wilayah = r.kode
"""
# The tidy suite's statuses (sources/tidy.py), filled in once.
CHECKS_SQL = CHECKS_SQL.replace("{statuses}", ", ".join(map(_lit, STATUSES)))


def floor_source(con: duckdb.DuckDBPyConnection, entry: SourceEntry, path: Path, n: int) -> dict:
    """Read, reshape and check one source into `tidy_<n>`; its rows and rule violations."""
    started = time.perf_counter()
    labels, lokasi = _read_raw(con, entry, path)
    read_seconds = time.perf_counter() - started
    table = f"tidy_{n}"
    con.execute(tidy_sql(entry, labels, lokasi, table))
    indicators = ", ".join(_lit(i.code) for i in entry.indicators)
    sql = CHECKS_SQL.format(table=table, indicators=indicators, pattern=_lit(PERIODE_PATTERN))
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    violations = dict(zip(names, cursor.fetchall()[0], strict=True))
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    violations = {k: v for k, v in violations.items() if v}
    return {"rows": rows, "violations": violations, "read_seconds": read_seconds}


def source_path(entry: SourceEntry) -> Path:
    """The file (or recording folder) a source's bytes come from, without the pipeline."""
    if entry.kind in ("ckan_datastore", "bps_webapi"):  # the recorded answer(s)
        return REPO_ROOT / entry.recording
    if entry.kind == "ckan_resource":  # the recorded resource download
        return next(p for p in sorted((REPO_ROOT / entry.recording / "files").iterdir()))
    return entry.local_path()


def floor_catalog(entries: list[SourceEntry], database: Path, *, fact: bool = True) -> dict:
    """Every source into a DuckDB file on disk, then one fact table; seconds and counts."""
    started = time.perf_counter()
    con = duckdb.connect(str(database))
    # Rows need no order inside a table; this lets DuckDB write them in parallel.
    con.execute("SET preserve_insertion_order = false")
    region_table(con)
    results = {}
    for n, entry in enumerate(entries):
        results[entry.id] = floor_source(con, entry, source_path(entry), n)
    if not fact:
        con.close()
        rows = sum(r["rows"] for r in results.values())
        return {"seconds": time.perf_counter() - started, "facts": rows, "sources": results}
    union = " UNION ALL ".join(f"SELECT * FROM tidy_{n}" for n in range(len(entries)))
    con.execute(
        f"CREATE OR REPLACE TABLE fact AS SELECT * FROM ({union}) "
        "ORDER BY indikator, kode_wilayah, periode"
    )
    facts = con.execute("SELECT count(*) FROM fact").fetchall()[0][0]
    con.close()
    return {"seconds": time.perf_counter() - started, "facts": facts, "sources": results}


def main() -> None:
    import argparse
    import json
    import resource
    import shutil
    import statistics

    from sources.catalog import load_catalog

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=0, help="runs first, not counted")
    parser.add_argument("--no-fact", action="store_true", help="tidy tables only (one source)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    entries = load_catalog(args.catalog)
    runs = []
    for _ in range(args.warmup + args.repeat):
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
        result = floor_catalog(entries, args.work / "floor.duckdb", fact=not args.no_fact)
        sources = result["sources"]
        violations = {k: v for k, s in sources.items() if (v := s["violations"])}
        runs.append(
            {
                "wall_seconds": round(result["seconds"], 3),
                "read_seconds": round(sum(s["read_seconds"] for s in sources.values()), 3),
                "facts": result["facts"],
                "violations": violations,
            }
        )
    shutil.rmtree(args.work, ignore_errors=True)
    warm_up, runs = runs[: args.warmup], runs[args.warmup :]
    summary = {
        "warm_up_runs": warm_up,
        "runs": runs,
        "median_wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    args.out.write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
