"""Change detection: when may a source be skipped as `unchanged`?

A source is unchanged when the content it would load is byte-identical (same sha256, or the server
said 304 / the portal's resource timestamps did not move) to the content of its last successful
load AND its catalog entry is the same as then (a changed parse spec or quality rule must
re-read the same file) AND its latest fetch was good (after a failure the next good content is
processed again, closing the failure's findings; see warehouse.muat.last_good_load).
The entry's fingerprint covers every field plus PARSE_CONTRACT, which is bumped when the
parsing code changes what the same file and entry produce.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sources.catalog import SourceEntry
from sources.http_errors import safe_url
from sources.landing import Landing

# Bump when sources/parse.py or sources/grid.py change the tidy rows a file yields, so that the
# next run re-parses every source instead of calling them unchanged.
PARSE_CONTRACT = "3"


def entry_fingerprint(entry: SourceEntry) -> str:
    """sha256 of the entry's full content (every field, defaults included) and PARSE_CONTRACT."""
    canonical = json.dumps(
        {"entry": entry.model_dump(mode="json"), "parse_contract": PARSE_CONTRACT},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def url_key(url: str) -> str:
    """A fingerprint of the full URL as requested, password and secret parameters included,
    stored instead of the URL itself (which holds the secrets)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def same_url(previous: Landing | None, url: str) -> bool:
    """Whether `previous` was fetched from exactly `url`. The stored `url` is masked, so two
    URLs differing only in a password or token look alike there; the full URL's key tells them
    apart. A landing from before the key existed matches only a URL with nothing masked."""
    if previous is None or previous.url != safe_url(url):
        return False
    if previous.url_sha256:
        return previous.url_sha256 == url_key(url)
    return url == safe_url(url)


def conditional_headers(previous: Landing | None, url: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last good landing, only when it came from this
    very URL: validators belong to the URL that issued them, and another URL's ETag could earn a
    304 for content we never received from it."""
    if not same_url(previous, url):
        return {}
    headers = {}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


@dataclass(frozen=True)
class LastLoad:
    """What the last successful load of a source was made from (from `meta_muat`)."""

    sha256: str | None
    katalog_sha256: str | None


def is_unchanged(
    landing: Landing, fingerprint: str, last: LastLoad | None, loaded_sha256: str | None
) -> bool:
    """Whether `landing` under an entry with `fingerprint` would reload what is loaded now:
    `last` is the last good load (warehouse.muat.last_good_load) and `loaded_sha256` the file the
    loaded rows came from (warehouse.tidy.loaded_berkas_sha256)."""
    return (
        loaded_sha256 == landing.sha256
        and last is not None
        and last.sha256 is not None
        and last.sha256 == landing.sha256
        and last.katalog_sha256 == fingerprint
    )
