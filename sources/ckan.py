"""A small CKAN Action API client over our one HTTP session; its offline twin is sources/replay.py.

We use requests rather than ckanapi: every call must go through the one HTTP session (retries,
timeouts, size cap, User-Agent), paging must check `total`, a resource file must stream to disk
with conditional GET, and tests swap the transport for recorded responses; ckanapi would wrap its
own session and hide the paging we must verify.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import requests

from sources.http import HttpConfig
from sources.http_errors import describe_request_error, safe_url
from sources.replay import ReplayAdapter, replay_session

__all__ = [
    "MAX_PAGE",
    "CkanClient",
    "CkanError",
    "ReplayAdapter",
    "pick_resource",
    "replay_session",
]

# DataStore allows up to 32,000 records per datastore_search call.
MAX_PAGE = 32000


class CkanError(Exception):
    """An Action API call that failed; the portal's own error text is kept verbatim."""


class CkanClient:
    """Action API calls against one portal. The optional API token goes into the Authorization
    header of requests to that portal only: never into a URL, a log line or an error."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        token: str | None = None,
        page_limit: int = MAX_PAGE,
        http: HttpConfig | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.page_limit = max(1, min(page_limit, MAX_PAGE))
        self.http = http or HttpConfig()
        self._headers = {"Authorization": token} if token else {}

    def auth_headers_for(self, url: str) -> dict[str, str]:
        """The token header if `url` is on this portal's host, else nothing (a resource may
        live on another server, which must never see the portal token)."""
        same = urlsplit(url).netloc.lower() == urlsplit(self.base_url).netloc.lower()
        return dict(self._headers) if same else {}

    def action(self, name: str, **params: object) -> dict:
        url = f"{self.base_url}/api/3/action/{name}"
        shown = safe_url(url)  # a base URL with user:password must not reach a message
        try:
            with self.session.get(
                url, params=params, headers=self._headers, timeout=self.http.timeout, stream=True
            ) as response:
                raw = _read_capped(response, self.http.max_bytes, name, shown)
        except requests.RequestException as exc:
            raise CkanError(
                f"{name} at {shown}: {describe_request_error(exc, self.http)}"
            ) from None
        try:
            body = json.loads(raw)
        except ValueError:
            text = raw[:120].decode("utf-8", "replace")
            raise CkanError(
                f"{name} at {shown} answered HTTP {response.status_code} with a non-JSON body "
                f"({text!r})"
            ) from None
        if not isinstance(body, dict) or not body.get("success"):
            error = (body.get("error") if isinstance(body, dict) else None) or {}
            kind = error.get("__type", "Error") if isinstance(error, dict) else "Error"
            detail = (
                {k: v for k, v in error.items() if k != "__type"}
                if isinstance(error, dict)
                else error
            )
            raise CkanError(
                f"{name} at {shown} failed: {kind}: {json.dumps(detail, ensure_ascii=False)}"
            )
        return body["result"]

    def package_show(self, dataset: str) -> dict:
        return self.action("package_show", id=dataset)

    def resource_show(self, resource_id: str) -> dict:
        return self.action("resource_show", id=resource_id)

    def datastore_search_all(self, resource_id: str) -> tuple[list[dict], list[dict]]:
        """All (fields, records) of a DataStore resource, paged in a stable order (by _id).

        Raises CkanError when the rows received disagree with the `total` the portal reported."""
        records: list[dict] = []
        fields: list[dict] = []
        total = None
        while total is None or len(records) < total:
            result = self.action(
                "datastore_search",
                resource_id=resource_id,
                limit=self.page_limit,
                offset=len(records),
                sort="_id",
            )
            fields = result.get("fields", fields)
            total = result.get("total", 0)
            page = result.get("records", [])
            if not page:
                break
            records.extend(page)
        if total is not None and len(records) != total:
            raise CkanError(
                f"datastore_search for resource {resource_id} reported total {total} "
                f"but {len(records)} records arrived"
            )
        return fields, records


def _read_capped(response: requests.Response, limit: int, name: str, url: str) -> bytes:
    """The body, refused past `limit` bytes (a DataStore page is never that large)."""
    chunks, size = [], 0
    for chunk in response.iter_content(256 * 1024):
        size += len(chunk)
        if size > limit:
            raise CkanError(
                f"{name} at {url} answered more than the {limit:,}-byte limit "
                "(KOTAPINTAR_MAX_DOWNLOAD_MB)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def pick_resource(
    package: dict, *, resource_id: str | None, name: str | None, fmt: str | None
) -> dict:
    """The one resource of `package` with this id, or this name and/or format (both compared
    case-insensitively, trimmed). Raises CkanError listing the resources when none or several
    match."""

    def norm(text: object) -> str:
        return str(text or "").strip().casefold()

    resources = package.get("resources") or []
    matches = [
        r
        for r in resources
        if (resource_id is None or r.get("id") == resource_id)
        and (name is None or norm(r.get("name")) == norm(name))
        and (fmt is None or norm(r.get("format")) == norm(fmt))
    ]
    if len(matches) == 1:
        return matches[0]
    wanted = ", ".join(
        f"{label} {value!r}"
        for label, value in (("id", resource_id), ("name", name), ("format", fmt))
        if value is not None
    )
    listed = "; ".join(
        f"{r.get('name')!r} ({r.get('format') or '?'}, id {r.get('id')})" for r in resources
    )
    problem = "no resource" if not matches else f"{len(matches)} resources"
    raise CkanError(
        f"dataset {package.get('name') or package.get('id')!r}: {problem} with {wanted} "
        f"(resources: {listed or 'none'})"
    )
