"""Settings from the environment, all with the KOTAPINTAR_ prefix and offline-ready defaults.

Every variable here is listed in the README and in .env.example (a test checks both)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.alerts import FORMATS, SECURITY, AlertSettings
from sources.catalog import DEFAULT_CATALOG_DIR, REPO_ROOT
from sources.http import HttpConfig
from warehouse import db as work_db
from warehouse.db import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS

# name -> (default, description); the README table and .env.example are checked against this.
VARIABLES: dict[str, tuple[str, str]] = {
    "KOTAPINTAR_WAREHOUSE": (
        "warehouse/kotapintar.duckdb",
        "the analyst DuckDB file, replaced atomically after each successful build",
    ),
    "KOTAPINTAR_DATA_DIR": (
        "data",
        "pipeline state: landing files and the work database (work.duckdb)",
    ),
    "KOTAPINTAR_CATALOG": ("sources/catalog", "the folder of catalog entries (*.yaml)"),
    "KOTAPINTAR_OFFLINE": (
        "1",
        "1: never touch the network (portal feeds replay their recordings); 0: fetch live",
    ),
    "KOTAPINTAR_DEBUG": ("", "1: show full tracebacks from the kotapintar command"),
    "KOTAPINTAR_KOREKSI_DIR": (
        "data/koreksi",
        "correction workbooks, one xlsx per agency with open findings "
        "(default: koreksi/ in KOTAPINTAR_DATA_DIR)",
    ),
    "KOTAPINTAR_DATA_DOCS": (
        "data/datadocs",
        "Great Expectations Data Docs, one HTML page per failed validation and an index "
        "(default: datadocs/ in KOTAPINTAR_DATA_DIR); `off` to skip them",
    ),
    "KOTAPINTAR_DATA_DOCS_URL": (
        "http://127.0.0.1:3001",
        "where the Data Docs folder is served over HTTP (`kotapintar datadocs`, started by "
        "`make ui`); the Dagster UI links each validation's page under it",
    ),
    "KOTAPINTAR_EXPORT_DIR": (
        "data/exports",
        "open exports of the nightly job: CSV + Parquet per dimension and datapackage.json, "
        "the folder replaced whole (default: exports/ in KOTAPINTAR_DATA_DIR)",
    ),
    "KOTAPINTAR_PORTAL_URL": ("", "base URL of the CKAN portal; unset: nothing is published"),
    "KOTAPINTAR_PORTAL_TOKEN": (
        "",
        "CKAN API token of an editor of the organization (secret: environment only, never logged)",
    ),
    "KOTAPINTAR_PORTAL_ORG": (
        "kominfo-kota-malang",
        "the CKAN organization of the walidata that owns the published datasets",
    ),
    "KOTAPINTAR_PORTAL_REHEARSAL_PREFIX": (
        "uji-",
        "name prefix of the private datasets written by `kotapintar publish --rehearsal`",
    ),
    # Portal metadata (portal/metadata.py): how the public reaches the walidata, and where each
    # dataset's landing page is. Unset contact fields are left out, never invented.
    "KOTAPINTAR_PORTAL_CONTACT_EMAIL": (
        "",
        "the walidata's public contact address on every dataset (DCAT contact point, "
        "`contact_email` and `maintainer_email`); unset: no e-mail is published",
    ),
    "KOTAPINTAR_PORTAL_PUBLISHER_URL": (
        "",
        "the publisher's web site (DCAT `publisher_url`, e.g. the walidata's home page); "
        "unset: left out",
    ),
    "KOTAPINTAR_PORTAL_LANDING_URL": (
        "",
        "base of each dataset's public landing page, `{base}/{dataset name}`: the dataset's "
        "`url` and `identifier` (default: KOTAPINTAR_PORTAL_URL/dataset; set it when the "
        "publisher reaches the portal by an internal address)",
    ),
    # Acquisition: the one HTTP client (sources/http.py) and portal feeds (sources/feeds.py).
    "KOTAPINTAR_HTTP_TIMEOUT": (
        "60",
        "seconds to wait for an answer from an agency server or portal (connecting: at most 10)",
    ),
    "KOTAPINTAR_HTTP_RETRIES": (
        "4",
        "retries after a connection error, timeout, 429 or 5xx (exponential backoff, jitter)",
    ),
    "KOTAPINTAR_HTTP_BACKOFF": (
        "1",
        "first backoff in seconds, doubled per retry; a server's Retry-After wins",
    ),
    "KOTAPINTAR_FETCH_DEADLINE": (
        "300",
        "seconds one source's fetch may take in all (retries and waits included), on top of "
        "the read timeout; a slower download fails naming the URL and the bytes received; "
        "0: no deadline",
    ),
    "KOTAPINTAR_MAX_DOWNLOAD_MB": (
        "200",
        "largest file accepted from a source; a larger one is refused (outcome rejected)",
    ),
    "KOTAPINTAR_CONTACT": (
        "walidata Kota Malang (Diskominfo)",
        "the contact named in the User-Agent, so agency admins know whom to call",
    ),
    "KOTAPINTAR_FEED_TOKEN": (
        "",
        "CKAN API token for private source feeds (secret: environment only, sent only to the "
        "feed's own portal in the Authorization header, never logged)",
    ),
    "KOTAPINTAR_BPS_KEY": (
        "",
        "key of a BPS WebAPI application for `bps_webapi` sources (secret: environment only, "
        "masked in every URL written and never logged; unset: such sources replay their "
        "recording offline and fail live, naming this variable)",
    ),
    # The work database (warehouse/db.py reads these on every connection).
    "KOTAPINTAR_DUCKDB_MEMORY": (
        DEFAULT_MEMORY_LIMIT,
        "memory limit of each work-database connection (e.g. 512MB, 2GB); beyond it DuckDB "
        "spills sorts and joins to duckdb_tmp/ in KOTAPINTAR_DATA_DIR; unset, 192MB or 1.5x "
        "the database file, whichever is more, at most 1GB",
    ),
    "KOTAPINTAR_DUCKDB_THREADS": (
        str(DEFAULT_THREADS),
        "threads of each work-database connection (default: the cores, at most 4); each "
        "thread keeps its own sort and hash buffers",
    ),
    # Alerts (pipelines/alerts.py): a message on a failed or partly failed night, a blocked
    # publication or a late source. Nothing configured: nothing is sent.
    "KOTAPINTAR_ALERT_SMTP_HOST": ("", "SMTP server for alert e-mails; unset: no e-mail"),
    "KOTAPINTAR_ALERT_SMTP_PORT": (
        "",
        "its port (default: 587 for starttls, 465 for ssl, 25 for none)",
    ),
    "KOTAPINTAR_ALERT_SMTP_SECURITY": (
        "starttls",
        "starttls (upgrade the connection), ssl (TLS from the start) or none (plain, for a "
        "relay on the local network)",
    ),
    "KOTAPINTAR_ALERT_SMTP_USER": ("", "SMTP login; unset: no login"),
    "KOTAPINTAR_ALERT_SMTP_PASSWORD": (
        "",
        "SMTP password (secret: environment only, never logged)",
    ),
    "KOTAPINTAR_ALERT_FROM": ("kotapintar@localhost", "sender address of alert e-mails"),
    "KOTAPINTAR_ALERT_TO": ("", "recipients of alert e-mails, comma-separated"),
    "KOTAPINTAR_ALERT_WEBHOOK_URL": (
        "",
        "webhook for alerts (Slack or Google Chat incoming webhook, Telegram sendMessage, any "
        "JSON receiver); secret: it carries a token, never logged; unset: no webhook",
    ),
    "KOTAPINTAR_ALERT_WEBHOOK_FORMAT": (
        "json",
        "body of the webhook: json (text plus structured fields), slack, googlechat or telegram",
    ),
    "KOTAPINTAR_ALERT_TELEGRAM_CHAT_ID": (
        "",
        "the Telegram chat to post to (numeric id or @channel), for the telegram format",
    ),
    "KOTAPINTAR_UI_URL": (
        "http://127.0.0.1:3000",
        "base URL of the Dagster UI, for the run link in alerts ({base}/runs/{run_id})",
    ),
}


def _path(name: str) -> Path:
    raw = os.environ.get(name) or VARIABLES[name][0]
    path = Path(raw).expanduser()
    # Defaults are relative to the repository; an explicit value is relative to where you run.
    base = REPO_ROOT if name not in os.environ else Path.cwd()
    return path if path.is_absolute() else (base / path).resolve()


OFF = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    data_dir: Path
    catalog_dir: Path
    offline: bool
    # None: a folder in data_dir (koreksi/, datadocs/), so a test's data_dir keeps them too.
    koreksi_dir: Path | None = None
    data_docs_dir: Path | None = None
    data_docs: bool = True
    data_docs_url: str = VARIABLES["KOTAPINTAR_DATA_DOCS_URL"][0]
    # Publication. The portal token is deliberately not a field: it stays in the environment
    # (`portal_token()`, or dg.EnvVar in the Dagster resource) so no repr can show it.
    export_dir: Path | None = None
    portal_url: str = ""
    portal_org: str = VARIABLES["KOTAPINTAR_PORTAL_ORG"][0]
    rehearsal_prefix: str = VARIABLES["KOTAPINTAR_PORTAL_REHEARSAL_PREFIX"][0]
    portal_contact_email: str = ""
    portal_publisher_url: str = ""
    portal_landing_url: str = ""
    # Acquisition: timeouts, retries, size cap, User-Agent contact. The feed token, like the
    # portal token, stays in the environment (dg.EnvVar in the resource).
    http: HttpConfig = field(default_factory=HttpConfig)
    # The work database's limits, checked here so a typo fails before the run starts.
    duckdb_memory: str = DEFAULT_MEMORY_LIMIT
    duckdb_threads: int = DEFAULT_THREADS
    # Alerts: channels and the UI link; the SMTP password and the webhook URL stay in the
    # environment (alert_smtp_password(), alert_webhook_url()).
    alerts: AlertSettings = field(default_factory=AlertSettings)

    @property
    def export_path(self) -> Path:
        """Where the nightly job writes the open exports (KOTAPINTAR_EXPORT_DIR)."""
        return self.export_dir or self.data_dir / "exports"

    @property
    def koreksi_path(self) -> Path:
        """Where the correction workbooks go (KOTAPINTAR_KOREKSI_DIR)."""
        return self.koreksi_dir or self.data_dir / "koreksi"

    @property
    def data_docs_path(self) -> Path | None:
        """Where GX Data Docs go (KOTAPINTAR_DATA_DOCS), None when switched off."""
        return (self.data_docs_dir or self.data_dir / "datadocs") if self.data_docs else None

    @classmethod
    def from_env(cls) -> Settings:
        offline = os.environ.get("KOTAPINTAR_OFFLINE", "1").strip().lower()
        docs = os.environ.get("KOTAPINTAR_DATA_DOCS", "").strip()
        return cls(
            koreksi_dir=_path("KOTAPINTAR_KOREKSI_DIR")
            if os.environ.get("KOTAPINTAR_KOREKSI_DIR")
            else None,
            data_docs_dir=_path("KOTAPINTAR_DATA_DOCS")
            if docs and docs.lower() not in OFF
            else None,
            data_docs=docs.lower() not in OFF,
            data_docs_url=data_docs_url_from_env(),
            warehouse=_path("KOTAPINTAR_WAREHOUSE"),
            data_dir=_path("KOTAPINTAR_DATA_DIR"),
            catalog_dir=_path("KOTAPINTAR_CATALOG")
            if os.environ.get("KOTAPINTAR_CATALOG")
            else DEFAULT_CATALOG_DIR,
            offline=offline not in OFF,
            export_dir=_path("KOTAPINTAR_EXPORT_DIR")
            if os.environ.get("KOTAPINTAR_EXPORT_DIR")
            else None,
            portal_url=os.environ.get("KOTAPINTAR_PORTAL_URL", "").strip(),
            portal_org=_text("KOTAPINTAR_PORTAL_ORG"),
            rehearsal_prefix=_text("KOTAPINTAR_PORTAL_REHEARSAL_PREFIX"),
            portal_contact_email=contact_email_from_env(),
            portal_publisher_url=_optional_url("KOTAPINTAR_PORTAL_PUBLISHER_URL"),
            portal_landing_url=_optional_url("KOTAPINTAR_PORTAL_LANDING_URL"),
            http=http_from_env(),
            duckdb_memory=work_db.memory_limit(),
            duckdb_threads=work_db.threads(),
            alerts=alerts_from_env(),
        )


def _text(name: str) -> str:
    return os.environ.get(name, "").strip() or VARIABLES[name][0]


def data_docs_url_from_env() -> str:
    """KOTAPINTAR_DATA_DOCS_URL without its trailing slash; an http(s) URL or an error."""
    name = "KOTAPINTAR_DATA_DOCS_URL"
    url = _text(name).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{name}={url!r} is not an http(s) URL (default {VARIABLES[name][0]}): set it to "
            "where `kotapintar datadocs` serves the Data Docs folder, in the environment or .env"
        )
    return url


def contact_email_from_env() -> str:
    """KOTAPINTAR_PORTAL_CONTACT_EMAIL: one e-mail address, or "" when unset."""
    name = "KOTAPINTAR_PORTAL_CONTACT_EMAIL"
    address = os.environ.get(name, "").strip()
    if address and not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+", address):
        raise ValueError(
            f"{name}={address!r} is not an e-mail address (expected one address such as "
            "walidata@malangkota.go.id); set the walidata's public contact address in the "
            "environment or .env, or leave it unset to publish none"
        )
    return address


def _optional_url(name: str) -> str:
    """An http(s) URL without its trailing slash, or "" when unset."""
    url = os.environ.get(name, "").strip().rstrip("/")
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ValueError(
            f"{name}={url!r} is not an http(s) URL (expected e.g. https://data.malangkota.go.id); "
            "fix it in the environment or .env, or leave it unset"
        )
    return url


def portal_token() -> str:
    """The portal API token from the environment ("" when unset). Hand it straight to the
    publisher; never print, log or store it."""
    return os.environ.get("KOTAPINTAR_PORTAL_TOKEN", "").strip()


def http_from_env() -> HttpConfig:
    """The HTTP client settings: timeout, retries, backoff, deadline, download cap, contact."""
    timeout = _number("KOTAPINTAR_HTTP_TIMEOUT", float)
    return HttpConfig(
        connect_timeout=min(10.0, timeout),
        read_timeout=timeout,
        retries=int(_number("KOTAPINTAR_HTTP_RETRIES", int)),
        backoff=_number("KOTAPINTAR_HTTP_BACKOFF", float),
        deadline=_number("KOTAPINTAR_FETCH_DEADLINE", float),
        max_bytes=int(_number("KOTAPINTAR_MAX_DOWNLOAD_MB", float) * 1024 * 1024),
        contact=_text("KOTAPINTAR_CONTACT"),
    )


def _number(name: str, kind: type) -> float:
    raw = os.environ.get(name, "").strip() or VARIABLES[name][0]
    try:
        value = kind(raw)
    except ValueError:
        value = -1
    if value < 0:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(
            f"{name}={raw!r} is not {what} >= 0 (default {VARIABLES[name][0]}); fix it in the "
            "environment or .env"
        )
    return value


def alert_webhook_url() -> str:
    """The alert webhook URL ("" when unset). It holds a token: never print, log or store it."""
    return os.environ.get("KOTAPINTAR_ALERT_WEBHOOK_URL", "").strip()


def alert_smtp_password() -> str:
    """The SMTP password for alerts ("" when unset); never print, log or store it."""
    return os.environ.get("KOTAPINTAR_ALERT_SMTP_PASSWORD", "").strip()


def alerts_from_env() -> AlertSettings:
    """The alert channels, checked now so a typo fails before a night goes unreported."""
    security = _choice("KOTAPINTAR_ALERT_SMTP_SECURITY", SECURITY)
    fmt = _choice("KOTAPINTAR_ALERT_WEBHOOK_FORMAT", FORMATS)
    host = os.environ.get("KOTAPINTAR_ALERT_SMTP_HOST", "").strip()
    recipients = tuple(
        r.strip() for r in os.environ.get("KOTAPINTAR_ALERT_TO", "").split(",") if r.strip()
    )
    if bool(host) != bool(recipients):
        have, missing = (
            ("KOTAPINTAR_ALERT_SMTP_HOST", "KOTAPINTAR_ALERT_TO")
            if host
            else ("KOTAPINTAR_ALERT_TO", "KOTAPINTAR_ALERT_SMTP_HOST")
        )
        raise ValueError(
            f"{have} is set but {missing} is not: e-mail alerts need both (or neither); "
            "set it in the environment or .env"
        )
    for address in recipients:
        if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+", address):
            raise ValueError(
                f"KOTAPINTAR_ALERT_TO: {address!r} is not an e-mail address; separate "
                "addresses with commas"
            )
    url = alert_webhook_url()
    if url and not url.lower().startswith(("https://", "http://")):
        raise ValueError(
            "KOTAPINTAR_ALERT_WEBHOOK_URL must start with https:// (or http://); its value is "
            "not shown because it holds a token"
        )
    chat_id = os.environ.get("KOTAPINTAR_ALERT_TELEGRAM_CHAT_ID", "").strip()
    if url and fmt == "telegram" and not chat_id:
        raise ValueError(
            "KOTAPINTAR_ALERT_WEBHOOK_FORMAT=telegram needs KOTAPINTAR_ALERT_TELEGRAM_CHAT_ID "
            "(the chat's numeric id, e.g. -1001234567890, or @channelname)"
        )
    return AlertSettings(
        smtp_host=host,
        smtp_port=int(_number("KOTAPINTAR_ALERT_SMTP_PORT", int))
        if os.environ.get("KOTAPINTAR_ALERT_SMTP_PORT", "").strip()
        else 0,
        smtp_security=security,
        smtp_user=os.environ.get("KOTAPINTAR_ALERT_SMTP_USER", "").strip(),
        sender=_text("KOTAPINTAR_ALERT_FROM"),
        recipients=recipients,
        webhook_format=fmt,
        telegram_chat_id=chat_id,
        ui_url=_text("KOTAPINTAR_UI_URL").rstrip("/"),
    )


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    raw = os.environ.get(name, "").strip().lower() or VARIABLES[name][0]
    if raw not in allowed:
        raise ValueError(
            f"{name}={raw!r} is not one of {', '.join(allowed)} (default {VARIABLES[name][0]}); "
            "fix it in the environment or .env"
        )
    return raw
