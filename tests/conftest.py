"""Shared fixtures: the app on SQLite (default) or TEST_DATABASE_URL (PostgreSQL), a clean database
per test, factories for every model, `auth` (sign in/out, CSRF tokens, the test password), `login_as`
(a client signed in as a user), `api` (a JSON call with the client's CSRF header) and `count_queries`.

Test modules never import from a conftest: every helper here is a fixture (flaskr's `AuthActions`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import email
import itertools
import os
import re
import socket
import threading
import uuid
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from sqlalchemy import event, text

from katapp import create_app
from katapp.audit.chain import clear_log
from katapp.clinic import stored_settings
from katapp.clock import local_day, utcnow
from katapp.extensions import db, limiter, mail
from katapp.models import (
    Assessment,
    CheckIn,
    ClinicSettings,
    JournalEntry,
    SafetyFlag,
    Screening,
    TherapySession,
    User,
    care_team,
    on_call,
)
from katapp.passwords import hash_password

PASSWORD = "correct horse battery staple 42"  # noqa: S105 - test accounts only
_PASSWORD_HASH = hash_password(PASSWORD)
_counter = itertools.count(1)


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL")
    return f"katapp database: {url.split('@')[-1] if url else 'SQLite (temporary file)'}"


def _worker() -> int:
    """This pytest-xdist worker's number (gw0 -> 0), 0 without xdist."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """SQLite in a temporary file, or TEST_DATABASE_URL; under pytest-xdist each worker gets a database
    of its own on the same PostgreSQL server (`<name>_w<N>`, created here and dropped at the end)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "katapp-test.db")
        return
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield url
        return
    import sqlalchemy

    base, name = url.rsplit("/", 1)
    mine = f"{name}_w{_worker()}"
    server = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{mine}" WITH (FORCE)'))  # noqa: S608 - our own name
        conn.execute(text(f'CREATE DATABASE "{mine}"'))  # noqa: S608
    yield f"{base}/{mine}"
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{mine}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis database for rate-limit tests, one per xdist worker (15, 14, ...): resetting the
    limiter clears its keys, which must not touch another worker's counters."""
    return f"redis://127.0.0.1:6379/{15 - _worker()}"


@pytest.fixture(scope="session")
def _schema(database_url):
    """Create the schema once per run (from the models; migrations are tested on their own)."""
    app = create_app({"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _wipe() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(_pg_wipe_sql(tables)))
    else:
        clear_log(db.session)  # lifts the append-only triggers for the wipe
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - table names from metadata
    db.session.commit()


_PG_WIPE: dict[str, str] = {}


def _pg_wipe_sql(tables: list[str]) -> str:
    """One round trip that empties every table and restarts every id sequence (ids start at 1 again).
    DELETE with triggers off (the audit log's append-only triggers, foreign keys) takes ~5 ms where
    TRUNCATE of 28 tables took ~45 ms; a role that may not switch triggers off gets the TRUNCATE."""
    url = str(db.engine.url)
    if url not in _PG_WIPE:
        superuser = db.session.scalar(text("SELECT current_setting('is_superuser')")) == "on"
        if not superuser:
            _PG_WIPE[url] = "TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"
        else:
            sequences = db.session.scalars(text("SELECT schemaname || '.' || sequencename FROM pg_sequences")).all()
            _PG_WIPE[url] = "; ".join(["SET LOCAL session_replication_role = replica",
                                       *(f"DELETE FROM {name}" for name in tables),  # noqa: S608 - names from metadata
                                       *(f"ALTER SEQUENCE {name} RESTART" for name in sequences)])
    return _PG_WIPE[url]


class KatappClient(FlaskClient):
    """Each request runs in its own app context (own `g`, own db session), as in production.

    The test's own session is committed afterwards, so the test reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.commit()
        return response


def _test_engine(database_url: str) -> dict:
    """On PostgreSQL, commits in tests do not wait for the disk (the server, not the app, may lose the
    last commits if *it* crashes: nothing a test checks) and connections are not pinged before use."""
    if not database_url.startswith("postgresql"):
        return {}
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False,
                                          "connect_args": {"options": "-c synchronous_commit=off"}}}


@pytest.fixture
def app(database_url, _schema):
    app = create_app({"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "localhost",
                      **_test_engine(database_url)})
    app.test_client_class = KatappClient
    with app.app_context():
        _wipe()
        limiter.reset()
        # Staff two-factor (on for a new clinic) is off here, so tests sign staff in with a password;
        # tests of two-factor turn it on with set_clinic(require_staff_2fa=True).
        _set_clinic(require_staff_2fa=False)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def set_clinic(app):
    """set_clinic(**values) -> ClinicSettings: the clinic's one settings row (id 1), made from the defaults
    if missing, with `values` set. Tests change clinic settings only through this (never a second row)."""

    return _set_clinic


def _set_clinic(**values) -> ClinicSettings:
    row = stored_settings()
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()
    return row


# --- Factories ----------------------------------------------------------------------------------------
@pytest.fixture
def make_user(app):
    """make_user(role="patient", email=None, clinician=None, **fields) -> User (password `auth.password`)."""

    def make(role: str = "patient", email: str | None = None, clinician: User | None = None, **fields) -> User:
        n = next(_counter)
        user = User(
            email=(email or f"{role}{n}@example.org").lower(),
            display_name=fields.pop("display_name", f"{role.title()} {n}"),
            role=role,
            timezone=fields.pop("timezone", "America/New_York"),
            active=fields.pop("active", True),
            password_hash=fields.pop("password_hash", _PASSWORD_HASH),
            **fields,
        )
        db.session.add(user)
        db.session.flush()
        if clinician is not None:
            db.session.execute(care_team.insert().values(clinician_id=clinician.id, patient_id=user.id))
        db.session.commit()
        return user

    return make


@pytest.fixture
def patient(make_user, clinician):
    return make_user("patient", email="pat@example.org", clinician=clinician, display_name="Pat Patient")


@pytest.fixture
def clinician(make_user):
    return make_user("clinician", email="clin@example.org", display_name="Dr. Clin")


@pytest.fixture
def other_clinician(make_user):
    return make_user("clinician", email="other.clin@example.org", display_name="Dr. Other")


@pytest.fixture
def other_patient(make_user, other_clinician):
    return make_user("patient", email="other.pat@example.org", clinician=other_clinician, display_name="Olive Other")


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@example.org", display_name="Ada Admin")


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


@pytest.fixture
def make_checkin(app):
    def make(patient: User, *, recorded_at: dt.datetime | None = None, mood: int = 5, **fields) -> CheckIn:
        recorded_at = recorded_at or utcnow()
        return _save(CheckIn(patient_id=patient.id, client_id=fields.pop("client_id", str(uuid.uuid4())),
                             recorded_at=recorded_at, local_date=local_day(patient, recorded_at), mood=mood, **fields))

    return make


@pytest.fixture
def make_assessment(app):
    def make(patient: User, instrument: str = "phq9", answers: list[int] | None = None, *,
             recorded_at: dt.datetime | None = None) -> Assessment:
        from katapp.domain.instruments import INSTRUMENTS, score

        answers = answers if answers is not None else [1] * INSTRUMENTS[instrument].item_count
        result = score(instrument, answers)
        recorded_at = recorded_at or utcnow()
        return _save(Assessment(patient_id=patient.id, client_id=str(uuid.uuid4()), instrument=instrument,
                                answers=answers, total=result.total, severity=result.severity, flags=list(result.flags),
                                recorded_at=recorded_at,
                                local_date=local_day(patient, recorded_at)))

    return make


@pytest.fixture
def make_session(app):
    def make(patient: User, clinician: User, *, kind: str = "ketamine", starts_at: dt.datetime | None = None,
             minutes: int = 90, status: str = "scheduled", **fields) -> TherapySession:
        starts_at = starts_at or (utcnow() + dt.timedelta(days=1)).replace(microsecond=0)
        return _save(TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind=kind, status=status,
                                    starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=minutes), **fields))

    return make


@pytest.fixture
def make_screening(app):
    def make(patient: User, *, recorded_by: User | None = None, **answers) -> Screening:
        return _save(Screening(patient_id=patient.id, recorded_by_id=recorded_by.id if recorded_by else None,
                               recorded_at=utcnow(), **answers))

    return make


@pytest.fixture
def make_journal(app):
    def make(author: User, body: str = "A quiet reflection.", *, shared: bool = False, **fields) -> JournalEntry:
        return _save(JournalEntry(author_id=author.id, client_id=fields.pop("client_id", str(uuid.uuid4())),
                                  body=body, shared=shared, **fields))

    return make


@pytest.fixture
def make_flag(app):
    def make(patient: User, *, source: str = "checkin", reason: str = "Answered yes to the safety question",
             **fields) -> SafetyFlag:
        return _save(SafetyFlag(patient_id=patient.id, source=source, reason=reason, raised_at=utcnow(), **fields))

    return make


# --- Signing in, CSRF and the JSON API ----------------------------------------------------------------
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class AuthActions:
    """Sign in and out through the real forms, as a person would (flaskr's `AuthActions`).

    `auth.login(user)` signs the `client` fixture in; `auth.on(other_client)` acts on another client.
    `auth.password` is every factory-made account's password.
    """

    password = PASSWORD

    def __init__(self, client):
        self.client = client

    def on(self, client) -> AuthActions:
        return AuthActions(client)

    def csrf_token(self, path: str = "/login") -> str:
        """A CSRF token for this client's session, read from a page's meta tag (as the app's JS does)."""
        response = self.client.get(path)
        match = CSRF_META.search(response.get_data(as_text=True))
        assert match, f"no csrf meta tag on {path} ({response.status_code})"
        return match.group(1)

    def login(self, user_or_email, password: str = PASSWORD, **extra):
        """Sign in through the form; returns the response (302 on success). `extra`: next, remember..."""
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        data = {"email": email, "password": password, "csrf_token": self.csrf_token("/login"), **extra}
        return self.client.post("/login", data=data)

    def logout(self):
        """Sign out through the form; returns the response (302 to /login)."""
        return self.client.post("/logout", data={"csrf_token": self.csrf_token("/account/password")})


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(app):
    """login_as(user) -> a new test client signed in as `user` (asserts the sign-in worked).

    The client's `csrf` attribute holds its session's CSRF token, for forms and `api`.
    """

    def sign_in(user: User, **extra):
        c = app.test_client()
        actions = AuthActions(c)
        response = actions.login(user, **extra)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        c.csrf = actions.csrf_token("/account/password")
        return c

    return sign_in


@pytest.fixture
def api():
    """api(client, method, path, json=None, **kwargs) -> the response of a JSON API call.

    Sends the client's CSRF token (from `login_as`) in X-CSRFToken, as the offline queue does.
    """

    def call(client, method: str, path: str, json=None, **kwargs):
        headers = kwargs.pop("headers", {})
        token = getattr(client, "csrf", None)
        if token:
            headers.setdefault("X-CSRFToken", token)
        return client.open(path, method=method, json=json, headers=headers, **kwargs)

    return call


# --- Query counting -----------------------------------------------------------------------------------
@pytest.fixture
def count_queries(app):
    """with count_queries() as q: ...; q.count is the number of SQL statements run inside."""

    class Counter:
        def __init__(self):
            self.count = 0
            self.statements: list[str] = []

    @contextlib.contextmanager
    def counting():
        counter = Counter()

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.count += 1
            counter.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def put_on_call(app):
    """put_on_call(*clinicians): the clinic's on-call list (told of flags of patients without a care team)."""

    def put(*clinicians) -> None:
        db.session.execute(on_call.insert(), [{"clinician_id": c.id} for c in clinicians])
        db.session.commit()

    return put


# --- Email: a real SMTP server (aiosmtpd) on 127.0.0.1 that the app sends to, and a closed port -----------
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
