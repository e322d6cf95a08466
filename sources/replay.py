"""The offline twin of a CKAN portal: a requests transport adapter that replays recordings.

A recording folder holds Action API response bodies and resource files:

- `<action>.offset-<N>.json` answers action `<action>` at `offset=N` (DataStore pages);
- `<action>.json` answers it otherwise (package_show, resource_show, ...);
- `files/<name>` answers any other URL whose last path segment is `<name>` (resource downloads),
  with an ETag of its content so conditional GET behaves as on a real server.

The same CkanClient and the same download code run against it, so the default run and the
tests exercise the production paths without a network.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests
from requests.adapters import BaseAdapter
from urllib3 import HTTPResponse


class ReplayAdapter(BaseAdapter):
    """Serves a recording folder; an unknown request gets CKAN's own 404 error body."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def send(self, request: requests.PreparedRequest, **_: object) -> requests.Response:
        parsed = urlparse(request.url)
        if "/api/3/action/" in parsed.path:
            return self._action(request, parsed)
        return self._file(request, parsed)

    def _action(self, request: requests.PreparedRequest, parsed) -> requests.Response:
        action = parsed.path.rstrip("/").rsplit("/", 1)[-1]
        offset = parse_qs(parsed.query).get("offset")
        candidates = [self.folder / f"{action}.json"]
        if offset:
            candidates.insert(0, self.folder / f"{action}.offset-{offset[0]}.json")
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            body = {
                "success": False,
                "error": {
                    "__type": "Not Found Error",
                    "message": f"no recording {candidates[0].name} in {self.folder}",
                },
            }
            return _response(request, 404, json.dumps(body).encode(), "application/json")
        return _response(request, 200, path.read_bytes(), "application/json")

    def _file(self, request: requests.PreparedRequest, parsed) -> requests.Response:
        path = self.folder / "files" / Path(parsed.path).name
        if not path.is_file():
            return _response(request, 404, b"Not Found", "text/plain")
        content = path.read_bytes()
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            return _response(request, 304, b"", None, {"ETag": etag})
        return _response(request, 200, content, "application/octet-stream", {"ETag": etag})

    def close(self) -> None:
        pass


def _response(
    request: requests.PreparedRequest,
    status: int,
    content: bytes,
    content_type: str | None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    all_headers = {"Content-Length": str(len(content)), **(headers or {})}
    if content_type:
        all_headers["Content-Type"] = content_type
    # A real urllib3 response underneath, so streaming (iter_content) works as over a socket.
    raw = HTTPResponse(
        body=io.BytesIO(content), headers=all_headers, status=status, preload_content=False
    )
    response = requests.Response()
    response.request = request
    response.url = request.url
    response.status_code = status
    response.headers.update(all_headers)
    response.raw = raw
    return response


def replay_session(folder: Path) -> requests.Session:
    """A Session whose every request is answered from the recording `folder`."""
    session = requests.Session()
    session.mount("http://", ReplayAdapter(folder))
    session.mount("https://", ReplayAdapter(folder))
    return session
