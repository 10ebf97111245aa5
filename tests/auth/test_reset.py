"""Forgot password: a one-time, short-lived link by email; the same answer for unknown addresses;
rate-limited; it signs out every session; the owner is told and the event audited (issue #15)."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from katapp.clock import utcnow
from katapp.extensions import db
from katapp.models import AuditEvent, OutboxEmail, PasswordReset

NEW = "a brand new long passphrase"


@pytest.fixture
def ask(client, auth):
    def run(email: str):
        return client.post("/forgot", data={"csrf_token": auth.csrf_token("/forgot"), "email": email})
    return run


def _link(email: str) -> str:
    body = db.session.scalar(select(OutboxEmail.body).where(OutboxEmail.to_address == email)
                             .order_by(OutboxEmail.id.desc()))
    return re.search(r"http://localhost(/reset/[\w-]+)", body).group(1)


def _set(app, auth, path: str, password: str = NEW):
    c = app.test_client()
    return c.post(path, data={"csrf_token": auth.on(c).csrf_token(path), "password": password, "confirm": password})


def test_sign_in_page_links_to_forgot_password(client):
    assert 'Forgot your password? <a href="/forgot">' in client.get("/login").get_data(as_text=True)


def test_same_answer_whether_or_not_the_email_exists(patient, ask):
    known, unknown = ask(patient.email), ask("nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 1
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 1


def test_reset_sets_password_signs_out_everywhere_and_is_single_use(app, patient, ask, auth, login_as):
    elsewhere = login_as(patient)
    ask(patient.email.upper())
    path = _link(patient.email)
    token = path.rsplit("/", 1)[1]
    assert token not in db.session.scalar(select(PasswordReset.token_hash))  # hashed at rest
    response = _set(app, auth, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert elsewhere.get("/checkin").status_code == 302  # the other session is over
    assert auth.on(app.test_client()).login(patient, NEW).status_code == 302
    assert auth.on(app.test_client()).login(patient).status_code == 200  # the old password is gone
    assert app.test_client().get(path).status_code == 404  # used once
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_set"))
    assert (event.actor_id, event.object_id, event.patient_id) == (patient.id, patient.id, patient.id)
    notice = db.session.scalar(select(OutboxEmail).where(OutboxEmail.subject == "katapp: your password was set"))
    assert notice.to_address == patient.email and notice.kind == "account"


def test_link_expires_after_30_minutes(app, patient, ask):
    ask(patient.email)
    row = db.session.scalar(select(PasswordReset))
    assert row.expires_at - row.created_at == dt.timedelta(minutes=30)
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(_link(patient.email))
    assert response.status_code == 404 and "expired or was already used" in response.get_data(as_text=True)


def test_a_newer_request_ends_the_older_link(app, patient, ask):
    ask(patient.email)
    first = _link(patient.email)
    ask(patient.email)
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(_link(patient.email)).status_code == 200


def test_weak_password_refused_and_link_still_usable(app, patient, ask, auth):
    ask(patient.email)
    path = _link(patient.email)
    response = _set(app, auth, path, "short")
    assert response.status_code == 200 and "at least 12 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(PasswordReset.used_at)) is None


def test_rate_limited_per_email(patient, ask):
    answers = [ask(patient.email).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 3


def test_inactive_account_gets_no_link(make_user, ask):
    gone = make_user("patient", active=False)
    assert ask(gone.email).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_sent_reset_email_does_not_keep_the_link(app, patient, ask, monkeypatch):
    from katapp import alerts

    ask(patient.email)
    monkeypatch.setattr(alerts, "send_each", lambda letters: [None for _ in letters])
    assert alerts.send_due().sent == 1
    body = db.session.scalar(select(OutboxEmail.body))
    assert "/reset/" not in body
