"""An in-memory CKAN on loopback: the offline twin of the portal for the publisher's tests.

It speaks the subset of the Action API the publisher uses, over real HTTP (JSON bodies and
multipart uploads), with the CKAN behaviour that matters here: resource_patch merges fields,
resource_update replaces them; DataStore tables keyed by
resource id with declared field types (text stays text, numeric becomes a number), a primary
key, aliases that must be dropped before they can point elsewhere, `resource_delete` dropping
the table, an activity per package write, private datasets hidden without the token, a wrong
token treated as anonymous on reads (as CKAN does) and `organization_list_for_user` listing the
organizations the token's user may create datasets in. It counts every request and records the
User-Agent, can fail a chosen action with HTTP 500, refuse one with HTTP 403 (a user demoted
mid-run), answer slowly (`delay`), and can echo the Authorization header in its errors (a
hostile portal) to prove the publisher scrubs the token.
The live twin is ../shared/tools/ckan/ckan-local (tests marked `ckan`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class CkanFailure(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


class FakeCkan:
    """State of the fake portal; `start()` serves it on 127.0.0.1."""

    def __init__(self, token: str = "fake-token-0123456789") -> None:
        self.token = token
        self.orgs: dict[str, dict] = {}
        self.packages: dict[str, dict] = {}
        self.tables: dict[str, dict] = {}
        self.aliases: dict[str, str] = {}
        self.files: dict[str, bytes] = {}
        self.activity: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail: dict[str, int] = {}  # action -> how many calls to fail with HTTP 500
        self.refuse: set[str] = set()  # actions answered 403 even with the right token
        self.editor_of: set[str] | None = None  # org names the token may publish to; None: all
        self.delay = 0.0  # seconds before each API answer (a slow portal)
        self.stall: set[str] = set()  # actions that never answer (until stop())
        self._released = threading.Event()
        self.agents: set[str] = set()
        self.echo_token = False
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # -- serving -------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self._released.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def writes(self) -> list[str]:
        return [a for m, a in self.requests if m == "POST"]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        if parts.path.startswith("/download/"):
            return self._download(handler, parts.path.split("/")[2])
        action = parts.path.rstrip("/").rsplit("/", 1)[-1]
        auth = handler.headers.get("Authorization", "")
        self.agents.add(handler.headers.get("User-Agent", ""))
        time.sleep(self.delay)
        if action in self.stall:  # a portal that accepted the request and hangs
            with self.lock:
                self.requests.append((method, action))
            self._released.wait(30)  # outside the lock: the portal is dead, not the fake
            return
        try:
            data = self._params(handler, method, parts.query)
            with self.lock:
                self.requests.append((method, action))
                if self.fail.get(action):
                    self.fail[action] -= 1
                    raise CkanFailure(500, "Internal Server Error", f"injected failure of {action}")
                if (method == "POST" and auth != self.token) or action in self.refuse:
                    raise CkanFailure(403, "Authorization Error", "Access denied")
                result = getattr(self, f"a_{action}")(data, authorized=auth == self.token)
            body, status = {"success": True, "result": result}, 200
        except CkanFailure as exc:
            message = exc.message + (f" (sent Authorization: {auth})" if self.echo_token else "")
            body = {"success": False, "error": {"__type": exc.kind, "message": message}}
            status = exc.status
        raw = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)

    def _params(self, handler, method: str, query: str) -> dict:
        if method == "GET":
            return {k: v[0] for k, v in parse_qs(query).items()}
        raw = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        kind = handler.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            return json.loads(raw)
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + raw
        )
        data: dict = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                data[name] = (part.get_filename(), part.get_payload(decode=True))
            else:
                data[name] = part.get_payload(decode=True).decode()
        return data

    def _download(self, handler, resource_id: str) -> None:
        package = self._package_of(resource_id)
        allowed = package and (
            not package["private"] or handler.headers.get("Authorization") == self.token
        )
        raw = self.files.get(resource_id) if allowed else None
        handler.send_response(200 if raw is not None else 404)
        handler.send_header("Content-Length", str(len(raw or b"")))
        handler.end_headers()
        handler.wfile.write(raw or b"")

    # -- actions ---------------------------------------------------------------------------
    def a_organization_show(self, data, authorized):
        org = self.orgs.get(data["id"]) or next(
            (o for o in self.orgs.values() if o["id"] == data["id"]), None
        )
        if org is None:
            raise CkanFailure(404, "Not Found Error", "Organization not found")
        return org

    def a_organization_list_for_user(self, data, authorized):
        """CKAN: the organizations where the caller has `permission`; none for anonymous."""
        assert data.get("permission") == "create_dataset"
        if not authorized:
            return []
        return [o for n, o in self.orgs.items() if self.editor_of is None or n in self.editor_of]

    def a_package_show(self, data, authorized):
        package = self._package(data["id"])
        if package["private"] and not authorized:
            raise CkanFailure(403, "Authorization Error", "not authorized to read package")
        return json.loads(json.dumps(package))

    def a_package_activity_list(self, data, authorized):
        package = self._package(data["id"])
        return [{"activity_type": "changed package"}] * self.activity.get(package["id"], 0)

    def a_package_create(self, data, authorized):
        if any(p["name"] == data["name"] for p in self.packages.values()):
            raise CkanFailure(409, "Validation Error", "That URL is already in use.")
        org = self.a_organization_show({"id": data["owner_org"]}, authorized)
        package = {
            **data,
            "id": str(uuid.uuid4()),
            "owner_org": org["id"],
            "state": "active",
            "private": bool(data.get("private", False)),
            "resources": [],
            "extras": data.get("extras", []),
        }
        self.packages[package["id"]] = package
        self._activity(package)
        return package

    def a_package_patch(self, data, authorized):
        package = self._package(data["id"])
        assert "resources" not in data, "the publisher must not send a resource list"
        package.update({k: v for k, v in data.items() if k != "id"})
        self._activity(package)
        return package

    def a_resource_create(self, data, authorized):
        package = self._package(data["package_id"])
        resource = {k: v for k, v in data.items() if k != "upload"}
        resource.update(id=str(uuid.uuid4()), package_id=package["id"], url_type=None)
        self._store_upload(resource, data)
        package["resources"].append(resource)
        self._activity(package)
        return resource

    def a_resource_patch(self, data, authorized):
        resource = self._resource(data["id"])
        resource.update({k: v for k, v in data.items() if k not in ("upload", "id")})
        self._store_upload(resource, data)
        self._activity(self._package_of(resource["id"]))
        return resource

    def a_resource_update(self, data, authorized):
        """CKAN: the resource becomes exactly the fields sent (others, extras included, go),
        keeping its id, package and, without a new upload, its file and URL."""
        resource = self._resource(data["id"])
        kept = {k: resource[k] for k in ("id", "package_id", "url", "url_type", "size")
                if k in resource}  # fmt: skip
        resource.clear()
        resource.update(kept)
        resource.update({k: v for k, v in data.items() if k not in ("upload", "id")})
        self._store_upload(resource, data)
        self._activity(self._package_of(resource["id"]))
        return resource

    def a_resource_delete(self, data, authorized):
        package = self._package_of(data["id"])
        if package is None:
            raise CkanFailure(404, "Not Found Error", "Resource was not found.")
        package["resources"] = [r for r in package["resources"] if r["id"] != data["id"]]
        self.tables.pop(data["id"], None)
        self.aliases = {a: r for a, r in self.aliases.items() if r != data["id"]}
        self._activity(package)
        return None

    def a_datastore_create(self, data, authorized):
        if "resource" in data:
            resource = self.a_resource_create(data["resource"], authorized)
            resource.update(url_type="datastore", url=f"{self.url}/datastore/dump/{resource['id']}")
            self._activity(self._package_of(resource["id"]))  # CKAN: resource_update
            table_id = resource["id"]
        else:
            table_id = data["resource_id"]
            self._resource(table_id)
        table = self.tables.setdefault(table_id, {"fields": [], "records": [], "pk": []})
        if "fields" in data:
            table["fields"] = data["fields"]
        if "primary_key" in data:
            table["pk"] = list(data["primary_key"])
        self._insert(table, data.get("records") or [])
        if "aliases" in data:
            for alias in [a for a, r in self.aliases.items() if r == table_id]:
                del self.aliases[alias]
            for alias in data["aliases"]:
                if alias in self.aliases:
                    raise CkanFailure(
                        409, "Validation Error", f'The alias "{alias}" already exists.'
                    )
                self.aliases[alias] = table_id
        return {"resource_id": table_id, "aliases": data.get("aliases", [])}

    def a_datastore_upsert(self, data, authorized):
        assert data.get("method") == "insert"
        self._insert(self._table(data["resource_id"])[1], data["records"])
        return {"resource_id": data["resource_id"]}

    def a_datastore_info(self, data, authorized):
        table_id, table = self._table(data["id"])
        aliases = [a for a, r in self.aliases.items() if r == table_id]
        meta = {"id": table_id, "count": len(table["records"]), "aliases": aliases}
        return {"meta": meta, "fields": table["fields"]}

    def a_datastore_search(self, data, authorized):
        table_id, table = self._table(data["resource_id"])
        offset, limit = int(data.get("offset", 0)), int(data.get("limit", 100))
        columns = data["fields"].split(",") if data.get("fields") else None
        page = table["records"][offset : offset + limit]
        if columns:
            page = [{c: r[c] for c in columns} for r in page]
        return {
            "resource_id": table_id,
            "records": page,
            "total": len(table["records"]),
            "fields": table["fields"],
        }

    # -- helpers ---------------------------------------------------------------------------
    def _insert(self, table: dict, records: list[dict]) -> None:
        types = {f["id"]: f.get("type", "text") for f in table["fields"]}
        keys = {tuple(r[k] for k in table["pk"]) for r in table["records"]}
        for record in records:
            row = {"_id": len(table["records"]) + 1}
            for name, kind in types.items():
                value = record.get(name)
                row[name] = (
                    None if value is None else float(value) if kind == "numeric" else str(value)
                )
            key = tuple(row[k] for k in table["pk"])
            if table["pk"] and key in keys:
                raise CkanFailure(409, "Validation Error", "duplicate key value")
            keys.add(key)
            table["records"].append(row)

    def _store_upload(self, resource: dict, data: dict) -> None:
        if "upload" in data:
            filename, raw = data["upload"]
            self.files[resource["id"]] = raw
            resource.update(
                url=f"{self.url}/download/{resource['id']}/{filename}",
                url_type="upload",
                size=len(raw),
            )

    def _activity(self, package: dict) -> None:
        self.activity[package["id"]] = self.activity.get(package["id"], 0) + 1

    def _package(self, key: str) -> dict:
        for package in self.packages.values():
            if key in (package["id"], package["name"]):
                return package
        raise CkanFailure(404, "Not Found Error", "Dataset not found")

    def _package_of(self, resource_id: str) -> dict | None:
        for package in self.packages.values():
            if any(r["id"] == resource_id for r in package["resources"]):
                return package
        return None

    def _resource(self, resource_id: str) -> dict:
        package = self._package_of(resource_id)
        if package is None:
            raise CkanFailure(404, "Not Found Error", "Resource was not found.")
        return next(r for r in package["resources"] if r["id"] == resource_id)

    def _table(self, key: str) -> tuple[str, dict]:
        table_id = self.aliases.get(key, key)
        if table_id not in self.tables:
            raise CkanFailure(404, "Not Found Error", f'Resource/Alias "{key}" was not found.')
        return table_id, self.tables[table_id]

    # -- what tests look at ----------------------------------------------------------------
    def add_org(self, name: str, title: str) -> dict:
        org = {"id": str(uuid.uuid4()), "name": name, "title": title}
        self.orgs[name] = org
        return org

    def serving(self, alias: str) -> list[dict]:
        """The records the alias serves now (without `_id`)."""
        table = self._table(alias)[1]
        return [{k: v for k, v in r.items() if k != "_id"} for r in table["records"]]
