"""Alerts: what went wrong in a run, said once, in words the walidata on call can act on.

An `Alert` names the sources (or datasets, steps) with their reasons and links to the run in the
Dagster UI. It renders to a plain-text e-mail body and to a webhook payload in one of four
shapes: `json` (text plus structured fields, for n8n, Zapier or an own receiver), `slack` and
`googlechat` (`{"text": ...}`, the body both incoming webhooks accept; Google Chat refuses unknown
fields, hence no extras) and `telegram` (the Bot API's sendMessage: `chat_id` + `text`).

Reasons may quote agency cells, so an Alert masks NIKs, KK numbers, phone numbers and e-mail
addresses as it is made: no rendering of it can carry them. Sending: pipelines/alert_channels.py;
deciding when: pipelines/alert_sensors.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quality.pii import mask_text

FORMATS = ("json", "slack", "googlechat", "telegram")
SECURITY = ("starttls", "ssl", "none")
PORTS = {"starttls": 587, "ssl": 465, "none": 25}
MAX_REASON = 400  # characters of one reason; the run page has the rest
MAX_LISTED = 25  # problems listed in the text
MAX_TEXT = 4000  # Telegram refuses messages over 4096 characters


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go (the alert variables of pipelines/settings.py). The SMTP password and the
    webhook URL (Slack and Telegram URLs carry a token) are not fields: they stay in the
    environment (`pipelines.settings.alert_webhook_url`, `alert_smtp_password`)."""

    smtp_host: str = ""
    smtp_port: int = 0  # 0: the usual port of the security (587, 465, 25)
    smtp_security: str = "starttls"
    smtp_user: str = ""
    sender: str = "kotapintar@localhost"
    recipients: tuple[str, ...] = ()
    webhook_format: str = "json"
    telegram_chat_id: str = ""
    ui_url: str = "http://127.0.0.1:3000"

    @property
    def email(self) -> bool:
        """Whether e-mail is configured (a server and at least one recipient)."""
        return bool(self.smtp_host and self.recipients)

    @property
    def port(self) -> int:
        return self.smtp_port or PORTS[self.smtp_security]

    def run_link(self, run_id: str) -> str:
        """The run's page in the Dagster UI."""
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"


@dataclass(frozen=True)
class Alert:
    """One message about one run: `problems` are (source id or what, reason) pairs."""

    subject: str
    problems: tuple[tuple[str, str], ...]
    run_id: str
    link: str
    job: str = ""

    def __post_init__(self) -> None:
        # Masked once, here: every channel and format renders from these fields only.
        object.__setattr__(self, "subject", _clean(self.subject))
        object.__setattr__(
            self, "problems", tuple((_clean(what), _clean(why)) for what, why in self.problems)
        )


def _clean(text: str) -> str:
    text = mask_text(re.sub(r"\s+", " ", str(text)).strip())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def render_text(alert: Alert) -> str:
    """The e-mail body: one line per problem, then the link to the run."""
    lines = [f"- {what}: {why}" for what, why in alert.problems[:MAX_LISTED]]
    if len(alert.problems) > MAX_LISTED:
        lines.append(f"- … and {len(alert.problems) - MAX_LISTED} more: see the run")
    lines += ["", f"Run {alert.run_id} ({alert.job}): {alert.link}"]
    return "\n".join(lines)


def webhook_text(alert: Alert) -> str:
    """Subject, problems and link in one message, cut to fit every chat service."""
    text = f"{alert.subject}\n\n{render_text(alert)}"
    if len(text) <= MAX_TEXT:
        return text
    tail = f"\n… (cut: see the run) {alert.link}"
    return text[: MAX_TEXT - len(tail)] + tail


def webhook_payload(alert: Alert, fmt: str = "json", chat_id: str = "") -> dict:
    """The JSON body for KOTAPINTAR_ALERT_WEBHOOK_FORMAT `fmt`."""
    text = webhook_text(alert)
    if fmt in ("slack", "googlechat"):
        return {"text": text}
    if fmt == "telegram":
        return {"chat_id": chat_id, "text": text, "disable_web_page_preview": True}
    if fmt != "json":
        raise ValueError(f"unknown webhook format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return {
        "text": text,
        "subject": alert.subject,
        "job": alert.job,
        "run_id": alert.run_id,
        "link": alert.link,
        "problems": [{"source": what, "reason": why} for what, why in alert.problems],
    }
