"""Guess how a CSV file is written: its encoding and its delimiter.

Agency CSVs come from Excel "Save as CSV" on Indonesian Windows (cp1252, `;` because the comma
is the decimal mark), from LibreOffice or web apps (UTF-8, `,`), sometimes with a BOM, sometimes
tab-separated. The rules are deliberately simple and predictable; a catalog entry can always
pin `encoding` and `delimiter` instead.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow as pa

DELIMITERS = (",", ";", "\t", "|")
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
_UTF16_SAMPLE = 4096  # bytes looked at for a UTF-16 text without BOM


def detect_encoding(path: Path) -> str:
    """The encoding of the file at `path` (see encoding_of)."""
    return encoding_of(path.read_bytes())


def encoding_of(raw: bytes) -> str:
    """UTF-16 when utf16_encoding says so, "utf-8-sig" with a BOM, "utf-8" when the bytes
    decode as UTF-8, else "cp1252" (Windows Western, which Excel writes) unless it contains
    bytes cp1252 leaves undefined, then "latin-1" (which decodes anything).

    UTF-16 comes first: plain ASCII in UTF-16 is also valid UTF-8 (a NUL is a legal byte), so
    the UTF-8 test alone would read every other character as NUL."""
    utf16 = utf16_encoding(raw[:_UTF16_SAMPLE])
    if utf16 is not None:
        return utf16
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if not is_utf8(raw):
        return "latin-1" if _CP1252_UNDEFINED & set(raw) else "cp1252"
    return "utf-8"


def utf16_encoding(head: bytes) -> str | None:
    """The codec of UTF-16 text, or None: "utf-16" after a BOM (FF FE or FE FF; Python reads
    the byte order from it), "utf-16-le" / "utf-16-be" without one when nearly every other byte
    is NUL (Latin-script text: the high byte of each character is 0) and the sample decodes.
    Excel's "Unicode Text" export and some web apps write it."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not head.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"  # (FF FE 00 00 is the UTF-32 BOM)
    sample = head[: min(len(head), _UTF16_SAMPLE) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for codec, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) >= 0.9 * len(high) and low.count(0) <= 0.1 * len(low):
            try:
                sample.decode(codec)
            except UnicodeDecodeError:
                return None
            return codec
    return None


def is_utf8(raw: bytes) -> bool:
    """Whether `raw` decodes as UTF-8, without decoding it: Arrow's check over the bytes in
    place (~15x faster than `raw.decode()` on a 28 MB file). It rejects what Python's strict
    decoder rejects: overlong forms, surrogates, code points past U+10FFFF, cut sequences."""
    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    as_binary = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 1, [None, offsets, pa.py_buffer(raw)]
    )
    try:
        as_binary.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def detect_delimiter(sample: str) -> str:
    """The candidate that splits the most of the first lines into the same number (>1) of
    fields, quotes respected; ties go to the order `,` `;` tab `|`. Falls back to `,`."""
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]  # the sample may cut the last line in half
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        widths = [
            len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        ]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = widths.count(common) if common > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best
