"""A BPS WebAPI table into the landing folder (kind `bps_webapi`).

The landed file is BPS's answer itself, as canonical JSON (sorted keys), so the same table
always hashes the same and an unchanged table is `unchanged`; it is also exactly what a
recording holds, so a live answer can be kept as the offline twin's recording. It lands only
when it is a table (sources/bps_table.py reads it): BPS saying no (an invalid key, no data)
fails the source and the last good data stays published.

Live (KOTAPINTAR_OFFLINE=0) it needs KOTAPINTAR_BPS_KEY; offline it replays `recording`.
"""

from __future__ import annotations

import json
from pathlib import Path

from sources.bps import DEVELOPER, KEY_SETTING, BpsClient, BpsError, replay_session
from sources.bps_table import TableError, read_table
from sources.catalog import SourceEntry
from sources.conditional import url_key
from sources.errors import SourceError
from sources.fetch import FetchOptions, land, reuse
from sources.http import make_session
from sources.http_errors import safe_url
from sources.landing import Landing, incoming, sha256_file

RETRY_FIX = "if BPS is down or slow, the next run tries again; the last good data stays published"


def fetch_bps(
    entry: SourceEntry, folder: Path, previous: Landing | None, options: FetchOptions
) -> Landing:
    """Land the WebAPI's answer for `entry.bps`; SourceError naming the URL (key masked)."""
    client = _client(entry, options)
    shown = client.shown_url(entry.bps)
    try:
        answer, status = client.data(entry.bps)
        read_table(answer, entry.bps)  # refused before it lands: the next run compares to good
    except BpsError as exc:
        raise SourceError(
            entry.id,
            safe_url(entry.location),
            str(exc),
            fix=exc.fix or RETRY_FIX,
            details={"url": shown, "http_status": exc.status},
        ) from None
    except TableError as exc:
        raise SourceError(
            entry.id,
            safe_url(entry.location),
            f"the answer of {shown} is not a table: {exc}",
            fix=f"check `bps` in {entry.catalog_file} against the table on the BPS website",
            outcome="rejected",
            details={"url": shown, "http_status": status},
        ) from None
    text = client.scrub(json.dumps(answer, sort_keys=True, ensure_ascii=False))
    with incoming(folder) as tmp:
        tmp.write_text(text, encoding="utf-8")
        sha256 = sha256_file(tmp)
        fields = {
            "location": safe_url(entry.location),
            "url": shown,  # the key masked: the manifest and metadata never hold it
            "url_sha256": url_key(shown),
            "http_status": status,
            "etag": None,
            "last_modified": None,
            "resource_modified": None,
        }
        if previous is not None and previous.sha256 == sha256:
            return reuse(entry, folder, previous, write=True, **fields)
        return land(entry, folder, tmp, sha256, **fields)


def _client(entry: SourceEntry, options: FetchOptions) -> BpsClient:
    if options.offline:
        recording = (options.root / entry.recording).resolve() if entry.recording else None
        if recording is None or not recording.is_file():
            where = f" ({entry.recording} does not exist)" if entry.recording else ""
            raise SourceError(
                entry.id,
                safe_url(entry.location),
                "the pipeline runs offline (KOTAPINTAR_OFFLINE=1) and this BPS WebAPI table has "
                f"no recorded answer{where}",
                fix=f"set `recording` in {entry.catalog_file} to a recorded answer (a JSON file), "
                f"or set KOTAPINTAR_OFFLINE=0 and {KEY_SETTING} to ask the WebAPI",
            )
        session = replay_session(recording)
        return BpsClient(entry.location, session, http=options.http, deadline=options.deadline)
    if not options.bps_key:
        raise SourceError(
            entry.id,
            safe_url(entry.location),
            f"the BPS WebAPI needs an API key and {KEY_SETTING} is not set",
            fix=f"set {KEY_SETTING} in the environment or .env to the key of your application "
            f"on {DEVELOPER} (a secret: never in the catalog), or set KOTAPINTAR_OFFLINE=1 to "
            "replay the recorded answer",
        )
    session = make_session(options.http, options.deadline)
    return BpsClient(
        entry.location, session, key=options.bps_key, http=options.http, deadline=options.deadline
    )
