"""The resource every asset reads its paths and mode from; built from the environment in
`pipelines/definitions.py` (never read inside asset bodies)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from assets.quality_stage import QualityOptions
from sources.http import DEFAULT_CONTACT, HttpConfig
from warehouse.db import connect, kept_open, release_memory, work_db
from warehouse.run_lock import hold_work_db

WORK_DB_FILE = "work.duckdb"  # in data_dir; DuckDB names its tables `work.main.<table>`


class KotaPintarResource(dg.ConfigurableResource):
    """Where the pipeline keeps its state and publishes, and whether it may use the network."""

    warehouse: str
    data_dir: str
    offline: bool = True
    # The quality gate's files; "" switches one off.
    koreksi_dir: str = ""
    data_docs_dir: str = ""
    # Where data_docs_dir is served over HTTP (KOTAPINTAR_DATA_DOCS_URL, `kotapintar
    # datadocs`); "" links the pages by path only.
    data_docs_url: str = ""
    # Acquisition: the HTTP client's patience and limits, and the token for private portal
    # feeds, bound to dg.EnvVar("KOTAPINTAR_FEED_TOKEN") so the UI shows the variable's name,
    # never its value.
    http_connect_timeout: float = 10.0
    http_read_timeout: float = 60.0
    http_retries: int = 4
    http_backoff: float = 1.0
    fetch_deadline: float = 300.0  # seconds for a whole fetch (KOTAPINTAR_FETCH_DEADLINE)
    max_download_bytes: int = 200 * 1024 * 1024
    contact: str = DEFAULT_CONTACT
    feed_token: str | None = None
    # The BPS WebAPI key (kind `bps_webapi`), bound to dg.EnvVar("KOTAPINTAR_BPS_KEY") likewise.
    bps_key: str | None = None

    @property
    def landing_root(self) -> Path:
        return Path(self.data_dir) / "landing"

    @property
    def work_path(self) -> Path:
        return Path(self.data_dir) / WORK_DB_FILE

    @property
    def quality(self) -> QualityOptions:
        """Where the quality gate writes correction workbooks and Data Docs, and where the
        Data Docs are served."""
        return QualityOptions(
            koreksi_dir=Path(self.koreksi_dir) if self.koreksi_dir else None,
            data_docs_dir=Path(self.data_docs_dir) if self.data_docs_dir else None,
            data_docs_url=self.data_docs_url,
        )

    @property
    def http(self) -> HttpConfig:
        """The HTTP client settings every fetch uses."""
        return HttpConfig(
            connect_timeout=self.http_connect_timeout,
            read_timeout=self.http_read_timeout,
            retries=self.http_retries,
            backoff=self.http_backoff,
            deadline=self.fetch_deadline,
            max_bytes=self.max_download_bytes,
            contact=self.contact,
        )

    @contextmanager
    def work_db(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One short-lived connection to the work database (DuckDB has one writer at a time).
        The memory its work freed is handed back when it closes (a step such as the warehouse
        build runs in one), so the next step does not start on top of it."""
        try:
            with work_db(self.work_path) as con:
                yield con
        finally:
            release_memory()

    @contextmanager
    def step_work_db(self) -> Iterator[SharedWorkDb]:
        """For one step: a `work_db`-like factory whose every call yields the same connection,
        closed when the step's block ends. Never held across steps: the analyst snapshot
        ATTACHes files, and DuckDB caches an open database per path within a process."""
        shared = SharedWorkDb(self.work_path)
        try:
            yield shared
        finally:
            shared.close()

    # One run at a time on the work database (warehouse/run_lock.py): Dagster initialises this
    # resource once per run (in-process executor), so the lock spans the whole run, whoever
    # launched it: UI, schedule or `kotapintar run`.
    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Any]:
        """Hold the work database for the run, waiting (and saying for which run) while another
        run holds it, instead of failing on DuckDB's file lock."""
        run = context.dagster_run

        def say(message: str) -> None:
            context.log.info(message)  # the run's event log (UI)
            logging.getLogger("kotapintar").info(message)  # `kotapintar run` output

        with (
            hold_work_db(
                self.work_path, context.run_id or "", run.job_name if run else "", notify=say
            ),
            kept_open(self.work_path),  # the steps' connections join it: no catalog re-read
            super().yield_for_execution(context) as resource,
        ):
            yield resource


class SharedWorkDb:
    """Call it like `KotaPintarResource.work_db`: `with shared() as con`. The first call opens
    the work database, later calls reuse that connection (opening one costs 50-80 ms, most of
    what an unchanged source costs). Each unit of work still commits or rolls back its own
    transaction; `close()` after an unexpected error so the next call starts clean."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._con: duckdb.DuckDBPyConnection | None = None

    @contextmanager
    def __call__(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._con is None:
            self._con = connect(self._path)
        yield self._con

    def close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            con.close()
            release_memory()
