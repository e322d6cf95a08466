"""Fetch a source into the landing folder: its bytes plus provenance (location, sha256, fetch time).

Landing files are content-addressed (`<landing>/<source>/<sha256 prefix><suffix>`), written to a
temporary name and renamed, so a crash never leaves a half file under a real name, and an
unchanged source lands on the same file. `latest.json` beside them records the last fetch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from sources.catalog import REPO_ROOT, SourceEntry
from sources.ckan import CkanClient, CkanError, replay_session
from sources.errors import SourceError
from sources.http import DownloadTooLarge, download, make_session

SUFFIX = {"xlsx": ".xlsx", "csv": ".csv", "ckan_datastore": ".json"}


@dataclass(frozen=True)
class Landing:
    """One fetched file and where it came from."""

    source_id: str
    path: str
    location: str
    sha256: str
    bytes: int
    fetched_at: str
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None

    def as_metadata(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def fetch_source(
    entry: SourceEntry,
    landing_root: Path,
    *,
    offline: bool = True,
    root: Path = REPO_ROOT,
    ckan_token: str | None = None,
) -> Landing:
    """Land `entry`'s current content; raise SourceError naming the source, location and fix."""
    folder = landing_root / entry.id
    folder.mkdir(parents=True, exist_ok=True)
    fetched_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".incoming-", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        extra: dict[str, object] = {}
        if entry.kind == "ckan_datastore":
            _fetch_ckan(entry, tmp_path, offline=offline, root=root, token=ckan_token)
        elif entry.is_url:
            extra = _fetch_url(entry, tmp_path, offline=offline)
        else:
            _copy_local(entry, tmp_path, root)
        sha256 = _sha256(tmp_path)
        final = folder / f"{sha256[:16]}{SUFFIX[entry.kind]}"
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)
    landing = Landing(
        source_id=entry.id,
        path=str(final),
        location=entry.location,
        sha256=sha256,
        bytes=final.stat().st_size,
        fetched_at=fetched_at,
        **extra,
    )
    (folder / "latest.json").write_text(json.dumps(asdict(landing), indent=2), encoding="utf-8")
    return landing


def latest_landing(entry: SourceEntry, landing_root: Path) -> Landing | None:
    manifest = landing_root / entry.id / "latest.json"
    if not manifest.is_file():
        return None
    return Landing(**json.loads(manifest.read_text(encoding="utf-8")))


def _copy_local(entry: SourceEntry, target: Path, root: Path) -> None:
    source = entry.local_path(root)
    if not source.is_file():
        raise SourceError(
            entry.id,
            entry.location,
            "the file does not exist",
            fix=f"put the agency file there, or fix `location` in {entry.catalog_file}",
        )
    shutil.copyfile(source, target)


def _fetch_url(entry: SourceEntry, target: Path, *, offline: bool) -> dict[str, object]:
    if offline:
        raise SourceError(
            entry.id,
            entry.location,
            "the pipeline runs offline (KOTAPINTAR_OFFLINE=1) and this source is a URL",
            fix="set KOTAPINTAR_OFFLINE=0 to fetch live sources",
        )
    try:
        result = download(make_session(), entry.location, target)
    except DownloadTooLarge as exc:
        raise SourceError(
            entry.id, entry.location, f"the download is {exc}", outcome="rejected"
        ) from None
    except requests.RequestException as exc:
        raise SourceError(
            entry.id,
            entry.location,
            f"download failed ({type(exc).__name__}: {exc})",
            fix="check that the agency server is up and the URL is still right",
        ) from None
    return {
        "http_status": result.status,
        "etag": result.etag,
        "last_modified": result.last_modified,
    }


def _fetch_ckan(entry: SourceEntry, target: Path, *, offline: bool, root: Path, token: str | None):
    if offline:
        if not entry.recording:
            raise SourceError(
                entry.id,
                entry.location,
                "the pipeline runs offline (KOTAPINTAR_OFFLINE=1) and this feed has no recording",
                fix=f"add `recording` to {entry.catalog_file}, or set KOTAPINTAR_OFFLINE=0",
            )
        session = replay_session((root / entry.recording).resolve())
    else:
        session = make_session()
    client = CkanClient(entry.location, session, token=None if offline else token)
    try:
        fields, records = client.datastore_search_all(entry.resource_id)
    except (CkanError, requests.RequestException) as exc:
        raise SourceError(
            entry.id,
            entry.location,
            str(exc),
            fix="check the portal and `resource_id`; the last good data stays published",
        ) from None
    payload = {"resource_id": entry.resource_id, "fields": fields, "records": records}
    # Sorted keys and fixed separators: the same feed content always hashes the same.
    target.write_text(json.dumps(payload, sort_keys=True, ensure_ascii=False), encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
