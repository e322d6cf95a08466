"""Look at a landed file before any parser does: is it what the catalog says it is?

Agency servers answer 200 with a login page, a portal answers with a JSON error, a workbook
arrives encrypted, truncated or as a zip bomb. Each is refused here with a message quoting what
came instead (the page title, the error text), so the parser only ever sees plausible input.

A workbook (kind `xlsx`) is told apart by its bytes (sources/formats.py): an .xlsx, a legacy
.xls (read by python-calamine), or an HTML page that holds a table of figures (a website's
"download as Excel") are all read; an HTML page without one (a login or error page) is refused.
CSV files also get their encoding and delimiter detected here when the catalog says `auto`.
"""

from __future__ import annotations

import html
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sources.formats import (
    ENCRYPTED,
    ENCRYPTED_FIX,
    OLE2,
    ContentError,
    encrypted_package,
    open_workbook,
    real_format,
    spreadsheetml_error,
)
from sources.html_tables import HtmlTable, HtmlTableError, decode_html, read_tables
from sources.textsniff import detect_delimiter, detect_encoding, utf16_encoding

__all__ = [
    "CONTENT_CHECKS",
    "ContentError",
    "Sniffed",
    "check_content",
    "detect_delimiter",
    "detect_encoding",
]

# Bumped when these checks refuse something they used to pass: a landing checked under an
# older version is checked again before it is used (sources/fetch.py `reuse`).
CONTENT_CHECKS = "2"

# xlsx are zips; real ones inflate 5-20x. A bomb is small on disk and huge in memory (calamine
# reads whole parts), so cap both the total and the ratio; the sizes a zip declares can lie, so
# the parts are inflated (and thrown away) to count what they really hold.
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_RATIO = 200
RATIO_APPLIES_ABOVE = 50 * 1024 * 1024
_BOMB_FIX = "ask the agency for the data without blank formatted rows, or split the workbook"
_DAMAGED_FIX = "check that the file is a complete, unencrypted .xlsx; download or export it again"
_STORED, _DEFLATED = 0, 8
_HEAD = 64 * 1024
# An HTML page is searched for a table of figures in its first 8 MB (a BPS export is a few KB).
HTML_SNIFF = 8 * 1024 * 1024
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass(frozen=True)
class Sniffed:
    """What the check learned: for CSV the encoding and delimiter to read it with; for a
    workbook what it really is (`xlsx`, `xls` or `html`, sources/formats.py)."""

    encoding: str | None = None
    delimiter: str | None = None
    format: str | None = None


def check_content(
    path: Path, expected: str, *, encoding: str = "auto", delimiter: str | None = None
) -> Sniffed:
    """Refuse `path` unless it plausibly is an `expected` ("xlsx" or "csv") file.

    Raises ContentError for an empty file, an HTML page without a table of figures or a JSON
    body where a file was expected, an encrypted or unreadable workbook, a damaged zip, or a
    zip bomb. An HTML table passes as a workbook (not as a CSV)."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if not head:
        raise ContentError(
            "the file is empty (0 bytes)",
            "ask the agency to re-upload the file; the last good data stays published",
        )
    fmt = real_format(head)
    if fmt == "html":
        return _check_html(path, head, expected)
    _refuse_json(head, expected)
    if expected == "xlsx":
        return Sniffed(format=_check_xlsx(path, head, fmt))
    if expected == "csv":
        return _check_csv(path, head, encoding, delimiter)
    return Sniffed()


def _check_html(path: Path, head: bytes, expected: str) -> Sniffed:
    """An HTML table export passes as a workbook; any other HTML page is refused, quoting its
    title (a login page, an error page)."""
    table = _data_table(path)
    if table is None:
        title = _TITLE.search(head)
        said = f" titled {_clean(title.group(1))!r}" if title else " (no title)"
        raise ContentError(
            f"the server sent an HTML page{said} instead of the {expected} file",
            "the URL probably leads to a login or error page now; open it in a browser, "
            "then fix `location` in the catalog or ask the agency for a direct download link",
        )
    if expected == "xlsx":
        return Sniffed(format="html")
    raise ContentError(
        f"the file is an HTML page with a table of figures ({table.describe()}), as a "
        f'website\'s "download as Excel" saves it, not a {expected} file',
        "set `kind: xlsx` (it reads HTML tables too) and `parse.table` in the catalog",
    )


def _data_table(path: Path) -> HtmlTable | None:
    with path.open("rb") as handle:
        data = handle.read(HTML_SNIFF)
    try:
        tables = read_tables(decode_html(data))
    except HtmlTableError as exc:
        raise ContentError(
            f"the HTML table cannot be laid out: {exc}",
            "ask the agency for the table as .xlsx or CSV",
        ) from None
    return next((t for t in tables if t.is_data), None)


def _refuse_json(head: bytes, expected: str) -> None:
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
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


def _check_xlsx(path: Path, head: bytes, fmt: str) -> str:
    """The workbook's real format ("xlsx" or "xls") once it passed, else ContentError."""
    if fmt == "xls":
        if encrypted_package(head):
            raise ContentError(ENCRYPTED, ENCRYPTED_FIX)
        open_workbook(path, "xls")  # a password, a Word file, damage: refused with the reason
        return "xls"
    if fmt == "spreadsheetml":
        raise spreadsheetml_error()
    if fmt != "xlsx":
        raise ContentError(
            f"the file is not an xlsx workbook (it starts with {_clean(head[:16])!r})",
            "check that `location` points at the .xlsx file, or fix `kind` in the catalog",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _damaged(str(exc)) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        raise ContentError(
            "the file is a zip archive but not an xlsx workbook (no [Content_Types].xml)",
            "check that `location` points at the workbook itself, not a zip of files",
        )
    _refuse_bomb(path, members)
    return "xlsx"


def _refuse_bomb(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook that unpacks too large, judged first by the sizes it declares (cheap)
    and then by inflating every part, since a bomb's headers can declare a few bytes."""
    declared = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    _refuse_size(declared, packed)
    unpacked = 0
    with path.open("rb") as handle:
        for member in members:
            real = _inflated_size(handle, member)
            if real > member.file_size:
                raise ContentError(
                    f"the workbook's part {member.filename!r} unpacks to more than the "
                    f"{member.file_size:,} bytes its zip header declares (at least {real:,} "
                    f"from {member.compress_size:,}): refused as a possible zip bomb",
                    _BOMB_FIX,
                )
            if real < member.file_size:
                raise _damaged(
                    f"part {member.filename!r} unpacks to {real:,} of the {member.file_size:,} "
                    "bytes its zip header declares"
                )
            unpacked += real
    _refuse_size(unpacked, packed)


def _refuse_size(unpacked: int, packed: int) -> None:
    if unpacked > MAX_UNCOMPRESSED or (
        unpacked > RATIO_APPLIES_ABOVE and unpacked / packed > MAX_RATIO
    ):
        raise ContentError(
            f"the workbook unpacks to {unpacked:,} bytes from {packed:,} "
            f"({unpacked / packed:.0f}x; limits {MAX_UNCOMPRESSED:,} bytes and {MAX_RATIO}x "
            "above 50 MB): refused as a possible zip bomb",
            _BOMB_FIX,
        )


def _inflated_size(handle: BinaryIO, member: zipfile.ZipInfo) -> int:
    """The bytes `member` really inflates to, counted up to one chunk past what it declares
    (enough to prove a lie) without keeping them: memory stays at one chunk."""
    if member.flag_bits & 0x1:
        raise _damaged(f"part {member.filename!r} is encrypted")
    handle.seek(member.header_offset)
    local = handle.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _damaged(f"part {member.filename!r} has no local header")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    handle.seek(member.header_offset + 30 + name_len + extra_len)
    if member.compress_type == _STORED:
        return len(handle.read(min(member.compress_size, member.file_size + 1)))
    if member.compress_type != _DEFLATED:
        raise _damaged(
            f"part {member.filename!r} uses zip compression method {member.compress_type}, "
            "which spreadsheet programs do not write"
        )
    return _count_deflated(handle, member.compress_size, member.file_size + 1)


def _count_deflated(handle: BinaryIO, packed: int, limit: int) -> int:
    """Inflate `packed` raw-deflate bytes from `handle`, counting the output up to `limit`."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    count, left, step = 0, packed, 1 << 20
    try:
        while left > 0 and count < limit and not inflater.eof:
            data = handle.read(min(left, 1 << 16))
            if not data:
                break
            left -= len(data)
            while data and count < limit:
                count += len(inflater.decompress(data, step))
                data = inflater.unconsumed_tail
    except zlib.error as exc:
        raise _damaged(f"a part does not inflate: {exc}") from None
    return count


def _damaged(why: str) -> ContentError:
    return ContentError(
        f"the workbook cannot be opened: it is damaged or truncated ({why})", _DAMAGED_FIX
    )


def _check_csv(path: Path, head: bytes, encoding: str, delimiter: str | None) -> Sniffed:
    if head.startswith((b"PK\x03\x04", OLE2)):
        raise _binary()
    utf16 = utf16_encoding(head)
    if utf16 is not None:
        # Excel's "Unicode Text" and some web exports write UTF-16: readable, not binary.
        chosen = utf16 if encoding == "auto" else encoding
        if not chosen.lower().replace("_", "-").startswith("utf-16"):
            raise ContentError(
                "the file is UTF-16 text; save it as UTF-8 or set `parse.encoding: utf-16` "
                f"(it is set to {encoding!r})",
                "ask the agency to save the CSV as UTF-8, or set `parse.encoding: utf-16` "
                "(or `auto`) in the catalog",
            )
        return _sniffed(head[: len(head) // 2 * 2], chosen, delimiter)
    if b"\x00" in head[:4096]:
        raise _binary()
    chosen = detect_encoding(path) if encoding == "auto" else encoding
    return _sniffed(head, chosen, delimiter)


def _sniffed(head: bytes, encoding: str, delimiter: str | None) -> Sniffed:
    sample = head.decode(encoding, errors="replace").lstrip("\ufeff")
    return Sniffed(encoding=encoding, delimiter=delimiter or detect_delimiter(sample))


def _binary() -> ContentError:
    return ContentError(
        "the file is binary (a workbook or zip?), not a CSV text file",
        "fix `kind` in the catalog (xlsx?) or ask the agency for a CSV export",
    )


def _clean(raw: bytes) -> str:
    text = html.unescape(raw.decode("utf-8", "replace"))
    return re.sub(r"\s+", " ", text).strip()[:120]
