"""One person per phone, the server's part (katapp/device.py): every page says who is signed in
(X-Katapp-User, "0": nobody) and every way in and out answers `Clear-Site-Data: "cache"`.
The browser's part (drafts, queue, kept pages, offline sign-out) is in tests/browser/test_shared_phone.py.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from katapp.accounts import create_invitation
from katapp.auth.recovery import token_hash
from katapp.extensions import db
from katapp.models import PasswordReset, User, utcnow

NEW_PASSWORD = "a long new passphrase for this"


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_every_page_says_who_is_signed_in(client, login_as, patient, clinician):
    assert client.get("/login").headers["X-Katapp-User"] == "0"
    as_patient = login_as(patient)
    for path in ("/checkin", "/journal/new", "/help"):
        response = as_patient.get(path)
        assert response.status_code == 200
        assert response.headers["X-Katapp-User"] == str(patient.id), path
    assert login_as(clinician).get("/").headers.get("X-Katapp-User") in (None, str(clinician.id))
    page = login_as(clinician).get("/caseload")
    assert page.headers["X-Katapp-User"] == str(clinician.id)


def test_the_header_is_only_on_pages(login_as, patient, api):
    c = login_as(patient)
    assert "X-Katapp-User" not in api(c, "GET", "/api/v1/checkins").headers
    # the shared, cached files carry nobody's id
    for path in ("/sw.js", "/offline", "/manifest.webmanifest"):
        assert "X-Katapp-User" not in c.get(path).headers, path


def test_signing_in_clears_the_browsers_cache(client, auth, patient):
    assert client.get("/login").headers["Clear-Site-Data"] == '"cache"'
    response = auth.login(patient)
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    # an ordinary page afterwards does not (its cache is its own)
    assert "Clear-Site-Data" not in client.get("/checkin").headers


def test_a_failed_sign_in_answers_the_same_header(client, auth, patient):
    response = auth.login(patient, password="not the password at all")
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert response.headers["X-Katapp-User"] == "0"


def test_signing_out_clears_the_cache_and_the_old_cookie_is_dead(client, auth, patient):
    auth.login(patient)
    cookie = client.get_cookie("session")
    assert cookie is not None
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert response.headers["Clear-Site-Data"] == '"cache"'
    # a copy of the old cookie (as a phone that signed out offline still holds) is signed out
    client.set_cookie("session", cookie.value)
    assert client.get("/checkin").status_code == 302


def test_accepting_an_invitation_clears_the_cache(app, client, make_user, clinician):
    newcomer = make_user("patient", email="newcomer@example.org", clinician=clinician)
    newcomer.password_hash = None
    token = create_invitation(newcomer, clinician)
    db.session.commit()
    path = f"/invite/{token}"
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Clear-Site-Data"] == '"cache"'
    response = client.post(path, data={"csrf_token": _csrf(client, path), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/checkin").headers["X-Katapp-User"] == str(newcomer.id)


def test_an_invitation_opened_on_a_signed_in_phone_clears_its_cache(login_as, patient, make_user, clinician):
    """The previous patient is still signed in when the newcomer taps the link."""
    newcomer = make_user("patient", email="second@example.org", clinician=clinician)
    newcomer.password_hash = None
    token = create_invitation(newcomer, clinician)
    db.session.commit()
    phone = login_as(patient)
    page = phone.get(f"/invite/{token}")
    assert page.status_code == 200 and page.headers["Clear-Site-Data"] == '"cache"'
    response = phone.post(f"/invite/{token}", data={"csrf_token": _csrf(phone, f"/invite/{token}"),
                                                    "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert phone.get("/checkin").headers["X-Katapp-User"] == str(newcomer.id)


def test_setting_a_password_through_a_reset_link_clears_the_cache(client, patient):
    token = "reset-token-for-the-phone-test"
    now = utcnow()
    db.session.add(PasswordReset(user_id=patient.id, token_hash=token_hash(token), created_at=now,
                                 expires_at=now + timedelta(minutes=30), ip="127.0.0.1"))
    db.session.commit()
    path = f"/reset/{token}"
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Clear-Site-Data"] == '"cache"'
    response = client.post(path, data={"csrf_token": _csrf(client, path), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    db.session.expire_all()
    assert db.session.scalar(select(PasswordReset.used_at).where(PasswordReset.user_id == patient.id)) is not None


def test_changing_the_password_keeps_the_same_person_and_clears_the_cache(login_as, patient, auth):
    c = login_as(patient)
    response = c.post("/account/password", data={"csrf_token": c.csrf, "current_password": auth.password,
                                                  "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert c.get("/checkin").headers["X-Katapp-User"] == str(patient.id)
    assert db.session.get(User, patient.id) is not None


def test_the_journal_draft_belongs_to_the_signed_in_patient(login_as, patient, make_user, clinician):
    other = make_user("patient", clinician=clinician)
    for user in (patient, other):
        html = login_as(user).get("/journal/new").get_data(as_text=True)
        assert f'data-journal-draft="katapp:draft:{user.id}:journal:new"' in html
        assert f'data-user-id="{user.id}"' in html
