"""The resource every asset reads its paths and mode from; built from the environment in
`pipelines/definitions.py` (never read inside asset bodies)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import dagster as dg
import duckdb

from warehouse.db import work_db


class KotaPintarResource(dg.ConfigurableResource):
    """Where the pipeline keeps its state and publishes, and whether it may use the network."""

    warehouse: str
    data_dir: str
    offline: bool = True

    @property
    def landing_root(self) -> Path:
        return Path(self.data_dir) / "landing"

    @property
    def work_path(self) -> Path:
        return Path(self.data_dir) / "work.duckdb"

    def work_db(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """One short-lived connection to the work database (DuckDB has one writer at a time)."""
        return work_db(self.work_path)
