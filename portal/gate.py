"""The publication gate: which dimension tables of the analyst snapshot may leave the city.

A table is published only when its blocking checks and the personal-data guard passed:

- the analyst snapshot itself exists only after the blocking `fact_integrity` check passed;
- when the snapshot carries the quality gate's verdicts (`meta_kualitas`, written by the
  personal-data guard through `warehouse.kualitas.record_verdict`), a dimension is withheld when
  a failed verdict names the dimension table, one of its sources or its `tidy.<source>` table
  (`warehouse.kualitas.blocked_tables`), with the check and its masked report as the reason;
- an empty table is withheld (an empty dataset on the portal helps nobody);
- a snapshot without that table is scanned here (`scan_personal_data`: NIK / No. KK, e-mail
  addresses, Indonesian phone numbers in every text column but `berkas_sha256`) and a hit
  withholds the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from warehouse.dictionary import DIMENSION_COLUMNS
from warehouse.kualitas import blocked_tables
from warehouse.sqlutil import quote

VERDICT_TABLE = "meta_kualitas"
# What each pattern finds, and the regex DuckDB runs over every text cell.
PERSONAL_DATA = {
    "NIK / No. KK (16 angka)": r"(^|[^0-9])[1-9][0-9]{15}([^0-9]|$)",
    "alamat e-mail": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "nomor telepon": r"(^|[^0-9])(\+62|62|0)8[1-9][0-9 -]{6,12}[0-9]([^0-9]|$)",
}


@dataclass(frozen=True)
class Verdict:
    """Whether a table may be published; `reason` says why not."""

    table: str
    passed: bool
    reason: str = ""


def table_verdicts(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> dict[str, Verdict]:
    """The gate's verdict for every table, from the recorded checks or the built-in scan. An
    empty table is withheld too: none of its sources has ever loaded."""
    if _has_table(con, VERDICT_TABLE):
        verdicts = _recorded_verdicts(con, tables)
    else:
        verdicts = {t: scan_personal_data(con, t) for t in tables}
    for table in tables:
        if (
            verdicts[table].passed
            and not con.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()[0][0]
        ):
            verdicts[table] = Verdict(table, False, "no rows: none of its sources has loaded yet")
    return verdicts


def scan_personal_data(con: duckdb.DuckDBPyConnection, table: str) -> Verdict:
    """Look for personal data in every text column of `table` (one pass over the table); a hit
    withholds the table and the reason names the column, the kind, the count and a masked
    example."""
    probes = [
        (column, kind, pattern)
        # Not `berkas_sha256` (Column.scan): a file's fingerprint, which the pipeline computes,
        # can hold 16 digits in a row and would read as a NIK.
        for column in (c.name for c in DIMENSION_COLUMNS if c.type == "string" and c.scan)
        for kind, pattern in PERSONAL_DATA.items()
    ]
    select = ", ".join(
        f"count_if(regexp_matches({quote(column)}, ?)), max(regexp_extract({quote(column)}, ?))"
        for column, _, _ in probes
    )
    params = [p for _, _, pattern in probes for p in (pattern, pattern)]
    found = con.execute(f"SELECT {select} FROM {quote(table)}", params).fetchall()[0]
    hits = [
        f"{column}: {found[2 * i]} × {kind} (mis. {mask(found[2 * i + 1].strip())})"
        for i, (column, kind, _) in enumerate(probes)
        if found[2 * i]
    ]
    if hits:
        return Verdict(table, False, "personal data found: " + "; ".join(hits))
    return Verdict(table, True)


def mask(text: str) -> str:
    """A found value with all but its first and last two characters starred out."""
    if len(text) <= 6:
        return "*" * len(text)
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


def _recorded_verdicts(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> dict[str, Verdict]:
    blocked = set(blocked_tables(con))
    sources: dict[str, set[str]] = {}
    for dimension, sumber_id in con.execute(
        "SELECT DISTINCT dimensi, sumber_id FROM dim_indikator"
    ).fetchall():
        sources.setdefault(dimension, set()).update({sumber_id, f"tidy.{sumber_id}"})
    verdicts = {}
    for table in tables:
        names = sorted(({table} | sources.get(table, set())) & blocked)
        if not names:
            verdicts[table] = Verdict(table, True)
            continue
        rows = con.execute(
            "SELECT tabel, pemeriksaan, temuan, laporan FROM meta_kualitas "
            f"WHERE NOT lolos AND tabel IN ({', '.join('?' for _ in names)}) ORDER BY ALL",
            names,
        ).fetchall()
        reason = "; ".join(
            f"{tabel}: {check} failed ({found} finding(s)){f': {report}' if report else ''}"
            for tabel, check, found, report in rows
        )
        verdicts[table] = Verdict(table, False, f"checks failed: {reason}")
    return verdicts


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    sql = (
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?"
    )
    return bool(con.execute(sql, [name]).fetchall()[0][0])
