"""Region spellings a draft may propose as `aliases`: the kinds of variation the walidata's
alias registry (sources/wilayah_alias.csv) already records, tried on names that do not resolve.

- spelling before EYD 1972: dj -> j, tj -> c, oe -> u, nj -> ny, sj -> sy, ch -> kh
  ("Polowidjen" is Polowijen, like the registry's Djodipan and Tjemorokandang);
- Javanese a written o, or o written a ("Ciptomulya" is Ciptomulyo, like Purwontoro);
- a name said without its common ending ("Bunul" is Bunulrejo).

A proposal is made only when exactly one region answers; a misspelling such as "Kiduldalam"
(a for e) or "Mojolngu" (a letter missing) is no known variation and stays unresolved, so the
parser quarantines it. Each proposal is written with a comment for the engineer to check.
"""

from __future__ import annotations

from sources.wilayah import RegionResolver, name_keys

OLD_SPELLINGS = (("dj", "j"), ("tj", "c"), ("oe", "u"), ("nj", "ny"), ("sj", "sy"), ("ch", "kh"))
ENDINGS = ("rejo", "sari", "rejosari", "harjo", "mulyo", "wangi", "asri")


def propose_alias(text: str, resolver: RegionResolver) -> tuple[str, str] | None:
    """(code, why) when one known variation of `text` names exactly one region."""
    keys = name_keys(text)
    if not keys or resolver.find(text) is not None:
        return None
    name = keys[-1]  # without "Kel." or "Desa" in front
    found: dict[str, str] = {}
    for variant, why in _variants(name):
        code = resolver.find(variant)
        if code is not None:
            found.setdefault(code, why)
    if len(found) != 1:
        return None
    return next(iter(found.items()))


def _variants(name: str):
    modern = name
    for old, new in OLD_SPELLINGS:
        modern = modern.replace(old, new)
    if modern != name:
        yield modern, "spelling before EYD 1972"
    for i, letter in enumerate(name):
        if letter in "ao":
            swapped = name[:i] + ("o" if letter == "a" else "a") + name[i + 1 :]
            yield swapped, "Javanese a/o spelling"
    for ending in ENDINGS:
        yield name + ending, f"said without its ending -{ending}"
