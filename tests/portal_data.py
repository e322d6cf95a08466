"""A small analyst snapshot for the publication tests: six dimensions, a few rows each.

Built with the warehouse's own schema and `publish_snapshot`, in milliseconds, so the offline
publisher tests need no pipeline run. Codes look like the real ones ('35.73.01', '2023').
"""

from __future__ import annotations

from pathlib import Path

from warehouse.db import connect
from warehouse.reference import DIMENSIONS
from warehouse.snapshot import publish_snapshot

REGIONS = [
    ("35.73", "Kota Malang", "kota", None),
    ("35.73.01", "Blimbing", "kecamatan", "35.73.01"),
]
PERIODS = {"tahunan": ["2022", "2023"], "bulanan": ["2023-01", "2023-02"]}
TABLES = ["dim_indikator", "meta_sumber", *DIMENSIONS]


def indicator(dimension: str, n: int) -> str:
    return f"{dimension.split('_')[1].upper()}_IND_{n}"


def build_analyst(folder: Path, *, extra_tables: list[str] = ()) -> tuple[Path, Path]:
    """Work database and analyst snapshot in `folder`; returns (work, analyst)."""
    folder.mkdir(parents=True, exist_ok=True)
    work, analyst = folder / "work.duckdb", folder / "kotapintar.duckdb"
    con = connect(work)
    try:
        for dimension in DIMENSIONS:
            source = f"src_{dimension}"
            con.execute(
                "INSERT INTO meta_sumber VALUES (?, ?, 'dinas_x', 'Dinas X Kota Malang', 'csv', "
                "?, ?, 'tahunan', true, ?)",
                [source, f"SAMPLE — {dimension}", f"samples/{source}.csv", dimension, "c.yaml"],
            )
            for n, schedule in ((1, "tahunan"), (2, "bulanan")):
                code = indicator(dimension, n)
                insert(con, "dim_indikator", indicator_row(code, dimension, n, schedule, source))
                for kode, nama, tingkat, kecamatan in REGIONS:
                    for i, periode in enumerate(PERIODS[schedule]):
                        missing = n == 2 and i == 0 and tingkat == "kota"
                        row = {
                            "indikator": code,
                            "nama_indikator": f"Contoh {n}",
                            "nama_indikator_en": f"Example {n}",
                            "satuan": "persen" if n == 1 else "unit",
                            "arah": "higher_is_better",
                            "pilar": "governance",
                            "kode_wilayah": kode,
                            "nama_wilayah": nama,
                            "tingkat": tingkat,
                            "kode_kecamatan": kecamatan,
                            "periode": periode,
                            "nilai": None if missing else float(10 * n + i) + 0.5,
                            "status": "sementara" if periode == "2023" else "final",
                            "catatan": "tidak tersedia" if missing else None,
                            "produsen": "Dinas X Kota Malang",
                            "sumber_id": source,
                        }
                        insert(con, dimension, {**row, **provenance(con, dimension, i)})
    finally:
        con.close()
    publish_snapshot(work, analyst, [*TABLES, *extra_tables])
    return work, analyst


def indicator_row(code: str, dimension: str, n: int, schedule: str, source: str) -> dict:
    """A dim_indikator row with every MS-Ind field filled (Indonesian text where Indonesian is
    expected), so the metadata gate lets it through."""
    return {
        "kode": code,
        "nama_id": f"Persentase contoh {n}" if n == 1 else f"Jumlah contoh {n}",
        "nama_en": f"Example {n}",
        "dimensi": dimension,
        "pilar": "governance",
        "satuan": "persen" if n == 1 else "unit",
        "arah": "higher_is_better",
        "definisi": f"Definisi contoh {n}.",
        "produsen_kode": "dinas_x",
        "produsen": "Dinas X Kota Malang",
        "jadwal": schedule,
        "sumber_id": source,
        "sampel": True,
        "definisi_en": f"Example definition {n}.",
        "konsep": f"Konsep contoh {n} untuk kota.",
        "klasifikasi": "menurut kecamatan",
        "ukuran": "persentase" if n == 1 else "jumlah",
        "interpretasi": "Nilai yang lebih tinggi lebih baik.",
        "metode": "Jumlah kejadian dibagi jumlah penduduk dikali 100."
        if n == 1
        else "Jumlah unit menurut laporan dinas.",
        "level_estimasi": "kecamatan",
        "agregasi": "none" if n == 1 else "sum",
        "kode_referensi": "SDGs 11.1.1" if n == 1 else None,
        "iso_indikator": "ISO 37120:2018 5.1" if n == 1 else None,
    }


def insert(con, table: str, row: dict) -> None:
    """Insert `row` by column name (columns the table lacks are an error; those the row lacks
    stay NULL), so the test data survives added columns."""
    names = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))


def provenance(con, table: str, i: int) -> dict:
    """Provenance columns (the source file's hash and the cell) where the table has them."""
    columns = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
    ).fetchall()}  # fmt: skip
    values = {"berkas_sha256": "ab" * 32, "lokasi": f"baris {i + 2}"}
    return {k: v for k, v in values.items() if k in columns}


def set_metadata(work: Path, analyst: Path, code: str, **fields: object) -> None:
    """Change an indicator's dim_indikator fields (None: empty) and publish a new snapshot."""
    con = connect(work)
    try:
        assignments = ", ".join(f'"{name}" = ?' for name in fields)
        con.execute(
            f"UPDATE dim_indikator SET {assignments} WHERE kode = ?", [*fields.values(), code]
        )
    finally:
        con.close()
    publish_snapshot(work, analyst, TABLES)


def set_value(work: Path, analyst: Path, dimension: str, key: tuple, nilai: float | None) -> None:
    """Change one value in the work database and publish a new snapshot (as a run would)."""
    con = connect(work)
    try:
        con.execute(
            f"UPDATE {dimension} SET nilai = ? WHERE indikator = ? AND kode_wilayah = ? "
            "AND periode = ?",
            [nilai, *key],
        )
    finally:
        con.close()
    publish_snapshot(work, analyst, TABLES)


def snapshot_rows(analyst: Path, dimension: str) -> list[dict]:
    """The rows of a dimension table in the snapshot, as the portal should serve them."""
    from portal.content import read_content
    from warehouse.snapshot import open_analyst

    con = open_analyst(analyst)
    try:
        return read_content(con, [dimension])[dimension].records
    finally:
        con.close()
