"""The one HTTP client every source uses: retries with backoff, timeouts, a size cap, streaming."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "kotapintar/0.1 (Kota Malang open-data pipeline; +https://github.com/kotapintar)"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024


def make_session(retries: int = 4, backoff: float = 1.0) -> requests.Session:
    """A Session retrying connection errors, 429 and 5xx with exponential backoff and jitter,
    honouring Retry-After; proxies come from the standard environment variables (trust_env)."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        backoff_jitter=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class Download:
    status: int
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None


class DownloadTooLarge(Exception):
    pass


def download(
    session: requests.Session, url: str, target: Path, max_bytes: int = MAX_DOWNLOAD_BYTES
) -> Download:
    """Stream `url` into `target` (never the whole body in memory), hashing as it goes."""
    digest = hashlib.sha256()
    size = 0
    with session.get(url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)) as response:
        response.raise_for_status()
        with target.open("wb") as handle:
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadTooLarge(f"larger than the {max_bytes:,}-byte limit")
                digest.update(chunk)
                handle.write(chunk)
        return Download(
            status=response.status_code,
            sha256=digest.hexdigest(),
            bytes=size,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )
