"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port), and the connection that names it."""

from __future__ import annotations

import email
import email.policy
import json
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest


@dataclass
class Mailbox:
    """What the server received; addresses containing "refuse" are refused at RCPT."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "refuse" in address:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def parsed(self, index: int = -1) -> EmailMessage:
        return email.message_from_bytes(self.messages[index][1], policy=email.policy.default)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def set_connection(monkeypatch: pytest.MonkeyPatch, port: int, **fields) -> None:
    conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
            "extra": {"from_email": "dxstats@example.vn", "starttls": False, "timeout": 10}, **fields}
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_REPORT", json.dumps(conn))
