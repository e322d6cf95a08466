"""GX Data Docs: the HTML page of each FAILED validation, written into a folder per run.

The pipeline validates with an ephemeral GX context (no project folder to manage), so a failed
result is put into that context's validation-results store under a key of our own (suite, run,
table) and rendered by a Data Docs site rooted at the configured folder (KOTAPINTAR_DATA_DOCS).
The page path goes into the Dagster check metadata. A passing validation gets no page (it has no
evidence to show, and a page costs ~0.2 s of template rendering): its metadata links the index.

`index.html` lists the newest pages, newest first, from `pages.jsonl`, a manifest each page
appends one line to; the manifest is trimmed to the newest entries now and then, so writing
the index costs the same after a year of runs as after the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
import os
import pickle
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from quality import gx_runtime
from quality.tidy_suite import ValidationReport

log = logging.getLogger("kotapintar")


class DocsLink(NamedTuple):
    """A Data Docs page, and its address when the folder is served over HTTP at
    KOTAPINTAR_DATA_DOCS_URL (`kotapintar datadocs`; a browser opens no file:// link from the
    Dagster UI's page)."""

    path: Path
    url: str | None = None


def docs_link(page: Path, folder: Path | None, base_url: str) -> DocsLink:
    """`page` with its URL under `base_url`; no URL without a base or for a page outside
    `folder`."""
    if not base_url or folder is None:
        return DocsLink(page)
    try:
        relative = Path(page).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return DocsLink(page)
    return DocsLink(page, f"{base_url.rstrip('/')}/{quote(relative.as_posix())}")


def _site_name(folder: Path) -> str:
    return "kotapintar_" + hashlib.sha1(str(folder).encode()).hexdigest()[:10]


def _ensure_site(context, folder: Path) -> str:
    name = _site_name(folder)
    if name not in (context.get_site_names() or []):
        folder.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(
            name,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(folder),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return name


MANIFEST = "pages.jsonl"
INDEX_LIMIT = 500  # pages listed in index.html


def write_page(report: ValidationReport, folder: Path, *, run_name: str, batch: str) -> Path | None:
    """The Data Docs link of `report`: for a failed validation its page, rendered under
    `folder`; for a passing one the index (written if missing). None if GX could not render
    the page: the docs are a convenience, never a reason to fail a load."""
    folder = Path(folder).resolve()
    if report.success:
        return ensure_index(folder)
    if report.gx_result is None:
        return None
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context = gx_runtime.context()
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    result = pickle.loads(report.gx_result)  # imports GX here, on a failure's page only
    key = ValidationResultIdentifier(
        ExpectationSuiteIdentifier(result.suite_name or report.table), run_id, batch
    )
    result.meta["run_id"] = run_id
    try:
        site = _ensure_site(context, folder)
        with gx_runtime.lock():
            if not (folder / MANIFEST).is_file():
                _seed_manifest(folder)  # before this page exists, so it is listed once
            context.validation_results_store.set(key, result)
            # Only this page: rebuilding the index renders every result the process stored.
            context.build_data_docs(
                site_names=[site], resource_identifiers=[key], build_index=False
            )
            context.validation_results_store.remove_key(key)  # keep the in-memory store small
    except Exception as exc:
        log.warning("Data Docs page for %s not written: %s", report.table, exc)
        return None
    page = folder.joinpath("validations", *key.to_tuple()[:-1], f"{key.to_tuple()[-1]}.html")
    if not page.is_file():
        return None
    with gx_runtime.lock():
        _append(folder, page)
        write_index(folder)
    return page


def ensure_index(folder: Path) -> Path:
    """`index.html` in `folder`, written now only if it does not exist yet."""
    index = Path(folder).resolve() / "index.html"
    if not index.is_file():
        with gx_runtime.lock():
            write_index(folder)
    return index


def write_index(folder: Path, limit: int = INDEX_LIMIT) -> Path:
    """`index.html`: links to the newest `limit` pages of the manifest, newest first (GX's own
    index lists only what this process stored, so it would forget earlier runs). Reads at most
    2 x `limit` manifest lines, however many pages the folder holds."""
    folder = Path(folder)
    pages = _manifest(folder, limit)
    items = "\n".join(
        f'<li><a href="{html.escape(page)}">'
        f"{html.escape(' / '.join(Path(page).parts[1:]))}</a></li>"
        for page in pages
    )
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.html"
    tmp = index.with_name(f".index.html.{os.getpid()}.tmp")
    tmp.write_text(
        "<!doctype html><meta charset='utf-8'><title>Kota Pintar - Data Docs</title>"
        "<h1>Kota Pintar: Great Expectations validations</h1>"
        f"<p>{len(pages)} page(s) of failed validations, newest first "
        "(suite / run / time / table); passing validations have no page.</p>"
        f"<ul>{items}</ul>\n",
        encoding="utf-8",
    )
    tmp.replace(index)
    return index


def _append(folder: Path, page: Path) -> None:
    """One manifest line for a new page (relative to `folder`, as the index links it)."""
    line = json.dumps({"page": page.relative_to(folder).as_posix()}) + "\n"
    with (folder / MANIFEST).open("a", encoding="utf-8") as out:
        out.write(line)  # one short write in append mode: whole lines even with two writers


def _manifest(folder: Path, limit: int) -> list[str]:
    """The newest `limit` pages of the manifest, newest first; trims it past 2 x `limit`."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        _seed_manifest(folder)
    pages = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        try:
            pages.append(json.loads(line)["page"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn or foreign line: the index is a convenience, skip it
    if len(pages) > 2 * limit:
        _rewrite(manifest, pages[-limit:])
    pages = [p for p in pages[-limit:] if (folder / p).is_file()]
    return pages[::-1]


def _seed_manifest(folder: Path) -> None:
    # A folder written before the manifest existed: list its pages once, oldest first.
    folder.mkdir(parents=True, exist_ok=True)
    found = sorted((folder / "validations").rglob("*.html"), key=lambda p: p.stat().st_mtime)
    _rewrite(folder / MANIFEST, [p.relative_to(folder).as_posix() for p in found[-INDEX_LIMIT:]])


def _rewrite(manifest: Path, pages: list[str]) -> None:
    tmp = manifest.with_name(f".{manifest.name}.{os.getpid()}.tmp")
    tmp.write_text("".join(json.dumps({"page": p}) + "\n" for p in pages), encoding="utf-8")
    tmp.replace(manifest)
