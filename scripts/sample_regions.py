"""The regions other publishers' tables list, for writing SAMPLE files of those tables.

Shared by scripts/make_samples.py (the bundled samples) and tests/wider_area/make_fixtures.py:
Jawa Timur's 38 kab/kota as BPS Jawa Timur lists them, and Indonesia's 514 kab/kota with their
provinces from sources/kabkota_indonesia.csv, as national tables (SIPSN) list them.
"""

from __future__ import annotations

from sources.kabkota import reference

# Jawa Timur's kab/kota as BPS's provincial tables list them, in code order: kabupaten by their
# bare name ("Malang" is Kabupaten Malang), kota with "Kota"; the province's own row last.
JATIM_KABKOTA: dict[int, str] = {
    3501: "Pacitan", 3502: "Ponorogo", 3503: "Trenggalek", 3504: "Tulungagung",
    3505: "Blitar", 3506: "Kediri", 3507: "Malang", 3508: "Lumajang", 3509: "Jember",
    3510: "Banyuwangi", 3511: "Bondowoso", 3512: "Situbondo", 3513: "Probolinggo",
    3514: "Pasuruan", 3515: "Sidoarjo", 3516: "Mojokerto", 3517: "Jombang", 3518: "Nganjuk",
    3519: "Madiun", 3520: "Magetan", 3521: "Ngawi", 3522: "Bojonegoro", 3523: "Tuban",
    3524: "Lamongan", 3525: "Gresik", 3526: "Bangkalan", 3527: "Sampang", 3528: "Pamekasan",
    3529: "Sumenep", 3571: "Kota Kediri", 3572: "Kota Blitar", 3573: "Kota Malang",
    3574: "Kota Probolinggo", 3575: "Kota Pasuruan", 3576: "Kota Mojokerto",
    3577: "Kota Madiun", 3578: "Kota Surabaya", 3579: "Kota Batu", 3500: "Jawa Timur",
}  # fmt: skip
JAWA_TIMUR = 3500

# Codes whose later name Kemendagri (and the ministries' national tables) use today, where
# BPS's list (the first name of a code) has the old one: Toba, Pasangkayu, Kepulauan Tanimbar.
LATER_NAMES = frozenset({"1206", "7605", "8101"})
_KEEP_CAPITALS = frozenset({"DKI", "DI"})


def title_case(name: str) -> str:
    """ "KABUPATEN MALANG" -> "Kabupaten Malang"; "DKI JAKARTA" keeps its "DKI"."""
    return " ".join(w if w in _KEEP_CAPITALS else w.capitalize() for w in name.split(" "))


def kabkota_indonesia() -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(province code -> name, [(BPS code, tingkat, name)] one per kab/kota in code order),
    names in capitals as the reference list writes them ("KABUPATEN MALANG")."""
    provinces: dict[str, str] = {}
    names: dict[str, tuple[str, str]] = {}
    for region in reference():
        code = region.kode_bps
        if region.tingkat == "provinsi":
            provinces.setdefault(code, region.nama)
        elif code not in names or code in LATER_NAMES:
            names[code] = (region.tingkat, region.nama)
    return provinces, [(code, *names[code]) for code in sorted(names)]
