"""A small CKAN Action API client over our one HTTP session; its offline twin is sources/replay.py.

We use requests rather than ckanapi: every call must go through the one HTTP session (retries,
timeouts, size cap, User-Agent), paging must check `total`, a resource file must stream to disk
with conditional GET, and tests swap the transport for recorded responses; ckanapi would wrap its
own session and hide the paging we must verify.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

import requests

from sources.http import (
    BodyBroken,
    BodyTooLarge,
    Deadline,
    HttpConfig,
    HttpFailure,
    broken_message,
    read_capped,
)
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


# CKAN serves an uploaded resource file at <site>/dataset/<dataset>/resource/<id>/download/<name>
# (the name optional); <site> may carry a root path (ckan.root_path).
_DOWNLOAD = re.compile(r"/dataset/[^/]+/resource/(?P<id>[^/]+)/download(/[^/]+)?")


class CkanError(Exception):
    """An Action API call that failed; the portal's own error text is kept verbatim, and the
    URL (masked) and HTTP status it answered with are kept for `meta_muat`."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url, self.status = url, status


class CkanClient:
    """Action API calls against one portal. The optional API token goes into the Authorization
    header of this portal's own requests only (see `token_allowed`): never into a URL, a log
    line or an error."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        token: str | None = None,
        page_limit: int = MAX_PAGE,
        http: HttpConfig | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.page_limit = max(1, min(page_limit, MAX_PAGE))
        self.http = http or HttpConfig()
        self.deadline = deadline or Deadline(self.http.deadline)
        self._headers = {"Authorization": token} if token else {}
        if token and hasattr(session, "auth_scope"):
            # A redirect keeps the token only to where it could have been sent in the first place.
            session.auth_scope = self.token_allowed

    def token_allowed(self, url: str, resource_id: str | None = None) -> bool:
        """Whether `url` may receive the portal token. The rule: same scheme, host and port as
        the portal, and a path under the portal's own path that is either its Action API
        (`<base>/api/...`) or CKAN's download URL of an uploaded file of the resource being
        fetched (`<base>/dataset/<dataset>/resource/<resource_id>/download[/<name>]`). Anything
        else on the same server (a link, a redirect to another path, a resource hosted
        elsewhere) gets no token. Paths with `.`/`..` segments never qualify."""
        target, base = urlsplit(url), urlsplit(self.base_url)
        if (target.scheme.lower(), _netloc(target)) != (base.scheme.lower(), _netloc(base)):
            return False
        path = unquote(target.path)
        if any(part in (".", "..") for part in path.split("/")) or "\\" in path:
            return False
        root = base.path.rstrip("/")
        if not path.startswith(root + "/"):
            return False
        rest = path[len(root) :]
        if rest.startswith("/api/"):
            return True
        download = _DOWNLOAD.fullmatch(rest)
        return bool(download and resource_id and download.group("id") == resource_id)

    def auth_headers_for(self, url: str, resource_id: str | None = None) -> dict[str, str]:
        """The token header if `token_allowed(url, resource_id)`, else nothing."""
        return dict(self._headers) if self.token_allowed(url, resource_id) else {}

    def action(self, name: str, **params: object) -> dict:
        url = f"{self.base_url}/api/3/action/{name}"
        shown = safe_url(url)  # a base URL with user:password must not reach a message
        status = None
        try:
            self.deadline.check(url)
            with self.session.get(
                url,
                params=params,
                headers=self._headers,
                timeout=self.deadline.timeout(self.http),
                stream=True,
            ) as response:
                status = response.status_code
                raw = self._read(response, name, url)
        except requests.RequestException as exc:
            why = self.deadline.failure(url) if self.deadline.passed else None
            why = why or describe_request_error(exc, self.http)
            raise CkanError(f"{name} at {shown}: {why}", url=shown) from None
        except HttpFailure as exc:
            raise CkanError(f"{name} at {shown}: {exc.problem}", url=shown, status=status) from None
        try:
            body = json.loads(raw)
        except ValueError:
            text = raw[:120].decode("utf-8", "replace")
            raise CkanError(
                f"{name} at {shown} answered HTTP {response.status_code} with a non-JSON body "
                f"({text!r})",
                url=shown,
                status=status,
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
                f"{name} at {shown} failed: {kind}: {json.dumps(detail, ensure_ascii=False)}",
                url=shown,
                status=status,
            )
        return body["result"]

    def _read(self, response: requests.Response, name: str, url: str) -> bytes:
        """The body, refused past the size limit (a DataStore page is never that large), read
        as it arrives within the fetch's deadline."""
        shown = safe_url(url)
        try:
            return read_capped(response, self.deadline, url, self.http.max_bytes)
        except BodyTooLarge as large:
            raise CkanError(
                f"{name} at {shown} answered more than the {large.limit:,}-byte limit "
                "(KOTAPINTAR_MAX_DOWNLOAD_MB)",
                url=shown,
                status=response.status_code,
            ) from None
        except BodyBroken as broken:
            raise CkanError(
                f"{name} at {shown}: {broken_message(broken, self.http)}",
                url=shown,
                status=response.status_code,
            ) from None

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


def _netloc(parts) -> tuple[str, int | None]:
    """Host and effective port (the scheme's default when none is written)."""
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return (parts.hostname or "").lower(), port


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
