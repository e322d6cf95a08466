"""Integrity of the fact table, as evidence: each problem with counts and example rows."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

EXAMPLES = 10

# name -> (query returning offending rows, what it means)
CHECKS: dict[str, tuple[str, str]] = {
    "unknown_kode_wilayah": (
        """SELECT f.kode_wilayah, f.indikator, f.periode, f.sumber_id, f.lokasi
           FROM {fact} f ANTI JOIN dim_wilayah w USING (kode_wilayah)""",
        "kode_wilayah not in dim_wilayah",
    ),
    "unknown_indikator": (
        """SELECT f.indikator, f.kode_wilayah, f.periode, f.sumber_id, f.lokasi
           FROM {fact} f ANTI JOIN dim_indikator d ON d.kode = f.indikator""",
        "indikator not in dim_indikator",
    ),
    "duplicate_key": (
        """SELECT indikator, kode_wilayah, periode, count(*) AS n, string_agg(sumber_id, ', ')
           FROM {fact} GROUP BY ALL HAVING count(*) > 1""",
        "(indikator, kode_wilayah, periode) appears more than once",
    ),
}


def fact_problems(
    con: duckdb.DuckDBPyConnection, indicators: Sequence[str] | None = None
) -> dict[str, str]:
    """Markdown evidence per failed integrity rule; empty when the fact table is sound.

    `indicators`: only their facts are checked (an incremental build that replaced the facts of
    these indicators only, against unchanged dimension tables: every rule is about one key or
    one row, so the other facts passed when they were last written)."""
    fact, params = "fact_indikator", []
    if indicators is not None:
        fact = "(SELECT * FROM fact_indikator WHERE indikator IN (SELECT unnest(?)))"
        params = [list(indicators)]
    problems: dict[str, str] = {}
    for name, (template, meaning) in CHECKS.items():
        query = template.format(fact=fact)
        count = con.execute(f"SELECT count(*) FROM ({query})", params).fetchall()[0][0]
        if count:
            rows = con.execute(f"{query} LIMIT {EXAMPLES}", params).fetchall()
            listed = "\n".join(f"- {row}" for row in rows)
            problems[name] = f"{count} rows: {meaning}. Examples:\n{listed}"
    return problems
