"""A loopback HTTP server that fails on purpose, for the fault-injection tests.

Each path answers with a list of behaviours, consumed one per request (the last one repeats):
`ok` (with ETag / Last-Modified and real conditional GET), `status`, `slow`, `reset` (the
connection is reset in the middle of the body), `short` (fewer bytes than Content-Length),
`stall` (silence in the middle of the body), `drip` (a few bytes at a time, each well within
the read timeout), `redirect`, `unsized` (no Content-Length, body until close) and `ckan` (a
CKAN Action API serving a recording folder).

Written on the stdlib socket server rather than pytest-httpserver because half of these faults
live below HTTP (a reset, a body cut short), which a WSGI server cannot produce. Binds
127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

Behaviour = Callable[["_Handler"], None]


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]


class FaultServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Behaviour]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.fault = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, *behaviours: Behaviour) -> None:
        """Answer `path` with these behaviours in turn; the last one repeats."""
        with self._lock:
            self.routes[path] = list(behaviours)

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def _next(self, path: str) -> Behaviour | None:
        with self._lock:
            queue = self.routes.get(path) or self.routes.get(urlsplit(path).path)
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        fault: FaultServer = self.server.fault  # type: ignore[attr-defined]
        fault.seen.append(Seen(self.path, dict(self.headers)))
        behaviour = fault._next(self.path)
        try:
            if behaviour is None:
                status(404, b"no route")(self)
            else:
                behaviour(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        merged = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True


def ok(
    body: bytes,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str = "application/octet-stream",
) -> Behaviour:
    """200 with the body, or 304 when the request's validators match."""

    def answer(h: _Handler) -> None:
        validators = {}
        if etag:
            validators["ETag"] = etag
        if last_modified:
            validators["Last-Modified"] = last_modified
        if (etag and h.headers.get("If-None-Match") == etag) or (
            last_modified and not etag and h.headers.get("If-Modified-Since") == last_modified
        ):
            h.send(304, b"", validators)
            return
        h.send(200, body, {"Content-Type": content_type, **validators})

    return answer


def status(code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Behaviour:
    return lambda h: h.send(code, body, headers)


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    """Say nothing for `seconds` (a client with a shorter read timeout gives up)."""

    def answer(h: _Handler) -> None:
        time.sleep(seconds)
        (then or status(200, b"late"))(h)

    return answer


def _part_of(h: _Handler, body: bytes, size: int, headers: dict[str, str] | None = None) -> None:
    """A 200 whose headers announce all of `body`, then only its first `size` bytes."""
    h.send_response(200)
    h.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(body[:size])
    h.wfile.flush()


def reset(body: bytes, after: int) -> Behaviour:
    """Headers announcing the whole body, `after` bytes of it, then a TCP reset."""

    def answer(h: _Handler) -> None:
        _part_of(h, body, after)
        time.sleep(0.05)
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
        h.close_connection = True

    return answer


def short(body: bytes, cut: int) -> Behaviour:
    """Headers announcing the whole body, the first `cut` bytes, then an orderly close."""

    def answer(h: _Handler) -> None:
        _part_of(h, body, cut, {"Connection": "close"})
        h.connection.shutdown(socket.SHUT_RDWR)
        h.close_connection = True

    return answer


def stall(body: bytes, after: int, seconds: float) -> Behaviour:
    """Headers announcing the whole body, `after` bytes of it, then silence for `seconds`."""

    def answer(h: _Handler) -> None:
        _part_of(h, body, after)
        time.sleep(seconds)
        h.close_connection = True

    return answer


def drip(body: bytes, size: int = 2, every: float = 0.1) -> Behaviour:
    """Headers announcing the whole body, then `size` bytes every `every` seconds: never silent
    long enough for a read timeout, so only a total deadline stops it. Gives up once the client
    has gone (the next write fails)."""

    def answer(h: _Handler) -> None:
        _part_of(h, body, 0, {"Connection": "close"})
        for start in range(0, len(body), size):
            time.sleep(every)
            h.wfile.write(body[start : start + size])
            h.wfile.flush()
        h.close_connection = True

    return answer


def unsized(body: bytes) -> Behaviour:
    """A body without Content-Length, delimited by closing the connection."""

    def answer(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        h.close_connection = True

    return answer


def redirect(location: str) -> Behaviour:
    return lambda h: h.send(302, b"", {"Location": location})


def ckan(folder: Path, *, total_offset: int = 0) -> Behaviour:
    """The CKAN Action API over a recording folder (`<action>.offset-<N>.json`, `<action>.json`);
    `total_offset` makes datastore_search report a `total` that disagrees with the pages."""

    def answer(h: _Handler) -> None:
        parts = urlsplit(h.path)
        action = parts.path.rstrip("/").rsplit("/", 1)[-1]
        offset = parse_qs(parts.query).get("offset")
        names = [f"{action}.offset-{offset[0]}.json"] if offset else []
        path = next(
            (folder / n for n in [*names, f"{action}.json"] if (folder / n).is_file()), None
        )
        first_page = folder / f"{action}.offset-0.json"
        if path is None and offset and first_page.is_file():
            # Past the last page CKAN answers an empty page with the same total.
            body = json.loads(first_page.read_text(encoding="utf-8"))
            body["result"].update(records=[], offset=int(offset[0]))
            body["result"]["total"] += total_offset
            h.send(200, json.dumps(body).encode(), {"Content-Type": "application/json"})
            return
        if path is None:
            body = {"success": False, "error": {"__type": "Not Found Error", "message": "nope"}}
            h.send(404, json.dumps(body).encode(), {"Content-Type": "application/json"})
            return
        body = json.loads(path.read_text(encoding="utf-8"))
        if total_offset and action == "datastore_search":
            body["result"]["total"] += total_offset
        h.send(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    return answer
