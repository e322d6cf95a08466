"""The one Dagster entry point (`workspace.yaml` points here): assets from the catalog, the
nightly job and its schedule, and the resource built from the environment."""

from __future__ import annotations

import dagster as dg

from assets.resources import KotaPintarResource
from assets.source_assets import build_source_assets
from assets.warehouse_assets import build_warehouse_assets
from pipelines.settings import Settings
from sources.catalog import load_catalog

NIGHTLY_JOB = "nightly_refresh"


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Definitions for the catalog in `settings` (from the environment by default)."""
    settings = settings or Settings.from_env()
    entries = load_catalog(settings.catalog_dir)
    assets = [build_source_assets(entry) for entry in entries]
    assets += build_warehouse_assets(entries)
    # In-process: DuckDB takes one writer at a time, so steps run one after another in one
    # process instead of fighting over the work database's file lock (and skip the ~1-2 s
    # start-up per step of the multiprocess executor).
    nightly = dg.define_asset_job(
        NIGHTLY_JOB,
        selection=dg.AssetSelection.all(),
        executor_def=dg.in_process_executor,
        description="Fetch, parse, validate and load every catalog source, rebuild the fact "
        "and dimension tables and publish the analyst snapshot.",
    )
    schedule = dg.ScheduleDefinition(
        name="nightly_refresh_schedule",
        job=nightly,
        cron_schedule="0 1 * * *",
        execution_timezone="Asia/Jakarta",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night at 01:00 WIB (Asia/Jakarta).",
    )
    resource = KotaPintarResource(
        warehouse=str(settings.warehouse),
        data_dir=str(settings.data_dir),
        offline=settings.offline,
    )
    return dg.Definitions(
        assets=assets,
        jobs=[nightly],
        schedules=[schedule],
        resources={"kotapintar": resource},
        executor=dg.in_process_executor,
    )


defs = build_definitions()
