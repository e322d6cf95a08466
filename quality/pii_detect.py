"""Detectors of Indonesian personal data in one text value, and how each kind is masked.

- NIK (Nomor Induk Kependudukan) and No. KK (Kartu Keluarga): 16 digits. The first 6 are the
  region where it was issued (province, regency/city, kecamatan), the next 6 a date DDMMYY (for a
  NIK the birth date, with 40 added to the day for women), the last 4 a serial number. A digit
  run counts only when the region and the date are plausible, so a budget of 16 digits or a
  serial number does not.
- Phone numbers: mobile numbers (08xx, 628xx, +628xx) and any +62 number, with the usual
  separators.
- E-mail addresses.
- A NIK or phone number counts only as a whole token: digits glued to letters or to a further
  digit group ("08744533991c91e7...", "12345678-1234-4123-8123-...") are part of a hash, a UUID
  or a code, which the pipeline's own tables carry in every row. Without this, about one random
  sha256 or UUID in a thousand "held" a phone number or a NIK and blocked the snapshot.
- Person names: see `looks_like_names` (a column-level heuristic).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache

from sources.wilayah import KODE_KOTA, reference

KINDS = ("nik", "no_kk", "telepon", "email", "nama")
# Province codes (kode provinsi, Kemendagri), Aceh 11 to Papua Barat Daya 96.
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "21",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "72",
        "73",
        "74",
        "75",
        "76",
        "81",
        "82",
        "91",
        "92",
        "93",
        "94",
        "95",
        "96",
    ]
)
SIXTEEN_DIGITS = re.compile(r"(?<![\d.,])\d(?:[ .-]?\d){15}(?![\d])")
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+62|62)[ .-]?\(?\d{2,4}\)?|0\(?8\d{1,3}\)?)(?:[ .-]?\d{2,5}){1,3}(?!\d)"
)
JOINERS = "-._"  # characters that join a digit run to the rest of an identifier
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
KK_CONTEXT = re.compile(r"\b(kk|no\.?\s*kk|kartu\s+keluarga)\b", re.IGNORECASE)
# "Budi Santoso", "Siti Nur Aisyah": 2 to 4 capitalised words, nothing else.
NAME_VALUE = re.compile(r"^[A-Z][a-z'.-]+(?: [A-Z][a-z'.-]*\.?){1,3}$")
PERSON_COLUMNS = frozenset({"nama", "name", "nama_lengkap", "full_name", "nama_warga"})
PERSON_ROLES = frozenset(
    {"pemohon", "pelapor", "pengadu", "penerima", "pasien", "responden", "pemilik", "penduduk"}
)
KK_COLUMN = re.compile(r"(^|_)(kk|no_kk|nomor_kk|kartu_keluarga)($|_)")


@cache
def _malang_kecamatan() -> frozenset[str]:
    """Kecamatan parts of Kota Malang's codes ('01'..'05'), from the bundled reference."""
    return frozenset(w.kode.split(".")[2] for w in reference() if w.tingkat == "kecamatan")


def plausible_region(digits: str) -> bool:
    """The first 6 digits name a province, a regency/city and a kecamatan that can exist."""
    province, regency, kecamatan = digits[:2], digits[2:4], digits[4:6]
    if province not in PROVINCES or regency == "00" or kecamatan == "00":
        return False
    if f"{province}.{regency}" == KODE_KOTA:
        return kecamatan in _malang_kecamatan()
    return True


def plausible_date(ddmmyy: str, *, women_plus_40: bool) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    if women_plus_40 and day > 40:
        day -= 40
    for century in (2000, 1900):
        try:
            dt.date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


def id_number_kind(digits: str, *, kk_hint: bool = False) -> str | None:
    """'nik' or 'no_kk' for a plausible 16-digit number, else None. A NIK and a KK number look
    alike; the column name or the words around it (`kk_hint`) decide, NIK by default."""
    if len(digits) != 16 or not digits.isdigit() or digits.endswith("0000"):
        return None
    if not plausible_region(digits):
        return None
    if kk_hint and plausible_date(digits[6:12], women_plus_40=False):
        return "no_kk"
    return "nik" if plausible_date(digits[6:12], women_plus_40=True) else None


def mask(kind: str, text: str) -> str:
    """A masked form that shows what was found without revealing it: 3573************,
    0812******90, b***@example.org, B*** S***."""
    if kind in ("nik", "no_kk"):
        digits = re.sub(r"\D", "", text)
        return digits[:4] + "*" * (len(digits) - 4)
    if kind == "telepon":
        digits = re.sub(r"\D", "", text)
        prefix = "+" if text.strip().startswith("+") else ""
        return prefix + digits[:4] + "*" * max(len(digits) - 6, 0) + digits[-2:]
    if kind == "email":
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    return " ".join(f"{word[:1]}***" for word in text.split())


def find_in_text(text: str, *, kk_column: bool = False) -> list[tuple[str, str, str]]:
    """Every personal datum in `text` as (kind, the matched text, its masked form)."""
    hits: list[tuple[str, str, str]] = []
    taken: list[tuple[int, int]] = []
    for match in SIXTEEN_DIGITS.finditer(text):
        if not standalone(text, *match.span()):
            continue
        before = text[max(0, match.start() - 25) : match.start()]
        kind = id_number_kind(
            re.sub(r"\D", "", match.group()), kk_hint=kk_column or bool(KK_CONTEXT.search(before))
        )
        if kind:
            hits.append((kind, match.group(), mask(kind, match.group())))
            taken.append(match.span())
    for match in PHONE.finditer(text):
        if not standalone(text, *match.span()):
            continue
        digits = re.sub(r"\D", "", match.group())
        overlaps = any(s < match.end() and match.start() < e for s, e in taken)
        if 10 <= len(digits) <= 14 and not overlaps:
            hits.append(("telepon", match.group(), mask("telepon", match.group())))
    for match in EMAIL.finditer(text):
        hits.append(("email", match.group(), mask("email", match.group())))
    return hits


def standalone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole token: not touching a letter or digit, nor a
    separator (- . _) that joins it to one (a longer identifier it is only part of)."""
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    for near, far in ((before[-1:], before[:-1]), (after[:1], after[1:])):
        if near.isalnum() or (near != "" and near in JOINERS and far.isalnum()):
            return False
    return True


def mask_text(text: str) -> str:
    """`text` with every NIK, KK number, phone number and e-mail address masked, e.g. for an
    error message that quotes a cell."""
    for _, found, masked in sorted(find_in_text(text), key=lambda h: -len(h[1])):
        text = text.replace(found, masked)
    return text


def is_person_column(column: str) -> bool:
    """Column names that hold people: nama, name, nama_lengkap, or a role (pemohon, pelapor)."""
    name = column.strip().lower().replace(" ", "_")
    tokens = set(re.split(r"[^a-z0-9]+", name))
    return name in PERSON_COLUMNS or bool(tokens & PERSON_ROLES)


def is_kk_column(column: str) -> bool:
    return bool(KK_COLUMN.search(column.strip().lower().replace(" ", "_")))


def looks_like_names(values: Iterable[str], min_share: float = 0.5) -> list[str]:
    """The values shaped like person names, when at least `min_share` of the distinct values
    are (a column of region or agency names has many one-word or lower-case values)."""
    distinct = [v for v in dict.fromkeys(values) if v]
    named = [v for v in distinct if NAME_VALUE.match(v.strip())]
    return named if distinct and len(named) / len(distinct) >= min_share else []
