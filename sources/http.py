"""The one HTTP client every source uses: a requests Session with urllib3 `Retry` (timeouts,
exponential backoff with jitter on connection errors, 429 and 5xx, `Retry-After` honoured), a
download size cap, streaming to disk, conditional GET, and errors worded for the run summary.

Why requests + urllib3 Retry rather than a loop of our own: the retry policy (which statuses,
which errors, backoff, Retry-After, redirect limits) is urllib3's tested code, and the same
policy object also paces the re-download after a connection breaks mid-body (see `download`).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from sources.http_errors import HttpFailure, describe_request_error, safe_url, status_failure

__all__ = [
    "BodyBroken",
    "Deadline",
    "Download",
    "HttpConfig",
    "HttpFailure",
    "Session",
    "body_chunks",
    "download",
    "make_session",
    "user_agent",
]

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
    deadline: float = 300.0  # seconds for a whole fetch, retries included; 0: none

    def with_read_timeout(self, seconds: float) -> tuple[float, float]:
        """The (connect, read) timeout with the read wait cut to `seconds` (what is left of the
        deadline), so no single wait outlives the fetch's deadline."""
        connect, read = self.timeout
        return (min(connect, seconds), min(read, seconds))

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


class _Retry(Retry):
    """urllib3's Retry with the backoff KOTAPINTAR_HTTP_BACKOFF promises: the first retry waits
    `backoff_factor`, each later one twice the one before. urllib3 itself sleeps nothing before
    the first retry (its backoff starts at the second), which hammers a struggling server."""

    ends: float | None = None  # time.monotonic() of the fetch's deadline (None: no deadline)

    def new(self, **kw: object) -> _Retry:
        retry = super().new(**kw)
        retry.ends = self.ends  # urllib3 builds a new Retry per try; the deadline stays
        return retry

    def is_exhausted(self) -> bool:
        """Out of tries, or out of time: no retry starts after the deadline."""
        late = self.ends is not None and time.monotonic() >= self.ends
        return late or super().is_exhausted()

    def sleep(self, response: object = None) -> None:
        """Wait as urllib3 would (Retry-After, else backoff), never past the deadline."""
        wait = None
        if self.respect_retry_after_header and response is not None:
            wait = self.get_retry_after(response)
        wait = wait or self.get_backoff_time()
        if self.ends is not None:
            wait = min(wait, max(0.0, self.ends - time.monotonic()))
        if wait > 0:
            time.sleep(wait)

    def get_backoff_time(self) -> float:
        errors = len(list(takewhile(lambda h: h.redirect_location is None, reversed(self.history))))
        if errors == 0 or self.backoff_factor <= 0:
            return 0.0
        value = self.backoff_factor * 2 ** (errors - 1)
        if self.backoff_jitter:
            value += random.random() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, value)))


class Session(requests.Session):
    """A requests Session whose Authorization header follows a redirect only to a URL that
    `auth_scope` accepts. requests alone keeps the header on any redirect within the same host
    and port, which would hand a portal token to any path the portal redirects to."""

    auth_scope: Callable[[str], bool] | None = None

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        if self.auth_scope is not None and not self.auth_scope(new_url):
            return True
        return super().should_strip_auth(old_url, new_url)


def make_session(config: HttpConfig | None = None, deadline: Deadline | None = None) -> Session:
    """A Session retrying connection errors, read errors, 429 and 5xx with exponential backoff
    and jitter, honouring Retry-After; proxies come from HTTP(S)_PROXY / NO_PROXY (trust_env).
    With a `deadline`, no retry starts and no wait lasts past it (make one session per fetch)."""
    config = config or HttpConfig()
    retry = _Retry(
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
    retry.ends = deadline.ends if deadline is not None else None
    session = Session()
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


class BodyBroken(Exception):
    """The body broke off after `received` of `expected` bytes (None: not announced)."""

    def __init__(self, cause: Exception, received: int, expected: int | None) -> None:
        super().__init__(str(cause))
        self.cause, self.received, self.expected = cause, received, expected
        self.status: int | None = None  # the answer's status, set once headers had arrived
        self.response: requests.Response | None = None


class Deadline:
    """The total time one fetch may take, retries and backoff included, on top of the read
    timeout: a server dripping a few bytes a second never trips a read timeout, so without it
    one source could hold the nightly run for as long as the server likes. 0 means none."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds if seconds > 0 else None

    @property
    def ends(self) -> float | None:
        """The deadline as a time.monotonic() value (None: no deadline)."""
        return self._ends

    def remaining(self) -> float | None:
        return None if self._ends is None else self._ends - time.monotonic()

    @property
    def passed(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def timeout(self, config: HttpConfig) -> tuple[float, float]:
        """The request timeout, its waits cut to what is left (never below 10 ms)."""
        left = self.remaining()
        return config.timeout if left is None else config.with_read_timeout(max(left, 0.01))

    def check(self, url: str, received: int = 0, expected: int | None = None) -> None:
        """Raise HttpFailure naming the URL, the bytes received and the setting once passed."""
        if self.passed:
            raise self.failure(url, received, expected)

    def failure(
        self, url: str, received: int = 0, expected: int | None = None, last: str = ""
    ) -> HttpFailure:
        """`last`: what the server answered last, e.g. " (the last answer was HTTP 503)"."""
        of = f" of {expected:,}" if expected is not None else ""
        return HttpFailure(
            f"the fetch of {safe_url(url)} did not finish within the {self.seconds:g}-second "
            f"deadline (KOTAPINTAR_FETCH_DEADLINE): {received:,}{of} bytes received{last}",
            fix="the server sends too slowly; ask the agency, or raise KOTAPINTAR_FETCH_DEADLINE "
            "if the file is this large and the server this slow",
        )


def body_chunks(
    response: requests.Response, deadline: Deadline, url: str, expected: int | None = None
) -> Iterator[bytes]:
    """The body as it arrives, one socket read per chunk, the deadline checked between reads.

    Why `read1` rather than `iter_content`: iter_content asks for a full CHUNK and blocks until
    it is filled, so a dripping server is never interrupted and a break mid-chunk loses the
    count of what did arrive. Raises BodyBroken with the bytes really received."""
    received = 0
    while True:
        deadline.check(url, received, expected)
        try:
            chunk = response.raw.read1(CHUNK, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise BodyBroken(exc, received, expected) from None
        if not chunk:
            return
        received += len(chunk)
        yield chunk


class BodyTooLarge(Exception):
    """The body went past the size limit (`KOTAPINTAR_MAX_DOWNLOAD_MB`)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} bytes")
        self.limit = limit


def read_capped(response: requests.Response, deadline: Deadline, url: str, limit: int) -> bytes:
    """The whole body of an API answer kept in memory: BodyTooLarge past `limit` bytes,
    BodyBroken as `body_chunks` raises it. Each client words both failures its own way."""
    chunks, size = [], 0
    for chunk in body_chunks(response, deadline, url):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def download(
    session: requests.Session,
    url: str,
    target: Path,
    *,
    config: HttpConfig | None = None,
    headers: dict[str, str] | None = None,
    deadline: Deadline | None = None,
) -> Download:
    """GET `url` and stream the body into `target` (never the whole body in memory), hashing
    as it goes. `headers` carries conditional (If-None-Match / If-Modified-Since) or auth headers.

    A 304 returns `not_modified` and leaves `target` untouched. A connection that breaks in the
    middle of the body is retried under the same urllib3 Retry policy as the request itself,
    all within `deadline` (default: a new one of `config.deadline` seconds).
    Raises HttpFailure with a message fit for the run summary (never containing `headers`)."""
    config = config or HttpConfig()
    deadline = deadline or Deadline(config.deadline)
    # The mounted adapter's policy; an offline replay adapter has none and never breaks.
    retry: Retry = getattr(session.get_adapter(url), "max_retries", None) or Retry(0)
    while True:
        deadline.check(url)
        try:
            return _attempt(session, url, target, config, headers or {}, deadline)
        except BodyBroken as broken:
            try:
                retry = retry.increment(method="GET", url=url, error=ProtocolError(broken.cause))
            except MaxRetryError:
                failure = HttpFailure(broken_message(broken, config), status=broken.status)
                if deadline.passed:
                    failure = deadline.failure(url, broken.received, broken.expected)
                    failure.status = broken.status
                raise failure.answered(broken.response) from None
            retry.sleep()
        except requests.RequestException as exc:
            # A wait cut short by the deadline is the deadline's failure, not a read timeout.
            if deadline.passed:
                raise deadline.failure(url) from None
            raise describe_request_error(exc, config) from None


def _attempt(
    session: requests.Session,
    url: str,
    target: Path,
    config: HttpConfig,
    headers: dict[str, str],
    deadline: Deadline,
) -> Download:
    timeout = deadline.timeout(config)
    with session.get(url, stream=True, timeout=timeout, headers=headers) as response:
        try:
            return _receive(response, url, target, config, deadline)
        except HttpFailure as failure:
            raise failure.answered(response) from None
        except BodyBroken as broken:
            broken.status, broken.response = response.status_code, response
            raise


def _receive(
    response: requests.Response, url: str, target: Path, config: HttpConfig, deadline: Deadline
) -> Download:
    """The answer's status checked, its body streamed into `target` within the limits."""
    retries = _retries_used(response)
    if response.status_code == 304:
        return Download(status=304, url=response.url, retries=retries)
    if response.status_code >= 400:
        if deadline.passed:  # urllib3 stopped retrying because time ran out
            raise deadline.failure(url, last=f" (the last answer was HTTP {response.status_code})")
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
        for chunk in body_chunks(response, deadline, url, expected):
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


def broken_message(broken: BodyBroken, config: HttpConfig) -> str:
    """One line for a body that broke off, with the bytes that really arrived."""
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
