"""Numbers and markers as Indonesian agency spreadsheets write them.

"1.234,5" is 1234.5 (dot groups thousands, comma marks decimals); "-" is nil or missing as the
catalog says; "…", "NA" and blanks are missing with a reason; a trailing "*" marks a
provisional figure (angka sementara).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MISSING_MARKERS = {"", "…", "...", "..", "na", "n/a", "n.a.", "nan", "tt", "td", "x"}
DASHES = {"-", "–", "—"}
_THOUSANDS_ONLY = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_INDONESIAN = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$|^[+-]?\d+(,\d+)?$")
_PLAIN_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


@dataclass(frozen=True)
class ParsedValue:
    """A cell turned into a number, or None with the reason it is missing."""

    nilai: float | None
    provisional: bool = False
    reason: str | None = None


class NumberFormatError(ValueError):
    """Text that is not a number in any format the catalog allows."""


def parse_number(cell: object, *, dash: str = "null") -> ParsedValue:
    """Parse one value cell. Raises NumberFormatError naming the text and the formats accepted."""
    if cell is None:
        return ParsedValue(None, reason="kosong")
    if isinstance(cell, bool):
        raise NumberFormatError(f"{cell!r} is a boolean, not a number")
    if isinstance(cell, int | float):
        if isinstance(cell, float) and math.isnan(cell):
            return ParsedValue(None, reason="kosong")
        return ParsedValue(float(cell))
    text = str(cell).strip().replace("\u00a0", "").replace(" ", "")
    provisional = text.endswith("*")
    text = text.rstrip("*")
    if text.lower() in MISSING_MARKERS:
        marker = text or "kosong"
        return ParsedValue(None, provisional, reason=f"tidak tersedia ({marker})")
    if text in DASHES:
        if dash == "zero":
            return ParsedValue(0.0, provisional)
        return ParsedValue(None, provisional, reason="tidak ada data (-)")
    return ParsedValue(_parse_text_number(text), provisional)


def _parse_text_number(text: str) -> float:
    if _THOUSANDS_ONLY.match(text) or _INDONESIAN.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if _PLAIN_DECIMAL.match(text):
        # "12.5" is ambiguous in an Indonesian file (12.5 or 125 with a dropped digit group).
        raise NumberFormatError(
            f"{text!r} is ambiguous: Indonesian files write decimals with a comma (12,5) "
            "and group thousands with dots (1.234)"
        )
    raise NumberFormatError(
        f"{text!r} is not a number (expected e.g. 1234, 1.234 or 1.234,5; or a marker -, …, NA)"
    )
