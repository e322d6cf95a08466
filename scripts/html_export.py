"""An HTML page of tables, as a website's "download as Excel" saves it (SAMPLE files only).

BPS's websites export a table as an HTML page with an .xls name: a title table, the data table
with its header cells in `<th>` merged with ROWSPAN/colspan, then footnotes, with a `<meta>`
charset, a `<style>` and a `<script>` whose text holds `<table>`. `html_page` writes such a page
for the bundled samples (scripts/make_samples.py) and the test fixtures
(tests/agency_files/make_fixtures.py); the same bytes on every run (no clock).

Cells are rows of plain values (str, int, float, None); merges are Excel references ("A4:A6")
within one table.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.utils import range_boundaries

Rows = Sequence[Sequence[object]]


def bounds(ref: str) -> tuple[int, int, int, int]:
    """(r0, c0, r1, c1), 0-based and inclusive, of an Excel range "B4:D5"."""
    c0, r0, c1, r1 = range_boundaries(ref)
    return r0 - 1, c0 - 1, r1 - 1, c1 - 1


@dataclass(frozen=True)
class HtmlTable:
    rows: Rows
    merges: Sequence[str] = ()
    header_rows: int = 0  # the first rows, written in <thead> with <th> cells
    border: bool = True


def html_page(title: str, blocks: Sequence[HtmlTable | str]) -> bytes:
    """A UTF-8 HTML page: each block a table, or a line of text (a heading) between them."""
    out = [
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">',
        "<head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>td, th { border: 1px solid #999; mso-number-format: '\\@'; }</style>",
        "<script>var exported = '<table>';</script>",
        "</head>",
        "<body>",
    ]
    for block in blocks:
        if isinstance(block, str):
            out.append(f"<h4>{html.escape(block)}</h4>")
        else:
            out += _html_table(block)
            out.append("<br>")
    out += ["</body>", "</html>", ""]
    return "\r\n".join(out).encode("utf-8")


def _html_table(table: HtmlTable) -> list[str]:
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for ref in table.merges:
        r0, c0, r1, c1 = bounds(ref)
        spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    out = ['<table border="1" cellspacing="0">' if table.border else "<table>"]
    for r, row in enumerate(table.rows):
        if r == 0 and table.header_rows:
            out.append("<thead>")
        if r == table.header_rows and table.header_rows:
            out.append("</thead><tbody>")
        tag = "th" if r < table.header_rows else "td"
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            down, across = spans.get((r, c), (1, 1))
            # Upper-case ROWSPAN as some exporters write it; HTML attributes ignore case.
            attrs = (f" ROWSPAN={down}" if down > 1 else "") + (
                f' colspan="{across}"' if across > 1 else ""
            )
            text = "&nbsp;" if value in (None, "") else html.escape(str(value))
            cells.append(f"<{tag}{attrs}>{text.replace(chr(0xA0), '&nbsp;')}</{tag}>")
        out.append("  <tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>" if table.header_rows else "</table>")
    return out
