"""Look at a landed file before any parser does: is it what the catalog says it is?

Agency servers answer 200 with a login page, a portal answers with a JSON error, a workbook
arrives encrypted, truncated or as a zip bomb. Each is refused here with a message quoting what
came instead (the page title, the error text), so the parser only ever sees plausible input.
CSV files also get their encoding and delimiter detected here when the catalog says `auto`.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sources.textsniff import detect_delimiter, detect_encoding

__all__ = ["ContentError", "Sniffed", "check_content", "detect_delimiter", "detect_encoding"]

# xlsx are zips; real ones inflate 5-20x. A bomb is small on disk and huge in memory (calamine
# reads whole parts), so cap both the total and the ratio of what the archive claims.
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_RATIO = 200
RATIO_APPLIES_ABOVE = 50 * 1024 * 1024
_HEAD = 64 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.I)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


class ContentError(Exception):
    """Content refused before parsing: the problem and the fix, for a SourceError."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


@dataclass(frozen=True)
class Sniffed:
    """What the check learned: for CSV the encoding and delimiter to read it with."""

    encoding: str | None = None
    delimiter: str | None = None


def check_content(
    path: Path, expected: str, *, encoding: str = "auto", delimiter: str | None = None
) -> Sniffed:
    """Refuse `path` unless it plausibly is an `expected` ("xlsx" or "csv") file.

    Raises ContentError for an empty file, an HTML page or JSON body where a file was expected,
    a legacy .xls or encrypted workbook, a damaged zip, or a zip bomb."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if not head:
        raise ContentError(
            "the file is empty (0 bytes)",
            "ask the agency to re-upload the file; the last good data stays published",
        )
    _refuse_web_answers(head, expected)
    if expected == "xlsx":
        _check_xlsx(path, head)
        return Sniffed()
    if expected == "csv":
        return _check_csv(path, head, encoding, delimiter)
    return Sniffed()


def _refuse_web_answers(head: bytes, expected: str) -> None:
    body = head.removeprefix(b"\xef\xbb\xbf")
    if _HTML.match(body):
        title = _TITLE.search(body)
        said = f" titled {_clean(title.group(1))!r}" if title else " (no title)"
        raise ContentError(
            f"the server sent an HTML page{said} instead of the {expected} file",
            "the URL probably leads to a login or error page now; open it in a browser, "
            "then fix `location` in the catalog or ask the agency for a direct download link",
        )
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        raise ContentError(
            f"the server sent a JSON body instead of the {expected} file: {_json_error(stripped)}",
            "the URL is an API answer, not the file; check `location` (or the resource URL)",
        )


def _json_error(body: bytes) -> str:
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return repr(_clean(body[:160]))
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            kind = error.get("__type") or error.get("type") or error.get("code")
            text = error.get("message") or error.get("detail") or error.get("msg")
            if kind or text:
                return ": ".join(str(p) for p in (kind, text) if p)
        elif error:
            return str(error)[:200]
    return json.dumps(data, ensure_ascii=False)[:200]


def _check_xlsx(path: Path, head: bytes) -> None:
    if head.startswith(_OLE2):
        if "EncryptionInfo".encode("utf-16-le") in head or b"EncryptedPackage" in head:
            raise ContentError(
                "the workbook is password-protected (encrypted), so it cannot be read",
                "ask the agency for an unprotected copy (File > Info > Protect Workbook > "
                "remove the password) and save it as .xlsx",
            )
        raise ContentError(
            "the file is a legacy Excel 97-2003 workbook (.xls), not .xlsx",
            "ask the agency to save it as .xlsx (Excel Workbook), or convert it once and "
            "point `location` at the .xlsx",
        )
    if not head.startswith(b"PK"):
        raise ContentError(
            f"the file is not an xlsx workbook (it starts with {_clean(head[:16])!r})",
            "check that `location` points at the .xlsx file, or fix `kind` in the catalog",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ContentError(
            f"the workbook cannot be opened: it is damaged or truncated ({exc})",
            "check that the file is a complete, unencrypted .xlsx; download or export it again",
        ) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        raise ContentError(
            "the file is a zip archive but not an xlsx workbook (no [Content_Types].xml)",
            "check that `location` points at the workbook itself, not a zip of files",
        )
    _refuse_bomb(members)


def _refuse_bomb(members: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_UNCOMPRESSED or (
        unpacked > RATIO_APPLIES_ABOVE and unpacked / packed > MAX_RATIO
    ):
        raise ContentError(
            f"the workbook unpacks to {unpacked:,} bytes from {packed:,} "
            f"({unpacked / packed:.0f}x; limits {MAX_UNCOMPRESSED:,} bytes and {MAX_RATIO}x "
            "above 50 MB): refused as a possible zip bomb",
            "ask the agency for the data without blank formatted rows, or split the workbook",
        )


def _check_csv(path: Path, head: bytes, encoding: str, delimiter: str | None) -> Sniffed:
    if head.startswith((b"PK\x03\x04", _OLE2)) or b"\x00" in head[:4096]:
        raise ContentError(
            "the file is binary (a workbook or zip?), not a CSV text file",
            "fix `kind` in the catalog (xlsx?) or ask the agency for a CSV export",
        )
    chosen = detect_encoding(path) if encoding == "auto" else encoding
    sample = head.decode(chosen, errors="replace")
    return Sniffed(encoding=chosen, delimiter=delimiter or detect_delimiter(sample))


def _clean(raw: bytes) -> str:
    text = html.unescape(raw.decode("utf-8", "replace"))
    return re.sub(r"\s+", " ", text).strip()[:120]
