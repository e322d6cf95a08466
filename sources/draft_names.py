"""Names for a drafted catalog entry: indicator codes from labels, a table's name from its
title, units, ids and agency codes.

The engineer replaces codes with the official ones; a draft only needs codes that are valid
(UPPER_SNAKE, ASCII), unique, and recognisably derived from the label they stand for.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

# Title rows that are notes, not the table's name; a table number before the name; where the
# name ends (the breakdown, the place, the period, the unit).
_NOTE_TITLE = re.compile(r"\bSAMPLE\b|^(tabel|table)\s*[\d.]+$|^\(.*\)$", re.I)
_TABLE_NUMBER = re.compile(r"^(tabel|table)\s*[\d.]+\s*", re.I)
_TITLE_TAIL = re.compile(
    r"\s+(?:menurut|berdasarkan|per)\s|\s+(?:di\s+)?kota\s+malang\b"
    r"|,?\s+tahun\s+(?:anggaran\s+)?\d{4}|,\s*\d{4}|\s*\(",
    re.I,
)
_NOT_WORD = re.compile(r"[^A-Z0-9]+")
_PARENS = re.compile(r"\(([^()]*)\)")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Units written out in the catalog's words rather than the symbol in the header.
UNIT_WORDS = {"%": "persen", "persen": "persen", "rp": "rupiah", "org": "orang"}
# What a parenthesis holds when it is not a unit: a note, a status, a footnote mark.
_NOT_UNIT = re.compile(r"^\s*(\*+|angka .*|sementara|proyeksi|perkiraan|\d{4}.*|[a-z])\s*$", re.I)


def ascii_fold(text: str) -> str:
    """`text` in plain ASCII: accents dropped, "m³" -> "m3", "²" -> "2"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def indicator_code(label: str) -> str:
    """An UPPER_SNAKE code from a label: "Volume Air Terjual (m³)" -> VOLUME_AIR_TERJUAL_M3,
    "Jenis Kelamin / Laki-laki" -> JENIS_KELAMIN_LAKI_LAKI, "(%)" -> PERSEN."""
    text = ascii_fold(label.replace("%", " persen ")).upper()
    code = _NOT_WORD.sub("_", text).strip("_")
    if not code:
        return "INDIKATOR"
    return code if code[0].isalpha() else f"X_{code}"


def unique_codes(labels: list[str]) -> dict[str, str]:
    """label -> code for each label, codes made unique with a numeric suffix (_2, _3, ...)."""
    codes: dict[str, str] = {}
    taken: set[str] = set()
    for label in labels:
        base = indicator_code(label)
        code, n = base, 1
        while code in taken:
            n += 1
            code = f"{base}_{n}"
        taken.add(code)
        codes[label] = code
    return codes


def unit_of(label: str) -> str | None:
    """The unit a label names in its last parenthesis: "Luas (km²)" -> "km²", "(%)" ->
    "persen"; None when there is none (or it holds a note such as "(Angka Sementara)")."""
    found = [p.strip() for p in _PARENS.findall(label) if p.strip()]
    if not found or _NOT_UNIT.match(found[-1]):
        return None
    unit = found[-1]
    return UNIT_WORDS.get(unit.casefold(), unit)


def table_name(titles: list[str], fallback: str) -> str:
    """The name of a table's one indicator, from its title the way BPS writes titles:
    "Tabel 5.3 Volume Sampah Masuk TPA menurut Kecamatan, Tahun 2024 (ton)" names
    "Volume Sampah Masuk TPA"."""
    named = [t for t in titles if not _NOTE_TITLE.search(t)]
    title = named[0] if named else fallback
    name = _TITLE_TAIL.split(_TABLE_NUMBER.sub("", title), maxsplit=1)[0].strip(" ,.-–")
    return name or title


def slug(text: str) -> str:
    """A catalog slug (lower snake, starting with a letter) from free text."""
    value = _NOT_SLUG.sub("_", ascii_fold(text).lower()).strip("_")
    if not value:
        return "sumber"
    return value if value[0].isalpha() else f"s_{value}"


def source_id(path: Path) -> str:
    """The entry id a file suggests: "dinkes_stunting.SAMPLE.xlsx" -> dinkes_stunting."""
    stem = path.name.split(".")[0]
    return slug(stem)


def agency_code(source: str) -> str:
    """The agency an id starts with, by the catalog's naming convention (`dinkes_stunting`)."""
    return source.split("_", 1)[0]
