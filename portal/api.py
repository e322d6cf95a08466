"""The CKAN Action API as the publisher needs it: reads, JSON writes, file uploads.

We use requests rather than ckanapi, as sources/ckan.py does for reading feeds: our one HTTP
session (retries, timeouts, User-Agent) sits under every call, uploads are plain multipart
posts, and every write goes through one method that counts it — which is how the tests prove
that an unchanged publication sends no write at all.

The token travels only in the Authorization header. It is never part of a URL, a log line or an
error message; as a second line of defence every message is scrubbed of it before it is raised.
"""

from __future__ import annotations

import json
from pathlib import Path

import requests

from sources.http import make_session

CONNECT_TIMEOUT = 10.0
# DataStore loads of large tables take longer than a page read.
WRITE_TIMEOUT = 300.0
READ_TIMEOUT = 120.0


class PortalError(Exception):
    """An Action API call that failed; the portal's own error text is kept verbatim."""


class PortalNotFound(PortalError):
    """The object asked for does not exist."""


class PortalForbidden(PortalError):
    """The token (or its absence) does not allow the action on that object."""


class PortalApi:
    """One portal, one token, one session; `writes` lists the write actions sent, in order."""

    def __init__(
        self, base_url: str, token: str | None = None, session: requests.Session | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or make_session()
        self._token = token or ""
        self._headers = {"Authorization": token} if token else {}
        self.writes: list[str] = []

    def __repr__(self) -> str:  # never show the token
        return f"PortalApi({self.base_url!r}, token={'set' if self._token else 'unset'})"

    def read(self, action: str, **params: object) -> dict:
        """A read action by GET (query parameters); raises PortalNotFound for a 404."""
        return self._call("GET", action, params=params, timeout=READ_TIMEOUT)

    def find(self, action: str, **params: object) -> dict | None:
        """Like `read`, but None when the object does not exist."""
        try:
            return self.read(action, **params)
        except PortalNotFound:
            return None

    def write(self, action: str, payload: dict) -> dict:
        """A write action by POST with a JSON body."""
        self.writes.append(action)
        return self._call("POST", action, json=payload, timeout=WRITE_TIMEOUT)

    def upload(self, action: str, fields: dict[str, str], path: Path, mimetype: str) -> dict:
        """resource_create / resource_patch with a file: multipart, the file as `upload`."""
        self.writes.append(action)
        with path.open("rb") as handle:
            files = {"upload": (path.name, handle, mimetype)}
            return self._call("POST", action, data=fields, files=files, timeout=WRITE_TIMEOUT)

    def download(self, url: str) -> bytes:
        """The bytes of an uploaded resource (private datasets need the token too)."""
        try:
            response = self.session.get(
                url, headers=self._headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
            )
        except requests.RequestException as exc:
            raise PortalError(self._scrub(f"download of {url} failed: {exc}")) from None
        if response.status_code != 200:
            raise PortalError(f"download of {url} answered HTTP {response.status_code}")
        return response.content

    def _call(self, method: str, action: str, *, timeout: float, **kwargs: object) -> dict:
        url = f"{self.base_url}/api/3/action/{action}"
        try:
            response = self.session.request(
                method, url, headers=self._headers, timeout=(CONNECT_TIMEOUT, timeout), **kwargs
            )
        except requests.RequestException as exc:
            raise PortalError(
                self._scrub(f"{action} at {url}: the portal did not answer ({exc})")
            ) from None
        try:
            body = response.json()
        except ValueError:
            raise PortalError(
                self._scrub(
                    f"{action} at {url} answered HTTP {response.status_code} with a non-JSON "
                    f"body ({response.text[:120]!r})"
                )
            ) from None
        if not body.get("success"):
            error = body.get("error") or {}
            kind = error.get("__type", "Error")
            detail = {k: v for k, v in error.items() if k != "__type"}
            text = f"{action} at {url} failed: {kind}: {json.dumps(detail, ensure_ascii=False)}"
            cls = {404: PortalNotFound, 403: PortalForbidden}.get(response.status_code, PortalError)
            raise cls(self._scrub(text))
        return body["result"]

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text
