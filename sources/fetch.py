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
from sources.conditional import conditional_headers, same_url, url_key
from sources.content import CONTENT_CHECKS, ContentError, Sniffed, check_content
from sources.errors import SourceError
from sources.http import Deadline, Download, HttpConfig, HttpFailure, download, make_session
from sources.http_errors import safe_url
from sources.landing import (
    Landing,
    incoming,
    keep,
    read_manifest,
    sha256_file,
    unland,
    write_manifest,
)

SUFFIX = {"xlsx": ".xlsx", "csv": ".csv", "records": ".json", "bps": ".json"}
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
    # The whole fetch's time limit (KOTAPINTAR_FETCH_DEADLINE), shared by every request of it.
    deadline: Deadline = field(default_factory=lambda: Deadline(HttpConfig().deadline))
    # KOTAPINTAR_BPS_KEY: never logged (not even in this object's repr), masked in every URL.
    bps_key: str | None = field(default=None, repr=False)


def fetch_source(
    entry: SourceEntry,
    landing_root: Path,
    *,
    offline: bool = True,
    root: Path = REPO_ROOT,
    ckan_token: str | None = None,
    http: HttpConfig | None = None,
    bps_key: str | None = None,
) -> Landing:
    """Land `entry`'s current content; raise SourceError naming the source, location and fix.

    The returned Landing has `not_modified` set when no new body was fetched (HTTP 304, or a
    portal resource whose timestamps did not move); its file is then the last good one."""
    from sources.feeds import fetch_datastore, fetch_resource  # CKAN paths; avoids a cycle

    http = http or HttpConfig()
    options = FetchOptions(offline, root, http, ckan_token, Deadline(http.deadline), bps_key)
    folder = landing_root / entry.id
    folder.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(folder)
    if entry.kind == "ckan_datastore":
        return fetch_datastore(entry, folder, previous, options)
    if entry.kind == "ckan_resource":
        return fetch_resource(entry, folder, previous, options)
    if entry.kind == "bps_webapi":
        from sources.bps_feed import fetch_bps

        return fetch_bps(entry, folder, previous, options)
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
        # A file has no URL or HTTP answer: none of an earlier URL fetch's may stay attached.
        return reuse(entry, folder, previous, location=entry.location, **_NO_HTTP)
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
            details={"url": safe_url(entry.location)},
        )
    session = make_session(options.http, options.deadline)
    return download_to_landing(
        entry, folder, previous, session, entry.location, options.http, deadline=options.deadline
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
    deadline: Deadline | None = None,
) -> Landing:
    """Conditional GET of `url` into the landing folder (used for URLs and portal resources).

    The validators of `previous` are sent only if it came from this very URL; the file becomes
    the latest landing only after it passed the content checks."""
    headers = {**conditional_headers(previous, url), **(auth or {})}
    with incoming(folder) as tmp:
        try:
            result = download(session, url, tmp, config=http, headers=headers, deadline=deadline)
        except HttpFailure as exc:
            raise SourceError(
                entry.id,
                safe_url(entry.location),
                exc.problem + (f" ({safe_url(url)})" if url != entry.location else ""),
                fix=exc.fix or NETWORK_FIX,
                outcome=exc.outcome,
                details=exc.details(url),
            ) from None
        return _landed(entry, folder, previous, tmp, url, result, extra or {})


def _landed(
    entry: SourceEntry,
    folder: Path,
    previous: Landing | None,
    tmp: Path,
    url: str,
    result: Download,
    extra: dict[str, object],
) -> Landing:
    """The landing of a completed download: the previous one again (304 or the same bytes) or
    the new file once checked."""
    kept = previous if same_url(previous, url) else None
    http_fields = {
        "location": safe_url(entry.location),  # the manifest and metadata never hold a secret
        "url": safe_url(url),  # as requested: the next conditional GET compares it
        "url_sha256": url_key(url),
        "http_status": result.status,
        # A 304 may omit the validators; they are still those of the file we have.
        "etag": result.etag or (kept.etag if result.not_modified and kept else None),
        "last_modified": result.last_modified
        or (kept.last_modified if result.not_modified and kept else None),
        **extra,
    }
    if result.not_modified:
        if kept is None:
            raise SourceError(
                entry.id,
                safe_url(entry.location),
                "the server answered 304 Not Modified to a request that was not conditional",
                fix=NETWORK_FIX,
                details=_answer(http_fields),
            )
        return reuse(entry, folder, kept, not_modified=True, **http_fields)
    if previous is not None and previous.sha256 == result.sha256:
        # Same bytes re-sent (no ETag support, a re-save with identical content, a new URL).
        return reuse(entry, folder, previous, write=True, **http_fields)
    try:
        return land(entry, folder, tmp, result.sha256, **http_fields)
    except SourceError as exc:  # refused content: say what the server answered
        exc.details = {**(exc.details or {}), **_answer(http_fields), "sha256": result.sha256}
        raise


_NO_HTTP = dict.fromkeys(
    ("url", "url_sha256", "http_status", "etag", "last_modified", "resource_modified")
)
# What the next fetch decides by: a change in these is written to the manifest at once.
_IDENTITY = ("location", "url", "url_sha256", "etag", "last_modified", "resource_modified")


def _answer(fields: dict[str, object]) -> dict[str, object]:
    """What the server answered, for SourceError details (source_run records these keys)."""
    keys = ("url", "http_status", "etag", "last_modified", "resource_modified")
    return {k: fields[k] for k in keys if k in fields}


def reuse(
    entry: SourceEntry, folder: Path, previous: Landing, *, write: bool = False, **fields: object
) -> Landing:
    """`previous` as this fetch's landing (its content did not change), with `fields` updated.

    A file landed under older content checks is checked again first: it may be what they now
    refuse (a zip bomb whose headers lie), and then it is forgotten rather than parsed again."""
    landing = dataclasses.replace(previous, fetched_at=now(), **fields)
    write = write or any(getattr(previous, k) != fields[k] for k in _IDENTITY if k in fields)
    if previous.checks != CONTENT_CHECKS:
        try:
            _check(entry, Path(previous.path))
        except SourceError as exc:
            unland(folder, previous)
            exc.details = {**(exc.details or {}), **_details(landing)}
            raise
        landing, write = dataclasses.replace(landing, checks=CONTENT_CHECKS), True
    if write:
        write_manifest(folder, landing)
    return landing


def _details(landing: Landing) -> dict[str, object]:
    return {**_answer(dataclasses.asdict(landing)), "sha256": landing.sha256}


def land(entry: SourceEntry, folder: Path, tmp: Path, sha256: str, **fields: object) -> Landing:
    """Check `tmp` against the entry's declared format, then keep it as the latest landing."""
    sniffed = _check(entry, tmp)  # before anything points at the file: refused never lands
    final = keep(tmp, folder, sha256, SUFFIX[entry.reads_as])
    landing = Landing(
        source_id=entry.id,
        path=str(final),
        sha256=sha256,
        bytes=final.stat().st_size,
        fetched_at=now(),
        encoding=sniffed.encoding,
        delimiter=sniffed.delimiter,
        checks=CONTENT_CHECKS,
        **fields,
    )
    write_manifest(folder, landing)
    return landing


def _check(entry: SourceEntry, path: Path) -> Sniffed:
    if entry.reads_as in ("records", "bps"):
        return Sniffed()  # written by sources/feeds.py or bps_feed.py from parsed API answers
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
