"""The one HTTP client every source uses: a requests Session with urllib3 `Retry` (timeouts,
exponential backoff with jitter on connection errors, 429 and 5xx, `Retry-After` honoured), a
download size cap, streaming to disk, conditional GET, and errors worded for the run summary.

Why requests + urllib3 Retry rather than a loop of our own: the retry policy (which statuses,
which errors, backoff, Retry-After, redirect limits) is urllib3's tested code, and the same
policy object also paces the re-download after a connection breaks mid-body (see `download`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from sources.http_errors import HttpFailure, describe_request_error, status_failure

__all__ = ["Download", "HttpConfig", "HttpFailure", "download", "make_session", "user_agent"]

CHUNK = 256 * 1024
DEFAULT_CONTACT = "walidata Kota Malang (Diskominfo)"
_SIZE_FIX = (
    "if the file really is this large, raise KOTAPINTAR_MAX_DOWNLOAD_MB; otherwise ask the "
    "agency why it grew"
)


@dataclass(frozen=True)
class HttpConfig:
    """How patient and how trusting the client is. The defaults suit agency servers at night;
    tests shrink the timeouts and backoff so fault injection stays fast."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0  # seconds; sleeps backoff * 2**(n-1) plus up to `jitter`
    jitter: float | None = None  # default: half the backoff
    backoff_max: float = 60.0
    retry_after_max: int = 300  # a server asking for a longer pause gets this much
    max_bytes: int = 200 * 1024 * 1024
    max_redirects: int = 10
    contact: str = DEFAULT_CONTACT

    @property
    def timeout(self) -> tuple[float, float]:
        return (min(self.connect_timeout, self.read_timeout), self.read_timeout)

    @property
    def tries(self) -> int:
        return self.retries + 1


def user_agent(contact: str = DEFAULT_CONTACT) -> str:
    """Names the project and who to call, so an agency's admin can reach us instead of
    blocking us."""
    return f"kotapintar/0.1 (Kota Malang open-data pipeline; contact: {contact})"


def make_session(config: HttpConfig | None = None) -> requests.Session:
    """A Session retrying connection errors, read errors, 429 and 5xx with exponential backoff
    and jitter, honouring Retry-After; proxies come from HTTP(S)_PROXY / NO_PROXY (trust_env)."""
    config = config or HttpConfig()
    retry = Retry(
        total=config.retries,
        connect=config.retries,
        read=config.retries,
        status=config.retries,
        other=0,
        redirect=False,  # requests follows redirects itself, bounded by max_redirects
        backoff_factor=config.backoff,
        backoff_jitter=config.backoff / 2 if config.jitter is None else config.jitter,
        backoff_max=config.backoff_max,
        retry_after_max=config.retry_after_max,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # the last 5xx comes back as a response we can describe
    )
    session = requests.Session()
    session.trust_env = True
    session.max_redirects = config.max_redirects
    session.headers["User-Agent"] = user_agent(config.contact)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class Download:
    """The outcome of one GET: a 304 (`not_modified`, nothing written) or a complete body."""

    status: int
    url: str
    sha256: str | None = None
    bytes: int = 0
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    retries: int = 0
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _BodyBroken(Exception):
    def __init__(self, cause: Exception, received: int, expected: int | None) -> None:
        super().__init__(str(cause))
        self.cause, self.received, self.expected = cause, received, expected


def download(
    session: requests.Session,
    url: str,
    target: Path,
    *,
    config: HttpConfig | None = None,
    headers: dict[str, str] | None = None,
) -> Download:
    """GET `url` and stream the body into `target` (never the whole body in memory), hashing
    as it goes. `headers` carries conditional (If-None-Match / If-Modified-Since) or auth headers.

    A 304 returns `not_modified` and leaves `target` untouched. A connection that breaks in the
    middle of the body is retried under the same urllib3 Retry policy as the request itself.
    Raises HttpFailure with a message fit for the run summary (never containing `headers`)."""
    config = config or HttpConfig()
    # The mounted adapter's policy; an offline replay adapter has none and never breaks.
    retry: Retry = getattr(session.get_adapter(url), "max_retries", None) or Retry(0)
    while True:
        try:
            return _attempt(session, url, target, config, headers or {})
        except _BodyBroken as broken:
            try:
                retry = retry.increment(method="GET", url=url, error=ProtocolError(broken.cause))
            except MaxRetryError:
                raise HttpFailure(_broken_message(broken, config)) from None
            retry.sleep()
        except requests.RequestException as exc:
            raise describe_request_error(exc, config) from None


def _attempt(
    session: requests.Session,
    url: str,
    target: Path,
    config: HttpConfig,
    headers: dict[str, str],
) -> Download:
    with session.get(url, stream=True, timeout=config.timeout, headers=headers) as response:
        retries = _retries_used(response)
        if response.status_code == 304:
            return Download(status=304, url=response.url, retries=retries)
        if response.status_code >= 400:
            raise status_failure(response, retries + 1)
        expected = _content_length(response)
        if expected is not None and expected > config.max_bytes:
            raise HttpFailure(
                f"the server announces {expected:,} bytes, more than the "
                f"{config.max_bytes:,}-byte limit (KOTAPINTAR_MAX_DOWNLOAD_MB)",
                outcome="rejected",
                fix=_SIZE_FIX,
            )
        digest = hashlib.sha256()
        size = 0
        with target.open("wb") as handle:
            try:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > config.max_bytes:
                        raise HttpFailure(
                            f"the download passed the {config.max_bytes:,}-byte limit "
                            "(KOTAPINTAR_MAX_DOWNLOAD_MB) and was stopped",
                            outcome="rejected",
                            fix=_SIZE_FIX,
                        )
                    digest.update(chunk)
                    handle.write(chunk)
            except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:
                raise _BodyBroken(exc, size, expected) from None
        return Download(
            status=response.status_code,
            url=response.url,
            sha256=digest.hexdigest(),
            bytes=size,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            content_type=response.headers.get("Content-Type"),
            retries=retries,
            headers=dict(response.headers),
        )


def _retries_used(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) if retries is not None else 0


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "")
    # A gzip-encoded body's Content-Length counts compressed bytes; compare only plain bodies.
    if not value.isdigit() or response.headers.get("Content-Encoding"):
        return None
    return int(value)


def _broken_message(broken: _BodyBroken, config: HttpConfig) -> str:
    text = str(broken)
    if "reset" in text.lower():
        cause = "connection reset by the server"
    elif "IncompleteRead" in text or "closed" in text.lower():
        cause = "the server closed it before the announced Content-Length"
    elif "timed out" in text.lower():
        cause = f"no data for {config.read_timeout:g} s"
    else:
        cause = type(broken.cause).__name__
    of = f" of {broken.expected:,}" if broken.expected is not None else ""
    tries = config.tries
    return f"the body broke off after {broken.received:,}{of} bytes ({cause}); tried {tries} times"
