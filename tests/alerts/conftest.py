"""A real SMTP server (aiosmtpd) on 127.0.0.1 that the app sends to, a closed port, and alert factories."""
from __future__ import annotations

import email
import socket
import threading
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from katapp.extensions import db, mail


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What arrived at the SMTP server: (envelope recipients, parsed message) pairs."""

    def __init__(self):
        self._lock = threading.Lock()
        self.received: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        with self._lock:
            return [to for tos, _ in self.received for to in tos]


def point_mail_at(app, port: int) -> None:
    app.config["MAIL_PORT"] = port
    mail.init_app(app)  # Flask-Mailman reads its settings at init


@pytest.fixture
def smtp_server(app):
    """An SMTP server on a free port of 127.0.0.1; the app's mail goes there. Yields its Inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_mail_at(app, controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def closed_smtp_port(app):
    """Mail goes to a port nothing listens on (connection refused)."""
    point_mail_at(app, free_port())


@pytest.fixture
def raise_flag(app):
    """raise_flag(patient, raised_at=None, **fields) -> a stored SafetyFlag (source "checkin" unless given)."""
    from katapp.clock import utcnow
    from katapp.models import SafetyFlag

    def make(patient, raised_at=None, **fields) -> SafetyFlag:
        flag = SafetyFlag(patient_id=patient.id, source=fields.pop("source", "checkin"),
                          reason=fields.pop("reason", "Answered yes"),
                          raised_at=raised_at or utcnow(), **fields)
        db.session.add(flag)
        db.session.commit()
        return flag

    return make
