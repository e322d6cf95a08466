"""A thin client of BPS's WebAPI (dynamic tables, `model/data`) over our one HTTP session.

Why not BPS's own Python client `stadata` (PyPI 1.0.0, October 2023, not released since): it
makes its own requests without our retry policy, fetch deadline, size cap or User-Agent, puts
the key into URLs we cannot mask, returns pandas frames instead of the answer we must hash and
record, and has no offline twin. One GET is all a table needs, so we keep it here.

The key goes where BPS wants it, in the path (`.../key/<KEY>/`), and nowhere else: every URL
this module shows is built with the key masked (`***`), messages are scrubbed of it, and while
a request runs urllib3's own log lines (which print the request path) are scrubbed as well.
Offline (KOTAPINTAR_OFFLINE=1) a recorded answer is replayed through the same code
(`replay_session`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from requests.adapters import BaseAdapter

from sources.catalog_bps import BpsSpec
from sources.http import (
    BodyBroken,
    BodyTooLarge,
    Deadline,
    HttpConfig,
    HttpFailure,
    broken_message,
    read_capped,
)
from sources.http_errors import describe_request_error, status_failure
from sources.replay import _response

KEY_SETTING = "KOTAPINTAR_BPS_KEY"
WEBAPI = "https://webapi.bps.go.id/v1/api"
DEVELOPER = "https://webapi.bps.go.id/developer/"  # where an application gets its key
MASK = "***"
KEY_FIX = (
    f"check {KEY_SETTING}: it must be an active key of the BPS WebAPI (register an application "
    f"at {DEVELOPER}); the key itself is never shown"
)
REQUEST_FIX = (
    "check `bps` in the catalog entry against the table on the BPS website; if BPS itself is "
    "down, the next run retries and the last good data stays published"
)
# urllib3 logs each request line (path included) and each retry; these loggers are scrubbed.
_URLLIB3_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.util.retry",
    "urllib3.poolmanager",
    "urllib3.connection",
    "urllib3.response",
)


class BpsError(Exception):
    """A WebAPI request that gave no table; `status` is the HTTP status (None before one)."""

    def __init__(self, message: str, *, status: int | None = None, fix: str | None = None):
        super().__init__(message)
        self.status, self.fix = status, fix


def data_path(spec: BpsSpec, key: str | None) -> str:
    """The path of the `model/data` request, the key last (left out when None)."""
    parts = ["list", "model", "data", "lang", spec.lang, "domain", spec.domain]
    parts += ["var", str(spec.variable)]
    for name in ("turvar", "vervar", "th", "turth"):
        if (value := getattr(spec, name)) is not None:
            parts += [name, value]
    if key is not None:
        parts += ["key", key]
    return "/".join(parts) + "/"


class BpsClient:
    """`model/data` requests against one WebAPI base URL with one key (None offline)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        key: str | None = None,
        http: HttpConfig | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self._key = key or None
        self.http = http or HttpConfig()
        self.deadline = deadline or Deadline(self.http.deadline)

    def shown_url(self, spec: BpsSpec) -> str:
        """The request URL as it may be written anywhere: the key masked."""
        return f"{self.base_url}/{data_path(spec, MASK if self._key else None)}"

    def data(self, spec: BpsSpec) -> tuple[dict, int]:
        """The WebAPI's answer for `spec` and its HTTP status; raises BpsError with the BPS
        message (invalid key, no data) or what went wrong on the way."""
        url = f"{self.base_url}/{data_path(spec, self._key)}"
        shown = self.shown_url(spec)
        try:
            with scrubbed_logs(self._key):
                status, raw = self._get(url, shown)
        except BpsError as exc:
            raise BpsError(self.scrub(str(exc)), status=exc.status, fix=exc.fix) from None
        try:
            body = json.loads(raw)
        except ValueError:
            text = self.scrub(raw[:120].decode("utf-8", "replace"))
            raise BpsError(
                f"{shown} answered HTTP {status} with a non-JSON body ({text!r})", status=status
            ) from None
        answer_problem(body, spec, status, shown, self.scrub)
        return body, status

    def scrub(self, text: str) -> str:
        """`text` without the key (a server may echo the request path in its error)."""
        return text.replace(self._key, MASK) if self._key else text

    def _get(self, url: str, shown: str) -> tuple[int, bytes]:
        status = None
        try:
            self.deadline.check(shown)
            with self.session.get(
                url, timeout=self.deadline.timeout(self.http), stream=True
            ) as response:
                status = response.status_code
                raw = self._read(response, shown)
                if status >= 400 and not _is_json(raw):
                    raise self._status_error(response, shown)
                return status, raw
        except requests.RequestException as exc:
            why = self.deadline.failure(shown) if self.deadline.passed else None
            why = why or describe_request_error(exc, self.http)
            raise BpsError(f"{shown}: {why}", status=status) from None
        except HttpFailure as exc:
            raise BpsError(f"{shown}: {exc.problem}", status=status, fix=exc.fix) from None

    def _status_error(self, response: requests.Response, shown: str) -> BpsError:
        """An error status without BPS's JSON answer (a proxy's or a gateway's page)."""
        if self.deadline.passed:  # urllib3 stopped retrying a 5xx because time ran out
            last = f" (the last answer was HTTP {response.status_code})"
            return BpsError(f"{shown}: {self.deadline.failure(shown, last=last)}")
        retries = getattr(response.raw, "retries", None)
        tries = len(retries.history) + 1 if retries is not None else 1
        failure = status_failure(response, tries)
        return BpsError(f"{shown}: {failure.problem}", status=response.status_code)

    def _read(self, response: requests.Response, shown: str) -> bytes:
        """The body, refused past the size limit, read within the fetch's deadline."""
        try:
            return read_capped(response, self.deadline, shown, self.http.max_bytes)
        except BodyTooLarge as large:
            raise BpsError(
                f"{shown} answered more than the {large.limit:,}-byte limit "
                "(KOTAPINTAR_MAX_DOWNLOAD_MB)",
                status=response.status_code,
            ) from None
        except BodyBroken as broken:
            raise BpsError(
                f"{shown}: {broken_message(broken, self.http)}", status=response.status_code
            ) from None


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def answer_problem(
    body: object, spec: BpsSpec, status: int, shown: str, scrub: Callable[[str], str] = str
) -> None:
    """Raise BpsError when the answer is BPS saying no: an error status (an invalid key), or
    no data for this variable and selection (`data-availability: list-not-available`)."""
    where = f"domain {spec.domain}, variable {spec.variable}"
    if not isinstance(body, dict):
        raise BpsError(f"{shown} answered a JSON {type(body).__name__}, not a table", status=status)
    availability = str(body.get("data-availability") or "")
    if availability in ("list-not-available", "not-available"):
        raise BpsError(
            f"BPS has no data for {where} (data-availability: {availability}) at {shown}",
            status=status,
            fix="check `bps.domain`, `bps.variable` and the selections (`th`, `turvar`, "
            "`vervar`, `turth`) against the table on the BPS website (its address holds the "
            "variable id); the last good data stays published",
        )
    if str(body.get("status", "")).upper() != "OK" or status >= 400:
        said = body.get("message") or body.get("error") or body.get("data") or body.get("status")
        said = scrub(json.dumps(said, ensure_ascii=False) if not isinstance(said, str) else said)
        keyish = status in (401, 403) or "key" in said.lower()
        http = f" (HTTP {status})" if status != 200 else ""
        raise BpsError(
            f"the BPS WebAPI refused the request for {where}{http}: {said!r} ({shown})",
            status=status,
            fix=KEY_FIX if keyish else REQUEST_FIX,
        )


@contextmanager
def scrubbed_logs(secret: str | None) -> Iterator[None]:
    """While the block runs, urllib3's log records that contain `secret` are written with it
    masked (the request line of a retry is logged at WARNING, with the path)."""
    if not secret:
        yield
        return
    scrubber = _Scrubber(secret)
    loggers = [logging.getLogger(name) for name in _URLLIB3_LOGGERS]
    for logger in loggers:
        logger.addFilter(scrubber)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(scrubber)


class _Scrubber(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if self.secret in text:
            record.msg, record.args = text.replace(self.secret, MASK), ()
        return True


class BpsReplay(BaseAdapter):
    """The offline twin of the WebAPI: a `model/data` request gets the recorded answer; any
    other request BPS's own 404 answer."""

    def __init__(self, recording: Path) -> None:
        super().__init__()
        self.recording = recording

    def send(self, request: requests.PreparedRequest, **_: object) -> requests.Response:
        if "/list/model/data/" in (request.path_url or ""):
            return _response(request, 200, self.recording.read_bytes(), "application/json")
        body = {"status": "Error", "message": f"no recorded answer for {request.path_url}"}
        return _response(request, 404, json.dumps(body).encode(), "application/json")

    def close(self) -> None:
        pass


def replay_session(recording: Path) -> requests.Session:
    """A Session whose every request is answered from the recorded answer `recording`."""
    session = requests.Session()
    session.mount("http://", BpsReplay(recording))
    session.mount("https://", BpsReplay(recording))
    return session
