"""Data Docs: a page per failed validation only, and an index whose cost does not grow."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

from quality import datadocs, gx_runtime
from quality.tidy_suite import validate_tidy
from sources.tidy import tidy_frame


def _table(kode: str = "35.73") -> pd.DataFrame:
    rows = [
        {
            "sumber_id": "bps-ipm",
            "indikator": "ipm",
            "kode_wilayah": kode,
            "periode": str(2018 + line),
            "nilai": 80.0 + line,
            "status": "final",
            "catatan": None,
            "lokasi": f"Sheet1!D{line}",
        }
        for line in range(2, 5)
    ]
    return tidy_frame(rows)


@pytest.fixture(scope="module")
def validate():
    gx_runtime.warm_up()

    def run(df: pd.DataFrame):
        return validate_tidy(
            df, table="bps_ipm", known_regions=("35.73",), declared_indicators=("ipm",)
        )

    return run


def _manifest(folder) -> list[str]:
    lines = (folder / datadocs.MANIFEST).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["page"] for line in lines]


def test_passing_validation_links_the_index_and_renders_no_page(validate, tmp_path):
    report = validate(_table())
    assert report.success, report.summary()
    link = datadocs.write_page(report, tmp_path, run_name="run-1", batch="bps-ipm")
    assert link == tmp_path.resolve() / "index.html" and link.is_file()
    assert not (tmp_path / "validations").exists()
    assert "0 page(s) of failed validations" in link.read_text(encoding="utf-8")


def test_failed_validation_gets_a_page_listed_newest_first(validate, tmp_path):
    bad = validate(_table(kode="99.99"))
    assert not bad.success
    first = datadocs.write_page(bad, tmp_path, run_name="run-1", batch="bps-ipm")
    second = datadocs.write_page(bad, tmp_path, run_name="run-2", batch="bps-ipm")
    assert first.is_file() and second.is_file() and first != second
    assert first.parts[-6:-3] == ("validations", "tidy", "bps_ipm")
    assert "kode_wilayah" in first.read_text(encoding="utf-8")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    relative = [str(p.relative_to(tmp_path.resolve())) for p in (second, first)]
    assert index.index(relative[0]) < index.index(relative[1])  # newest first
    assert "2 page(s) of failed validations" in index
    assert _manifest(tmp_path) == relative[::-1]


def test_index_reads_a_bounded_manifest(tmp_path):
    limit = 3
    pages = [f"validations/tidy.s/run-{i}/t/s.html" for i in range(8)]
    for page in pages:
        (tmp_path / page).parent.mkdir(parents=True)
        (tmp_path / page).write_text("<html></html>", encoding="utf-8")
    (tmp_path / datadocs.MANIFEST).write_text(
        "".join(json.dumps({"page": p}) + "\n" for p in pages) + "torn line\n", encoding="utf-8"
    )
    index = datadocs.write_index(tmp_path, limit=limit).read_text(encoding="utf-8")
    assert "3 page(s)" in index
    assert all(page in index for page in pages[-limit:])
    assert pages[-limit - 1] not in index
    # More than twice the limit: trimmed to the newest `limit`, so later writes read no more.
    assert _manifest(tmp_path) == pages[-limit:]


def test_folder_from_before_the_manifest_keeps_its_pages(validate, tmp_path):
    old = tmp_path / "validations" / "tidy.old" / "run-0" / "t" / "old.html"
    old.parent.mkdir(parents=True)
    old.write_text("<html></html>", encoding="utf-8")
    page = datadocs.write_page(
        validate(_table(kode="99.99")), tmp_path, run_name="run-1", batch="bps-ipm"
    )
    assert _manifest(tmp_path) == [
        "validations/tidy.old/run-0/t/old.html",
        str(page.relative_to(tmp_path.resolve())),
    ]


def test_index_of_a_folder_from_before_the_manifest_lists_its_pages(tmp_path):
    old = tmp_path / "validations" / "tidy" / "old" / "run-0" / "t" / "old.html"
    old.parent.mkdir(parents=True)
    old.write_text("<html></html>", encoding="utf-8")
    index = datadocs.ensure_index(tmp_path).read_text(encoding="utf-8")
    assert "validations/tidy/old/run-0/t/old.html" in index and "1 page(s)" in index


# --- Data Docs over HTTP (KOTAPINTAR_DATA_DOCS_URL, `kotapintar datadocs`) ---------------------


def test_pages_are_linked_under_the_base_url_and_only_inside_the_folder(tmp_path):
    page = tmp_path / "validations" / "tidy" / "bps ipm" / "20240101T010203.000Z" / "b.html"
    assert datadocs.docs_link(page, tmp_path, "http://127.0.0.1:3001/") == datadocs.DocsLink(
        page, "http://127.0.0.1:3001/validations/tidy/bps%20ipm/20240101T010203.000Z/b.html"
    )
    assert datadocs.docs_link(page, tmp_path, "").url is None  # no server: the path only
    assert datadocs.docs_link(tmp_path.parent / "x.html", tmp_path, "http://h:1").url is None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _csv_source(root: Path) -> Path:
    """A catalog of one CSV source whose 2023 value (500 %) breaks the indicator's range."""
    data = root / "uji.SAMPLE.csv"
    data.write_text("Kecamatan;Tahun;Angka\nKlojen;2022;20,5\nKlojen;2023;500\n", "utf-8")
    catalog = root / "catalog"
    catalog.mkdir()
    entry = {
        "id": "uji_docs",
        "title": "SAMPLE — uji Data Docs",
        "agency": {"code": "dinkes", "name": "Dinas Kesehatan Kota Malang"},
        "kind": "csv",
        "location": str(data),
        "sample": True,
        "dimension": "smart_living",
        "schedule": "tahunan",
        "parse": {
            "delimiter": ";",
            "region": {"column": "Kecamatan", "level": "kecamatan"},
            "period": {"column": "Tahun"},
            "values": {"Angka": "UJI_DOCS"},
        },
        "indicators": [
            {
                "code": "UJI_DOCS",
                "name_id": "Angka uji",
                "name_en": "Test figure",
                "unit": "persen",
                "definition": "Angka uji dengan rentang.",
                "direction": "neutral",
                "max_value": 100,
            }
        ],
    }
    (catalog / "uji_docs.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), "utf-8")
    return catalog


def test_a_failed_check_links_its_page_over_http_and_the_server_serves_it(validate, tmp_path):
    from assets.source_assets import raw_key, tidy_key
    from pipelines.definitions import NIGHTLY_JOB, build_definitions
    from pipelines.settings import Settings
    from sources.catalog import load_catalog

    base = f"http://127.0.0.1:{_free_port()}"
    settings = Settings(
        warehouse=tmp_path / "analyst" / "kotapintar.duckdb",
        data_dir=tmp_path / "data",
        catalog_dir=_csv_source(tmp_path),
        offline=True,
        data_docs_url=base,
    )
    [entry] = load_catalog(settings.catalog_dir)
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(
        asset_selection=[raw_key(entry), tidy_key(entry)], raise_on_error=False
    )
    [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "tidy_valid"]
    assert not check.passed
    page = Path(str(check.metadata["data_docs"].value))
    assert "data_docs_url" in check.metadata, (
        "no http link: pipelines/definitions.py must pass data_docs_url=settings.data_docs_url "
        "to KotaPintarResource"
    )
    url = check.metadata["data_docs_url"].value
    relative = page.relative_to(settings.data_docs_path.resolve()).as_posix()
    assert url == f"{base}/{relative}" and relative.startswith("validations/")

    env = {
        **os.environ,
        "KOTAPINTAR_DATA_DIR": str(settings.data_dir),
        "KOTAPINTAR_DATA_DOCS_URL": base,
    }
    env.pop("KOTAPINTAR_DATA_DOCS", None)  # the default: datadocs/ in the data dir
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "datadocs"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = _get(url, server)
        assert "UJI_DOCS" in body or "nilai" in body
        index = _get(f"{base}/", server)
        assert relative in index
        with pytest.raises(urllib.error.HTTPError) as listing:
            urllib.request.urlopen(f"{base}/validations/", timeout=5)
        assert listing.value.code == 404  # no folder listings
        request = urllib.request.Request(url, data=b"x", method="PUT")
        with pytest.raises(urllib.error.HTTPError) as write:
            urllib.request.urlopen(request, timeout=5)
        assert write.value.code == 501  # read-only
    finally:
        server.terminate()
        # SIGTERM ends it at once; on a loaded machine (the suite on two workers next to
        # other jobs) the process may take longer than 10 s to be scheduled and reaped.
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
            raise AssertionError(
                f"`kotapintar datadocs` did not stop on SIGTERM; it said:\n{out[-2000:]}"
                f"\n{err[-2000:]}"
            ) from None


def _get(url: str, server: subprocess.Popen, wait: float = 20.0) -> str:
    """The body at `url`, waiting for the server to start listening."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except urllib.error.URLError as exc:
            if isinstance(exc, urllib.error.HTTPError) or time.monotonic() > deadline:
                raise
            if server.poll() is not None:
                pytest.fail(f"kotapintar datadocs exited: {server.communicate()}")
            time.sleep(0.1)


def test_datadocs_command_says_when_docs_are_switched_off(monkeypatch, capsys):
    from pipelines.cli import main

    monkeypatch.setenv("KOTAPINTAR_DATA_DOCS", "off")
    assert main(["datadocs"]) == 2
    assert capsys.readouterr().err == (
        "kotapintar datadocs: Data Docs are switched off (KOTAPINTAR_DATA_DOCS=off); "
        "nothing to serve.\n"
    )


def test_a_data_docs_url_that_is_not_http_fails_with_the_variable_named(monkeypatch):
    from pipelines.settings import Settings

    monkeypatch.setenv("KOTAPINTAR_DATA_DOCS_URL", "127.0.0.1:3001")
    with pytest.raises(ValueError) as caught:
        Settings.from_env()
    assert str(caught.value) == (
        "KOTAPINTAR_DATA_DOCS_URL='127.0.0.1:3001' is not an http(s) URL (default "
        "http://127.0.0.1:3001): set it to where `kotapintar datadocs` serves the Data Docs "
        "folder, in the environment or .env"
    )
    monkeypatch.setenv("KOTAPINTAR_DATA_DOCS_URL", "https://data.malangkota.go.id/datadocs/")
    assert Settings.from_env().data_docs_url == "https://data.malangkota.go.id/datadocs"
