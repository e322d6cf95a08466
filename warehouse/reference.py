"""Reference tables described by the catalog: `dim_wilayah`, `dim_indikator`, `meta_sumber`.

Each loader receives the complete table as a DataFrame (the caller maps its own column names) and
replaces the table's rows in one transaction, so a rerun with the same frame changes nothing and
a bad frame leaves the previous rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from warehouse.sqlutil import (
    examples,
    quote,
    registered,
    require_columns,
    require_text_codes,
    transaction,
)

DIMENSIONS: tuple[str, ...] = (
    "smart_governance",
    "smart_people",
    "smart_mobility",
    "smart_economy",
    "smart_environment",
    "smart_living",
)
TINGKAT: tuple[str, ...] = ("kota", "kecamatan", "kelurahan")


@dataclass(frozen=True)
class _Spec:
    """How a DataFrame maps onto one reference table."""

    table: str
    key: str
    # Column -> SQL type, in table order.
    columns: dict[str, str]
    # Columns the frame may omit -> SQL expression used instead.
    defaults: dict[str, str] = field(default_factory=dict)
    # Column -> allowed values (checked before loading, for a readable message).
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: tuple[str, ...] = ()


_TEXT = "VARCHAR"
WILAYAH = _Spec(
    table="dim_wilayah",
    key="kode_wilayah",
    columns=dict.fromkeys(
        ["kode_wilayah", "nama", "tingkat", "kode_induk", "kode_bps", "kode_kecamatan"], _TEXT
    ),
    # A kelurahan belongs to its parent kecamatan; a kecamatan to itself; the city to none.
    defaults={
        "kode_kecamatan": "CASE tingkat WHEN 'kelurahan' THEN kode_induk "
        "WHEN 'kecamatan' THEN kode_wilayah END"
    },
    allowed={"tingkat": TINGKAT},
    codes=("kode_wilayah", "kode_induk", "kode_bps", "kode_kecamatan"),
)
# The MS-Ind metadata columns of dim_indikator (sources/catalog_frames.py); optional, NULL
# where the catalog does not declare them yet.
INDIKATOR_METADATA = (
    "definisi_en", "konsep", "klasifikasi", "ukuran", "interpretasi", "metode",
    "level_estimasi", "kode_referensi", "iso_indikator", "agregasi", "bobot_indikator",
)  # fmt: skip
INDIKATOR = _Spec(
    table="dim_indikator",
    key="kode",
    columns={
        **dict.fromkeys(
            ["kode", "nama_id", "nama_en", "dimensi", "pilar", "satuan", "arah", "definisi"], _TEXT
        ),
        **dict.fromkeys(["produsen_kode", "produsen", "jadwal", "sumber_id"], _TEXT),
        "sampel": "BOOLEAN",
        **dict.fromkeys(INDIKATOR_METADATA, _TEXT),
    },
    defaults=dict.fromkeys(INDIKATOR_METADATA, "NULL"),
    allowed={"dimensi": DIMENSIONS},
    codes=("kode", "produsen_kode", "sumber_id"),
)
SUMBER = _Spec(
    table="meta_sumber",
    key="sumber_id",
    columns={
        **dict.fromkeys(
            ["sumber_id", "judul", "produsen_kode", "produsen", "jenis", "lokasi", "dimensi"],
            _TEXT,
        ),
        "jadwal": _TEXT,
        "sampel": "BOOLEAN",
        "berkas_katalog": _TEXT,
    },
    defaults={"berkas_katalog": "NULL"},
    allowed={"dimensi": DIMENSIONS},
    codes=("sumber_id", "produsen_kode"),
)


def load_dim_wilayah(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> int:
    """Replace `dim_wilayah` with `df` (kode_wilayah, nama, tingkat, kode_induk, kode_bps and
    optionally kode_kecamatan, derived from tingkat/kode_induk when absent). Empty codes become
    NULL: a kelurahan without a BPS code keeps none."""
    return _replace_rows(con, WILAYAH, df)


def load_dim_indikator(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> int:
    """Replace `dim_indikator` with `df` (one row per indicator; the MS-Ind metadata
    columns optional)."""
    return _replace_rows(con, INDIKATOR, df)


def load_meta_sumber(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> int:
    """Replace `meta_sumber` with `df` (one row per catalog entry; `berkas_katalog` optional)."""
    return _replace_rows(con, SUMBER, df)


def _replace_rows(con: duckdb.DuckDBPyConnection, spec: _Spec, df: pd.DataFrame) -> int:
    what = f"`{spec.table}`"
    required = [c for c in spec.columns if c not in spec.defaults]
    require_columns(df, required, what, "Map the source columns onto these names first.")
    require_text_codes(df, spec.codes, what)
    with registered(con, df) as frame:
        # Text is trimmed and '' becomes NULL so a blank cell never turns into a code.
        raw = ", ".join(
            (
                f"NULLIF(trim(CAST({quote(c)} AS VARCHAR)), '') AS {quote(c)}"
                if t == _TEXT
                else f"CAST({quote(c)} AS {t}) AS {quote(c)}"
            )
            for c, t in spec.columns.items()
            if c in df.columns
        )
        cleaned = f"(SELECT {raw} FROM {frame})"
        # Derived columns may refer to cleaned ones, hence the second projection.
        final = ", ".join(
            quote(c) if c in df.columns else f"{spec.defaults[c]} AS {quote(c)}"
            for c in spec.columns
        )
        source = f"(SELECT {final} FROM {cleaned})"
        _check(con, spec, source, what)
        columns = ", ".join(quote(c) for c in spec.columns)
        with transaction(con):
            con.execute(f"DELETE FROM {spec.table}")
            con.execute(
                f"INSERT INTO {spec.table} ({columns}) SELECT * FROM {source} "
                f"ORDER BY {quote(spec.key)}"
            )
    return len(df)


def _check(con: duckdb.DuckDBPyConnection, spec: _Spec, source: str, what: str) -> None:
    key = quote(spec.key)
    rows = con.execute(
        f"SELECT {key}, count(*) FROM {source} GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 6"
    ).fetchall()
    if rows:
        raise ValueError(f"{what}: `{spec.key}` must be unique; repeated: {examples(rows)}.")
    rows = con.execute(f"SELECT count(*) FROM {source} WHERE {key} IS NULL").fetchall()
    if rows[0][0]:
        raise ValueError(f"{what}: {rows[0][0]} row(s) have an empty `{spec.key}`.")
    for column, allowed in spec.allowed.items():
        rows = con.execute(
            f"SELECT {key}, {quote(column)} FROM {source} "
            f"WHERE {quote(column)} IS NULL OR NOT list_contains(?, {quote(column)}) "
            "ORDER BY 1 LIMIT 6",
            [list(allowed)],
        ).fetchall()
        if rows:
            raise ValueError(
                f"{what}: `{column}` must be one of {', '.join(allowed)}; "
                f"found ({spec.key}, {column}) {examples(rows)}."
            )
