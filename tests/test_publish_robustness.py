"""Issue 11 on the publisher, offline against the fake CKAN and a dead loopback socket:
the changelog keeps every publication even when the data returns to an earlier version;
KOTAPINTAR_HTTP_TIMEOUT, _RETRIES and _BACKOFF bound every call and the whole publication, so
a portal that never answers fails fast and clearly; a wrong or expired token fails every run,
and refused writes are neither counted nor reported as published changes."""

import csv
import io
import socket
import time

import pytest

from pipelines.cli import main
from portal.api import PortalForbidden, PortalUnreachable, publication_deadline
from portal.publish import PortalConfig, publish
from sources.http import HttpConfig
from tests.conftest import ORG
from tests.portal_data import indicator, set_value

ECONOMY = "kota-malang-smart-economy"
KEY = (indicator("smart_economy", 1), "35.73.01", "2023")
ONLY = ["smart_economy"]
# Tiny patience so the failure paths run in well under a second each; enough for the runs
# that must succeed (deadline 3 x 5 s x 2 tries).
QUICK = HttpConfig(connect_timeout=0.2, read_timeout=0.2, retries=1, backoff=0.0)
PATIENT = HttpConfig(connect_timeout=2.0, read_timeout=5.0, retries=1, backoff=0.0)


def config(fake, token=None, http=PATIENT) -> PortalConfig:
    return PortalConfig(url=fake.url, org=ORG, token=fake.token if token is None else token,
                        http=http)  # fmt: skip


def changelog_blocks(fake, name=ECONOMY) -> dict[str, list[dict]]:
    """publikasi -> its rows, from the changelog file on the fake portal."""
    [resource] = [r for r in fake._package(name)["resources"]
                  if r["resource_type"] == "changelog"]  # fmt: skip
    rows = csv.DictReader(io.StringIO(fake.files[resource["id"]].decode("utf-8")))
    blocks: dict[str, list[dict]] = {}
    for row in rows:
        blocks.setdefault(row["publikasi"], []).append(row)
    return blocks


@pytest.fixture
def dead_portal():
    """A loopback socket that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


# -- case 5: the changelog is append-only, keyed by publication ------------------------------


def test_data_returning_to_an_earlier_version_keeps_every_changelog_entry(fake_ckan, analyst):
    work, analyst_path = analyst
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok  # v1
    set_value(work, analyst_path, "smart_economy", KEY, 42.25)
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok  # v2
    set_value(work, analyst_path, "smart_economy", KEY, 11.5)
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)  # v1 again
    assert report.ok, report.render()

    blocks = changelog_blocks(fake_ckan)
    assert list(blocks) == ["3", "2", "1"], "newest first, one block per publication"
    assert blocks["1"][0]["perubahan"] == "publikasi_pertama"
    assert [(r["nilai_lama"], r["nilai_baru"]) for r in blocks["2"]] == [("11.5", "42.25")]
    assert [(r["nilai_lama"], r["nilai_baru"]) for r in blocks["3"]] == [("42.25", "11.5")]
    assert blocks["3"][0]["versi"] == blocks["1"][0]["versi"], "the same data, two entries"
    extras = {e["key"]: e["value"] for e in fake_ckan._package(ECONOMY)["extras"]}
    assert extras["nomor_publikasi"] == "3"
    # nothing new: no write, and the history stays as it is
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).writes == 0
    assert list(changelog_blocks(fake_ckan)) == ["3", "2", "1"]


# -- case 11: the HTTP settings, a dead portal, the deadline ---------------------------------


def test_a_portal_that_never_answers_fails_in_the_configured_time(dead_portal, analyst):
    cfg = PortalConfig(url=dead_portal, org=ORG, token="secret-token-0123", http=QUICK)
    started = time.monotonic()
    with pytest.raises(PortalUnreachable) as raised:
        publish(cfg, analyst[1])
    elapsed = time.monotonic() - started
    assert 0.35 < elapsed < 2.0, elapsed  # 2 tries x 0.2 s, not 10 minutes
    message = str(raised.value)
    assert message.startswith(f"the portal {dead_portal} did not answer organization_show ")
    assert "(no answer within 0.2 s; 2 tries)" in message
    assert "KOTAPINTAR_HTTP_TIMEOUT=0.2 s per try, KOTAPINTAR_HTTP_RETRIES=1" in message
    assert "secret-token-0123" not in message


def test_cli_names_the_dead_portal_and_exits_1(dead_portal, analyst, monkeypatch, capsys):
    monkeypatch.setenv("KOTAPINTAR_WAREHOUSE", str(analyst[1]))
    monkeypatch.setenv("KOTAPINTAR_PORTAL_URL", dead_portal)
    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", "secret-token-0123")
    monkeypatch.setenv("KOTAPINTAR_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("KOTAPINTAR_HTTP_RETRIES", "1")
    monkeypatch.setenv("KOTAPINTAR_HTTP_BACKOFF", "0")
    started = time.monotonic()
    assert main(["publish"]) == 1
    assert time.monotonic() - started < 2.0
    captured = capsys.readouterr()
    assert captured.err.startswith(
        f"kotapintar publish: the portal {dead_portal} did not answer organization_show "
    )
    assert "KOTAPINTAR_HTTP_TIMEOUT=0.2 s" in captured.err
    assert "secret-token-0123" not in captured.out + captured.err


def test_a_portal_that_stops_answering_mid_run_is_not_asked_again(fake_ckan, analyst):
    fake_ckan.stall.add("package_create")  # accepts the first write and never answers
    http = HttpConfig(connect_timeout=0.3, read_timeout=0.3, retries=2, backoff=0.0)
    started = time.monotonic()
    report = publish(config(fake_ckan, http=http), analyst[1])
    assert time.monotonic() - started < 2.0
    assert not report.ok
    first, *others = [r.error for r in report.results]
    assert first.startswith(f"the portal {fake_ckan.url} did not answer package_create ")
    assert "(no answer within 0.3 s; 1 try)" in first, "a write is never repeated"
    assert len(others) == 5
    assert all(e.startswith("package_create not sent: the portal ") for e in others), others
    assert fake_ckan.writes == ["package_create"]
    assert report.writes == 0


def test_the_whole_publication_has_a_deadline(fake_ckan, analyst):
    http = HttpConfig(connect_timeout=0.5, read_timeout=0.5, retries=0, backoff=0.0)
    assert publication_deadline(http) == 1.5  # 3 x KOTAPINTAR_HTTP_TIMEOUT x tries
    fake_ckan.delay = 0.15  # every answer in time, but ~20 of them take longer than 1.5 s
    started = time.monotonic()
    report = publish(config(fake_ckan, http=http), analyst[1], dimensions=ONLY)
    assert time.monotonic() - started < 2.5
    [economy] = report.results
    assert economy.error.startswith(
        f"the publication to {fake_ckan.url} passed its deadline of 1.5 s "
        "(3 x KOTAPINTAR_HTTP_TIMEOUT=0.5 s x 1 tries, KOTAPINTAR_HTTP_RETRIES=0) at "
    ), economy.error


def test_the_publisher_sends_the_configured_contact(fake_ckan, analyst, monkeypatch, capsys):
    monkeypatch.setenv("KOTAPINTAR_WAREHOUSE", str(analyst[1]))
    monkeypatch.setenv("KOTAPINTAR_PORTAL_URL", fake_ckan.url)
    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", fake_ckan.token)
    monkeypatch.setenv("KOTAPINTAR_CONTACT", "tim data uji@example.org")
    assert main(["publish", "--dry-run"]) == 0
    assert fake_ckan.agents == {
        "kotapintar/0.1 (Kota Malang open-data pipeline; contact: tim data uji@example.org)"
    }


# -- case 12: the token is checked on every run; refused writes are not reported -------------


@pytest.mark.parametrize("problem", ["wrong token", "member only"])
def test_a_token_that_may_not_publish_fails_even_when_nothing_changed(fake_ckan, analyst, problem):
    assert publish(config(fake_ckan), analyst[1]).ok
    writes = list(fake_ckan.writes)
    token = "expired-token-0123456789"
    if problem == "member only":
        fake_ckan.editor_of, token = set(), fake_ckan.token
    with pytest.raises(PortalForbidden) as raised:
        publish(config(fake_ckan, token=token), analyst[1])
    message = str(raised.value)
    assert message.startswith(
        f"The portal token (KOTAPINTAR_PORTAL_TOKEN) may not publish to `{ORG}` on "
        f"{fake_ckan.url}: organization_list_for_user(permission=create_dataset) does not list"
    )
    assert token not in message
    assert fake_ckan.writes == writes
    # a dry run needs no write access and still plans
    assert publish(config(fake_ckan, token=token), analyst[1], dry_run=True).plans


def test_cli_exits_1_for_a_wrong_token_without_printing_it(fake_ckan, analyst, monkeypatch, capsys):
    monkeypatch.setenv("KOTAPINTAR_WAREHOUSE", str(analyst[1]))
    monkeypatch.setenv("KOTAPINTAR_PORTAL_URL", fake_ckan.url)
    monkeypatch.setenv("KOTAPINTAR_PORTAL_ORG", ORG)
    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", fake_ckan.token)
    assert main(["publish"]) == 0
    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", "expired-token-0123456789")
    capsys.readouterr()
    assert main(["publish"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("kotapintar publish: The portal token (KOTAPINTAR_PORTAL_TOKEN)")
    assert "expired-token-0123456789" not in captured.out + captured.err


@pytest.mark.parametrize("refused", ["datastore_create", "resource_patch"])
def test_refused_writes_are_not_counted_nor_reported_as_changes(fake_ckan, analyst, refused):
    work, analyst_path = analyst
    publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    set_value(work, analyst_path, "smart_economy", KEY, 42.25)
    fake_ckan.refuse.add(refused)  # the user lost the right between the check and the write
    sent = len(fake_ckan.writes)
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    [economy] = report.results
    assert f"{refused} at {fake_ckan.url}/api/3/action/{refused} failed: Authorization" in (
        economy.error
    )
    accepted = len(fake_ckan.writes) - sent - 1  # the refused one reached the portal too
    assert economy.writes == report.writes == accepted
    assert (accepted == 0) == (refused == "datastore_create")
    assert economy.changes == [] and economy.counts == {}
    text = report.render()
    assert "revisi" not in text
    assert text.splitlines() == [
        f"{ECONOMY}: FAILED after {accepted} writes: {economy.error}",
        f"{accepted} writes in all",
    ]
