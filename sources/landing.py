"""The landing folder: fetched files, content-addressed, and the manifest of the last good fetch.

`<landing>/<source>/<sha256 prefix><suffix>` is written under a temporary name and renamed, so a
crash never leaves a half file under a real name, and unchanged content lands on the same file.
`latest.json` describes the last file that arrived complete and passed the content checks; its
ETag / Last-Modified / resource timestamps drive the next conditional fetch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

MANIFEST = "latest.json"


@dataclass(frozen=True)
class Landing:
    """One fetched file and where it came from."""

    source_id: str
    path: str
    location: str
    sha256: str
    bytes: int
    fetched_at: str
    url: str | None = None  # what was actually requested (a resolved resource URL, redacted)
    url_sha256: str | None = None  # of the full URL: the masked `url` can hide a changed token
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    resource_modified: str | None = None  # CKAN resource last_modified / metadata_modified
    encoding: str | None = None  # CSV: as detected (or declared)
    delimiter: str | None = None
    not_modified: bool = False  # this fetch got 304 / an unchanged portal resource: no body
    # The version of the content checks (sources/content.py) this file passed; a file landed
    # under older checks is checked again before it is used (it may be what they now refuse).
    checks: str | None = None

    def as_metadata(self) -> dict[str, object]:
        hidden = {"url_sha256"}  # derived from a URL that may hold a secret
        return {k: v for k, v in asdict(self).items() if v is not None and k not in hidden}


def read_manifest(folder: Path) -> Landing | None:
    """The last good landing of a source, or None (never fetched, or its file is gone)."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        known = {f.name for f in dataclasses.fields(Landing)}
        landing = Landing(**{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError):
        return None  # an unreadable manifest only costs one full download
    return landing if Path(landing.path).is_file() else None


def write_manifest(folder: Path, landing: Landing) -> None:
    record = dataclasses.replace(landing, not_modified=False)
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(asdict(record), indent=2), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


@contextmanager
def incoming(folder: Path) -> Iterator[Path]:
    """A temporary file in `folder` for a download in progress; removed unless kept."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".incoming-", delete=False) as tmp:
        path = Path(tmp.name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def unland(folder: Path, landing: Landing) -> None:
    """Forget a landing found to be refused content: its file and the manifest pointing at it,
    so nothing reads it and the next fetch downloads in full."""
    current = read_manifest(folder)
    if current is not None and current.path == landing.path:
        (folder / MANIFEST).unlink(missing_ok=True)
    Path(landing.path).unlink(missing_ok=True)


def keep(tmp: Path, folder: Path, sha256: str, suffix: str) -> Path:
    """Move a complete download to its content-addressed name and return that path."""
    final = folder / f"{sha256[:16]}{suffix}"
    os.replace(tmp, final)
    return final


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
