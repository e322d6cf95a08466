"""Kota Malang's regions (Kemendagri and BPS codes) and the normaliser from agency spellings.

Agencies write "Kec. Kedung Kandang", "KEDUNGKANDANG" or "Kedungkandang" for the same kecamatan
(35.73.03). Five kelurahan share their kecamatan's name (Blimbing, Klojen, Sukun, ...), so a name is
always resolved at the level the catalog declares. Codes are text everywhere.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

REFERENCE_CSV = Path(__file__).resolve().parent / "wilayah_kota_malang.csv"
KODE_KOTA = "35.73"
LEVELS = ("kota", "kecamatan", "kelurahan")

# Prefixes agencies put in front of names; removed before comparing.
_PREFIXES = re.compile(r"^(kota|kecamatan|kec|kelurahan|kel|desa|ds)\b\.?\s*")
_NOT_LETTERS = re.compile(r"[^a-z]")


@dataclass(frozen=True)
class Wilayah:
    kode: str
    nama: str
    tingkat: str
    kode_induk: str
    kode_bps: str | None


class UnknownRegionError(ValueError):
    """A region name or code that is not a Kota Malang region at the declared level."""

    def __init__(self, text: str, level: str, closest: list[str]) -> None:
        self.text = text
        self.level = level
        self.closest = closest
        hint = f"closest known: {', '.join(closest)}" if closest else "no similar name"
        super().__init__(f"region {text!r} is not a known {level} of Kota Malang ({hint})")


def normalise_name(text: str) -> str:
    """Fold spelling variants: case, prefixes (Kec., Kel.), spaces and punctuation."""
    folded = text.strip().lower()
    folded = _PREFIXES.sub("", folded)
    return _NOT_LETTERS.sub("", folded)


@cache
def reference() -> tuple[Wilayah, ...]:
    """The 63 regions: the city, 5 kecamatan, 57 kelurahan, from the bundled reference file."""
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Wilayah(
                kode=row["kode_kemendagri"],
                nama=row["nama"],
                tingkat=row["tingkat"],
                kode_induk=row["kode_induk"],
                kode_bps=row["kode_bps"] or None,
            )
            for row in csv.DictReader(handle)
        )


def reference_frame() -> pd.DataFrame:
    """`dim_wilayah` rows: both code systems, the parent, and the kecamatan of each kelurahan."""
    rows = [
        {
            "kode_wilayah": w.kode,
            "nama": w.nama,
            "tingkat": w.tingkat,
            "kode_induk": w.kode_induk,
            "kode_bps": w.kode_bps,
            "kode_kecamatan": w.kode_induk if w.tingkat == "kelurahan" else None,
        }
        for w in reference()
    ]
    return pd.DataFrame(rows).astype("string")


def known_codes() -> frozenset[str]:
    return frozenset(w.kode for w in reference())


class RegionResolver:
    """Resolves names (any agency spelling), Kemendagri codes or BPS codes at one level."""

    def __init__(self, level: str) -> None:
        if level not in LEVELS:
            raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
        self.level = level
        regions = [w for w in reference() if w.tingkat == level]
        self._by_name = {normalise_name(w.nama): w.kode for w in regions}
        self._names = {normalise_name(w.nama): w.nama for w in regions}
        self._codes = {w.kode for w in regions}
        self._by_bps = {w.kode_bps: w.kode for w in regions if w.kode_bps}
        self._cache: dict[str, str] = {}

    def resolve(self, text: object) -> str:
        """The Kemendagri code for `text`; raises UnknownRegionError with the closest names."""
        key = str(text).strip()
        if key in self._cache:
            return self._cache[key]
        code = self._lookup(key)
        self._cache[key] = code
        return code

    def _lookup(self, key: str) -> str:
        if key in self._codes:
            return key
        if key in self._by_bps:
            return self._by_bps[key]
        folded = normalise_name(key)
        if folded in self._by_name:
            return self._by_name[folded]
        close = difflib.get_close_matches(folded, list(self._by_name), n=3, cutoff=0.6)
        raise UnknownRegionError(key, self.level, [self._names[c] for c in close])
