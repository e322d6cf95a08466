"""Files as other programs save them, for make_fixtures.py (SAMPLE fixtures only).

The HTML page a website's "download as Excel" saves is written by scripts/html_export.py,
shared with the bundled samples of scripts/make_samples.py.

- `biff_workbook`: an Excel 97-2003 workbook (.xls): BIFF8 records in an OLE2 compound file,
  written here because no maintained library writes .xls (xlwt was last released in 2017);
- `sheetjs_workbook`: an xlsx as SheetJS writes it: strings inline (`t="str"`, `inlineStr`)
  with no sharedStrings.xml, no styles.xml, no `<dimension>`, dates as `t="d"` ISO text,
  absolute part paths, formulas with their saved values.

Each writes the same bytes on every run (no clock). Cells are rows of plain values (str, int,
float, datetime, None) or `Formula`; merges are Excel references ("A4:A6").
"""

from __future__ import annotations

import datetime as dt
import html
import io
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from scripts.html_export import bounds

FIXED_TIME = (2024, 1, 1, 0, 0, 0)
Rows = Sequence[Sequence[object]]


@dataclass(frozen=True)
class Formula:
    """A formula cell: its text (without "=") and the value saved with it (None: none saved)."""

    text: str
    value: float | None = None


# --- BIFF8 (.xls) -------------------------------------------------------------------------------


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _unicode(text: str, length_bytes: int) -> bytes:
    """An XLUnicodeString (uncompressed UTF-16), with a 1- or 2-byte character count."""
    size = struct.pack("<B" if length_bytes == 1 else "<H", len(text))
    return size + b"\x01" + text.encode("utf-16-le")


def _bof(kind: int) -> bytes:
    # BIFF8, kind 0x0005 workbook globals / 0x0010 worksheet; build 0x0DBB, year 1996.
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))


def _sheet_stream(rows: Rows, merges: Sequence[str]) -> bytes:
    width = max((len(row) for row in rows), default=0)
    out = _bof(0x0010) + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise TypeError(f"no BIFF cell for {value!r}")
            if isinstance(value, str):
                out += _record(0x0204, struct.pack("<HHH", r, c, 15) + _unicode(value, 2))
            else:
                out += _record(0x0203, struct.pack("<HHHd", r, c, 15, float(value)))
    if merges:
        ranges = b""
        for ref in merges:
            r0, c0, r1, c1 = bounds(ref)
            ranges += struct.pack("<HHHH", r0, r1, c0, c1)
        out += _record(0x00E5, struct.pack("<H", len(merges)) + ranges)
    return out + _record(0x000A)


def _globals(names: Sequence[str], offsets: Sequence[int], encrypted: bool = False) -> bytes:
    out = _bof(0x0005)
    if encrypted:  # FILEPASS: RC4 encryption header (what Excel writes for a password)
        out += _record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))
    out += _record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
    arial = _record(
        0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _unicode("Arial", 1)
    )
    out += arial * 5  # Excel expects fonts 0-4 (font 4 is never used)
    for i in range(16):  # 15 style XFs, then the cell XF 15 every cell points at
        style = 0xFFF5 if i < 15 else 0x0001
        out += _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, style, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    for name, offset in zip(names, offsets, strict=True):
        out += _record(0x0085, struct.pack("<IBB", offset, 0, 0) + _unicode(name, 1))
    return out + _record(0x000A)


def biff_workbook(
    sheets: Sequence[tuple[str, Rows, Sequence[str]]], *, encrypted: bool = False
) -> bytes:
    """An .xls file: BIFF8 workbook globals and one worksheet per (name, rows, merges);
    `encrypted` marks it password-protected (a FILEPASS record; the cells stay readable bytes,
    but every reader must refuse it)."""
    bodies = [_sheet_stream(rows, merges) for _, rows, merges in sheets]
    names = [name for name, _, _ in sheets]
    # BOUNDSHEET offsets do not change the size of the globals.
    start = len(_globals(names, [0] * len(names), encrypted))
    offsets, at = [], start
    for body in bodies:
        offsets.append(at)
        at += len(body)
    return compound_file(_globals(names, offsets, encrypted) + b"".join(bodies))


def compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding one stream: the header,
    one FAT sector, one directory sector, then the stream (at least 4096 bytes, so it lives in
    regular sectors rather than the mini stream)."""
    sector = 512
    end_of_chain, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    stream = stream.ljust(max(4096, -(-len(stream) // sector) * sector), b"\0")
    count = len(stream) // sector
    fat = [fat_sector, end_of_chain] + [3 + i for i in range(count - 1)] + [end_of_chain]
    if len(fat) > sector // 4:
        raise ValueError("stream too large for a one-sector FAT")
    fat += [free] * (sector // 4 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    # directory sectors (0 in v3), FAT sectors, first directory sector, transaction signature,
    # mini stream cutoff, first mini FAT sector, mini FAT sectors, first DIFAT sector, DIFATs
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108  # DIFAT: the FAT is sector 0

    def entry(title: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (title + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, free, free, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, 1, end_of_chain, 0) + entry(name, 2, free, 2, len(stream))
    empty = bytes(64) + struct.pack("<HBBIII", 0, 0, 0, free, free, free) + bytes(48)
    directory += empty * 2
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + stream


# --- SheetJS-style xlsx -------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def sheetjs_workbook(sheets: Sequence[tuple[str, Rows, Sequence[str]]]) -> bytes:
    """An .xlsx as SheetJS's writer saves it (see the module docstring)."""
    sheet_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_ct}"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": f'{_XML}<Types xmlns="{_CT}">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}"
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.extended-properties+xml"/></Types>',
        "_rels/.rels": f'{_XML}<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/extended-properties" Target="docProps/app.xml"/></Relationships>',
        "docProps/app.xml": f"{_XML}<Properties><Application>SheetJS</Application></Properties>",
        "xl/workbook.xml": f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        + "".join(
            f'<sheet name="{html.escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _, _) in enumerate(sheets, start=1)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'{_XML}<Relationships xmlns="{_PKG}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
            f'Target="/xl/worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        + "</Relationships>",
    }
    for i, (_, rows, merges) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _sheetjs_sheet(rows, merges)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), text.encode("utf-8"))
    return buffer.getvalue()


def _sheetjs_sheet(rows: Rows, merges: Sequence[str]) -> str:
    out = [f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            ref = f"{get_column_letter(c)}{r}"
            cells.append(_sheetjs_cell(ref, value, inline=r == 1))
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData>")
    if merges:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in merges)
        out.append(f'<mergeCells count="{len(merges)}">{refs}</mergeCells>')
    out.append("</worksheet>")
    return "".join(out)


def _sheetjs_cell(ref: str, value: object, *, inline: bool) -> str:
    if isinstance(value, Formula):
        saved = "" if value.value is None else f"<v>{_number(value.value)}</v>"
        return f'<c r="{ref}"><f>{html.escape(value.text)}</f>{saved}</c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" t="d"><v>{value.isoformat()}.000Z</v></c>'
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"no SheetJS cell for {value!r}")
    if isinstance(value, str):
        text = html.escape(value, quote=False)
        if inline:  # the first row as inline strings, the rest as SheetJS's t="str"
            return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
        return f'<c r="{ref}" t="str"><v>{text}</v></c>'
    return f'<c r="{ref}" t="n"><v>{_number(value)}</v></c>'


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))
