"""Indonesian numbers and markers, as a case table."""

import pytest

from sources.numbers import NumberFormatError, ParsedValue, parse_number

CASES = [
    ("1.234,5", ParsedValue(1234.5)),
    ("1.234", ParsedValue(1234.0)),
    ("843.810", ParsedValue(843810.0)),
    ("1.234.567", ParsedValue(1234567.0)),
    ("12,5", ParsedValue(12.5)),
    ("-3,25", ParsedValue(-3.25)),
    ("  1.234 ", ParsedValue(1234.0)),
    ("1.234*", ParsedValue(1234.0, provisional=True)),
    (42, ParsedValue(42.0)),
    (12.75, ParsedValue(12.75)),
    (None, ParsedValue(None, reason="kosong")),
    ("…", ParsedValue(None, reason="tidak tersedia (…)")),
    ("...", ParsedValue(None, reason="tidak tersedia (...)")),
    ("NA", ParsedValue(None, reason="tidak tersedia (NA)")),
    ("-", ParsedValue(None, reason="tidak ada data (-)")),
]


@pytest.mark.parametrize(("cell", "expected"), CASES)
def test_parse_number(cell, expected):
    assert parse_number(cell) == expected


def test_dash_is_zero_when_the_catalog_says_so():
    assert parse_number("-", dash="zero") == ParsedValue(0.0)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            "12.5",
            "'12.5' is ambiguous: Indonesian files write decimals with a comma (12,5) "
            "and group thousands with dots (1.234)",
        ),
        (
            "abc",
            "'abc' is not a number (expected e.g. 1234, 1.234 or 1.234,5; or a marker -, …, NA)",
        ),
        (
            "1,234,5",
            "'1,234,5' is not a number "
            "(expected e.g. 1234, 1.234 or 1.234,5; or a marker -, …, NA)",
        ),
    ],
)
def test_bad_numbers_say_what_is_expected(cell, message):
    with pytest.raises(NumberFormatError) as caught:
        parse_number(cell)
    assert str(caught.value) == message
