"""Periods as agencies write them, read into the tidy `periode`, as case tables."""

import datetime as dt
import re

import pytest

from sources.periods import (
    MissingKindError,
    MissingYearError,
    Period,
    PeriodFormatError,
    find_year,
    month_number,
    parse_period,
    period_from_parts,
    quarter_number,
    semester_number,
)
from sources.tidy import PERIODE_PATTERN

# Pinned here rather than imported: a change to the text agencies read shows in this diff.
FORMS = (
    "accepted forms: a year (2023), a month (2023-07, 07/2023, Juli 2023, Jul-23), "
    "a quarter (2023-Q3, Q3 2023, TW III 2023, Triwulan III 2023), "
    "a semester (2023-S2, S2 2023, Semester II 2023); a trailing * marks a provisional figure"
)
SET_KIND = "set the kind (month, quarter or semester)"

# (cell, keyword arguments, periode, provisional)
PARSE_CASES = [
    # Years, as numbers and as text, with the provisional mark in its spellings.
    (2023, {}, "2023", False),
    (2023.0, {}, "2023", False),
    ("2023", {}, "2023", False),
    ("2023*", {}, "2023", True),
    ("2023 *", {}, "2023", True),
    ("2023*)", {}, "2023", True),
    ("2023**", {}, "2023", True),
    ("  2023\u00a0", {}, "2023", False),
    ("Tahun 2023", {}, "2023", False),
    ("2023", {"year": 2020, "kind": "quarter"}, "2023", False),
    # Dates: their month.
    (dt.date(2024, 3, 5), {}, "2024-03", False),
    (dt.datetime(2024, 11, 30, 8, 15), {}, "2024-11", False),
    ("2024-03-05", {}, "2024-03", False),
    ("2024-03-05 00:00:00", {}, "2024-03", False),
    # Months in digits.
    ("2023-07", {}, "2023-07", False),
    ("2023-7", {}, "2023-07", False),
    ("2023 - 07", {}, "2023-07", False),
    ("2023/07", {}, "2023-07", False),
    ("07/2023", {}, "2023-07", False),
    ("7-2023", {}, "2023-07", False),
    ("2023-07*", {}, "2023-07", True),
    ("2023-3", {"kind": "quarter"}, "2023-Q3", False),
    # Months in words, Indonesian and English, whole or abbreviated, with or without a dot.
    ("Januari 2024", {}, "2024-01", False),
    ("JANUARI 2024", {}, "2024-01", False),
    ("2024 Januari", {}, "2024-01", False),
    ("Jan-24", {}, "2024-01", False),
    ("Jan 24", {}, "2024-01", False),
    ("Jan'24", {}, "2024-01", False),
    ("Pebruari 2023", {}, "2023-02", False),
    ("Peb 2023", {}, "2023-02", False),
    ("February 2023", {}, "2023-02", False),
    ("Maret 2023", {}, "2023-03", False),
    ("Mar-23", {}, "2023-03", False),
    ("Apr 2023", {}, "2023-04", False),
    ("Mei 2023", {}, "2023-05", False),
    ("May 2023", {}, "2023-05", False),
    ("Juni 2023", {}, "2023-06", False),
    ("June 2023", {}, "2023-06", False),
    ("Juli 2023", {}, "2023-07", False),
    ("Jul 2023", {}, "2023-07", False),
    ("Agustus 2023", {}, "2023-08", False),
    ("Agt. 2023", {}, "2023-08", False),
    ("Ags 2023", {}, "2023-08", False),
    ("Agu 2023", {}, "2023-08", False),
    ("Aug-23", {}, "2023-08", False),
    ("Sept 2023", {}, "2023-09", False),
    ("Sep. 2023", {}, "2023-09", False),
    ("Okt 2023", {}, "2023-10", False),
    ("October 2023", {}, "2023-10", False),
    ("Nopember 2023", {}, "2023-11", False),
    ("Nop 2023", {}, "2023-11", False),
    ("Desember 2023", {}, "2023-12", False),
    ("Des 2023*", {}, "2023-12", True),
    ("Dec-23", {}, "2023-12", False),
    ("Bulan Agustus Tahun 2023", {}, "2023-08", False),
    ("15 Agustus 2023", {}, "2023-08", False),
    ("\u00a0Desember\u00a02023\u00a0", {}, "2023-12", False),
    # Months without a year take the year argument; the text's year wins over it.
    ("Agustus", {"year": 2024}, "2024-08", False),
    ("Agustus*", {"year": 2024}, "2024-08", True),
    ("agt.", {"year": 2024}, "2024-08", False),
    ("Agustus 2023", {"year": 2024}, "2023-08", False),
    # Quarters (triwulan).
    ("2023-Q3", {}, "2023-Q3", False),
    ("2023Q3", {}, "2023-Q3", False),
    ("Q3 2023", {}, "2023-Q3", False),
    ("Q3-2023", {}, "2023-Q3", False),
    ("q3/2023", {}, "2023-Q3", False),
    ("TW III 2023", {}, "2023-Q3", False),
    ("TW-3", {"year": 2024}, "2024-Q3", False),
    ("Tw. III", {"year": 2024}, "2024-Q3", False),
    ("Triwulan III 2024", {}, "2024-Q3", False),
    ("Triwulan III 2024*", {}, "2024-Q3", True),
    ("Triwulan 3", {"year": 2024}, "2024-Q3", False),
    ("Triwulan Ketiga", {"year": 2024}, "2024-Q3", False),
    ("Triwulan ke-3 Tahun 2024", {}, "2024-Q3", False),
    ("Triwulan I 2024", {}, "2024-Q1", False),
    ("Kuartal IV 2024", {}, "2024-Q4", False),
    ("TW III", {"year": 2024, "kind": "month"}, "2024-Q3", False),
    # Semesters.
    ("Semester II 2023", {}, "2023-S2", False),
    ("Semester I", {"year": 2023}, "2023-S1", False),
    ("Sem 2", {"year": 2023}, "2023-S2", False),
    ("S2 2023", {}, "2023-S2", False),
    ("2023-S2", {}, "2023-S2", False),
    ("Semester Kedua 2023*", {}, "2023-S2", True),
    # A bare number or Roman numeral reads by the kind.
    ("III", {"kind": "quarter", "year": 2024}, "2024-Q3", False),
    ("3", {"kind": "quarter", "year": 2024}, "2024-Q3", False),
    (3, {"kind": "quarter", "year": 2024}, "2024-Q3", False),
    ("II", {"kind": "semester", "year": 2024}, "2024-S2", False),
    ("III", {"kind": "month", "year": 2024}, "2024-03", False),
    ("12", {"kind": "month", "year": 2024}, "2024-12", False),
    ("III 2023", {"kind": "quarter"}, "2023-Q3", False),
    ("III*", {"kind": "quarter", "year": 2024}, "2024-Q3", True),
]


@pytest.mark.parametrize(("value", "kwargs", "periode", "provisional"), PARSE_CASES)
def test_parse_period(value, kwargs, periode, provisional):
    assert parse_period(value, **kwargs) == Period(periode, provisional)
    assert re.fullmatch(PERIODE_PATTERN, periode)


def _not_a_period(text: str) -> str:
    return f"{text!r} is not a period; {FORMS}"


# (cell, keyword arguments, error class, the exact message)
PARSE_ERRORS = [
    ("", {}, PeriodFormatError, _not_a_period("")),
    (None, {}, PeriodFormatError, _not_a_period("")),
    (float("nan"), {}, PeriodFormatError, _not_a_period("")),
    ("*", {}, PeriodFormatError, _not_a_period("*")),
    ("Tahun", {}, PeriodFormatError, _not_a_period("Tahun")),
    ("foo", {}, PeriodFormatError, _not_a_period("foo")),
    ("Luas (km²)", {}, PeriodFormatError, _not_a_period("Luas (km²)")),  # "²".isdigit()
    ("2023 (revisi)", {}, PeriodFormatError, _not_a_period("2023 (revisi)")),
    ("*2023", {}, PeriodFormatError, _not_a_period("*2023")),
    (2023.5, {}, PeriodFormatError, _not_a_period("2023.5")),
    (True, {}, PeriodFormatError, _not_a_period("True")),
    ("Jan-Mar 2024", {}, PeriodFormatError, _not_a_period("Jan-Mar 2024")),
    ("Agustus 15, 2023", {}, PeriodFormatError, _not_a_period("Agustus 15, 2023")),
    ("24 Jan", {}, PeriodFormatError, _not_a_period("24 Jan")),
    ("Jan-5", {}, PeriodFormatError, _not_a_period("Jan-5")),
    ("Triwulan 2024", {}, PeriodFormatError, _not_a_period("Triwulan 2024")),
    ("TW S2 2024", {}, PeriodFormatError, _not_a_period("TW S2 2024")),
    ("Q3 Agustus 2024", {}, PeriodFormatError, _not_a_period("Q3 Agustus 2024")),
    ("2023 2023", {}, PeriodFormatError, _not_a_period("2023 2023")),
    ("III IV", {"kind": "quarter"}, PeriodFormatError, _not_a_period("III IV")),
    ("20231", {}, PeriodFormatError, _not_a_period("20231")),
    (
        "2019-2023",
        {},
        PeriodFormatError,
        "'2019-2023' has several years (2019, 2023); a period has one year",
    ),
    (
        "2023/2024",
        {},
        PeriodFormatError,
        "'2023/2024' has several years (2023, 2024); a period has one year",
    ),
    (
        "2023/24",
        {},
        PeriodFormatError,
        "'2023/24' has several years (2023, 2024); a period has one year",
    ),
    (
        "2011/12",
        {},
        PeriodFormatError,
        "'2011/12' is ambiguous: month 12 of 2011 or the school year 2011/2012; "
        "write 2011-12 for the month",
    ),
    (
        "III",
        {"year": 2024},
        MissingKindError,
        f"'III' does not say whether it is a month, quarter or semester: {SET_KIND}",
    ),
    (
        3,
        {},
        MissingKindError,
        f"'3' does not say whether it is a month, quarter or semester: {SET_KIND}",
    ),
    (
        "III 2023",
        {},
        MissingKindError,
        f"'III 2023' does not say whether it is a month, quarter or semester: {SET_KIND}",
    ),
    (
        "Agustus",
        {},
        MissingYearError,
        "'Agustus' has no year: write the year in the text or give a default year",
    ),
    (
        "Agustus*",
        {},
        MissingYearError,
        "'Agustus*' has no year: write the year in the text or give a default year",
    ),
    (
        "Semester I",
        {},
        MissingYearError,
        "'Semester I' has no year: write the year in the text or give a default year",
    ),
    (
        "III",
        {"kind": "quarter"},
        MissingYearError,
        "'III' has no year: write the year in the text or give a default year",
    ),
    ("13/2023", {}, PeriodFormatError, "'13/2023': month 13 is out of range 1-12"),
    ("2023-00", {}, PeriodFormatError, "'2023-00': month 0 is out of range 1-12"),
    ("Triwulan 5 2024", {}, PeriodFormatError, "'Triwulan 5 2024': quarter 5 is out of range 1-4"),
    ("TW V", {"year": 2024}, PeriodFormatError, "'TW V': quarter 5 is out of range 1-4"),
    (
        "Semester III 2023",
        {},
        PeriodFormatError,
        "'Semester III 2023': semester 3 is out of range 1-2",
    ),
    (
        "V",
        {"kind": "semester", "year": 2024},
        PeriodFormatError,
        "'V': semester 5 is out of range 1-2",
    ),
    ("32 Agustus 2023", {}, PeriodFormatError, "'32 Agustus 2023': day 32 is out of range 1-31"),
    ("0950", {}, PeriodFormatError, "'0950': year 950 is out of range 1000-2999"),
    ("Q3 3001", {}, PeriodFormatError, "'Q3 3001': year 3001 is out of range 1000-2999"),
    (dt.date(950, 1, 1), {}, PeriodFormatError, "'0950-01': year 950 is out of range 1000-2999"),
    (
        "Agustus",
        {"year": 950},
        PeriodFormatError,
        "'Agustus': default year 950 is out of range 1000-2999",
    ),
]


@pytest.mark.parametrize(("value", "kwargs", "error", "message"), PARSE_ERRORS)
def test_parse_period_errors(value, kwargs, error, message):
    with pytest.raises(error) as caught:
        parse_period(value, **kwargs)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_missing_year_is_a_format_error():
    # Callers that catch PeriodFormatError also catch the missing year.
    assert issubclass(MissingYearError, PeriodFormatError)
    with pytest.raises(PeriodFormatError):
        parse_period("Agustus")


def test_a_cached_failure_raises_a_fresh_error_each_time():
    # Failures are cached per text: each call must still raise, with its own exception object.
    with pytest.raises(PeriodFormatError) as first:
        parse_period("bukan periode")
    with pytest.raises(PeriodFormatError) as second:
        parse_period("bukan periode")
    assert first.value is not second.value
    assert str(first.value) == str(second.value)


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match=r"^kind must be month, quarter or semester, not 'year'$"):
        parse_period("III", kind="year")


# (keyword arguments, periode, provisional)
PARTS_CASES = [
    ({"year": "2023"}, "2023", False),
    ({"year": "2023*"}, "2023", True),
    ({"year": "Tahun 2023"}, "2023", False),
    ({"year": "2024", "month": "Agustus"}, "2024-08", False),
    ({"year": "2024", "month": "Agt."}, "2024-08", False),
    ({"year": "2024", "month": "08"}, "2024-08", False),
    ({"year": "2024", "month": "8"}, "2024-08", False),
    ({"year": "2024", "month": "VIII"}, "2024-08", False),
    ({"year": "24", "month": "Jan"}, "2024-01", False),
    ({"year": "2024", "month": "Agustus*"}, "2024-08", True),
    ({"year": "2024*", "month": "Agustus"}, "2024-08", True),
    ({"month": "Agustus", "default_year": 2024}, "2024-08", False),
    ({"year": "2023", "month": "Agustus", "default_year": 2024}, "2023-08", False),
    ({"year": "2024", "quarter": "TW III"}, "2024-Q3", False),
    ({"year": "2024", "quarter": "Q3"}, "2024-Q3", False),
    ({"year": "2024", "quarter": "III"}, "2024-Q3", False),
    ({"year": "2024", "quarter": "3"}, "2024-Q3", False),
    ({"year": "2024", "quarter": "Ketiga"}, "2024-Q3", False),
    ({"year": "2024", "quarter": "Triwulan III"}, "2024-Q3", False),
    ({"quarter": "Q3", "default_year": 2023}, "2023-Q3", False),
    ({"year": "2023", "semester": "S2"}, "2023-S2", False),
    ({"year": "2023", "semester": "II"}, "2023-S2", False),
    ({"year": "2023", "semester": "Semester 2"}, "2023-S2", False),
    ({"year": "2023", "semester": "Sem 1*"}, "2023-S1", True),
    ({"period": "Triwulan III 2024"}, "2024-Q3", False),
    ({"period": "Juli 2023*"}, "2023-07", True),
    ({"period": "TW III", "year": "2024"}, "2024-Q3", False),
    ({"period": "III", "year": "2024", "kind": "quarter"}, "2024-Q3", False),
    ({"period": "Agustus", "default_year": 2024}, "2024-08", False),
    ({"year": "", "month": "Agustus", "quarter": None, "default_year": 2024}, "2024-08", False),
]


@pytest.mark.parametrize(("kwargs", "periode", "provisional"), PARTS_CASES)
def test_period_from_parts(kwargs, periode, provisional):
    assert period_from_parts(**kwargs) == Period(periode, provisional)


# (keyword arguments, error class, the exact message)
PARTS_ERRORS = [
    (
        {},
        PeriodFormatError,
        "no period: the year, month, quarter, semester and period parts are all empty",
    ),
    (
        {"month": "Agustus"},
        MissingYearError,
        "'Agustus' has no year: write the year in the text or give a default year",
    ),
    (
        {"quarter": "TW III"},
        MissingYearError,
        "'TW III' has no year: write the year in the text or give a default year",
    ),
    (
        {"month": "Agustus", "quarter": "Q3", "year": "2024"},
        PeriodFormatError,
        "month 'Agustus' and quarter 'Q3': give only one of month, quarter, semester or period",
    ),
    ({"quarter": "S2", "year": "2024"}, PeriodFormatError, "quarter 'S2' is not a quarter"),
    ({"quarter": "S2"}, PeriodFormatError, "quarter 'S2' is not a quarter"),
    ({"semester": "Q3", "year": "2024"}, PeriodFormatError, "semester 'Q3' is not a semester"),
    ({"month": "TW III", "year": "2024"}, PeriodFormatError, "month 'TW III' is not a month"),
    ({"quarter": "2024"}, PeriodFormatError, "quarter '2024' is not a quarter"),
    ({"month": "13", "year": "2024"}, PeriodFormatError, "'13': month 13 is out of range 1-12"),
    ({"quarter": "Q5", "year": "2024"}, PeriodFormatError, "'Q5': quarter 5 is out of range 1-4"),
    (
        {"year": "abc", "month": "Agustus"},
        PeriodFormatError,
        "year 'abc' is not a year: write four digits such as 2024",
    ),
    ({"year": "0950"}, PeriodFormatError, "'0950': year 950 is out of range 1000-2999"),
    (
        {"month": "Agustus", "default_year": 900},
        PeriodFormatError,
        "'Agustus': default year 900 is out of range 1000-2999",
    ),
    (
        {"period": "III", "year": "2024"},
        MissingKindError,
        f"'III' does not say whether it is a month, quarter or semester: {SET_KIND}",
    ),
    ({"month": "Bulan", "year": "2024"}, PeriodFormatError, _not_a_period("Bulan")),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), PARTS_ERRORS)
def test_period_from_parts_errors(kwargs, error, message):
    with pytest.raises(error) as caught:
        period_from_parts(**kwargs)
    assert str(caught.value) == message


# (text, month_number, quarter_number, semester_number)
NUMBER_CASES = [
    ("Agustus", 8, None, None),
    ("Agt.", 8, None, None),
    ("AUG", 8, None, None),
    ("Desember*", 12, None, None),
    ("08", 8, None, None),
    ("VIII", 8, None, None),
    ("XII", 12, None, None),
    ("Bulan Mei", 5, None, None),
    ("TW III", None, 3, None),
    ("Tw.3", None, 3, None),
    ("Q3", None, 3, None),
    ("Triwulan Ketiga", None, 3, None),
    ("Triwulan ke-4", None, 4, None),
    ("3", 3, 3, None),
    ("III", 3, 3, None),
    ("S2", None, None, 2),
    ("Semester II", None, None, 2),
    ("Sem 2", None, None, 2),
    ("II", 2, 2, 2),
    ("1", 1, 1, 1),
    ("13", None, None, None),
    ("Q5", None, None, None),
    ("Agustus 2024", None, None, None),
    ("Q3 2024", None, None, None),
    ("2024", None, None, None),
    ("", None, None, None),
    ("xyz", None, None, None),
]


@pytest.mark.parametrize(("text", "month", "quarter", "semester"), NUMBER_CASES)
def test_unit_numbers(text, month, quarter, semester):
    assert month_number(text) == month
    assert quarter_number(text) == quarter
    assert semester_number(text) == semester


FIND_YEAR_CASES = [
    ("Data 2024", 2024),
    ("Jumlah Pelanggan PDAM Tahun 2023", 2023),
    ("2023", 2023),
    ("Tahun 2023*", 2023),
    ("Des.2023", 2023),
    ("PDAM_2023.xlsx", 2023),
    ("Tahun 2023 (2023)", 2023),
    ("2019-2023", None),
    ("Data 2019 dan 2020", None),
    ("Sheet1", None),
    ("", None),
    ("1850", None),
    ("20231", None),
    ("2023.5", None),
    ("1.950.000", None),
    ("2100", 2100),
    ("1900", 1900),
]


@pytest.mark.parametrize(("text", "year"), FIND_YEAR_CASES)
def test_find_year(text, year):
    assert find_year(text) == year


def test_a_month_written_as_the_tidy_periode_reads_as_the_general_path_reads_it():
    """A text such as "2023-07" skips the general reading (a long monthly series has
    thousands of distinct periods); every such text, and its near misses, reads as before."""
    from sources.periods import _parse_cached

    texts = [f"{y:04d}-{m:02d}" for y in (999, 1000, 1999, 2024, 2999, 3000) for m in range(14)]
    texts += ["2023-7", "2023-07 ", " 2023-07", "2023-07*", "2023/07", "２０２３-07"]
    for text in texts:
        general = _parse_cached(text, None, None)
        if isinstance(general, Period):
            assert parse_period(text) == general, text
        else:
            with pytest.raises(general[0]):
                parse_period(text)
    # A catalog that counts quarters reads "2023-03" as Q3, not March.
    assert parse_period("2023-03", kind="quarter").periode == "2023-Q3"
