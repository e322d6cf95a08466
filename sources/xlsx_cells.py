"""Cells of one xlsx sheet that python-calamine reads wrong, read again from the sheet's XML.

- Excel error cells (`#DIV/0!`, `#N/A`, `#REF!`, `#VALUE!`): calamine gives an empty string, so
  a broken formula would pass as "no data" (NULL, reason "kosong"). An agency that divides by
  zero has a cell to fix, so the grid gets the error text back and the parser quarantines it.
- Formulas without a saved value: a program that writes formulas but does not compute them
  (openpyxl, some web exports and report generators) saves `<f>SUM(B2:B4)</f>` and no value.
  Calamine gives an empty cell, or drops a trailing row of them, so a total or a figure would
  load as NULL. The grid gets an `UnsavedFormula` (the formula text) instead, and the parser
  quarantines it with the fix: open the file in Excel or LibreOffice and save it.
- Date cells typed `t="d"` (SheetJS writes dates so): calamine gives the ISO text; the grid
  gets the datetime, as for a date cell Excel writes.

The sheet's XML is scanned only when it holds such a cell (a byte search first). Calamine reads
legacy .xls files itself; they get no second reading.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _typed_cell(kind: bytes) -> re.Pattern[bytes]:
    # <c r="F8" s="3" t="e"><f>D8/0</f><v>#DIV/0!</v></c>: attributes in any order.
    return re.compile(
        rb'<c\b(?=[^>]*\bt="' + kind + rb'")[^>]*\br="([A-Z]+)([0-9]+)"[^>]*>(.*?)</c>',
        re.DOTALL,
    )


_ERROR_CELL = _typed_cell(b"e")
_DATE_CELL = _typed_cell(b"d")
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)
_FORMULA_START = re.compile(rb"<f[\s>/]")
_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_STRING_RESULT = re.compile(rb'\bt="str"')


class UnsavedFormula(str):
    """A formula cell saved without its value; the text is the formula ("=SUM(B2:B4)")."""


def fixed_cells(path: Path, sheet: str) -> dict[tuple[int, int], object]:
    """{(row, column) 0-based: what the cell really holds} for the cells of `sheet` (in the
    workbook at `path`) that calamine misreads; empty when there are none or the workbook's
    parts cannot be found (calamine read it already)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return {}
            data = archive.read(part)
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    found: dict[tuple[int, int], object] = {}
    if b't="e"' in data:
        for letters, row, body in _ERROR_CELL.findall(data):
            value = _VALUE.search(body)
            text = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
            found[_place(letters, row)] = text
    if b't="d"' in data:
        for letters, row, body in _DATE_CELL.findall(data):
            value = _VALUE.search(body)
            when = _iso_date(value.group(1)) if value else None
            if when is not None:
                found[_place(letters, row)] = when
    if b"<f" in data:
        found.update(unsaved_formulas(data))
    return found


def unsaved_formulas(data: bytes) -> dict[tuple[int, int], UnsavedFormula]:
    """The formula cells of a sheet's XML that carry no saved value: no `<v>`, or an empty one
    where the result is not text (`t="str"` with `<v></v>` is a formula whose result is "")."""
    found: dict[tuple[int, int], UnsavedFormula] = {}
    end = 0
    for start in _FORMULA_START.finditer(data):
        if start.start() < end:
            continue  # a second <f> inside the same cell
        cell_start = data.rfind(b"<c", 0, start.start())
        end = data.find(b"</c>", start.start())
        if cell_start < 0 or end < 0:
            continue
        cell = data[cell_start:end]
        opening = cell[: cell.find(b">") + 1]
        ref = _REF.search(opening)
        if ref is None:
            continue  # a cell without its address cannot be placed
        value = re.search(rb"<v\s*/>|<v>([^<]*)</v>", cell)
        saved = value is not None and (
            bool(value.group(1)) or (value.group(1) is not None and _text_result(opening))
        )
        if not saved:
            formula = _FORMULA.search(cell)
            text = (formula.group(1) or b"").decode("utf-8", "replace") if formula else ""
            found[_place(*ref.groups())] = UnsavedFormula(f"={unescape(text)}")
    return found


def _text_result(opening: bytes) -> bool:
    return _STRING_RESULT.search(opening) is not None


def _iso_date(raw: bytes) -> dt.datetime | None:
    text = raw.decode("ascii", "replace").strip().removesuffix("Z")
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
    for node in workbook.findall("m:sheets/m:sheet", _NS):
        if node.get("name") == sheet:
            target = targets.get(node.get(f"{{{_NS['r']}}}id"), "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target)) if target else None
    return None


def _place(letters: bytes, row: bytes) -> tuple[int, int]:
    index = 0
    for char in letters.decode():
        index = index * 26 + ord(char) - 64
    return int(row) - 1, index - 1
