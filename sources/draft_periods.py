"""Periods for a draft: which header labels are periods, a regular expression for their
style, and the fixed period a table without a period column states in its title or sheet name.
"""

from __future__ import annotations

import re

from sources.periods import MONTH_WORDS, PeriodFormatError, find_year, parse_period

# Header period styles as regular expressions (case-insensitive, as the parser compiles them):
# general enough to match next year's file, checked against this file's headers before use.
_MONTHS = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
# Month words by their first three letters: januari, jan, january, ... all start so.
_MONTH_START = "jan|feb|peb|mar|apr|mei|may|jun|jul|agu|ags|agt|aug|sep|okt|oct|nov|nop|des|dec"
_STAR = r"(?:\s*\*+\)?)?"
STYLE_PATTERNS = {
    "year": rf"(?:tahun\s+)?\d{{4}}{_STAR}",
    "month": rf"(?:bulan\s+)?(?:{_MONTH_START})[a-z]*\.?(?:[\s\-']*\d{{2,4}})?{_STAR}",
    "quarter": rf"(?:triwulan|trw|tw|kuartal|q)[\s.\-]*(?:ke[\s\-]*)?(?:iv|iii|ii|i|[1-4])"
    rf"(?:[\s\-/]*\d{{4}})?{_STAR}",
    "semester": rf"(?:semester|smt|sem|s)[\s.\-]*(?:ke[\s\-]*)?(?:ii|i|[12])"
    rf"(?:[\s\-/]*\d{{4}})?{_STAR}",
}

_REMARK = re.compile(r"(.*?)\s*\(([^()]*)\)\s*")
_PHRASES = [
    re.compile(r"\b(semester|smt|sem)\.?\s*(ii|i|1|2)\b\D{0,15}?((?:19|20)\d{2})", re.I),
    re.compile(r"\b(triwulan|trw|tw)\.?\s*(iv|iii|ii|i|[1-4])\b\D{0,15}?((?:19|20)\d{2})", re.I),
    re.compile(rf"\b({_MONTHS})\.?\s*((?:19|20)\d{{2}})\b", re.I),
]


def header_period(label: str) -> tuple[str, str, str, str | None] | None:
    """(period text, rest of the label, position, status remark) when a header label, one of
    its end parts or the end of its last part is a period: "2024*" (whole), "Volume / 2024*"
    (last), "2024 / Laki-laki" (first), "Realisasi Triwulan III 2024" (suffix); a remark in
    brackets after the period ("2024 (Angka Sementara)") is its status."""
    parts = label.split(" / ")
    candidates = [(label, "", "whole")]
    if len(parts) > 1:
        candidates += [
            (parts[-1], " / ".join(parts[:-1]), "last"),
            (parts[0], " / ".join(parts[1:]), "first"),
        ]
    if len(parts) == 1:
        words = label.split(" ")
        candidates += [
            (" ".join(words[k:]), " ".join(words[:k]), "suffix") for k in range(1, len(words))
        ]
    for text, rest, position in candidates:
        if period_style(text) is not None:
            return text, rest, position, None
        remark = _REMARK.fullmatch(text)
        if remark and _is_status(remark[2]) and period_style(remark[1]) is not None:
            return remark[1], rest, position, remark[2]
    return None


def _is_status(text: str) -> bool:
    from sources.catalog import DEFAULT_STATUS_WORDS

    return any(re.search(p, text, re.I) for p in DEFAULT_STATUS_WORDS)


def period_style(text: str) -> str | None:
    """ "year", "month", "quarter" or "semester" when `text` reads as one (its year may be
    missing); None otherwise. A bare number is no period here."""
    if not text:
        return None
    try:
        found = parse_period(text, year=2000)
    except PeriodFormatError:
        return None
    if len(found.periode) == 4:
        return "year"
    return {"Q": "quarter", "S": "semester"}.get(found.periode[5], "month")


def needs_year(text: str) -> bool:
    """Whether a period text lacks its year ("Agustus", "Triwulan III")."""
    try:
        parse_period(text)
    except PeriodFormatError:
        return True
    return False


def fixed_period(texts: list[str]) -> tuple[str, str] | None:
    """(periode, the text it was read from): the first of `texts` (sheet name, titles, file
    name) that names one period: "Semester II Tahun 2023" -> 2023-S2, "Data 2024" -> 2024."""
    for text in texts:
        for phrase in _PHRASES:
            found = phrase.search(text)
            if found is None:
                continue
            try:
                return parse_period(found.group(0)).periode, text
            except PeriodFormatError:
                continue
        year = find_year(text)
        if year is not None:
            return str(year), text
    return None


def style_pattern(style: str) -> str:
    return STYLE_PATTERNS[style]
