"""File writers for the synthetic benchmark catalog, one per layout the bundled samples have.

Each writer gets a `Plan` (regions with the spelling to print, periods, indicators, value cells)
and writes one agency-style file: title rows, a one- or two-row (merged) header, "Jumlah" rows,
footnotes, Indonesian number text, "-" and "…" markers and provisional periods ("2024-11*").
Files are byte-for-byte deterministic: workbooks get fixed zip and docProps timestamps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts.stable_xlsx import save_stable

SAMPLE_NOTE = "DATA CONTOH (SAMPLE) — data sintetis untuk benchmark, bukan data resmi"
PORTAL = "https://portal.sample.invalid"
DATASTORE_PAGE = 32000  # the largest page the DataStore API serves (sources.ckan.MAX_PAGE)
FOOTNOTES = ("Sumber: data sintetis benchmark Kota Pintar (SAMPLE)", "Catatan: * angka sementara")


@dataclass(frozen=True)
class Plan:
    """What one file holds: `cells[p][r][j]` is the value cell of period p, region r, indicator j
    (a float, or text such as "1.234,5", "-", "…"); `labels[r]` is the region as printed."""

    title: str
    regions: Sequence[tuple[str, str]]  # (kode_wilayah, printed name)
    periods: Sequence[str]  # printed, "2024-11*" when provisional
    headers: Sequence[str]  # one value column header per indicator
    cells: Sequence[Sequence[Sequence[object]]]
    region_header: str
    period_header: str


def id_num(value: float, decimals: int = 0) -> str:
    """Indonesian number text: 1234.5 -> "1.234,5" (dot groups thousands, comma decimals)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def as_text(cell: object) -> str:
    """A value cell as a CSV field: numbers in Indonesian format, markers as they are."""
    if isinstance(cell, float):
        return id_num(cell, 0 if cell.is_integer() else 1)
    return "" if cell is None else str(cell)


def write_csv_long(path: Path, plan: Plan) -> int:
    """`;` CSV: a title line, the header on line 2, a "Jumlah" line after each period, footnotes.
    Returns the number of body lines."""
    out = [plan.title, ";".join([plan.period_header, plan.region_header, *plan.headers])]
    for p, periode in enumerate(plan.periods):
        for r, (_, name) in enumerate(plan.regions):
            out.append(";".join([periode, name, *(as_text(c) for c in plan.cells[p][r])]))
        out.append(";".join(["Jumlah", "", *(as_text(t) for t in _totals(plan.cells[p]))]))
    out += FOOTNOTES
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(out) - 2


def write_xlsx_long(path: Path, plan: Plan, sheet: str) -> int:
    """Two title rows, a two-row header (period and region merged down, "Rincian" merged over the
    value columns), "Jumlah" rows with sums, footnotes."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([plan.title])
    ws.append([SAMPLE_NOTE])
    k = len(plan.headers)
    ws.append([plan.period_header, plan.region_header, "Rincian", *([None] * (k - 1))])
    ws.append([None, None, *plan.headers])
    for ref in ("A3:A4", "B3:B4", f"C3:{_letter(2 + k - 1)}3"):
        if ref != "C3:C3":
            ws.merge_cells(ref)
    for p, periode in enumerate(plan.periods):
        for r, (_, name) in enumerate(plan.regions):
            ws.append([periode, name, *plan.cells[p][r]])
        ws.append([f"Jumlah {periode}", None, *_totals(plan.cells[p])])
    for note in FOOTNOTES:
        ws.append([note])
    _save_workbook(wb, path)
    return len(plan.periods) * (len(plan.regions) + 1) + len(FOOTNOTES)


def write_xlsx_wide(path: Path, plan: Plan, sheet: str) -> int:
    """One row per region, one column per period ("2024-11*" provisional), a "No" column first,
    a "Jumlah" row and footnotes (one indicator: `cells[p][r][0]`)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([plan.title])
    ws.append([])
    ws.append(["No", plan.region_header, *plan.periods])
    for r, (_, name) in enumerate(plan.regions):
        ws.append([r + 1, name, *(plan.cells[p][r][0] for p in range(len(plan.periods)))])
    ws.append([None, "Jumlah", *(None for _ in plan.periods)])
    for note in FOOTNOTES:
        ws.append([note])
    _save_workbook(wb, path)
    return len(plan.regions) + 1 + len(FOOTNOTES)


def write_ckan_recording(folder: Path, plan: Plan, resource_id: str) -> int:
    """`datastore_search.offset-<N>.json` pages as the portal answers them (codes as text, value
    fields numeric, nulls for missing values)."""
    folder.mkdir(parents=True, exist_ok=True)
    fields = [
        {"id": "_id", "type": "int"},
        {"id": plan.region_header, "type": "text"},
        {"id": plan.period_header, "type": "text"},
        *({"id": h, "type": "numeric"} for h in plan.headers),
    ]
    records = [
        {
            plan.region_header: code,
            plan.period_header: periode.rstrip("*"),
            **{h: _feed_value(c) for h, c in zip(plan.headers, plan.cells[p][r], strict=True)},
        }
        for p, periode in enumerate(plan.periods)
        for r, (code, _) in enumerate(plan.regions)
    ]
    # resource_show carries the timestamps the pipeline's change detection reads.
    show = {
        "_sample_note": f"SAMPLE recording: {SAMPLE_NOTE}",
        "success": True,
        "result": {
            "id": resource_id,
            "name": f"{plan.title}",
            "format": "CSV",
            "url": f"{PORTAL}/datastore/dump/{resource_id}",
            "datastore_active": True,
            "last_modified": "2024-01-01T00:00:00",
            "metadata_modified": "2024-01-01T00:00:00",
        },
    }
    (folder / "resource_show.json").write_text(json.dumps(show, ensure_ascii=False), "utf-8")
    base = f"/api/3/action/datastore_search?resource_id={resource_id}"
    for offset in range(0, len(records), DATASTORE_PAGE):
        page = records[offset : offset + DATASTORE_PAGE]
        body = {
            "_sample_note": f"SAMPLE recording: {SAMPLE_NOTE}",
            "success": True,
            "result": {
                "include_total": True,
                "resource_id": resource_id,
                "fields": fields,
                "records_format": "objects",
                "records": [{"_id": offset + i + 1, **rec} for i, rec in enumerate(page)],
                "limit": DATASTORE_PAGE,
                "offset": offset,
                "_links": {"start": base, "next": f"{base}&offset={offset + DATASTORE_PAGE}"},
                "total": len(records),
            },
        }
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        (folder / f"datastore_search.offset-{offset}.json").write_text(text, encoding="utf-8")
    return len(records)


def _totals(rows: Sequence[Sequence[object]]) -> list[float]:
    """The "Jumlah" row of a block: each column's sum ("-" counts as nil, "…" as nothing)."""
    return [
        round(sum(v for v in map(_feed_value, column) if v is not None), 1)
        for column in zip(*rows, strict=True)
    ]


def _feed_value(cell: object) -> float | None:
    # A portal's numeric field holds numbers or null, never Indonesian text or markers.
    if isinstance(cell, float):
        return cell
    if cell in ("-", "…"):
        return None
    return float(str(cell).replace(".", "").replace(",", "."))


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _save_workbook(wb, path: Path) -> None:
    save_stable(wb, path, "bench/generate.py")
