"""Kota Malang's regions (Kemendagri and BPS codes) and the normaliser from agency spellings.

Agencies write "Kec. Kedung Kandang", "KEDUNGKANDANG" or "Kedungkandang" for the same kecamatan
(35.73.03). Five kelurahan share their kecamatan's name (Blimbing, Klojen, Sukun, ...), so a name is
always resolved at the level the catalog declares. Codes are text everywhere.

A name is compared folded (letters only, lower case). The whole name is tried first and a leading
prefix ("Kec.", "Kel.", "Kota", ...) is stripped only when the whole name does not match: "Kota
Lama" is the kelurahan Kotalama, not "Lama". Spellings folding cannot reach ("Tologowaru" for
Tlogowaru, "Kodya Malang") come from the alias registry the walidata keeps in git
(sources/wilayah_alias.csv) and from a catalog entry's own `aliases`, which win over the registry.
A name that is no region of Kota Malang but another region of Indonesia ("Malang" and "Kab.
Malang" are Kabupaten Malang, 35.07; "Kota Batu") raises OtherRegionError (sources/kabkota.py),
so such a row is never read as the city's; no alias for the city may name such a region.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from sources.kabkota import KOTA_MALANG_BPS, Region, other_region

HERE = Path(__file__).resolve().parent
REFERENCE_CSV = HERE / "wilayah_kota_malang.csv"
ALIAS_CSV = HERE / "wilayah_alias.csv"
ALIAS_COLUMNS = ("ejaan", "kode_wilayah", "catatan")
KODE_KOTA = "35.73"
LEVELS = ("kota", "kecamatan", "kelurahan")

# One prefix agencies put in front of a name, with what separates it from the next word
# ("Kec. ", "Desa/"); name_keys removes them one at a time, only while the name does not match.
_PREFIX = re.compile(r"^(kota|kecamatan|kec|kelurahan|kel|desa|ds)\b[\s./:]*")
# The level a prefix word names ("kota" is left out: "Kota Lama" is a kelurahan).
_PREFIX_LEVEL = {
    "kecamatan": "kecamatan",
    "kec": "kecamatan",
    "kelurahan": "kelurahan",
    "kel": "kelurahan",
    "desa": "kelurahan",
    "ds": "kelurahan",
}
_NOT_LETTERS = re.compile(r"[^a-z]")
# A long-lived shared resolver (resolve_or_none, is_city) sees every cell text of every run;
# its memo is dropped past this size rather than grow without bound.
_MEMO_LIMIT = 20_000


@dataclass(frozen=True)
class Wilayah:
    kode: str
    nama: str
    tingkat: str
    kode_induk: str
    kode_bps: str | None


@dataclass(frozen=True)
class Alias:
    """One row of the alias registry: a spelling, the region it means, and why it is needed."""

    ejaan: str
    kode_wilayah: str
    catatan: str


class UnknownRegionError(ValueError):
    """A region name or code that is not a Kota Malang region at the declared level."""

    def __init__(
        self, text: str, level: str, closest: list[str], *, message: str | None = None
    ) -> None:
        self.text = text
        self.level = level
        self.closest = closest
        hint = f"closest known: {', '.join(closest)}" if closest else "no similar name"
        super().__init__(
            message or f"region {text!r} is not a known {level} of Kota Malang ({hint})"
        )


class WrongParentError(UnknownRegionError):
    """A region that exists, but under another parent than the sub-header above its row."""

    def __init__(self, text: str, level: str, kode: str, parent: str) -> None:
        region, expected = _by_code()[kode], _by_code()[parent]
        actual = _by_code()[region.kode_induk]
        self.kode = kode
        self.parent = parent
        self.actual_parent = actual.kode
        super().__init__(
            text,
            level,
            [region.nama],
            message=f"{level} {text!r} is in {actual.tingkat} {actual.nama}, not in "
            f"{expected.tingkat} {expected.nama} (the sub-header above it)",
        )


class OtherRegionError(UnknownRegionError):
    """A name or code of another region of Indonesia (sources/kabkota.py): "Malang" is
    Kabupaten Malang (35.07), "Kota Batu" is Kota Batu; never a region of Kota Malang."""

    def __init__(self, text: str, level: str, region: Region) -> None:
        self.region = region
        super().__init__(
            text,
            level,
            [],
            message=f"region {text!r} is {region.describe()}, another region than Kota Malang "
            f"({KODE_KOTA}, BPS {KOTA_MALANG_BPS})",
        )


class AmbiguousRegionError(UnknownRegionError):
    """A name shared by regions of several parents, given without the parent that decides."""

    def __init__(self, text: str, level: str, kodes: list[str]) -> None:
        self.kodes = kodes
        places = [_place(_by_code()[k]) for k in kodes]
        super().__init__(
            text,
            level,
            [_by_code()[k].nama for k in kodes],
            message=f"region {text!r} names {len(kodes)} {level} of Kota Malang "
            f"({', '.join(places)}); give its code or the sub-header above it",
        )


def normalise_name(text: str) -> str:
    """The fully folded name: lower-case letters only, so case, spaces and punctuation do not
    matter. Prefixes stay: "Kota Lama" folds to "kotalama" (see name_keys for stripping)."""
    return _NOT_LETTERS.sub("", str(text).strip().lower())


def name_keys(text: str) -> tuple[str, ...]:
    """The folded forms of `text` to compare, most literal first: the whole name, then without
    one leading prefix, then two, ... "Desa/Kelurahan Blimbing" ends as "blimbing"; "Kota Lama"
    is tried as "kotalama" (a kelurahan) before "lama". Empty forms are left out."""
    rest = str(text).strip().lower()
    keys = [normalise_name(rest)]
    while (stripped := _PREFIX.sub("", rest, count=1)) != rest:
        rest = stripped
        keys.append(normalise_name(rest))
    return tuple(dict.fromkeys(k for k in keys if k))


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
    """`dim_wilayah` rows: both code systems, the parent, and the kecamatan each row lies in
    (a kelurahan's parent, a kecamatan itself; none for the city), so grouping by it never puts
    the five kecamatan in one NULL group."""
    rows = [
        {
            "kode_wilayah": w.kode,
            "nama": w.nama,
            "tingkat": w.tingkat,
            "kode_induk": w.kode_induk,
            "kode_bps": w.kode_bps,
            "kode_kecamatan": {"kelurahan": w.kode_induk, "kecamatan": w.kode}.get(w.tingkat),
        }
        for w in reference()
    ]
    return pd.DataFrame(rows).astype("string")


def known_codes() -> frozenset[str]:
    """Every Kemendagri code of the reference (city, kecamatan, kelurahan)."""
    return frozenset(w.kode for w in reference())


def kecamatan_of(kode: str) -> str | None:
    """The kecamatan code of a kelurahan code; None for any other code (city, kecamatan)."""
    region = _by_code().get(str(kode).strip())
    return region.kode_induk if region and region.tingkat == "kelurahan" else None


@cache
def _by_code() -> dict[str, Wilayah]:
    return {w.kode: w for w in reference()}


@cache
def _name_index(level: str) -> dict[str, tuple[str, ...]]:
    """Folded name -> codes at `level`; a tuple because a name may repeat under two parents."""
    index: dict[str, tuple[str, ...]] = {}
    for w in reference():
        if w.tingkat == level:
            key = normalise_name(w.nama)
            index[key] = (*index.get(key, ()), w.kode)
    return index


def _place(region: Wilayah) -> str:
    """A region with where it is: "Blimbing (35.73.01.1005, kecamatan Blimbing)"."""
    parent = _by_code().get(region.kode_induk)
    where = f", {parent.tingkat} {parent.nama}" if parent and parent.tingkat != "kota" else ""
    return f"{region.nama} ({region.kode}{where})"


# --- Aliases -------------------------------------------------------------------------------------


def check_aliases(aliases: Mapping[str, str]) -> list[str]:
    """Problems of a catalog entry's `aliases` (spelling -> kode_wilayah); [] when all are fine.

    An alias must name a code of the reference, have letters, not be a spelling the normaliser
    already reads (then it is not needed, or it contradicts a real name), and not fold to the
    same spelling as another alias at the same level."""
    pairs = [(str(spelling), str(code).strip()) for spelling, code in aliases.items()]
    problems = [p for spelling, code in pairs if (p := _alias_problem(spelling, code))]
    return problems + _duplicate_problems(pairs)


@cache
def alias_registry() -> tuple[Alias, ...]:
    """The walidata's registry (sources/wilayah_alias.csv), checked once per process."""
    return load_aliases(ALIAS_CSV)


def load_aliases(path: Path) -> tuple[Alias, ...]:
    """Read an alias registry file; any bad row raises ValueError naming the file, the line, the
    spelling and the code, because a wrong alias would silently move figures to another region."""
    shown = _shown(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != ALIAS_COLUMNS:
            raise ValueError(
                f"{shown}: the columns must be {','.join(ALIAS_COLUMNS)}; "
                f"found {','.join(reader.fieldnames or ())}"
            )
        lines = [
            (number, Alias(*((row[c] or "").strip() for c in ALIAS_COLUMNS)))
            for number, row in enumerate(reader, start=2)
        ]
    problems = [f"line {n}: {p}" for n, a in lines if (p := _registry_row_problem(a))]
    problems += _duplicate_problems((a.ejaan, a.kode_wilayah) for _, a in lines)
    if problems:
        raise ValueError(f"{shown}: bad alias(es): " + "; ".join(problems))
    return tuple(alias for _, alias in lines)


def _registry_row_problem(alias: Alias) -> str | None:
    problem = _alias_problem(alias.ejaan, alias.kode_wilayah)
    if problem is None and not alias.catatan:
        # The registry is read by people deciding whether an alias is still right.
        problem = f"alias {alias.ejaan!r} -> {alias.kode_wilayah!r}: `catatan` is empty; say why"
    return problem


def _alias_problem(spelling: str, code: str) -> str | None:
    """What is wrong with one alias, or None."""
    where = f"alias {spelling!r} -> {code!r}"
    region = _by_code().get(code)
    if region is None:
        return f"{where}: {code!r} is not a region code in {_shown(REFERENCE_CSV)}"
    if not normalise_name(spelling):
        return f"{where}: the spelling has no letters"
    other = other_region(spelling) if code == KODE_KOTA else None
    if other is not None:
        # The trap an alias could set for every source: "Malang" -> 35.73 would load
        # Kabupaten Malang's figures as the city's.
        return f"{where}: the spelling names {other.describe()}, another region than Kota Malang"
    index = _name_index(region.tingkat)
    for key in name_keys(spelling):
        if code in index.get(key, ()):
            return f"{where}: not needed, the normaliser already reads it as {_place(region)}"
        if key in index:
            other = _by_code()[index[key][0]]
            return f"{where}: the spelling already names {region.tingkat} {_place(other)}"
    return None


def _duplicate_problems(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Aliases that fold to the same spelling at the same level. The same spelling may name a
    kecamatan and a kelurahan (five share a name), as aliases are used only at their level."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for spelling, code in pairs:
        region = _by_code().get(code)
        if region is None:
            continue  # reported as an unknown code
        key = (normalise_name(spelling), region.tingkat)
        if key in seen:
            problems.append(
                f"aliases {seen[key]!r} and {spelling!r} are the same spelling once folded "
                f"({key[0]!r}) at {region.tingkat} level; keep one"
            )
        else:
            seen[key] = spelling
    return problems


@cache
def _registry_at(level: str) -> dict[str, str]:
    return _aliases_at(((a.ejaan, a.kode_wilayah) for a in alias_registry()), level)


def _aliases_at(pairs: Iterable[tuple[str, str]], level: str) -> dict[str, str]:
    """Folded spelling -> code for the aliases whose code is at `level` (checked aliases)."""
    return {normalise_name(s): c for s, c in pairs if _by_code()[c].tingkat == level}


def _shown(path: Path) -> str:
    """A path as the walidata sees it in the repository ("sources/wilayah_alias.csv")."""
    try:
        return path.resolve().relative_to(HERE.parent).as_posix()
    except ValueError:
        return str(path)


# --- Resolving -----------------------------------------------------------------------------------


class RegionResolver:
    """Resolves names (any agency spelling), Kemendagri codes or BPS codes at one level.

    `aliases` (spelling -> kode_wilayah, a catalog entry's own) win over the registry; either is
    used only when its code is at this level. Bad aliases raise ValueError."""

    def __init__(self, level: str, aliases: Mapping[str, str] | None = None) -> None:
        if level not in LEVELS:
            raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
        aliases = aliases or {}
        problems = check_aliases(aliases)
        if problems:
            raise ValueError("region aliases: " + "; ".join(problems))
        self.level = level
        regions = [w for w in reference() if w.tingkat == level]
        self._codes = {w.kode for w in regions}
        self._by_bps = {w.kode_bps: w.kode for w in regions if w.kode_bps}
        self._by_name = _name_index(level)
        own = _aliases_at(((str(s), str(c).strip()) for s, c in aliases.items()), level)
        self._aliases = {**_registry_at(level), **own}
        # Text -> candidate codes (empty when unknown). Independent of the parent, which is
        # applied afterwards, so one entry serves every (text, parent) pair and misses too.
        self._memo: dict[str, tuple[str, ...]] = {}

    def resolve(self, text: object, parent: str | None = None) -> str:
        """The Kemendagri code for `text`; raises UnknownRegionError with the closest names.

        `parent` (a kecamatan code for level kelurahan, from a sub-header row above) looks the
        name up among that kecamatan's kelurahan first; a kelurahan of another kecamatan raises
        WrongParentError."""
        key = str(text).strip()
        if parent is not None:
            self._check_parent(parent)
        found = self._candidates(key)
        if not found:
            if (other := other_region(key)) is not None:
                raise OtherRegionError(key, self.level, other)
            raise UnknownRegionError(key, self.level, self._closest(key))
        if parent is None:
            if len(found) > 1:
                raise AmbiguousRegionError(key, self.level, list(found))
            return found[0]
        inside = [code for code in found if _by_code()[code].kode_induk == parent]
        if not inside:
            raise WrongParentError(key, self.level, found[0], parent)
        return inside[0]

    def find(self, text: object, parent: str | None = None) -> str | None:
        """Like resolve, but None when `text` is not a region at this level (or is ambiguous,
        or is under another parent): for asking whether a cell names a region."""
        if not self._candidates(str(text).strip()):
            return None  # no closest names to look for: asked of every row, it must be cheap
        try:
            return self.resolve(text, parent)
        except UnknownRegionError:
            return None

    def _candidates(self, key: str) -> tuple[str, ...]:
        if key not in self._memo:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = self._lookup(key)
        return self._memo[key]

    def _lookup(self, key: str) -> tuple[str, ...]:
        """Codes `key` may mean: a code itself, else the first folded form (whole name first,
        then without prefixes) that is a name or an alias at this level."""
        if key in self._codes:
            return (key,)
        if key in self._by_bps:
            return (self._by_bps[key],)
        keys = name_keys(key)
        prefix = _PREFIX.match(key.lower())
        if prefix and _PREFIX_LEVEL.get(prefix.group(1), self.level) != self.level:
            # "Kec. Blimbing" is never kelurahan Blimbing (a kecamatan sub-header or subtotal
            # read at level kelurahan), nor "Kel. Klojen" kecamatan Klojen: only the whole name.
            keys = keys[:1]
        for folded in keys:
            found = self._by_name.get(folded, ())
            alias = self._aliases.get(folded)
            if alias and alias not in found:
                found = (*found, alias)
            if found:
                return found
        return ()

    def _check_parent(self, parent: str) -> None:
        above = LEVELS[LEVELS.index(self.level) - 1] if self.level != "kota" else None
        region = _by_code().get(parent)
        if above is None or region is None or region.tingkat != above:
            wanted = f"a {above} code" if above else "no parent (the city has none)"
            raise ValueError(f"parent {parent!r} for level {self.level}: expected {wanted}")

    def _closest(self, key: str) -> list[str]:
        keys = name_keys(key)
        if not keys:
            return []
        # The most stripped form: "Kec. Kedung Kandung" is compared as "kedungkandung".
        close = difflib.get_close_matches(keys[-1], list(self._by_name), n=3, cutoff=0.6)
        return [_by_code()[self._by_name[c][0]].nama for c in close]


@cache
def _shared_resolver(level: str, aliases: tuple[tuple[str, str], ...]) -> RegionResolver:
    return RegionResolver(level, dict(aliases))


def resolve_or_none(
    text: object, level: str, aliases: Mapping[str, str] | None = None
) -> str | None:
    """The code `text` names at `level`, or None: "does this cell name a kecamatan?"."""
    if text is None or not str(text).strip():
        return None
    frozen = tuple(sorted((str(s), str(c)) for s, c in (aliases or {}).items()))
    return _shared_resolver(level, frozen).find(text)


def is_city(text: object) -> bool:
    """True when `text` is the city itself, as a table's total row names it: "Kota Malang",
    "Malang (Kota)", "Kota Malang*", "35.73", "3573". Bare "Malang" is False: it may as well be
    Kabupaten Malang (35.07), whose figures must never be taken for the city's."""
    if text is None:
        return False
    # A trailing "*" marks a footnote (provisional figure), not part of the name.
    return resolve_or_none(str(text).strip().rstrip("*").strip(), "kota") == KODE_KOTA
