"""What the warehouse step's publication checks evaluate (assets/warehouse_build.py), as
functions over a work-database connection:

- `suite_report`: the GX suite of dim_wilayah, dim_indikator, meta_sumber or a smart_* table
  (quality/table_suites.py), with evidence; `start_suite` starts it, so that the GX worker
  validates while the caller goes on (the warehouse step scans for personal data meanwhile);
- `guard_tables`: every table the snapshot publishes scanned for NIK, No. KK, phone numbers,
  e-mail addresses and person names (quality/pii.py); the verdict per table is written to
  `meta_kualitas`, which the snapshot and the portal publisher read to leave out a blocked table
  even when run on their own. A smart_* column copied from fact_indikator, dim_indikator or
  dim_wilayah (warehouse/build.py DIMENSION_SELECT) is not screened twice: the smart_* verdict
  holds what the source's scan found in it, and says which columns were covered by which scan.

They are `blocking` there, unlike the per-source checks (see source_assets.py): these tables are
built from every source at once, and one of them failing means the build, not one agency's
file, is wrong.
"""

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import pandas as pd

from assets.run_memo import keep_work_prints
from quality import gx_worker
from quality.pii import PiiReport
from quality.pii_table import Copied, rules_print, scan_tables
from sources.catalog import SourceEntry
from sources.wilayah import known_codes
from warehouse.build import DIMENSION_SELECT
from warehouse.columns import table_columns
from warehouse.db import database_path, release_memory, shed_cache
from warehouse.kamus import unscanned_columns
from warehouse.kualitas import Verdict, record_verdicts
from warehouse.prints import CleanScan, clean_scans, record_clean_scans, source_prints
from warehouse.reference import DIMENSIONS

# Columns of the pipeline's own tables that look like personal data but are not.
BUILT_IN_ALLOW: dict[str, dict[str, str]] = {
    "dim_wilayah": {"nama": "region names from the Kemendagri reference, not persons"},
}
# The tables behind the aliases of DIMENSION_SELECT (its FROM clause in warehouse/build.py), and
# the key that makes a smart_* table hold every fact row of each indicator it holds.
DIMENSION_SOURCES: dict[str, tuple[str, tuple[str, str] | None]] = {
    "f": ("fact_indikator", ("indikator", "indikator")),
    "i": ("dim_indikator", None),
    "w": ("dim_wilayah", None),
}


def copied_columns(select: dict[str, str] = DIMENSION_SELECT) -> list[Copied]:
    """The columns of a smart_* table copied verbatim (`alias.column`, nothing computed) from
    the tables of DIMENSION_SOURCES; any other expression is not a copy and is scanned."""
    by_alias: dict[str, dict[str, str]] = {}
    for column, expression in select.items():
        alias, dot, source = expression.partition(".")
        if dot and alias in DIMENSION_SOURCES and source.isidentifier():
            by_alias.setdefault(alias, {})[column] = source
    return [
        Copied(DIMENSION_SOURCES[a][0], cols, DIMENSION_SOURCES[a][1])
        for a, cols in by_alias.items()
    ]


def suite_report(con: duckdb.DuckDBPyConnection, table: str, indicators: list[str]):
    """The GX suite report of `table`, with evidence when a rule fails."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return start_suite(con, table, indicators, pool).report(con)


@dataclass
class SuiteRun:
    """A table's suite under way: its columns read, GX validating them on a thread of `pool`
    (which waits for the GX worker when one runs), so the caller can go on meanwhile with
    other work on the connection (the warehouse step: the personal-data guard)."""

    table: str
    rules: list
    validated: Future

    def report(self, con: duckdb.DuckDBPyConnection):
        """The report, once GX has answered; when a rule failed, the table is read again,
        whole and as plain pandas, for the evidence: sample rows show every column."""
        from quality.tidy_suite import validate_frame

        report = self.validated.result()
        _hand_back(con)  # the read's and GX's memory (~150 MiB at 1M rows), before the next
        if report.success:
            return report
        del report
        whole = con.execute(f"SELECT * FROM {self.table}").df()
        report = validate_frame(whole, table=f"warehouse.{self.table}", rules=self.rules)
        del whole
        _hand_back(con)
        return report


def start_suite(
    con: duckdb.DuckDBPyConnection, table: str, indicators: list[str], pool: ThreadPoolExecutor
) -> SuiteRun:
    """Read what `table`'s suite checks and start its validation on `pool` (SuiteRun)."""
    from quality.gx_runtime import arrow_frame
    from quality.table_suites import rules_for
    from quality.tidy_suite import validate_frame

    rules = rules_for(table, known_regions=known_codes(), indicators=indicators)
    # Only the columns the rules read go to GX (7 of the 18 of a smart_* table: a 5M-fact build
    # no longer holds whole tables in memory, bench/memory.py), through Arrow as categoricals
    # (quality/gx_runtime.py arrow_frame).
    read = list(dict.fromkeys(column for rule in rules for column in rule.reads))
    if any("row_condition" in rule.kwargs for rule in rules):
        read = ["*"]
    # con.sql hands Arrow over without the copy a DB-API result makes (0.12 s against 0.3 s for
    # 1M rows), but duckdb 2.0 refuses it while an execute() result is unread: finish that first,
    # as a next execute() would.
    con.complete()
    # A reader, not a whole Arrow table: each batch is encoded as it arrives, so the table's
    # text is never held as plain strings (~130 MiB at 1M rows); one scan keeps rows aligned.
    checked = arrow_frame(con.sql(f"SELECT {', '.join(read)} FROM {table}").to_arrow_reader())
    name = f"warehouse.{table}"
    if gx_worker.running():
        return SuiteRun(table, rules, pool.submit(validate_frame, checked, table=name, rules=rules))
    # GX in this process (no worker, or stopped for a big source): validated now, not beside the
    # caller's next work, whose memory it would add to (a 1M-row table's GX peak ~150 MiB).
    validated: Future = Future()
    validated.set_result(validate_frame(checked, table=name, rules=rules))
    return SuiteRun(table, rules, validated)


def _hand_back(con: duckdb.DuckDBPyConnection) -> None:
    """What a big read left in DuckDB's buffer pool and in the allocators, given back."""
    shed_cache(con)
    release_memory()


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
    # In SQL, distinct values only: a 5M-row table never enters pandas (bench/memory.py).
    # Not the pipeline's own file fingerprints (berkas_sha256, sha256): computed here from
    # the bytes, never read from a file, they can hold no one's data (kamus Entry.scan).
    skip = {table: unscanned_columns(table) for table in tables}
    rules = {t: rules_print(BUILT_IN_ALLOW.get(t), source_allow, skip[t]) for t in tables}
    copies = dict.fromkeys(DIMENSIONS, copied_columns())
    # A copying table is screened through its source, whole (scan_tables): no record for it.
    since = _CleanSince(con, [t for t in tables if t not in copies], rules)
    reports = scan_tables(
        con,
        tables,
        allow=BUILT_IN_ALLOW,
        source_allow=source_allow,
        skip=skip,
        copies=copies,
        only_sources=since.changed_sources(),
    )
    since.record(reports)
    if run_id is not None:  # for the analyst snapshot of this run (assets/run_memo.py)
        keep_work_prints(run_id, since.computed)
    _hand_back(con)
    verdicts = [
        Verdict(r.table, r.passed, sum(f.count for f in r.blocking), r.as_dict()) for r in reports
    ]
    record_verdicts(con, verdicts, run_id=run_id)
    return reports


class _CleanSince:
    """In proportion to change: the sources of a table whose rows are as they were when a scan
    under the same rules last found nothing in it are not read again (warehouse/prints.py
    CleanScan, next to the work database); a night when one of 200 sources changed scans its
    rows of fact_indikator, not 2M rows (~0.25 s). Per-source prints prove the rest unchanged
    (one pass of the table, a third of a scan's)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: list[str], rules: dict) -> None:
        self.con, self.rules = con, rules
        self.work_path = database_path(con)  # None in memory: no record is kept
        self.by_source = [
            t for t in tables if any(c.name == "sumber_id" for c in table_columns(con, t))
        ]
        last = clean_scans(self.work_path) if self.work_path else {}
        self.now = {
            t: source_prints(con, t)
            for t in self.by_source
            if t in last and last[t].rules == rules[t]
        }
        self.last = last
        self.computed = dict(self.now)  # every table's prints computed here, as of the scan

    def changed_sources(self) -> dict[str, set]:
        """Per table found clean before: the sources whose rows are new or changed since."""
        return {
            table: {row[0] for row in prints - self.last[table].sources}
            for table, prints in self.now.items()
        }

    def record(self, reports: list[PiiReport]) -> None:
        """What was found clean tonight, for the next night; a table with any finding is read
        whole again until it is clean."""
        if self.work_path is None:
            return
        for r in reports:
            if r.table in self.by_source and not r.findings and r.table not in self.computed:
                self.computed[r.table] = source_prints(self.con, r.table)
        clean = {
            r.table: CleanScan(self.rules[r.table], frozenset(self.computed[r.table]))
            for r in reports
            if r.table in self.by_source and not r.findings
        }
        with contextlib.suppress(OSError):  # without it, the next night reads every row
            record_clean_scans(self.work_path, clean)


def verdicts(reports: list[PiiReport]) -> str:
    rows = [
        {
            "table": r.table,
            "rows": r.rows,
            "verdict": "passed" if r.passed else "BLOCKED",
            "findings": "; ".join(f.describe() for f in r.findings),
            "screened by": _covered(r.covered),
        }
        for r in reports
    ]
    from assets.metadata import preview_markdown

    return preview_markdown(pd.DataFrame(rows), limit=len(rows))


def _covered(covered: dict[str, str]) -> str:
    """What screened a table's columns: its own scan, and each table whose scan covered some
    of them (e.g. `this scan; fact_indikator: 8 column(s); dim_indikator: 6 column(s)`)."""
    tables: dict[str, int] = {}
    for where in covered.values():
        table = where.rsplit(".", 1)[0]
        tables[table] = tables.get(table, 0) + 1
    return "; ".join(["this scan", *(f"{t}: {n} column(s)" for t, n in tables.items())])
