"""`kotapintar publish [--dry-run] [--rehearsal]` and `kotapintar export DIR`.

Both read the analyst snapshot (the checked, published state) and only tables that passed the
publication gate. The portal token comes from the environment and is handed to the publisher
without ever being printed.
"""

from __future__ import annotations

import argparse
import sys

from pipelines.cli_help import ANALYST_FILE, Handler, add_command
from pipelines.settings import Settings, portal_token


def add_commands(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """Register the two commands on the `kotapintar` parser; return their handlers."""
    publish = add_command(
        commands,
        "publish",
        summary="publish the gated dimension tables to the CKAN portal",
        description="""Reads the analyst file and publishes, per smart-city dimension, one
        dataset to the CKAN portal: the table in the DataStore, CSV and Parquet downloads, the
        data dictionary, the indicator metadata and a change log. Only tables that passed the
        publication gate leave the city; a withheld table keeps its previous version on the
        portal. Unchanged datasets are left alone. `--dry-run` prints the plan (created,
        changed, left alone, withheld) and writes nothing.""",
        environment={
            "KOTAPINTAR_PORTAL_URL": "the portal's base URL",
            "KOTAPINTAR_PORTAL_TOKEN": "secret: a CKAN API token (never printed or stored)",
            "KOTAPINTAR_PORTAL_ORG": "the CKAN organization that owns the datasets",
            "KOTAPINTAR_PORTAL_REHEARSAL_PREFIX": "name prefix of --rehearsal datasets",
        },
        exit_codes={
            0: "every dataset published or unchanged (withheld ones are listed)",
            1: "a dataset failed, the token may not publish to the organization, or the "
            "portal did not answer in time",
            2: "not configured (URL, token, organization) or no analyst file yet",
        },
    )
    publish.add_argument(
        "--dry-run", action="store_true", help="print the plan; write nothing to the portal"
    )
    publish.add_argument(
        "--rehearsal",
        action="store_true",
        help="publish private datasets named with KOTAPINTAR_PORTAL_REHEARSAL_PREFIX",
    )
    export = add_command(
        commands,
        "export",
        summary="write CSV, Parquet and datapackage.json of the gated tables to DIR",
        description="""Writes the open exports of the analyst file: per dimension a CSV and a
        Parquet file, `datapackage.json` (Frictionless Data Package) and `tableschema.json`.
        Withheld tables are listed and left out. The folder is replaced whole, atomically.""",
        environment={"KOTAPINTAR_WAREHOUSE": ANALYST_FILE},
        exit_codes={0: "exported", 2: "no analyst file yet (run `make run`)"},
    )
    export.add_argument("dir", help="the export folder (replaced whole)")
    return {"publish": _publish, "export": _export}


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when every dataset is published or unchanged; 1 when the portal refused the
    token, did not answer, or a dataset failed; 2 when the configuration is incomplete."""
    from portal.api import PortalError, PortalSetupError
    from portal.publish import PortalConfig, publish

    if not _analyst_exists(settings):
        return 2
    if not settings.portal_url:
        print("Nothing published: KOTAPINTAR_PORTAL_URL is not set.", file=sys.stderr)
        return 2
    token = portal_token()
    if not token and not args.dry_run:
        print(
            "Nothing published: KOTAPINTAR_PORTAL_TOKEN is not set (`--dry-run` works without it).",
            file=sys.stderr,
        )
        return 2
    config = PortalConfig(
        url=settings.portal_url,
        org=settings.portal_org,
        token=token,
        rehearsal_prefix=settings.rehearsal_prefix,
        http=settings.http,
        contact_email=settings.portal_contact_email,
        publisher_url=settings.portal_publisher_url,
        landing_url=settings.portal_landing_url,
    )
    mode = " (rehearsal: private datasets)" if args.rehearsal else ""
    print(f"kotapintar publish: {settings.portal_url}, organization {settings.portal_org}{mode}")
    try:
        report = publish(config, settings.warehouse, dry_run=args.dry_run, rehearsal=args.rehearsal)
    except PortalError as exc:  # the whole publication stopped: one line, never the token
        print(f"kotapintar publish: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, PortalSetupError) else 1
    print(report.render())
    return 0 if report.ok else 1


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from portal.exports import export_gated

    if not _analyst_exists(settings):
        return 2
    result = export_gated(settings.warehouse, args.dir)
    for name in sorted(result.info.files):
        print(f"  {name}")
    for table, reason in result.withheld.items():
        print(f"  withheld {table}: {reason}")
    rows = sum(result.info.tables.values())
    print(f"Exported {len(result.info.tables)} tables ({rows} rows) to {result.info.folder}")
    return 0


def _analyst_exists(settings: Settings) -> bool:
    if settings.warehouse.is_file():
        return True
    print(f"No analyst file at {settings.warehouse}: run `make run` first.", file=sys.stderr)
    return False
