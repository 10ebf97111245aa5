"""Signing in and out, sessions, throttling, redirects."""
import re

import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent, User


@pytest.mark.parametrize(
    ("role", "home"), [("patient", "/checkin"), ("clinician", "/caseload"), ("admin", "/clinic")]
)
def test_each_role_lands_on_its_home(client, make_user, role, home, auth):
    user = make_user(role)
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == home
    assert client.get(home).status_code == 200


def test_anonymous_root_goes_to_login(client):
    assert client.get("/").headers["Location"] == "/login"


def test_email_is_case_insensitive(client, make_user, auth):
    user = make_user("patient", email="mixed@example.org")
    assert auth.login("  MiXeD@Example.ORG ").status_code == 302
    assert client.get("/").headers["Location"] == "/checkin"
    assert user.email == "mixed@example.org"


def test_unknown_email_and_wrong_password_look_the_same(client, make_user, auth):
    make_user("patient", email="real@example.org")
    wrong = auth.login("real@example.org", "not the right password")
    unknown = auth.login("nobody@example.org", "not the right password")
    assert wrong.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'content="[^"]+"|value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert "do not match an active account" in wrong.get_data(as_text=True)


def test_inactive_account_cannot_sign_in(client, make_user, auth):
    user = make_user("patient", active=False)
    assert auth.login(user).status_code == 200


def test_sign_in_and_failures_are_audited(client, make_user, auth):
    user = make_user("clinician")
    auth.login(user, "wrong password here")
    auth.login(user)
    actions = [(e.action, e.actor_id) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [("sign_in_failed", user.id), ("sign_in", user.id)]


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "javascript:alert(1)", "https://evil.example/x",
                                    "/\r\nLocation: evil.example", "\\\\evil.example"])
def test_next_only_redirects_to_local_paths(client, make_user, target, auth):
    user = make_user("patient")
    response = auth.login(user, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_local_path_is_followed(client, make_user, auth):
    user = make_user("patient")
    assert auth.login(user, next="/journal").headers["Location"] == "/journal"


def test_login_page_carries_next_from_query(client):
    assert 'value="/journal"' in client.get("/login?next=/journal").get_data(as_text=True)


def test_logout_requires_post_and_csrf(client, make_user, auth):
    user = make_user("patient")
    auth.login(user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/checkin").status_code == 200


def test_cookie_captured_before_sign_out_stops_working(app, make_user, auth):
    user = make_user("patient")
    c = app.test_client()
    auth.on(c).login(user)
    stolen = c.get_cookie("session").value
    assert auth.on(c).logout().headers["Location"] == "/login"
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/checkin")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.get(User, user.id).session_version == 2
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "sign_out")) == user.id


def test_remember_cookie_only_for_patients(app, make_user, auth):
    for role, expected in [("patient", True), ("clinician", False)]:
        c = app.test_client()
        auth.on(c).login(make_user(role), remember="y")
        assert (c.get_cookie("remember_token") is not None) is expected, role


def test_remember_cookie_is_revoked_by_sign_out(app, make_user, auth):
    user = make_user("patient")
    c = app.test_client()
    auth.on(c).login(user, remember="y")
    remember = c.get_cookie("remember_token").value
    auth.on(c).logout()
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/checkin").status_code == 302


def test_staff_signed_out_after_30_idle_minutes(app, make_user, monkeypatch, auth):
    import katapp.security as security

    user = make_user("clinician")
    c = app.test_client()
    auth.on(c).login(user)
    assert c.get("/caseload").status_code == 200
    real = security.utcnow
    monkeypatch.setattr(security, "utcnow", lambda: real() + __import__("datetime").timedelta(minutes=31))
    response = c.get("/caseload")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "30 minutes without activity" in c.get(response.headers["Location"]).get_data(as_text=True)


def test_staff_within_30_minutes_stays_signed_in(app, make_user, monkeypatch, auth):
    import katapp.security as security

    c = app.test_client()
    auth.on(c).login(make_user("admin"))
    c.get("/clinic")
    real = security.utcnow
    monkeypatch.setattr(security, "utcnow", lambda: real() + __import__("datetime").timedelta(minutes=29))
    assert c.get("/clinic").status_code == 200


def test_patient_not_subject_to_idle_timeout(app, make_user, monkeypatch, auth):
    import katapp.security as security

    c = app.test_client()
    auth.on(c).login(make_user("patient"))
    c.get("/checkin")
    real = security.utcnow
    monkeypatch.setattr(security, "utcnow", lambda: real() + __import__("datetime").timedelta(hours=5))
    assert c.get("/checkin").status_code == 200


def test_failed_sign_ins_throttled_per_account(app, client, make_user, auth):
    user = make_user("patient")
    for _ in range(10):
        assert auth.login(user, "wrong password again").status_code == 200
    blocked = auth.login(user, "wrong password again")
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    # even the right password waits: the account is throttled, not the request
    assert auth.login(user).status_code == 429
    # another account from the same IP is not blocked by this account's limit
    assert auth.login(make_user("patient")).status_code == 302


def test_successful_sign_ins_are_never_throttled(app, make_user, auth):
    user = make_user("patient")
    for _ in range(15):
        c = app.test_client()
        assert auth.on(c).login(user).status_code == 302


def test_failed_sign_ins_throttled_per_ip(app, client, make_user, auth):
    app.config["LOGIN_LIMIT_PER_IP"] = "5 per 15 minutes"
    users = [make_user("patient") for _ in range(6)]
    for u in users[:5]:
        assert auth.login(u, "wrong password again").status_code == 200
    assert auth.login(users[5], "wrong password again").status_code == 429
    assert auth.on(app.test_client()).login(users[5], "wrong password again", ).status_code == 429  # same IP


def test_rate_limits_can_be_switched_off(database_url, _schema, make_user, auth):
    from katapp import create_app

    app = create_app({"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        c = app.test_client()
        for _ in range(12):
            assert auth.on(c).login("nobody@example.org", "wrong password again").status_code == 200
        db.engine.dispose()


def test_password_field_answers_for_empty_form(client, auth):
    token = auth.csrf_token()
    response = client.post("/login", data={"csrf_token": token})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter your email." in text and "Enter your password." in text


def test_login_without_csrf_is_refused(client, make_user, auth):
    user = make_user("patient")
    response = client.post("/login", data={"email": user.email, "password": auth.password})
    assert response.status_code == 400
    assert client.get("/").headers["Location"] == "/login"


def test_sign_in_works_with_rate_limits_switched_off(app, make_user, auth):
    """RATELIMIT_ENABLED=false (benchmarks, the browser tests' live server): no counter, no crash."""
    app.config["RATELIMIT_ENABLED"] = False
    user = make_user("patient")
    response = auth.login(user)
    assert response.status_code == 302
    assert auth.client.get("/checkin").status_code == 200
