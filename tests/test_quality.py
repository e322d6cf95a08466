"""The tidy GX suite: a clean table passes, each seeded violation fails with its evidence."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from quality import gx_runtime
from quality.tidy_suite import (
    Rule,
    RuleFailure,
    build_suite,
    tidy_rules,
    validate_frame,
    validate_tidy,
)
from sources.tidy import tidy_frame
from tests.fresh_process import printed_by

REGIONS = ("35.73", "35.73.01", "35.73.02")
INDICATORS = ("ipm", "tpt")


def _row(line: int, **changes) -> dict:
    row = {
        "sumber_id": "bps-ipm",
        "indikator": "ipm",
        "kode_wilayah": "35.73",
        "periode": str(2018 + line),
        "nilai": 80.0 + line,
        "status": "final",
        "catatan": None,
        "lokasi": f"Sheet1!D{line}",
    }
    return {**row, **changes}


def _table(*changed: dict) -> pd.DataFrame:
    """Six clean rows (lokasi Sheet1!D2..D7); `changed` rows are appended after them."""
    rows = [_row(line) for line in range(2, 6)]
    rows += [_row(6, kode_wilayah="35.73.01"), _row(7, indikator="tpt", nilai=None, catatan="n/a")]
    return tidy_frame(rows + list(changed))


@pytest.fixture(scope="module")
def validate():
    gx_runtime.warm_up()  # import GX and build its context once for the whole module

    def run(df: pd.DataFrame, **kwargs):
        kwargs = {"known_regions": REGIONS, "declared_indicators": INDICATORS, **kwargs}
        return validate_tidy(df, table="bps_ipm", **kwargs)

    return run


def _only_failure(report) -> RuleFailure:
    assert not report.success
    assert len(report.failures) == 1, report.summary()
    return report.failures[0]


def test_clean_table_passes(validate, capfd):
    report = validate(_table())
    assert report.success, report.summary()
    assert (report.rows, report.failures, report.evaluated) == (6, [], 10)
    assert report.summary().startswith("bps_ipm: 6 rows passed all 10 checks (")
    assert capfd.readouterr() == ("", "")  # no GX progress bars or banners


def test_empty_table_passes(validate):
    report = validate(tidy_frame([]))
    assert report.success
    assert (report.rows, report.evaluated) == (0, 10)


@pytest.mark.parametrize(
    ("bad_row", "rule", "column", "bad_value"),
    [
        (_row(8, kode_wilayah="35.73.09"), "kode_wilayah_known", "kode_wilayah", "35.73.09"),
        (_row(8, periode="2023/24"), "periode_well_formed", "periode", "2023/24"),
        (_row(8, periode="2023-Q5"), "periode_well_formed", "periode", "2023-Q5"),
        (_row(8, kode_wilayah=None), "keys_not_null", "kode_wilayah", None),
        (_row(8, indikator=None), "keys_not_null", "indikator", None),
        (_row(8, indikator="ipm_lama"), "indikator_declared", "indikator", "ipm_lama"),
        (_row(8, status="revisi"), "status_allowed", "status", "revisi"),
    ],
)
def test_seeded_violation_fails_with_evidence(validate, bad_row, rule, column, bad_value):
    failure = _only_failure(validate(_table(bad_row)))
    assert (failure.rule, failure.column, failure.unexpected_count) == (rule, column, 1)
    assert failure.sample == [bad_row]
    assert failure.sample[0][column] == bad_value
    assert "Sheet1!D8" in failure.message


def test_duplicate_key_reports_both_rows(validate):
    failure = _only_failure(validate(_table(_row(8, periode="2020", nilai=1.0))))
    assert (failure.rule, failure.expectation) == (
        "key_unique",
        "expect_compound_columns_to_be_unique",
    )
    assert (failure.column, failure.unexpected_count) == ("indikator, kode_wilayah, periode", 2)
    assert [row["lokasi"] for row in failure.sample] == ["Sheet1!D2", "Sheet1!D8"]
    assert failure.message == (
        "indikator, kode_wilayah, periode: 2 rows repeat a key of another row: "
        "('ipm', '35.73', '2020') (Sheet1!D2, Sheet1!D8); each key must appear once per table."
    )


def test_unknown_region_message_is_pinned(validate):
    bad = [_row(8, kode_wilayah="35.73.09"), _row(9, kode_wilayah="35.73.09")]
    failure = _only_failure(validate(_table(*bad)))
    assert failure.expectation == "expect_column_values_to_be_in_set"
    assert failure.message == (
        "kode_wilayah: 2 rows have codes not in dim_wilayah: '35.73.09' (Sheet1!D8, Sheet1!D9); "
        "expected one of 3 known codes such as '35.73'."
    )


def test_summary_has_one_line_per_failure(validate):
    report = validate(_table(_row(8, periode="2023/24", status="revisi")))
    assert report.summary().splitlines()[1:] == [
        "- [periode_well_formed] periode: 1 row has a malformed periode: '2023/24' (Sheet1!D8); "
        "expected YYYY, YYYY-MM, YYYY-Qn or YYYY-Sn.",
        "- [status_allowed] status: 1 row has a status not in ('final', 'perkiraan', 'sementara'): "
        "'revisi' (Sheet1!D8).",
    ]
    assert report.summary().splitlines()[0].startswith("bps_ipm: 2 of 10 checks failed on 7 rows")


def test_nilai_that_is_not_float_fails(validate):
    df = _table()
    df["nilai"] = df["nilai"].astype(object)
    df.loc[0, "nilai"] = "1.234,5"
    failure = _only_failure(validate(df))
    assert (failure.rule, failure.unexpected_count) == ("nilai_numeric", 5)
    assert failure.message == (
        "nilai: column dtype is object, expected float64; 5 rows hold values of the wrong type: "
        "'1.234,5' (Sheet1!D2), 83.0 (Sheet1!D3), 84.0 (Sheet1!D4), 85.0 (Sheet1!D5), "
        "86.0 (Sheet1!D6); build the frame with sources.tidy.tidy_frame."
    )


def test_extra_rule_without_a_pandas_mirror_gets_evidence_from_gx(validate):
    """A catalog rule added later (here a value range) still reports rows with their lokasi."""
    percent = Rule(
        "nilai_in_range",
        "expect_column_values_to_be_between",
        {"column": "nilai", "min_value": 0, "max_value": 100},
    )
    report = validate(_table(_row(8, nilai=150.0), _row(9, nilai=-1.0)), extra_rules=[percent])
    failure = _only_failure(report)
    assert (failure.rule, failure.unexpected_count, report.evaluated) == ("nilai_in_range", 2, 11)
    assert [row["lokasi"] for row in failure.sample] == ["Sheet1!D8", "Sheet1!D9"]
    assert failure.message == (
        "nilai: 2 rows break rule nilai_in_range (expect_column_values_to_be_between): "
        "150.0 (Sheet1!D8), -1.0 (Sheet1!D9)."
    )


def test_extra_rule_with_a_row_condition_counts_only_its_rows(validate):
    only_kecamatan = Rule(
        "nilai_in_range",
        "expect_column_values_to_be_between",
        {
            "column": "nilai",
            "max_value": 85,
            "row_condition": 'kode_wilayah == "35.73.01"',
            "condition_parser": "pandas",
        },
    )
    failure = _only_failure(validate(_table(), extra_rules=[only_kecamatan]))
    assert (failure.unexpected_count, failure.sample[0]["lokasi"]) == (1, "Sheet1!D6")


def test_null_nilai_is_allowed(validate):
    assert validate(_table(_row(8, nilai=None, catatan="tidak tersedia", periode="2030"))).success


def test_sample_is_capped_and_shows_each_bad_value_first(validate):
    bad = [_row(10 + i, kode_wilayah="35.73.09", periode=str(2100 + i)) for i in range(14)]
    failure = _only_failure(validate(_table(*bad, _row(30, kode_wilayah="99", periode="2200"))))
    assert failure.unexpected_count == 15
    assert len(failure.sample) == 10
    assert failure.sample[-1]["lokasi"] == "Sheet1!D30"  # the second distinct value is kept
    assert "'35.73.09' (Sheet1!D10, Sheet1!D11, +12 more), '99' (Sheet1!D30)" in failure.message


def test_counts_match_gx_summary(validate):
    """The pandas evidence mirrors GX's own counting, rule by rule."""
    df = _table(
        _row(8, kode_wilayah="35.73.09", status=None),
        _row(9, periode="2023/24", indikator="x"),
        _row(10, periode="2020"),
        _row(11, kode_wilayah=None, periode="2020"),
    )
    rules = tidy_rules(known_regions=REGIONS, declared_indicators=INDICATORS)
    summary = gx_runtime.run_suite(df, build_suite("t", rules), result_format="SUMMARY")
    gx_counts = {}
    for result in summary.results:
        rule = rules[result.expectation_config.meta["rule_index"]]
        if not result.success:
            gx_counts[rule.name, rule.column] = result.result["unexpected_count"]
    ours = {(f.rule, f.column): f.unexpected_count for f in validate(df).failures}
    assert ours == gx_counts
    assert len(ours) == 6


def test_results_do_not_leak_between_tables(validate):
    dirty, clean = _table(_row(8, status="revisi")), _table()
    assert [validate(df).success for df in (dirty, clean, dirty, clean)] == [
        False,
        True,
        False,
        True,
    ]


def test_missing_column_is_a_clear_error(validate):
    with pytest.raises(ValueError) as error:
        validate(_table().drop(columns=["lokasi"]))
    assert str(error.value) == (
        "Table `bps_ipm` is not a tidy table: missing column(s) lokasi (found: sumber_id, "
        "indikator, kode_wilayah, periode, nilai, status, catatan). "
        "Build it with sources.tidy.tidy_frame."
    )


def test_importing_quality_does_not_import_gx_or_dagster():
    code = (
        "import sys, quality.tidy_suite; "
        "assert not {'great_expectations', 'dagster'} & set(sys.modules), 'imported too early'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_gx_starts_without_loading_the_modules_it_never_needs_which_still_work_when_used():
    """GX's import no longer executes scipy.stats (~1.3 s per validating process) nor altair
    (~0.25 s); code that uses them gets the real modules."""
    probe = (
        "import sys\n"
        "from quality import gx_runtime\n"
        "gx_runtime.warm_up()\n"
        "print(type(sys.modules['scipy.stats']).__name__)\n"
        "print(type(sys.modules['altair']).__name__)\n"
        "from scipy import stats\n"
        "print(round(float(stats.entropy([0.5, 0.5], [0.25, 0.75])), 4))\n"
        "print(type(sys.modules['scipy.stats']).__name__)\n"
        "import altair as alt\n"
        "print(alt.Chart.__name__, type(sys.modules['altair']).__name__)\n"
    )
    shown = printed_by(probe).split()
    assert shown == ["_Deferred", "_Deferred", "0.1438", "module", "Chart", "module"]


def test_regex_columns_reach_gx_as_arrow_text_with_the_same_verdict():
    """A categorical regex column is decoded in Arrow (no Python string per row); the values,
    the missing ones and GX's verdict are those of the plain column."""
    periods = pd.Series(["2021", "2021-13", None, "2022", "2021"], dtype="category")
    frame = pd.DataFrame({"periode": periods, "nilai": [1.0, 2.0, 3.0, 4.0, 5.0]})
    ready = gx_runtime.regex_ready(frame, {"periode", "absent"})
    assert isinstance(ready["periode"].array, pd.arrays.ArrowStringArray)
    assert ready["periode"].tolist()[:2] == ["2021", "2021-13"]
    assert ready["periode"].isna().tolist() == [False, False, True, False, False]
    assert ready["nilai"].equals(frame["nilai"])
    rules = [
        r
        for r in tidy_rules(known_regions=[], declared_indicators=[])
        if r.name == "periode_well_formed"
    ]
    for shown in (frame, frame.astype({"periode": "string"})):
        report = validate_frame(shown, table="t", rules=rules)
        assert not report.success and report.failures[0].unexpected_count == 1


def test_no_rows_skips_gx_only_where_gx_finds_every_rule_holding():
    """validate_frame answers an empty table without GX only for expectations about rows; GX
    itself, run on the same empty frame, must agree that each of them holds."""
    from quality.table_suites import dimension_table_rules
    from quality.tidy_suite import VACUOUS_ON_NO_ROWS

    rules = [
        *dimension_table_rules({"35.73"}, ["IPM"]),
        Rule("range", "expect_column_values_to_be_between", {"column": "nilai", "min_value": 0}),
        Rule("unique", "expect_column_values_to_be_unique", {"column": "sumber_id"}),
    ]
    assert {r.expectation for r in rules} == VACUOUS_ON_NO_ROWS
    columns = dict.fromkeys(c for r in rules for c in r.columns)
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    empty["nilai"] = pd.Series([], dtype="float64")

    by_gx = gx_runtime.run_suite(empty, build_suite("t", rules))
    assert by_gx.success
    assert [r.success for r in by_gx.results] == [True] * len(rules)

    report = validate_frame(empty, table="t", rules=rules)
    assert (report.success, report.rows, report.evaluated, report.gx_result) == (
        True, 0, len(rules), None,
    )  # fmt: skip
    # A rule GX judges on an empty column too (its dtype) still goes to GX.
    typed = [*rules, Rule("typed", "expect_column_values_to_be_in_type_list",
                          {"column": "nilai", "type_list": ["float64"]})]  # fmt: skip
    assert validate_frame(empty, table="t", rules=typed).gx_result is not None
    # A table missing a column a rule reads is not passed as empty: it fails as before.
    with pytest.raises(KeyError, match="status"):
        validate_frame(empty.drop(columns=["status"]), table="t", rules=rules)


def test_a_validation_leaves_no_frame_or_metrics_with_gx(validate):
    """GX's execution engine keeps the last batch's DataFrame and every metric it computed (a
    boolean Series per row-wise expectation) unless gx_runtime lets them go; a GX whose engine
    keeps them elsewhere fails here instead of growing a run's memory unnoticed."""
    validate(_table())
    engine = gx_runtime.context().data_sources.get("kotapintar").get_execution_engine()
    assert engine.batch_manager.batch_data_cache == {}
    assert engine._metric_cache == {}


def test_gx_does_not_fingerprint_the_batch(validate):
    """GX hashes every value of a batch it is handed unless told not to (gx_runtime): ~0.1 s of
    a 1M-row validation for a marker nothing reads. A GX that fingerprints again fails here."""
    rules = tidy_rules(known_regions=REGIONS, declared_indicators=INDICATORS)
    result = gx_runtime.run_suite(_table(), build_suite("t", rules), result_format="SUMMARY")
    markers = result.meta["batch_markers"]
    assert "ge_load_time" in markers  # the markers are where GX puts the fingerprint
    assert "pandas_data_fingerprint" not in markers
