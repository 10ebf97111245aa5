"""Real-browser fixtures: the app served over HTTP on a demo clinic, Debian's Chromium, a phone.

- `live_server`: the real app (create_app) in a background thread (werkzeug `make_server`,
  threaded) on 127.0.0.1 and a free port, on its own temporary SQLite file loaded with
  `flask demo-data --patients 6 --days 30`; rate limits off. `live_server.count(...)` and
  `.query(...)` read the database directly, so a test can check what the server stored.
- `browser_type_launch_args`: Chromium from CHROMIUM_PATH (else /usr/bin/chromium) with the flags
  this machine needs (Playwright's own browser download does not work here).
- `browser_context_args`: a phone, 390×844, touch, mobile, with the live server as base_url.
- `sign_in(page, email)`: signs in through /login like a person; `demo_password` is every demo
  account's password; `wait_for_worker(page)` waits until the service worker controls the page.

Test modules take these as fixtures, never by importing this file.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from katapp import create_app
from katapp.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "katapp-demo-password"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the test output stays readable
        if os.environ.get("KATAPP_LIVE_LOG"):
            super().log_request(*args, **kwargs)


@dataclass
class LiveServer:
    url: str
    app: Flask
    database_url: str

    def count(self, model, *where) -> int:
        """How many rows of `model` match `where`, read from the live database now."""
        with self.app.app_context():
            n = db.session.scalar(select(func.count()).select_from(model).where(*where))
            db.session.remove()
            return int(n)

    def query(self, statement):
        with self.app.app_context():
            rows = list(db.session.scalars(statement))
            db.session.expunge_all()
            db.session.remove()
            return rows


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    path: Path = tmp_path_factory.mktemp("live") / "katapp-live.db"
    database_url = f"sqlite:///{path}"
    app = create_app({
        "KATAPP_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "STAFF_IDLE_TIMEOUT": timedelta(hours=8),
    })
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["demo-data", "--patients", "6", "--days", "30", "--password", DEMO_PASSWORD])
        assert result.exit_code == 0, result.output
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="katapp-live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, database_url=database_url)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"No Chromium at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH.")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def _sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait until the app has left /login."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _wait_for_worker(page) -> None:
    """Wait until the service worker is active and controls this page (reload once if needed)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


@pytest.fixture(scope="session")
def sign_in():
    """sign_in(page, email, password=demo password): through the form, waiting until /login is left."""
    return _sign_in


@pytest.fixture(scope="session")
def wait_for_worker():
    """wait_for_worker(page): until the service worker is active and controls the page."""
    return _wait_for_worker


@pytest.fixture(scope="session")
def demo_password() -> str:
    return DEMO_PASSWORD


@pytest.fixture
def patient_page(page):
    """A phone signed in as patient1 (odd: clinician1's caseload), the worker in control."""
    _sign_in(page, "patient1@demo.katapp.org")
    _wait_for_worker(page)
    return page


@pytest.fixture(scope="session")
def localhost_url(live_server) -> str:
    """The live server as http://localhost:<port>: WebAuthn needs a host name as its RP id (an IP
    address cannot be one), and localhost counts as a secure context without TLS."""
    return live_server.url.replace("127.0.0.1", "localhost")


@pytest.fixture
def make_staff(live_server):
    """make_staff(role="clinician") -> the email of a new staff account (demo password, no factor yet),
    so a test can enrol factors without touching the demo accounts other tests sign in with."""
    import itertools

    from katapp.models import User
    from katapp.passwords import hash_password

    counter = itertools.count(1)

    def make(role: str = "clinician") -> str:
        with live_server.app.app_context():
            n = db.session.scalar(select(func.count()).select_from(User)) + next(counter)
            email = f"{role}.twofa{n}@demo.katapp.org"
            db.session.add(User(email=email, display_name=f"Dr. Two Factor {n}", role=role,
                                timezone="America/New_York", password_hash=hash_password(DEMO_PASSWORD)))
            db.session.commit()
            db.session.remove()
        return email

    return make
