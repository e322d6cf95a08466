"""The personal-data guard: detectors as case tables, masking, and scan_frame's report."""

import numpy as np
import pandas as pd
import pytest

from quality.pii import mask_text, scan_frame
from quality.pii_detect import find_in_text, id_number_kind, is_person_column, looks_like_names

NIK_WOMAN = "3573014506900003"  # Blimbing (35.73.01), 05-06-1990, day + 40
NIK_MAN = "3201010101850007"  # Kab. Bogor (32.01), 01-01-1985


@pytest.mark.parametrize(
    ("digits", "kk_hint", "kind"),
    [
        (NIK_WOMAN, False, "nik"),
        (NIK_MAN, False, "nik"),
        ("3573010101200005", True, "no_kk"),  # KK issued 01-01-2020, named by its column
        ("3573093003900001", False, None),  # kecamatan 09 does not exist in Kota Malang
        ("9973014506900003", False, None),  # province 99 does not exist
        ("3573013202900003", False, None),  # 32 February
        ("3573017506900003", False, None),  # day 75 - 40 = 35
        ("3573014506900000", False, None),  # serial 0000
        ("1234567890123456", False, None),  # a budget, not a NIK
        ("357301450690003", False, None),  # 15 digits
    ],
)
def test_nik_and_kk_need_a_real_region_and_a_plausible_date(digits, kk_hint, kind):
    assert id_number_kind(digits, kk_hint=kk_hint) == kind


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"NIK {NIK_WOMAN}", [("nik", "3573************")]),
        ("NIK 3573 0145 0690 0003", [("nik", "3573************")]),
        ("No. KK 3573010101200005", [("no_kk", "3573************")]),
        ("hubungi 0812-3456-7890", [("telepon", "0812******90")]),
        ("WA 081234567890", [("telepon", "0812******90")]),
        ("+62 812 3456 7890", [("telepon", "+6281*******90")]),
        ("kantor +62 341 551234", [("telepon", "+6234*****34")]),
        ("surel budi.santoso@gmail.com", [("email", "b***@gmail.com")]),
        ("Rp 12.345.678.901", []),
        ("tidak tersedia (…)", []),
        ("Faskes 2023!D7", []),
        ("baris 7, kolom 3", []),
        ("2023-Q1", []),
        ("0341-551234", []),  # a landline without +62: an office, not a person
    ],
)
def test_text_detectors(text, found):
    assert [(kind, masked) for kind, _, masked in find_in_text(text)] == found


@pytest.mark.parametrize(
    "identifier",
    [
        # sha256 and UUIDs the pipeline writes in every row of meta_muat: before the whole-token
        # rule these read as a phone number and a NIK and blocked the nightly snapshot.
        "08744533991c91e7b961131e571981624fbf191570889ed0a699f083e55963bd",
        f"ab{NIK_WOMAN}cd",
        f"{NIK_WOMAN[:8]}-{NIK_WOMAN[8:12]}-{NIK_WOMAN[12:]}-8123-1234567890ab",
        "muat_081234567890_v2",
        "kode 0812345678901.2",
    ],
)
def test_digits_inside_a_longer_identifier_are_not_personal_data(identifier):
    assert find_in_text(identifier) == []


def test_random_hashes_and_uuids_never_look_like_personal_data():
    rng = np.random.default_rng(7)
    values = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(20_000)]
    assert [v for v in values if find_in_text(v)] == []


def test_numbers_next_to_punctuation_are_still_found():
    found = find_in_text(f"NIK:{NIK_WOMAN}. HP 08123456789/08129876543")
    assert [kind for kind, *_ in found] == ["nik", "telepon", "telepon"]


def test_mask_text_hides_every_hit_and_keeps_the_rest():
    text = f"NIK {NIK_WOMAN}, telp 0812-3456-7890, budi@example.org; nilai 12,5"
    assert (
        mask_text(text) == "NIK 3573************, telp 0812******90, b***@example.org; nilai 12,5"
    )


@pytest.mark.parametrize(
    ("column", "person"),
    [
        ("nama", True),
        ("Nama Lengkap", True),
        ("nama_pemohon", True),
        ("pelapor", True),
        ("nama_wilayah", False),
        ("nama_indikator", False),
        ("produsen", False),
    ],
)
def test_person_columns_by_name(column, person):
    assert is_person_column(column) is person


def test_names_need_most_values_to_look_like_names():
    assert looks_like_names(["Budi Santoso", "Siti Nur Aisyah", "Ahmad"]) == [
        "Budi Santoso",
        "Siti Nur Aisyah",
    ]
    assert looks_like_names(["Blimbing", "Klojen", "Kota Malang", "Sukun"]) == []


def test_scan_frame_reports_column_kind_count_and_masked_examples():
    df = pd.DataFrame(
        {
            "nik": [NIK_WOMAN, NIK_MAN, None, NIK_WOMAN],
            "catatan": ["hubungi 0812-3456-7890", None, "tidak tersedia", "ok"],
            "nama_pelapor": ["Budi Santoso", "Siti Aminah", "Dewi Lestari", None],
            "nilai": [1.0, 2.0, 3.0, float(NIK_MAN)],
            "lokasi": ["S!A2", "S!A3", "S!A4", "S!A5"],
        }
    )
    report = scan_frame(df, table="t")
    assert not report.passed
    found = {(f.column, f.kind): f for f in report.findings}
    assert set(found) == {
        ("nik", "nik"),
        ("catatan", "telepon"),
        ("nama_pelapor", "nama"),
        ("nilai", "nik"),
    }
    nik = found["nik", "nik"]
    assert (nik.count, nik.examples, nik.places) == (
        3,
        ["3573************", "3201************"],
        ["S!A2", "S!A3", "S!A5"],
    )
    assert found["nilai", "nik"].positions.tolist() == [3]
    assert found["nama_pelapor", "nama"].examples == ["B*** S***", "S*** A***", "D*** L***"]
    summary = report.summary()
    assert summary.splitlines()[0] == "t: personal data found, publication blocked:"
    assert "- catatan: 1 row(s) with a phone number (e.g. 0812******90) at S!A2" in summary
    for secret in (NIK_WOMAN, NIK_MAN, "3456-7890", "Budi Santoso"):
        assert secret not in summary and secret not in str(report.as_dict())


def test_allow_list_excuses_a_column_with_its_reason():
    df = pd.DataFrame({"kontak": ["+62 341 551234"], "catatan": ["0812-3456-7890"]})
    report = scan_frame(df, allow={"kontak": "nomor telepon kantor dinas, bukan pribadi"})
    assert [(f.column, f.allowed_reason is not None) for f in report.findings] == [
        ("kontak", True),
        ("catatan", False),
    ]
    assert [f.column for f in report.blocking] == ["catatan"]


def test_source_allow_list_follows_its_rows_into_shared_tables():
    df = pd.DataFrame(
        {
            "sumber_id": ["a", "b"],
            "catatan": ["kantor +62 341 551234", "kantor +62 341 551235"],
        }
    )
    report = scan_frame(df, source_allow={"a": {"catatan": "nomor kantor kecamatan, publik"}})
    assert [(f.count, f.allowed_reason) for f in report.findings] == [
        (1, "nomor kantor kecamatan, publik"),
        (1, None),
    ]
    assert not report.passed


def test_clean_tables_pass_quickly_on_many_rows():
    rows = 200_000
    df = pd.DataFrame(
        {
            "lokasi": pd.array([f"Sheet!D{i}" for i in range(rows)], dtype="string"),
            "catatan": pd.array(np.where(np.arange(rows) % 7, None, "tidak tersedia"), "string"),
            "nilai": np.random.default_rng(0).normal(100, 10, rows),
        }
    )
    report = scan_frame(df, table="big")
    assert report.passed and report.summary() == "big: no personal data in 200000 rows."


def test_skipped_columns_are_not_scanned_but_still_locate_hits():
    frame = pd.DataFrame(
        {
            "catatan": ["hubungi 0812-3456-7890", None],
            "lokasi": ["Data!B2", "budi@example.com"],
        }
    )
    report = scan_frame(frame, skip=("lokasi",))
    assert [(f.column, f.count) for f in report.findings] == [("catatan", 1)]
    assert report.findings[0].places == ["Data!B2"]
