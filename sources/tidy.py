"""The tidy row contract every parser produces and every later stage consumes."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

# One row per (indikator, kode_wilayah, periode) of one source. `lokasi` says where the value
# came from: "<sheet>!<cell>" for workbooks, "baris <n>, kolom <header>" for CSV, and
# "records[<i>].<field>" for portal feeds.
TIDY_COLUMNS: tuple[str, ...] = (
    "sumber_id",
    "indikator",
    "kode_wilayah",
    "periode",
    "nilai",
    "status",
    "catatan",
    "lokasi",
)
KEY_COLUMNS: tuple[str, ...] = ("indikator", "kode_wilayah", "periode")
# A CSV parser may add each row's place as numbers: `lokasi` is then exactly
# csv_lokasi(lokasi_baris, lokasi_kolom), and the work database stores the two numbers and derives
# the text (one distinct string per row cost DuckDB ~0.1-0.2 s per 1M rows to write).
CSV_LOKASI_PARTS: tuple[str, ...] = ("lokasi_baris", "lokasi_kolom")


def csv_lokasi(baris: int, kolom: int) -> str:
    """Where a CSV cell is, for people: 1-based line and column."""
    return f"baris {baris}, kolom {kolom}"


# final; sementara (provisional: a "*" after the number or the period); perkiraan (an estimate or
# projection: indicators the catalog declares `estimate: true`).
STATUSES: tuple[str, ...] = ("final", "sementara", "perkiraan")
# YYYY, YYYY-MM, YYYY-Qn (triwulan) or YYYY-Sn (semester).
PERIODE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$"


def empty_tidy() -> pd.DataFrame:
    return tidy_frame([])


def tidy_frame(rows: Sequence[dict] | Sequence[tuple]) -> pd.DataFrame:
    """Build a tidy DataFrame with the contract's columns and dtypes (codes always text) from
    rows as dicts, or as tuples in TIDY_COLUMNS order."""
    frame = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
    text = [c for c in TIDY_COLUMNS if c != "nilai"]
    frame[text] = frame[text].astype("string")
    frame["nilai"] = pd.to_numeric(frame["nilai"], errors="raise").astype("float64")
    return frame
