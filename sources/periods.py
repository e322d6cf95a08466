"""Periods as agencies write them, read into the tidy `periode`.

The tidy `periode` is YYYY, YYYY-MM, YYYY-Qn (triwulan) or YYYY-Sn (semester). Agencies write
"Triwulan III 2024", "TW-3", "Agt. 2023", "Jan-24", "07/2023", "Semester II" or a bare "III"
whose kind and year the catalog knows. A trailing "*" (also "2023 *", "2023*)") marks a
provisional figure (angka sementara).

`parse_period` reads one cell; `period_from_parts` reads the named groups a catalog's header
regex captured; `find_year` finds the one year in a sheet name or a title.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from sources.cells import cell_text

__all__ = [
    "ACCEPTED_FORMS",
    "MissingKindError",
    "MissingYearError",
    "Period",
    "PeriodFormatError",
    "PeriodKind",
    "find_year",
    "month_number",
    "parse_period",
    "period_from_parts",
    "quarter_number",
    "semester_number",
]

PeriodKind = Literal["month", "quarter", "semester"]
KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "semester")

# Any four-digit year is a period (historical series, long synthetic ones): whether a year is
# plausible for an indicator is the catalog's rule (`expected_periods`), not the parser's.
# Years in free text (titles, sheet names: find_year) are looked for in 1900-2100 only.
MIN_YEAR = 1000
MAX_YEAR = 2999
# The highest number of each kind (and of a day, for dates written in words).
LIMITS = {"month": 12, "quarter": 4, "semester": 2, "day": 31}

ACCEPTED_FORMS = (
    "a year (2023), a month (2023-07, 07/2023, Juli 2023, Jul-23), "
    "a quarter (2023-Q3, Q3 2023, TW III 2023, Triwulan III 2023), "
    "a semester (2023-S2, S2 2023, Semester II 2023); a trailing * marks a provisional figure"
)

# Indonesian and English month names and the abbreviations agencies use, casefolded.
MONTH_WORDS: dict[str, int] = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb", "febr"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "agus", "agust", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}
# Words that say the number after them is a quarter (triwulan) or a semester.
MARKER_WORDS: dict[str, PeriodKind] = {
    **dict.fromkeys(
        ("q", "tw", "trw", "triwulan", "kw", "kuartal", "kwartal", "quarter", "qtr"), "quarter"
    ),
    **dict.fromkeys(("s", "sem", "smt", "semester"), "semester"),
}
ROMAN_NUMERALS = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6,
    "vii": 7, "viii": 8, "ix": 9, "x": 10, "xi": 11, "xii": 12,
}  # fmt: skip
# "Triwulan Ketiga", "Semester Kedua", "Triwulan ke tiga".
NUMBER_WORDS = {
    **dict.fromkeys(("pertama", "kesatu", "satu"), 1),
    **dict.fromkeys(("kedua", "dua"), 2),
    **dict.fromkeys(("ketiga", "tiga"), 3),
    **dict.fromkeys(("keempat", "empat"), 4),
}
# Words that add nothing to the period: "Triwulan ke-3 Tahun 2024", "Bulan Agustus", "TA 2024".
FILLER_WORDS = frozenset(("ke", "tahun", "thn", "th", "ta", "bulan", "bln", "periode"))

# "*", "**", "*)" or " * )" at the end: angka sementara (BPS writes the footnote mark as "*)").
_PROVISIONAL = re.compile(r"\s*\*+\s*\)?\s*$")
_YEAR_ONLY = re.compile(r"[0-9]{4}")
_YEAR_FIRST = re.compile(r"([0-9]{4})\s*([-/])\s*([0-9]{1,2})")  # 2023-07, 2023/7
# A month already written as the tidy periode ("2023-07"): read without the general path (a
# long monthly series has thousands of distinct periods) when its year is in range.
_TIDY_MONTH = re.compile(r"([0-9]{4})-(?:0[1-9]|1[0-2])")
_YEAR_LAST = re.compile(r"([0-9]{1,2})\s*[-/]\s*([0-9]{4})")  # 07/2023, 7-2023
# An ISO date, perhaps with the time a CSV export writes after it: read as its month, like a
# date cell.
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ t][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
# Words, digit runs (so "Q3", "2023Q3" and "ke-3" split) and any other character that is not a
# separator (it then makes the text unreadable rather than being silently dropped).
_TOKEN = re.compile(r"[a-z]+|[0-9]+|[^\s\-–—/.,'’‘()_:]")
# A year not inside a longer number ("1.950.000", "2023.5"); "Des.2023" still counts.
_FREE_YEAR = re.compile(r"(?<![0-9])(?<![0-9][.,])(19[0-9]{2}|20[0-9]{2}|2100)(?![0-9]|[.,][0-9])")
_TWO_DIGIT_YEAR = re.compile(r"'?([0-9]{2})")


@dataclass(frozen=True)
class Period:
    """One tidy period and whether its figures are provisional (angka sementara)."""

    periode: str  # "2024", "2024-03", "2024-Q3", "2024-S2"
    provisional: bool = False


class PeriodFormatError(ValueError):
    """A period text that cannot be read; the message says the text and the accepted forms."""


class MissingKindError(PeriodFormatError):
    """A bare number or Roman numeral ("III", "2") with no kind to say whether it is a month,
    quarter or semester: the reader's (the catalog's) gap, not the text's."""


class MissingYearError(PeriodFormatError):
    """A month, quarter or semester with no year in the text and no default year."""


@dataclass(frozen=True)
class _Token:
    tag: str  # "year", "number", "month", "marker" or "unknown"
    value: int | str
    digits: int = 0  # how many digits a number was written with (0: a Roman numeral or a word)


@dataclass(frozen=True)
class _Reading:
    """What a text says before the checks: its own year, the kind and number of the period."""

    year: int | None
    kind: str | None = None  # None: a whole year
    number: int | None = None


def parse_period(
    value: object, *, year: int | None = None, kind: PeriodKind | None = None
) -> Period:
    """One period cell as a Period.

    `year` is the year for a text without one ("Agustus", "TW III"); a year in the text wins.
    `kind` says how to read a number that does not say what it counts ("III", "3").
    Raises PeriodFormatError (MissingYearError when only the year is missing).
    """
    if kind is not None:
        _check_kind(kind)
    if type(value) is str:  # the common cases first: the cache normalises the text itself
        tidy = _TIDY_MONTH.fullmatch(value) if kind in (None, "month") else None
        if tidy and MIN_YEAR <= int(tidy[1]) <= MAX_YEAR:
            return Period(value, False)
        key = value
    elif type(value) is int:
        key = str(value)
    elif type(value) is float and value.is_integer():
        key = str(int(value))
    elif isinstance(value, dt.date) and _is_real_date(value):
        return _date_period(value.year, value.month)
    else:
        key = _shown(value)
    result = _parse_cached(key, year, kind)
    if isinstance(result, Period):
        return result
    error_class, message = result
    raise error_class(message)


def period_from_parts(
    *,
    year: object = None,
    month: object = None,
    quarter: object = None,
    semester: object = None,
    period: object = None,
    default_year: int | None = None,
    kind: PeriodKind | None = None,
) -> Period:
    """The period a catalog header regex captured in named groups.

    Each part is a text or None. `month`, `quarter` and `semester` take words, Roman numerals,
    digits and marked forms ("TW III", "Q3", "S2"); `period` is a whole period text read like
    a cell (with `kind` for a bare number). A "*" in any part marks the period provisional.
    The year comes from the `year` part, else from the period text, else `default_year`.
    """
    _check_kind(kind)
    parts = {
        "year": _part_text(year),
        "month": _part_text(month),
        "quarter": _part_text(quarter),
        "semester": _part_text(semester),
        "period": _part_text(period),
    }
    given = [name for name in ("month", "quarter", "semester", "period") if parts[name]]
    if len(given) > 1:
        named = " and ".join(f"{name} {parts[name]!r}" for name in given)
        raise PeriodFormatError(f"{named}: give only one of month, quarter, semester or period")
    provisional = any(_split_provisional(text)[1] for text in parts.values() if text)
    part_year = _year_part(parts["year"]) if parts["year"] else None
    fallback = part_year if part_year is not None else default_year
    if not given:
        if part_year is None:
            raise PeriodFormatError(
                "no period: the year, month, quarter, semester and period parts are all empty"
            )
        return Period(f"{part_year:04d}", provisional)
    name = given[0]
    if name == "period":
        found = parse_period(parts[name], year=fallback, kind=kind)
    else:
        found = _unit_part(name, parts[name], fallback)
    return Period(found.periode, found.provisional or provisional)


def _unit_part(name: str, text: str, year: int | None) -> Period:
    """A header's month, quarter or semester group, which must name that kind ("S2" is no
    quarter), with its year."""
    try:
        found = parse_period(text, year=year, kind=name)
    except MissingYearError:
        # Say first that the part names the wrong kind, if it does: a year would not fix that.
        if _kind_of(parse_period(text, year=MIN_YEAR, kind=name).periode) != name:
            raise PeriodFormatError(f"{name} {text!r} is not a {name}") from None
        raise
    if _kind_of(found.periode) != name:
        raise PeriodFormatError(f"{name} {text!r} is not a {name}")
    return found


def month_number(text: str) -> int | None:
    """The month (1-12) a text names: "Agustus", "Agt.", "08", "VIII"; None otherwise."""
    return _unit_number(text, "month")


def quarter_number(text: str) -> int | None:
    """The quarter (1-4) a text names: "TW III", "Q3", "Triwulan Ketiga", "III", "3"; else None."""
    return _unit_number(text, "quarter")


def semester_number(text: str) -> int | None:
    """The semester (1-2) a text names: "Semester II", "S2", "Sem 2", "II", "2"; else None."""
    return _unit_number(text, "semester")


@lru_cache(maxsize=1024)
def find_year(text: str) -> int | None:
    """The one plausible year (1900-2100) in free text such as a sheet name ("Data 2024") or a
    title ("Jumlah Pelanggan PDAM Tahun 2023"); None when there is none or several differ
    ("2019-2023" could mean either)."""
    years = {int(found) for found in _FREE_YEAR.findall(text)}
    return years.pop() if len(years) == 1 else None


# --- reading one text -------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _parse_cached(
    text: str, year: int | None, kind: str | None
) -> Period | tuple[type[PeriodFormatError], str]:
    # The parser calls parse_period per cell, and a bad column repeats the same bad text, so
    # failures are cached too (as the class and message: a fresh exception is raised each time).
    try:
        return _parse_text(cell_text(text), year, kind)
    except PeriodFormatError as error:
        return type(error), str(error)


def _parse_text(shown: str, year: int | None, kind: str | None) -> Period:
    body, provisional = _split_provisional(shown)
    text = body.casefold()
    if not text:
        raise _not_a_period(shown)
    reading = _read_numeric(shown, text, kind) or _read_words(shown, text, kind)
    return Period(_periode(shown, reading, year), provisional)


def _read_numeric(shown: str, text: str, kind: str | None) -> _Reading | None:
    """Digit-only forms: 2023, 2023-07, 2023/7, 07/2023, 2023-07-15; None for anything else."""
    if _YEAR_ONLY.fullmatch(text):
        return _Reading(int(text))
    unit = kind or "month"  # date notation counts months unless the catalog says otherwise
    if found := _YEAR_FIRST.fullmatch(text):
        first, separator, second = found.groups()
        if separator == "/":
            _check_school_year(shown, int(first), second)
        return _Reading(int(first), unit, int(second))
    if found := _YEAR_LAST.fullmatch(text):
        return _Reading(int(found[2]), unit, int(found[1]))
    if found := _ISO_DATE.fullmatch(text):
        _check_range(shown, "day", int(found[3]))
        return _Reading(int(found[1]), "month", int(found[2]))
    return None


def _check_school_year(shown: str, first: int, second: str) -> None:
    """Refuse "2011/12" and "2023/24": a tahun ajaran (school year) is written like a month."""
    if len(second) != 2 or int(second) != (first + 1) % 100:
        return
    if 1 <= int(second) <= 12:
        raise PeriodFormatError(
            f"{shown!r} is ambiguous: month {int(second)} of {first} or the school year "
            f"{first}/{first + 1}; write {first}-{second} for the month"
        )
    raise _several_years(shown, [first, first + 1])


def _read_words(shown: str, text: str, kind: str | None) -> _Reading:
    """Forms with words or markers: "Triwulan III 2024", "Q3-2023", "Agt. 2023", "Jan-24"."""
    tokens = [token for token in map(_classify, _TOKEN.findall(text)) if token is not None]
    if not tokens or any(token.tag == "unknown" for token in tokens):
        raise _not_a_period(shown)
    years = [token.value for token in tokens if token.tag == "year"]
    if len(set(years)) > 1:
        raise _several_years(shown, years)
    if len(years) > 1:
        raise _not_a_period(shown)
    text_year = years[0] if years else None
    named = [token for token in tokens if token.tag in ("month", "marker")]
    period_numbers = [token for token in tokens if token.tag == "number"]
    if len(named) > 1:
        raise _not_a_period(shown)
    if named and named[0].tag == "month":
        return _read_month(shown, tokens, text_year)
    if named:  # a quarter or semester marker: "TW III", "Q3", "Semester 2"
        if len(period_numbers) != 1:
            raise _not_a_period(shown)
        return _Reading(text_year, named[0].value, period_numbers[0].value)
    if not period_numbers:
        return _Reading(text_year)  # "Tahun 2023"; the tokens hold a year here
    if len(period_numbers) > 1:
        raise _not_a_period(shown)
    if kind is None:
        raise MissingKindError(
            f"{shown!r} does not say whether it is a month, quarter or semester: "
            "set the kind (month, quarter or semester)"
        )
    return _Reading(text_year, kind, period_numbers[0].value)


def _read_month(shown: str, tokens: list[_Token], text_year: int | None) -> _Reading:
    """A month word with its year: "Agustus 2024", "2024 Januari", "Jan-24" (20YY), or a date
    in words ("15 Agustus 2023", read as its month)."""
    at = next(i for i, token in enumerate(tokens) if token.tag == "month")
    year = text_year
    for i, token in enumerate(tokens):
        if token.tag != "number":
            continue
        if i == at + 1 and text_year is None and token.digits == 2:
            year = 2000 + token.value  # "Jan-24": a two-digit year means 20YY
        elif i == at - 1 and text_year is not None and token.digits:
            _check_range(shown, "day", token.value)
        else:
            raise _not_a_period(shown)
    return _Reading(year, "month", tokens[at].value)


def _classify(word: str) -> _Token | None:
    """One token of a casefolded text; None for a filler word."""
    if word.isascii() and word.isdigit():  # "²".isdigit() is True, int("²") fails
        if len(word) == 4:
            return _Token("year", int(word))
        if len(word) <= 2:
            return _Token("number", int(word), digits=len(word))
        return _Token("unknown", word)
    if word in FILLER_WORDS:
        return None
    if word in MONTH_WORDS:
        return _Token("month", MONTH_WORDS[word])
    if word in MARKER_WORDS:
        return _Token("marker", MARKER_WORDS[word])
    number = ROMAN_NUMERALS.get(word) or NUMBER_WORDS.get(word)
    if number is not None:
        return _Token("number", number)
    return _Token("unknown", word)


def _periode(shown: str, reading: _Reading, default_year: int | None) -> str:
    """The tidy periode of a reading, after the range checks; the text's year wins."""
    if reading.kind is not None:
        _check_range(shown, reading.kind, reading.number)
    if reading.year is not None:
        year = _check_year(shown, "year", reading.year)
    elif default_year is not None:
        year = _check_year(shown, "default year", default_year)
    else:
        raise MissingYearError(
            f"{shown!r} has no year: write the year in the text or give a default year"
        )
    if reading.kind == "month":
        return f"{year:04d}-{reading.number:02d}"
    if reading.kind == "quarter":
        return f"{year:04d}-Q{reading.number}"
    if reading.kind == "semester":
        return f"{year:04d}-S{reading.number}"
    return f"{year:04d}"


# --- small helpers ----------------------------------------------------------------------------


def _shown(value: object) -> str:
    """A cell as the text to read and to quote in messages (integral numbers without ".0")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str | bool):
        return cell_text(value)
    if isinstance(value, numbers.Integral):  # also numpy integers, which are not int
        return str(int(value))
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, numbers.Real):
        # 2023.5 is no period; read as text it would pass for "2023.5"-style notation.
        raise _not_a_period(cell_text(value))
    return cell_text(value)


def _is_real_date(value: dt.date) -> bool:
    # pandas NaT is a datetime whose year is not a number; it is read as text ("NaT") and fails.
    return isinstance(value.year, int)


@lru_cache(maxsize=4096)
def _date_period(year: int, month: int) -> Period:
    """A date or datetime cell: its month."""
    _check_year(f"{year:04d}-{month:02d}", "year", year)
    return Period(f"{year:04d}-{month:02d}")


def _split_provisional(text: str) -> tuple[str, bool]:
    """The text without its provisional mark, and whether it had one."""
    found = _PROVISIONAL.search(text)
    if found is None:
        return text.strip(), False
    return text[: found.start()].strip(), True


def _part_text(value: object) -> str | None:
    text = cell_text(value)
    return text or None


def _year_part(text: str) -> int:
    """A header's year group: "2024", "24" (20YY), "2024*", "Tahun 2024"."""
    body = _split_provisional(text)[0]
    if _YEAR_ONLY.fullmatch(body):
        return _check_year(text, "year", int(body))
    if found := _TWO_DIGIT_YEAR.fullmatch(body):
        return 2000 + int(found[1])
    year = find_year(body)
    if year is None:
        raise PeriodFormatError(f"year {text!r} is not a year: write four digits such as 2024")
    return year


def _kind_of(periode: str) -> str | None:
    """The kind of a tidy periode: "2024-03" month, "2024-Q3" quarter, "2024" None."""
    if len(periode) == 4:
        return None
    return {"Q": "quarter", "S": "semester"}.get(periode[5], "month")


@lru_cache(maxsize=1024)
def _unit_number(text: str, kind: str) -> int | None:
    """The number of one month, quarter or semester a text names (no year); None otherwise."""
    body = _split_provisional(cell_text(text))[0].casefold()
    tokens = [token for token in map(_classify, _TOKEN.findall(body)) if token is not None]
    markers = [token for token in tokens if token.tag == "marker"]
    if len(markers) > 1 or (markers and markers[0].value != kind):
        return None
    rest = [token for token in tokens if token.tag != "marker"]
    if len(rest) != 1:
        return None
    token = rest[0]
    if token.tag == "number" or (token.tag == "month" and kind == "month" and not markers):
        return token.value if 1 <= token.value <= LIMITS[kind] else None
    return None


def _check_kind(kind: object) -> None:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be month, quarter or semester, not {kind!r}")


def _check_range(shown: str, what: str, number: int) -> None:
    if not 1 <= number <= LIMITS[what]:
        raise PeriodFormatError(f"{shown!r}: {what} {number} is out of range 1-{LIMITS[what]}")


def _check_year(shown: str, label: str, year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodFormatError(f"{shown!r}: {label} {year} is out of range {MIN_YEAR}-{MAX_YEAR}")
    return year


def _not_a_period(shown: str) -> PeriodFormatError:
    return PeriodFormatError(f"{shown!r} is not a period; accepted forms: {ACCEPTED_FORMS}")


def _several_years(shown: str, years: list[int]) -> PeriodFormatError:
    listed = ", ".join(str(year) for year in sorted(set(years)))
    return PeriodFormatError(f"{shown!r} has several years ({listed}); a period has one year")
