"""The Great Expectations suite every tidy table must pass before it is loaded.

`validate_tidy` runs the whole suite over the DataFrame in one bulk GX pass (BOOLEAN_ONLY: pass or
fail per expectation, the cheapest result format) and, only for the expectations that fail, finds
the offending rows with pandas so each failure carries its count, sample rows and their `lokasi`.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quality import evidence, gx_runtime, gx_worker, messages
from quality.rules import Rule, tidy_rules
from sources.tidy import TIDY_COLUMNS

__all__ = [
    "BULK_RESULT_FORMAT",
    "Rule",
    "RuleFailure",
    "ValidationReport",
    "build_suite",
    "plain_text",
    "tidy_rules",
    "validate_frame",
    "validate_tidy",
]

# bench/validation.py, 1M rows: 0.72 s clean / 1.44 s with violations, against 0.84 / 1.98 s for
# SUMMARY, whose unexpected-value lists the evidence step recomputes anyway, with each lokasi.
BULK_RESULT_FORMAT = "BOOLEAN_ONLY"
REGEX_EXPECTATION = "expect_column_values_to_match_regex"


@dataclass(frozen=True)
class RuleFailure:
    """One failed expectation: its rule, how many rows break it, a message, sample rows (with
    `lokasi`) and the positions of every offending row (for the quarantine)."""

    rule: str
    expectation: str
    column: str
    unexpected_count: int
    message: str
    sample: list[dict] = field(default_factory=list)
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    row_level: bool = True


@dataclass(frozen=True)
class ValidationReport:
    table: str
    success: bool
    rows: int
    failures: list[RuleFailure]
    evaluated: int
    seconds: float
    # The GX suite validation result, pickled (it may come from the GX worker process), for a
    # failure's Data Docs page (quality.datadocs); None when GX was not asked.
    gx_result: bytes | None = field(default=None, repr=False, compare=False)
    # Validated in one GX pass with this many sources' rows (quality/bulk_check.py); 0: alone.
    stacked: int = 0

    def summary(self) -> str:
        """One line for the table, then one line per failure, for logs and error messages."""
        if self.success:
            return (
                f"{self.table}: {self.rows} rows passed all {self.evaluated} checks "
                f"({self.seconds:.2f} s)."
            )
        head = (
            f"{self.table}: {len(self.failures)} of {self.evaluated} checks failed "
            f"on {self.rows} rows ({self.seconds:.2f} s):"
        )
        return "\n".join([head, *(f"- [{f.rule}] {f.message}" for f in self.failures)])


def build_suite(table: str, rules: Sequence[Rule]):
    """The GX ExpectationSuite for `rules`; each expectation's meta points back to its rule."""
    return gx_runtime.build_suite(
        table if "." in table else f"tidy.{table}",
        [
            (rule.expectation, rule.kwargs, {"rule_index": i, "rule": rule.name}, rule.where)
            for i, rule in enumerate(rules)
        ],
    )


def validate_tidy(
    df: pd.DataFrame,
    *,
    table: str,
    known_regions: Collection[str],
    declared_indicators: Collection[str],
    extra_rules: Sequence[Rule] = (),
    result_format: str = BULK_RESULT_FORMAT,
) -> ValidationReport:
    """Validate one tidy table; failures carry counts, a message and sample rows with lokasi."""
    missing = [column for column in TIDY_COLUMNS if column not in df.columns]
    if missing:
        raise ValueError(
            f"Table `{table}` is not a tidy table: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(map(str, df.columns))}). Build it with sources.tidy.tidy_frame."
        )
    rules = tidy_rules(
        known_regions=known_regions,
        declared_indicators=declared_indicators,
        extra_rules=extra_rules,
    )
    return validate_frame(df, table=table, rules=rules, result_format=result_format)


def validate_frame(
    df: pd.DataFrame,
    *,
    table: str,
    rules: Sequence[Rule],
    result_format: str = BULK_RESULT_FORMAT,
) -> ValidationReport:
    """Validate any DataFrame against `rules` in one bulk GX pass (tidy, coverage or dimension
    tables); only failed rules are revisited for their offending rows."""
    started = time.perf_counter()
    if df.empty and _vacuous(rules, df):
        # No rows and only rules about rows: each holds, as GX finds (tests/test_quality.py),
        # without its ~0.1 s of fixed cost (a run that fills one dimension validates five empty
        # smart_* tables). No GX result: Data Docs pages are written for failures only.
        return ValidationReport(
            table=table,
            success=True,
            rows=0,
            failures=[],
            evaluated=len(rules),
            seconds=time.perf_counter() - started,
        )
    # GX fingerprinted (hashed) every column of the batch before it checked anything: handing it
    # only the columns the rules read (not lokasi, catatan, sumber_id) cut a 1M-row validation
    # from ~1.9 s to ~0.7 s; gx_runtime now skips the fingerprint, and the narrower frame still
    # spares GX's conversions of columns no rule reads (and, to the GX worker, their pickling).
    found = gx_worker.run(bulk_pass, df[_columns_read(rules, df)], table, rules, result_format)
    failures = [_failure(df, table, rules[f.index], f) for f in found.failed]
    return ValidationReport(
        table=table,
        success=found.success,
        rows=len(df),
        failures=failures,
        evaluated=found.evaluated,
        seconds=time.perf_counter() - started,
        gx_result=found.result,
    )


@dataclass(frozen=True)
class FailedExpectation:
    """A failed expectation of a bulk pass: its rule's index, GX's exception info and result."""

    index: int
    exception_info: dict
    result: dict


@dataclass(frozen=True)
class SuitePass:
    """What one GX pass found, as plain values: it may come from the GX worker process
    (quality/gx_worker.py), and reading it here must not import GX."""

    success: bool
    evaluated: int
    failed: list[FailedExpectation]  # in suite order, so logs are stable
    result: bytes  # the GX validation result, pickled, for a Data Docs page (quality.datadocs)


def bulk_pass(
    checked: pd.DataFrame, table: str, rules: Sequence[Rule], result_format: str
) -> SuitePass:
    """Validate `checked` (the columns the rules read) against `rules` in one GX pass."""
    checked = gx_runtime.regex_ready(checked, _regex_columns(rules))
    result = gx_runtime.run_suite(checked, build_suite(table, rules), result_format=result_format)
    failed = [
        FailedExpectation(
            r.expectation_config.meta["rule_index"],
            dict(r.exception_info or {}),
            {k: v for k, v in (r.result or {}).items() if "index" not in k},
        )
        for r in result.results
        if not r.success
    ]
    return SuitePass(
        success=bool(result.success),
        evaluated=int(result.statistics["evaluated_expectations"]),
        failed=sorted(failed, key=lambda f: f.index),
        result=pickle.dumps(result),
    )


# Expectations about each row (or each combination of columns): on no rows nothing is unexpected.
# Not the type expectation: GX judges an empty column's dtype.
VACUOUS_ON_NO_ROWS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
    }
)


def _vacuous(rules: Sequence[Rule], df: pd.DataFrame) -> bool:
    """Whether every rule holds on `df` because it has no rows (and has the columns read)."""
    return all(r.expectation in VACUOUS_ON_NO_ROWS for r in rules) and set(
        _columns_read(rules, df)
    ) <= set(df.columns)


def _regex_columns(rules: Sequence[Rule]) -> set[str]:
    return {r.kwargs["column"] for r in rules if r.expectation == REGEX_EXPECTATION}


def _columns_read(rules: Sequence[Rule], df: pd.DataFrame) -> list[str]:
    if any("row_condition" in rule.kwargs for rule in rules):
        return list(df.columns)  # a condition may read any column
    return list(dict.fromkeys(column for rule in rules for column in rule.reads))


def _failure(df: pd.DataFrame, table: str, rule: Rule, found: FailedExpectation) -> RuleFailure:
    """Evidence for one failed expectation, computed only now that we know it failed."""
    failure = dict(
        rule=rule.name, expectation=rule.expectation, column=rule.column, row_level=rule.row_level
    )
    info = found.exception_info
    if info.get("raised_exception"):
        message = (
            f"{rule.column}: {rule.expectation} could not run: {info.get('exception_message')}"
        )
        return RuleFailure(**failure, unexpected_count=0, message=message)
    mask = evidence.offending_mask(df, rule.expectation, rule.kwargs, rule.where)
    if mask is None:
        positions, count = _rows_from_gx(df, table, rule)
    else:
        positions = np.flatnonzero(mask)
        count = len(positions)
    rows = plain_text(df.iloc[positions])
    if rows.empty:
        # GX failed the table but no row is to blame (e.g. a wrong dtype on an empty column).
        observed = found.result
        message = (
            f"{rule.column}: {rule.expectation} failed (GX observed: {observed or 'no rows'})."
        )
        return RuleFailure(**failure, unexpected_count=count, message=message)
    return RuleFailure(
        **failure,
        unexpected_count=count,
        message=messages.describe(rule, rows, count, dtype=str(rows[rule.columns[0]].dtype)),
        sample=evidence.sample_rows(rows, rule.columns),
        positions=positions,
    )


def plain_text(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its categorical columns as "string" columns: the evidence of a failure (sample
    rows, messages, findings) reads the same from the fast parser's categoricals
    (sources/parse_fast.py) and from DuckDB through Arrow as from plain text."""
    categorical = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    return df.astype(dict.fromkeys(categorical, "string")) if categorical else df


def _rows_from_gx(df: pd.DataFrame, table: str, rule: Rule) -> tuple[np.ndarray, int]:
    """For an expectation we have no pandas mirror for (e.g. a catalog rule added later), ask GX
    for the first offending rows of that one expectation; a RangeIndex makes them positions."""
    checked = df[_columns_read([rule], df)].set_axis(pd.RangeIndex(len(df)))
    found = gx_worker.run(_first_offending, checked, table, rule)
    positions = np.asarray(found.get("partial_unexpected_index_list") or [], dtype=np.int64)
    return positions, int(found.get("unexpected_count", len(positions)))


def _first_offending(checked: pd.DataFrame, table: str, rule: Rule) -> dict:
    """GX's SUMMARY result of `rule` alone on `checked`: its first offending rows and count."""
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": evidence.SAMPLE_SIZE}
    detail = gx_runtime.run_suite(checked, build_suite(table, [rule]), result_format=result_format)
    return dict(detail.results[0].result or {})
