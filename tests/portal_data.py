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
                con.execute(
                    "INSERT INTO dim_indikator VALUES (?, ?, ?, ?, 'governance', ?, "
                    "'higher_is_better', ?, 'dinas_x', 'Dinas X Kota Malang', ?, ?, ?, true)",
                    [
                        code,
                        f"Persentase contoh {n}" if n == 1 else f"Jumlah contoh {n}",
                        f"Example {n}",
                        dimension,
                        "persen" if n == 1 else "unit",
                        f"Definisi contoh {n}.",
                        schedule,
                        "ISO 37120:2014 5.1" if n == 1 else None,
                        source,
                    ],
                )
                for kode, nama, tingkat, kecamatan in REGIONS:
                    for i, periode in enumerate(PERIODS[schedule]):
                        missing = n == 2 and i == 0 and tingkat == "kota"
                        con.execute(
                            f"INSERT INTO {dimension} VALUES (?, ?, ?, ?, 'higher_is_better', "
                            "'governance', ?, ?, ?, ?, ?, ?, ?, ?, 'Dinas X Kota Malang', ?)",
                            [
                                code,
                                f"Contoh {n}",
                                f"Example {n}",
                                "persen" if n == 1 else "unit",
                                kode,
                                nama,
                                tingkat,
                                kecamatan,
                                periode,
                                None if missing else float(10 * n + i) + 0.5,
                                "sementara" if periode == "2023" else "final",
                                "tidak tersedia" if missing else None,
                                source,
                            ],
                        )
    finally:
        con.close()
    publish_snapshot(work, analyst, [*TABLES, *extra_tables])
    return work, analyst


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
