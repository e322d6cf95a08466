"""Acceptance: a full run against a local server failing in every way an agency server or portal
does. The run completes; each broken source shows its reason in `meta_muat`, in its tidy
materialization and in its failed `tidy_valid` check; the others are unaffected; the analyst
snapshot keeps the last good rows of the broken ones.

Run 1 serves every file correctly; run 2 breaks them (one fault per source).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.summary import summarize
from sources.catalog import REPO_ROOT
from sources.http import HttpConfig
from tests.faultserver import FaultServer, ckan, ok, redirect, reset, short, slow, status
from tests.test_pipeline import make_settings

HTTP = HttpConfig(
    connect_timeout=0.5, read_timeout=0.4, retries=1, backoff=0.01, max_redirects=3,
    max_bytes=30_000,
)  # fmt: skip
SAMPLES = REPO_ROOT / "sources" / "samples"
PORTAL_SOURCE = "dishub_angkutan"
LOCAL_SOURCE = "dinkes_stunting"  # not served by the faulty server at all
FILES = {
    "dinkes_faskes": "faskes.xlsx",
    "diskopindag_umkm": "umkm.csv",
    "kominfo_wifi_publik": "wifi.csv",
    "bps_luas_penduduk": "luas.xlsx",
    "bps_ekonomi_makro": "ekonomi.xlsx",
    "disdikbud_sekolah": "sekolah.xlsx",
    "dlh_sampah_rth": "sampah.xlsx",
    "kominfo_sambat_online": "sambat.xlsx",
    "bkad_pendapatan_daerah": "pad.xlsx",
    "bpbd_kejadian_bencana": "bencana.xlsx",
}
# outcome and a piece of the message each source must show after run 2 (the exact wording is
# pinned in test_http_faults.py, test_drift.py and test_ckan.py).
EXPECTED = {
    "dinkes_faskes": ("failed", "no answer within 0.4 s (read timeout); tried 2 times"),
    "diskopindag_umkm": ("unchanged", ""),  # 500, then the same bytes
    "kominfo_wifi_publik": ("unchanged", ""),  # 429 + Retry-After, then the same bytes
    "bps_luas_penduduk": ("failed", "(connection reset by the server); tried 2 times"),
    "bps_ekonomi_makro": ("failed", "before the announced Content-Length); tried 2 times"),
    "disdikbud_sekolah": ("rejected", "HTML page titled 'Login SIPD' instead of the xlsx file"),
    "dlh_sampah_rth": ("unchanged", ""),  # 304 Not Modified
    "kominfo_sambat_online": ("failed", "the server redirects in a loop (more than 10 redirects"),
    "bkad_pendapatan_daerah": ("rejected", "more than the 30,000-byte limit"),
    "bpbd_kejadian_bencana": ("failed", "layout drift: column 'Jenis Kejadian / Banjir' not"),
    PORTAL_SOURCE: ("failed", "reported total 330 but 300 records arrived"),
    LOCAL_SOURCE: ("unchanged", ""),
}


def serve_good(server: FaultServer, recording: Path) -> None:
    for source, name in FILES.items():
        path = next(SAMPLES.glob(f"{source}.SAMPLE.*"))
        server.set(f"/{name}", ok(path.read_bytes(), etag=f'"{source}-v1"'))
    for action in ("resource_show", "datastore_search"):
        server.set(f"/api/3/action/{action}", ckan(recording))


def break_everything(server: FaultServer, recording: Path) -> None:
    good = {s: next(SAMPLES.glob(f"{s}.SAMPLE.*")).read_bytes() for s in FILES}
    server.set("/faskes.xlsx", slow(2.0))
    server.set("/umkm.csv", status(500, b"error"), ok(good["diskopindag_umkm"]))
    server.set("/wifi.csv", status(429, b"", {"Retry-After": "1"}), ok(good["kominfo_wifi_publik"]))
    server.set("/luas.xlsx", reset(good["bps_luas_penduduk"], after=1000))
    server.set("/ekonomi.xlsx", short(good["bps_ekonomi_makro"], cut=3000))
    login = b"<html><head><title>Login SIPD</title></head><body>Masuk</body></html>"
    server.set("/sekolah.xlsx", ok(login, content_type="text/html"))
    # /sampah.xlsx keeps its ETag: the client's If-None-Match gets a 304.
    server.set("/sambat.xlsx", redirect("/sambat.xlsx"))
    server.set("/pad.xlsx", ok(good["bkad_pendapatan_daerah"] + b"\0" * 20_000))
    server.set("/bencana.xlsx", ok(renamed_header(SAMPLES / "bpbd_kejadian_bencana.SAMPLE.xlsx")))
    # The portal's resource moved on, but its pages disagree with the total they report.
    (recording / "resource_show.json").write_text(
        (recording / "resource_show.json").read_text().replace("2024-01-01", "2024-02-01")
    )
    for action in ("resource_show", "datastore_search"):
        server.set(f"/api/3/action/{action}", ckan(recording, total_offset=30))


def renamed_header(path: Path) -> bytes:
    """The agency renamed "Banjir" (D4) to "Banjir / Genangan" in its next file."""
    wb = openpyxl.load_workbook(path)
    wb["Kejadian Bencana"]["D4"] = "Banjir/Genangan"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def settings_for(tmp_path: Path, server: FaultServer, recording: Path):
    settings = make_settings(tmp_path, [*FILES, PORTAL_SOURCE, LOCAL_SOURCE])
    for source, name in FILES.items():
        _edit(settings.catalog_dir / f"{source}.yaml", location=server.url(f"/{name}"))
    _edit(settings.catalog_dir / f"{PORTAL_SOURCE}.yaml", location=server.base, recording=None)
    return dataclasses.replace(settings, offline=False, http=HTTP)


def _edit(path: Path, **changes) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def execute(settings):
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(raise_on_error=False)
    return result, summarize(result, settings, 0.0)


def fact_rows(settings) -> dict[str, list[tuple]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("SELECT * FROM fact_indikator ORDER BY ALL").fetchall()
    columns = ["indikator", "kode_wilayah", "periode", "nilai", "status", "catatan", "sumber_id"]
    by_source: dict[str, list[tuple]] = {}
    for row in rows:
        by_source.setdefault(row[columns.index("sumber_id")], []).append(row)
    return by_source


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("faults")
    recording = tmp_path / "portal"
    recording.mkdir()
    for page in (SAMPLES / "ckan" / PORTAL_SOURCE).glob("*.json"):
        (recording / page.name).write_bytes(page.read_bytes())
    mp = pytest.MonkeyPatch()
    mp.setenv("NO_PROXY", "127.0.0.1,localhost")
    mp.setenv("no_proxy", "127.0.0.1,localhost")
    try:
        with FaultServer() as server:
            settings = settings_for(tmp_path, server, recording)
            serve_good(server, recording)
            first = execute(settings)
            facts_before = fact_rows(settings)
            break_everything(server, recording)
            second = execute(settings)
            hits = {name: len(server.hits(f"/{name}")) for name in FILES.values()}
    finally:
        mp.undo()
    return settings, first, second, facts_before, hits


def test_first_run_loads_every_source_over_http(two_runs):
    _, (_, summary), *_ = two_runs
    assert {s.source_id: s.outcome for s in summary.sources} == {s: "loaded" for s in EXPECTED}


def test_second_run_completes_and_each_source_has_its_outcome(two_runs):
    _, _, (_, summary), _, hits = two_runs
    assert summary.snapshot, (
        "the snapshot of what is good is still published",
        summary.failed_steps,
        summary.failed_checks,
    )
    got = {s.source_id: (s.outcome, s.message) for s in summary.sources}
    for source, (outcome, fragment) in EXPECTED.items():
        assert got[source][0] == outcome, (source, got[source])
        assert fragment in got[source][1], (source, got[source][1])
    assert hits["umkm.csv"] == 3 and hits["wifi.csv"] == 3  # one retry each in run 2


def test_meta_muat_records_outcome_message_and_what_the_server_said(two_runs):
    settings, *_ = two_runs
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT sumber_id, outcome, message, http_status, url, etag, tahap FROM meta_muat "
            "QUALIFY row_number() OVER (PARTITION BY sumber_id ORDER BY loaded_at DESC) = 1"
        ).fetchall()
    latest = {r[0]: r[1:] for r in rows}
    for source, (outcome, fragment) in EXPECTED.items():
        assert latest[source][0] == outcome, source
        assert fragment in (latest[source][1] or ""), source
    assert latest["dlh_sampah_rth"][2] == 304
    assert latest["dlh_sampah_rth"][4] == '"dlh_sampah_rth-v1"'
    assert latest["disdikbud_sekolah"][2] == 200  # what the server said before we refused it
    assert latest["bpbd_kejadian_bencana"][5] == "parse"
    assert latest["dinkes_faskes"][3].endswith("/faskes.xlsx")


def test_dagster_materialization_and_check_carry_the_reason(two_runs):
    _, _, (result, _), _, _ = two_runs
    # A failed or unchanged source's tidy asset is observed, a loaded one materialized (its
    # rows changed); the metadata is the same.
    events = [
        *(e.materialization for e in result.get_asset_materialization_events()),
        *(
            e.asset_observation_data.asset_observation
            for e in result.get_asset_observation_events()
        ),
    ]
    materialized = {
        e.asset_key.path[0].removeprefix("tidy_"): e.metadata
        for e in events
        if e.asset_key.path[0].startswith("tidy_")
    }
    checks = {
        e.asset_key.path[0].removeprefix("tidy_"): e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "tidy_valid"
    }
    for source, (outcome, fragment) in EXPECTED.items():
        metadata = materialized[source]
        assert metadata["outcome"].value == outcome
        check = checks[source]
        assert check.passed == (outcome == "unchanged"), source
        if fragment:
            assert fragment in metadata["message"].value
            assert fragment in check.metadata["message"].value
    drift = checks["bpbd_kejadian_bencana"].metadata["details"].value
    assert drift["found"]["Kejadian Bencana!D3"] == "Jenis Kejadian / Banjir/Genangan"


def test_analyst_snapshot_keeps_the_last_good_rows_of_broken_sources(two_runs):
    settings, _, _, before, _ = two_runs
    after = fact_rows(settings)
    assert after.keys() == before.keys() == set(EXPECTED)
    for source in EXPECTED:
        assert after[source] == before[source], source


def test_refused_downloads_never_replace_the_last_good_landing(two_runs):
    settings, *_ = two_runs
    landing = Path(settings.data_dir) / "landing"
    assert not list(landing.rglob(".incoming-*"))
    for source in FILES:
        files = [p.name for p in (landing / source).iterdir() if p.suffix in (".xlsx", ".csv")]
        # Only the drifted workbook arrived complete and valid: it is kept to be looked at.
        assert len(files) == (2 if source == "bpbd_kejadian_bencana" else 1), (source, files)
