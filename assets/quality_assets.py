"""What the warehouse step's publication checks evaluate (assets/warehouse_build.py), as
functions over a work-database connection:

- `suite_report`: the GX suite of dim_wilayah, dim_indikator, meta_sumber or a smart_* table
  (quality/table_suites.py), with evidence;
- `guard_tables`: every table the snapshot publishes scanned for NIK, No. KK, phone numbers,
  e-mail addresses and person names (quality/pii.py); the verdict per table is written to
  `meta_kualitas`, which the snapshot and the portal publisher read to leave out a blocked table
  even when run on their own.

They are `blocking` there, unlike the per-source checks (see source_assets.py): these tables are
built from every source at once, and one of them failing means the build, not one agency's
file, is wrong.
"""

import duckdb
import pandas as pd

from quality.pii import PiiReport
from quality.pii_table import scan_table
from sources.catalog import SourceEntry
from sources.wilayah import known_codes
from warehouse.kamus import unscanned_columns
from warehouse.kualitas import record_verdict

# Columns of the pipeline's own tables that look like personal data but are not.
BUILT_IN_ALLOW: dict[str, dict[str, str]] = {
    "dim_wilayah": {"nama": "region names from the Kemendagri reference, not persons"},
}


def suite_report(con: duckdb.DuckDBPyConnection, table: str, indicators: list[str]):
    """The GX suite of one published table (quality/table_suites.py) over its rows."""
    from quality.table_suites import rules_for
    from quality.tidy_suite import validate_frame

    rules = rules_for(table, known_regions=known_codes(), indicators=indicators)
    name = f"warehouse.{table}"
    # Only the columns the rules read go to pandas and GX (7 of the 16 of a smart_* table: a
    # 5M-fact build no longer holds whole tables in memory, bench/memory.py). When a rule
    # fails, the evidence (sample rows) shows whole rows, so the table is read again whole.
    read = list(dict.fromkeys(column for rule in rules for column in rule.reads))
    if any("row_condition" in rule.kwargs for rule in rules):
        read = ["*"]
    frame = con.execute(f"SELECT {', '.join(read)} FROM {table}").df()
    report = validate_frame(frame, table=name, rules=rules)
    if report.success or read == ["*"]:
        return report
    del frame, report
    return validate_frame(con.execute(f"SELECT * FROM {table}").df(), table=name, rules=rules)


def source_allow_lists(entries: list[SourceEntry]) -> dict[str, dict[str, str]]:
    """Per source id, the columns its catalog entry allows to look like personal data."""
    return {
        e.id: {a.column: a.reason for a in e.quality.personal_data_allow}
        for e in entries
        if e.quality.personal_data_allow
    }


def guard_tables(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    source_allow: dict[str, dict[str, str]],
    *,
    run_id: str | None = None,
) -> list[PiiReport]:
    """Scan each table for personal data and record its verdict in `meta_kualitas`."""
    reports: list[PiiReport] = []
    for table in tables:
        # In SQL, distinct values only: a 5M-row table never enters pandas (bench/memory.py).
        # Not the pipeline's own file fingerprints (berkas_sha256, sha256): computed here from
        # the bytes, never read from a file, they can hold no one's data (kamus Entry.scan).
        report = scan_table(
            con,
            table,
            allow=BUILT_IN_ALLOW.get(table),
            source_allow=source_allow,
            skip=unscanned_columns(table),
        )
        record_verdict(
            con,
            tabel=table,
            lolos=report.passed,
            temuan=sum(f.count for f in report.blocking),
            laporan=report.as_dict(),
            run_id=run_id,
        )
        reports.append(report)
    return reports


def verdicts(reports: list[PiiReport]) -> str:
    rows = [
        {
            "table": r.table,
            "rows": r.rows,
            "verdict": "passed" if r.passed else "BLOCKED",
            "findings": "; ".join(f.describe() for f in r.findings),
        }
        for r in reports
    ]
    from assets.metadata import preview_markdown

    return preview_markdown(pd.DataFrame(rows), limit=len(rows))
