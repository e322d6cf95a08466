"""Numbers and markers in each number style, and the decision between them, as case tables."""

import random
import re

import pytest

from sources.numbers import (
    DECIDE_SAMPLE_LIMIT,
    PLAIN_NUMBER_PATTERNS,
    DecimalDecision,
    NumberFormatError,
    ParsedValue,
    decide_decimal,
    parse_number,
)

# The Indonesian style, the default.
CASES = [
    ("1.234,5", ParsedValue(1234.5)),
    ("1.234", ParsedValue(1234.0)),
    ("843.810", ParsedValue(843810.0)),
    ("1.234.567", ParsedValue(1234567.0)),
    ("12,5", ParsedValue(12.5)),
    ("-3,25", ParsedValue(-3.25)),
    ("+3,25", ParsedValue(3.25)),
    ("1,224", ParsedValue(1.224)),
    ("3,14159", ParsedValue(3.14159)),
    ("  1.234 ", ParsedValue(1234.0)),
    ("1.234*", ParsedValue(1234.0, provisional=True)),
    ("21 575", ParsedValue(21575.0)),
    ("21\u00a0575,5", ParsedValue(21575.5)),
    ("1\u202f234\u202f567", ParsedValue(1234567.0)),
    ("12,5 %", ParsedValue(12.5)),
    ("12,5%*", ParsedValue(12.5, provisional=True)),
    ("- 3,5", ParsedValue(-3.5)),
    (42, ParsedValue(42.0)),
    (12.75, ParsedValue(12.75)),
    (None, ParsedValue(None, reason="kosong")),
    ("", ParsedValue(None, reason="tidak tersedia (kosong)")),
    ("…", ParsedValue(None, reason="tidak tersedia (…)")),
    ("...", ParsedValue(None, reason="tidak tersedia (...)")),
    ("NA", ParsedValue(None, reason="tidak tersedia (NA)")),
    ("NA*", ParsedValue(None, provisional=True, reason="tidak tersedia (NA)")),
    ("-", ParsedValue(None, reason="tidak ada data (-)")),
]

POINT_CASES = [
    ("34,527.10", ParsedValue(34527.1)),
    ("1,224", ParsedValue(1224.0)),
    ("12.5", ParsedValue(12.5)),
    ("5345.00", ParsedValue(5345.0)),
    ("1,234,567", ParsedValue(1234567.0)),
    ("-3.5", ParsedValue(-3.5)),
    ("+3.5", ParsedValue(3.5)),
    ("0.25", ParsedValue(0.25)),
    ("1234", ParsedValue(1234.0)),
    ("21 575", ParsedValue(21575.0)),
    ("21\u00a0575.5", ParsedValue(21575.5)),
    ("12.5 %", ParsedValue(12.5)),
    ("1,234.5*", ParsedValue(1234.5, provisional=True)),
    (42, ParsedValue(42.0)),
    (12.75, ParsedValue(12.75)),
    (None, ParsedValue(None, reason="kosong")),
    ("…", ParsedValue(None, reason="tidak tersedia (…)")),
    ("n/a", ParsedValue(None, reason="tidak tersedia (n/a)")),
    ("-", ParsedValue(None, reason="tidak ada data (-)")),
]


# Thousands grouped by spaces only: "." and "," can only mark decimals.
SPACE_CASES = [
    ("21 575", ParsedValue(21575.0)),
    ("21\u00a0575", ParsedValue(21575.0)),
    ("1\u202f234\u202f567", ParsedValue(1234567.0)),
    ("21 575,5", ParsedValue(21575.5)),
    ("21 575.5", ParsedValue(21575.5)),
    ("1.234", ParsedValue(1.234)),
    ("1,234", ParsedValue(1.234)),
    ("3.846", ParsedValue(3.846)),
    ("- 12,5 %*", ParsedValue(-12.5, provisional=True)),
    ("5345", ParsedValue(5345.0)),
    ("…", ParsedValue(None, reason="tidak tersedia (…)")),
]

# Numbers stored as text by a program: digits and a decimal point, never grouped.
PLAIN_CASES = [
    ("5345.00", ParsedValue(5345.0)),
    ("48250000.00", ParsedValue(48250000.0)),
    ("1.234", ParsedValue(1.234)),
    ("0.25", ParsedValue(0.25)),
    ("-12", ParsedValue(-12.0)),
    (" 5345.00* ", ParsedValue(5345.0, provisional=True)),
    ("12.5 %", ParsedValue(12.5)),
    ("-", ParsedValue(None, reason="tidak ada data (-)")),
]


@pytest.mark.parametrize(("cell", "expected"), CASES)
def test_parse_number(cell, expected):
    assert parse_number(cell) == expected
    assert parse_number(cell, decimal="comma") == expected


@pytest.mark.parametrize(("cell", "expected"), POINT_CASES)
def test_parse_number_with_a_decimal_point(cell, expected):
    assert parse_number(cell, decimal="point") == expected


@pytest.mark.parametrize(("cell", "expected"), SPACE_CASES)
def test_parse_number_with_spaces_grouping_thousands(cell, expected):
    assert parse_number(cell, decimal="space") == expected


@pytest.mark.parametrize(("cell", "expected"), PLAIN_CASES)
def test_parse_number_plain(cell, expected):
    assert parse_number(cell, decimal="plain") == expected


@pytest.mark.parametrize("decimal", ["comma", "point", "space", "plain"])
def test_dash_is_zero_when_the_catalog_says_so(decimal):
    assert parse_number("-", dash="zero", decimal=decimal) == ParsedValue(0.0)
    assert parse_number("–*", dash="zero", decimal=decimal) == ParsedValue(0.0, provisional=True)


COMMA_STYLE = "is not a number in the Indonesian style (decimal comma: 1.234,5)"
POINT_STYLE = "is not a number in the decimal point style (decimal point: 1,234.5)"
READS_POINT = "it reads as a decimal point number: set `decimal: point` for this column"
READS_COMMA = (
    "it reads as an Indonesian style number (decimal comma): set `decimal: comma` for this column"
)
COMMA_EXPECTS = "expected e.g. 1234, 1.234, 12,5 or 1.234,5; or a marker -, …, NA"
POINT_EXPECTS = "expected e.g. 1234, 1,234, 12.5 or 1,234.5; or a marker -, …, NA"


@pytest.mark.parametrize(
    ("cell", "decimal", "message"),
    [
        (
            "12.5",
            "comma",
            "'12.5' is not a number in the Indonesian style (decimal comma: 1.234,5); "
            "it reads as a decimal point number: set `decimal: point` for this column",
        ),
        ("1,234,567", "comma", f"'1,234,567' {COMMA_STYLE}; {READS_POINT}"),
        ("5345.00*", "comma", f"'5345.00*' {COMMA_STYLE}; {READS_POINT}"),
        (
            "abc",
            "comma",
            "'abc' is not a number in the Indonesian style (decimal comma: 1.234,5); "
            "expected e.g. 1234, 1.234, 12,5 or 1.234,5; or a marker -, …, NA",
        ),
        ("1,234,5", "comma", f"'1,234,5' {COMMA_STYLE}; {COMMA_EXPECTS}"),
        # Spaces group thousands only: one kind of separator per number, groups of three.
        ("12 5", "comma", f"'12 5' {COMMA_STYLE}; {COMMA_EXPECTS}"),
        ("1.234 567", "comma", f"'1.234 567' {COMMA_STYLE}; {COMMA_EXPECTS}"),
        (
            "1.234,5",
            "point",
            "'1.234,5' is not a number in the decimal point style (decimal point: 1,234.5); "
            "it reads as an Indonesian style number (decimal comma): "
            "set `decimal: comma` for this column",
        ),
        ("12,5 %", "point", f"'12,5 %' {POINT_STYLE}; {READS_COMMA}"),
        ("1.234.567", "point", f"'1.234.567' {POINT_STYLE}; {READS_COMMA}"),
        (
            "abc",
            "point",
            "'abc' is not a number in the decimal point style (decimal point: 1,234.5); "
            "expected e.g. 1234, 1,234, 12.5 or 1,234.5; or a marker -, …, NA",
        ),
        ("1.2.3", "point", f"'1.2.3' {POINT_STYLE}; {POINT_EXPECTS}"),
        ("%", "comma", f"'%' {COMMA_STYLE}; {COMMA_EXPECTS}"),
        # No one groups thousands after a leading zero: "0.250" is a quarter, never 250.
        ("0.250", "comma", f"'0.250' {COMMA_STYLE}; {READS_POINT}"),
        ("0,875", "point", f"'0,875' {POINT_STYLE}; {READS_COMMA}"),
        ("-0.500", "comma", f"'-0.500' {COMMA_STYLE}; {READS_POINT}"),
        # The space style groups by spaces only.
        (
            "1.234.567",
            "space",
            "'1.234.567' is not a number in the space style (thousands grouped by spaces: "
            "21 575,5 or 21 575.5); it reads as an Indonesian style number (decimal comma): set "
            "`decimal: comma` for this column",
        ),
        (
            "34,527.10",
            "space",
            "'34,527.10' is not a number in the space style (thousands grouped by spaces: "
            "21 575,5 or 21 575.5); it reads as a decimal point number: set `decimal: point` "
            "for this column",
        ),
        # The plain style takes no grouping at all, and no decimal comma.
        (
            "4,825,000.00",
            "plain",
            "'4,825,000.00' is not a number in the plain style (digits and a decimal point, "
            "no thousands separator: 5345.00); it reads as a decimal point number: set "
            "`decimal: point` for this column",
        ),
        (
            "21 575",
            "plain",
            "'21 575' is not a number in the plain style (digits and a decimal point, no "
            "thousands separator: 5345.00); it reads as a number with thousands grouped by "
            "spaces: set `decimal: space` for this column",
        ),
        (
            "12,5",
            "plain",
            "'12,5' is not a number in the plain style (digits and a decimal point, no "
            "thousands separator: 5345.00); it reads as an Indonesian style number (decimal "
            "comma): set `decimal: comma` for this column",
        ),
        (
            "abc",
            "plain",
            "'abc' is not a number in the plain style (digits and a decimal point, no "
            "thousands separator: 5345.00); expected e.g. 5345, 5345.00 or 0.25; or a marker "
            "-, …, NA",
        ),
    ],
)
def test_bad_numbers_say_what_is_expected(cell, decimal, message):
    with pytest.raises(NumberFormatError) as caught:
        parse_number(cell, decimal=decimal)
    assert str(caught.value) == message


def test_booleans_and_unknown_styles_are_refused():
    with pytest.raises(NumberFormatError, match="True is a boolean, not a number"):
        parse_number(True, decimal="point")
    allowed = "'comma', 'point', 'space', 'plain'"
    with pytest.raises(ValueError, match=f"decimal must be one of {allowed}, not 'koma'"):
        parse_number("12,5", decimal="koma")


def test_numbers_written_in_each_style_read_back_the_same():
    rng = random.Random(7)
    for _ in range(2000):
        whole, cents = rng.randint(0, 10**9), rng.randint(0, 99)
        point = f"{whole:,}.{cents:02d}"
        comma = point.replace(",", " ").replace(".", ",").replace(" ", ".")
        spaced = f"{whole:,}".replace(",", "\u00a0")
        assert parse_number(point, decimal="point").nilai == float(f"{whole}.{cents:02d}")
        assert parse_number(comma).nilai == float(f"{whole}.{cents:02d}")
        assert parse_number(spaced).nilai == parse_number(spaced, decimal="point").nilai == whole
        assert parse_number(spaced, decimal="space").nilai == whole
        plain = f"{whole}.{cents:02d}"
        assert parse_number(plain, decimal="plain").nilai == float(plain)
        assert parse_number(plain.replace(".", ","), decimal="space").nilai == float(plain)


@pytest.mark.parametrize(
    ("decimal", "plain"),
    [
        ("comma", ["1.234,5", "12,5", "1.234", "1,234", "-3", "+0,25", "1.234.567", "0,250"]),
        ("point", ["1,234.5", "12.5", "1.234", "1,234", "-3", "+0.25", "1,234,567", "0.250"]),
        ("space", ["12,5", "12.5", "1.234", "1,234", "-3", "+0,25", "+0.25", "0.250", "0,250"]),
        ("plain", ["12.5", "1.234", "-3", "+0.25", "5345.00", "0.250"]),
    ],
)
def test_plain_patterns_match_what_parse_number_reads_plainly(decimal, plain):
    # The Arrow fast path (RE2) reads these cells itself: they must read as parse_number reads
    # them, by dropping the thousands separator and making the decimal one a point.
    pattern = re.compile(PLAIN_NUMBER_PATTERNS[decimal])
    others = ["1.234,5", "1,234.5", "12,5", "12.5", "1 234", "12,5%", "1.234*", "NA", "-", "١٢"]
    others += ["0.250", "0,250"]  # a decimal in its style, never a group after a leading zero
    assert [t for t in dict.fromkeys(plain + others) if pattern.search(t)] == plain
    group, point = {"comma": (".", ","), "point": (",", ".")}.get(decimal, ("", ","))
    for text in plain:
        expected = float((text.replace(group, "") if group else text).replace(point, "."))
        assert parse_number(text, decimal=decimal).nilai == expected


def samples(*texts):
    """(text, place) pairs down column D from row 2."""
    return [(text, f"D{row}") for row, text in enumerate(texts, start=2)]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # Comma evidence.
        (["1.224", "12,5"], DecimalDecision("comma", "'12,5' at D3", ambiguous="'1.224' at D2")),
        (["0,25"], DecimalDecision("comma", "'0,25' at D2")),
        (["1.234,5"], DecimalDecision("comma", "'1.234,5' at D2")),
        (["1.234.567"], DecimalDecision("comma", "'1.234.567' at D2")),
        (["3,14159"], DecimalDecision("comma", "'3,14159' at D2")),
        (["0,250"], DecimalDecision("comma", "'0,250' at D2")),
        (["-", " 12,5 %* "], DecimalDecision("comma", "'12,5 %*' at D3")),
        # Point evidence.
        (["1,224", "12.5"], DecimalDecision("point", "'12.5' at D3", ambiguous="'1,224' at D2")),
        (["0.25"], DecimalDecision("point", "'0.25' at D2")),
        (["1,234.5"], DecimalDecision("point", "'1,234.5' at D2")),
        (["1,234,567"], DecimalDecision("point", "'1,234,567' at D2")),
        (["3.14159"], DecimalDecision("point", "'3.14159' at D2")),
        (["0.250"], DecimalDecision("point", "'0.250' at D2")),
        (["5345.00"], DecimalDecision("point", "'5345.00' at D2")),
        # Spaces group thousands and nothing decides: the space style (a "." then marks decimals).
        (
            ["21 575", "1.224"],
            DecimalDecision("space", "'21 575' at D2", ambiguous="'1.224' at D3"),
        ),
        (["21\u00a0575", "NA"], DecimalDecision("space", "'21\\xa0575' at D2")),
        (["21 575", "12,5"], DecimalDecision("comma", "'12,5' at D3")),
        # No evidence: the Indonesian default; the first ambiguous cell is named.
        (
            ["2024", "1.224", "1,224", "NA", "-", "abc", ""],
            DecimalDecision("comma", ambiguous="'1.224' at D3"),
        ),
        ([], DecimalDecision("comma")),
        # Both: the first decisive cell wins and the conflict names one cell of each.
        (
            ["1.224", "12,5", "7", "3.75", "9,5"],
            DecimalDecision(
                "comma",
                "'12,5' at D3",
                "'12,5' at D3 reads with a decimal comma but '3.75' at D5 with a decimal point",
                "'1.224' at D2",
            ),
        ),
        (
            ["3.75", "12,5"],
            DecimalDecision(
                "point",
                "'3.75' at D2",
                "'3.75' at D2 reads with a decimal point but '12,5' at D3 with a decimal comma",
            ),
        ),
    ],
)
def test_decide_decimal(texts, expected):
    assert decide_decimal(samples(*texts)) == expected


def test_decide_decimal_reads_the_first_samples_only():
    texts = ["1.224"] * DECIDE_SAMPLE_LIMIT + ["12.5"]
    assert decide_decimal(samples(*texts)) == DecimalDecision("comma", ambiguous="'1.224' at D2")
    assert decide_decimal(iter(samples(*texts[1:]))).style == "point"


def test_decide_decimal_takes_numbers_as_no_evidence():
    assert decide_decimal([(12.5, "D2"), ("12,5", "D3")]) == DecimalDecision(
        "comma", "'12,5' at D3"
    )


@pytest.mark.parametrize(
    ("decision", "line"),
    [
        (DecimalDecision("point", "'12.5' at D4"), "decimal point (evidence: '12.5' at D4)"),
        (
            DecimalDecision("comma", "'12,5' at D4"),
            "decimal comma, Indonesian style (evidence: '12,5' at D4)",
        ),
        (DecimalDecision("comma"), "decimal comma, Indonesian style (no decisive cell; default)"),
        (DecimalDecision("point"), "decimal point (no decisive cell)"),
        (
            DecimalDecision("space", "'21 575' at D4"),
            "thousands grouped by spaces (evidence: '21 575' at D4)",
        ),
        (
            DecimalDecision(
                "comma",
                "'12,5' at D4",
                "'12,5' at D4 reads with a decimal comma but '3.75' at D9 with a decimal point",
            ),
            "decimal comma, Indonesian style (evidence: '12,5' at D4); conflict: '12,5' at D4 "
            "reads with a decimal comma but '3.75' at D9 with a decimal point",
        ),
    ],
)
def test_describe(decision, line):
    assert decision.describe() == line


AMBIGUOUS = "'15.234' at C5 reads as 15234 (Indonesian thousands dot) or 15.234 (decimal point)"


@pytest.mark.parametrize(
    ("above", "below", "default", "risk"),
    [
        # `decimal: auto`: nothing decides, so "15.234" (C5) would be a guess.
        ("9", "7", False, f"{AMBIGUOUS}, and no cell of the column tells which"),
        (
            "21 575",
            "7",
            False,
            f"{AMBIGUOUS}, and no cell of the column tells which ('21 575' at C4 groups "
            "thousands by spaces)",
        ),
        (
            "12,5",
            "3.75",
            False,
            f"{AMBIGUOUS}, and the column's cells disagree: '12,5' at C4 reads with a decimal "
            "comma but '3.75' at C6 with a decimal point",
        ),
        ("12,5", "7", False, None),  # a decimal comma decides: 15234
        ("12.5", "7", False, None),  # a decimal point decides: 15.234
        # The Indonesian default, declared nowhere: only a cell that contradicts it matters.
        ("9", "7", True, None),
        ("21 575", "7", True, None),
        (
            "527.10",
            "7",
            True,
            f"{AMBIGUOUS}; the Indonesian default would take the first, but '527.10' at C4 "
            "reads only with a decimal point",
        ),
    ],
)
def test_misread_risk_names_the_ambiguous_cell_and_why(above, below, default, risk):
    cells = [(above, "C4"), ("15.234", "C5"), (below, "C6")]
    assert decide_decimal(cells).misread_risk(default=default) == risk


def test_no_risk_without_an_ambiguous_cell():
    assert decide_decimal([("12.5", "C4"), ("9", "C5")]).misread_risk(default=False) is None
    assert decide_decimal([("527.10", "C4")]).misread_risk(default=True) is None
