"""`publish`: from the analyst snapshot to the portal, gated, planned, idempotent.

    snapshot ──gate──▶ tables that passed ──read──▶ desired datasets
    portal   ──read──▶ state per dataset ──metadata gate, plan──▶ steps (none when unchanged)
    steps    ──execute (blue/green)──▶ report (per dataset: steps, writes, changelog, error)

Indicators whose MS-Ind metadata has gaps are left out and reported (portal/completeness.py);
one the portal already publishes withholds its whole dataset instead, so nothing published is
lost. One dataset failing does not stop the others; its previous publication keeps serving. Before
anything is planned a real run proves the token may publish to the organization (one read), so
a wrong or expired token fails every run, not only the runs that have something to write.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from portal.api import PortalApi, PortalForbidden, PortalSetupError
from portal.changelog import diff
from portal.completeness import metadata_verdict
from portal.content import DimensionContent, read_content
from portal.execute import DatasetResult, Executor, Hook
from portal.gate import table_verdicts
from portal.metadata import (
    Publisher,
    alias_name,
    dataset_name,
    dictionary_csv,
    indicators_csv,
    metadata_sha256,
    package_dict,
    published_indicators,
)
from portal.plan import DatasetPlan, Desired, held_back_lines, plan_dataset, render, withheld
from portal.state import DATA_SHA, read_package, read_state, search_all
from sources.http import HttpConfig
from warehouse.dictionary import COLUMN_NAMES
from warehouse.reference import DIMENSIONS
from warehouse.snapshot import open_analyst


@dataclass(frozen=True)
class PortalConfig:
    """Where to publish. The token is kept out of repr() so it cannot leak into a log."""

    url: str
    org: str
    token: str = field(default="", repr=False)
    rehearsal_prefix: str = "uji-"
    # Timeouts, retries, backoff and User-Agent contact: KOTAPINTAR_HTTP_TIMEOUT, _RETRIES,
    # _BACKOFF and KOTAPINTAR_CONTACT (Settings.http); the publication's deadline derives from
    # them (portal/api.py).
    http: HttpConfig = field(default_factory=HttpConfig)
    # Dataset metadata (KOTAPINTAR_PORTAL_CONTACT_EMAIL, _PUBLISHER_URL, _LANDING_URL); empty
    # contact fields are left out, the landing pages default to the portal's dataset pages.
    contact_email: str = ""
    publisher_url: str = ""
    landing_url: str = ""

    @property
    def publisher(self) -> Publisher:
        return Publisher(
            landing_base=self.landing_url or f"{self.url.rstrip('/')}/dataset",
            contact_email=self.contact_email,
            publisher_url=self.publisher_url,
        )


@dataclass
class PublicationReport:
    """The plan of every dataset and, unless dry-run, what was done."""

    plans: list[DatasetPlan]
    results: list[DatasetResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(r.error for r in self.results)

    @property
    def writes(self) -> int:
        return sum(r.writes for r in self.results)

    def render(self) -> str:
        if self.dry_run:
            return "Plan (dry run, nothing written):\n" + render(self.plans)
        lines = []
        for r in self.results:
            status = f"{r.action}, {r.writes} writes"
            if r.error:  # writes: those the portal accepted before the failure
                status = f"FAILED after {r.writes} writes: {r.error}"
            status += f" ({r.note})" if r.note else ""
            lines.append(f"{r.name}: {status}")
            lines += [f"  {c}" for c in r.changes[:10]]
            lines += held_back_lines(r.held_back)
        lines.append(f"{self.writes} writes in all")
        return "\n".join(lines)


def publish(
    config: PortalConfig,
    analyst_path: str | Path,
    *,
    dry_run: bool = False,
    rehearsal: bool = False,
    dimensions: Sequence[str] = DIMENSIONS,
    hook: Hook | None = None,
    api: PortalApi | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> PublicationReport:
    """Plan the publication of every dimension dataset and, unless `dry_run`, carry it out.

    `rehearsal` publishes private datasets named with `config.rehearsal_prefix`."""
    if not config.url:
        raise PortalSetupError(
            "No portal configured: set KOTAPINTAR_PORTAL_URL. Nothing published."
        )
    if not dry_run and not config.token:
        raise PortalSetupError(
            "No portal token: set KOTAPINTAR_PORTAL_TOKEN (an API token of an editor of the "
            f"organization `{config.org}`). Nothing published; `--dry-run` works without it."
        )
    api = api or PortalApi(config.url, config.token, http=config.http)
    org = api.find("organization_show", id=config.org)
    if org is None:
        raise PortalSetupError(
            f"Organization `{config.org}` not found on {config.url} (or not visible to this "
            "token). Create the walidata's organization there or set KOTAPINTAR_PORTAL_ORG."
        )
    if not dry_run:
        check_write_access(api, config, org)
    prefix = config.rehearsal_prefix if rehearsal else ""
    published_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    con = open_analyst(analyst_path)
    try:
        verdicts = table_verdicts(con, dimensions)
        passed = [d for d in dimensions if verdicts[d].passed]
        contents = read_content(con, passed)
        plans = []
        for dim in dimensions:
            name = dataset_name(dim, prefix)
            if not verdicts[dim].passed:
                plans.append(withheld(dim, name, verdicts[dim].reason))
                continue
            package = read_package(api, name)
            verdict = metadata_verdict(con, contents[dim], published_indicators(package))
            if verdict.content is None:
                plans.append(withheld(dim, name, verdict.reason, verdict.held_back))
                continue
            contents[dim] = verdict.content
            plans.append(
                _plan(api, verdict.content, org, package, config, rehearsal, verdict.held_back)
            )
        report = PublicationReport(plans=plans, dry_run=dry_run)
        if dry_run:
            return report
        with tempfile.TemporaryDirectory(prefix="kotapintar-publish-") as workdir:
            for plan in plans:
                if plan.action in ("unchanged", "withheld"):
                    note = "; ".join(plan.reasons)
                    report.results.append(
                        DatasetResult(plan.name, plan.action, note=note, held_back=plan.held_back)
                    )
                    continue
                content = contents[plan.dimension]
                executor = Executor(api, plan, content, con, Path(workdir), published_at, hook)
                result = executor.run()
                report.results.append(result)
                log(f"{result.name}: {result.error or f'{result.action}, {result.writes} writes'}")
        return report
    finally:
        con.close()


def check_write_access(api: PortalApi, config: PortalConfig, org: dict) -> None:
    """Fail unless the token may create datasets in the organization (editor, admin or
    sysadmin). One read, `organization_list_for_user(permission=create_dataset)`: CKAN answers
    it for anyone and lists only the organizations where the caller has that permission, so a
    wrong, expired or revoked token (CKAN treats it as anonymous: an empty list, or 403) and a
    mere member both fail here, on every run, and an unchanged publication still writes
    nothing. The message never contains the token."""
    try:
        allowed = api.read("organization_list_for_user", permission="create_dataset")
    except PortalForbidden:
        allowed = []
    if any(o.get("id") == org.get("id") or o.get("name") == config.org for o in allowed):
        return
    raise PortalForbidden(
        f"The portal token (KOTAPINTAR_PORTAL_TOKEN) may not publish to `{config.org}` on "
        f"{config.url}: organization_list_for_user(permission=create_dataset) does not list the "
        "organization for it. The token is wrong, expired or revoked, or its user is not an "
        "editor or admin of the organization. Nothing published: create an API token for an "
        "editor of the organization (user page → API Tokens) and set KOTAPINTAR_PORTAL_TOKEN."
    )


def _plan(
    api: PortalApi,
    content: DimensionContent,
    org: dict,
    found: dict | None,
    config: PortalConfig,
    rehearsal: bool,
    held_back: dict[str, str],
) -> DatasetPlan:
    dim = content.dimension
    prefix = config.rehearsal_prefix if rehearsal else ""
    package = package_dict(
        content, org, prefix=prefix, private=rehearsal, publisher=config.publisher
    )
    data_sha = content.data_sha256
    desired = Desired(
        dimension=dim,
        name=dataset_name(dim, prefix),
        alias=alias_name(dim, prefix),
        package=package,
        metadata_sha256=metadata_sha256(package),
        data_sha256=data_sha,
        rows=len(content.rows),
        file_sha256={
            "data_csv": data_sha,
            "data_parquet": data_sha,
            "dictionary": _sha(dictionary_csv()),
            "indicators": _sha(indicators_csv(content)),
        },
    )
    state = read_state(api, found, desired.alias, data_sha)
    changelog = None
    if state.extras.get(DATA_SHA) != data_sha:
        base = state.committed_table
        old = search_all(api, base["id"], COLUMN_NAMES) if base else None
        changelog = diff(old, content.records)
    return plan_dataset(desired, state, changelog, held_back)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
