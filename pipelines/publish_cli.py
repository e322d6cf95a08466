"""`kotapintar publish [--dry-run] [--rehearsal]` and `kotapintar export DIR`.

Both read the analyst snapshot (the checked, published state) and only tables that passed the
publication gate. The portal token comes from the environment and is handed to the publisher
without ever being printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pipelines.settings import Settings, portal_token

Handler = Callable[[argparse.Namespace, Settings], int]


def add_commands(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """Register the two commands on the `kotapintar` parser; return their handlers."""
    publish = commands.add_parser(
        "publish",
        help="publish the gated dimension tables to the CKAN portal (KOTAPINTAR_PORTAL_URL)",
    )
    publish.add_argument(
        "--dry-run", action="store_true", help="print the plan; write nothing to the portal"
    )
    publish.add_argument(
        "--rehearsal",
        action="store_true",
        help="publish private datasets named with KOTAPINTAR_PORTAL_REHEARSAL_PREFIX",
    )
    export = commands.add_parser(
        "export", help="write CSV, Parquet and datapackage.json of the gated tables to DIR"
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
