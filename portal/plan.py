"""The publication plan: what would be created, changed or left alone, and in which order.

`plan_dataset` is a pure function of what we want to publish (`Desired`) and what the portal
holds (`PortalState`), so `publish --dry-run` prints exactly the steps a real run would take.
The order is the blue/green order: load a new table and check it, repoint the alias, upload
the files, record the publication on the package (commit), and only then drop old tables. A
dataset published before the fields were named for the public gets its `kotapintar_*` fields
renamed on the way (one resource_update per resource not uploaded anyway; the commit renames
the package's), never a re-upload.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.changelog import Changelog
from portal.state import DATA_SHA, META_SHA, PortalState, content_sha

FILE_ROLES = ("data_csv", "data_parquet", "dictionary", "indicators")


@dataclass(frozen=True)
class Desired:
    """One dataset as it should be on the portal after the publication."""

    dimension: str
    name: str
    alias: str
    package: dict
    metadata_sha256: str
    data_sha256: str
    rows: int
    # role -> sha256 of what the resource must hold (data files: the data hash)
    file_sha256: dict[str, str]


@dataclass(frozen=True)
class Step:
    """One action on the portal; `target` is a resource id or a role where it needs one."""

    # create_package, load_table, reuse_table, repoint_alias, upload, rename_fields, commit,
    # drop_table
    kind: str
    target: str = ""

    def describe(self, desired: Desired) -> str:
        text = {
            "create_package": f"create dataset {desired.name}",
            "load_table": f"load a new DataStore table ({desired.rows} rows) and check its count",
            "reuse_table": f"reuse the table {self.target} loaded by an interrupted run",
            "repoint_alias": f"point alias {desired.alias} at the new table",
            "upload": f"upload {self.target}",
            "rename_fields": f"rename the kotapintar_* fields of resource {self.target}",
            "commit": "record the publication on the dataset (metadata, hashes, modified)",
            "drop_table": f"drop the old table {self.target}",
        }
        return text[self.kind]


@dataclass(frozen=True)
class DatasetPlan:
    """`action`: create, update, unchanged or withheld (the gate refused the table).
    `held_back`: indicators left out of this publication -> why (their metadata gaps)."""

    desired: Desired | None
    dimension: str
    name: str
    action: str
    steps: tuple[Step, ...] = ()
    reasons: tuple[str, ...] = ()
    changelog: Changelog | None = None
    state: PortalState | None = field(default=None, compare=False, repr=False)
    held_back: dict[str, str] = field(default_factory=dict)


def plan_dataset(
    desired: Desired,
    state: PortalState,
    changelog: Changelog | None,
    held_back: dict[str, str] | None = None,
) -> DatasetPlan:
    """The steps that take the portal from `state` to `desired`; none when nothing changed.
    `held_back` (indicators the metadata gate left out) is only reported."""
    steps: list[Step] = []
    reasons: list[str] = []
    extras = state.extras
    if state.package is None:
        steps.append(Step("create_package"))
        reasons.append("dataset does not exist")
    serving_ok = state.serving is not None and content_sha(state.serving) == desired.data_sha256
    keep = state.serving_id if serving_ok else None
    if not serving_ok:
        reusable = [
            t["id"]
            for t in state.tables
            if content_sha(t) == desired.data_sha256 and state.counts.get(t["id"]) == desired.rows
        ]
        keep = reusable[0] if reusable else None
        steps.append(Step("reuse_table", keep) if keep else Step("load_table"))
        steps.append(Step("repoint_alias"))
        reasons.append("data changed" if state.serving else "no table serves the alias")
    uploads = []
    for role in FILE_ROLES:
        resource = state.files.get(role)
        if resource is None or content_sha(resource) != desired.file_sha256[role]:
            uploads.append(role)
            if state.package is not None:
                reasons.append(f"{role} {'missing' if resource is None else 'changed'}")
    committed = extras.get(DATA_SHA) == desired.data_sha256
    if not committed:
        uploads.append("changelog")
    steps += [Step("upload", role) for role in uploads]
    # An uploaded file is written whole (renamed on the way); a dropped table needs nothing.
    replaced = {state.files[r]["id"] for r in uploads if r in state.files}
    replaced |= {t["id"] for t in state.tables if t["id"] != keep}
    legacy = state.legacy
    for resource_id in legacy:
        if resource_id not in replaced and resource_id != "package":
            steps.append(Step("rename_fields", resource_id))
    if legacy:
        reasons.append("kotapintar_* fields renamed for the public")
    metadata_changed = extras.get(META_SHA) != desired.metadata_sha256
    inactive = state.package is not None and state.package.get("state") != "active"
    if metadata_changed and state.package is not None:
        reasons.append("metadata changed")
    if inactive:
        reasons.append("dataset was deleted: restore it")
    if not committed or metadata_changed or inactive or "package" in legacy:
        steps.append(Step("commit"))
    # Old tables go last: until the commit the changelog base and the previous data must stay.
    for table in state.tables:
        if table["id"] != keep:
            steps.append(Step("drop_table", table["id"]))
            if committed and serving_ok:
                reasons.append("left-over table from an earlier run")
    action = "unchanged" if not steps else "create" if state.package is None else "update"
    return DatasetPlan(
        desired=desired,
        dimension=desired.dimension,
        name=desired.name,
        action=action,
        steps=tuple(steps),
        reasons=tuple(dict.fromkeys(reasons)),
        changelog=changelog if not committed else None,
        state=state,
        held_back=dict(held_back or {}),
    )


def withheld(
    dimension: str, name: str, reason: str, held_back: dict[str, str] | None = None
) -> DatasetPlan:
    """A dataset the gate keeps off the portal; whatever the portal has stays as it is."""
    return DatasetPlan(
        None, dimension, name, "withheld", reasons=(reason,), held_back=dict(held_back or {})
    )


def render(plans: list[DatasetPlan]) -> str:
    """The plan as text, one block per dataset (what `publish --dry-run` prints)."""
    lines = []
    for plan in plans:
        head = f"{plan.name}: {plan.action}"
        if plan.reasons:
            head += f" ({'; '.join(plan.reasons)})"
        lines.append(head)
        for step in plan.steps:
            lines.append(f"  - {step.describe(plan.desired)}")
        if plan.changelog is not None:
            lines += [f"    {line}" for line in plan.changelog.summary(limit=10)]
        lines += held_back_lines(plan.held_back)
    counts = {a: sum(p.action == a for p in plans) for a in ("create", "update", "unchanged")}
    counts["withheld"] = sum(p.action == "withheld" for p in plans)
    total = ", ".join(f"{n} {a}" for a, n in counts.items())
    held = sum(len(p.held_back) for p in plans)
    lines.append(total + (f"; {held} indicator(s) held back (metadata)" if held else ""))
    return "\n".join(lines)


def held_back_lines(held_back: dict[str, str]) -> list[str]:
    """One line per indicator the metadata gate left out, with its gaps."""
    return [
        f"  ! not published: {code}: metadata incomplete ({gaps})"
        for code, gaps in held_back.items()
    ]
