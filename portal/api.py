"""The CKAN Action API as the publisher needs it: reads, JSON writes, file uploads.

We use requests rather than ckanapi, as sources/ckan.py does for reading feeds: our one HTTP
session (retries, timeouts, User-Agent) sits under every call, uploads are plain multipart
posts, and every write goes through one method that counts it — which is how the tests prove
that an unchanged publication sends no write at all. Only writes the portal accepted count.

Patience comes from the same settings as every other HTTP client (KOTAPINTAR_HTTP_TIMEOUT,
_RETRIES, _BACKOFF, KOTAPINTAR_CONTACT in the User-Agent). On top of the per-call limits the
whole publication has a deadline (`publication_deadline`), and a portal that did not answer
once is not asked again in the same run: a dead portal fails in one call's time, not in one
call's time per dataset and step.

The token travels only in the Authorization header. It is never part of a URL, a log line or an
error message; as a second line of defence every message is scrubbed of it before it is raised.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)

from sources.http import HttpConfig, make_session

# The whole publication may take this many times the longest a single read may take
# (timeout x tries): room for six datasets' loads on a healthy portal, a bound on a sick one.
DEADLINE_FACTOR = 3


class PortalError(Exception):
    """An Action API call that failed; the portal's own error text is kept verbatim."""


class PortalSetupError(PortalError):
    """The configuration is incomplete or names what the portal does not have (URL, token
    missing, unknown organization): nothing was tried."""


class PortalNotFound(PortalError):
    """The object asked for does not exist."""


class PortalForbidden(PortalError):
    """The token (or its absence) does not allow the action on that object."""


class PortalUnreachable(PortalError):
    """The portal did not answer in time (or at all), or the publication's deadline passed."""


def publication_deadline(http: HttpConfig) -> float:
    """Seconds the whole publication may take: DEADLINE_FACTOR x KOTAPINTAR_HTTP_TIMEOUT x
    (KOTAPINTAR_HTTP_RETRIES + 1); 15 minutes with the defaults (60 s, 4 retries)."""
    return DEADLINE_FACTOR * http.read_timeout * http.tries


class PortalApi:
    """One portal, one token, one session; `writes` lists the write actions the portal accepted,
    in order."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        session: requests.Session | None = None,
        http: HttpConfig | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpConfig()
        self.session = session or make_session(self.http)
        self._token = token or ""
        self._headers = {"Authorization": token} if token else {}
        self.writes: list[str] = []
        self.deadline = publication_deadline(self.http)
        self._started = time.monotonic()
        self._unreachable = ""  # the first "did not answer": later calls fail at once with it

    def __repr__(self) -> str:  # never show the token
        return f"PortalApi({self.base_url!r}, token={'set' if self._token else 'unset'})"

    def read(self, action: str, **params: object) -> dict:
        """A read action by GET (query parameters); raises PortalNotFound for a 404."""
        return self._call("GET", action, params=params)

    def find(self, action: str, **params: object) -> dict | None:
        """Like `read`, but None when the object does not exist."""
        try:
            return self.read(action, **params)
        except PortalNotFound:
            return None

    def write(self, action: str, payload: dict) -> dict:
        """A write action by POST with a JSON body."""
        result = self._call("POST", action, json=payload)
        self.writes.append(action)
        return result

    def upload(self, action: str, fields: dict[str, str], path: Path, mimetype: str) -> dict:
        """resource_create / resource_patch with a file: multipart, the file as `upload`."""
        with path.open("rb") as handle:
            files = {"upload": (path.name, handle, mimetype)}
            result = self._call("POST", action, data=fields, files=files)
        self.writes.append(action)
        return result

    def download(self, url: str) -> bytes:
        """The bytes of an uploaded resource (private datasets need the token too)."""
        response = self._send("GET", url, f"the download of {url}")
        if response.status_code != 200:
            raise PortalError(f"download of {url} answered HTTP {response.status_code}")
        return response.content

    def _call(self, method: str, action: str, **kwargs: object) -> dict:
        url = f"{self.base_url}/api/3/action/{action}"
        response = self._send(method, url, action, **kwargs)
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

    def _send(self, method: str, url: str, what: str, **kwargs: object) -> requests.Response:
        """One request within the per-call timeouts and what is left of the deadline."""
        if self._unreachable:
            raise PortalUnreachable(f"{what} not sent: {self._unreachable}")
        left = self.deadline - (time.monotonic() - self._started)
        if left <= 0:
            raise PortalUnreachable(self._deadline_passed(what))
        # Near the deadline a call gets only what is left, so one slow answer cannot overrun it.
        timeout = (min(self.http.timeout[0], left), min(self.http.read_timeout, left))
        try:
            return self.session.request(
                method, url, headers=self._headers, timeout=timeout, **kwargs
            )
        except requests.RequestException as exc:
            capped = left < self.http.read_timeout
            message = self._deadline_passed(what) if capped else self._no_answer(method, what, exc)
            self._unreachable = self._scrub(message)
            raise PortalUnreachable(self._unreachable) from None

    def _no_answer(self, method: str, what: str, exc: requests.RequestException) -> str:
        """Which portal did not answer what, why, and which settings bounded the wait."""
        reason, connecting = _reason(exc, self.http)
        # urllib3 repeats reads and failed connects; a write that was sent is never repeated.
        tries = self.http.tries if method == "GET" or connecting else 1
        http = self.http
        return (
            f"the portal {self.base_url} did not answer {what} ({reason}; {tries} "
            f"{'try' if tries == 1 else 'tries'}). Settings: KOTAPINTAR_HTTP_TIMEOUT="
            f"{http.read_timeout:g} s per try, KOTAPINTAR_HTTP_RETRIES={http.retries}, "
            f"KOTAPINTAR_HTTP_BACKOFF={http.backoff:g} s. Nothing more is sent to it in this "
            "run; the previous publication keeps serving and the next run completes this one."
        )

    def _deadline_passed(self, what: str) -> str:
        http = self.http
        return (
            f"the publication to {self.base_url} passed its deadline of {self.deadline:g} s "
            f"({DEADLINE_FACTOR} x KOTAPINTAR_HTTP_TIMEOUT={http.read_timeout:g} s x "
            f"{http.tries} tries, KOTAPINTAR_HTTP_RETRIES={http.retries}) at {what}. The portal "
            "answers too slowly; the previous publication keeps serving and the next run "
            "completes this one (raise KOTAPINTAR_HTTP_TIMEOUT for a very large first load)."
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def _reason(exc: requests.RequestException, http: HttpConfig) -> tuple[str, bool]:
    """(what went wrong in a few words, whether it happened while connecting)."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    if isinstance(cause, MaxRetryError) and cause.reason is not None:
        cause = cause.reason  # requests wraps urllib3's "retries exhausted" around the cause
    # NewConnectionError is a ConnectTimeoutError in urllib3: test it first.
    if isinstance(cause, NewConnectionError):
        return "cannot connect", True
    if isinstance(exc, requests.ConnectTimeout) or isinstance(cause, ConnectTimeoutError):
        return f"no connection within {http.timeout[0]:g} s", True
    if isinstance(exc, requests.ReadTimeout) or isinstance(cause, ReadTimeoutError):
        return f"no answer within {http.read_timeout:g} s", False
    return f"the connection failed: {type(cause).__name__}", False
