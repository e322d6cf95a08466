"""Excel error cells (`#DIV/0!`, `#N/A`, `#REF!`, `#VALUE!`) of one workbook sheet.

python-calamine reads an error cell as an empty string, so a broken formula would pass as "no
data" (NULL, reason "kosong"). An agency that divides by zero has a cell to fix, so the grid
gets the error text back (sources/grid.py) and the parser quarantines it like any cell that is
not a number. The sheet's XML is scanned only when it holds an error cell (`t="e"`).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
# <c r="F8" s="3" t="e"><f>D8/0</f><v>#DIV/0!</v></c>: attributes in any order.
_ERROR_CELL = re.compile(
    rb'<c\b(?=[^>]*\bt="e")[^>]*\br="([A-Z]+)([0-9]+)"[^>]*>(.*?)</c>', re.DOTALL
)
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """{(row, column) 0-based: error text} of `sheet` in the workbook at `path`; empty when
    there are none or the workbook's parts cannot be found (calamine read it already)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return {}
            data = archive.read(part)
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    if b't="e"' not in data:
        return {}
    found = {}
    for letters, row, body in _ERROR_CELL.findall(data):
        value = _VALUE.search(body)
        text = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
        found[(int(row) - 1, _column_index(letters.decode()))] = text
    return found


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


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1
