"""Cells as header and label text, shared by the parser and the drift report."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPACES = re.compile(r"\s+")


def cell_text(value: object) -> str:
    """A cell as header or label text: integral numbers without ".0", whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    # Asked of most cells of a sheet: text whose only whitespace is single spaces (isprintable
    # is False for any other whitespace) has nothing to collapse, so skip the regex.
    if text.isprintable() and "  " not in text:
        return text.strip()
    return _SPACES.sub(" ", text).strip()


def header_labels(rows: Sequence[Sequence[object]]) -> list[str]:
    """One label per column from one to three header rows: "Top / Mid / Sub", a part said again
    by the row below (a vertically merged cell) said once."""
    header_rows = [[cell_text(v) for v in row] for row in rows]
    width = max((len(row) for row in header_rows), default=0)
    labels = []
    for c in range(width):
        parts = [row[c] if c < len(row) else "" for row in header_rows]
        texts = [p for i, p in enumerate(parts) if p and (i == 0 or p != parts[i - 1])]
        labels.append(" / ".join(texts))
    return labels


def same_label(label: str, wanted: str) -> bool:
    return label.casefold() == wanted.casefold()
