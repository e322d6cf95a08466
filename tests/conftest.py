"""Shared fixtures. Portal: an offline fake CKAN, a small analyst snapshot, and the live portal
(ckan-local) for the tests marked `ckan`, which are skipped with the reason when none is set.

`make test` starts ../shared/tools/ckan/ckan-local when it exists and exports
KOTAPINTAR_TEST_PORTAL_URL and KOTAPINTAR_TEST_PORTAL_TOKEN_FILE (a sysadmin token).
"""

from __future__ import annotations

import os
import shutil
from functools import partial
from pathlib import Path

import pytest
import requests

from tests.fake_ckan import FakeCkan
from tests.portal_data import build_analyst

ORG = "kominfo-kota-malang"
ORG_TITLE = "Dinas Komunikasi dan Informatika Kota Malang"
PORTAL_URL = os.environ.get("KOTAPINTAR_TEST_PORTAL_URL", "").strip()
TOKEN_FILE = os.environ.get("KOTAPINTAR_TEST_PORTAL_TOKEN_FILE", "/tmp/ckan/token.txt")


def pytest_collection_modifyitems(config, items):
    if PORTAL_URL:
        return
    skip = pytest.mark.skip(
        reason="no live CKAN portal: set KOTAPINTAR_TEST_PORTAL_URL (and "
        "KOTAPINTAR_TEST_PORTAL_TOKEN_FILE); `make test` does it when "
        "../shared/tools/ckan/ckan-local exists"
    )
    for item in items:
        if "ckan" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fake_ckan():
    """A fake CKAN on loopback with the walidata's organization."""
    portal = FakeCkan()
    portal.add_org(ORG, ORG_TITLE)
    portal.start()
    yield portal
    portal.stop()


@pytest.fixture(scope="session")
def _analyst_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("analyst-template") / "warehouse"
    build_analyst(folder)
    return folder


@pytest.fixture
def analyst(_analyst_template, tmp_path) -> tuple[Path, Path]:
    """(work database, analyst snapshot) with six small dimension tables (a fresh copy)."""
    folder = shutil.copytree(_analyst_template, tmp_path / "warehouse")
    return folder / "work.duckdb", folder / "kotapintar.duckdb"


@pytest.fixture(scope="session")
def live_portal() -> dict:
    """The live CKAN (url, sysadmin token); skips with the reason when it cannot be used."""
    if not PORTAL_URL:
        pytest.skip("no live CKAN portal: KOTAPINTAR_TEST_PORTAL_URL is not set")
    try:
        requests.get(f"{PORTAL_URL}/api/3/action/status_show", timeout=10).raise_for_status()
    except requests.RequestException as exc:
        pytest.skip(f"live CKAN portal {PORTAL_URL} does not answer: {exc}")
    token_file = Path(TOKEN_FILE)
    if not token_file.is_file() or not token_file.read_text().strip():
        pytest.skip(f"no API token in {token_file} (KOTAPINTAR_TEST_PORTAL_TOKEN_FILE)")
    return {"url": PORTAL_URL.rstrip("/"), "token": token_file.read_text().strip()}


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory):
    """The nightly job over the whole bundled SAMPLE catalog in a temporary folder, once per
    session; returns its Settings (analyst file, export folder...)."""
    from pipelines.definitions import NIGHTLY_JOB, build_definitions
    from pipelines.settings import Settings
    from sources.catalog import DEFAULT_CATALOG_DIR

    root = tmp_path_factory.mktemp("bundled")
    catalog = root / "catalog"
    shutil.copytree(DEFAULT_CATALOG_DIR, catalog)
    settings = Settings(
        warehouse=root / "analyst" / "kotapintar.duckdb",
        data_dir=root / "data",
        catalog_dir=catalog,
        offline=True,
    )
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(raise_on_error=False)
    assert settings.warehouse.is_file(), "the bundled catalog did not publish a snapshot"
    return settings, result


FASKES = "dinkes_faskes"


@pytest.fixture
def local(tmp_path):
    """The bundled dinkes_faskes entry reading a copy of its workbook, and `refresh(run_id)`
    over tmp_path: (refresh, entry file, data file, work_db factory)."""
    import yaml

    from assets.source_run import refresh_source
    from sources.catalog import REPO_ROOT, load_entry
    from warehouse.db import work_db

    catalog = tmp_path / "catalog"
    catalog.mkdir()
    data_file = tmp_path / "faskes.xlsx"
    shutil.copy(REPO_ROOT / f"sources/samples/{FASKES}.SAMPLE.xlsx", data_file)
    entry_file = catalog / f"{FASKES}.yaml"
    data = yaml.safe_load((REPO_ROOT / f"sources/catalog/{FASKES}.yaml").read_text("utf-8"))
    entry_file.write_text(yaml.safe_dump({**data, "location": str(data_file)}), "utf-8")
    db = partial(work_db, tmp_path / "work.duckdb")

    def refresh(run_id: str):
        entry = load_entry(entry_file, root=tmp_path)
        return refresh_source(
            entry, landing_root=tmp_path / "landing", work_db=db, offline=True,
            muat_id=f"{run_id}:{FASKES}",
        )  # fmt: skip

    return refresh, entry_file, data_file, db
