"""Region names as agencies write them, resolved to Kemendagri codes at the declared level."""

import pytest

from sources.wilayah import RegionResolver, UnknownRegionError, known_codes, reference_frame


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
    ],
)
def test_resolves_spelling_variants(text, level, code):
    assert RegionResolver(level).resolve(text) == code


def test_unknown_name_names_the_closest_known_names():
    with pytest.raises(UnknownRegionError) as caught:
        RegionResolver("kecamatan").resolve("Kedung Kandung")
    assert str(caught.value) == (
        "region 'Kedung Kandung' is not a known kecamatan of Kota Malang "
        "(closest known: Kedungkandang)"
    )


def test_kelurahan_is_not_accepted_at_kecamatan_level():
    with pytest.raises(UnknownRegionError):
        RegionResolver("kecamatan").resolve("Arjosari")


def test_reference_has_city_five_kecamatan_and_57_kelurahan_as_text():
    frame = reference_frame()
    assert frame["tingkat"].value_counts().to_dict() == {"kelurahan": 57, "kecamatan": 5, "kota": 1}
    assert all(isinstance(code, str) for code in frame["kode_wilayah"])
    assert len(known_codes()) == 63
    kecamatan = frame[frame["tingkat"] == "kecamatan"]
    assert kecamatan["kode_bps"].notna().all()
