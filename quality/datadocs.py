"""GX Data Docs: the HTML page of each validation, written into a folder per run.

The pipeline validates with an ephemeral GX context (no project folder to manage), so each
result is put into that context's validation-results store under a key of our own (suite, run,
table) and rendered by a Data Docs site rooted at the configured folder (KOTAPINTAR_DATA_DOCS).
The page path goes into the Dagster check metadata; `index.html` in the folder lists the pages
rendered by the current process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
from pathlib import Path

from quality import gx_runtime
from quality.tidy_suite import ValidationReport

log = logging.getLogger("kotapintar")


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


def write_page(report: ValidationReport, folder: Path, *, run_name: str, batch: str) -> Path | None:
    """Render the Data Docs page of `report` under `folder`; return its path (None if GX could
    not render it: the docs are a convenience, never a reason to fail a load)."""
    if report.gx_result is None:
        return None
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    folder = Path(folder).resolve()
    context = gx_runtime.context()
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    key = ValidationResultIdentifier(
        ExpectationSuiteIdentifier(report.gx_result.suite_name or report.table), run_id, batch
    )
    result = report.gx_result
    result.meta["run_id"] = run_id
    try:
        site = _ensure_site(context, folder)
        with gx_runtime.lock():
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
    write_index(folder)
    return page


def write_index(folder: Path, limit: int = 500) -> Path:
    """`index.html`: links to the newest `limit` pages in the folder, newest first (GX's own
    index lists only what this process stored, so it would forget earlier runs)."""
    folder = Path(folder)
    pages = sorted(
        (folder / "validations").rglob("*.html"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    items = "\n".join(
        f'<li><a href="{html.escape(str(p.relative_to(folder)))}">'
        f"{html.escape(' / '.join(p.relative_to(folder / 'validations').parts))}</a></li>"
        for p in pages[:limit]
    )
    index = folder / "index.html"
    tmp = index.with_name(".index.html.tmp")
    tmp.write_text(
        "<!doctype html><meta charset='utf-8'><title>Kota Pintar - Data Docs</title>"
        "<h1>Kota Pintar: Great Expectations validations</h1>"
        f"<p>{len(pages)} page(s), newest first (suite / run / time / table).</p>"
        f"<ul>{items}</ul>\n",
        encoding="utf-8",
    )
    tmp.replace(index)
    return index
