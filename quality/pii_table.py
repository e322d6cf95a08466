"""The personal-data guard over a table in DuckDB, without reading the table into pandas.

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
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import duckdb

from quality.pii import EXAMPLES, PiiFinding, PiiReport, scan_frame
from quality.pii_detect import (
    column_label,
    find_in_text,
    id_number_kind,
    is_person_column,
    looks_like_names,
    mask,
)

NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
FETCH_ROWS = 50_000  # distinct values per fetch
# Could hold a NIK, KK or phone number (>= 10 digits), an e-mail address, or non-ASCII digits.
_CANDIDATE = (
    "(contains({c}, '@') OR length(regexp_replace({c}, '[^0-9]', '', 'g')) >= 10 "
    "OR regexp_matches({c}, '[^\\x01-\\x7f]'))"
)


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
    allow = dict(allow or {})
    headers = dict(headers or {})
    columns = _columns(con, table)
    names = [name for name, _ in columns]
    lokasi = "lokasi" in names
    split = bool(source_allow) and "sumber_id" in names
    findings: list[PiiFinding] = []
    for column, kind in columns:
        if column in skip or kind == "BOOLEAN":
            continue
        reason = allow.get(column)
        excused = None
        if reason is None and split:
            sources = [s for s, cols in source_allow.items() if column in cols]
            if sources:
                excused = (sources, "; ".join(sorted({source_allow[s][column] for s in sources})))
        if kind.split("(")[0] in NUMERIC:
            hits = _scan_numbers(con, table, column, excused, headers.get(column))
            value = f"CAST({_q(column)} AS DOUBLE)"
        elif kind == "VARCHAR":
            hits = _scan_text(con, table, column, excused, headers.get(column))
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
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return PiiReport(table=table, rows=rows, findings=findings)


def _scan_text(con, table: str, column: str, excused, header: str | None) -> list[tuple]:
    """(kind, hit values, masked examples, (rows, excused rows)) per kind, in scan_frame's order."""
    c = _q(column)
    person = is_person_column(column, header)
    # Person names are judged on all distinct values (the share that looks like names).
    candidate = "" if person else f"AND {_CANDIDATE.format(c=c)}"
    cursor = con.cursor()
    cursor.execute(
        f"SELECT {c}, count(*), {_excused_count(excused)} FROM {table} "
        f"WHERE {c} IS NOT NULL {candidate} GROUP BY {c} ORDER BY min(rowid)"
    )
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


def _scan_numbers(con, table: str, column: str, excused, header: str | None) -> list[tuple]:
    """16-digit integers whose region and date are plausible (any in a labelled column), as in
    scan_frame."""
    v = f"CAST({_q(column)} AS DOUBLE)"
    rows = con.execute(
        f"SELECT {v} AS v, count(*), {_excused_count(excused)} FROM {table} "
        f"WHERE {v} >= 1e15 AND {v} < 1e16 AND floor({v}) = {v} GROUP BY v ORDER BY v"
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


def _columns(con, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".") if "." in table else ("main", table)
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
