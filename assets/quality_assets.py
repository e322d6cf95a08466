"""Checks that protect publication as a whole, so they are `blocking`: a failure stops the
analyst snapshot (and everything else downstream), and the previous published file stays.

- `gx_suite` on dim_wilayah, dim_indikator, meta_sumber and each smart_<dimension> table: the
  GX suite of the table (quality/table_suites.py), with evidence and the Data Docs page.
- `meta_kualitas` (asset) with its `personal_data_guard` check: every table the snapshot
  publishes is scanned for NIK, No. KK, phone numbers, e-mail addresses and person names
  (quality/pii.py); the verdict per table is written to `meta_kualitas`, which the snapshot
  and the portal publisher read to leave out a blocked table even when run on their own.

Unlike the per-source checks (see source_assets.py), blocking is right here: these tables are
built from every source at once, and one of them failing means the build, not one agency's
file, is wrong.
"""

import dagster as dg
import duckdb
import pandas as pd

from assets.metadata import docs_metadata, masks_personal_data, validation_metadata
from assets.resources import KotaPintarResource
from quality.pii import PiiReport
from quality.pii_table import scan_table
from sources.catalog import DIMENSIONS, SourceEntry
from sources.wilayah import known_codes
from warehouse.kualitas import record_verdict

GROUP = "warehouse"
OWNER = ["team:kominfo"]
SUITE_TABLES = ["dim_wilayah", "dim_indikator", "meta_sumber", *DIMENSIONS]
# Columns of the pipeline's own tables that look like personal data but are not.
BUILT_IN_ALLOW: dict[str, dict[str, str]] = {
    "dim_wilayah": {"nama": "region names from the Kemendagri reference, not persons"},
}


def build_quality_assets(entries: list[SourceEntry], published: list[str]) -> list:
    """The table suites and the personal-data guard over the `published` tables."""
    indicators = [i.code for e in entries for i in e.indicators]
    checks = [_suite_check(table, indicators) for table in SUITE_TABLES]
    return [*checks, _guard_asset(entries, published)]


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
        report = scan_table(con, table, allow=BUILT_IN_ALLOW.get(table), source_allow=source_allow)
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


def _suite_check(table: str, indicators: list[str]) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name="gx_suite",
        blocking=True,
        description=f"The Great Expectations suite of `{table}` (keys not null and unique, "
        "codes and sets known, names joined). Blocks the analyst snapshot.",
    )
    @masks_personal_data  # a failed rule's sample rows quote the table
    def _check(context: dg.AssetCheckExecutionContext, kotapintar: KotaPintarResource):
        with kotapintar.work_db() as con:
            report = suite_report(con, table, indicators)
        pages = []
        if kotapintar.quality.data_docs_dir is not None:
            from quality.datadocs import write_page

            page = write_page(
                report, kotapintar.quality.data_docs_dir, run_name=context.run.run_id, batch=table
            )
            pages = [page] if page else []
        return dg.AssetCheckResult(
            passed=report.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={**validation_metadata(report), **docs_metadata(pages)},
        )

    return _check


def _guard_asset(entries: list[SourceEntry], published: list[str]) -> dg.AssetsDefinition:
    source_allow = source_allow_lists(entries)

    @dg.asset(
        name="meta_kualitas",
        deps=["dim_wilayah", "dim_indikator", "meta_sumber", "fact_indikator", *DIMENSIONS],
        group_name=GROUP,
        owners=OWNER,
        kinds={"duckdb"},
        description="The personal-data guard before publication: every table of the analyst "
        "file is scanned for NIK, No. KK, phone numbers, e-mail addresses and person names. "
        "One verdict per table (passed, findings, a report with MASKED examples) replaces the "
        "previous one in `meta_kualitas`; the snapshot and the portal publisher leave out a "
        "table whose verdict failed. Catalog allow-lists (`quality.personal_data_allow`) excuse "
        "a column of one source, with a reason.",
        check_specs=[
            dg.AssetCheckSpec(
                "personal_data_guard",
                asset="meta_kualitas",
                blocking=True,
                description="No table to be published holds personal data. Blocks the "
                "analyst snapshot; the report names column, kind, count and masked examples.",
            )
        ],
    )
    @masks_personal_data  # the reports hold masked examples only; this makes it a guarantee
    def meta_kualitas(context: dg.AssetExecutionContext, kotapintar: KotaPintarResource):
        with kotapintar.work_db() as con:
            reports = guard_tables(con, published, source_allow, run_id=context.run.run_id)
        blocked = [r for r in reports if not r.passed]
        yield dg.MaterializeResult(
            metadata={
                "tables_scanned": len(reports),
                "tables_blocked": dg.MetadataValue.json([r.table for r in blocked]),
                "verdicts": dg.MetadataValue.md(_verdicts(reports)),
            }
        )
        yield dg.AssetCheckResult(
            check_name="personal_data_guard",
            passed=not blocked,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={r.table: dg.MetadataValue.md(r.summary()) for r in blocked}
            | {"tables_scanned": len(reports)},
        )

    return meta_kualitas


def _verdicts(reports: list[PiiReport]) -> str:
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
