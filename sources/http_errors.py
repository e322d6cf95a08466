"""HTTP failures worded for the engineer reading the run summary, not as library reprs.

requests wraps urllib3 wraps socket errors ("HTTPConnectionPool(host=..., port=...): Max retries
exceeded with url: ... (Caused by ReadTimeoutError(...))"); these helpers dig out what happened
and say it in one line: which timeout, how many tries, which status, what the server said.
Messages never include request headers (they may carry a token) nor a URL's query or password.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

if TYPE_CHECKING:
    from sources.http import HttpConfig

_SECRET_PARAM = re.compile(r"(token|key|secret|password|passwd|signature|sig|auth)", re.I)
# A path segment that names a secret carried in the next one: BPS's WebAPI takes its key as
# `.../key/<KEY>/` in the path, not as a query parameter.
_SECRET_SEGMENT = re.compile(r"(?i)^(key|api_?key|token|access_?token)$")


class HttpFailure(Exception):
    """A download that did not produce a usable body. `outcome` is "failed" (could not get it)
    or "rejected" (got something we refuse, e.g. larger than the limit)."""

    def __init__(
        self,
        problem: str,
        *,
        outcome: str = "failed",
        status: int | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(problem)
        self.problem, self.outcome, self.status, self.fix = problem, outcome, status, fix
        self.etag: str | None = None
        self.last_modified: str | None = None

    def answered(self, response: requests.Response | None) -> HttpFailure:
        """This failure with what the server answered (status, validators), so `meta_muat`
        shows them for a body that broke off or was refused, not only for an error status."""
        if response is not None:
            self.status = self.status if self.status is not None else response.status_code
            self.etag = response.headers.get("ETag")
            self.last_modified = response.headers.get("Last-Modified")
        return self

    def details(self, url: str) -> dict[str, object]:
        """The facts source_run records in `meta_muat` for a failed fetch (secrets masked)."""
        return {
            "url": safe_url(url),
            "http_status": self.status,
            "etag": self.etag,
            "last_modified": self.last_modified,
        }


def safe_url(url: str) -> str:
    """`url` fit for logs, errors and the warehouse: no user:password, secret-looking query
    parameters masked, and the path segment after `/key/` (or `/token/`) masked."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = urlencode(
        [(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, True)],
        safe="*/:",
    )
    return urlunsplit((parts.scheme, netloc, _masked_path(parts.path), query, ""))


def _masked_path(path: str) -> str:
    segments = path.split("/")
    for i in range(1, len(segments)):
        if segments[i] and _SECRET_SEGMENT.match(segments[i - 1]):
            segments[i] = "***"
    return "/".join(segments)


def status_failure(response: requests.Response, tries: int) -> HttpFailure:
    """An HTTP error status, with the server's reason and the tries it took."""
    code = response.status_code
    try:
        reason = HTTPStatus(code).phrase
    except ValueError:
        reason = response.reason or "error"
    after = f" after {tries} tries" if tries > 1 else ""
    hint = {
        401: "the resource needs credentials",
        403: "access is refused (private resource or blocked client?)",
        404: "the file is not at this URL any more",
        429: "the server keeps rate-limiting us",
    }.get(code, "")
    return HttpFailure(
        f"the server answered HTTP {code} {reason}{after}" + (f" ({hint})" if hint else ""),
        status=code,
    )


def describe_request_error(exc: requests.RequestException, config: HttpConfig) -> HttpFailure:
    """One line for a requests exception raised before any body arrived."""
    tries = f"tried {config.tries} times"
    if isinstance(exc, requests.TooManyRedirects):
        last = safe_url(exc.response.url) if exc.response is not None else "?"
        return HttpFailure(
            f"the server redirects in a loop (more than {config.max_redirects} redirects; "
            f"last to {last})"
        )
    reason = _root_cause(exc)
    if isinstance(exc, requests.exceptions.ProxyError):
        return HttpFailure(f"the proxy refused or failed the request ({_short(reason)}); {tries}")
    if isinstance(exc, requests.exceptions.SSLError):
        return HttpFailure(f"the TLS handshake failed ({_short(reason)})")
    if isinstance(reason, ReadTimeoutError) or isinstance(exc, requests.ReadTimeout):
        return HttpFailure(f"no answer within {config.read_timeout:g} s (read timeout); {tries}")
    if isinstance(reason, NewConnectionError):
        return HttpFailure(f"cannot connect ({_short(reason)}); {tries}")
    if isinstance(reason, ConnectTimeoutError) or isinstance(exc, requests.ConnectTimeout):
        return HttpFailure(
            f"could not connect within {config.timeout[0]:g} s (connect timeout); {tries}"
        )
    if isinstance(reason, ProtocolError):
        return HttpFailure(f"the connection broke before the answer ({_short(reason)}); {tries}")
    return HttpFailure(f"the request failed ({type(exc).__name__}: {_short(reason)})")


def _root_cause(exc: BaseException) -> BaseException:
    """The urllib3 reason inside requests' wrapper and MaxRetryError."""
    seen: BaseException = exc
    for _ in range(5):
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        if isinstance(seen, MaxRetryError) and seen.reason is not None:
            inner = seen.reason
        if inner is None:
            return seen
        seen = inner
    return seen


def _short(reason: BaseException) -> str:
    text = str(reason)
    # urllib3 prefixes pool reprs and object addresses that help nobody at 07:00.
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
    text = re.sub(r"HTTPS?ConnectionPool\([^)]*\):\s*", "", text)
    return f"{type(reason).__name__}: {text}"[:200]
