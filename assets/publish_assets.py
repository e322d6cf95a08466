"""Publication assets: the open exports (nightly) and the CKAN portal (job `publish_portal`).

Both read the analyst snapshot, never the work database, and only the tables that passed the
publication gate (blocking checks and the personal-data guard). The portal token reaches the
publisher through `PublicationResource.token`, set from `dg.EnvVar("KOTAPINTAR_PORTAL_TOKEN")`;
asset bodies never read the environment and no metadata carries the token.
"""

import dataclasses
from pathlib import Path

import dagster as dg

from assets.metadata import masks_personal_data
from assets.resources import KotaPintarResource
from portal.exports import export_gated
from portal.publish import PortalConfig, PublicationReport, publish
from warehouse.prints import recorded

GROUP = "publication"
OWNER = ["team:kominfo"]  # the walidata publishes
EXPORTS_ASSET = "open_exports"
PORTAL_ASSET = "portal_publication"
TOKEN_VARIABLE = "KOTAPINTAR_PORTAL_TOKEN"


class PublicationResource(dg.ConfigurableResource):
    """Where exports go and which portal to publish to; `rehearsal` and `dry_run` can be set in
    the launchpad (resources.publication.config) for one run."""

    export_dir: str
    portal_url: str = ""
    portal_org: str = "kominfo-kota-malang"
    rehearsal_prefix: str = "uji-"
    token: str = ""
    rehearsal: bool = False
    dry_run: bool = False
    # Dataset metadata: the walidata's contact e-mail, the publisher's site, the landing base.
    contact_email: str = ""
    publisher_url: str = ""
    landing_url: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.portal_url and self.token)

    def portal_config(self) -> PortalConfig:
        return PortalConfig(
            url=self.portal_url,
            org=self.portal_org,
            token=self.token,
            rehearsal_prefix=self.rehearsal_prefix,
            contact_email=self.contact_email,
            publisher_url=self.publisher_url,
            landing_url=self.landing_url,
        )


def publication_resource(
    export_dir: Path,
    portal_url: str,
    org: str,
    prefix: str,
    *,
    token_set: bool,
    contact_email: str = "",
    publisher_url: str = "",
    landing_url: str = "",
) -> PublicationResource:
    """The resource with the token as an EnvVar reference (resolved at run time, never stored
    in the definitions). Without the variable the token stays empty and nothing is published."""
    return PublicationResource(
        export_dir=str(export_dir),
        portal_url=portal_url,
        portal_org=org,
        rehearsal_prefix=prefix,
        token=dg.EnvVar(TOKEN_VARIABLE) if token_set else "",
        contact_email=contact_email,
        publisher_url=publisher_url,
        landing_url=landing_url,
    )


def build_publish_assets() -> list[dg.AssetsDefinition]:
    """The exports asset (part of the nightly job) and the portal publication asset."""

    @dg.asset(
        name=EXPORTS_ASSET,
        deps=["analyst_snapshot"],
        group_name=GROUP,
        owners=OWNER,
        kinds={"csv", "parquet"},
        description="Open exports for download (KOTAPINTAR_EXPORT_DIR): per dimension a UTF-8 "
        "CSV and a Parquet file of the analyst snapshot's table, plus a Frictionless "
        "datapackage.json (table schema, licence CC-BY-4.0, sources, contributors). Only "
        "tables that passed the publication gate; the folder is written anew and swapped in, so "
        "a rerun gives the same files.",
    )
    @masks_personal_data
    def open_exports(
        kotapintar: KotaPintarResource, publication: PublicationResource
    ) -> dg.MaterializeResult:
        # What the snapshot just recorded of the analyst file spares hashing its tables again.
        known = recorded(kotapintar.work_path, Path(kotapintar.warehouse)).fingerprints
        result = export_gated(kotapintar.warehouse, publication.export_dir, known=known)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.info.folder)),
                "tables": dg.MetadataValue.json(result.info.tables),
                "files": len(result.info.files),
                # Same rows as in the previous export: its files were kept, not written again.
                "unchanged_tables": dg.MetadataValue.json(list(result.info.carried)),
                "withheld": dg.MetadataValue.json(result.withheld),
            }
        )

    @dg.asset(
        name=PORTAL_ASSET,
        deps=["analyst_snapshot"],
        group_name=GROUP,
        owners=OWNER,
        kinds={"ckan"},
        output_required=False,
        description="The six dimension datasets on the city's CKAN portal "
        "(`kota-malang-smart-<dimension>`): CSV, Parquet, data dictionary, Satu Data "
        "indicator metadata, changelog and a DataStore table behind a stable alias, loaded "
        "blue/green. Unchanged content writes nothing; a failed or killed run leaves the "
        "previous table serving and the next run completes it. Publishes only when "
        "KOTAPINTAR_PORTAL_URL and KOTAPINTAR_PORTAL_TOKEN are set, and only gated tables. "
        "An indicator whose MS-Ind metadata has gaps is left out and listed in "
        "`metadata_incomplete`; if the portal already publishes it, its dataset is withheld "
        "instead (the previous publication stays).",
    )
    @masks_personal_data
    def portal_publication(
        context: dg.AssetExecutionContext,
        kotapintar: KotaPintarResource,
        publication: PublicationResource,
    ):
        if not publication.configured:
            context.log.info(
                "KOTAPINTAR_PORTAL_URL or KOTAPINTAR_PORTAL_TOKEN is not set: nothing published."
            )
            return
        # The same HTTP settings as every other client (timeouts, retries, contact).
        config = dataclasses.replace(publication.portal_config(), http=kotapintar.http)
        report = publish(
            config,
            kotapintar.warehouse,
            dry_run=publication.dry_run,
            rehearsal=publication.rehearsal,
            log=context.log.info,
        )
        context.log.info(report.render())
        if publication.dry_run:
            return
        if not report.ok:
            raise dg.Failure(description=report.render(), metadata=report_metadata(report))
        yield dg.MaterializeResult(metadata=report_metadata(report))

    return [open_exports, portal_publication]


def report_metadata(report: PublicationReport) -> dict:
    """Per dataset: what was done, the writes sent and the changelog; totals; the datasets
    withheld or failed with their reasons; and the indicators held back for their metadata."""
    metadata: dict = {"writes": report.writes}
    for plan in report.plans:
        if plan.action == "withheld":
            lines = [f"**withheld**: {'; '.join(plan.reasons)}"]
            lines += [
                f"- {code}: metadata incomplete ({why})" for code, why in plan.held_back.items()
            ]
            metadata[plan.name] = dg.MetadataValue.md("\n".join(lines))
    for result in report.results:
        if result.action == "withheld":
            continue
        lines = [f"**{result.action}**, {result.writes} writes"]
        if result.error:
            lines.append(f"FAILED: {result.error}")
        lines += [f"- {change}" for change in result.changes]
        lines += [
            f"- not published: {code}: metadata incomplete ({why})"
            for code, why in result.held_back.items()
        ]
        metadata[result.name] = dg.MetadataValue.md("\n".join(lines))
    counts = {r.name: r.counts for r in report.results if r.counts}
    metadata["changes"] = dg.MetadataValue.json(counts)
    # The same facts for machines (the alert sensor, pipelines/alert_sensors.py): datasets the
    # gate withheld and datasets whose publication failed, each with its reason.
    metadata["withheld"] = dg.MetadataValue.json(
        {p.name: "; ".join(p.reasons) for p in report.plans if p.action == "withheld"}
    )
    metadata["failed"] = dg.MetadataValue.json({r.name: r.error for r in report.results if r.error})
    metadata["metadata_incomplete"] = dg.MetadataValue.json(
        {p.name: p.held_back for p in report.plans if p.held_back}
    )
    return metadata
