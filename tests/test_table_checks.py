"""The GX suite of a published table read from the work database (assets.quality_assets
suite_report): only the columns its rules read go to GX, whole rows when a rule fails."""

import pytest

from assets.quality_assets import suite_report
from sources.wilayah import known_codes
from warehouse.db import work_db

ROW = (
    "'IND_A', 'Indikator A', 'Indicator A', 'unit', 'neutral', NULL, '{kode}', 'Blimbing', "
    "'kecamatan', '35.73.01', '{periode}', 12.5, 'final', NULL, 'Dinas', 'src_a', "
    "'" + "ab" * 32 + "', 'Sheet!B4'"
)


@pytest.fixture
def con(tmp_path):
    with work_db(tmp_path / "work.duckdb") as connection:
        yield connection


def insert(con, kode: str, periode: str) -> None:
    con.execute(f"INSERT INTO smart_people VALUES ({ROW.format(kode=kode, periode=periode)})")


def test_clean_table_passes_with_every_rule_evaluated(con):
    for periode in ("2023", "2024", "2024-05"):
        insert(con, "35.73.01", periode)
    report = suite_report(con, "smart_people", ["IND_A"])
    assert report.success and report.rows == 3 and not report.failures
    assert report.evaluated == 12 and report.table == "warehouse.smart_people"


def test_a_failure_shows_whole_rows_as_before(con):
    insert(con, "35.73.01", "2023")
    insert(con, "35.73.99", "2023")
    insert(con, "35.73.99", "2023")  # and a duplicate key
    report = suite_report(con, "smart_people", ["IND_A"])
    failed = {f.rule: f for f in report.failures}
    assert not report.success and set(failed) == {"in_set", "key_unique"}
    assert failed["key_unique"].unexpected_count == 2
    [sample] = failed["in_set"].sample[:1]
    # Columns no rule reads (nilai, satuan) are in the evidence: the table was read whole.
    assert (sample["kode_wilayah"], sample["nilai"], sample["satuan"]) == ("35.73.99", 12.5, "unit")


@pytest.mark.parametrize(
    ("kode", "periode", "change", "failed"),
    [
        ("35.73.01", "2023", "", set()),
        ("35.73.01", "2023-13", "", {"periode_format"}),
        ("35.73.01", "2023", "status = 'draft'", {"in_set"}),
        ("35.73.01", "2023", "indikator = 'IND_X'", {"in_set"}),
        ("35.73.01", "2023", "nama_wilayah = NULL", {"not_null"}),
        ("35.73.01", "2023", "sumber_id = NULL", {"not_null"}),
        ("35.73.01", "2024", "", {"key_unique"}),
    ],
)
def test_the_arrow_categorical_pass_gives_the_verdicts_of_plain_pandas(
    con, kode, periode, change, failed
):
    """GX gets the checked columns through Arrow as categoricals (quality/gx_runtime.py
    arrow_frame); each seeded violation fails as it does on plain pandas."""
    from quality.table_suites import rules_for
    from quality.tidy_suite import validate_frame

    insert(con, "35.73.02", "2024")
    insert(con, "35.73.01", "2024")
    insert(con, kode, periode)
    if change:
        con.execute(f"UPDATE smart_people SET {change} WHERE periode = '{periode}'")
    report = suite_report(con, "smart_people", ["IND_A"])
    assert {f.rule for f in report.failures} == failed and report.success == (not failed)
    rules = rules_for("smart_people", known_regions=known_codes(), indicators=["IND_A"])
    plain = validate_frame(con.execute("SELECT * FROM smart_people").df(), table="t", rules=rules)
    assert [(f.rule, f.unexpected_count) for f in plain.failures] == [
        (f.rule, f.unexpected_count) for f in report.failures
    ]


def test_an_empty_table_passes(con):
    report = suite_report(con, "smart_people", ["IND_A"])
    assert report.success and report.rows == 0


def test_a_result_left_unread_on_the_connection_is_finished_first(con):
    insert(con, "35.73.01", "2023")
    con.execute("INSERT INTO smart_people SELECT * FROM smart_people")  # its result never read
    report = suite_report(con, "smart_people", ["IND_A"])
    assert [f.rule for f in report.failures] == ["key_unique"] and report.rows == 2
