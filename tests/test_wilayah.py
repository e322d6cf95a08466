"""Region names as agencies write them, resolved to Kemendagri codes at the declared level."""

import csv

import pandas as pd
import pytest

from sources import wilayah
from sources.wilayah import (
    ALIAS_COLUMNS,
    ALIAS_CSV,
    KODE_KOTA,
    LEVELS,
    AmbiguousRegionError,
    RegionResolver,
    UnknownRegionError,
    WrongParentError,
    alias_registry,
    check_aliases,
    is_city,
    kecamatan_of,
    known_codes,
    load_aliases,
    name_keys,
    normalise_name,
    reference,
    reference_frame,
    resolve_or_none,
)

BY_CODE = {w.kode: w for w in reference()}
KELURAHAN = [w for w in reference() if w.tingkat == "kelurahan"]


@pytest.mark.parametrize(
    ("text", "level", "code"),
    [
        ("Kec. Kedung Kandang", "kecamatan", "35.73.03"),
        ("KEDUNGKANDANG", "kecamatan", "35.73.03"),
        ("Kedungkandang", "kecamatan", "35.73.03"),
        ("Kecamatan Lowokwaru", "kecamatan", "35.73.05"),
        ("kec.klojen", "kecamatan", "35.73.02"),
        ("3573010", "kecamatan", "35.73.03"),  # BPS numbers the kecamatan differently
        ("35.73.04", "kecamatan", "35.73.04"),
        ("Blimbing", "kecamatan", "35.73.01"),
        ("Blimbing", "kelurahan", "35.73.01.1005"),
        ("Kel. Sukun", "kelurahan", "35.73.04.1005"),
        ("Kota Malang", "kota", "35.73"),
        ("KOTA MALANG", "kota", "35.73"),
        ("3573", "kota", "35.73"),
        # "Kota" is a prefix word, but here it is part of the name: the whole name wins.
        ("Kota Lama", "kelurahan", "35.73.03.1001"),
        ("KOTA LAMA", "kelurahan", "35.73.03.1001"),
        ("Kotalama", "kelurahan", "35.73.03.1001"),
        ("Kel. Kota Lama", "kelurahan", "35.73.03.1001"),
        ("Kelurahan Kota Lama", "kelurahan", "35.73.03.1001"),
        ("Desa/Kelurahan Blimbing", "kelurahan", "35.73.01.1005"),
        ("3573010007", "kelurahan", "35.73.03.1001"),  # the BPS kelurahan code
        ("Oro Oro Dowo", "kelurahan", "35.73.02.1008"),
        ("Tasikmadu", "kelurahan", "35.73.05.1012"),
    ],
)
def test_resolves_spelling_variants(text, level, code):
    assert RegionResolver(level).resolve(text) == code


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("Kota Lama", ("kotalama", "lama")),
        ("Kec. Kedung Kandang", ("keckedungkandang", "kedungkandang")),
        ("Desa/Kelurahan Blimbing", ("desakelurahanblimbing", "kelurahanblimbing", "blimbing")),
        ("Oro-oro Dowo", ("oroorodowo",)),
        ("Kota", ("kota",)),
        ("-", ()),
    ],
)
def test_name_keys_try_the_whole_name_before_stripping_prefixes(text, keys):
    assert name_keys(text) == keys
    assert normalise_name(text) == (keys[0] if keys else "")


@pytest.mark.parametrize(
    ("prefix", "level"),
    [
        ("", "kecamatan"),
        ("Kec. ", "kecamatan"),
        ("KECAMATAN ", "kecamatan"),
        ("", "kelurahan"),
        ("Kel. ", "kelurahan"),
        ("Kelurahan ", "kelurahan"),
        ("Desa ", "kelurahan"),
    ],
)
def test_every_region_resolves_by_its_name_with_or_without_a_prefix(prefix, level):
    resolver = RegionResolver(level)
    for region in (w for w in reference() if w.tingkat == level):
        assert resolver.resolve(prefix + region.nama) == region.kode, region.nama
        assert resolver.resolve(prefix + region.nama.upper()) == region.kode, region.nama


def test_unknown_name_names_the_closest_known_names():
    with pytest.raises(UnknownRegionError) as caught:
        RegionResolver("kecamatan").resolve("Kedung Kandung")
    assert str(caught.value) == (
        "region 'Kedung Kandung' is not a known kecamatan of Kota Malang "
        "(closest known: Kedungkandang)"
    )


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Arjosari", "kecamatan"),  # a kelurahan, not a kecamatan
        ("Kota Lama", "kecamatan"),
        ("Malang", "kota"),  # also Kabupaten Malang (35.07)
        ("Kabupaten Malang", "kota"),
        ("Lama", "kelurahan"),
    ],
)
def test_names_not_at_the_level_are_unknown(text, level):
    with pytest.raises(UnknownRegionError):
        RegionResolver(level).resolve(text)
    assert resolve_or_none(text, level) is None


# --- Reference data -------------------------------------------------------------------------------


def test_reference_has_city_five_kecamatan_and_57_kelurahan_as_text():
    frame = reference_frame()
    assert frame["tingkat"].value_counts().to_dict() == {"kelurahan": 57, "kecamatan": 5, "kota": 1}
    assert all(isinstance(code, str) for code in frame["kode_wilayah"])
    assert len(known_codes()) == 63
    assert frame["kode_bps"].notna().all()
    assert frame["kode_bps"].is_unique


@pytest.mark.parametrize("region", KELURAHAN, ids=lambda w: w.nama)
def test_every_kelurahan_has_a_ten_digit_bps_code_under_its_kecamatan(region):
    kecamatan = BY_CODE[region.kode_induk]
    assert region.kode_bps is not None
    assert len(region.kode_bps) == 10 and region.kode_bps.isdigit()
    assert region.kode_bps.startswith(kecamatan.kode_bps)
    assert kecamatan_of(region.kode) == kecamatan.kode


@pytest.mark.parametrize(
    ("kode", "kecamatan"),
    [("35.73.01.1005", "35.73.01"), ("35.73.03.1001", "35.73.03"), ("35.73.01", None)],
)
def test_kecamatan_of(kode, kecamatan):
    assert kecamatan_of(kode) == kecamatan
    assert kecamatan_of(KODE_KOTA) is None and kecamatan_of("35.73.09.1001") is None


# --- Aliases --------------------------------------------------------------------------------------


def _registry_rows() -> list[dict[str, str]]:
    with ALIAS_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == ALIAS_COLUMNS
        return list(reader)


@pytest.mark.parametrize("alias", alias_registry(), ids=lambda a: a.ejaan)
def test_every_registry_alias_resolves_at_its_level(alias):
    level = BY_CODE[alias.kode_wilayah].tingkat
    assert RegionResolver(level).resolve(alias.ejaan) == alias.kode_wilayah
    assert RegionResolver(level).resolve(alias.ejaan.upper()) == alias.kode_wilayah
    assert alias.catatan  # the walidata says why the alias exists


def test_registry_has_no_duplicate_spellings_nor_unknown_codes():
    rows = _registry_rows()
    folded = [normalise_name(row["ejaan"]) for row in rows]
    assert len(folded) == len(set(folded))
    assert {row["kode_wilayah"] for row in rows} <= known_codes()
    assert check_aliases({row["ejaan"]: row["kode_wilayah"] for row in rows}) == []


@pytest.mark.parametrize(
    ("text", "level", "code"),
    [
        ("Kel. Tologowaru", "kelurahan", "35.73.03.1012"),  # prefix stripped, then the alias
        ("BANDHULAN", "kelurahan", "35.73.04.1008"),
        ("Purwontoro", "kelurahan", "35.73.01.1007"),
        ("Malang (Kota)", "kota", "35.73"),
        ("Tologowaru", "kecamatan", None),  # a kelurahan alias is not used at kecamatan level
    ],
)
def test_registry_aliases_apply_to_every_resolver_at_their_level(text, level, code):
    assert resolve_or_none(text, level) == code


@pytest.mark.parametrize(
    ("aliases", "level", "code"),
    [
        # The entry's own alias beats the registry's for the same spelling at the same level.
        ({"Tologowaru": "35.73.05.1003"}, "kelurahan", "35.73.05.1003"),
        # At another level it hides nothing: the kelurahan resolver keeps the registry's.
        ({"Tologowaru": "35.73.05"}, "kelurahan", "35.73.03.1012"),
        ({"Tologowaru": "35.73.05"}, "kecamatan", "35.73.05"),
        (None, "kelurahan", "35.73.03.1012"),
    ],
)
def test_entry_alias_beats_the_registry(aliases, level, code):
    assert RegionResolver(level, aliases=aliases).resolve("TOLOGO WARU") == code
    assert resolve_or_none("Tologowaru", level, aliases) == code


@pytest.mark.parametrize(
    ("aliases", "problem"),
    [
        (
            {"Tlgwaru": "35.73.03.9999"},
            "alias 'Tlgwaru' -> '35.73.03.9999': '35.73.03.9999' is not a region code in "
            "sources/wilayah_kota_malang.csv",
        ),
        (
            {"Kota Lama": "35.73.03.1001"},
            "alias 'Kota Lama' -> '35.73.03.1001': not needed, the normaliser already reads it "
            "as Kotalama (35.73.03.1001, kecamatan Kedungkandang)",
        ),
        (
            {"Blimbing": "35.73.01.1006"},
            "alias 'Blimbing' -> '35.73.01.1006': the spelling already names kelurahan "
            "Blimbing (35.73.01.1005, kecamatan Blimbing)",
        ),
        ({"--": "35.73.01"}, "alias '--' -> '35.73.01': the spelling has no letters"),
        (
            {"Bandhoelan": "35.73.04.1008", "BANDHOELAN": "35.73.04.1008"},
            "aliases 'Bandhoelan' and 'BANDHOELAN' are the same spelling once folded "
            "('bandhoelan') at kelurahan level; keep one",
        ),
    ],
)
def test_bad_entry_aliases_are_reported_and_refused(aliases, problem):
    assert check_aliases(aliases) == [problem]
    with pytest.raises(ValueError) as caught:
        RegionResolver("kelurahan", aliases=aliases)
    assert problem in str(caught.value)


def test_the_same_alias_spelling_may_name_a_kecamatan_and_a_kelurahan():
    assert check_aliases({"Soekoen": "35.73.04"}) == []
    assert check_aliases({"Soekoen": "35.73.04.1005"}) == []


def test_bad_registry_row_names_the_file_the_spelling_and_the_code(tmp_path):
    registry = tmp_path / "wilayah_alias.csv"
    registry.write_text(
        "ejaan,kode_wilayah,catatan\n"
        "Tologowaru,35.73.03.1012,vokal sisipan\n"
        "Soekoen,35.73.04.1099,ejaan lama\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as caught:
        load_aliases(registry)
    assert str(caught.value) == (
        f"{registry}: bad alias(es): line 3: alias 'Soekoen' -> '35.73.04.1099': "
        "'35.73.04.1099' is not a region code in sources/wilayah_kota_malang.csv"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "ejaan,kode\nX,35.73\n",
            "the columns must be ejaan,kode_wilayah,catatan; found ejaan,kode",
        ),
        ("ejaan,kode_wilayah,catatan\nKodya,35.73,\n", "`catatan` is empty; say why"),
        (
            "ejaan,kode_wilayah,catatan\nSoekoen,35.73.04,a\nSOEKOEN,35.73.04,b\n",
            "aliases 'Soekoen' and 'SOEKOEN' are the same spelling once folded",
        ),
    ],
)
def test_registry_format_problems(tmp_path, text, problem):
    registry = tmp_path / "wilayah_alias.csv"
    registry.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load_aliases(registry)


# --- Parent-scoped lookup (sub-header rows) -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parent", "code"),
    [
        ("Blimbing", "35.73.01", "35.73.01.1005"),  # the kelurahan named like its kecamatan
        ("Kel. Blimbing", "35.73.01", "35.73.01.1005"),
        ("Sukun", "35.73.04", "35.73.04.1005"),
        ("Kota Lama", "35.73.03", "35.73.03.1001"),
        ("Tologowaru", "35.73.03", "35.73.03.1012"),  # a registry alias
        ("35.73.02.1001", "35.73.02", "35.73.02.1001"),
        ("Arjosari", None, "35.73.01.1002"),
    ],
)
def test_parent_scoped_resolution(text, parent, code):
    assert RegionResolver("kelurahan").resolve(text, parent=parent) == code


@pytest.mark.parametrize(
    ("text", "parent", "message"),
    [
        (
            "Arjosari",
            "35.73.02",
            "kelurahan 'Arjosari' is in kecamatan Blimbing, not in kecamatan Klojen "
            "(the sub-header above it)",
        ),
        (
            "Blimbing",
            "35.73.04",
            "kelurahan 'Blimbing' is in kecamatan Blimbing, not in kecamatan Sukun "
            "(the sub-header above it)",
        ),
        (
            "3573010007",
            "35.73.05",
            "kelurahan '3573010007' is in kecamatan Kedungkandang, not in kecamatan Lowokwaru "
            "(the sub-header above it)",
        ),
    ],
)
def test_kelurahan_under_the_wrong_sub_header_raises(text, parent, message):
    resolver = RegionResolver("kelurahan")
    with pytest.raises(WrongParentError) as caught:
        resolver.resolve(text, parent=parent)
    assert str(caught.value) == message
    assert isinstance(caught.value, UnknownRegionError)  # callers catching that still work


def test_parent_and_no_parent_results_do_not_leak_through_the_cache():
    resolver = RegionResolver("kelurahan")
    assert resolver.resolve("Arjosari") == "35.73.01.1002"
    with pytest.raises(WrongParentError):
        resolver.resolve("Arjosari", parent="35.73.02")
    assert resolver.resolve("Arjosari", parent="35.73.01") == "35.73.01.1002"
    assert resolver.resolve("Arjosari") == "35.73.01.1002"


def test_a_name_used_in_two_kecamatan_is_resolved_by_its_sub_header(monkeypatch):
    # Kota Malang has no such kelurahan today; a reference update could bring one.
    two = {"kauman": ("35.73.02.1007", "35.73.04.1003")}
    monkeypatch.setattr(wilayah, "_name_index", lambda level: two)
    resolver = RegionResolver("kelurahan")
    assert resolver.resolve("Kauman", parent="35.73.04") == "35.73.04.1003"
    assert resolver.resolve("Kel. Kauman", parent="35.73.02") == "35.73.02.1007"
    with pytest.raises(AmbiguousRegionError) as caught:
        resolver.resolve("Kauman")
    assert str(caught.value) == (
        "region 'Kauman' names 2 kelurahan of Kota Malang (Kauman (35.73.02.1007, kecamatan "
        "Klojen), Kebonsari (35.73.04.1003, kecamatan Sukun)); give its code or the sub-header "
        "above it"
    )


@pytest.mark.parametrize(
    ("level", "parent"),
    [("kelurahan", "35.73.01.1005"), ("kelurahan", "Blimbing"), ("kecamatan", "35.73.01")],
)
def test_a_parent_must_be_a_code_one_level_up(level, parent):
    with pytest.raises(ValueError, match=r"parent .* expected a (kecamatan|kota) code"):
        RegionResolver(level).resolve("Blimbing", parent=parent)


def test_the_city_level_takes_no_parent():
    with pytest.raises(ValueError, match="the city has none"):
        RegionResolver("kota").resolve("Kota Malang", parent="35")


# --- Helpers for the parser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level", "code"),
    [
        ("KEC. BLIMBING", "kecamatan", "35.73.01"),
        ("Kecamatan Kedungkandang", "kecamatan", "35.73.03"),
        ("Jumlah", "kecamatan", None),
        ("", "kecamatan", None),
        (None, "kelurahan", None),
        ("Arjosari", "kelurahan", "35.73.01.1002"),
    ],
)
def test_resolve_or_none(text, level, code):
    assert resolve_or_none(text, level) == code


def test_resolve_or_none_refuses_a_bad_level():
    with pytest.raises(ValueError, match="is not one of"):
        resolve_or_none("Blimbing", "provinsi")
    assert set(LEVELS) == {"kota", "kecamatan", "kelurahan"}


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Kota Malang", True),
        ("KOTA MALANG", True),
        ("Malang (Kota)", True),
        ("Kota Malang*", True),
        ("Kota Malang *", True),
        ("35.73", True),
        ("3573", True),
        (3573, True),
        ("Kodya Malang", True),
        ("Kabupaten Malang", False),
        ("Kab. Malang", False),
        ("Malang", False),  # also Kabupaten Malang (35.07)
        ("35.07", False),
        ("Jumlah", False),
        ("Blimbing", False),
        ("", False),
        (None, False),
    ],
)
def test_is_city(text, city):
    assert is_city(text) is city


def test_kode_kecamatan_is_the_kecamatan_each_region_lies_in():
    from sources.wilayah import reference_frame

    frame = reference_frame().set_index("kode_wilayah")
    kecamatan = frame[frame["tingkat"] == "kecamatan"]
    assert len(kecamatan) == 5
    assert (kecamatan["kode_kecamatan"] == kecamatan.index).all(), "a kecamatan is its own"
    kelurahan = frame[frame["tingkat"] == "kelurahan"]
    assert (kelurahan["kode_kecamatan"] == kelurahan["kode_induk"]).all()
    assert frame.loc["35.73", "kode_kecamatan"] is pd.NA
