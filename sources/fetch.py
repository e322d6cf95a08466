"""Fetch a source into the landing folder: its bytes plus provenance (location, sha256, fetch
time, HTTP status, ETag, Last-Modified), checked (sources/content.py) before it counts as landed.

Nothing is downloaded twice when it can be avoided: URLs are fetched with conditional GET from
the last good landing's ETag / Last-Modified (a 304 returns that landing, `not_modified`), local
files are hashed in place and only copied when their content changed, and portal feeds compare
the resource's timestamps first (sources/feeds.py). Refused content never becomes the latest
landing, so the next run still compares against the last good file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import requests

from sources.catalog import REPO_ROOT, SourceEntry
from sources.conditional import conditional_headers
from sources.content import ContentError, Sniffed, check_content
from sources.errors import SourceError
from sources.http import HttpConfig, HttpFailure, download, make_session
from sources.http_errors import safe_url
from sources.landing import Landing, incoming, keep, read_manifest, sha256_file, write_manifest

SUFFIX = {"xlsx": ".xlsx", "csv": ".csv", "records": ".json"}
NETWORK_FIX = (
    "check that the agency server is up and the URL is still right; the last good data "
    "stays published"
)


@dataclass(frozen=True)
class FetchOptions:
    """How a fetch may reach the outside world (from the resource / settings)."""

    offline: bool = True
    root: Path = REPO_ROOT
    http: HttpConfig = field(default_factory=HttpConfig)
    ckan_token: str | None = None  # never logged; sent only to the feed's own portal


def fetch_source(
    entry: SourceEntry,
    landing_root: Path,
    *,
    offline: bool = True,
    root: Path = REPO_ROOT,
    ckan_token: str | None = None,
    http: HttpConfig | None = None,
) -> Landing:
    """Land `entry`'s current content; raise SourceError naming the source, location and fix.

    The returned Landing has `not_modified` set when no new body was fetched (HTTP 304, or a
    portal resource whose timestamps did not move); its file is then the last good one."""
    from sources.feeds import fetch_datastore, fetch_resource  # CKAN paths; avoids a cycle

    options = FetchOptions(offline, root, http or HttpConfig(), ckan_token)
    folder = landing_root / entry.id
    folder.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(folder)
    if entry.kind == "ckan_datastore":
        return fetch_datastore(entry, folder, previous, options)
    if entry.kind == "ckan_resource":
        return fetch_resource(entry, folder, previous, options)
    if entry.is_url:
        return _fetch_url(entry, folder, previous, options)
    return _fetch_local(entry, folder, previous, root)


def latest_landing(entry: SourceEntry, landing_root: Path) -> Landing | None:
    """The last good landing of `entry` (None if never fetched or its file is gone)."""
    return read_manifest(landing_root / entry.id)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _fetch_local(entry: SourceEntry, folder: Path, previous: Landing | None, root: Path) -> Landing:
    source = entry.local_path(root)
    if not source.is_file():
        raise SourceError(
            entry.id,
            entry.location,
            "the file does not exist",
            fix=f"put the agency file there, or fix `location` in {entry.catalog_file}",
        )
    sha256 = sha256_file(source)
    if previous is not None and previous.sha256 == sha256:
        return dataclasses.replace(previous, fetched_at=now(), location=entry.location)
    with incoming(folder) as tmp:
        shutil.copyfile(source, tmp)
        return land(entry, folder, tmp, sha256, location=entry.location)


def _fetch_url(
    entry: SourceEntry, folder: Path, previous: Landing | None, options: FetchOptions
) -> Landing:
    if options.offline:
        raise SourceError(
            entry.id,
            safe_url(entry.location),
            "the pipeline runs offline (KOTAPINTAR_OFFLINE=1) and this source is a URL",
            fix="set KOTAPINTAR_OFFLINE=0 to fetch live sources",
        )
    return download_to_landing(
        entry, folder, previous, make_session(options.http), entry.location, options.http
    )


def download_to_landing(
    entry: SourceEntry,
    folder: Path,
    previous: Landing | None,
    session: requests.Session,
    url: str,
    http: HttpConfig,
    *,
    auth: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> Landing:
    """Conditional GET of `url` into the landing folder (used for URLs and portal resources)."""
    same_url = previous is not None and previous.url == safe_url(url)
    headers = {**(conditional_headers(previous) if same_url else {}), **(auth or {})}
    extra = extra or {}
    with incoming(folder) as tmp:
        try:
            result = download(session, url, tmp, config=http, headers=headers)
        except HttpFailure as exc:
            raise SourceError(
                entry.id,
                safe_url(entry.location),
                exc.problem + (f" ({safe_url(url)})" if url != entry.location else ""),
                fix=exc.fix or NETWORK_FIX,
                outcome=exc.outcome,
                details={"url": safe_url(url), "http_status": exc.status},
            ) from None
        http_fields = {
            "url": safe_url(url),  # as requested: the next conditional GET compares it
            "http_status": result.status,
            "etag": result.etag or (previous.etag if result.not_modified and previous else None),
            "last_modified": result.last_modified
            or (previous.last_modified if result.not_modified and previous else None),
            **extra,
        }
        if result.not_modified:
            if previous is None or not same_url:
                raise SourceError(
                    entry.id,
                    safe_url(entry.location),
                    "the server answered 304 Not Modified to a request that was not conditional",
                    fix=NETWORK_FIX,
                )
            return dataclasses.replace(previous, fetched_at=now(), not_modified=True, **http_fields)
        if previous is not None and previous.sha256 == result.sha256:
            # Same bytes re-sent (no ETag support, or a re-save with identical content).
            landing = dataclasses.replace(previous, fetched_at=now(), **http_fields)
            write_manifest(folder, landing)
            return landing
        try:
            return land(entry, folder, tmp, result.sha256, location=entry.location, **http_fields)
        except SourceError as exc:  # refused content: say what the server answered
            exc.details = {**(exc.details or {}), **http_fields, "sha256": result.sha256}
            raise


def land(entry: SourceEntry, folder: Path, tmp: Path, sha256: str, **fields: object) -> Landing:
    """Check `tmp` against the entry's declared format, then keep it as the latest landing."""
    sniffed = _check(entry, tmp)
    final = keep(tmp, folder, sha256, SUFFIX[entry.reads_as])
    landing = Landing(
        source_id=entry.id,
        path=str(final),
        sha256=sha256,
        bytes=final.stat().st_size,
        fetched_at=now(),
        encoding=sniffed.encoding,
        delimiter=sniffed.delimiter,
        **fields,
    )
    write_manifest(folder, landing)
    return landing


def _check(entry: SourceEntry, path: Path) -> Sniffed:
    if entry.reads_as == "records":
        return Sniffed()  # written by sources/feeds.py from parsed API answers
    try:
        return check_content(
            path,
            entry.reads_as,
            encoding=entry.parse.encoding,
            delimiter=entry.parse.delimiter,
        )
    except ContentError as exc:
        raise SourceError(
            entry.id, safe_url(entry.location), exc.problem, fix=exc.fix, outcome="rejected"
        ) from None
