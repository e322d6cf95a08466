"""A small CKAN Action API client, and its offline twin that replays recorded responses.

We use requests rather than ckanapi: we need our one HTTP session (retries, timeouts, size cap,
User-Agent) under every call, paging with a `total` check, and a transport adapter that replays
recordings; ckanapi would wrap its own session and hide the paging we must verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests
from requests.adapters import BaseAdapter

from sources.http import CONNECT_TIMEOUT, READ_TIMEOUT

# DataStore allows up to 32,000 records per datastore_search call.
MAX_PAGE = 32000


class CkanError(Exception):
    """An Action API call that failed; the portal's own error text is kept verbatim."""


class CkanClient:
    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        token: str | None = None,
        page_limit: int = MAX_PAGE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.page_limit = min(page_limit, MAX_PAGE)
        # The token goes into a header only; it is never part of a URL, a log line or an error.
        self._headers = {"Authorization": token} if token else {}

    def action(self, name: str, **params: object) -> dict:
        url = f"{self.base_url}/api/3/action/{name}"
        response = self.session.get(
            url, params=params, headers=self._headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
        )
        try:
            body = response.json()
        except ValueError:
            raise CkanError(
                f"{name} at {url} answered HTTP {response.status_code} with a non-JSON body "
                f"({response.text[:120]!r})"
            ) from None
        if not body.get("success"):
            error = body.get("error") or {}
            kind = error.get("__type", "Error")
            detail = {k: v for k, v in error.items() if k != "__type"}
            raise CkanError(
                f"{name} at {url} failed: {kind}: {json.dumps(detail, ensure_ascii=False)}"
            )
        return body["result"]

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


class ReplayAdapter(BaseAdapter):
    """Serves recorded Action API responses from a folder, so the same client runs offline.

    A request for action `A` at offset `N` is answered from `A.offset-N.json` (or `A.json`)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def send(self, request: requests.PreparedRequest, **_: object) -> requests.Response:
        parsed = urlparse(request.url)
        action = parsed.path.rstrip("/").rsplit("/", 1)[-1]
        offset = parse_qs(parsed.query).get("offset", ["0"])[0]
        candidates = [
            self.folder / f"{action}.offset-{offset}.json",
            self.folder / f"{action}.json",
        ]
        response = requests.Response()
        response.request = request
        response.url = request.url
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            response.status_code = 404
            body = {
                "success": False,
                "error": {
                    "__type": "Not Found Error",
                    "message": f"no recording {candidates[0].name} in {self.folder}",
                },
            }
            response._content = json.dumps(body).encode()
        else:
            response.status_code = 200
            response._content = path.read_bytes()
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self) -> None:
        pass


def replay_session(folder: Path) -> requests.Session:
    session = requests.Session()
    session.mount("http://", ReplayAdapter(folder))
    session.mount("https://", ReplayAdapter(folder))
    return session
