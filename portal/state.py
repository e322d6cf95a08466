"""What the portal holds for one dataset, read without writing anything.

CKAN shows every package extra and every extra resource field on its public pages ("Additional
Info"), so the state the publisher keeps there uses CKAN's own fields where one exists and
names the rest for the reader:

- a resource's role (data_csv, data_parquet, dictionary, indicators, changelog, table) is its
  core `resource_type`; a file's `hash` (core, DCAT's checksum) is the sha256 of its bytes, which
  is also how the dictionary and indicator files are compared;
- data files, the changelog and DataStore tables carry `versi_data_sha256`: the version of the
  data they hold (the data hash, as in the changelog's `versi`);
- the package keeps the last completed publication: `versi_data_sha256`,
  `versi_metadata_sha256`, `datastore_resource_id` (the table it serves) and
  `nomor_publikasi` (the changelog's `publikasi`).

Portals published before these names carry `kotapintar_*` fields (LEGACY): they are read as
the new names, so such a dataset is updated in place, and renamed by the next publication
(`PortalState.legacy`). The table actually serving is whatever the stable alias points to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from portal.api import PortalApi, PortalError, PortalForbidden

ROLE = "resource_type"  # CKAN core resource field
HASH = "hash"  # CKAN core resource field: sha256 of the uploaded file
SHA = "versi_data_sha256"  # on resources that hold the data (DATA_ROLES)
DATA_SHA = "versi_data_sha256"  # on the package: the data of the last publication
META_SHA = "versi_metadata_sha256"
TABLE = "datastore_resource_id"
# The number of the last committed publication: the changelog's key (portal/changelog.py).
PUBLICATION = "nomor_publikasi"
STATE_EXTRAS = ("issued", "modified", DATA_SHA, META_SHA, TABLE, PUBLICATION)
ROLES = ("data_csv", "data_parquet", "dictionary", "indicators", "changelog", "table")
DATA_ROLES = ("data_csv", "data_parquet", "changelog", "table")
# The names the previous version wrote -> today's names (resources and package extras).
LEGACY_ROLE = "kotapintar_role"
LEGACY_SHA = "kotapintar_content_sha256"
LEGACY_EXTRAS = {
    "kotapintar_data_sha256": DATA_SHA,
    "kotapintar_metadata_sha256": META_SHA,
    "kotapintar_table": TABLE,
    "kotapintar_publication": PUBLICATION,
}
PAGE = 32000  # DataStore's maximum rows per datastore_search


@dataclass
class PortalState:
    """One dataset on the portal; `package` is None when it does not exist yet."""

    package: dict | None
    files: dict[str, dict] = field(default_factory=dict)
    tables: list[dict] = field(default_factory=list)
    serving_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def extras(self) -> dict[str, str]:
        """The package extras under today's names (a legacy name is read when the new one is
        absent)."""
        if not self.package:
            return {}
        raw = {e["key"]: e["value"] for e in self.package.get("extras", [])}
        for old, new in LEGACY_EXTRAS.items():
            if old in raw and new not in raw:
                raw[new] = raw[old]
        return raw

    @property
    def legacy(self) -> list[str]:
        """The ids of our resources still carrying a legacy `kotapintar_*` field, and
        "package" when the package extras do."""
        found = [r["id"] for r in [*self.files.values(), *self.tables] if is_legacy(r)]
        if self.package and any(k.startswith("kotapintar_") for k in self._extra_keys()):
            found.append("package")
        return found

    @property
    def serving(self) -> dict | None:
        """Our table resource behind the alias, if the alias points at one of ours."""
        return next((t for t in self.tables if t["id"] == self.serving_id), None)

    @property
    def committed_table(self) -> dict | None:
        """The table of the last completed publication (the changelog's base)."""
        table_id = self.extras.get(TABLE)
        return next((t for t in self.tables if t["id"] == table_id), None)

    def _extra_keys(self) -> list[str]:
        return [e["key"] for e in (self.package or {}).get("extras", [])]


def role_of(resource: dict) -> str:
    """The resource's role in our dataset ("" for a resource that is not ours)."""
    for key in (ROLE, LEGACY_ROLE):
        if resource.get(key) in ROLES:
            return resource[key]
    return ""


def content_sha(resource: dict) -> str:
    """What the resource holds: the data version for data files, the changelog and tables;
    the file's sha256 for the dictionary and indicator files."""
    if role_of(resource) in DATA_ROLES:
        return resource.get(SHA) or resource.get(LEGACY_SHA) or ""
    return resource.get(HASH) or resource.get(LEGACY_SHA) or ""


def is_legacy(resource: dict) -> bool:
    return any(key.startswith("kotapintar_") for key in resource)


def renamed(resource: dict) -> dict:
    """The resource's fields with the legacy ones under today's names (for resource_update,
    which keeps only the fields it is sent)."""
    fields = {k: v for k, v in resource.items() if not k.startswith("kotapintar_")}
    role = role_of(resource)
    fields[ROLE] = role
    if role in DATA_ROLES:
        fields[SHA] = content_sha(resource)
    return fields


def read_package(api: PortalApi, name: str) -> dict | None:
    """The dataset `name` (None when it does not exist)."""
    try:
        return api.find("package_show", id=name)
    except PortalForbidden:
        raise PortalForbidden(
            f"Dataset `{name}` exists on {api.base_url} but may not be read without a token "
            "of its organization (a private or rehearsal dataset): set KOTAPINTAR_PORTAL_TOKEN."
        ) from None


def read_state(api: PortalApi, package: dict | None, alias: str, data_sha: str) -> PortalState:
    """The dataset `package` (`read_package`), its resources by role, the table behind
    `alias`, and the row count of every table that already holds `data_sha` (a load a killed
    run left behind)."""
    state = PortalState(package=package)
    if package:
        for resource in package.get("resources", []):
            role = role_of(resource)
            if role == "table":
                state.tables.append(resource)
            elif role:
                state.files.setdefault(role, resource)
    info = api.find("datastore_info", id=alias)
    if info:
        state.serving_id = info["meta"]["id"]
    for table in state.tables:
        if content_sha(table) == data_sha and table["id"] != state.serving_id:
            found = api.find("datastore_info", id=table["id"])
            state.counts[table["id"]] = found["meta"]["count"] if found else -1
    return state


def search_all(api: PortalApi, resource_id: str, columns: Sequence[str]) -> list[dict]:
    """Every record of a DataStore table, paged in a stable order; checks the total."""
    records: list[dict] = []
    total = None
    while total is None or len(records) < total:
        result = api.read(
            "datastore_search",
            resource_id=resource_id,
            limit=PAGE,
            offset=len(records),
            sort="_id",
            fields=",".join(columns),
        )
        total = result.get("total", 0)
        page = result.get("records", [])
        if not page:
            break
        records.extend(page)
    if len(records) != total:
        raise PortalError(
            f"datastore_search of {resource_id} reported {total} rows but {len(records)} "
            "arrived; the portal changed while it was read. Run the publication again."
        )
    return records
