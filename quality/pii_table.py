"""The personal-data guard over tables in DuckDB, without reading them into pandas.

`scan_table` gives the report `scan_frame` gives for `SELECT * FROM table` (same findings in the
same order, counts, masked examples, places), but reads each column as its distinct values with
their row counts, in the order they first appear, and only the values that can hold personal
data at all: a NIK, KK or phone number has at least 10 digits and an e-mail address an `@`
(values with other than ASCII characters are read too, as Python counts their digits). So a
5M-row fact table, whose `lokasi` alone has 5M distinct values, costs a few SQL passes and
almost no memory (bench/memory.py). Numbers are read only where they are 16-digit integers.
Columns that are neither text nor numbers (timestamps of the load history) are scanned as
before, one column at a time. `positions` of the findings stay empty: row positions of a
warehouse table mean nothing to anyone.

`scan_tables` scans several tables and screens each value once: a column copied verbatim from
a column another table's scan screened (`Copied`: a smart_* table's `lokasi` from
fact_indikator) is searched only for the values found there, once a query proves it holds
nothing else. The derived table still gets its own verdict, with its own counts, places and
allow-lists, and names the columns covered (`PiiReport.covered`).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from quality.pii import EXAMPLES, PiiFinding, PiiReport, scan_frame
from quality.pii_detect import (
    column_label,
    find_in_text,
    id_number_kind,
    is_person_column,
    looks_like_names,
    mask,
    reference_codes,
)

NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
FETCH_ROWS = 50_000  # distinct values per fetch
# Could hold a NIK, KK or phone number (>= 10 ASCII digits), an e-mail address, or non-ASCII
# digits, as ONE regex: testing the three apart (a digit-stripping regexp_replace among them)
# cost 1.35 s on 1M `lokasi` values, this 0.10 s.
CANDIDATE = r"@|[0-9](?:[^0-9]*[0-9]){9}|[^\x01-\x7f]"
# A column with at most this share of distinct values per row (DuckDB's estimate) is grouped
# before the test: 1M rows of one indicator code cost 0.01 s instead of 0.1 s of regex tests.
GROUP_FIRST_SHARE = 0.2


@dataclass(frozen=True)
class Copied:
    """Columns of a derived table copied verbatim from `source` (derived column -> source
    column). `key` (derived, source column) says the derived table holds every source row of
    each key value it holds, once (smart_* rows: all facts of their indicators); without it the
    source is a lookup whose rows are repeated (dim_indikator joined in)."""

    source: str
    columns: Mapping[str, str]
    key: tuple[str, str] | None = None


def scan_tables(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    *,
    allow: Mapping[str, Mapping[str, str]] | None = None,
    source_allow: Mapping[str, Mapping[str, str]] | None = None,
    skip: Mapping[str, Collection[str]] | None = None,
    copies: Mapping[str, Sequence[Copied]] | None = None,
    only_sources: Mapping[str, Collection] | None = None,
) -> list[PiiReport]:
    """`scan_table` over each of `tables` (allow-lists and skipped columns per table), sources
    before the tables copied from them; a copied column is searched only for what the scan of
    its source found. Reports come in the order of `tables`.

    `only_sources`: per table, the sources (`sumber_id`) whose rows are read, when the caller
    knows the others' rows unchanged since a scan under the same `rules_print` found nothing
    in the table. The part's scan stands for the table when it finds nothing too; else, or for
    a table whose findings are not each a row's own (a column of person names) or that copies
    another's columns, the whole table is read."""
    allow, skip, copies = allow or {}, skip or {}, copies or {}
    found: dict[tuple[str, str], list] = {}  # (table, column) scanned -> values with a hit
    reports: dict[str, PiiReport] = {}
    order = _sources_first(tables, copies)
    columns = _columns_of(con, [*order, *(c.source for t in order for c in copies.get(t, ()))])
    for table in order:
        omitted = skip.get(table, ())
        scan = {"allow": allow.get(table), "source_allow": source_allow, "skip": omitted}
        part = (only_sources or {}).get(table)
        scanned = None
        if part is not None and not copies.get(table) and _judged_by_row(columns[table], omitted):
            scanned = _scan_part(con, table, part, columns=columns[table], **scan)
        if scanned is None:
            screened = _screened_elsewhere(
                con, table, copies.get(table, ()), found, omitted, columns
            )
            scanned = _scan(con, table, screened=screened, columns=columns[table], **scan)
        report, hits = scanned
        found.update({(table, column): values for column, values in hits.items()})
        reports[table] = report
    return [reports[table] for table in tables]


def rules_print(
    allow: Mapping[str, str] | None,
    source_allow: Mapping[str, Mapping[str, str]] | None,
    skip: Collection[str] = (),
) -> str:
    """What decides a table's scan besides its rows: the allow-lists and skipped columns it is
    scanned with, the scan's own code (quality/pii*.py) and the reference it judges numbers by.
    A table found clean under one print and scanned under another is read whole again."""
    text = repr(
        (
            _code_print(),
            sorted((allow or {}).items()),
            sorted((s, sorted(c.items())) for s, c in (source_allow or {}).items()),
            sorted(skip),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@cache
def _code_print() -> str:
    from quality import pii, pii_detect

    digest = hashlib.sha256()
    for module in (pii, pii_detect, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(repr(reference_codes()).encode())
    return digest.hexdigest()


def _judged_by_row(columns: list[tuple[str, str]], skip: Collection[str]) -> bool:
    """Whether every finding in the table is a row's own (no column of person names, judged on
    the share of name-like values among all of its values), with a source per row."""
    names = [column for column, _ in columns if column not in skip]
    return "sumber_id" in names and not any(is_person_column(column) for column in names)


# The rows of a part of a table (_scan_part): in a database in memory, which every cursor of the
# connection's database sees (a TEMP table is its connection's alone; _scan_text reads on a
# cursor), and nothing is written into the work database.
_PART = "kp_guard_part"


def _scan_part(
    con, table: str, sources: Collection, *, columns, **scan
) -> tuple[PiiReport, dict[str, list]] | None:
    """The scan of `table` from the rows of `sources` alone, when they hold nothing: the caller
    vouches that its other rows were found clean under the same rules_print and have not
    changed since. None when the part holds anything (the whole table is then scanned, for its
    complete counts and places) or rows without a source are among those to read."""
    if None in sources:
        return None
    if sources:
        con.execute(f"ATTACH ':memory:' AS {_PART}")
        try:
            con.execute(
                f"CREATE TABLE {_PART}.main.part AS SELECT * FROM {table} "
                "WHERE sumber_id IN (SELECT unnest(?))",
                [sorted(sources)],
            )
            report, hits = _scan(con, f"{_PART}.main.part", columns=columns, **scan)
        finally:
            con.execute(f"DETACH {_PART}")
        if report.findings:
            return None
    else:  # no source changed: nothing to read, nothing found
        skip = scan.get("skip", ())
        hits = {c: [] for c, kind in columns if c not in skip and _searched(kind)}
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    # Nothing covered by another table's scan: a table that copies another's is read whole.
    return PiiReport(table=table, rows=rows, findings=[]), hits


def _is_number(kind: str) -> bool:
    return kind.split("(")[0] in NUMERIC


def _searched(kind: str) -> bool:
    """Whether _scan searches a column of this type value by value (and reports the values it
    found, for the tables copied from it); other types go through scan_frame."""
    return _is_number(kind) or kind == "VARCHAR"


def scan_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    allow: Mapping[str, str] | None = None,
    source_allow: Mapping[str, Mapping[str, str]] | None = None,
    skip: Collection[str] = (),
    headers: Mapping[str, str] | None = None,
) -> PiiReport:
    """Scan every column of `table` ("name" or "schema.name") but those in `skip`, with the
    allow-lists and `headers` of `quality.pii.scan_frame`."""
    report, _ = _scan(
        con, table, allow=allow, source_allow=source_allow, skip=skip, headers=headers
    )
    return report


def _scan(
    con, table: str, *, allow, source_allow, skip, headers=None, screened=None, columns=None
) -> tuple[PiiReport, dict[str, list]]:
    """The report, and per text or number column scanned the values with a hit. `screened`
    maps a column to (where it was screened, the values found there): only those are read."""
    allow = dict(allow or {})
    headers = dict(headers or {})
    screened = dict(screened or {})
    columns = _columns(con, table) if columns is None else columns
    names = [name for name, _ in columns]
    lokasi = "lokasi" in names
    split = bool(source_allow) and "sumber_id" in names
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    text = [c for c, kind in columns if kind == "VARCHAR" and c not in skip and c not in screened]
    few = _few_distinct(con, table, text, rows)
    findings: list[PiiFinding] = []
    found: dict[str, list] = {}
    for column, kind in columns:
        if column in skip or kind == "BOOLEAN":
            continue
        reason = allow.get(column)
        excused = None
        if reason is None and split:
            sources = [s for s, cols in source_allow.items() if column in cols]
            if sources:
                excused = (sources, "; ".join(sorted({source_allow[s][column] for s in sources})))
        only = screened[column][1] if column in screened else None
        if _is_number(kind):
            hits = _scan_numbers(con, table, column, excused, headers.get(column), only)
            value = f"CAST({_q(column)} AS DOUBLE)"
        elif kind == "VARCHAR":
            grouped = column in few
            hits = _scan_text(con, table, column, excused, headers.get(column), only, grouped)
            value = _q(column)
        else:
            read = [c for c in dict.fromkeys([column, "lokasi", "sumber_id"]) if c in names]
            frame = con.execute(
                f"SELECT {', '.join(map(_q, read))} FROM {table} ORDER BY rowid"
            ).df()
            report = scan_frame(
                frame,
                table=table,
                allow={column: reason} if reason else None,
                source_allow=source_allow,
                skip=[c for c in frame.columns if c != column],
                headers=headers,
            )
            findings.extend(report.findings)
            continue
        found[column] = list(dict.fromkeys(v for _, values, _, _ in hits for v in values))
        for kind_found, values, examples, counts in hits:
            where = f"{value} IN (SELECT unnest(?))"
            if excused is not None and counts[1]:
                places = _places(con, table, f"{where} AND {_excused(excused[0])}", values, lokasi)
                findings.append(
                    PiiFinding(column, kind_found, counts[1], examples, excused[1], places=places)
                )
            rest = counts[0] - counts[1]
            if rest:
                condition = where if excused is None else f"{where} AND NOT {_excused(excused[0])}"
                places = _places(con, table, condition, values, lokasi)
                findings.append(
                    PiiFinding(column, kind_found, rest, examples, reason, places=places)
                )
    covered = {column: where for column, (where, _) in screened.items() if column in found}
    report = PiiReport(table=table, rows=rows, findings=findings, covered=covered)
    return report, found


def _scan_text(
    con, table: str, column: str, excused, header: str | None, only=None, few=False
) -> list[tuple]:
    """(kind, hit values, masked examples, (rows, excused rows)) per kind, in scan_frame's order;
    `only`: the values to read (found by the scan of the column's source), `few`: group first."""
    c = _q(column)
    person = is_person_column(column, header)
    if only is not None and not only:
        return []
    params = [] if only is None else [only]

    def test(value: str) -> str:
        # Person names are judged on all distinct values (the share that looks like names).
        if person:
            return "true"
        if only is not None:
            return f"{value} IN (SELECT unnest(?))"
        return f"regexp_matches({value}, '{CANDIDATE}')"

    if few:
        sql = (
            f"SELECT v, n, e FROM (SELECT {c} AS v, count(*) AS n, {_excused_count(excused)} AS e,"
            f" min(rowid) AS r FROM {table} WHERE {c} IS NOT NULL GROUP BY {c}) "
            f"WHERE {test('v')} ORDER BY r"
        )
    else:
        sql = (
            f"SELECT {c}, count(*), {_excused_count(excused)} FROM {table} "
            f"WHERE {c} IS NOT NULL AND {test(c)} GROUP BY {c} ORDER BY min(rowid)"
        )
    cursor = con.cursor()
    cursor.execute(sql, params)
    label = column_label(column, header)
    hits: dict[str, dict[str, str]] = {}
    counts: dict[str, tuple[int, int]] = {}
    distinct: list[str] = []
    while batch := cursor.fetchmany(FETCH_ROWS):
        for value, n, n_excused in batch:
            counts[value] = (n, n_excused)
            if person:
                distinct.append(value)
            for kind, _, masked in find_in_text(value, label=label):
                hits.setdefault(kind, {}).setdefault(value, masked)
        if not person:
            counts = {v: counts[v] for found in hits.values() for v in found}
    cursor.close()
    if person:
        for name in looks_like_names(distinct):
            hits.setdefault("nama", {}).setdefault(name, mask("nama", name))
    return _by_kind(hits, counts)


def _scan_numbers(
    con, table: str, column: str, excused, header: str | None, only=None
) -> list[tuple]:
    """16-digit integers whose region and date are plausible (any in a labelled column), as in
    scan_frame; `only`: the numbers to read (found by the scan of the column's source)."""
    if only is not None and not only:
        return []
    v = f"CAST({_q(column)} AS DOUBLE)"
    among = "" if only is None else f" AND {v} IN (SELECT unnest(?))"
    rows = con.execute(
        f"SELECT {v} AS v, count(*), {_excused_count(excused)} FROM {table} "
        f"WHERE {v} >= 1e15 AND {v} < 1e16 AND floor({v}) = {v}{among} GROUP BY v ORDER BY v",
        [] if only is None else [only],
    ).fetchall()
    label = column_label(column, header)
    hits: dict[str, dict[float, str]] = {}
    counts: dict[float, tuple[int, int]] = {}
    for number, n, n_excused in rows:
        digits = str(int(number))
        kind = id_number_kind(digits, label=label)
        if kind:
            hits.setdefault(kind, {})[number] = mask(kind, digits)
            counts[number] = (n, n_excused)
    return _by_kind(hits, counts)


def _few_distinct(con, table: str, columns: list[str], rows: int) -> set[str]:
    """The text columns whose distinct values are a small share of the rows, by DuckDB's
    estimate kept with the table (one query, no scan). Only the order of grouping and testing
    depends on it, never what is found."""
    if not columns or not rows:
        return set()
    stats = con.execute(
        f"SELECT {', '.join(f'stats({_q(c)})' for c in columns)} FROM {table} LIMIT 1"
    ).fetchall()[0]
    few = set()
    for column, stat in zip(columns, stats or (), strict=False):
        unique = stat.get("approx_unique") if isinstance(stat, dict) else None
        if unique is not None and unique <= rows * GROUP_FIRST_SHARE:
            few.add(column)
    return few


def _sources_first(tables: Sequence[str], copies: Mapping[str, Sequence[Copied]]) -> list[str]:
    """`tables` with each table after the tables (of `tables`) it copies from."""
    ordered: list[str] = []

    def visit(table: str, path: tuple[str, ...]) -> None:
        if table in ordered or table in path or table not in tables:
            return
        for copy in copies.get(table, ()):
            visit(copy.source, (*path, table))
        ordered.append(table)

    for table in tables:
        visit(table, ())
    return ordered


def _screened_elsewhere(
    con,
    table: str,
    copies: Sequence[Copied],
    found: Mapping,
    skip: Collection[str],
    columns: Mapping[str, list[tuple[str, str]]],
) -> dict[str, tuple[str, list]]:
    """Column -> (source table.column, values found there) for each column of `table` whose
    values the scan of its source screened: copied from a column scanned in this guard, of the
    same type, judged alike (the column names label no NIK or KK differently and name no
    person: names are judged on a column's own share of name-like values), and proven to hold
    only the source's values (a table not rebuilt since its source was is scanned whole)."""
    types = dict(columns[table])
    screened: dict[str, tuple[str, list]] = {}
    for copy in copies:
        source_types = dict(columns.get(copy.source, ()))
        alike = {
            column: source
            for column, source in copy.columns.items()
            if column in types
            and column not in skip
            and (copy.source, source) in found
            and types[column] == source_types.get(source)
            and _judged_alike(column, source)
        }
        if alike and _holds_only_source_values(con, table, copy, alike):
            screened.update(
                {c: (f"{copy.source}.{s}", found[copy.source, s]) for c, s in alike.items()}
            )
    return screened


def _judged_alike(column: str, source: str) -> bool:
    return (
        not is_person_column(column)
        and not is_person_column(source)
        and column_label(column) == column_label(source)
    )


def _holds_only_source_values(con, table: str, copy: Copied, columns: Mapping[str, str]) -> bool:
    """Whether every value of `columns` in `table` is a value of its column in `copy.source`.

    With a key: the derived rows' columns, as a multiset, equal those of the source rows of the
    same key values (a sum of row hashes each side: one pass, no join of 1M strings). Without:
    each distinct combination of the derived columns is found among the source rows."""
    mine = [_q(c) for c in columns]
    theirs = [_q(s) for s in columns.values()]
    if copy.key is not None:
        key, source_key = map(_q, copy.key)
        derived = con.execute(f"SELECT count(*), sum(hash({', '.join(mine)})) FROM {table}")
        left = derived.fetchall()[0]
        right = con.execute(
            f"SELECT count(*), sum(hash({', '.join(theirs)})) FROM {copy.source} "
            # DISTINCT: the same rows, but DuckDB then builds its IN set from ~50 keys, not
            # 340k (a smart_* table of 200 x 10,000: 0.05 s instead of 0.06-0.10).
            f"WHERE {source_key} IN (SELECT DISTINCT {key} FROM {table})"
        ).fetchall()[0]
        return left == right
    same = " AND ".join(
        f"s.{t} IS NOT DISTINCT FROM d.{m}" for m, t in zip(mine, theirs, strict=True)
    )
    missing = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(mine)} FROM {table} "
        f"WHERE {' OR '.join(f'{m} IS NOT NULL' for m in mine)}) AS d "
        f"WHERE NOT EXISTS (SELECT 1 FROM {copy.source} AS s WHERE {same})"
    ).fetchall()[0][0]
    return missing == 0


def _by_kind(hits: dict[str, dict], counts: dict) -> list[tuple]:
    """(kind, values found, masked examples, (rows, rows excused)) per kind of personal data."""
    return [
        (
            kind,
            list(found),
            list(dict.fromkeys(found.values()))[:EXAMPLES],
            tuple(sum(counts[v][i] for v in found) for i in (0, 1)),
        )
        for kind, found in hits.items()
    ]


def _places(con, table: str, condition: str, values: list, lokasi: bool) -> list[str]:
    """lokasi of the first rows found (in table order), as scan_frame reports them."""
    if not lokasi:
        return []
    rows = con.execute(
        f"SELECT lokasi FROM {table} WHERE {condition} ORDER BY rowid LIMIT {EXAMPLES}", [values]
    ).fetchall()
    return [str(p) for (p,) in rows if p]


def _excused(sources: list[str]) -> str:
    quoted = ", ".join("'" + s.replace("'", "''") + "'" for s in sources)
    return f"coalesce(sumber_id IN ({quoted}), false)"


def _excused_count(excused) -> str:
    return "0" if excused is None else f"count(*) FILTER (WHERE {_excused(excused[0])})"


def _columns_of(con, tables: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """(column, type) of each of `tables` in one query; a table that does not exist has none."""
    found: dict[str, list[tuple[str, str]]] = {table: [] for table in tables}
    names = {_schema_name(t): t for t in tables}
    for schema, name, column, kind in con.execute(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() ORDER BY table_oid, column_index"
    ).fetchall():
        if (schema, name) in names:
            found[names[schema, name]].append((column, kind))
    return found


def _schema_name(table: str) -> tuple[str, str]:
    schema, name = table.split(".") if "." in table else ("main", table)
    return schema, name


def _columns(con, table: str) -> list[tuple[str, str]]:
    schema, name = _schema_name(table)
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
