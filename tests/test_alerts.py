"""Alerts: e-mail against a local SMTP server (aiosmtpd), the webhook against a local HTTP
receiver in every format, nothing sent when nothing is configured, failing channels that only
warn, and the sensors end to end on a real nightly run with a broken source."""

from __future__ import annotations

import dataclasses
import json
import re
import smtplib
import socket
import threading
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pipelines import alert_channels
from pipelines.alert_channels import EmailChannel, WebhookChannel, channels, send_alert
from pipelines.alert_sensors import NIGHTLY_JOB, PUBLISH_JOB, build_alert_sensors
from pipelines.alerts import Alert, AlertSettings, webhook_payload
from pipelines.settings import VARIABLES, alerts_from_env
from sources.http import HttpConfig

NIK = "3573011508850001"  # Kota Malang, born 15-08-1985
TOKEN = "123456789:AAH-rahasia-token"
RUN_ID = "2f1e0c9a-1234-4bcd-9876-000000000001"
LINK = f"http://ui.example:3000/runs/{RUN_ID}"


def alert(reason: str = f"rejected: cell B5 holds NIK {NIK}") -> Alert:
    return Alert(
        subject="[Kota Pintar] nightly_refresh partly failed: 1 of 2 sources failed",
        problems=(("dinkes_faskes", reason),),
        run_id=RUN_ID,
        link=LINK,
        job="nightly_refresh",
    )


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kotapintar.alerts"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_proxy_no_alert_env(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for name in VARIABLES:
        if name.startswith(("KOTAPINTAR_ALERT_", "KOTAPINTAR_UI_URL")):
            monkeypatch.delenv(name, raising=False)


class Receiver:
    """A local HTTP receiver: records each POST's path and JSON body; answers the queued
    statuses first (an error echoes the path, as some services do), then 200."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[tuple[str, dict]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, json.loads(body)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b"ok" if status == 200 else f"no route for {self.path}".encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"rahasia-smtp"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server():
    """A local SMTP server (plain, login allowed without TLS): (inbox, port)."""
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_login,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, controller.port
    controller.stop()


def email_settings(port: int, **changes) -> AlertSettings:
    settings = AlertSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        sender="kotapintar@malangkota.go.id",
        recipients=("walidata@malangkota.go.id", "oncall@malangkota.go.id"),
    )
    return dataclasses.replace(settings, **changes)


def test_email_names_source_reason_and_run_link_and_masks_the_nik(smtp_server):
    inbox, port = smtp_server
    assert send_alert(alert(), [EmailChannel(email_settings(port))]) == ["e-mail"]
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["walidata@malangkota.go.id", "oncall@malangkota.go.id"]
    assert NIK.encode() not in envelope.content
    mail = message_from_bytes(envelope.content, policy=email_policy)
    assert mail["Subject"] == "[Kota Pintar] nightly_refresh partly failed: 1 of 2 sources failed"
    assert mail["From"] == "kotapintar@malangkota.go.id"
    assert mail.get_content().replace("\r\n", "\n") == (
        "- dinkes_faskes: rejected: cell B5 holds NIK 3573************\n"
        "\n"
        f"Run {RUN_ID} (nightly_refresh): {LINK}\n"
    )


def test_email_logs_in_and_a_refused_login_only_warns(smtp_server, caplog):
    inbox, port = smtp_server
    settings = email_settings(port, smtp_user="walidata")
    assert send_alert(alert(), [EmailChannel(settings, "rahasia-smtp")]) == ["e-mail"]
    assert len(inbox.messages) == 1
    assert send_alert(alert(), [EmailChannel(settings, "salah-sandi")]) == []
    assert len(inbox.messages) == 1
    assert warnings(caplog) == [
        f"Alert for run {RUN_ID} not sent by e-mail to 127.0.0.1:{port}: the server refused the "
        "login of 'walidata' (535). Fix: check KOTAPINTAR_ALERT_SMTP_USER and "
        "KOTAPINTAR_ALERT_SMTP_PASSWORD."
    ]
    assert "salah-sandi" not in caplog.text


def test_a_server_without_starttls_is_named_with_the_setting_to_change(smtp_server, caplog):
    _, port = smtp_server
    settings = email_settings(port, smtp_security="starttls")
    assert send_alert(alert(), [EmailChannel(settings)]) == []
    assert warnings(caplog) == [
        f"Alert for run {RUN_ID} not sent by e-mail to 127.0.0.1:{port}: the server offers no "
        "STARTTLS (or no login). Fix: set KOTAPINTAR_ALERT_SMTP_SECURITY to ssl or none to match "
        "the server."
    ]


@pytest.mark.parametrize(
    ("fmt", "keys"),
    [
        ("json", {"text", "subject", "job", "run_id", "link", "problems"}),
        ("slack", {"text"}),
        ("googlechat", {"text"}),
        ("telegram", {"chat_id", "text", "disable_web_page_preview"}),
    ],
)
def test_webhook_body_in_each_format(receiver, fmt, keys):
    path = f"/bot{TOKEN}/sendMessage" if fmt == "telegram" else "/services/T0/B0/rahasia"
    channel = WebhookChannel(receiver.url(path), fmt, chat_id="-1001234567890")
    assert send_alert(alert(), [channel]) == ["webhook"]
    [(got_path, body)] = receiver.received
    assert got_path == path
    assert set(body) == keys
    assert body["text"].startswith("[Kota Pintar] nightly_refresh partly failed")
    assert "- dinkes_faskes: rejected: cell B5 holds NIK 3573************" in body["text"]
    assert body["text"].endswith(LINK)
    assert NIK not in json.dumps(body)
    if fmt == "telegram":
        assert body["chat_id"] == "-1001234567890"
    if fmt == "json":
        assert body["run_id"] == RUN_ID and body["link"] == LINK
        assert body["problems"] == [
            {"source": "dinkes_faskes", "reason": "rejected: cell B5 holds NIK 3573************"}
        ]


def test_long_alerts_are_cut_to_fit_every_chat_service():
    many = Alert("s", tuple((f"src_{i}", "x" * 500) for i in range(40)), RUN_ID, LINK)
    text = webhook_payload(many, "telegram", "1")["text"]
    assert len(text) <= 4000
    assert text.endswith(f"… (cut: see the run) {LINK}")


def test_nothing_configured_sends_nothing():
    assert alerts_from_env() == AlertSettings()
    assert channels(alerts_from_env()) == []


def test_channels_from_the_environment(monkeypatch, receiver):
    monkeypatch.setenv("KOTAPINTAR_ALERT_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("KOTAPINTAR_ALERT_TO", "a@example.org, b@example.org")
    monkeypatch.setenv("KOTAPINTAR_ALERT_SMTP_PASSWORD", "rahasia-smtp")
    monkeypatch.setenv("KOTAPINTAR_ALERT_WEBHOOK_URL", receiver.url(f"/bot{TOKEN}/sendMessage"))
    monkeypatch.setenv("KOTAPINTAR_ALERT_WEBHOOK_FORMAT", "Telegram")
    monkeypatch.setenv("KOTAPINTAR_ALERT_TELEGRAM_CHAT_ID", "@walidata_malang")
    monkeypatch.setenv("KOTAPINTAR_UI_URL", "https://dagster.malangkota.go.id/")
    settings = alerts_from_env()
    assert settings.recipients == ("a@example.org", "b@example.org")
    assert settings.port == 587 and settings.webhook_format == "telegram"
    assert settings.run_link("r1") == "https://dagster.malangkota.go.id/runs/r1"
    email, webhook = channels(settings)
    assert (email.password, webhook.chat_id) == ("rahasia-smtp", "@walidata_malang")
    # secrets stay out of every repr
    assert "rahasia" not in repr(settings) + repr(email) + repr(webhook)
    assert TOKEN not in repr(webhook)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"KOTAPINTAR_ALERT_SMTP_SECURITY": "tls"},
            "KOTAPINTAR_ALERT_SMTP_SECURITY='tls' is not one of starttls, ssl, none (default "
            "starttls); fix it in the environment or .env",
        ),
        (
            {"KOTAPINTAR_ALERT_WEBHOOK_FORMAT": "teams"},
            "KOTAPINTAR_ALERT_WEBHOOK_FORMAT='teams' is not one of json, slack, googlechat, "
            "telegram (default json); fix it in the environment or .env",
        ),
        (
            {"KOTAPINTAR_ALERT_SMTP_HOST": "smtp.example"},
            "KOTAPINTAR_ALERT_SMTP_HOST is set but KOTAPINTAR_ALERT_TO is not: e-mail alerts "
            "need both (or neither); set it in the environment or .env",
        ),
        (
            {"KOTAPINTAR_ALERT_TO": "walidata@malangkota.go.id"},
            "KOTAPINTAR_ALERT_TO is set but KOTAPINTAR_ALERT_SMTP_HOST is not: e-mail alerts "
            "need both (or neither); set it in the environment or .env",
        ),
        (
            {"KOTAPINTAR_ALERT_SMTP_HOST": "smtp.example", "KOTAPINTAR_ALERT_TO": "a@x.id; b@x.id"},
            "KOTAPINTAR_ALERT_TO: 'a@x.id; b@x.id' is not an e-mail address; separate "
            "addresses with commas",
        ),
        (
            {"KOTAPINTAR_ALERT_SMTP_PORT": "smtp"},
            "KOTAPINTAR_ALERT_SMTP_PORT='smtp' is not a whole number >= 0 (default ); fix it "
            "in the environment or .env",
        ),
        (
            {"KOTAPINTAR_ALERT_WEBHOOK_URL": f"api.telegram.org/bot{TOKEN}/sendMessage"},
            "KOTAPINTAR_ALERT_WEBHOOK_URL must start with https:// (or http://); its value is "
            "not shown because it holds a token",
        ),
        (
            {
                "KOTAPINTAR_ALERT_WEBHOOK_URL": f"https://api.telegram.org/bot{TOKEN}/sendMessage",
                "KOTAPINTAR_ALERT_WEBHOOK_FORMAT": "telegram",
            },
            "KOTAPINTAR_ALERT_WEBHOOK_FORMAT=telegram needs KOTAPINTAR_ALERT_TELEGRAM_CHAT_ID "
            "(the chat's numeric id, e.g. -1001234567890, or @channelname)",
        ),
    ],
)
def test_bad_alert_settings_fail_with_the_fix(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as error:
        alerts_from_env()
    assert str(error.value) == message


def test_failing_channels_warn_without_the_token_and_do_not_raise(caplog):
    failing = Receiver(statuses=[500, 500, 500])
    closed = free_port()
    try:
        to = [
            WebhookChannel(failing.url(f"/bot{TOKEN}/sendMessage"), "json", backoff=0),
            WebhookChannel(
                f"http://127.0.0.1:{closed}/bot{TOKEN}/sendMessage", retries=1, backoff=0
            ),
            EmailChannel(email_settings(closed)),
        ]
        assert send_alert(alert(), to) == []
        assert len(failing.received) == 3  # two retries
    finally:
        failing.close()
    port = failing.server.server_port
    assert warnings(caplog) == [
        f"Alert for run {RUN_ID} not sent by webhook to http://127.0.0.1:{port}/***: HTTP 500: "
        "no route for ***; tried 3 times. Fix: the service is failing: check its status; the run "
        "page has the details.",
        f"Alert for run {RUN_ID} not sent by webhook to http://127.0.0.1:{closed}/***: cannot "
        "connect ([Errno 111] Connection refused); tried 2 times. Fix: check "
        "KOTAPINTAR_ALERT_WEBHOOK_URL and that its host is reachable from here.",
        f"Alert for run {RUN_ID} not sent by e-mail to 127.0.0.1:{closed}: cannot reach the "
        "server ([Errno 111] Connection refused). Fix: check KOTAPINTAR_ALERT_SMTP_HOST, "
        "_SMTP_PORT and _SMTP_SECURITY, and that the server is reachable from this machine.",
    ]
    assert TOKEN not in caplog.text and "bot123" not in caplog.text


def test_a_refused_webhook_is_not_retried_and_says_what_to_check(caplog):
    refused = Receiver(statuses=[400])
    try:
        channel = WebhookChannel(refused.url(f"/bot{TOKEN}/sendMessage"), "telegram", "1")
        assert send_alert(alert(), [channel]) == []
        assert len(refused.received) == 1
    finally:
        refused.close()
    assert "HTTP 400: no route for ***." in caplog.text
    assert "KOTAPINTAR_ALERT_TELEGRAM_CHAT_ID" in caplog.text
    assert TOKEN not in caplog.text


def test_job_names_are_those_of_the_definitions():
    from pipelines import definitions

    assert (NIGHTLY_JOB, PUBLISH_JOB) == (definitions.NIGHTLY_JOB, definitions.PUBLISH_JOB)


def test_nightly_alert_for_each_kind_of_trouble(tmp_path):
    from pipelines.alert_sensors import nightly_alert
    from pipelines.settings import Settings
    from pipelines.summary import RunSummary, SourceLine

    settings = Settings(warehouse=tmp_path, data_dir=tmp_path, catalog_dir=tmp_path, offline=True)
    ok = SourceLine("dinkes_faskes", "unchanged", 10, 0.1)
    fine = RunSummary(sources=[ok], snapshot="kotapintar.duckdb")
    assert nightly_alert(fine, "r1", settings) is None
    # empty tables are withheld while a catalog is built up: not news every night
    assert (
        nightly_alert(
            dataclasses.replace(fine, withheld={"smart_living": "no rows: x"}), "r1", settings
        )
        is None
    )

    late = dataclasses.replace(fine, late={"dinkes_faskes": "data of 2022, due yearly"})
    alert = nightly_alert(late, "r1", settings)
    assert alert.subject == "[Kota Pintar] nightly_refresh ok, but: 1 late"
    assert alert.problems == (("dinkes_faskes", "late: data of 2022, due yearly"),)
    assert alert.link == "http://127.0.0.1:3000/runs/r1"

    broken = RunSummary(
        sources=[ok],
        snapshot=None,
        failed_steps=["warehouse"],
        failed_checks=["fact_indikator:fact_integrity"],
        step_errors={"warehouse": "DagsterAssetCheckFailedError: 1 blocking check failed"},
        withheld={"smart_people": "personal data found: catatan: 1 × NIK"},
    )
    alert = nightly_alert(broken, "r2", settings, failure="Steps failed: ['warehouse']")
    assert alert.subject == (
        "[Kota Pintar] nightly_refresh failed: 1 step failed, snapshot not published, "
        "1 table withheld"
    )
    assert alert.problems == (
        ("step warehouse", "DagsterAssetCheckFailedError: 1 blocking check failed"),
        ("analyst_snapshot", "NOT published; analysts keep the previous file"),
        ("smart_people", "withheld from the exports: personal data found: catatan: 1 × NIK"),
        ("check fact_indikator:fact_integrity", "failed"),
    )


# ---- the sensors, end to end -------------------------------------------------------------

BROKEN = "diskopindag_umkm"


@pytest.fixture(scope="module")
def nightly_run(tmp_path_factory):
    """A nightly run with one broken source on a persistent test instance, and the cursor a
    run status sensor had before it: (instance, settings, run id, cursor)."""
    from pipelines.definitions import build_definitions
    from tests.test_pipeline import make_settings

    root = tmp_path_factory.mktemp("alerts")
    settings = make_settings(root, ["dinkes_faskes", BROKEN])
    entry_file = settings.catalog_dir / f"{BROKEN}.yaml"
    entry = yaml.safe_load(entry_file.read_text(encoding="utf-8"))
    entry["location"] = "sources/samples/does-not-exist.csv"
    entry_file.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    home = root / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        [success, _] = build_alert_sensors(settings)
        first = success.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert first.skip_message.startswith("Initiating alert_after_success")
        job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        assert result.success  # a broken source does not fail the run
        yield instance, settings, result.run_id, first.cursor


def with_webhook(settings, monkeypatch, url: str):
    monkeypatch.setenv("KOTAPINTAR_ALERT_WEBHOOK_URL", url)
    return dataclasses.replace(settings, alerts=AlertSettings(ui_url="http://ui.example:3000"))


def test_sensor_sends_one_alert_naming_the_broken_source(nightly_run, receiver, monkeypatch):
    instance, settings, run_id, cursor = nightly_run
    settings = with_webhook(settings, monkeypatch, receiver.url("/hook/rahasia"))
    success, failure = build_alert_sensors(settings)
    assert success.default_status == dg.DefaultSensorStatus.RUNNING

    tick = success.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
    [(_, body)] = receiver.received
    assert body["subject"] == ("[Kota Pintar] nightly_refresh partly failed: 1 of 2 sources failed")
    assert body["link"] == f"http://ui.example:3000/runs/{run_id}"
    [problem] = body["problems"]
    assert problem["source"] == BROKEN
    assert problem["reason"].startswith("failed: ")
    assert "sources/samples/does-not-exist.csv): the file does not exist" in problem["reason"]

    # The cursor moved past the run: the next ticks send nothing more.
    again = success.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=tick.cursor))
    success.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=again.cursor))
    # and the failure sensor has no failed run to report
    failure.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert len(receiver.received) == 1


def test_sensor_sends_nothing_and_opens_no_socket_when_nothing_is_configured(
    nightly_run, monkeypatch
):
    instance, settings, _, cursor = nightly_run
    sensors = build_alert_sensors(settings)
    assert {s.default_status for s in sensors} == {dg.DefaultSensorStatus.STOPPED}
    connects = []
    monkeypatch.setattr(socket.socket, "connect", lambda *a: connects.append(a))
    monkeypatch.setattr(alert_channels.requests, "post", lambda *a, **k: connects.append(a))
    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: connects.append(a))
    for sensor in sensors:  # switched on by hand in the UI: still nothing to send through
        sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert connects == []


def test_failed_portal_publication_alerts_naming_the_step_and_reason(
    analyst, tmp_path, receiver, monkeypatch
):
    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings
    from sources.catalog import DEFAULT_CATALOG_DIR

    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", "portal-rahasia")
    closed = free_port()
    settings = Settings(
        warehouse=analyst[1],
        data_dir=tmp_path / "data",
        catalog_dir=DEFAULT_CATALOG_DIR,
        offline=True,
        portal_url=f"http://127.0.0.1:{closed}",
        http=HttpConfig(connect_timeout=0.5, read_timeout=0.5, retries=0, backoff=0.01),
    )
    instance = dg.DagsterInstance.ephemeral()
    job = build_definitions(settings).resolve_job_def(PUBLISH_JOB)
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success

    settings = with_webhook(settings, monkeypatch, receiver.url("/hook"))
    [_, failure] = build_alert_sensors(settings)
    failure(
        dg.build_run_status_sensor_context(
            sensor_name=failure.name,
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        )
    )
    [(_, body)] = receiver.received
    assert body["subject"] == "[Kota Pintar] publish_portal failed: 1 step failed"
    [problem] = body["problems"]
    assert problem["source"] == "step portal_publication"
    assert re.search(rf"127\.0\.0\.1:{closed}", problem["reason"]), problem["reason"]
    assert "portal-rahasia" not in json.dumps(body)


def test_a_dataset_withheld_from_the_portal_is_alerted_without_its_personal_data(
    fake_ckan, analyst, tmp_path, receiver, monkeypatch
):
    import duckdb

    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings
    from sources.catalog import DEFAULT_CATALOG_DIR
    from tests.conftest import ORG

    with duckdb.connect(str(analyst[1])) as con:
        con.execute("UPDATE smart_people SET catatan = 'telp 0812-3456-7890' WHERE true")
    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", fake_ckan.token)
    settings = Settings(
        warehouse=analyst[1],
        data_dir=tmp_path / "data",
        catalog_dir=DEFAULT_CATALOG_DIR,
        offline=True,
        portal_url=fake_ckan.url,
        portal_org=ORG,
    )
    instance = dg.DagsterInstance.ephemeral()
    job = build_definitions(settings).resolve_job_def(PUBLISH_JOB)
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success

    settings = with_webhook(settings, monkeypatch, receiver.url("/hook"))
    [success, _] = build_alert_sensors(settings)
    success(
        dg.build_run_status_sensor_context(
            sensor_name=success.name,
            dagster_event=result.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        )
    )
    [(_, body)] = receiver.received
    assert body["subject"] == "[Kota Pintar] publish_portal blocked: 1 dataset withheld"
    [problem] = body["problems"]
    assert problem["source"] == "kota-malang-smart-people"
    assert problem["reason"].startswith("withheld: personal data found: catatan: 8 × nomor")
    assert "3456-7890" not in json.dumps(body)


def test_a_service_answer_quoting_the_token_is_scrubbed():
    channel = WebhookChannel(f"https://api.telegram.org/bot{TOKEN}/sendMessage", "telegram")
    answer = f'{{"ok":false,"description":"Unauthorized: bot{TOKEN} was revoked"}}'
    assert channel._scrub(answer) == '{"ok":false,"description":"Unauthorized: *** was revoked"}'
    assert channel.where == "https://api.telegram.org/***"
