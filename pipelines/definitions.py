"""The one Dagster entry point (`workspace.yaml` points here): assets from the catalog, the
nightly job and its schedule, and the resource built from the environment."""

from __future__ import annotations

import os

import dagster as dg

from assets.metadata import with_python_code_references
from assets.publish_assets import PORTAL_ASSET, build_publish_assets, publication_resource
from assets.resources import KotaPintarResource
from assets.source_assets import build_source_assets
from assets.warehouse_assets import build_warehouse_assets
from pipelines.alert_sensors import build_alert_sensors
from pipelines.nightly_schedule import build_nightly_schedule
from pipelines.settings import Settings, portal_token
from sources.catalog import SourceEntry, load_catalog
from warehouse.db import use_system_allocator

NIGHTLY_JOB = "nightly_refresh"
FEED_TOKEN = "KOTAPINTAR_FEED_TOKEN"
BPS_KEY = "KOTAPINTAR_BPS_KEY"
PUBLISH_JOB = "publish_portal"


def build_definitions(
    settings: Settings | None = None,
    entries: list[SourceEntry] | None = None,
    *,
    code_references: bool = True,
) -> dg.Definitions:
    """Definitions for the catalog in `settings` (from the environment by default); `entries`:
    that catalog already loaded (`kotapintar run` loads it once for its nothing-new check).
    `code_references`: the links from each asset to its code and catalog entry, which the UI
    shows from the code location it loads; `kotapintar run` leaves them out of its run
    (~0.1 s at 200 sources: the catalog entries' files are read for their lines)."""
    settings = settings or Settings.from_env()
    use_system_allocator()  # a lower peak for every process that runs the job (warehouse/db.py)
    entries = entries if entries is not None else load_catalog(settings.catalog_dir)
    assets = [build_source_assets(entries, code_references=code_references)]
    assets += build_warehouse_assets(entries)
    assets += build_publish_assets()
    # In-process: DuckDB takes one writer at a time, so steps run one after another in one
    # process instead of fighting over the work database's file lock (and skip the ~1-2 s
    # start-up per step of the multiprocess executor).
    nightly = dg.define_asset_job(
        NIGHTLY_JOB,
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(PORTAL_ASSET),
        executor_def=dg.in_process_executor,
        description="Fetch, parse, validate and load every catalog source, rebuild the fact "
        "and dimension tables, publish the analyst snapshot and write the open exports.",
    )
    publish_job = dg.define_asset_job(
        PUBLISH_JOB,
        selection=dg.AssetSelection.assets(PORTAL_ASSET),
        executor_def=dg.in_process_executor,
        description="Publish the analyst snapshot's gated tables to the CKAN portal "
        "(KOTAPINTAR_PORTAL_URL / _TOKEN / _ORG); does nothing when they are not set.",
    )

    # The portal follows a successful nightly run; on by default only when a portal is set.
    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[nightly],
        request_job=publish_job,
        default_status=dg.DefaultSensorStatus.RUNNING
        if settings.portal_url
        else dg.DefaultSensorStatus.STOPPED,
        description="After each successful nightly_refresh run, start publish_portal.",
    )
    def publish_after_nightly(context: dg.RunStatusSensorContext):
        return dg.RunRequest(run_key=context.dagster_run.run_id)

    def nightly_keys() -> set[dg.AssetKey]:
        return {key for a in assets for key in a.keys} - {dg.AssetKey(PORTAL_ASSET)}

    schedule = build_nightly_schedule(settings, nightly, nightly_keys)
    resource = KotaPintarResource(
        warehouse=str(settings.warehouse),
        data_dir=str(settings.data_dir),
        offline=settings.offline,
        koreksi_dir=str(settings.koreksi_path),
        data_docs_dir=str(settings.data_docs_path or ""),
        data_docs_url=settings.data_docs_url,
        http_connect_timeout=settings.http.connect_timeout,
        http_read_timeout=settings.http.read_timeout,
        http_retries=settings.http.retries,
        http_backoff=settings.http.backoff,
        fetch_deadline=settings.http.deadline,
        max_download_bytes=settings.http.max_bytes,
        contact=settings.http.contact,
        # The token only as an EnvVar reference: resolved when the run starts, never shown.
        feed_token=dg.EnvVar(FEED_TOKEN) if os.environ.get(FEED_TOKEN) else None,
        bps_key=dg.EnvVar(BPS_KEY) if os.environ.get(BPS_KEY) else None,
    )
    return dg.Definitions(
        assets=with_python_code_references(assets) if code_references else assets,
        sensors=[publish_after_nightly, *build_alert_sensors(settings)],
        jobs=[nightly, publish_job],
        schedules=[schedule],
        resources={
            "kotapintar": resource,
            "publication": publication_resource(
                settings.export_path,
                settings.portal_url,
                settings.portal_org,
                settings.rehearsal_prefix,
                token_set=bool(portal_token()),
                contact_email=settings.portal_contact_email,
                publisher_url=settings.portal_publisher_url,
                landing_url=settings.portal_landing_url,
            ),
        },
        executor=dg.in_process_executor,
    )


# Lazy (Dagster's preferred form): Dagster's loaders (`dagster dev`, the daemon, `definitions
# validate`) call it; importing this module, as `kotapintar run` and the tests do, builds
# nothing (the run builds its own Definitions for its Settings).
@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
