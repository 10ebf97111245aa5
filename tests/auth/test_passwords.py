"""Password policy, password change and one-time invitations."""
import datetime as dt
import re

import pytest

from katapp.extensions import db
from katapp.models import Invitation, OutboxEmail, User, utcnow
from katapp.passwords import hash_password, validate_password, verify_password


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("elevenchars", False),
        ("twelve chars", True),
        ("🌿🌿🌿 calm river 🌿", True),
        ("x" * 128 + "", False),  # one repeated character
        ("ab" * 64, False),  # only two distinct characters
        ("a1" + "b2c3d4e5f6g7" * 9 + "h8i9j0k1l2m3n4", True),  # 124 characters
        ("y" + "z1" * 64, False),  # 129 characters
        ("passwordpassword", False),
        ("Password1234", False),
        ("123456789012", False),
        ("Correct Horse Battery Staple", False),
    ],
)
def test_password_policy(password, ok):
    assert (validate_password(password) is None) is ok, validate_password(password)


def test_email_as_password_refused():
    assert validate_password("someone.long@example.org", email="someone.long@example.org")


def test_hash_roundtrip_with_emoji():
    h = hash_password("ünïcode 🌿 passphrase")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "ünïcode 🌿 passphrase")
    assert not verify_password(h, "ünïcode 🌿 passphrasE")
    assert not verify_password(None, "anything at all")


def test_change_password_signs_out_other_devices(app, make_user, login_as, auth):
    user = make_user("patient")
    phone, laptop = login_as(user), login_as(user)
    response = phone.post("/account/password", data={
        "csrf_token": phone.csrf, "current_password": auth.password,
        "password": "a brand new long passphrase", "confirm": "a brand new long passphrase"})
    assert response.status_code == 302
    assert phone.get("/checkin").status_code == 200  # this device stays signed in
    assert laptop.get("/checkin").status_code == 302  # the other one is out
    fresh = app.test_client()
    assert auth.on(fresh).login(user, "a brand new long passphrase").status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong current password", "a brand new long passphrase", "a brand new long passphrase", "not your current password"),
        (None, "short", "short", "at least 12 characters"),  # None: the account's own password
        (None, "a brand new long passphrase", "a different passphrase", "two passwords differ"),
    ],
)
def test_change_password_errors(make_user, login_as, current, new, confirm, message, auth):
    user = make_user("patient")
    c = login_as(user)
    response = c.post("/account/password", data={"csrf_token": c.csrf, "current_password": current or auth.password,
                                                 "password": new, "confirm": confirm})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert verify_password(db.session.get(User, user.id).password_hash, auth.password)


def _invite(login_as, clinician, email="newbie@example.org"):
    c = login_as(clinician)
    response = c.post("/caseload/add", data={"csrf_token": c.csrf, "email": email, "display_name": "New Bie",
                                             "timezone": "Europe/London"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "/invite/" not in response.get_data(as_text=True)  # the link is emailed, never shown (issue #14)
    body = db.session.query(OutboxEmail).filter_by(to_address=email).one().body
    url = re.search(r"(http://localhost/invite/\S+)", body).group(1)
    return url.replace("http://localhost", "")


def test_clinician_invites_patient_who_sets_password(app, clinician, login_as, auth):
    path = _invite(login_as, clinician)
    patient = db.session.query(User).filter_by(email="newbie@example.org").one()
    assert patient.role == "patient" and patient.password_hash is None and patient.timezone == "Europe/London"
    assert [c.id for c in patient.clinicians] == [clinician.id]
    c = app.test_client()
    page = c.get(path)
    assert page.status_code == 200 and "New Bie" in page.get_data(as_text=True)
    token = auth.on(c).csrf_token(path)
    response = c.post(path, data={"csrf_token": token, "password": "my own long passphrase", "confirm": "my own long passphrase"})
    assert response.status_code == 302
    assert c.get("/").headers["Location"] == "/checkin"
    # single use
    again = app.test_client()
    assert again.get(path).status_code == 404
    assert auth.on(app.test_client()).login("newbie@example.org", "my own long passphrase").status_code == 302


def test_invitation_expires_after_7_days(app, clinician, login_as):
    path = _invite(login_as, clinician)
    inv = db.session.query(Invitation).one()
    assert dt.timedelta(days=6, hours=23) < inv.expires_at - inv.created_at <= dt.timedelta(days=7)
    inv.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 404 and "expired or was already used" in response.get_data(as_text=True)


def test_invitation_token_is_not_stored(app, clinician, login_as):
    path = _invite(login_as, clinician)
    token = path.rsplit("/", 1)[1]
    assert token not in db.session.query(Invitation).one().token_hash


def test_invitation_weak_password_refused(app, clinician, login_as, auth):
    path = _invite(login_as, clinician)
    c = app.test_client()
    response = c.post(path, data={"csrf_token": auth.on(c).csrf_token(path), "password": "short", "confirm": "short"})
    assert response.status_code == 200 and "at least 12 characters" in response.get_data(as_text=True)
    assert c.get(path).status_code == 200  # still usable


def test_clinician_cannot_take_existing_email(clinician, login_as, patient):
    """No existence oracle (issue #14): the answer looks like a fresh invitation; nothing changes."""
    c = login_as(clinician)
    response = c.post("/caseload/add", data={"csrf_token": c.csrf, "email": patient.email.upper(),
                                             "display_name": "Dup", "timezone": "UTC"})
    assert response.status_code == 200 and "already exists" not in response.get_data(as_text=True)
    assert "An invitation was sent to <strong>pat@example.org</strong>" in response.get_data(as_text=True)
    assert db.session.query(User).filter_by(role="patient").count() == 1


def test_no_open_self_registration(client):
    for path in ("/register", "/signup", "/api/v1/users"):
        assert client.get(path).status_code == 404
