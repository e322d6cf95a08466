"""What becomes the latest landing, and which validators a conditional GET may send.

Refused content never lands (a zip bomb whose headers lie included, a login page where a BPS
table export was), a file landed under older content checks is checked again before it is used,
and an ETag / Last-Modified is sent only to the URL that issued it; an HTML table export or a
legacy .xls lands and parses by its bytes. Against the loopback fault server
(tests/faultserver.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sources.catalog import REPO_ROOT, parse_entry
from sources.errors import SourceError
from sources.landing import MANIFEST
from sources.parse import parse_landing
from tests.faultserver import FaultServer, ok
from tests.test_agency_files import answer_key, differences
from tests.test_content import lying_zip
from tests.test_http_faults import CSV, XLSX, entry, failure, fetch

STAMP = "Mon, 01 Jan 2024 00:00:00 GMT"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with FaultServer() as fault:
        yield fault


def manifest(tmp_path: Path, source: str) -> dict:
    return json.loads((tmp_path / "landing" / source / MANIFEST).read_text("utf-8"))


def test_a_zip_bomb_is_rejected_and_the_last_good_file_stays_latest(server, tmp_path):
    bomb = lying_zip(tmp_path / "bomb.xlsx", declared=1000).read_bytes()
    server.set("/data.xlsx", ok(XLSX, etag='"good"'), ok(bomb, etag='"bomb"'))
    e = entry(server.url("/data.xlsx"), "xlsx")
    good = fetch(e, tmp_path)
    error = failure(e, tmp_path)
    assert error.outcome == "rejected"
    assert "refused as a possible zip bomb" in error.problem
    assert (error.details["http_status"], error.details["etag"]) == (200, '"bomb"')
    assert manifest(tmp_path, e.id)["path"] == good.path
    files = sorted(p.name for p in (tmp_path / "landing" / e.id).iterdir())
    assert files == [Path(good.path).name, MANIFEST]  # nothing of the bomb, no temp file


def test_a_bomb_landed_by_older_checks_is_checked_again_and_forgotten(server, tmp_path):
    # What the pipeline kept before the inflation check: the bomb as latest, ETag and all.
    bomb = lying_zip(tmp_path / "bomb.xlsx", declared=1000).read_bytes()
    server.set("/data.xlsx", ok(XLSX, etag='"v1"'))
    e = entry(server.url("/data.xlsx"), "xlsx")
    landed = fetch(e, tmp_path)
    Path(landed.path).write_bytes(bomb)
    record = manifest(tmp_path, e.id)
    record.pop("checks")
    (tmp_path / "landing" / e.id / MANIFEST).write_text(json.dumps(record))
    error = failure(e, tmp_path)  # the server answers 304: the landed file is used again
    assert server.hits("/data.xlsx")[-1].headers.get("If-None-Match") == '"v1"'
    assert error.outcome == "rejected" and "possible zip bomb" in error.problem
    assert not (tmp_path / "landing" / e.id / MANIFEST).exists()
    assert not Path(landed.path).exists()
    again = fetch(e, tmp_path)  # no validators any more: the full, good file
    assert "If-None-Match" not in server.hits("/data.xlsx")[-1].headers
    assert Path(again.path).read_bytes() == XLSX


def test_a_landing_from_older_checks_that_passes_is_marked_checked(server, tmp_path):
    server.set("/data.csv", ok(CSV, etag='"v1"'))
    e = entry(server.url("/data.csv"))
    fetch(e, tmp_path)
    record = manifest(tmp_path, e.id)
    record.pop("checks")
    (tmp_path / "landing" / e.id / MANIFEST).write_text(json.dumps(record))
    again = fetch(e, tmp_path)
    assert again.not_modified and manifest(tmp_path, e.id)["checks"] == again.checks


def test_a_new_url_never_gets_the_old_urls_validators(server, tmp_path):
    server.set("/a.csv", ok(CSV, etag='"v1"', last_modified=STAMP))
    server.set("/b.csv", ok(CSV, etag='"v1"', last_modified=STAMP))
    first = fetch(entry(server.url("/a.csv")), tmp_path)
    moved = fetch(entry(server.url("/b.csv")), tmp_path)  # the catalog's URL changed
    sent = server.hits("/b.csv")[0].headers
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent
    assert (moved.http_status, moved.path, moved.not_modified) == (200, first.path, False)
    assert (moved.url, moved.location) == (server.url("/b.csv"), server.url("/b.csv"))
    same = fetch(entry(server.url("/b.csv")), tmp_path)  # the same URL keeps them
    assert server.hits("/b.csv")[-1].headers["If-None-Match"] == '"v1"'
    assert (same.http_status, same.not_modified) == (304, True)


def test_a_url_differing_only_in_a_masked_secret_is_a_new_url(server, tmp_path):
    server.set("/data.csv", ok(CSV, etag='"v1"'))
    fetch(entry(server.url("/data.csv?token=old")), tmp_path)
    rotated = fetch(entry(server.url("/data.csv?token=new")), tmp_path)
    assert "If-None-Match" not in server.hits("/data.csv?token=new")[0].headers
    assert rotated.url == server.url("/data.csv?token=***")
    assert "new" not in json.dumps(manifest(tmp_path, "diskopindag_umkm"))


def test_the_same_url_keeps_its_validators_after_a_refused_answer(server, tmp_path):
    page = b"<html><head><title>Maintenance</title></head></html>"
    server.set("/data.csv", ok(CSV, etag='"v1"'), ok(page, etag='"page"'), ok(CSV, etag='"v1"'))
    e = entry(server.url("/data.csv"))
    fetch(e, tmp_path)
    # The page comes only to an unconditional GET: hide the manifest for that one fetch.
    (tmp_path / "landing" / e.id / MANIFEST).rename(tmp_path / "saved.json")
    with pytest.raises(SourceError):
        fetch(e, tmp_path)
    (tmp_path / "saved.json").rename(tmp_path / "landing" / e.id / MANIFEST)
    again = fetch(e, tmp_path)
    assert server.hits("/data.csv")[-1].headers["If-None-Match"] == '"v1"'
    assert again.not_modified


def test_a_local_file_after_a_url_carries_no_http_answer(server, tmp_path):
    server.set("/data.csv", ok(CSV, etag='"v1"', last_modified=STAMP))
    fetch(entry(server.url("/data.csv")), tmp_path)
    local = tmp_path / "umkm.csv"
    local.write_bytes(CSV)  # the same bytes, now from a file: the landing is reused
    landing = fetch(entry(str(local)), tmp_path)
    answer = (landing.url, landing.http_status, landing.etag, landing.last_modified)
    assert answer == (None, None, None, None)
    assert landing.location == str(local)
    assert manifest(tmp_path, "diskopindag_umkm")["url"] is None


def agency_fixture(name: str, url: str):
    """An agency-shaped fixture's entry (tests/agency_files), fetched from `url`."""
    import yaml

    path = REPO_ROOT / f"tests/agency_files/catalog/{name}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    return parse_entry({**data, "location": url}, f"tests/agency_files/catalog/{name}.yaml")


@pytest.mark.parametrize("name", ["bps_penduduk_html", "dinkes_nakes_xls"])
def test_a_website_or_legacy_xls_lands_and_parses_by_its_bytes(server, tmp_path, name):
    body = (REPO_ROOT / f"tests/agency_files/files/{name}.SAMPLE.xls").read_bytes()
    server.set("/unduh/tabel.xls", ok(body, etag='"v1"'))
    e = agency_fixture(name, server.url("/unduh/tabel.xls"))
    landed = fetch(e, tmp_path)
    assert Path(landed.path).suffix == ".xlsx"  # every workbook lands as .xlsx
    facts = parse_landing(e, Path(landed.path)).tidy
    cols = ["indikator", "kode_wilayah", "periode", "nilai", "status"]
    assert differences(facts[cols], answer_key(name)) == []


def test_a_login_page_where_the_bps_table_was_is_still_refused(server, tmp_path):
    page = b"<html><head><title>Sesi berakhir</title></head><body><p>Silakan masuk</p></html>"
    server.set("/unduh/tabel.xls", ok(page))
    error = failure(agency_fixture("bps_penduduk_html", server.url("/unduh/tabel.xls")), tmp_path)
    assert error.outcome == "rejected"
    assert error.problem == (
        "the server sent an HTML page titled 'Sesi berakhir' instead of the xlsx file"
    )
    assert not (tmp_path / "landing" / "bps_penduduk_html" / MANIFEST).exists()
