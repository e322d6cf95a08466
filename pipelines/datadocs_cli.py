"""`kotapintar datadocs`: serve the Great Expectations Data Docs folder over HTTP, read-only.

Why a server: the checks link each failed validation's page in their metadata, and a browser
does not follow a file:// link from the Dagster UI's http page. The links point under
KOTAPINTAR_DATA_DOCS_URL (default http://127.0.0.1:3001); `make ui` starts this server next to
`dagster dev` and stops it with the UI. Behind a reverse proxy, set the variable to the public
address and keep this server on loopback.

Read-only: GET and HEAD only (http.server answers anything else with 501), no folder listings,
nothing outside the folder; bound to 127.0.0.1 unless `--host` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import signal
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.cli_help import Handler, add_command
from pipelines.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001


def add_commands(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """Register `datadocs` on the `kotapintar` parser; return its handler."""
    serve = add_command(
        commands,
        "datadocs",
        summary="serve the Data Docs folder read-only over HTTP",
        description="""Serves the Great Expectations Data Docs (one page per failed
        validation) so the links in the Dagster UI's check metadata open. GET and HEAD only,
        no folder listings; Ctrl-C stops it. `make ui` starts it next to `dagster dev`.""",
        environment={
            "KOTAPINTAR_DATA_DOCS": "the Data Docs folder (`off`: none)",
            "KOTAPINTAR_DATA_DOCS_URL": "the address the UI links to; its port is the default",
        },
        exit_codes={
            0: "stopped with Ctrl-C",
            2: "Data Docs are switched off, or the port is in use",
        },
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port",
        type=int,
        help=f"port (default: the port of KOTAPINTAR_DATA_DOCS_URL, else {DEFAULT_PORT})",
    )
    return {"datadocs": _serve}


class ReadOnlyDocs(SimpleHTTPRequestHandler):
    """Files of the folder by GET and HEAD; a folder without index.html is 404, not a listing."""

    def list_directory(self, path: str) -> None:
        self.send_error(404, "Not found")
        return None

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Only failed requests: next to `dagster dev` every page view would be noise.
        if str(code).isdigit() and int(code) >= 400:
            super().log_request(code, size)


def make_server(folder: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
    """A threading HTTP server for `folder` (port 0: any free port, see `server_port`)."""
    handler = functools.partial(ReadOnlyDocs, directory=str(folder))
    return ThreadingHTTPServer((host, port), handler)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    folder = settings.data_docs_path
    if folder is None:
        print(
            "kotapintar datadocs: Data Docs are switched off (KOTAPINTAR_DATA_DOCS=off); "
            "nothing to serve.",
            file=sys.stderr,
        )
        return 2
    from quality.datadocs import ensure_index

    ensure_index(folder)  # the folder's root page, before the first validation wrote one
    port = args.port if args.port is not None else urlsplit(settings.data_docs_url).port
    port = DEFAULT_PORT if port is None else port
    try:
        server = make_server(folder, args.host, port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"kotapintar datadocs: port {port} on {args.host} is in use (another `kotapintar "
            "datadocs`?); choose one with --port and set KOTAPINTAR_DATA_DOCS_URL to match.",
            file=sys.stderr,
        )
        return 2
    address = f"http://{args.host}:{server.server_port}"
    print(f"kotapintar datadocs: serving {folder} at {address}/ (read-only; Ctrl-C stops)")
    if address != settings.data_docs_url:
        linked = settings.data_docs_url
        print(f"  (the Dagster UI links pages under {linked}, KOTAPINTAR_DATA_DOCS_URL)")
    sys.stdout.flush()
    _stop_on_sigterm()
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _stop_on_sigterm() -> None:
    """Stop on SIGTERM (systemd, `docker stop`, a supervisor) as on Ctrl-C. Set here rather
    than left to the default: a process inherits a SIGTERM its parent ignores, and then
    `terminate()` would never stop the server (seen in `make test` on a fresh clone)."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
