"""Sending an alert: e-mail over SMTP (standard library) and one webhook (requests).

An alert that cannot be sent never fails the pipeline or the sensor: `send_alert` logs one
warning per channel naming the channel, where it tried, why it failed and which setting to fix.
The webhook URL is a secret (Slack and Telegram URLs carry a token): warnings show only its
scheme and host, and the server's answer is scrubbed of the URL before it is quoted.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

import requests

from pipelines.alerts import Alert, AlertSettings, render_text, webhook_payload

log = logging.getLogger("kotapintar.alerts")
RETRY_STATUS = {429, 500, 502, 503, 504}


class NotSent(Exception):
    """A channel could not deliver: `str()` is safe to log and `fix` says what to change."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.fix = fix


class Channel(Protocol):
    name: ClassVar[str]

    @property
    def where(self) -> str: ...

    def send(self, alert: Alert) -> None: ...


@dataclass(frozen=True)
class EmailChannel:
    """E-mail over SMTP: STARTTLS, implicit TLS (`ssl`) or plain, with an optional login."""

    name: ClassVar[str] = "e-mail"
    settings: AlertSettings
    password: str = field(default="", repr=False)
    timeout: float = 15.0  # with the webhook's tries, well inside a sensor tick's 60 s

    @property
    def where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.port}"

    def message(self, alert: Alert) -> EmailMessage:
        s = self.settings
        msg = EmailMessage()
        msg["Subject"] = alert.subject
        msg["From"] = s.sender
        msg["To"] = ", ".join(s.recipients)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        msg.set_content(render_text(alert))
        return msg

    def send(self, alert: Alert) -> None:
        s = self.settings
        try:
            if s.smtp_security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    s.smtp_host, s.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.port, timeout=self.timeout)
            with smtp:
                if s.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, self.password)
                smtp.send_message(self.message(alert))
        except smtplib.SMTPAuthenticationError as exc:
            raise NotSent(
                f"the server refused the login of {s.smtp_user!r} ({exc.smtp_code})",
                "check KOTAPINTAR_ALERT_SMTP_USER and KOTAPINTAR_ALERT_SMTP_PASSWORD",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise NotSent(
                "the server offers no STARTTLS (or no login)",
                "set KOTAPINTAR_ALERT_SMTP_SECURITY to ssl or none to match the server",
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotSent(
                f"the server refused the recipients {', '.join(exc.recipients)}",
                "check KOTAPINTAR_ALERT_TO",
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise NotSent(
                f"the server refused the sender {exc.sender!r} ({exc.smtp_code})",
                "check KOTAPINTAR_ALERT_FROM",
            ) from None
        except smtplib.SMTPException as exc:
            raise NotSent(
                f"the server answered: {_short(exc)}",
                "check KOTAPINTAR_ALERT_SMTP_HOST, _SMTP_PORT and _SMTP_SECURITY",
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise NotSent(
                f"cannot reach the server ({_short(exc)})",
                "check KOTAPINTAR_ALERT_SMTP_HOST, _SMTP_PORT and _SMTP_SECURITY, and that the "
                "server is reachable from this machine",
            ) from None


@dataclass(frozen=True)
class WebhookChannel:
    """One POST of the alert's JSON; connection errors, timeouts, 429 and 5xx are retried."""

    name: ClassVar[str] = "webhook"
    url: str = field(repr=False)
    format: str = "json"
    chat_id: str = ""
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 1.0  # seconds, doubled per retry; a Retry-After up to 30 s wins

    @property
    def where(self) -> str:
        return mask_url(self.url)

    def send(self, alert: Alert) -> None:
        payload = webhook_payload(alert, self.format, self.chat_id)
        tries = self.retries + 1
        for attempt in range(tries):
            wait = self.backoff * 2**attempt
            try:
                response = requests.post(
                    self.url, json=payload, timeout=(min(5.0, self.timeout), self.timeout)
                )
            except requests.Timeout:
                reason, fix = f"no answer within {self.timeout:g} s", _UNREACHABLE
            except requests.RequestException as exc:
                reason, fix = f"cannot connect ({_errno(exc)})", _UNREACHABLE
            else:
                if response.ok:
                    return
                reason = f"HTTP {response.status_code}: {self._scrub(response.text)}"
                if response.status_code not in RETRY_STATUS:
                    raise NotSent(reason, _REFUSED)
                fix, wait = _FAILING, _retry_after(response, wait)
            if attempt < tries - 1:
                time.sleep(wait)
        raise NotSent(f"{reason}; tried {tries} time{'s' * (tries > 1)}", fix)

    def _scrub(self, text: str) -> str:
        """The server's answer without the URL or any long piece of its path or query (a
        Telegram error may quote the bot token alone)."""
        parts = urlsplit(self.url)
        pieces = [
            self.url,
            parts.path,
            parts.query,
            *re.split(r"[/?&=]", parts.path + "/" + parts.query),
        ]
        for secret in sorted({p for p in pieces if len(p) >= 8}, key=len, reverse=True):
            text = text.replace(secret, "***")
        return _short(text)


_UNREACHABLE = "check KOTAPINTAR_ALERT_WEBHOOK_URL and that its host is reachable from here"
_REFUSED = (
    "the service refused the message: check KOTAPINTAR_ALERT_WEBHOOK_URL (a revoked token?), "
    "KOTAPINTAR_ALERT_WEBHOOK_FORMAT and, for Telegram, KOTAPINTAR_ALERT_TELEGRAM_CHAT_ID"
)
_FAILING = "the service is failing: check its status; the run page has the details"


def mask_url(url: str) -> str:
    """Scheme and host only: a webhook's path and query are its secret."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme or '?'}://{host}{port}/***"


def channels(
    settings: AlertSettings, *, webhook_url: str | None = None, smtp_password: str | None = None
) -> list[Channel]:
    """The configured channels; the secrets come from the environment unless given."""
    from pipelines.settings import alert_smtp_password, alert_webhook_url

    found: list[Channel] = []
    if settings.email:
        password = alert_smtp_password() if smtp_password is None else smtp_password
        found.append(EmailChannel(settings, password))
    url = alert_webhook_url() if webhook_url is None else webhook_url
    if url:
        found.append(WebhookChannel(url, settings.webhook_format, settings.telegram_chat_id))
    return found


def send_alert(alert: Alert, to: list[Channel], logger=None) -> list[str]:
    """Send `alert` through every channel; the names of those that delivered. Never raises."""
    logger = logger or log
    sent = []
    for channel in to:
        try:
            channel.send(alert)
        except NotSent as exc:
            logger.warning(
                f"Alert for run {alert.run_id} not sent by {channel.name} to {channel.where}: "
                f"{exc}. Fix: {exc.fix}."
            )
        except Exception as exc:  # an alert must never break the sensor that sends it
            logger.warning(
                f"Alert for run {alert.run_id} not sent by {channel.name} to {channel.where}: "
                f"unexpected {type(exc).__name__}. Fix: check the alert settings (.env)."
            )
        else:
            sent.append(channel.name)
    return sent


def _retry_after(response: requests.Response, default: float) -> float:
    value = response.headers.get("Retry-After", "")
    return min(float(value), 30.0) if value.isdigit() else default


def _errno(exc: BaseException) -> str:
    # requests' messages quote the request path (the token); keep only the OS's own words.
    found = re.search(r"\[Errno -?\d+\] [^'\")\]]+", str(exc))
    return found.group(0).strip() if found else type(exc).__name__


def _short(exc: object) -> str:
    text = re.sub(r"\s+", " ", str(exc)).strip()
    return text if len(text) <= 200 else text[:199] + "…"
