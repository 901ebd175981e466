"""E-mail through an SMTP server named by an Airflow connection: the report's delivery and the alerts.

The connection gives host, port, login and password, and extra ``from_email``, ``starttls``, ``ssl`` and
``timeout``. ``BaseHook.get_connection`` resolves ``AIRFLOW_CONN_<ID>`` environment variables and secrets
backends inside and outside a running task. The password is never logged nor put in an error message.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

log = logging.getLogger("dxstats.mail")

DEFAULT_TIMEOUT = 30.0
#: suffix -> (maintype, subtype, extra Content-Type parameters); anything else goes as octet-stream
MIME_TYPES: dict[str, tuple[str, str, dict[str, str]]] = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet", {}),
    ".pdf": ("application", "pdf", {}),
    ".csv": ("text", "csv", {"charset": "utf-8"}),
}
_ADDRESS = re.compile(r"^[^@\s,;<>\"()\[\]]+@[^@\s,;<>\"()\[\]]+\.[^@\s,;<>\"()\[\].]+$")


class MailError(RuntimeError):
    """The message could not be sent; the text names the server and what to check, never the password."""


def recipients_from_env(variable: str) -> list[str]:
    """The comma-separated addresses in ``variable``, validated now so that a typo fails before any
    e-mail goes out (a half-sent report is worse than none)."""
    return validate_recipients(os.environ.get(variable, "").split(","), source=variable)


def validate_recipients(addresses: Sequence[str], *, source: str = "recipients") -> list[str]:
    """Stripped, de-duplicated (case-insensitively, first spelling kept) plain ``user@domain`` addresses."""
    cleaned = [a.strip() for a in addresses]
    if not any(cleaned):
        raise ValueError(f"{source} is empty: give the report's recipients as comma-separated e-mail addresses")
    result: list[str] = []
    for position, address in enumerate(cleaned, 1):
        if not address:
            raise ValueError(f"{source}: address {position} is empty (a doubled or trailing comma?)")
        if not _ADDRESS.match(address):
            raise ValueError(f"{source}: {address!r} (address {position}) is not an e-mail address like "
                             "name@example.vn")
        if address.lower() not in {r.lower() for r in result}:
            result.append(address)
    return result


@dataclass(frozen=True)
class SmtpSettings:
    """What sending needs from the Airflow connection; ``repr`` never shows the password."""

    conn_id: str
    host: str
    port: int
    login: str | None
    password: str | None = field(repr=False)
    from_email: str
    starttls: bool
    ssl: bool
    timeout: float

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def smtp_settings(conn_id: str) -> SmtpSettings:
    """Read the SMTP connection. ``BaseHook.get_connection`` resolves ``AIRFLOW_CONN_<ID>`` environment
    variables and secrets backends inside and outside a running task (checked by the tests)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    extra: dict[str, Any] = conn.extra_dejson
    if not conn.host:
        raise MailError(f"Airflow connection {conn_id!r} has no host")
    use_ssl, starttls = _flag(extra.get("ssl"), False), _flag(extra.get("starttls"), False)
    from_email = str(extra.get("from_email") or conn.login or "")
    if not _ADDRESS.match(from_email):
        raise MailError(f"Airflow connection {conn_id!r}: set extra 'from_email' to the sender's address "
                            f"(got {from_email!r})")
    return SmtpSettings(
        conn_id=conn_id, host=conn.host, port=int(conn.port or (465 if use_ssl else 587 if starttls else 25)),
        login=conn.login or None, password=conn.password or None, from_email=from_email,
        starttls=starttls, ssl=use_ssl, timeout=float(extra.get("timeout") or DEFAULT_TIMEOUT),
    )


def _flag(value: Any, default: bool) -> bool:
    """A boolean extra, which a connection URI delivers as text ("true", "0"...)."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def compose(settings: SmtpSettings, to: list[str], subject: str, body: str,
            attachments: dict[str, bytes] | None = None) -> EmailMessage:
    """A plain-text message with the files attached, each with its MIME type."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.from_email
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.from_email.rpartition("@")[2])
    message.set_content(body)
    for name, data in (attachments or {}).items():
        maintype, subtype, params = MIME_TYPES.get(Path(name).suffix.lower(), ("application", "octet-stream", {}))
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name, params=params)
    return message


def transmit(settings: SmtpSettings, message: EmailMessage, to: list[str], what: str) -> dict[str, str]:
    """Hand the message to the server; returns the refused recipients (address -> reply). Any failure is a
    :class:`DeliveryError` naming the server and what to check, with the password scrubbed."""
    log.info("sending the %s to %d recipients through %s as %s", what, len(to), settings.address,
             settings.login or "(no login)")
    try:
        with _connect(settings) as smtp:
            refused = smtp.send_message(message, from_addr=settings.from_email, to_addrs=to)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(_failure(settings, len(to), what, exc)) from None
    return {address: f"{code} {reply.decode(errors='replace')}" for address, (code, reply) in refused.items()}


@contextmanager
def _connect(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    context = ssl.create_default_context()
    if settings.ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                              context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.starttls:
            smtp.starttls(context=context)
        if settings.login:
            smtp.login(settings.login, settings.password or "")
        yield smtp


def _failure(settings: SmtpSettings, count: int, what: str, exc: BaseException) -> str:
    detail = f"{type(exc).__name__}: {exc}"
    if settings.password:
        detail = detail.replace(settings.password, "***")
    return (f"could not e-mail the {what} to {count} recipient(s) through SMTP server "
            f"{settings.address} ({detail}); check the Airflow connection {settings.conn_id!r}: host and port, "
            "login and password, extra 'ssl'/'starttls'/'from_email', and that the server is reachable")
