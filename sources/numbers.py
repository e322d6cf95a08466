"""Numbers and markers as agency spreadsheets write them, in two decimal styles.

The default is the Indonesian style (`decimal: comma`): "1.234,5" is 1234.5 (dot groups
thousands, comma marks decimals). The English or machine style (`decimal: point`) reads
"1,234.5" as 1234.5. In both, spaces (also no-break spaces) may group thousands ("21 575"), a
trailing "%" is dropped, "-" is nil or missing as the catalog says, "…", "NA" and blanks are
missing with a reason, and a trailing "*" marks a provisional figure (angka sementara).

`decide_decimal` looks at a column's text cells and says which style they are written in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Literal

MISSING_MARKERS = {"", "…", "...", "..", "na", "n/a", "n.a.", "nan", "tt", "td", "x"}
DASHES = {"-", "–", "—"}

DecimalStyle = Literal["comma", "point"]
DECIMAL_STYLES: tuple[DecimalStyle, ...] = ("comma", "point")
# decide_decimal reads at most this many samples: a column's style shows in its first cells, and
# a sheet of 100k rows must not cost a second full pass.
DECIDE_SAMPLE_LIMIT = 5000

# Plain numbers (ASCII digits, the style's separators, a sign; no spaces, "%" or "*"), as
# patterns RE2 (Arrow's pc.match_substring_regex) also accepts. The comma one is the pattern
# sources/parse_fast.py reads in Arrow; parse_number reads the same text to the same float.
PLAIN_NUMBER_PATTERNS: dict[str, str] = {
    "comma": r"^[+-]?[0-9]{1,3}(\.[0-9]{3})*(,[0-9]+)?$|^[+-]?[0-9]+(,[0-9]+)?$",
    "point": r"^[+-]?[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)?$|^[+-]?[0-9]+(\.[0-9]+)?$",
}

# Kinds of space that group thousands: a locale's export writes a no-break space (U+00A0) or a
# narrow one (U+202F) so the number does not wrap; both are read as a plain space.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})
# "0.250" fits both styles' grammar, but no one groups thousands after a leading zero: the
# separator is a decimal one.
_LEADING_ZERO = re.compile(r"[+-]? *0+([.,])\d{3}(?: *%)?")


def _plain(group: str, point: str) -> re.Pattern[str]:
    """The fast path: sign, digits and the style's two separators only."""
    g, p = re.escape(group), re.escape(point)
    return re.compile(rf"[+-]?(?:\d+|\d{{1,3}}(?:{g}\d{{3}})+)(?:{p}\d+)?")


def _full(group: str, point: str) -> re.Pattern[str]:
    """Everything a cell may hold around the number once "*" and the outer spaces are gone: a
    sign (a space may follow it), thousands grouped by the style's separator or by spaces (one
    kind per number, so "1.234 567" is refused) and a "%" at the end."""
    g, p = re.escape(group), re.escape(point)
    return re.compile(
        rf"(?P<sign>[+-]?) *"
        rf"(?P<whole>\d+|\d{{1,3}}(?P<sep>[{g} ])\d{{3}}(?:(?P=sep)\d{{3}})*)"
        rf"(?:{p}(?P<fraction>\d+))?"
        r"(?: *%)?"
    )


def _comma_plain(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _point_plain(text: str) -> float:
    return float(text.replace(",", ""))


@dataclass(frozen=True)
class _Style:
    """One decimal style: its grammar and the words its error messages use."""

    key: DecimalStyle
    group: str  # the thousands separator besides spaces
    plain: re.Pattern[str]
    plain_value: Callable[[str], float]
    full: re.Pattern[str]
    name: str  # "... is not a number in {name}"
    shape: str
    examples: str
    reads_as: str  # "it reads as {reads_as}" when a cell fits this style but not the one in force

    def value(self, match: re.Match[str]) -> float:
        """The number a match of `full` spells (the sign, the digits, the decimals)."""
        whole = match["whole"].replace(self.group, "").replace(" ", "")
        fraction = match["fraction"]
        return float(f"{match['sign']}{whole}.{fraction}" if fraction else match["sign"] + whole)


_STYLES: dict[str, _Style] = {
    "comma": _Style(
        key="comma",
        group=".",
        plain=_plain(".", ","),
        plain_value=_comma_plain,
        full=_full(".", ","),
        name="the Indonesian style",
        shape="decimal comma: 1.234,5",
        examples="1234, 1.234, 12,5 or 1.234,5",
        reads_as="an Indonesian style number (decimal comma)",
    ),
    "point": _Style(
        key="point",
        group=",",
        plain=_plain(",", "."),
        plain_value=_point_plain,
        full=_full(",", "."),
        name="the decimal point style",
        shape="decimal point: 1,234.5",
        examples="1234, 1,234, 12.5 or 1,234.5",
        reads_as="a decimal point number",
    ),
}
_OTHER = {"comma": _STYLES["point"], "point": _STYLES["comma"]}


@dataclass(frozen=True)
class ParsedValue:
    """A cell turned into a number, or None with the reason it is missing."""

    nilai: float | None
    provisional: bool = False
    reason: str | None = None


class NumberFormatError(ValueError):
    """Text that is not a number in any format the catalog allows."""


def parse_number(
    cell: object, *, dash: str = "null", decimal: DecimalStyle = "comma"
) -> ParsedValue:
    """Parse one value cell in the column's decimal style.

    `decimal="comma"` (the default) is the Indonesian style: "1.234,5" is 1234.5 and "1.234" is
    1234. `decimal="point"` is the English or machine style: "1,234.5" is 1234.5, "1,234" is
    1234 and "12.5" is 12.5. In both, spaces or no-break spaces may group thousands ("21 575"),
    a leading "+" or "-" is the sign, and a "%" at the end is dropped: "12,5 %" is 12.5 (the
    number as written, not 0.125). Cells that are already numbers (int, float) are read as they
    are, whatever the style.

    Raises NumberFormatError naming the text, the style in force and what it expects; for text
    that reads as a number in the other style, it says which `decimal` setting would read it.
    """
    if cell is None:
        return ParsedValue(None, reason="kosong")
    if isinstance(cell, bool):
        raise NumberFormatError(f"{cell!r} is a boolean, not a number")
    if isinstance(cell, int | float):
        if isinstance(cell, float) and math.isnan(cell):
            return ParsedValue(None, reason="kosong")
        return ParsedValue(float(cell))
    style = _STYLES.get(decimal) or _unknown_style(decimal)
    text = str(cell)
    if style.plain.fullmatch(text):  # most cells: no spaces, markers or "*"
        return ParsedValue(style.plain_value(text))
    return _parse_text(text, dash, style)


def _unknown_style(decimal: object) -> _Style:
    # A programming or catalog error, not a bad cell: not a NumberFormatError.
    raise ValueError(f"decimal must be 'comma' or 'point', not {decimal!r}")


def _parse_text(raw: str, dash: str, style: _Style) -> ParsedValue:
    """A text cell the fast path did not take: markers, "*", spaces, "%", or an error."""
    text = raw.strip()
    provisional = text.endswith("*")
    body = text.rstrip("*").strip() if provisional else text
    if not body.isascii():  # translate costs more than the check
        body = body.translate(_SPACES)
    # A plain number once "*" and the outer spaces are gone (the fast path saw `raw` already).
    if body != raw and style.plain.fullmatch(body):
        return ParsedValue(style.plain_value(body), provisional)
    # Markers are compared without any spaces ("n / a"), as they always were.
    compact = body.replace(" ", "")
    if compact.lower() in MISSING_MARKERS:
        return ParsedValue(None, provisional, reason=f"tidak tersedia ({compact or 'kosong'})")
    if compact in DASHES:
        if dash == "zero":
            return ParsedValue(0.0, provisional)
        return ParsedValue(None, provisional, reason="tidak ada data (-)")
    match = style.full.fullmatch(body)
    if match is None:
        raise NumberFormatError(_not_a_number(text, body, style))
    return ParsedValue(style.value(match), provisional)


def _not_a_number(text: str, body: str, style: _Style) -> str:
    """Why `text` is refused: the style in force, what it expects, and the fix when the other
    style reads it."""
    refused = f"{text!r} is not a number in {style.name} ({style.shape})"
    other = _OTHER[style.key]
    if other.full.fullmatch(body):
        fix = f"set `decimal: {other.key}` for this column"
        return f"{refused}; it reads as {other.reads_as}: {fix}"
    return f"{refused}; expected e.g. {style.examples}; or a marker -, …, NA"


@dataclass(frozen=True)
class DecimalDecision:
    """The decimal style of one column and why: `evidence` names the first cell that decided it
    (None: no cell did, the Indonesian default), `conflict` a cell of each style when both
    occur."""

    style: DecimalStyle
    evidence: str | None = None
    conflict: str | None = None

    def describe(self) -> str:
        """The line the parser prints about the column, e.g. "decimal point (evidence: '12.5' at
        D4)" or "decimal comma, Indonesian style (no decisive cell; default)"."""
        label = "decimal comma, Indonesian style" if self.style == "comma" else "decimal point"
        if self.evidence is not None:
            detail = f"evidence: {self.evidence}"
        elif self.style == "comma":
            detail = "no decisive cell; default"
        else:
            detail = "no decisive cell"
        line = f"{label} ({detail})"
        return f"{line}; conflict: {self.conflict}" if self.conflict else line


def decide_decimal(samples: Iterable[tuple[str, str]]) -> DecimalDecision:
    """The decimal style one column's text cells are written in.

    `samples` are (text, place) pairs, e.g. ("12,5", "D4"); only the first
    DECIDE_SAMPLE_LIMIT (5000) are read. A cell decides when it reads in one style only: "12,5",
    "0,25", "1.234,5", "1.234.567" and "3,14159" are comma cells; "12.5", "0.25", "1,234.5",
    "1,234,567" and "3.14159" are point cells; so are "0,250" and "0.250" (no one groups
    thousands after a leading zero). "1.224", "1,224" (one group of three digits), plain integers,
    markers and text that is no number decide nothing. The first deciding cell sets the style;
    when there is none, the style is comma (the Indonesian default). When cells of both styles
    occur, the first still decides and `conflict` names the first cell of each.
    """
    first: tuple[DecimalStyle, str] | None = None
    contrary: str | None = None
    for text, place in islice(samples, DECIDE_SAMPLE_LIMIT):
        style = _reading(text) if isinstance(text, str) else None  # numbers are no evidence
        if style is None:
            continue
        cell = f"{text.strip()!r} at {place}"
        if first is None:
            first = (style, cell)
        elif style != first[0]:
            contrary = cell
            break  # both styles seen: nothing further changes the decision
    if first is None:
        return DecimalDecision("comma")
    style, evidence = first
    if contrary is None:
        return DecimalDecision(style, evidence)
    other = "point" if style == "comma" else "comma"
    conflict = f"{evidence} reads with a decimal {style} but {contrary} with a decimal {other}"
    return DecimalDecision(style, evidence, conflict)


def _reading(text: str) -> DecimalStyle | None:
    """The style a text cell reads in when it reads in one only (None: both, or neither)."""
    body = text.strip().rstrip("*").strip().translate(_SPACES)
    comma = _STYLES["comma"].full.fullmatch(body) is not None
    point = _STYLES["point"].full.fullmatch(body) is not None
    if comma != point:
        return "comma" if comma else "point"
    if comma and (zero := _LEADING_ZERO.fullmatch(body)):
        return "point" if zero[1] == "." else "comma"
    return None
