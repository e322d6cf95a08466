"""What a spreadsheet file really is, whatever its name says, and how to open it.

Agency, BPS and ministry files named .xls or .xlsx hold one of: an Office Open XML workbook (a
zip), an Excel 97-2003 workbook (BIFF in an OLE2 container, magic bytes D0 CF 11 E0), an HTML
table saved by a website's "download as Excel", or an Excel 2003 XML Spreadsheet. The landing
folder keeps every workbook as `<sha256>.xlsx`, so readers go by the first bytes, never by the
name. python-calamine reads the first two; sources/html_tables.py the HTML; the last is refused
with the fix.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Literal

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 64 * 1024
_HTML = re.compile(
    rb"^\s*(<!doctype\s+html|<html|<head|<body|<table|<meta|<title|<style|<!--"
    rb"|<\?xml[^>]*>\s*<html)",
    re.I,
)
_SPREADSHEET_ML = re.compile(
    rb"<\?mso-application[^>]*Excel\.Sheet|<(ss:)?Workbook[^>]*urn:schemas-microsoft-com:"
    rb"office:spreadsheet",
    re.I,
)
_ENCRYPTED_PACKAGE = ("EncryptionInfo".encode("utf-16-le"), b"EncryptedPackage")

Format = Literal["xlsx", "xls", "html", "spreadsheetml", "other"]

ENCRYPTED = "the workbook is password-protected (encrypted), so it cannot be read"
ENCRYPTED_FIX = (
    "ask the agency for an unprotected copy (File > Info > Protect Workbook > remove the "
    "password) and save it as .xlsx"
)
SAVE_AS_XLSX = (
    "open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook), or ask the agency "
    "for an .xlsx copy"
)


class ContentError(Exception):
    """Content refused before or while reading: the problem and the fix, for a SourceError."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def real_format(head: bytes) -> Format:
    """What the file whose first bytes are `head` is: "xlsx" (a zip), "xls" (OLE2, which also
    holds encrypted xlsx: see `encrypted_package`), "html", "spreadsheetml" or "other"."""
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith(OLE2):
        return "xls"
    body = head.removeprefix(b"\xef\xbb\xbf")
    if _SPREADSHEET_ML.search(body[:4096]):
        return "spreadsheetml"
    if _HTML.match(body):
        return "html"
    return "other"


def head_of(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


def encrypted_package(head: bytes) -> bool:
    """An xlsx saved with a password: Office wraps it in an OLE2 file with these streams."""
    return any(marker in head for marker in _ENCRYPTED_PACKAGE)


def open_workbook(path: Path, fmt: Format):
    """A python-calamine workbook of the xlsx or xls file at `path`, whatever its name ends in
    (calamine picks its reader by the extension, which also gives the clearest errors).

    Raises ContentError for a password-protected workbook, an OLE2 file that holds no
    workbook (a Word .doc), or damage."""
    import python_calamine

    suffix = ".xls" if fmt == "xls" else ".xlsx"
    try:
        if path.suffix.lower() == suffix or (fmt == "xlsx" and path.suffix.lower() == ".xlsm"):
            return python_calamine.CalamineWorkbook.from_path(str(path))
        with tempfile.TemporaryDirectory(prefix="kotapintar-") as folder:
            alias = Path(folder) / f"workbook{suffix}"
            alias.symlink_to(path.resolve())
            # The reader keeps its open file, not the name: the alias may go.
            return python_calamine.CalamineWorkbook.from_path(str(alias))
    except python_calamine.PasswordError:
        raise ContentError(ENCRYPTED, ENCRYPTED_FIX) from None
    except Exception as exc:  # calamine raises its own types for zip/xml/cfb damage
        raise _unreadable(fmt, exc) from None


def _unreadable(fmt: Format, exc: Exception) -> ContentError:
    said = f"{type(exc).__name__}: {exc}"
    if fmt == "xls" and "Workbook stream" in str(exc):
        return ContentError(
            f"the file is an old Office (OLE2) document but holds no Excel workbook ({said})",
            "check that `location` points at the Excel file, not a Word or other Office "
            "document; or ask the agency for the table as .xlsx",
        )
    if fmt == "xls":
        return ContentError(
            f"the Excel 97-2003 workbook (.xls) cannot be read: it is damaged or of a kind no "
            f"reader here supports ({said})",
            SAVE_AS_XLSX,
        )
    return ContentError(
        f"the workbook cannot be opened ({said})",
        "check that the file is a complete, unencrypted .xlsx; download or export it again",
    )


def spreadsheetml_error() -> ContentError:
    return ContentError(
        "the file is an Excel 2003 XML Spreadsheet (SpreadsheetML), which no reader here supports",
        SAVE_AS_XLSX,
    )
