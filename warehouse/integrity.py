"""Integrity of the fact table, as evidence: each problem with counts and example rows."""

from __future__ import annotations

import duckdb

EXAMPLES = 10

# name -> (query returning offending rows, what it means)
CHECKS: dict[str, tuple[str, str]] = {
    "unknown_kode_wilayah": (
        """SELECT f.kode_wilayah, f.indikator, f.periode, f.sumber_id, f.lokasi
           FROM fact_indikator f ANTI JOIN dim_wilayah w USING (kode_wilayah)""",
        "kode_wilayah not in dim_wilayah",
    ),
    "unknown_indikator": (
        """SELECT f.indikator, f.kode_wilayah, f.periode, f.sumber_id, f.lokasi
           FROM fact_indikator f ANTI JOIN dim_indikator d ON d.kode = f.indikator""",
        "indikator not in dim_indikator",
    ),
    "duplicate_key": (
        """SELECT indikator, kode_wilayah, periode, count(*) AS n, string_agg(sumber_id, ', ')
           FROM fact_indikator GROUP BY ALL HAVING count(*) > 1""",
        "(indikator, kode_wilayah, periode) appears more than once",
    ),
}


def fact_problems(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Markdown evidence per failed integrity rule; empty when the fact table is sound."""
    problems: dict[str, str] = {}
    for name, (query, meaning) in CHECKS.items():
        count = con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]
        if count:
            rows = con.execute(f"{query} LIMIT {EXAMPLES}").fetchall()
            listed = "\n".join(f"- {row}" for row in rows)
            problems[name] = f"{count} rows: {meaning}. Examples:\n{listed}"
    return problems
