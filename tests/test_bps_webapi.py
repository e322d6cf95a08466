"""BPS WebAPI tables (kind `bps_webapi`): a recorded answer loads offline through the same
client; live needs KOTAPINTAR_BPS_KEY, which never reaches a log line, a message, the landing
manifest, `meta_muat` or Dagster; BPS saying no (invalid key, no data) is said plainly."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.summary import summarize
from sources.bps import KEY_FIX, REQUEST_FIX, replay_session
from sources.bps_table import TableError, read_table
from sources.catalog import REPO_ROOT, CatalogError, load_entry, parse_entry
from sources.catalog_bps import BpsSpec
from sources.errors import SourceError
from sources.fetch import fetch_source
from sources.http import HttpConfig
from sources.http_errors import safe_url
from sources.parse import parse_landing
from tests.faultserver import FaultServer, ok, status
from tests.test_pipeline import make_settings

KEY = "kp-test-bps-key-3f9a1c77e2"
FAST = HttpConfig(connect_timeout=0.5, read_timeout=2, retries=2, backoff=0.01)
SAMPLE = REPO_ROOT / "sources/catalog/bps_ipm_jatim.yaml"
# Domain 3573: the five kecamatan (BPS codes) and the city's own total row.
KECAMATAN = {
    3573010: ("Kedungkandang", "35.73.03"),
    3573020: ("Sukun", "35.73.04"),
    3573030: ("Klojen", "35.73.02"),
    3573040: ("Blimbing", "35.73.01"),
    3573050: ("Lowokwaru", "35.73.05"),
}
TURTAHUN = [{"val": 1, "label": "Januari"}, {"val": 2, "label": "Februari"}]
PATH = "/v1/api/list/model/data/lang/ind/domain/3573/var/9/key/{key}/"


def pencaker_answer(unit: str = "Orang") -> dict:
    """A made-up answer in BPS's structure: job seekers by kecamatan (vervar) and sex (turvar:
    Laki-laki, Perempuan, Jumlah), January-February 2023 and the year (turtahun 13)."""
    content = {}
    for i, code in enumerate(KECAMATAN, 1):
        for month in (1, 2):
            men, women = 10 * i + month, 100 * i + month
            for turvar, value in ((1, men), (2, women), (3, men + women)):
                content[f"{code}9{turvar}123{month}"] = value
    for turvar in (1, 2, 3):
        for month in (1, 2):  # the city's row: the sum of its kecamatan
            content[f"35739{turvar}123{month}"] = sum(
                content[f"{code}9{turvar}123{month}"] for code in KECAMATAN
            )
        for code in [*KECAMATAN, 3573]:
            content[f"{code}9{turvar}12313"] = sum(
                content[f"{code}9{turvar}123{m}"] for m in (1, 2)
            )
    vervar = [{"val": code, "label": name} for code, (name, _) in KECAMATAN.items()]
    return {
        "status": "OK",
        "data-availability": "available",
        "var": [
            {"val": 9, "label": "Pencari Kerja Terdaftar", "unit": unit, "subj": "Tenaga Kerja"}
        ],
        "turvar": [
            {"val": 1, "label": "Laki-laki"},
            {"val": 2, "label": "Perempuan"},
            {"val": 3, "label": "Jumlah"},
        ],
        "labelvervar": "Kecamatan",
        "vervar": [*vervar, {"val": 3573, "label": "Kota Malang"}],
        "tahun": [{"val": 123, "label": "2023"}],
        "turtahun": [*TURTAHUN, {"val": 13, "label": "Tahunan"}],
        "datacontent": content,
    }


def pencaker_entry(location: str = "https://webapi.bps.go.id/v1/api", **fields) -> dict:
    indicator = {"name_id": "n", "name_en": "n", "unit": "orang", "definition": "d"}
    return {
        "id": "bps_pencaker",
        "title": "SAMPLE — Pencari kerja terdaftar menurut kecamatan",
        "agency": {"code": "bps", "name": "BPS Kota Malang"},
        "kind": "bps_webapi",
        "location": location,
        "bps": {"domain": 3573, "variable": 9},
        "dimension": "smart_economy",
        "schedule": "bulanan",
        "parse": {
            "region": {"column": "vervar", "level": "kecamatan"},
            "period": {"column": "periode"},
            "values": {"Laki-laki": "PENCAKER_LAKI", "Perempuan": "PENCAKER_PEREMPUAN"},
            # The year's column of a monthly table is no month: leave it out.
            "drop_rows": [{"column": "turtahun", "pattern": "^Tahunan$"}],
        },
        "indicators": [
            {"code": "PENCAKER_LAKI", **indicator, "direction": "neutral"},
            {"code": "PENCAKER_PEREMPUAN", **indicator, "direction": "neutral"},
        ],
        **fields,
    }


def recorded(tmp_path: Path, answer: dict, **fields):
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    return parse_entry(pencaker_entry(recording=str(path), **fields), "bps_pencaker.yaml")


def facts(parsed) -> list[tuple]:
    columns = ["indikator", "kode_wilayah", "periode", "nilai", "lokasi"]
    return sorted(tuple(row) for row in parsed.tidy[columns].itertuples(index=False))


# --- offline: the recorded answer through the same client -----------------------------------------


def test_bundled_sample_loads_kota_malangs_row_of_the_provincial_table(tmp_path):
    entry = load_entry(SAMPLE)
    landing = fetch_source(entry, tmp_path)
    parsed = parse_landing(entry, Path(landing.path))
    answer = json.loads((REPO_ROOT / entry.recording).read_text(encoding="utf-8"))
    expected = [
        (
            "INDEKS_PEMBANGUNAN_MANUSIA",
            "35.73",
            str(1900 + th),
            answer["datacontent"][f"3573413{0}{th}0"],
            f"datacontent[3573413{0}{th}0]",
        )
        for th in range(120, 125)
    ]
    assert facts(parsed) == expected
    assert len(parsed.outside) == 37 * 5  # the other kab/kota, Kabupaten Malang among them
    assert landing.url == (
        "https://webapi.bps.sample.invalid/v1/api/list/model/data/lang/ind/domain/3500/var/413/"
    )
    assert parsed.notes[0] == (
        "BPS variable 413 'Indeks Pembangunan Manusia Menurut Kabupaten/Kota (SAMPLE)' (unit "
        "'Indeks', subject 'Indeks Pembangunan Manusia', rows: Kabupaten/Kota)"
    )
    assert parsed.warnings == []  # BPS's "Indeks" is the catalog's "indeks"


def test_kecamatan_table_maps_turvar_columns_and_months(tmp_path):
    entry = recorded(tmp_path, pencaker_answer())
    parsed = parse_landing(entry, Path(fetch_source(entry, tmp_path / "l").path))
    expected = []
    for i, (code, (_, kode)) in enumerate(KECAMATAN.items(), 1):
        for month in (1, 2):
            for turvar, indikator, value in (
                (1, "PENCAKER_LAKI", 10 * i + month),
                (2, "PENCAKER_PEREMPUAN", 100 * i + month),
            ):
                key = f"{code}9{turvar}123{month}"
                expected.append((indikator, kode, f"2023-0{month}", value, f"datacontent[{key}]"))
    assert facts(parsed) == sorted(expected)
    assert parsed.warnings == []  # the city's row equals the sum of its kecamatan
    assert parsed.quarantined == []


def test_wrong_total_row_is_a_warning_like_any_table(tmp_path):
    answer = pencaker_answer()
    answer["datacontent"]["3573911231"] += 1000
    entry = recorded(tmp_path, answer)
    parsed = parse_landing(entry, Path(fetch_source(entry, tmp_path / "l").path))
    assert len(parsed.warnings) == 1
    assert "1 total(s) do not equal the sum of their parts" in parsed.warnings[0]


def test_a_unit_bps_changed_is_a_warning_naming_both(tmp_path):
    entry = recorded(tmp_path, pencaker_answer(unit="Ribu Orang"))
    parsed = parse_landing(entry, Path(fetch_source(entry, tmp_path / "l").path))
    assert parsed.warnings == [
        "BPS gives variable 9 the unit 'Ribu Orang', but the `unit` of PENCAKER_LAKI, "
        "PENCAKER_PEREMPUAN in bps_pencaker.yaml is 'orang': check whether BPS changed the "
        "table (its scale or its measure), then correct the indicator's `unit` (or `bps.unit` "
        "when BPS only writes it differently)"
    ]
    entry = recorded(tmp_path, pencaker_answer(unit="Ribu Orang"), bps={
        "domain": "3573", "variable": 9, "unit": "ribu  orang"
    })  # fmt: skip
    assert parse_landing(entry, Path(fetch_source(entry, tmp_path / "m").path)).warnings == []


def test_same_answer_again_lands_on_the_same_file(tmp_path):
    entry = recorded(tmp_path, pencaker_answer())
    first = fetch_source(entry, tmp_path / "l")
    second = fetch_source(entry, tmp_path / "l")
    assert (second.path, second.sha256) == (first.path, first.sha256)


def test_offline_without_a_recording_says_what_to_do(tmp_path):
    entry = parse_entry(pencaker_entry(), "bps_pencaker.yaml")
    with pytest.raises(SourceError) as caught:
        fetch_source(entry, tmp_path)
    assert caught.value.problem == (
        "the pipeline runs offline (KOTAPINTAR_OFFLINE=1) and this BPS WebAPI table has no "
        "recorded answer"
    )
    assert caught.value.fix == (
        "set `recording` in bps_pencaker.yaml to a recorded answer (a JSON file), or set "
        "KOTAPINTAR_OFFLINE=0 and KOTAPINTAR_BPS_KEY to ask the WebAPI"
    )


def test_live_without_a_key_fails_naming_the_setting(tmp_path):
    entry = load_entry(SAMPLE)
    with pytest.raises(SourceError) as caught:
        fetch_source(entry, tmp_path, offline=False, bps_key=None)
    assert caught.value.describe() == (
        "Source `bps_ipm_jatim` (https://webapi.bps.sample.invalid/v1/api): the BPS WebAPI "
        "needs an API key and KOTAPINTAR_BPS_KEY is not set. Fix: set KOTAPINTAR_BPS_KEY in "
        "the environment or .env to the key of your application on "
        "https://webapi.bps.go.id/developer/ (a secret: never in the catalog), or set "
        "KOTAPINTAR_OFFLINE=1 to replay the recorded answer"
    )


def test_live_run_without_a_key_fails_the_source_with_that_message(tmp_path, monkeypatch):
    monkeypatch.delenv("KOTAPINTAR_BPS_KEY", raising=False)
    settings = dataclasses.replace(make_settings(tmp_path, ["bps_ipm_jatim"]), offline=False)
    result = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    summary = summarize(result.execute_in_process(raise_on_error=False), settings, 0.0)
    (line,) = summary.sources
    assert line.outcome == "failed"
    assert "KOTAPINTAR_BPS_KEY is not set" in line.message


# --- answers that are no table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"var": [{"val": 10, "label": "Lain"}]},
            "the answer is for variable 10, not variable 9 (`bps.variable`): a recording of "
            "another table?",
        ),
        ({"datacontent": {}}, "the answer has no `datacontent` (the table's numbers)"),
        ({"vervar": []}, "the answer has no `vervar` list (a dynamic table has one)"),
        (
            {"datacontent": {"99999123": 1}},
            "1 datacontent key(s) fit no cell of the table's dimensions (99999123): the answer "
            "is incomplete or not a dynamic table",
        ),
    ],
)
def test_an_answer_that_is_no_table_is_refused_before_it_lands(tmp_path, change, problem):
    entry = recorded(tmp_path, {**pencaker_answer(), **change})
    with pytest.raises(SourceError) as caught:
        fetch_source(entry, tmp_path / "l")
    assert caught.value.outcome == "rejected"
    assert caught.value.problem == (
        "the answer of https://webapi.bps.go.id/v1/api/list/model/data/lang/ind/domain/3573/"
        f"var/9/ is not a table: {problem}"
    )
    assert not list((tmp_path / "l" / "bps_pencaker").glob("*.json"))


def test_joined_ids_that_two_cells_share_are_not_guessed():
    answer = {
        "var": [{"val": 1, "label": "v"}],
        "vervar": [{"val": 1, "label": "a"}, {"val": 11, "label": "b"}],
        "turvar": [{"val": 1, "label": "x"}, {"val": 11, "label": "y"}],
        "tahun": [{"val": 123, "label": "2023"}],
        "datacontent": {"11111230": 5},  # "1"+"1"+"11"+"123"+"0" and "11"+"1"+"1"+"123"+"0"
    }
    with pytest.raises(TableError, match=r"datacontent key\(s\) 11111230 fit two cells"):
        read_table(answer, BpsSpec(domain="3573", variable=1))


# --- live, against a local server with a fake key -----------------------------------------------


@pytest.fixture
def bps(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with FaultServer() as server:
        yield server


def live_entry(server: FaultServer):
    return parse_entry(pencaker_entry(location=server.url("/v1/api")), "bps_pencaker.yaml")


def test_live_fetch_sends_the_key_in_the_path_and_writes_it_nowhere(bps, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    body = json.dumps(pencaker_answer()).encode()
    bps.set(PATH.format(key=KEY), status(503, b"busy"), ok(body))  # one retry: logged
    landing = fetch_source(live_entry(bps), tmp_path, offline=False, bps_key=KEY, http=FAST)
    assert len(bps.hits(PATH.format(key=KEY))) == 2  # the key did reach BPS
    assert landing.url == bps.url(PATH.format(key="***"))
    written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.json"))
    assert KEY not in written and KEY not in repr(landing)
    assert PATH.format(key="***") in caplog.text  # urllib3 logged the request line, masked
    assert KEY not in caplog.text


@pytest.mark.parametrize(
    ("answer", "problem", "fix"),
    [
        (
            status(200, b'{"status":"Error","message":"Invalid API Key"}'),
            "the BPS WebAPI refused the request for domain 3573, variable 9: 'Invalid API Key' "
            "({url})",
            KEY_FIX,
        ),
        (
            status(401, json.dumps({"status": "Error", "message": f"bad key {KEY}"}).encode()),
            "the BPS WebAPI refused the request for domain 3573, variable 9 (HTTP 401): 'bad "
            "key ***' ({url})",
            KEY_FIX,
        ),
        (
            status(200, b'{"status":"OK","data-availability":"list-not-available"}'),
            "BPS has no data for domain 3573, variable 9 (data-availability: "
            "list-not-available) at {url}",
            "check `bps.domain`, `bps.variable` and the selections (`th`, `turvar`, `vervar`, "
            "`turth`) against the table on the BPS website (its address holds the variable "
            "id); the last good data stays published",
        ),
        (
            status(400, b'{"status":"Error","message":"Parameter tidak valid"}'),
            "the BPS WebAPI refused the request for domain 3573, variable 9 (HTTP 400): "
            "'Parameter tidak valid' ({url})",
            REQUEST_FIX,
        ),
        (
            status(502, b"<html>Bad Gateway</html>"),
            "{url}: the server answered HTTP 502 Bad Gateway after 3 tries",
            "if BPS is down or slow, the next run tries again; the last good data stays published",
        ),
    ],
    ids=["invalid-key", "echoed-key", "no-data", "bad-request", "gateway"],
)
def test_bps_saying_no_is_said_plainly_without_the_key(bps, tmp_path, answer, problem, fix):
    bps.set(PATH.format(key=KEY), answer)
    with pytest.raises(SourceError) as caught:
        fetch_source(live_entry(bps), tmp_path, offline=False, bps_key=KEY, http=FAST)
    url = bps.url(PATH.format(key="***"))
    assert caught.value.problem == problem.format(url=url)
    assert caught.value.fix == fix
    assert caught.value.details["url"] == url
    assert KEY not in str(caught.value) and KEY not in repr(caught.value.details)


def test_key_from_the_environment_reaches_no_warehouse_or_dagster_record(bps, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    bps.set(PATH.format(key=KEY), ok(json.dumps(pencaker_answer()).encode()))
    settings = dataclasses.replace(make_settings(tmp_path, []), offline=False, http=FAST)
    (settings.catalog_dir / "bps_pencaker.yaml").write_text(
        yaml.safe_dump(pencaker_entry(location=bps.url("/v1/api")), allow_unicode=True),
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KOTAPINTAR_BPS_KEY", KEY)
        result = (
            build_definitions(settings)
            .resolve_job_def(NIGHTLY_JOB)
            .execute_in_process(raise_on_error=False)
        )
    summary = summarize(result, settings, 0.0)
    assert [(s.outcome, s.rows) for s in summary.sources] == [("loaded", 20)]
    assert bps.hits(PATH.format(key=KEY))  # resolved from dg.EnvVar at run time
    assert KEY not in repr(list(result.all_events)) and KEY not in summary.render()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        muat = repr(con.execute("SELECT * FROM meta_muat").fetchall())
    assert KEY not in muat and "/var/9/key/***/" in muat  # the URL, key masked
    for path in settings.data_dir.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".txt", ".md", ".html", ".csv"):
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in caplog.text


# --- the catalog ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"bps": None},
            "kind `bps_webapi` needs `bps` (at least `domain` and `variable` of the BPS table)",
        ),
        (
            {"location": f"https://webapi.bps.go.id/v1/api/key/{KEY}"},
            "`location` must not hold the API key: set it in KOTAPINTAR_BPS_KEY (environment "
            "or .env) and give only the base URL (https://webapi.bps.go.id/v1/api)",
        ),
        (
            {"location": "sources/samples/x.json"},
            "kind `bps_webapi` needs `location`: the WebAPI's base URL "
            "(https://webapi.bps.go.id/v1/api)",
        ),
        (
            {"bps": {"domain": "35", "variable": 9}},
            "field `bps.domain` has '35'; it must match ^\\d{4}$",
        ),
        (
            {"bps": {"domain": 3573, "variable": 9, "th": "2023"}},
            None,  # ids are BPS's own (2023 is 123): a plausible id is not refused
        ),
        (
            {"bps": {"domain": 3573, "variable": 9, "th": "120-124"}},
            "field `bps.th` has '120-124'; it must match ^\\d+([;:]\\d+)*$",
        ),
    ],
)
def test_bad_bps_entry_names_the_field(change, message):
    data = {**pencaker_entry(), **change}
    if message is None:
        assert parse_entry(data, "bps_pencaker.yaml").bps.th == "2023"
        return
    with pytest.raises(CatalogError) as caught:
        parse_entry(data, "bps_pencaker.yaml")
    assert str(caught.value) == f"bps_pencaker.yaml: {message}"


def test_bps_is_only_for_its_kind():
    data = yaml.safe_load((REPO_ROOT / "sources/catalog/dinkes_faskes.yaml").read_text("utf-8"))
    data["bps"] = {"domain": "3573", "variable": 1}
    with pytest.raises(CatalogError, match=r"`bps` is only for kind `bps_webapi`"):
        parse_entry(data, "dinkes_faskes.yaml")


def test_domain_written_as_a_number_is_read_as_four_digits():
    spec = BpsSpec.model_validate({"domain": 0, "variable": 1, "vervar": 3573})
    assert (spec.domain, spec.vervar) == ("0000", "3573")


def test_the_key_in_a_path_is_masked_wherever_a_url_is_shown():
    url = f"https://webapi.bps.go.id/v1/api/list/model/data/domain/3573/var/9/key/{KEY}/"
    assert safe_url(url) == (
        "https://webapi.bps.go.id/v1/api/list/model/data/domain/3573/var/9/key/***/"
    )


def test_replay_answers_other_requests_with_bps_own_error(tmp_path):
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    session = replay_session(tmp_path / "a.json")
    answer = session.get("https://webapi.bps.go.id/v1/api/list/model/var/domain/3573/")
    assert answer.status_code == 404 and answer.json()["status"] == "Error"
