"""A fake push service on 127.0.0.1 (records each encrypted push), browser-side subscription keys that
decrypt what it received (http_ece), reminder settings and the clinic's VAPID key."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02 as Vapid01

from katapp.clock import zone_of
from katapp.extensions import db
from katapp.models import PushSubscription, ReminderSettings


@pytest.fixture(autouse=True)
def _vapid_key(app):
    """A fresh VAPID key for the test app (no file in the instance folder)."""
    key = Vapid01()
    key.generate_keys()
    app.config["VAPID_PRIVATE_KEY"] = key.private_pem().decode()
    app.extensions.pop("katapp_vapid", None)
    return key


@dataclass
class Push:
    path: str
    headers: dict
    body: bytes


class PushService:
    """Answers 201, or 410 for paths containing "gone", 404 for "missing", 500 for "broken"."""

    def __init__(self):
        self.received: list[Push] = []
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with service.lock:
                    service.received.append(Push(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = 410 if "gone" in self.path else 404 if "missing" in self.path else \
                    500 if "broken" in self.path else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def pushes_to(self, path: str) -> list[Push]:
        with self.lock:
            return [p for p in self.received if p.path == path]


@pytest.fixture
def push_service():
    service = PushService()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.server.shutdown()
        service.server.server_close()
        thread.join(timeout=5)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """A browser's subscription: what it sends the server, and the private half that decrypts."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def path(self) -> str:
        return "/" + self.endpoint.split("/", 3)[3]

    @property
    def keys(self) -> dict:
        public = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint)
        return {"p256dh": _b64(public), "auth": _b64(self.auth)}

    def decrypt(self, push: Push) -> dict:
        plain = http_ece.decrypt(push.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


@pytest.fixture
def browser():
    """browser(endpoint) -> Browser with fresh P-256 keys and auth secret."""

    def make(endpoint: str) -> Browser:
        return Browser(endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    return make


@pytest.fixture
def subscribe(app, push_service, browser):
    """subscribe(user, name="sub") -> Browser: a stored push subscription at the fake push service."""

    def make(user, name: str = "sub") -> Browser:
        b = browser(f"{push_service.base}/push/{name}-{user.id}")
        db.session.add(PushSubscription(user_id=user.id, endpoint=b.endpoint, **b.keys))
        db.session.commit()
        return b

    return make


@pytest.fixture
def reminders_on(app):
    """reminders_on(patient, **columns) -> ReminderSettings, turned on (defaults: 19:00, quiet 21-08)."""

    def make(patient, **columns) -> ReminderSettings:
        row = ReminderSettings(patient_id=patient.id, enabled=True, checkin_minute=19 * 60, quiet_start_minute=21 * 60,
                               quiet_end_minute=8 * 60, checkin_on=True, questionnaire_on=True, session_on=True,
                               after_session_on=True)
        for name, value in columns.items():
            setattr(row, name, value)
        db.session.add(row)
        db.session.commit()
        return row

    return make


@pytest.fixture
def local_at():
    """local_at(user, day, hour, minute=0) -> the aware UTC instant of that local time for the user."""

    def make(user, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone_of(user)).astimezone(dt.UTC)

    return make
