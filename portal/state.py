"""What the portal holds for one dataset, read without writing anything.

Our resources carry `kotapintar_role` (data_csv, data_parquet, dictionary, indicators,
changelog, table) and `kotapintar_content_sha256` (the content they hold); the package carries
the state of the last completed publication in its extras (data and metadata hashes, the table
it serves). The table actually serving is whatever the stable alias points to in the DataStore.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from portal.api import PortalApi, PortalError, PortalForbidden

ROLE = "kotapintar_role"
SHA = "kotapintar_content_sha256"
DATA_SHA = "kotapintar_data_sha256"
META_SHA = "kotapintar_metadata_sha256"
TABLE = "kotapintar_table"
# The number of the last committed publication: the changelog's key (portal/changelog.py).
PUBLICATION = "kotapintar_publication"
STATE_EXTRAS = ("issued", "modified", DATA_SHA, META_SHA, TABLE, PUBLICATION)
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
        if not self.package:
            return {}
        return {e["key"]: e["value"] for e in self.package.get("extras", [])}

    @property
    def serving(self) -> dict | None:
        """Our table resource behind the alias, if the alias points at one of ours."""
        return next((t for t in self.tables if t["id"] == self.serving_id), None)

    @property
    def committed_table(self) -> dict | None:
        """The table of the last completed publication (the changelog's base)."""
        table_id = self.extras.get(TABLE)
        return next((t for t in self.tables if t["id"] == table_id), None)


def read_state(api: PortalApi, name: str, alias: str, data_sha: str) -> PortalState:
    """The dataset `name`, its resources by role, the table behind `alias`, and the row count
    of every table that already holds `data_sha` (a load a killed run left behind)."""
    try:
        package = api.find("package_show", id=name)
    except PortalForbidden:
        raise PortalForbidden(
            f"Dataset `{name}` exists on {api.base_url} but may not be read without a token "
            "of its organization (a private or rehearsal dataset): set KOTAPINTAR_PORTAL_TOKEN."
        ) from None
    state = PortalState(package=package)
    if package:
        for resource in package.get("resources", []):
            role = resource.get(ROLE)
            if role == "table":
                state.tables.append(resource)
            elif role:
                state.files.setdefault(role, resource)
    info = api.find("datastore_info", id=alias)
    if info:
        state.serving_id = info["meta"]["id"]
    for table in state.tables:
        if table.get(SHA) == data_sha and table["id"] != state.serving_id:
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
