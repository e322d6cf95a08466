"""The personal-data guard: detectors as case tables, masking, and scan_frame's report."""

import numpy as np
import pandas as pd
import pytest

from quality.pii import mask_text, scan_frame
from quality.pii_detect import (
    column_label,
    find_in_text,
    id_number_kind,
    is_person_column,
    looks_like_names,
)

NIK_WOMAN = "3573014506900003"  # Blimbing (35.73.01), 05-06-1990, day + 40
NIK_MAN = "3201010101850007"  # Kab. Bogor (32.01), 01-01-1985


@pytest.mark.parametrize(
    ("digits", "label", "kind"),
    [
        (NIK_WOMAN, None, "nik"),
        (NIK_MAN, None, "nik"),
        ("3573093003900001", None, None),  # kecamatan 09 does not exist in Kota Malang
        ("9973014506900003", None, None),  # province 99 does not exist
        ("3573013202900003", None, None),  # 32 February
        ("3573017506900003", None, None),  # day 75 - 40 = 35
        ("3573014506900000", None, None),  # serial 0000
        ("1234567890123456", None, None),  # a budget, not a NIK
        ("3573010000000000", None, None),  # an indicator value
        ("357301450690003", None, None),  # 15 digits
        # Labelled (the column name, or a word before it): any 16 digits, typos included.
        ("3573010101200005", "no_kk", "no_kk"),  # KK issued 01-01-2020
        ("3573015213900007", "nik", "nik"),  # day 52 - 40 = 12, month 13: a typo
        ("3573013202900003", "nik", "nik"),  # 32 February
        ("9973014506900000", "no_kk", "no_kk"),  # no such province, serial 0000: a test KK
        ("357301450690003", "nik", None),  # still 16 digits
    ],
)
def test_nik_and_kk_need_a_real_region_and_a_plausible_date_unless_labelled(digits, label, kind):
    assert id_number_kind(digits, label=label) == kind


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
    ],
)
def test_text_detectors(text, found):
    assert [(kind, masked) for kind, _, masked in find_in_text(text)] == found


# Issue 11, case 8: what must be found ...
MUST_FIND = [
    # A labelled NIK or KK is personal data whatever its digits.
    ("NIK 3573015213900007", [("nik", "3573************")]),  # birth date 52-13-90
    ("nik: 3573013202900003", [("nik", "3573************")]),  # 32 February
    ("Nomor Induk Kependudukan: 3573015213900007", [("nik", "3573************")]),
    ("nomor induk 1234567890123456", [("nik", "1234************")]),  # a test NIK
    ("No. KK 3573010101200005", [("no_kk", "3573************")]),
    ("no kk 3573019999990000", [("no_kk", "3573************")]),  # no date, serial 0000
    ("Kartu Keluarga 3573 0101 0120 0005", [("no_kk", "3573************")]),
    # The nearest label decides, for each number.
    (
        "NIK: 3573015213900007; No. KK 3573010101200005",
        [("nik", "3573************"), ("no_kk", "3573************")],
    ),
    # A NIK read as a number and printed as a float, e.g. in a rule's message.
    (f"out of range: {NIK_WOMAN}.0 (baris 8)", [("nik", "3573************")]),
    # Landlines with an area code.
    ("0341 551234", [("telepon", "0341****34")]),
    ("telp (0341) 551234", [("telepon", "0341****34")]),
    ("0341-551234", [("telepon", "0341****34")]),
    ("+62 341 551234", [("telepon", "+6234*****34")]),
    ("(021) 555 1234", [("telepon", "0215****34")]),
    ("0341.551234/0341-551235", [("telepon", "0341****34"), ("telepon", "0341****35")]),
]
# ... and what must not (numbers an indicator table is full of).
MUST_NOT_FIND = [
    "3573010000000000",  # an unlabelled indicator value: no date, serial 0000
    "3573015213900007",  # unlabelled and no valid date: the stricter rule
    "1234567890123456",  # a 16-digit budget
    "3573010001",  # a BPS 10-digit region code (kelurahan)
    "35.73.01.1001",  # a Kemendagri region code
    "2023",
    "2022-2023",
    "2023-01-05",
    "05-06-1990",
    "20230105",
    "1.234.567.890",  # money
    "Rp 62.341.551.234",  # money that starts like +62
    "1,234,567,890.50",
    "12.345.678,90",
    "0,0341",
    "0341-5512",  # too short for a phone number
    "kode pos 65111",
    "Teknik 3573015213900007",  # "nik" inside a word is no label
    f"{NIK_WOMAN}.5",  # a decimal number, not a NIK
]


@pytest.mark.parametrize(("text", "found"), MUST_FIND)
def test_labelled_numbers_and_landlines_are_found(text, found):
    assert [(kind, masked) for kind, _, masked in find_in_text(text)] == found
    masked = mask_text(text)
    for _, raw, _ in find_in_text(text):
        assert raw not in masked


@pytest.mark.parametrize("text", MUST_NOT_FIND)
def test_ordinary_numbers_are_not_personal_data(text):
    assert find_in_text(text) == []


@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("nik", "nik"),
        ("NIK Pemohon", "nik"),
        ("nomor_induk_kependudukan", "nik"),
        ("No. KK", "no_kk"),
        ("nomor_kk", "no_kk"),
        ("Kartu Keluarga", "no_kk"),
        ("teknik", None),
        ("nilai", None),
        ("kode_wilayah", None),
    ],
)
def test_column_names_label_their_numbers(column, label):
    assert column_label(column) == label


def test_a_labelled_column_holds_personal_data_whatever_its_digits():
    typo = "3573015213900007"
    df = pd.DataFrame(
        {
            "NIK": [typo, None],
            "no_kk": [float("3573019999990001"), 1.0],
            "nilai": [float(typo), 2.0],  # unlabelled: the stricter rule
        }
    )
    report = scan_frame(df, table="t")
    assert [(f.column, f.kind, f.count) for f in report.findings] == [
        ("NIK", "nik", 1),
        ("no_kk", "no_kk", 1),
    ]


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


def test_the_agency_header_of_a_renamed_column_labels_it():
    """The notes column's header ("NIK Pelapor") is gone from the tidy rows (`catatan`), but
    the gate passes it on: a mistyped NIK there is still found, and names are judged."""
    typo = "3573015213900007"
    df = pd.DataFrame({"catatan": [typo, "Budi Santoso", "Siti Aminah"]})
    assert scan_frame(df).passed
    report = scan_frame(df, headers={"catatan": "NIK / Nama Pelapor"})
    assert [(f.column, f.kind, f.count) for f in report.findings] == [
        ("catatan", "nik", 1),
        ("catatan", "nama", 2),
    ]
