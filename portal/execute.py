"""Carry out one dataset's plan on the portal, blue/green.

1. load the rows into a NEW DataStore table (a new `table` resource: explicit field types, the
   data dictionary in `fields[].info`, the primary key) and check its row count;
2. repoint the stable alias to it (drop the alias from the old table, create it on the new one:
   two calls, so for that moment the alias is absent, never wrong);
3. upload CSV, Parquet, dictionary, indicator metadata and changelog (resource_create or
   resource_patch with the file: never `package_update`, which replaces the resource list;
   resource_update for a resource still carrying `kotapintar_*` fields, which it drops), and
   rename those fields on the resources not uploaded (resource_update with the same values);
4. commit: package_patch with the metadata and the publication's hashes;
5. drop the tables no longer served.

A failure (or a kill) before step 2 leaves the old table serving through the alias and the old
files in place; a failure after it leaves the new table serving. Either way the next run reads
the portal, sees what is done (hashes on resources, the alias target) and finishes the rest.
`hook(stage, dimension)` is called after each stage so tests can inject a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from portal.api import PortalApi, PortalError
from portal.changelog import changelog_csv, next_publication
from portal.content import DimensionContent, datastore_fields
from portal.metadata import dictionary_csv, indicators_csv
from portal.plan import DatasetPlan, Desired
from portal.resources import RESOURCES, label, upload_fields
from portal.state import (
    DATA_SHA,
    META_SHA,
    PUBLICATION,
    ROLE,
    SHA,
    STATE_EXTRAS,
    TABLE,
    is_legacy,
    renamed,
)
from warehouse.dictionary import DIMENSION_KEY
from warehouse.export import write_table_csv, write_table_parquet

Hook = Callable[[str, str], None]
BATCH = 5000  # records per DataStore call: a few MB of JSON


@dataclass
class DatasetResult:
    """What happened to one dataset: the steps done, the writes the portal accepted, the
    changes (only once the publication committed: a refused or failed one published none),
    an error."""

    name: str
    action: str
    done: list[str] = field(default_factory=list)
    writes: int = 0
    changes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    error: str = ""
    note: str = ""
    held_back: dict[str, str] = field(default_factory=dict)


class Executor:
    """Runs one `DatasetPlan` against the portal."""

    def __init__(
        self,
        api: PortalApi,
        plan: DatasetPlan,
        content: DimensionContent,
        con: duckdb.DuckDBPyConnection,
        workdir: Path,
        published_at: str,
        hook: Hook | None = None,
    ) -> None:
        assert plan.desired is not None and plan.state is not None, "withheld plans do nothing"
        self.api, self.plan, self.content = api, plan, content
        self.desired: Desired = plan.desired
        self.state = plan.state
        self.con, self.workdir, self.published_at = con, workdir, published_at
        self.hook = hook or (lambda stage, dimension: None)
        self.package = self.state.package
        self.table_id = self.state.serving_id
        self.publication: int | None = None  # its number, known once the changelog is written

    def run(self) -> DatasetResult:
        result = DatasetResult(self.plan.name, self.plan.action, held_back=self.plan.held_back)
        before = len(self.api.writes)
        try:
            for step in self.plan.steps:
                self._do(step.kind, step.target)
                result.done.append(step.describe(self.desired))
                if step.kind == "commit" and self.plan.changelog is not None:
                    # Reported only now: until the commit the portal has not published them.
                    result.changes = self.plan.changelog.summary()
                    result.counts = self.plan.changelog.counts()
        except PortalError as exc:
            result.error = str(exc)
        except Exception as exc:  # one dataset's bug must not stop the others; it is reported
            result.error = f"{type(exc).__name__}: {exc}"
        result.writes = len(self.api.writes) - before
        return result

    def _do(self, kind: str, target: str) -> None:
        dim = self.desired.dimension
        if kind == "create_package":
            extras = [*self.desired.package["extras"], *self._state_extras(data=True)]
            self.package = self.api.write(
                "package_create", {**self.desired.package, "extras": extras}
            )
        elif kind in ("load_table", "reuse_table"):
            self.table_id = self._load_table() if kind == "load_table" else target
            self.hook("table_loaded", dim)
        elif kind == "repoint_alias":
            self._repoint_alias()
            self.hook("alias_repointed", dim)
        elif kind == "upload":
            self._upload(target)
            if target == "changelog":
                self.hook("files_uploaded", dim)
        elif kind == "rename_fields":
            resource = next(r for r in [*self.state.files.values(), *self.state.tables]
                            if r["id"] == target)  # fmt: skip
            self.api.write("resource_update", renamed(resource))
        elif kind == "commit":
            changed = self.state.extras.get(DATA_SHA) != self.desired.data_sha256
            extras = [*self.desired.package["extras"], *self._state_extras(data=changed)]
            patch = {**self.desired.package, "id": self.package["id"], "extras": extras}
            patch["state"] = "active"
            self.package = self.api.write("package_patch", patch)
            self.hook("committed", dim)
        elif kind == "drop_table":
            self.api.write("resource_delete", {"id": target})

    def _load_table(self) -> str:
        records, rows = self.content.records, self.desired.rows
        resource = {
            "package_id": self.package["id"],
            "name": f"Tabel DataStore (API) — {label(self.desired.dimension)}",
            "description": f"Tabel untuk Data API; alias stabil `{self.desired.alias}`. "
            f"Versi {self.desired.data_sha256[:12]}, {rows} baris. DataStore table for the "
            f"Data API; query the stable alias `{self.desired.alias}`.",
            ROLE: "table",
            SHA: self.desired.data_sha256,
        }
        created = self.api.write(
            "datastore_create",
            {
                "resource": resource,
                "fields": datastore_fields(),
                "primary_key": list(DIMENSION_KEY),
                "records": records[:BATCH],
            },
        )
        table_id = created["resource_id"]
        for start in range(BATCH, len(records), BATCH):
            self.api.write(
                "datastore_upsert",
                {
                    "resource_id": table_id,
                    "method": "insert",
                    "records": records[start : start + BATCH],
                },
            )
        count = self.api.read("datastore_info", id=table_id)["meta"]["count"]
        if count != rows:
            raise PortalError(
                f"{self.desired.name}: the new DataStore table {table_id} holds {count} rows, the "
                f"analyst snapshot {rows}; the alias still points at the previous table. Run "
                "the publication again (the incomplete table is dropped then)."
            )
        return table_id

    def _repoint_alias(self) -> None:
        alias = self.desired.alias
        info = self.api.find("datastore_info", id=alias)
        holder = info["meta"]["id"] if info else None
        if holder == self.table_id:
            return
        if holder:
            self.api.write("datastore_create", {"resource_id": holder, "aliases": []})
        try:
            self.api.write("datastore_create", {"resource_id": self.table_id, "aliases": [alias]})
        except PortalError as exc:
            if holder or "already exists" not in str(exc):
                raise
            raise PortalError(
                f"{exc}. The alias is held by a DataStore table whose resource is gone (a "
                "dataset purged without `datastore_delete` first); a sysadmin can free it with "
                f"datastore_delete(resource_id=<alias_of of {alias} in _table_metadata>, "
                "force=True). The previous publication keeps serving."
            ) from None
        now = self.api.read("datastore_info", id=alias)["meta"]["id"]
        if now != self.table_id:
            raise PortalError(f"alias {alias} points at {now} after repointing, not at the new "
                              f"table {self.table_id}. Run the publication again.")  # fmt: skip

    def _upload(self, role: str) -> None:
        path = self._file(role, RESOURCES[role].suffix)
        content_sha = self.desired.file_sha256.get(role, self.desired.data_sha256)
        fields = upload_fields(role, self.desired.dimension, path, content_sha, self.plan.changelog)
        existing = self.state.files.get(role)
        if existing:
            fields["id"] = existing["id"]
        else:
            fields["package_id"] = self.package["id"]
        # resource_update keeps only the fields it is sent: the legacy ones go.
        action = "resource_create"
        if existing:
            action = "resource_update" if is_legacy(existing) else "resource_patch"
        self.api.upload(action, fields, path, RESOURCES[role].mimetype)

    def _file(self, role: str, suffix: str) -> Path:
        path = self.workdir / f"{self.desired.name}{suffix}"
        if role == "data_csv":
            write_table_csv(self.con, self.content.source, path)
        elif role == "data_parquet":
            write_table_parquet(self.con, self.content.source, path)
        elif role == "dictionary":
            path.write_bytes(dictionary_csv())
        elif role == "indicators":
            path.write_bytes(indicators_csv(self.content))
        elif role == "changelog":
            previous = self.state.files.get("changelog")
            old = self.api.download(previous["url"]) if previous else None
            log = self.plan.changelog
            assert log is not None, "a changelog upload always comes with the plan's changes"
            self.publication = next_publication(self.state.extras.get(PUBLICATION), old)
            version = self.desired.data_sha256[:12]
            path.write_bytes(changelog_csv(log, self.publication, version, self.published_at, old))
        return path

    def _state_extras(self, *, data: bool) -> list[dict]:
        """issued/modified (DCAT) and our hashes; `data`: this run publishes new data."""
        old = self.state.extras
        publication = self.publication if data else old.get(PUBLICATION)
        values = {
            "issued": old.get("issued") or self.published_at,
            "modified": self.published_at if data else old.get("modified", self.published_at),
            META_SHA: self.desired.metadata_sha256,
            PUBLICATION: str(publication or ""),
        }
        if self.package is not None and self.table_id:
            values[DATA_SHA] = self.desired.data_sha256
            values[TABLE] = self.table_id
        assert set(values) <= set(STATE_EXTRAS)
        return [{"key": k, "value": v} for k, v in values.items() if v]
