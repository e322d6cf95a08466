"""Read-only SQL on the analyst file, returning a DataFrame (the CLI `query` command uses this)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from warehouse.snapshot import DEFAULT_ANALYST_PATH, open_analyst


def query(
    sql: str, path: str | Path = DEFAULT_ANALYST_PATH, params: Sequence[object] | None = None
) -> pd.DataFrame:
    """Run `sql` (with optional `?` parameters) on the published analyst file.

    The connection is read-only, so a statement that writes fails; it is closed before returning,
    so the next publish is never held back and the next query sees the newest file.
    """
    with open_analyst(path) as con:
        return con.execute(sql, params or []).df()
