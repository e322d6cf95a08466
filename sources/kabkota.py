"""Indonesia's provinces and kab/kota, to tell a row of another region from a misspelled one.

BPS and national tables list every kabupaten and kota of a province (38 in Jawa Timur) or of
the country (514); the pipeline loads only Kota Malang's row (catalog `parse.region.covers`)
and counts the others as outside the city. A row is "another region" only when its name or
code is in the reference list below: a misspelled "Kota Malng" is in no list, so it stays an
unknown region (quarantined, in the agency's correction workbook), never silently outside.

The classic trap is Malang: Kabupaten Malang (BPS 3507, Kemendagri 35.07) and Kota Malang
(3573, 35.73) share the name, and BPS lists kabupaten by their bare name ("Malang") and kota
with "Kota" ("Kota Malang"). So a bare name is read as the kabupaten when one has it, else
the kota (bare "Batu" is Kota Batu, as no Kabupaten Batu exists); "Kab."/"Kabupaten",
"Kota"/"Kodya"/"Kotamadya" and a trailing "(Kota)"/"(Kab.)" say which explicitly.

The list, sources/kabkota_indonesia.csv (`kode_bps,tingkat,nama,catatan`): the 34 provinces
and 514 kab/kota (416 kabupaten, 98 kota) of BPS's master file of regions (MFD,
mfdonline.bps.go.id, as of November 2015), as republished by the edwardsamuel/
Wilayah-Administratif-Indonesia project under the Open Database License 1.0 (source:
Badan Pusat Statistik); names as listed there (capitals). Rows with a `catatan` were added
here: later names (Toba, Pasangkayu, Kepulauan Tanimbar), Kemendagri spellings BPS writes
otherwise, spelled-out province names and the four Papua provinces of 2022 (no code in this
list). Codes are BPS's four digits (Papua's as before 2022); a Kemendagri code "35.07" is read
as "3507", which is the same region in Jawa Timur but may name another one elsewhere, so a
code only ever says "another region", never which one is loaded.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE_CSV = HERE / "kabkota_indonesia.csv"
KOTA_MALANG_BPS = "3573"
JAWA_TIMUR_BPS = "35"
TINGKAT = ("provinsi", "kabupaten", "kota", "nasional")
# What a table can cover besides the city (catalog `parse.region.covers`).
COVERS = ("provinsi", "nasional")
COVERED_AREA = {"provinsi": "Jawa Timur", "nasional": "Indonesia"}

# A type word in front of the name, with what follows it ("Kab. ", "Kota Adm. ", "Prov. ").
_PREFIX = re.compile(
    r"^(?:(?P<kabupaten>kabupaten|kab)|(?P<kota>kota|kotamadya|kotamadia|kodya)"
    r"|(?P<provinsi>provinsi|propinsi|prov))\b[\s.]*(?:(?:administrasi|adm)\b[\s.]*)?"
)
# ... or in brackets behind it, as provincial tables write it: "Malang (Kota)", "Malang (Kab.)".
_SUFFIX = re.compile(r"\(\s*(?:(?P<kabupaten>kabupaten|kab)|(?P<kota>kota))\s*\.?\s*\)$")
_NUMBERING = re.compile(r"^[\d\s.,:;)(-]+(?=[a-z])")  # "01. Pacitan", "3507 Malang"
_CODE = re.compile(r"^(\d{2})(?:\.?(\d{2}))?$")  # "35", "3507", "35.07", "3500"
_KEP = re.compile(r"\bkep\b\.?")  # "Kab. Adm. Kep. Seribu"
_NOT_LETTERS = re.compile(r"[^a-z]")
_NATION = frozenset({"indonesia", "nasional", "republikindonesia"})
_KEEP_CAPITALS = frozenset({"DKI", "DI"})


@dataclass(frozen=True)
class Region:
    """A province, kab/kota or the nation, as the reference list names it."""

    kode_bps: str  # "3507"; "35" for a province; "" for the nation or a 2022 province
    tingkat: str
    nama: str  # as listed: "KABUPATEN MALANG"

    @property
    def provinsi(self) -> str:
        return self.kode_bps[:2]

    @property
    def is_kota_malang(self) -> bool:
        return self.kode_bps == KOTA_MALANG_BPS

    def describe(self) -> str:
        """ "Kabupaten Malang (BPS 3507)", "Provinsi Jawa Timur (BPS 35)", "Indonesia"."""
        words = [w if w in _KEEP_CAPITALS else w.capitalize() for w in self.nama.split(" ")]
        name = " ".join(words)
        if self.tingkat == "provinsi":
            name = f"Provinsi {name}"
        return f"{name} (BPS {self.kode_bps})" if self.kode_bps else name


NATION = Region("", "nasional", "INDONESIA")


@cache
def reference() -> tuple[Region, ...]:
    """Every row of sources/kabkota_indonesia.csv (a region may have several names)."""
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as handle:
        rows = tuple(
            Region(row["kode_bps"], row["tingkat"], row["nama"]) for row in csv.DictReader(handle)
        )
    bad = [r for r in rows if r.tingkat not in TINGKAT[:3]]
    if bad:
        raise ValueError(f"{REFERENCE_CSV.name}: unknown tingkat {bad[0].tingkat!r}")
    return rows


@cache
def _by_name() -> dict[tuple[str, str], tuple[Region, ...]]:
    """(tingkat, folded name without its type word) -> regions."""
    index: dict[tuple[str, str], tuple[Region, ...]] = {}
    for region in reference():
        name = region.nama.lower()
        if region.tingkat != "provinsi":
            name = name.removeprefix(f"{region.tingkat} ")
        key = (region.tingkat, _fold(name))
        index[key] = (*index.get(key, ()), region)
    return index


@cache
def _by_code() -> dict[str, Region]:
    """BPS code -> the region under its first (BPS) name."""
    index: dict[str, Region] = {}
    for region in reference():
        if region.kode_bps:
            index.setdefault(region.kode_bps, region)
    return index


def _fold(text: str) -> str:
    return _NOT_LETTERS.sub("", _KEP.sub("kepulauan", text))


def find(text: object) -> tuple[Region, ...]:
    """The regions `text` may name (a name in any usual spelling, or a BPS or Kemendagri code
    of a province or kab/kota), most likely first; () when it names none. Kota Malang itself
    is found too: callers ask sources.wilayah first, which knows the city's spellings."""
    raw = str(text).strip().lower().rstrip("*").strip()
    code = _CODE.match(raw)
    if code:
        province, rest = code.group(1), code.group(2)
        found = _by_code().get(province if rest in (None, "00") else province + rest)
        return (found,) if found else ()
    name = _NUMBERING.sub("", raw)
    if _fold(name) in _NATION:
        return (NATION,)
    for tingkat, rest in _readings(name):
        kinds = (tingkat,) if tingkat else ("kabupaten", "kota", "provinsi")
        for kind in kinds:  # a bare name: the kabupaten first, as BPS lists kabupaten bare
            found = _by_name().get((kind, _fold(rest)), ())
            if found:
                return found
    return ()


def _readings(name: str) -> list[tuple[str | None, str]]:
    """(type word's tingkat, the rest) for the name as written, then the whole name bare:
    "Kota Baru" is tried as a kota "Baru" (none), then as the kabupaten Kotabaru."""
    readings: list[tuple[str | None, str]] = []
    if prefix := _PREFIX.match(name):
        readings.append((prefix.lastgroup, name[prefix.end() :]))
    if suffix := _SUFFIX.search(name):
        readings.append((suffix.lastgroup, name[: suffix.start()]))
    return [*readings, (None, name)]


def other_region(text: object) -> Region | None:
    """The region `text` names when it is not Kota Malang: a kab/kota, a province or the
    nation; None for Kota Malang and for anything the list does not know."""
    found = find(text)
    if not found or any(region.is_kota_malang for region in found):
        return None
    return found[0]


def in_scope(text: object, covers: str) -> tuple[Region | None, bool]:
    """(the other region `text` names, whether a table covering `covers` may list it). A
    provincial table lists Jawa Timur's kab/kota and the province itself; a national one any
    kab/kota, province or the nation."""
    found = find(text)
    if not found or any(region.is_kota_malang for region in found):
        return None, False
    if covers == "nasional":
        return found[0], True
    inside = [r for r in found if r.provinsi == JAWA_TIMUR_BPS and r.tingkat != "nasional"]
    return (inside[0], True) if inside else (found[0], False)


def is_area_total(region: Region, covers: str) -> bool:
    """A row naming the area the table covers, or a province of a national table: it totals
    rows of the table (mostly outside the city), so it is neither a fact nor checked."""
    return region.tingkat in ("provinsi", "nasional") and (
        covers == "nasional" or region.provinsi == JAWA_TIMUR_BPS
    )
