"""Portal feeds into the landing folder: CKAN DataStore tables and CKAN resource files.

Both ask the portal first when the resource last changed (`last_modified`, `metadata_modified`);
when neither moved since the last good landing, nothing is paged or downloaded again. Otherwise a
DataStore table is paged to the end (`total` checked) and written as canonical JSON, so the same
rows always hash the same; a resource file is downloaded with conditional GET and then treated
exactly like an agency file (content checks, then parsed per the entry's `format`).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

import requests

from sources.catalog import SourceEntry
from sources.ckan import CkanClient, CkanError, replay_session
from sources.conditional import same_url, url_key
from sources.errors import SourceError
from sources.fetch import FetchOptions, download_to_landing, land, reuse
from sources.http import make_session
from sources.http_errors import safe_url
from sources.landing import Landing, incoming, sha256_file


def fetch_datastore(
    entry: SourceEntry, folder: Path, previous: Landing | None, options: FetchOptions
) -> Landing:
    """Land a DataStore table as `{"resource_id", "fields", "records"}` JSON."""
    client = _client(entry, options)
    url = f"{client.base_url}/api/3/action/datastore_search?resource_id={entry.resource_id}"
    try:
        stamp = _stamp(client.resource_show(entry.resource_id))
        if _unmoved(previous, stamp, url):
            return reuse(entry, folder, previous, not_modified=True)
        fields, records = client.datastore_search_all(entry.resource_id)
    except (CkanError, requests.RequestException) as exc:
        raise _feed_error(entry, exc, url) from None
    payload = {"resource_id": entry.resource_id, "fields": fields, "records": records}
    with incoming(folder) as tmp:
        # Sorted keys and fixed separators: the same feed content always hashes the same.
        # json.dumps, not json.dump: only the one-shot encoder is the C one (4x faster).
        tmp.write_text(json.dumps(payload, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        sha256 = sha256_file(tmp)
        fields_ = {
            "location": safe_url(entry.location),  # the manifest and metadata never hold a secret
            "url": safe_url(url),
            "url_sha256": url_key(url),
            "http_status": 200,
            "etag": None,
            "last_modified": None,
            "resource_modified": stamp,
        }
        if previous is not None and previous.sha256 == sha256:
            return reuse(entry, folder, previous, write=True, **fields_)
        return land(entry, folder, tmp, sha256, **fields_)


def fetch_resource(
    entry: SourceEntry, folder: Path, previous: Landing | None, options: FetchOptions
) -> Landing:
    """Pick the dataset's resource (`package_show`) and download its file."""
    client = _client(entry, options)
    try:
        resource = _pick(client, entry)
    except (CkanError, requests.RequestException) as exc:
        raise _feed_error(entry, exc, client.base_url) from None
    url = urljoin(client.base_url + "/", str(resource.get("url") or ""))
    if not url.startswith(("http://", "https://")) or not resource.get("url"):
        raise SourceError(
            entry.id,
            entry.location,
            f"resource {resource.get('name')!r} (id {resource.get('id')}) has no download URL",
            fix="ask the portal admin to re-upload the file, or pick another resource",
            details={"url": safe_url(client.base_url), "http_status": 200},
        )
    stamp = _stamp(resource)
    if _unmoved(previous, stamp, url):
        return reuse(entry, folder, previous, not_modified=True)
    return download_to_landing(
        entry,
        folder,
        previous,
        client.session,
        url,
        options.http,
        auth=client.auth_headers_for(url, resource_id=str(resource.get("id") or "") or None),
        extra={"resource_modified": stamp},
        deadline=options.deadline,
    )


def _pick(client: CkanClient, entry: SourceEntry) -> dict:
    from sources.ckan import pick_resource

    if entry.resource_id and not (entry.resource_name or entry.resource_format):
        return client.resource_show(entry.resource_id)
    package = client.package_show(entry.dataset)
    return pick_resource(
        package, resource_id=entry.resource_id, name=entry.resource_name, fmt=entry.resource_format
    )


def _client(entry: SourceEntry, options: FetchOptions) -> CkanClient:
    if options.offline:
        if not entry.recording:
            raise SourceError(
                entry.id,
                entry.location,
                "the pipeline runs offline (KOTAPINTAR_OFFLINE=1) and this feed has no recording",
                fix=f"add `recording` to {entry.catalog_file}, or set KOTAPINTAR_OFFLINE=0",
            )
        session = replay_session((options.root / entry.recording).resolve())
        return CkanClient(entry.location, session, http=options.http, deadline=options.deadline)
    return CkanClient(
        entry.location,
        make_session(options.http, options.deadline),
        token=options.ckan_token,
        http=options.http,
        deadline=options.deadline,
    )


def _stamp(resource: dict) -> str | None:
    parts = [resource.get("last_modified"), resource.get("metadata_modified")]
    return "|".join(str(p or "") for p in parts) if any(parts) else None


def _unmoved(previous: Landing | None, stamp: str | None, url: str) -> bool:
    """The portal says the resource has not changed since the last good landing."""
    return (
        previous is not None
        and stamp is not None
        and previous.resource_modified == stamp
        and same_url(previous, url)
    )


def _feed_error(entry: SourceEntry, exc: Exception, url: str) -> SourceError:
    """The portal's failure, with the URL it came from and the HTTP status it answered with
    (for `meta_muat`); `url` is the feed's own when the error does not name one."""
    what = "`resource_id`" if entry.kind == "ckan_datastore" else "`dataset` and the resource pick"
    return SourceError(
        entry.id,
        entry.location,
        str(exc),
        fix=f"check the portal and {what} in {entry.catalog_file}; the last good data stays "
        "published",
        details={
            "url": getattr(exc, "url", None) or safe_url(url),
            "http_status": getattr(exc, "status", None),
        },
    )
