"""Detectors of Indonesian personal data in one text value, and how each kind is masked.

- NIK (Nomor Induk Kependudukan) and No. KK (Kartu Keluarga): 16 digits. The first 6 are the
  region where it was issued (province, regency/city, kecamatan), the next 6 a date DDMMYY (for a
  NIK the birth date, with 40 added to the day for women), the last 4 a serial number. An
  unlabelled digit run counts only when the region and the date are plausible, so a budget of
  16 digits or an indicator value does not. A LABELLED run counts whatever its digits: the
  column is named for it (`nik`, `no_kk`, `nomor_induk`, ...) or a word before it in the same
  cell says so ("NIK", "No. KK", "nomor induk", "kartu keluarga"); agencies' files hold typos
  and test NIKs, and a mistyped NIK is still a person's NIK.
- Phone numbers: mobile numbers (08xx, 628xx, +628xx), landlines with their area code
  (0341 551234, (0341) 551234, 021-5551234) and any +62 number, with the usual separators, 10
  to 14 digits in all. A number grouped by thousands ("62.341.551.234") is an amount.
- A number written as a decimal with a zero fraction ("3573014506900003.0", how a NIK read as a
  number is printed) is the same number.
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
    r"(?<![\w+])(?:"
    r"(?:\+62|62)[ .-]?\(?\d{2,4}\)?"  # +62 / 62 and the area or mobile prefix
    r"|0\(?8\d{1,3}\)?"  # mobile: 08xx
    r"|\(0[2-79]\d{1,2}\)|0[2-79]\d{1,2}"  # landline area code: 021, 0341, (0341)
    r")(?:[ .-]?\d{2,5}){1,3}(?!\d)"
)
PHONE_DIGITS = (10, 14)
# "62.341.551.234", "1,234,567,890": thousands groups make an amount, not a phone number.
GROUPED_AMOUNT = re.compile(r"^[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*$")
# ".0", ",00" after a number: how a number read as a float is printed.
ZERO_FRACTION = re.compile(r"[.,]0+(?!\d)")
JOINERS = "-._"  # characters that join a digit run to the rest of an identifier
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# The words before a 16-digit run that name it; the nearest one decides its kind.
ID_LABEL = re.compile(
    r"\b(?:(?P<no_kk>no\.?\s*kk|nomor\s*kk|kk|kartu\s+keluarga)"
    r"|(?P<nik>nik|no\.?\s*nik|nomor\s+induk(?:\s+kependudukan)?))\b",
    re.IGNORECASE,
)
LABEL_WINDOW = 40  # characters before the run searched for a label ("Nomor Induk Kependudukan: ")
# "Budi Santoso", "Siti Nur Aisyah": 2 to 4 capitalised words, nothing else.
NAME_VALUE = re.compile(r"^[A-Z][a-z'.-]+(?: [A-Z][a-z'.-]*\.?){1,3}$")
PERSON_COLUMNS = frozenset({"nama", "name", "nama_lengkap", "full_name", "nama_warga"})
PERSON_ROLES = frozenset(
    {"pemohon", "pelapor", "pengadu", "penerima", "pasien", "responden", "pemilik", "penduduk"}
)
KK_COLUMN = re.compile(r"(^|_)(kk|no_kk|nomor_kk|kartu_keluarga)($|_)")
NIK_COLUMN = re.compile(r"(^|_)(nik|nomor_induk|nomor_induk_kependudukan)($|_)")


@cache
def _malang_kecamatan() -> frozenset[str]:
    """Kecamatan parts of Kota Malang's codes ('01'..'05'), from the bundled reference."""
    return frozenset(w.kode.split(".")[2] for w in reference() if w.tingkat == "kecamatan")


def reference_codes() -> tuple:
    """What plausible_region judges by: the provinces, Kota Malang's code and its kecamatan."""
    return tuple(sorted(PROVINCES)), KODE_KOTA, tuple(sorted(_malang_kecamatan()))


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


def id_number_kind(digits: str, *, label: str | None = None) -> str | None:
    """'nik' or 'no_kk' for a 16-digit number that is one, else None.

    `label` ('nik' or 'no_kk', from the column name or the words before the number) makes any
    16 digits that kind: a labelled number is personal data even with a typo in its date.
    Unlabelled, the region and the date must be plausible (a NIK and a KK number look alike
    then, so it is called a NIK)."""
    if len(digits) != 16 or not digits.isdigit():
        return None
    if label in ("nik", "no_kk"):
        return label
    if digits.endswith("0000") or not plausible_region(digits):
        return None
    return "nik" if plausible_date(digits[6:12], women_plus_40=True) else None


def label_before(text: str, start: int) -> str | None:
    """'nik' or 'no_kk' when a word naming one stands shortly before text[start:], else None;
    the nearest word wins ("NIK: ...; No. KK 3573...")."""
    window = text[max(0, start - LABEL_WINDOW) : start]
    found = None
    for match in ID_LABEL.finditer(window):
        found = match.lastgroup
    return found


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


def find_in_text(text: str, *, label: str | None = None) -> list[tuple[str, str, str]]:
    """Every personal datum in `text` as (kind, the matched text, its masked form). `label`
    ('nik' or 'no_kk') is what the column names, when it names one (see `column_label`)."""
    hits: list[tuple[str, str, str]] = []
    taken: list[tuple[int, int]] = []
    for match in SIXTEEN_DIGITS.finditer(text):
        if not standalone(text, *match.span()):
            continue
        named = label_before(text, match.start()) or label
        kind = id_number_kind(re.sub(r"\D", "", match.group()), label=named)
        if kind:
            hits.append((kind, match.group(), mask(kind, match.group())))
            taken.append(match.span())
    for match in PHONE.finditer(text):
        if not standalone(text, *match.span()) or not is_phone(match.group()):
            continue
        if not any(s < match.end() and match.start() < e for s, e in taken):
            hits.append(("telepon", match.group(), mask("telepon", match.group())))
    for match in EMAIL.finditer(text):
        hits.append(("email", match.group(), mask("email", match.group())))
    return hits


def is_phone(found: str) -> bool:
    """A PHONE match is a number: 10 to 14 digits, not an amount grouped by thousands."""
    low, high = PHONE_DIGITS
    digits = re.sub(r"\D", "", found)
    return low <= len(digits) <= high and not GROUPED_AMOUNT.match(found.lstrip("+"))


def standalone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole token: not touching a letter or digit, nor a
    separator (- . _) that joins it to one (a longer identifier it is only part of). A zero
    fraction after it (".0") belongs to the number, not to a longer identifier."""
    if fraction := ZERO_FRACTION.match(text, end):
        end = fraction.end()
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


def is_person_column(column: str, header: str | None = None) -> bool:
    """Column names that hold people: nama, name, nama_lengkap, or a role (pemohon, pelapor).
    `header` is the agency's own header of a renamed column (the notes column's "Nama
    Pelapor" kept in `catatan`), judged the same way."""
    if header and is_person_column(header):
        return True
    name = column.strip().lower().replace(" ", "_")
    tokens = set(re.split(r"[^a-z0-9]+", name))
    return name in PERSON_COLUMNS or bool(tokens & PERSON_ROLES)


def column_label(column: str, header: str | None = None) -> str | None:
    """'no_kk' or 'nik' when the column's name, or the agency's `header` of a renamed column,
    says it holds KK numbers or NIKs ("No. KK", "nik_pemohon", "Nomor Induk Kependudukan")."""
    if header and (label := column_label(header)):
        return label
    name = re.sub(r"[^a-z0-9]+", "_", column.strip().lower()).strip("_")
    if KK_COLUMN.search(name):
        return "no_kk"
    return "nik" if NIK_COLUMN.search(name) else None


def looks_like_names(values: Iterable[str], min_share: float = 0.5) -> list[str]:
    """The values shaped like person names, when at least `min_share` of the distinct values
    are (a column of region or agency names has many one-word or lower-case values)."""
    distinct = [v for v in dict.fromkeys(values) if v]
    named = [v for v in distinct if NAME_VALUE.match(v.strip())]
    return named if distinct and len(named) / len(distinct) >= min_share else []
