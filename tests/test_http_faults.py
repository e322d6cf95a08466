"""The HTTP client and fetch against a loopback server failing in each way an agency server does.

Each case pins the exact message the run summary, `meta_muat` and the asset metadata show.
Timeouts and backoff are shrunk (HttpConfig) so the whole file runs in a few seconds.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sources.catalog import REPO_ROOT, parse_entry
from sources.errors import SourceError
from sources.fetch import fetch_source
from sources.http import HttpConfig, user_agent
from tests.faultserver import (
    FaultServer,
    drip,
    ok,
    redirect,
    reset,
    short,
    slow,
    stall,
    status,
    unsized,
)

FAST = HttpConfig(connect_timeout=0.5, read_timeout=0.3, retries=2, backoff=0.01, max_redirects=3)
CSV = (REPO_ROOT / "sources/samples/diskopindag_umkm.SAMPLE.csv").read_bytes()
XLSX = (REPO_ROOT / "sources/samples/dinkes_faskes.SAMPLE.xlsx").read_bytes()


@pytest.fixture
def server(monkeypatch):
    # Loopback requests must not go through a proxy a developer has configured.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with FaultServer() as fault:
        yield fault


def entry(url: str, kind: str = "csv"):
    """The bundled diskopindag_umkm (csv) or dinkes_faskes (xlsx) entry, fetched from `url`."""
    import yaml

    name = "diskopindag_umkm" if kind == "csv" else "dinkes_faskes"
    data = yaml.safe_load((REPO_ROOT / f"sources/catalog/{name}.yaml").read_text("utf-8"))
    return parse_entry({**data, "location": url}, f"sources/catalog/{name}.yaml")


def fetch(e, tmp_path: Path, config: HttpConfig = FAST):
    return fetch_source(e, tmp_path / "landing", offline=False, http=config)


def failure(e, tmp_path: Path, config: HttpConfig = FAST) -> SourceError:
    with pytest.raises(SourceError) as caught:
        fetch(e, tmp_path, config)
    return caught.value


def test_timeout_is_retried_then_reported(server, tmp_path):
    server.set("/data.csv", slow(1.0))
    error = failure(entry(server.url("/data.csv")), tmp_path)
    assert error.outcome == "failed"
    assert error.problem == "no answer within 0.3 s (read timeout); tried 3 times"
    assert str(error).startswith(f"Source `diskopindag_umkm` ({server.url('/data.csv')}): ")
    assert len(server.hits("/data.csv")) == 3


def test_500_then_200_lands_the_file(server, tmp_path):
    server.set("/data.csv", status(500, b"oops"), ok(CSV))
    landing = fetch(entry(server.url("/data.csv")), tmp_path)
    assert Path(landing.path).read_bytes() == CSV
    assert (landing.http_status, len(server.hits("/data.csv"))) == (200, 2)


def test_500_every_time_names_the_status_and_the_tries(server, tmp_path):
    server.set("/data.csv", status(503, b"maintenance"))
    error = failure(entry(server.url("/data.csv")), tmp_path)
    assert error.problem == "the server answered HTTP 503 Service Unavailable after 3 tries"
    assert error.details["http_status"] == 503


def test_429_honours_retry_after(server, tmp_path):
    server.set("/data.csv", status(429, b"slow down", {"Retry-After": "1"}), ok(CSV))
    started = time.monotonic()
    landing = fetch(entry(server.url("/data.csv")), tmp_path)
    # The configured backoff is 0.01 s: only Retry-After explains a one-second pause.
    assert time.monotonic() - started >= 0.9
    assert landing.sha256 and len(server.hits("/data.csv")) == 2


def test_connection_reset_mid_body_is_retried_and_reported(server, tmp_path):
    server.set("/data.xlsx", reset(XLSX, after=1000))
    error = failure(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert error.outcome == "failed"
    assert re.fullmatch(
        rf"the body broke off after [\d,]+ of {len(XLSX):,} bytes \(connection reset by the "
        r"server\); tried 3 times",
        error.problem,
    ), error.problem
    assert len(server.hits("/data.xlsx")) == 3


def test_connection_reset_once_then_complete(server, tmp_path):
    server.set("/data.xlsx", reset(XLSX, after=1000), ok(XLSX))
    landing = fetch(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert Path(landing.path).read_bytes() == XLSX


def test_server_falling_silent_mid_body(server, tmp_path):
    server.set("/data.xlsx", stall(XLSX, after=1000, seconds=1.0))
    error = failure(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert re.fullmatch(
        rf"the body broke off after [\d,]+ of {len(XLSX):,} bytes \(no data for 0.3 s\); "
        r"tried 3 times",
        error.problem,
    ), error.problem


def test_body_shorter_than_content_length(server, tmp_path):
    server.set("/data.xlsx", short(XLSX, cut=2000))
    error = failure(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert re.fullmatch(
        rf"the body broke off after [\d,]+ of {len(XLSX):,} bytes \(the server closed it "
        r"before the announced Content-Length\); tried 3 times",
        error.problem,
    ), error.problem


def test_html_login_page_is_rejected_quoting_its_title(server, tmp_path):
    page = b"<!DOCTYPE html>\n<html><head><title>Masuk &middot; SIPD Kota Malang</title></head>"
    server.set("/data.xlsx", ok(page, content_type="text/html"))
    error = failure(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert error.outcome == "rejected"
    assert error.problem == (
        "the server sent an HTML page titled 'Masuk · SIPD Kota Malang' instead of the xlsx file"
    )
    assert error.details["http_status"] == 200
    assert not (tmp_path / "landing" / "dinkes_faskes" / "latest.json").exists()


def test_json_error_body_is_rejected_quoting_the_error(server, tmp_path):
    body = b'{"success": false, "error": {"__type": "Authorization Error", "message": "Login"}}'
    server.set("/data.csv", ok(body, content_type="application/json"))
    error = failure(entry(server.url("/data.csv")), tmp_path)
    assert error.outcome == "rejected"
    assert error.problem == (
        "the server sent a JSON body instead of the csv file: Authorization Error: Login"
    )


def test_304_returns_the_last_good_landing_without_a_body(server, tmp_path):
    stamp = "Mon, 01 Jan 2024 00:00:00 GMT"
    server.set("/data.csv", ok(CSV, etag='"v1"', last_modified=stamp))
    e = entry(server.url("/data.csv"))
    first = fetch(e, tmp_path)
    second = fetch(e, tmp_path)
    assert (first.not_modified, second.not_modified) == (False, True)
    assert (second.http_status, second.path, second.sha256) == (304, first.path, first.sha256)
    sent = server.hits("/data.csv")[-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == stamp


def test_same_bytes_without_validators_land_on_the_same_file(server, tmp_path):
    server.set("/data.csv", ok(CSV))
    e = entry(server.url("/data.csv"))
    first, second = fetch(e, tmp_path), fetch(e, tmp_path)
    assert (second.path, second.not_modified) == (first.path, False)
    assert len(list((tmp_path / "landing" / e.id).glob("*.csv"))) == 1


def test_redirect_loop_is_reported(server, tmp_path):
    server.set("/loop", redirect("/loop"))
    error = failure(entry(server.url("/loop")), tmp_path)
    assert error.problem == (
        f"the server redirects in a loop (more than 3 redirects; last to {server.url('/loop')})"
    )


def test_oversize_by_content_length_is_rejected_before_the_body(server, tmp_path):
    server.set("/big.csv", ok(CSV * 200))
    config = HttpConfig(**{**FAST.__dict__, "max_bytes": 10_000})
    error = failure(entry(server.url("/big.csv")), tmp_path, config)
    assert error.outcome == "rejected"
    assert error.problem == (
        f"the server announces {len(CSV) * 200:,} bytes, more than the 10,000-byte limit "
        "(KOTAPINTAR_MAX_DOWNLOAD_MB)"
    )
    assert "raise KOTAPINTAR_MAX_DOWNLOAD_MB" in error.fix


def test_oversize_without_content_length_is_stopped_while_streaming(server, tmp_path):
    server.set("/big.csv", unsized(CSV * 2000))
    config = HttpConfig(**{**FAST.__dict__, "max_bytes": 300_000})
    error = failure(entry(server.url("/big.csv")), tmp_path, config)
    assert error.outcome == "rejected"
    assert error.problem == (
        "the download passed the 300,000-byte limit (KOTAPINTAR_MAX_DOWNLOAD_MB) and was stopped"
    )
    assert not list((tmp_path / "landing" / "diskopindag_umkm").glob(".incoming-*"))


def test_refused_connection_says_so(tmp_path):
    with FaultServer() as gone:
        url = gone.url("/data.csv")
    error = failure(entry(url), tmp_path)
    assert error.problem.startswith("cannot connect (NewConnectionError: ")
    assert error.problem.endswith("; tried 3 times")


def test_user_agent_names_project_and_contact(server, tmp_path):
    server.set("/data.csv", ok(CSV))
    config = HttpConfig(**{**FAST.__dict__, "contact": "data@kota.example"})
    fetch(entry(server.url("/data.csv")), tmp_path, config)
    agent = server.hits("/data.csv")[0].headers["User-Agent"]
    assert agent == user_agent("data@kota.example")
    assert agent.startswith("kotapintar/") and "contact: data@kota.example" in agent


def test_proxy_comes_from_the_environment(server, tmp_path, monkeypatch):
    # The fault server plays the proxy: it receives the absolute URL of the real target.
    target = "http://opd.example.invalid/data.csv"
    server.set(target, ok(CSV))
    monkeypatch.setenv("HTTP_PROXY", server.base)
    monkeypatch.setenv("http_proxy", server.base)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    landing = fetch(entry(target), tmp_path)
    assert Path(landing.path).read_bytes() == CSV
    assert server.hits(target)


def test_secrets_in_the_url_never_reach_messages(server, tmp_path):
    url = server.url("/data.csv?apikey=s3cret&tahun=2023").replace("http://", "http://u:pw@")
    server.set("/data.csv", status(500))
    error = failure(entry(url), tmp_path)
    assert "s3cret" not in str(error) and "pw@" not in str(error)
    assert "apikey=***" in str(error)


# Issue 11 (9): a total deadline per fetch, on top of the read timeout.


def test_a_dripping_server_is_stopped_by_the_deadline(server, tmp_path):
    # Two bytes every 0.1 s never trips the 0.3 s read timeout; only the deadline ends it.
    server.set("/data.xlsx", drip(XLSX, size=2, every=0.1))
    config = HttpConfig(**{**FAST.__dict__, "deadline": 1.0})
    url = server.url("/data.xlsx")
    started = time.monotonic()
    error = failure(entry(url, "xlsx"), tmp_path, config)
    assert time.monotonic() - started < 2.0
    assert error.outcome == "failed"
    match = re.fullmatch(
        rf"the fetch of {re.escape(url)} did not finish within the 1-second deadline "
        rf"\(KOTAPINTAR_FETCH_DEADLINE\): ([\d,]+) of {len(XLSX):,} bytes received",
        error.problem,
    )
    assert match, error.problem
    assert 0 < int(match.group(1).replace(",", "")) < 100
    assert "KOTAPINTAR_FETCH_DEADLINE" in error.fix
    assert (error.details["url"], error.details["http_status"]) == (url, 200)
    assert not (tmp_path / "landing" / "dinkes_faskes" / "latest.json").exists()


def test_the_deadline_covers_retries_and_their_waits(server, tmp_path):
    # 50 retries with a doubling backoff would take minutes; Retry-After asks for more still.
    server.set("/data.csv", status(503, b"busy", {"Retry-After": "30"}))
    config = HttpConfig(**{**FAST.__dict__, "retries": 50, "backoff": 0.1, "deadline": 0.8})
    url = server.url("/data.csv")
    started = time.monotonic()
    error = failure(entry(url), tmp_path, config)
    assert time.monotonic() - started < 1.5
    assert error.problem == (
        f"the fetch of {url} did not finish within the 0.8-second deadline "
        "(KOTAPINTAR_FETCH_DEADLINE): 0 bytes received (the last answer was HTTP 503)"
    )
    assert error.details["http_status"] == 503


# Issue 11 (14): the first retry waits the backoff; real byte counts; status and URL in details.


def test_the_first_retry_waits_the_configured_backoff(server, tmp_path):
    server.set("/data.csv", status(500, b"oops"), ok(CSV))
    config = HttpConfig(**{**FAST.__dict__, "backoff": 0.4, "jitter": 0.0})
    started = time.monotonic()
    fetch(entry(server.url("/data.csv")), tmp_path, config)
    assert time.monotonic() - started >= 0.4


def test_a_broken_body_is_retried_after_the_backoff_too(server, tmp_path):
    server.set("/data.xlsx", short(XLSX, cut=2000), ok(XLSX))
    config = HttpConfig(**{**FAST.__dict__, "backoff": 0.4, "jitter": 0.0})
    started = time.monotonic()
    fetch(entry(server.url("/data.xlsx"), "xlsx"), tmp_path, config)
    assert time.monotonic() - started >= 0.4


def test_a_broken_body_reports_the_bytes_that_really_arrived(server, tmp_path):
    server.set("/data.xlsx", short(XLSX, cut=2000))
    error = failure(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert error.problem == (
        f"the body broke off after 2,000 of {len(XLSX):,} bytes (the server closed it before "
        "the announced Content-Length); tried 3 times"
    )
    server.set("/data.xlsx", stall(XLSX, after=1000, seconds=1.0))
    error = failure(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert error.problem.startswith(f"the body broke off after 1,000 of {len(XLSX):,} bytes")


@pytest.mark.parametrize(
    ("behaviour", "status_code"),
    [
        (short(XLSX, cut=2000), 200),
        (stall(XLSX, after=1000, seconds=1.0), 200),
        (status(404, b"gone"), 404),
        (slow(1.0), None),  # no answer at all: no status, but the URL
        (ok(CSV * 200, etag='"big"'), 200),  # oversize, refused before the body
    ],
)
def test_every_http_failure_carries_url_and_status(server, tmp_path, behaviour, status_code):
    server.set("/data.xlsx", behaviour)
    url = server.url("/data.xlsx?key=s3cret")
    config = HttpConfig(**{**FAST.__dict__, "max_bytes": 100_000})
    error = failure(entry(url, "xlsx"), tmp_path, config)
    assert error.details["url"] == server.url("/data.xlsx?key=***")
    assert error.details["http_status"] == status_code
    assert set(error.details) >= {"url", "http_status", "etag", "last_modified"}


def test_a_refused_answer_carries_its_validators(server, tmp_path):
    page = b"<html><head><title>Login</title></head></html>"
    stamp = "Mon, 01 Jan 2024 00:00:00 GMT"
    server.set("/data.xlsx", ok(page, etag='"p"', last_modified=stamp))
    error = failure(entry(server.url("/data.xlsx"), "xlsx"), tmp_path)
    assert error.outcome == "rejected"
    assert (error.details["http_status"], error.details["etag"]) == (200, '"p"')
    assert error.details["last_modified"] == stamp
