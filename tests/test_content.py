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
        (
            OLE2 + b"\x00" * 512,
            "the Excel 97-2003 workbook (.xls) cannot be read: it is damaged or of a kind no "
            "reader here supports (CalamineError: Cfb error: Invalid sector shift, expecting "
            "0x09 or 0x0C found 0)",
        ),
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


def lying_zip(path, declared: int, real: bytes = b"0" * (8 * 1024 * 1024)):
    """A workbook-shaped zip whose sheet part declares `declared` bytes but inflates to
    `real` (the size fields patched in the local header and the central directory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", real)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    size = len(real).to_bytes(4, "little")
    local = data.index(name) - 30  # the first occurrence: the part's local header
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # its central directory entry
    assert data[local + 22 : local + 26] == size and data[central + 24 : central + 28] == size
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def test_zip_bomb_whose_headers_lie_is_refused_by_what_it_inflates_to(tmp_path):
    # Declared 1,000 bytes: the size and ratio limits alone would let it through.
    error = refused(lying_zip(tmp_path / "bomb.xlsx", declared=1000))
    assert error.problem.startswith(
        "the workbook's part 'xl/worksheets/sheet1.xml' unpacks to more than the 1,000 bytes "
        "its zip header declares (at least "
    )
    assert error.problem.endswith("refused as a possible zip bomb")
    assert "split the workbook" in error.fix


def test_a_part_smaller_than_declared_is_damaged(tmp_path):
    path = lying_zip(tmp_path / "short.xlsx", declared=9_000_000)
    assert refused(path).problem == (
        "the workbook cannot be opened: it is damaged or truncated (part "
        "'xl/worksheets/sheet1.xml' unpacks to 8,388,608 of the 9,000,000 bytes its zip header "
        "declares)"
    )


UTF16_CSV = "Kecamatan;Jumlah\r\nKedungkandang;1\r\nSukun;2\r\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (UTF16_CSV.encode("utf-16"), "utf-16"),  # with BOM (Excel "Unicode Text")
        (UTF16_CSV.encode("utf-16-be"), "utf-16-be"),
        (UTF16_CSV.encode("utf-16-le"), "utf-16-le"),
        (
            ("Kelurahan;Keterangan\n" + "Bunulrejo;Jalan – Utara\n" * 5).encode("utf-16-le"),
            "utf-16-le",
        ),
    ],
)
def test_utf16_csv_is_read_not_called_binary(tmp_path, raw, encoding):
    path = write(tmp_path, raw, "x.csv")
    assert detect_encoding(path) == encoding
    sniffed = check_content(path, "csv")
    assert (sniffed.encoding, sniffed.delimiter) == (encoding, ";")
    assert check_content(path, "csv", encoding="utf-16").encoding == "utf-16"


def test_utf16_csv_under_another_declared_encoding_is_named(tmp_path):
    path = write(tmp_path, UTF16_CSV.encode("utf-16"), "x.csv")
    with pytest.raises(ContentError) as caught:
        check_content(path, "csv", encoding="cp1252")
    assert caught.value.problem == (
        "the file is UTF-16 text; save it as UTF-8 or set `parse.encoding: utf-16` "
        "(it is set to 'cp1252')"
    )


def test_a_utf16_csv_parses_like_its_utf8_twin(tmp_path):
    import yaml

    from sources.catalog import parse_entry
    from sources.parse import parse_landing

    data = yaml.safe_load((REPO_ROOT / "sources/catalog/diskopindag_umkm.yaml").read_text("utf-8"))
    data["parse"]["encoding"] = "auto"
    entry = parse_entry(data, "sources/catalog/diskopindag_umkm.yaml")
    sample = REPO_ROOT / "sources/samples/diskopindag_umkm.SAMPLE.csv"
    text = sample.read_bytes().decode(detect_encoding(sample))
    utf16 = write(tmp_path, text.encode("utf-16"), "umkm.csv")
    expected = parse_landing(entry, sample).tidy
    got = parse_landing(entry, utf16).tidy
    assert got.drop(columns="lokasi").equals(expected.drop(columns="lokasi"))
    assert got["lokasi"].tolist() == expected["lokasi"].tolist()


# -- files as websites and old offices save them (tests/test_file_formats.py reads them) -------

AGENCY_FILES = REPO_ROOT / "tests/agency_files/files"
BPS_HTML = AGENCY_FILES / "bps_penduduk_html.SAMPLE.xls"
BIFF = AGENCY_FILES / "dinkes_nakes_xls.SAMPLE.xls"


def test_each_workbook_passes_as_what_it_really_is(tmp_path):
    assert check_content(XLSX, "xlsx").format == "xlsx"
    assert check_content(BIFF, "xlsx").format == "xls"
    assert check_content(BPS_HTML, "xlsx").format == "html"
    # A landing keeps every workbook as .xlsx: the bytes decide, not the name.
    renamed = write(tmp_path, BPS_HTML.read_bytes(), "0123.xlsx")
    assert check_content(renamed, "xlsx").format == "html"


def test_a_login_page_laid_out_in_a_table_is_still_refused(tmp_path):
    page = (
        b"<!DOCTYPE html><html><head><title>Masuk - Satu Data</title></head><body><form><table>"
        b"<tr><td>Username</td><td><input name=u></td></tr>"
        b"<tr><td>Password</td><td><input type=password></td></tr></table></form></body></html>"
    )
    error = refused(write(tmp_path, page))
    assert error.problem == (
        "the server sent an HTML page titled 'Masuk - Satu Data' instead of the xlsx file"
    )
    assert error.fix.startswith("the URL probably leads to a login or error page now")


def test_an_html_table_where_a_csv_is_expected_says_which_kind_reads_it(tmp_path):
    error = refused(write(tmp_path, BPS_HTML.read_bytes()), "csv")
    assert error.problem == (
        "the file is an HTML page with a table of figures (table 2 (9 rows x 5 columns, "
        "'Tabel 3.1.2 Jumlah Penduduk menurut Kecamatan dan Jenis Kela')), as a website's "
        '"download as Excel" saves it, not a csv file'
    )
    assert error.fix == (
        "set `kind: xlsx` (it reads HTML tables too) and `parse.table` in the catalog"
    )


def test_an_excel_2003_xml_spreadsheet_is_refused_with_what_it_is(tmp_path):
    xml = (
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    )
    error = refused(write(tmp_path, xml))
    assert error.problem == (
        "the file is an Excel 2003 XML Spreadsheet (SpreadsheetML), which no reader here supports"
    )
    assert error.fix.startswith("open it in Excel or LibreOffice and save it as .xlsx")
