"""Sign-in limits that hold (issue #14): atomic under a burst, keyed on account + place, shared by
the password change, with an audited account-wide cap. Concurrency runs against Redis."""
from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from katapp.extensions import db, limiter
from katapp.models import AuditEvent


def login_from(auth, client, user, password, ip):
    """Sign in through the real form from the address `ip` (`auth`: the conftest fixture)."""
    token = auth.on(client).csrf_token("/login")
    return client.post("/login", data={"email": user.email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})


def audits(action: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_burst_of_40_parallel_guesses_gets_at_most_the_limit_evaluated(redis_url, app, make_user, auth):
    email = make_user("clinician", email=f"burst-{uuid.uuid4().hex[:8]}@example.org").email
    app.config.update(RATELIMIT_STORAGE_URI=redis_url, LOGIN_LIMIT_PER_ACCOUNT="10 per 15 minutes")
    limiter.init_app(app)  # the counters now live in Redis, shared by every process
    clients = [app.test_client() for _ in range(40)]
    tokens = [auth.on(c).csrf_token("/login") for c in clients]
    barrier, statuses, errors = threading.Barrier(40), [], []

    def guess(c, token):
        try:
            with app.app_context():
                barrier.wait(timeout=20)
                statuses.append(c.post("/login", data={"email": email, "password": "wrong password again",
                                                       "csrf_token": token}).status_code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(exc))

    try:
        threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors[:3]
        assert len(statuses) == 40 and set(statuses) <= {200, 429}, statuses
        assert statuses.count(200) <= 10 and statuses.count(429) >= 30
        assert audits("sign_in_failed") <= 10  # only reserved guesses reached the password check
    finally:
        limiter.reset()
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        limiter.init_app(app)


def test_a_flood_from_one_place_does_not_lock_the_owner_out_elsewhere(app, make_user, auth):
    user = make_user("clinician")
    attacker = app.test_client()
    for _ in range(10):
        assert login_from(auth, attacker, user, "wrong password again", "203.0.113.9").status_code == 200
    assert login_from(auth, attacker, user, "wrong password again", "203.0.113.9").status_code == 429
    assert login_from(auth, app.test_client(), user, "correct horse battery", "198.51.100.7").status_code in (200, 302)
    assert login_from(auth, app.test_client(), user, auth.password, "198.51.100.7").status_code == 302


def test_the_account_wide_cap_trips_once_and_is_audited_for_admins(app, make_user, auth):
    app.config["LOGIN_LIMIT_ACCOUNT_WIDE"] = "12 per 15 minutes"
    user = make_user("clinician")
    for i in range(12):
        assert login_from(auth, app.test_client(), user, "wrong password again", f"192.0.2.{i + 1}").status_code == 200
    for i in range(3):
        assert login_from(auth, app.test_client(), user, "wrong password again", f"192.0.2.{i + 50}").status_code == 429
    assert audits("sign_in_limit_tripped") == 1


def test_the_password_change_shares_the_limit_and_audits_failures(app, make_user, login_as, auth):
    user = make_user("patient")
    c = login_as(user)
    for _ in range(9):  # the sign-in took one hit, and gave it back on success
        r = c.post("/account/password", data={"csrf_token": c.csrf, "current_password": "not my password at all",
                                              "password": "a brand new passphrase", "confirm": "a brand new passphrase"})
        assert r.status_code == 200 and "not your current password" in r.get_data(as_text=True)
    assert audits("password_change_failed") == 9
    assert auth.on(app.test_client()).login(user, "wrong password again").status_code == 200  # the tenth, shared
    r = c.post("/account/password", data={"csrf_token": c.csrf, "current_password": "not my password at all",
                                          "password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert r.status_code == 429 and "Too many failed sign-ins" in r.get_data(as_text=True)
    assert audits("password_change_failed") == 9  # refused before the check
