"""The quarantine, `karantina`: every finding of the quality gate, one row per offending row (or
missing row) and rule, appended per load and never rewritten.

A source that fails its checks is not loaded (or, when its catalog entry allows a partial load,
loaded without these rows); its findings land here with the load id (`muat_id`, joins
`meta_muat`), the sheet+cell or record (`lokasi`), the rule (`aturan`), the value found
(`nilai`, masked if it is personal data), what was expected and a message in Indonesian.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd

from warehouse.sqlutil import registered, require_columns, scalar, transaction

# quality.findings.FINDING_COLUMNS, repeated because the warehouse imports nothing of ours;
# tests/test_warehouse.py keeps the two equal.
KARANTINA_COLUMNS: tuple[str, ...] = (
    "sumber_id",
    "produsen_kode",
    "lokasi",
    "aturan",
    "indikator",
    "kode_wilayah",
    "periode",
    "nilai",
    "diharapkan",
    "pesan",
    "per_baris",
)
# The open findings of an agency: those of the latest load of each of its sources. A run that
# found the file `unchanged` skipped the checks, so the findings of the load that checked that
# same file (by sha256) still stand; a newer, different file supersedes them.
_OPEN = """
WITH latest AS (
    SELECT sumber_id, muat_id, outcome, sha256 FROM meta_muat
    QUALIFY row_number() OVER (PARTITION BY sumber_id ORDER BY loaded_at DESC) = 1
),
checked AS (
    SELECT l.sumber_id, CASE WHEN l.outcome <> 'unchanged' THEN l.muat_id ELSE (
        SELECT m.muat_id FROM meta_muat m
        WHERE m.sumber_id = l.sumber_id AND m.sha256 = l.sha256 AND m.outcome <> 'unchanged'
        ORDER BY m.loaded_at DESC LIMIT 1) END AS muat_id
    FROM latest l
)
SELECT k.*, m.outcome AS hasil_muat, m.loaded_at AS dimuat_at, m.lokasi AS berkas
FROM karantina k
JOIN checked c ON c.muat_id = k.muat_id
JOIN meta_muat m ON m.muat_id = k.muat_id
WHERE k.produsen_kode = ?
ORDER BY k.sumber_id, k.per_baris DESC, k.lokasi NULLS LAST, k.aturan
"""


def record_karantina(con: duckdb.DuckDBPyConnection, muat_id: str, findings: pd.DataFrame) -> int:
    """Append the findings of one load (columns KARANTINA_COLUMNS) in one transaction; return
    how many rows were written."""
    if findings is None or findings.empty:
        return 0
    require_columns(
        findings,
        KARANTINA_COLUMNS,
        f"karantina rows of load `{muat_id}`",
        "Build them with quality.findings.",
    )
    columns = ", ".join(KARANTINA_COLUMNS)
    with registered(con, findings[list(KARANTINA_COLUMNS)]) as frame, transaction(con):
        con.execute(
            f"INSERT INTO karantina (muat_id, {columns}, dicatat_at) "
            f"SELECT ?, {columns}, ? FROM {frame}",
            [muat_id, datetime.now(UTC)],
        )
    return len(findings)


def has_findings(con: duckdb.DuckDBPyConnection, produsen_kode: str) -> bool:
    """Whether any finding of the agency is on record (open or not): ~1 ms, where working
    out the open ones (open_findings) costs ~10 ms even on an empty table."""
    return bool(
        scalar(con, "SELECT EXISTS (SELECT 1 FROM karantina WHERE produsen_kode = ?)",
               [produsen_kode])
    )  # fmt: skip


def open_findings(con: duckdb.DuckDBPyConnection, produsen_kode: str) -> pd.DataFrame:
    """The findings still open for one agency (see _OPEN), with the load outcome and file."""
    return con.execute(_OPEN, [produsen_kode]).df()
