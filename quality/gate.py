"""The quality gate of one source: every check its tidy rows must pass before they load.

`check_source` runs, on the parsed rows of one catalog entry:

1. the tidy suite (shared rules) plus the entry's catalog rules (value ranges, allowed values,
   year-over-year change) in one bulk GX pass;
2. the coverage suite (expected regions per period, expected periods) when the entry declares
   them, on a small frame of expected keys;
3. the personal-data guard (quality.pii) on every column, with the entry's allow-list.

It returns a `GateResult`: the reports, the findings (one per offending row and rule, for
`karantina` and the correction workbook) and the positions of the rows to hold back. Whether the
source then loads all-or-nothing or partially is decided by the caller (assets/source_run.py)
with `GateResult.may_load_partially`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from quality import catalog_rules, findings
from quality.bulk_check import Stacked
from quality.pii import PiiReport, mask_text, scan_frame
from quality.rules import Rule, tidy_rules
from quality.tidy_suite import RuleFailure, ValidationReport, plain_text, validate_frame
from sources.catalog import SourceEntry
from sources.quarantine import Quarantined
from sources.quarantine import describe as describe_unreadable
from sources.tidy import TIDY_COLUMNS


@dataclass
class GateResult:
    """What the gate found for one source's rows."""

    rows: int
    report: ValidationReport
    coverage: ValidationReport | None
    pii: PiiReport
    findings: pd.DataFrame = field(repr=False)
    held_back: np.ndarray = field(repr=False)  # positions of rows that break a row-level rule
    table_level: list[str] = field(default_factory=list)  # rules that fail the whole table
    # Cells the parser could not read (sources/quarantine.py): their rows never became tidy
    # rows, but they count against the same share as the rows the checks hold back.
    unreadable: list[Quarantined] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        coverage_ok = self.coverage is None or self.coverage.success
        return self.report.success and coverage_ok and self.pii.passed and not self.unreadable

    @property
    def unreadable_rows(self) -> int:
        return sum(item.values for item in self.unreadable)

    @property
    def quarantined(self) -> int:
        """Rows held back: by the checks, and those the parser could not read."""
        return len(self.held_back) + self.unreadable_rows

    @property
    def rows_seen(self) -> int:
        """The rows the file holds: those parsed and those whose cells could not be read."""
        return self.rows + self.unreadable_rows

    @property
    def share_held_back(self) -> float:
        return self.quarantined / self.rows_seen if self.rows_seen else 0.0

    def may_load_partially(self, max_share: float) -> bool:
        """True when only row-level rules failed and the rows held back are at most
        `max_share` of the table (and at least one row is left to load)."""
        return (
            not self.passed
            and not self.table_level
            and max_share > 0
            and len(self.held_back) < self.rows
            and self.share_held_back <= max_share
        )

    def kept(self, df: pd.DataFrame) -> pd.DataFrame:
        """The rows of `df` that break no row-level rule (what a partial load loads)."""
        keep = np.ones(len(df), dtype=bool)
        keep[self.held_back] = False
        return df[keep].reset_index(drop=True)

    def reports(self) -> list[ValidationReport]:
        return [r for r in (self.report, self.coverage) if r is not None]

    def summary(self) -> str:
        """English lines for logs and error messages: each failed rule, then the guard."""
        lines = [describe_unreadable(self.unreadable)] if self.unreadable else []
        lines += [r.summary() for r in self.reports() if not r.success]
        if not self.pii.passed:
            lines.append(self.pii.summary())
        return "\n".join(lines) if lines else self.report.summary()


def source_rules(entry: SourceEntry, known_regions: Collection[str]) -> list[Rule]:
    """The tidy suite and the entry's catalog rules (value ranges, allowed values, year-over-
    year change) that the parsed rows of `entry` must pass."""
    return tidy_rules(
        known_regions=known_regions,
        declared_indicators=[i.code for i in entry.indicators],
        extra_rules=catalog_rules.indicator_rules(entry),
    )


def check_source(
    entry: SourceEntry,
    tidy: pd.DataFrame,
    *,
    known_regions: Collection[str],
    history: pd.DataFrame | None = None,
    unreadable: Sequence[Quarantined] = (),
    proven: Stacked | None = None,
) -> GateResult:
    """Run every check of `entry` on its parsed rows `tidy`; `history` (the rows loaded last
    time) lets the year-over-year rule compare a file that only holds the newest year;
    `unreadable` are the cells the parser quarantined (they join the findings and the share).
    `proven`: quality.bulk_check proved `source_rules` hold on these rows (in a stack of how
    many sources, at what share of its time); the coverage suite and the personal-data guard
    still run here."""
    table = f"tidy.{entry.id}"
    rules = source_rules(entry, known_regions)
    missing = [column for column in TIDY_COLUMNS if column not in tidy.columns]
    if missing:
        raise ValueError(
            f"Table `{table}` is not a tidy table: missing column(s) {', '.join(missing)}; "
            "build it with sources.tidy.tidy_frame."
        )
    checked = catalog_rules.derive_columns(tidy, entry, history).reset_index(drop=True)
    if proven is not None:
        # One stacked GX pass over this and other sources' rows found every rule to hold
        # (quality/bulk_check.py): the same verdict, without a validation of its own.
        report = ValidationReport(
            table=table, success=True, rows=len(checked), failures=[], evaluated=len(rules),
            seconds=proven.seconds, stacked=proven.sources,
        )  # fmt: skip
    else:
        report = validate_frame(checked, table=table, rules=rules)
    # Findings quote rows as text: the fast parser's categoricals convert only on a failure.
    found = (
        [findings.from_validation(entry, plain_text(checked), report, rules)]
        if not report.success
        else []
    )

    coverage = None
    coverage_rules = catalog_rules.coverage_rules(entry)
    if coverage_rules:
        expected = catalog_rules.coverage_frame(checked, entry)
        coverage = validate_frame(expected, table=f"{table}.kelengkapan", rules=coverage_rules)
        if not coverage.success:
            found.append(findings.from_validation(entry, expected, coverage, coverage_rules))

    allow = {a.column: a.reason for a in entry.quality.personal_data_allow}
    # `lokasi` is written by the parser ("<sheet>!C7", "records[3].x"): one distinct value per
    # cell, the dominant cost of a scan of a large table, and no agency text beyond sheet names
    # (which the drift report already shows). Scanned: every column the agency's text reaches.
    # The notes column's own header ("NIK Pelapor") labels what `catatan` holds.
    headers = {"catatan": entry.parse.notes} if entry.parse.notes else None
    pii = scan_frame(
        tidy.reset_index(drop=True), table=table, allow=allow, skip=("lokasi",), headers=headers
    )
    if not pii.passed:
        found.append(findings.from_pii(entry, plain_text(checked), pii))

    if unreadable:
        found.insert(0, findings.from_cells(entry, [item.as_cell() for item in unreadable]))
    held_back: set[int] = set()
    table_level = []
    for failure in report.failures:
        complete = len(failure.positions) == failure.unexpected_count
        if failure.row_level and complete:
            held_back.update(failure.positions.tolist())
        else:
            table_level.append(failure.rule)
    if coverage is not None:
        table_level += [f.rule for f in coverage.failures]
    for finding in pii.blocking:
        held_back.update(finding.positions.tolist())
    found_all = pd.concat(found, ignore_index=True) if found else findings.empty_findings()
    # A NIK that is also out of range must not leak through the range rule's evidence: every
    # text that leaves the gate is masked.
    for column in ("nilai", "pesan"):
        found_all[column] = found_all[column].map(mask_text, na_action="ignore")
    return GateResult(
        rows=len(tidy),
        report=masked_report(report),
        coverage=None if coverage is None else masked_report(coverage),
        pii=pii,
        findings=found_all,
        held_back=np.array(sorted(held_back), dtype=np.int64),
        table_level=table_level,
        unreadable=[_masked_cell(item) for item in unreadable],
    )


def _masked_cell(item: Quarantined) -> Quarantined:
    return replace(
        item,
        nilai=mask_text(item.nilai),
        problem=mask_text(item.problem),
        detail=mask_text(item.detail),
    )


def masked_report(report: ValidationReport) -> ValidationReport:
    """`report` with personal data masked in every message and sample value."""
    return replace(report, failures=[_masked(f) for f in report.failures])


def _masked(failure: RuleFailure) -> RuleFailure:
    def clean(value):
        if isinstance(value, float) and value.is_integer() and abs(value) >= 1e15:
            masked = mask_text(str(int(value)))
            return value if masked == str(int(value)) else masked
        return mask_text(value) if isinstance(value, str) else value

    sample = [{k: clean(v) for k, v in row.items()} for row in failure.sample]
    return replace(failure, message=mask_text(failure.message), sample=sample)
