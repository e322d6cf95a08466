"""Content checks before parsing: what arrived is refused, with a message quoting it, unless it
plausibly is the declared kind; CSV encoding and delimiter detection."""

from __future__ import annotations

import random
import zipfile

import pytest

from sources import content
from sources.catalog import REPO_ROOT
from sources.content import ContentError, check_content
from sources.textsniff import detect_delimiter, detect_encoding, is_utf8

XLSX = REPO_ROOT / "sources/samples/dinkes_faskes.SAMPLE.xlsx"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def refused(path, expected="xlsx") -> ContentError:
    with pytest.raises(ContentError) as caught:
        check_content(path, expected)
    return caught.value


def write(tmp_path, data: bytes, name="f.bin"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_real_workbook_passes():
    assert check_content(XLSX, "xlsx").encoding is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty (0 bytes)"),
        (
            b"\xef\xbb\xbf  <html><head><title>\n Sesi berakhir </title>",
            "the server sent an HTML page titled 'Sesi berakhir' instead of the xlsx file",
        ),
        (
            b"<!doctype html><p>no title",
            "the server sent an HTML page (no title) instead of the xlsx file",
        ),
        (
            b'{"error": {"message": "Resource not found", "code": 404}}',
            "the server sent a JSON body instead of the xlsx file: 404: Resource not found",
        ),
        (b'["a", "b"]', 'the server sent a JSON body instead of the xlsx file: ["a", "b"]'),
        (
            OLE2 + b"\x00" * 64 + "EncryptionInfo".encode("utf-16-le"),
            "the workbook is password-protected (encrypted), so it cannot be read",
        ),
        (OLE2 + b"\x00" * 512, "the file is a legacy Excel 97-2003 workbook (.xls), not .xlsx"),
        (b"%PDF-1.7 ...", "the file is not an xlsx workbook (it starts with '%PDF-1.7 ...')"),
    ],
)
def test_what_is_not_a_workbook_is_refused_with_what_it_is(tmp_path, data, problem):
    assert refused(write(tmp_path, data)).problem == problem


def test_truncated_workbook_is_refused_as_damaged(tmp_path):
    data = XLSX.read_bytes()
    error = refused(write(tmp_path, data[: len(data) // 2]))
    assert error.problem.startswith("the workbook cannot be opened: it is damaged or truncated (")
    assert "download or export it again" in error.fix


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    assert refused(path).problem == (
        "the file is a zip archive but not an xlsx workbook (no [Content_Types].xml)"
    )


def test_zip_bomb_is_refused_by_size_and_ratio(tmp_path, monkeypatch):
    # Real limits are 1 GiB and 200x above 50 MB; shrink them rather than write a bomb.
    monkeypatch.setattr(content, "MAX_UNCOMPRESSED", 10 * 1024 * 1024)
    monkeypatch.setattr(content, "RATIO_APPLIES_ABOVE", 1024 * 1024)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (5 * 1024 * 1024))
    error = refused(path)
    assert error.problem.startswith("the workbook unpacks to 5,242,888 bytes from ")
    assert error.problem.endswith("refused as a possible zip bomb")


def test_csv_that_is_a_workbook_is_refused(tmp_path):
    error = refused(write(tmp_path, XLSX.read_bytes()), "csv")
    assert error.problem == "the file is binary (a workbook or zip?), not a CSV text file"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"Kecamatan;Jumlah\nKedungkandang;1\n", "utf-8"),
        ("\ufeffKecamatan;Jumlah\n".encode(), "utf-8-sig"),
        ("Kelurahan;Keterangan\nBunulrejo;Jalan Raya – Ruas ‘Utara’\n".encode("cp1252"), "cp1252"),
        (b"Kelurahan;Keterangan\nBunulrejo;\x81\xe9\n", "latin-1"),
    ],
)
def test_encoding_is_detected(tmp_path, raw, encoding):
    assert detect_encoding(write(tmp_path, raw, "x.csv")) == encoding


def test_utf8_check_agrees_with_pythons_decoder():
    def decodes(raw: bytes) -> bool:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    tricky = [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5,
              0xFF, 0x9F, 0xA0]  # fmt: skip
    rng = random.Random(7)
    samples = [b"", "Kedungkandang – ‘Utara’ …".encode(), b"\xed\xa0\x80", b"\xc0\xaf"]
    samples += [bytes(rng.choice(tricky) for _ in range(rng.randrange(1, 7))) for _ in range(20000)]
    for raw in samples:
        assert is_utf8(raw) == decodes(raw), raw


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ('Kecamatan,Laki,Perempuan\nSukun,"1,5",2\nKlojen,3,4\n', ","),
        ("DATA CONTOH\nKecamatan;Laki;Perempuan\nSukun;1,5;2\nKlojen;3;4\n", ";"),
        ("Kecamatan\tLaki\tPerempuan\nSukun\t1\t2\n", "\t"),
        ("only one column\nand another line\n", ","),
    ],
)
def test_delimiter_is_detected(text, delimiter):
    assert detect_delimiter(text) == delimiter


def test_csv_check_reports_what_it_detected(tmp_path):
    path = write(tmp_path, "Kecamatan;Jumlah\nSukun;1.234,5\n".encode("cp1252"), "x.csv")
    sniffed = check_content(path, "csv")
    assert (sniffed.encoding, sniffed.delimiter) == ("utf-8", ";")
    declared = check_content(path, "csv", encoding="latin-1", delimiter=",")
    assert (declared.encoding, declared.delimiter) == ("latin-1", ",")
