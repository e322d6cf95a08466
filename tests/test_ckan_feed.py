"""Portal feeds: a 100,000-record DataStore recording loads every row with codes as text; a
resource file picked from a dataset; change detection by the resource's timestamps; the API
token goes to the portal only, and never into a message, the warehouse or Dagster."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import requests
import yaml

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.summary import summarize
from sources.catalog import REPO_ROOT, parse_entry
from sources.ckan import CkanClient, CkanError, pick_resource
from sources.errors import SourceError
from sources.fetch import fetch_source
from sources.http import HttpConfig
from sources.parse import parse_landing
from tests.faultserver import FaultServer, ckan, ok, redirect, status
from tests.test_pipeline import make_settings, run

RECORDS = 100_000
PAGE = 32_000  # the DataStore maximum: four pages for 100,000 records
KELURAHAN = [
    row["kode_kemendagri"]
    for row in csv.DictReader((REPO_ROOT / "sources/wilayah_kota_malang.csv").open())
    if row["tingkat"] == "kelurahan"
]
INDICATOR = {"name_id": "n", "name_en": "n", "unit": "u", "definition": "d", "direction": "neutral"}
FAST = HttpConfig(connect_timeout=0.5, read_timeout=1, retries=1, backoff=0.01)


def record_feed(folder: Path, *, modified: str = "2024-01-01T00:00:00") -> list[dict]:
    """A SAMPLE DataStore recording of 100,000 records (57 kelurahan x months), paged."""
    folder.mkdir(parents=True, exist_ok=True)
    periods = (f"{y}-{m:02d}" for y in range(1900, 2100) for m in range(1, 13))
    records = []
    for periode in periods:
        for kode in KELURAHAN:
            records.append({"_id": len(records) + 1, "kode_wilayah": kode, "periode": periode})
            records[-1]["jumlah"] = len(records) % 997
        if len(records) >= RECORDS:
            break
    records = records[:RECORDS]
    fields = [
        {"id": "_id", "type": "int"},
        {"id": "kode_wilayah", "type": "text"},
        {"id": "periode", "type": "text"},
        {"id": "jumlah", "type": "int"},
    ]
    for offset in range(0, RECORDS, PAGE):
        page = records[offset : offset + PAGE]
        result = {"fields": fields, "records": page, "total": RECORDS, "offset": offset}
        body = {"success": True, "result": {**result, "limit": PAGE}}
        (folder / f"datastore_search.offset-{offset}.json").write_text(json.dumps(body))
    show = {"id": "res-besar", "last_modified": modified, "metadata_modified": modified}
    (folder / "resource_show.json").write_text(json.dumps({"success": True, "result": show}))
    return records


def feed_entry(recording: Path) -> dict:
    return {
        "id": "dishub_besar",
        "title": "SAMPLE — 100.000 catatan",
        "agency": {"code": "dishub", "name": "Dinas Perhubungan"},
        "kind": "ckan_datastore",
        "location": "https://portal.sample.invalid",
        "resource_id": "res-besar",
        "recording": str(recording),
        "sample": True,
        "dimension": "smart_mobility",
        "schedule": "bulanan",
        "parse": {
            "region": {"column": "kode_wilayah", "level": "kelurahan"},
            "period": {"column": "periode"},
            "values": {"jumlah": "JUMLAH_BESAR"},
        },
        "indicators": [{"code": "JUMLAH_BESAR", **INDICATOR}],
    }


@pytest.fixture(scope="module")
def big_feed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feed") / "recording"
    return folder, record_feed(folder)


def test_100k_record_feed_parses_every_row_with_codes_as_text(big_feed, tmp_path):
    folder, records = big_feed
    entry = parse_entry(feed_entry(folder), "dishub_besar.yaml")
    landing = fetch_source(entry, tmp_path)
    tidy = parse_landing(entry, Path(landing.path)).tidy
    assert len(tidy) == RECORDS
    assert tidy["kode_wilayah"].tolist() == [r["kode_wilayah"] for r in records]
    assert str(tidy["kode_wilayah"].dtype) == "string"
    assert tidy["lokasi"].iloc[-1] == f"records[{RECORDS - 1}].jumlah"


def test_100k_record_feed_loads_every_row_through_the_job(big_feed, tmp_path):
    folder, records = big_feed
    settings = make_settings(tmp_path, [])
    (settings.catalog_dir / "dishub_besar.yaml").write_text(
        yaml.safe_dump(feed_entry(folder), allow_unicode=True), encoding="utf-8"
    )
    summary = run(settings)
    assert [(s.source_id, s.outcome, s.rows) for s in summary.sources] == [
        ("dishub_besar", "loaded", RECORDS)
    ]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT count(*), count(DISTINCT kode_wilayah), any_value(typeof(kode_wilayah)) "
            "FROM fact_indikator WHERE sumber_id = 'dishub_besar'"
        ).fetchone()
        kept = con.execute(
            "SELECT kode_wilayah FROM fact_indikator WHERE lokasi = 'records[0].jumlah'"
        ).fetchone()
    assert rows == (RECORDS, 57, "VARCHAR")
    assert kept == (records[0]["kode_wilayah"],)


def test_unmoved_resource_timestamps_skip_the_paging(big_feed, tmp_path):
    folder, _ = big_feed
    small = tmp_path / "rec"
    shutil.copytree(folder, small)
    entry = parse_entry(feed_entry(small), "dishub_besar.yaml")
    first = fetch_source(entry, tmp_path / "landing")
    for page in small.glob("datastore_search.*"):
        page.unlink()  # paging again would now fail
    second = fetch_source(entry, tmp_path / "landing")
    assert (second.not_modified, second.sha256) == (True, first.sha256)
    record_feed(small, modified="2024-02-01T00:00:00")  # the portal says: changed
    third = fetch_source(entry, tmp_path / "landing")
    assert (third.not_modified, third.sha256) == (False, first.sha256)
    assert third.resource_modified == "2024-02-01T00:00:00|2024-02-01T00:00:00"


PACKAGE = {
    "id": "pkg-1",
    "name": "luas-faskes",
    "resources": [
        {"id": "r-csv", "name": "Faskes 2023", "format": "CSV", "url": "{base}/files/faskes.csv"},
        {
            "id": "r-xlsx",
            "name": "Faskes 2023",
            "format": "XLSX",
            "url": "{base}/files/faskes.xlsx",
        },
    ],
}


def resource_recording(folder: Path, base: str = "https://portal.sample.invalid") -> Path:
    (folder / "files").mkdir(parents=True)
    package = json.loads(json.dumps(PACKAGE).replace("{base}", base))
    (folder / "package_show.json").write_text(json.dumps({"success": True, "result": package}))
    shutil.copy(
        REPO_ROOT / "sources/samples/dinkes_faskes.SAMPLE.xlsx", folder / "files/faskes.xlsx"
    )
    return folder


def resource_entry(recording: Path | None, location: str = "https://portal.sample.invalid"):
    data = yaml.safe_load((REPO_ROOT / "sources/catalog/dinkes_faskes.yaml").read_text("utf-8"))
    data.update(
        kind="ckan_resource",
        location=location,
        dataset="luas-faskes",
        resource_name="faskes 2023 ",
        resource_format="xlsx",
        format="xlsx",
    )
    if recording is not None:
        data["recording"] = str(recording)
    return parse_entry(data, "sources/catalog/dinkes_faskes.yaml")


def test_resource_is_picked_downloaded_and_parsed_like_an_agency_file(tmp_path):
    entry = resource_entry(resource_recording(tmp_path / "rec"))
    landing = fetch_source(entry, tmp_path / "landing")
    assert landing.url == "https://portal.sample.invalid/files/faskes.xlsx"
    assert landing.path.endswith(".xlsx")
    assert len(parse_landing(entry, Path(landing.path)).tidy) == 20
    again = fetch_source(entry, tmp_path / "landing")  # no timestamps: conditional GET -> 304
    assert (again.not_modified, again.http_status, again.path) == (True, 304, landing.path)


def test_ambiguous_or_missing_resource_lists_what_the_dataset_has():
    with pytest.raises(CkanError) as caught:
        pick_resource(PACKAGE, resource_id=None, name="Faskes 2023", fmt=None)
    assert str(caught.value) == (
        "dataset 'luas-faskes': 2 resources with name 'Faskes 2023' (resources: 'Faskes 2023' "
        "(CSV, id r-csv); 'Faskes 2023' (XLSX, id r-xlsx))"
    )
    with pytest.raises(CkanError, match=r"no resource with format 'PDF' \(resources: "):
        pick_resource(PACKAGE, resource_id=None, name=None, fmt="PDF")


def test_portal_error_reaches_the_source_error_verbatim(tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    error = {"__type": "Not Found Error", "message": "Dataset tidak ditemukan"}
    (folder / "package_show.json").write_text(json.dumps({"success": False, "error": error}))
    with pytest.raises(SourceError) as caught:
        fetch_source(resource_entry(folder), tmp_path / "landing")
    assert caught.value.problem == (
        "package_show at https://portal.sample.invalid/api/3/action/package_show failed: "
        'Not Found Error: {"message": "Dataset tidak ditemukan"}'
    )


TOKEN = "kp-feed-token-0123456789abcdef"


def test_token_goes_to_the_portal_only_and_never_into_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FaultServer() as portal:
        # The file lives on another host (localhost vs 127.0.0.1): it must not see the token.
        files = portal.base.replace("127.0.0.1", "localhost")
        rec = resource_recording(tmp_path / "rec", base=files)
        for action in ("package_show", "resource_show"):
            portal.set(f"/api/3/action/{action}", ckan(rec))
        portal.set("/files/faskes.xlsx", status(500, b"down"))
        entry = resource_entry(None, location=portal.base)
        with pytest.raises(SourceError) as caught:
            fetch_source(entry, tmp_path / "l", offline=False, ckan_token=TOKEN, http=FAST)
        api = portal.hits("/api/3/action/package_show?id=luas-faskes")
        download = portal.hits("/files/faskes.xlsx")
    assert api and api[0].headers["Authorization"] == TOKEN
    assert download and "Authorization" not in download[0].headers
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value.details)
    assert caught.value.problem.startswith("the server answered HTTP 500 Internal Server Error")


def test_token_from_the_environment_reaches_no_warehouse_or_dagster_record(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("KOTAPINTAR_FEED_TOKEN", TOKEN)
    with FaultServer() as portal:
        rec = resource_recording(tmp_path / "rec", base=portal.base)
        portal.set("/api/3/action/package_show", ckan(rec))
        portal.set("/files/faskes.xlsx", ok((rec / "files/faskes.xlsx").read_bytes()))
        settings = dataclasses.replace(make_settings(tmp_path, []), offline=False, http=FAST)
        data = yaml.safe_load((REPO_ROOT / "sources/catalog/dinkes_faskes.yaml").read_text())
        data.update(
            kind="ckan_resource", location=portal.base, dataset="luas-faskes",
            resource_format="XLSX", format="xlsx",
        )  # fmt: skip
        (settings.catalog_dir / "dinkes_faskes.yaml").write_text(yaml.safe_dump(data))
        result = (
            build_definitions(settings)
            .resolve_job_def(NIGHTLY_JOB)
            .execute_in_process(raise_on_error=False)
        )
        summary = summarize(result, settings, 0.0)
        sent = portal.hits("/api/3/action/package_show?id=luas-faskes")
    assert [s.outcome for s in summary.sources] == ["loaded"]
    assert sent[0].headers["Authorization"] == TOKEN  # resolved from dg.EnvVar at run time
    events = repr([e for e in result.all_events])
    assert TOKEN not in events
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        dump = repr(con.execute("SELECT * FROM meta_muat").fetchall())
    assert TOKEN not in dump and "/files/faskes.xlsx" in dump


# Issue 11 (13): the token goes to the portal's Action API and to CKAN's own download URL of
# the resource being fetched, nowhere else (not even elsewhere on the same server).


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://data.kota.example/ckan/api/3/action/package_show?id=x", True),
        ("https://data.kota.example:443/ckan/api/3/action/package_show", True),
        ("https://data.kota.example/ckan/dataset/luas/resource/r-1/download/f.xlsx", True),
        ("https://data.kota.example/ckan/dataset/luas/resource/r-1/download", True),
        ("https://data.kota.example/ckan/dataset/luas/resource/r-2/download/f.xlsx", False),
        ("https://data.kota.example/ckan/files/f.xlsx", False),
        ("https://data.kota.example/api/3/action/package_show", False),  # outside /ckan
        ("https://data.kota.example/ckan/api/../uploads/f.xlsx", False),
        ("https://data.kota.example/ckan/api/%2e%2e/uploads/f.xlsx", False),
        ("http://data.kota.example/ckan/api/3/action/package_show", False),  # downgrade
        ("https://data.kota.example:8443/ckan/api/3/action/package_show", False),
        ("https://files.kota.example/ckan/api/3/action/package_show", False),
        ("https://data.kota.example.evil.test/ckan/api/3/action/x", False),
    ],
)
def test_token_rule(url, allowed):
    client = CkanClient("https://data.kota.example/ckan/", requests.Session(), token=TOKEN)
    assert client.token_allowed(url, resource_id="r-1") is allowed
    assert bool(client.auth_headers_for(url, "r-1")) is allowed


def portal_package(folder: Path, resources: list[dict]) -> Path:
    folder.mkdir(parents=True)
    package = {"id": "pkg-1", "name": "luas-faskes", "resources": resources}
    (folder / "package_show.json").write_text(json.dumps({"success": True, "result": package}))
    return folder


XLSX_BYTES = (REPO_ROOT / "sources/samples/dinkes_faskes.SAMPLE.xlsx").read_bytes()


def fetch_with_token(portal: FaultServer, tmp_path: Path, resource_url: str):
    resource = {"id": "r-xlsx", "name": "Faskes 2023", "format": "XLSX", "url": resource_url}
    rec = portal_package(tmp_path / "rec", [resource])
    portal.set("/api/3/action/package_show", ckan(rec))
    entry = resource_entry(None, location=portal.base)
    return fetch_source(entry, tmp_path / "l", offline=False, ckan_token=TOKEN, http=FAST)


@pytest.fixture
def portal(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with FaultServer() as server:
        yield server


def test_token_goes_to_ckans_own_download_url_of_the_resource(portal, tmp_path):
    path = "/dataset/pkg-1/resource/r-xlsx/download/faskes.xlsx"
    portal.set(path, ok(XLSX_BYTES))
    landing = fetch_with_token(portal, tmp_path, portal.url(path))
    assert Path(landing.path).read_bytes() == XLSX_BYTES
    assert portal.hits(path)[0].headers["Authorization"] == TOKEN


def test_token_never_goes_elsewhere_on_the_portal(portal, tmp_path):
    portal.set("/files/faskes.xlsx", ok(XLSX_BYTES))
    fetch_with_token(portal, tmp_path, portal.url("/files/faskes.xlsx"))
    assert portal.hits("/api/3/action/package_show?id=luas-faskes")[0].headers["Authorization"]
    assert "Authorization" not in portal.hits("/files/faskes.xlsx")[0].headers


def test_token_does_not_follow_a_redirect_off_the_download_url(portal, tmp_path):
    path = "/dataset/pkg-1/resource/r-xlsx/download/faskes.xlsx"
    portal.set(path, redirect("/uploads/faskes.xlsx"))  # same host and port, another path
    portal.set("/uploads/faskes.xlsx", ok(XLSX_BYTES))
    fetch_with_token(portal, tmp_path, portal.url(path))
    assert portal.hits(path)[0].headers["Authorization"] == TOKEN
    assert "Authorization" not in portal.hits("/uploads/faskes.xlsx")[0].headers


# Issue 11 (14): a portal failure carries the URL and the HTTP status for meta_muat.


def test_portal_failure_details_carry_url_and_status(portal, tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    portal.set("/api/3/action/resource_show", ckan(rec))  # no recording: CKAN's 404 error
    data = feed_entry(rec)
    data.update(location=portal.base)
    data.pop("recording")
    entry = parse_entry(data, "dishub_besar.yaml")
    with pytest.raises(SourceError) as caught:
        fetch_source(entry, tmp_path / "l", offline=False, http=FAST)
    details = caught.value.details
    assert details["url"] == portal.url("/api/3/action/resource_show")
    assert details["http_status"] == 404
