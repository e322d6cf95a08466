"""Save an openpyxl workbook so that the same content always gives the same bytes.

openpyxl stamps the zip entries and docProps/core.xml with the current time; the bundled
samples and the test fixtures are committed and checked for byte-identical regeneration, so
every writer saves through here with fixed timestamps.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

FIXED_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_ISO = "2024-01-01T00:00:00Z"


def save_stable(wb: Workbook, path: Path, creator: str) -> Path:
    """Write `wb` to `path` with fixed timestamps and `creator` in its properties."""
    wb.properties.creator = creator
    buffer = io.BytesIO()
    wb.save(buffer)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", FIXED_ISO.encode(), data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_TIME), data)
    return path
