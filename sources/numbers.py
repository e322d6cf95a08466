"""Numbers and markers as agency spreadsheets write them, in the number styles publishers use.

- `comma` (the default), the Indonesian style of Kota Malang's OPDs and BPS: "1.234,5" is 1234.5
  (dot groups thousands, comma marks decimals);
- `point`, the English style of ministries' and BPS RI's English exports: "34,527.10" is
  34527.1 and "1,234" is 1234;
- `space`, thousands grouped by spaces only ("21 575"; also the no-break spaces U+00A0 and
  U+202F a locale's export writes): "." or "," can then only mark decimals, so "1.234" and
  "1,234" are both 1.234;
- `plain`, numbers stored as text by a program ("5345.00"): digits and a decimal point, no
  grouping at all; "1,234" is refused rather than guessed.

In `comma` and `point` spaces may group thousands too ("21 575"). In every style a trailing
"%" is dropped, "-" is nil or missing as the catalog says, "…", "NA" and blanks are missing
with a reason, and a trailing "*" marks a provisional figure (angka sementara). A separator
after a leading zero ("0.250", "0,250") never groups thousands: it is a decimal one.

`decide_decimal` looks at a column's text cells and says which style they are written in, with
the cell that shows it; `ambiguous` cells ("1.234" reads 1234 or 1.234) are the ones only a
declared or decided style may read.
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

DecimalStyle = Literal["comma", "point", "space", "plain"]
DECIMAL_STYLES: tuple[DecimalStyle, ...] = ("comma", "point", "space", "plain")
# decide_decimal reads at most this many samples: a column's style shows in its first cells, and
# a sheet of 100k rows must not cost a second full pass.
DECIDE_SAMPLE_LIMIT = 5000

# Plain numbers (ASCII digits, the style's separators, a sign; no spaces, "%" or "*"), as
# patterns RE2 (Arrow's pc.match_substring_regex) also accepts. The comma one is the pattern
# sources/parse_fast.py reads in Arrow; parse_number reads the same text to the same float.
PLAIN_NUMBER_PATTERNS: dict[str, str] = {
    "comma": r"^[+-]?[1-9][0-9]{0,2}(\.[0-9]{3})+(,[0-9]+)?$|^[+-]?[0-9]+(,[0-9]+)?$",
    "point": r"^[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?$|^[+-]?[0-9]+(\.[0-9]+)?$",
    "space": r"^[+-]?[0-9]+([.,][0-9]+)?$",
    "plain": r"^[+-]?[0-9]+(\.[0-9]+)?$",
}

# Kinds of space that group thousands: a locale's export writes a no-break space (U+00A0) or a
# narrow one (U+202F) so the number does not wrap; both are read as a plain space.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})
# One separator before exactly three digits: 1234 in the Indonesian style, 1.234 in the English
# one (and the other way round for ","). A leading zero ("0.250") is no such cell.
_AMBIGUOUS = re.compile(r"[+-]? *[1-9]\d{0,2}[.,]\d{3}(?: *%)?")


def _full(group: str | None, points: str) -> re.Pattern[str]:
    """Everything a cell may hold around the number once "*" and the outer spaces are gone: a
    sign (a space may follow it), the whole part, a fraction after one of `points` and a "%" at
    the end. `group` is the style's thousands separator besides spaces ("" for spaces only,
    None for no grouping at all); one kind per number, so "1.234 567" is refused, and a group
    never follows a leading zero."""
    if group is None:
        whole = r"\d+"
    else:
        seps = re.escape(group) + " "
        whole = rf"\d+|[1-9]\d{{0,2}}(?P<sep>[{seps}])\d{{3}}(?:(?P=sep)\d{{3}})*"
    return re.compile(
        rf"(?P<sign>[+-]?) *(?P<whole>{whole})(?:[{re.escape(points)}](?P<fraction>\d+))?"
        r"(?: *%)?"
    )


@dataclass(frozen=True)
class _Style:
    """One number style: its grammar and the words its error messages use."""

    key: DecimalStyle
    plain: re.Pattern[str]  # the fast path: sign, digits and the style's separators only
    plain_value: Callable[[str], float]
    full: re.Pattern[str]
    name: str  # "... is not a number in {name}"
    shape: str
    examples: str
    reads_as: str  # "it reads as {reads_as}" when a cell fits this style but not the one in force

    def value(self, match: re.Match[str]) -> float:
        """The number a match of `full` spells (the sign, the digits, the decimals)."""
        whole = re.sub(r"\D", "", match["whole"])
        fraction = match["fraction"]
        return float(f"{match['sign']}{whole}.{fraction}" if fraction else match["sign"] + whole)


_STYLES: dict[str, _Style] = {
    "comma": _Style(
        key="comma",
        plain=re.compile(PLAIN_NUMBER_PATTERNS["comma"]),
        plain_value=lambda text: float(text.replace(".", "").replace(",", ".")),
        full=_full(".", ","),
        name="the Indonesian style",
        shape="decimal comma: 1.234,5",
        examples="1234, 1.234, 12,5 or 1.234,5",
        reads_as="an Indonesian style number (decimal comma)",
    ),
    "point": _Style(
        key="point",
        plain=re.compile(PLAIN_NUMBER_PATTERNS["point"]),
        plain_value=lambda text: float(text.replace(",", "")),
        full=_full(",", "."),
        name="the decimal point style",
        shape="decimal point: 1,234.5",
        examples="1234, 1,234, 12.5 or 1,234.5",
        reads_as="a decimal point number",
    ),
    "space": _Style(
        key="space",
        plain=re.compile(PLAIN_NUMBER_PATTERNS["space"]),
        plain_value=lambda text: float(text.replace(",", ".")),
        full=_full("", ".,"),
        name="the space style",
        shape="thousands grouped by spaces: 21 575,5 or 21 575.5",
        examples="21575, 21 575, 12,5 or 12.5",
        reads_as="a number with thousands grouped by spaces",
    ),
    "plain": _Style(
        key="plain",
        plain=re.compile(PLAIN_NUMBER_PATTERNS["plain"]),
        plain_value=float,
        full=_full(None, "."),
        name="the plain style",
        shape="digits and a decimal point, no thousands separator: 5345.00",
        examples="5345, 5345.00 or 0.25",
        reads_as="a plain number",
    ),
}
# Which other style a refused cell is offered, in this order: the two common ones first.
_SUGGESTED: tuple[DecimalStyle, ...] = ("point", "comma", "space", "plain")


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
    """Parse one value cell in the column's number style (see the module docstring).

    `decimal="comma"` (the default) is the Indonesian style: "1.234,5" is 1234.5 and "1.234" is
    1234. `decimal="point"` is the English style: "1,234.5" is 1234.5, "1,234" is 1234 and
    "12.5" is 12.5. `decimal="space"` groups thousands by spaces only ("21 575,5" and "21 575.5"
    are 21575.5). `decimal="plain"` reads "5345.00" and refuses any grouping. A leading "+" or
    "-" is the sign, and a "%" at the end is dropped: "12,5 %" is 12.5 (the number as written,
    not 0.125). Cells that are already numbers (int, float) are read as they are, whatever the
    style.

    Raises NumberFormatError naming the text, the style in force and what it expects; for text
    that reads as a number in another style, it says which `decimal` setting would read it.
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
    allowed = ", ".join(f"'{key}'" for key in DECIMAL_STYLES)
    raise ValueError(f"decimal must be one of {allowed}, not {decimal!r}")


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
    """Why `text` is refused: the style in force, what it expects, and the fix when another
    style reads it (`space` first for a number grouped by spaces)."""
    refused = f"{text!r} is not a number in {style.name} ({style.shape})"
    order = ("space", *_SUGGESTED) if re.search(r"\d \d", body) else _SUGGESTED
    for key in dict.fromkeys(order):
        other = _STYLES[key]
        if key != style.key and other.full.fullmatch(body):
            fix = f"set `decimal: {other.key}` for this column"
            return f"{refused}; it reads as {other.reads_as}: {fix}"
    return f"{refused}; expected e.g. {style.examples}; or a marker -, …, NA"


_LABELS = {
    "comma": "decimal comma, Indonesian style",
    "point": "decimal point",
    "space": "thousands grouped by spaces",
    "plain": "plain numbers",
}


@dataclass(frozen=True)
class DecimalDecision:
    """The number style of one column and why: `evidence` names the first cell that decided it
    (None: no cell did, the Indonesian default), `conflict` a cell of each style when both
    occur, `ambiguous` the first cell that reads as two different numbers ("'15.234' at C5")."""

    style: DecimalStyle
    evidence: str | None = None
    conflict: str | None = None
    ambiguous: str | None = None

    def describe(self) -> str:
        """The line the parser prints about the column, e.g. "decimal point (evidence: '12.5' at
        D4)" or "decimal comma, Indonesian style (no decisive cell; default)"."""
        if self.evidence is not None:
            detail = f"evidence: {self.evidence}"
        elif self.style == "comma":
            detail = "no decisive cell; default"
        else:
            detail = "no decisive cell"
        line = f"{_LABELS[self.style]} ({detail})"
        return f"{line}; conflict: {self.conflict}" if self.conflict else line

    def misread_risk(self, *, default: bool) -> str | None:
        """Why the column's ambiguous cells cannot be read without a declared style, or None.

        `default=False` (`decimal: auto`): no cell decided between a decimal comma and a
        decimal point (a number grouped by spaces hints, but does not prove), or cells
        disagreed. `default=True` (the Indonesian default, declared nowhere): a cell reads only
        with a decimal point, so "1.234" may well be 1.234."""
        if self.ambiguous is None:
            return None
        two = f"{self.ambiguous} reads as {_two_readings(self.ambiguous)}"
        if self.conflict is not None:
            return f"{two}, and the column's cells disagree: {self.conflict}"
        if default:
            if self.style != "point":
                return None
            return (
                f"{two}; the Indonesian default would take the first, but {self.evidence} "
                "reads only with a decimal point"
            )
        if self.evidence is None or self.style == "space":
            hint = f" ({self.evidence} groups thousands by spaces)" if self.evidence else ""
            return f"{two}, and no cell of the column tells which{hint}"
        return None


def _two_readings(cell: str) -> str:
    """ "1234 (Indonesian thousands dot) or 1.234 (decimal point)" for "'1.234' at C5"."""
    text = cell[1 : cell.index("' at ")] if cell.startswith("'") else cell
    body = text.strip().rstrip("*").strip().rstrip("%").strip()
    comma = _STYLES["comma"].full.fullmatch(body)
    point = _STYLES["point"].full.fullmatch(body)
    if comma is None or point is None:
        return "two numbers"
    first, second = _STYLES["comma"].value(comma), _STYLES["point"].value(point)
    if "." in body:
        return f"{first:g} (Indonesian thousands dot) or {second:g} (decimal point)"
    return f"{second:g} (English thousands comma) or {first:g} (decimal comma)"


def decide_decimal(samples: Iterable[tuple[str, str]]) -> DecimalDecision:
    """The number style one column's text cells are written in.

    `samples` are (text, place) pairs, e.g. ("12,5", "D4"); only the first
    DECIDE_SAMPLE_LIMIT (5000) are read. A cell decides when it reads in one style only: "12,5",
    "0,25", "1.234,5", "1.234.567" and "3,14159" are comma cells; "12.5", "0.25", "1,234.5",
    "1,234,567", "3.14159" and "5345.00" are point cells; so are "0,250" and "0.250" (no one
    groups thousands after a leading zero). "1.224", "1,224" (one group of three digits) are
    ambiguous: they decide nothing and `ambiguous` names the first. The first deciding cell sets
    the style; without one, a number grouped by spaces ("21 575") sets `space` (so a "." or
    "," can only mark decimals), else the style is comma (the Indonesian default). When cells of
    both styles occur, the first still decides and `conflict` names the first cell of each.
    """
    first: tuple[DecimalStyle, str] | None = None
    contrary = ambiguous = spaced = None
    for text, place in islice(samples, DECIDE_SAMPLE_LIMIT):
        if not isinstance(text, str):
            continue  # numbers are no evidence
        body = text.strip().rstrip("*").strip().translate(_SPACES)
        style = _reading(body)
        # The evidence text is made only for the few cells kept as evidence.
        if style is None:
            if ambiguous is None and _AMBIGUOUS.fullmatch(body):
                ambiguous = _evidence(text, place)
            elif spaced is None and _spaced(body):
                spaced = _evidence(text, place)
        elif first is None:
            first = (style, _evidence(text, place))
        elif style != first[0] and contrary is None:
            contrary = _evidence(text, place)
        if contrary is not None and ambiguous is not None:
            break  # nothing further changes the decision
    if first is None:
        if spaced is not None:
            return DecimalDecision("space", spaced, ambiguous=ambiguous)
        return DecimalDecision("comma", ambiguous=ambiguous)
    style, evidence = first
    if contrary is None:
        return DecimalDecision(style, evidence, ambiguous=ambiguous)
    other = "point" if style == "comma" else "comma"
    conflict = f"{evidence} reads with a decimal {style} but {contrary} with a decimal {other}"
    return DecimalDecision(style, evidence, conflict, ambiguous)


def _evidence(text: str, place: str) -> str:
    return f"{text.strip()!r} at {place}"


def _reading(body: str) -> DecimalStyle | None:
    """The style a text cell reads in when it reads in one only (None: both, or neither)."""
    comma = _STYLES["comma"].full.fullmatch(body) is not None
    point = _STYLES["point"].full.fullmatch(body) is not None
    if comma != point:
        return "comma" if comma else "point"
    return None


def _spaced(body: str) -> bool:
    """Whether the text is a number whose thousands are grouped by spaces ("21 575")."""
    match = _STYLES["space"].full.fullmatch(body)
    return match is not None and " " in match["whole"]
