"""Issue #14 item 5: "Add patient" is no existence oracle. Whatever the address (new, a patient of
another clinician, a staff account, a deactivated account), the clinician gets the same page, words
and status, in the same order of time, with no link on screen; the invitation or the notice goes by
email (through the real SMTP server), and an existing account is never changed or merged.
"""
from __future__ import annotations

import re
import statistics
import time

import pytest

from katapp import alerts
from katapp.extensions import db
from katapp.models import AuditEvent, Invitation, OutboxEmail, User, care_team


@pytest.fixture
def accounts(make_user, other_clinician, admin):
    """Existing addresses of every kind, by name."""
    return {
        "patient of another clinician": make_user("patient", email="taken.patient@example.org", clinician=other_clinician),
        "staff account": make_user("clinician", email="taken.staff@example.org"),
        "admin account": admin,
        "deactivated account": make_user("patient", email="taken.gone@example.org", clinician=other_clinician,
                                         active=False),
    }


def add(c, email: str, name: str = "New Person"):
    return c.post("/caseload/add", data={"csrf_token": c.csrf, "email": email, "display_name": name,
                                         "timezone": "UTC"})


def shown(response, email: str) -> str:
    """The page with the address (which the clinician typed) and the CSRF token (signed with the
    time) taken out."""
    text = response.get_data(as_text=True).replace(email, "<email>")
    token = re.search(r'name="csrf-token" content="([^"]+)"', text).group(1)
    return text.replace(token, "<csrf>")


@pytest.mark.parametrize("kind", ["patient of another clinician", "staff account", "admin account",
                                  "deactivated account"])
def test_existing_address_answers_exactly_as_a_new_one(kind, accounts, clinician, login_as):
    c = login_as(clinician)
    existing = accounts[kind]
    fresh = add(c, "brand.new@example.org")
    taken = add(c, existing.email.upper())
    assert fresh.status_code == taken.status_code == 200
    assert shown(fresh, "brand.new@example.org") == shown(taken, existing.email)
    text = taken.get_data(as_text=True)
    assert f"An invitation was sent to <strong>{existing.email}</strong>" in text
    assert "/invite/" not in text and "/invite/" not in fresh.get_data(as_text=True)
    assert "already" not in text.lower()


def test_existing_account_is_not_changed_or_merged(accounts, clinician, login_as):
    c = login_as(clinician)
    target = accounts["patient of another clinician"]
    before = (target.display_name, target.password_hash, target.session_version, [x.id for x in target.clinicians])
    users = db.session.query(User).count()
    add(c, target.email, name="Someone Else")
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert (target.display_name, target.password_hash, target.session_version,
            [x.id for x in target.clinicians]) == before
    assert db.session.query(User).count() == users
    assert db.session.query(Invitation).filter_by(user_id=target.id).count() == 0
    assert db.session.query(care_team).filter_by(clinician_id=clinician.id).count() == 0


def test_both_emails_go_out_and_only_the_new_address_gets_a_link(accounts, clinician, login_as, smtp_server, app):
    c = login_as(clinician)
    add(c, "brand.new@example.org")
    add(c, accounts["staff account"].email)
    report = alerts.send_due()
    assert (report.sent, report.failed) == (2, 0)
    letters = {tos[0]: message for tos, message in smtp_server.received}
    invite = letters["brand.new@example.org"].get_payload()
    notice = letters["taken.staff@example.org"].get_payload()
    link = re.search(r"http://localhost(/invite/\S+)", invite).group(1)
    assert "/invite/" not in notice and "already has" in notice and "nothing was created" in notice
    # the emailed link works: the new patient chooses a password with it
    assert app.test_client().get(link).status_code == 200
    # a sent email's link does not stay in the database
    assert all("/invite/" not in row.body for row in db.session.query(OutboxEmail))


def test_admins_see_the_match_and_it_is_audited(accounts, clinician, login_as):
    add(login_as(clinician), accounts["deactivated account"].email)
    event = db.session.query(AuditEvent).filter_by(action="invitation_for_existing_account").one()
    assert event.actor_id == clinician.id and event.object_id == accounts["deactivated account"].id
    admin = login_as(accounts["admin account"])
    overview = admin.get(admin.get("/").headers["Location"]).get_data(as_text=True)
    assert "matched an existing account" in overview
    assert f"/admin/users/{accounts['deactivated account'].id}" in overview


def test_a_new_patient_shows_on_the_caseload_only_once_they_set_a_password(clinician, login_as, app, auth):
    """Otherwise the caseload would answer what the page does not: was the address new?"""
    c = login_as(clinician)
    add(c, "brand.new@example.org", name="Brandnew Person")
    assert "Brandnew Person" not in c.get("/caseload").get_data(as_text=True)
    assert c.get("/api/v1/patients").json["items"] == []
    pending = db.session.query(User).filter_by(email="brand.new@example.org").one()
    booking = c.post("/api/v1/sessions", headers={"X-CSRFToken": c.csrf}, json={
        "patient_id": pending.id, "kind": "intake", "starts_at": "2031-03-04T09:00:00+00:00", "duration_minutes": 60})
    assert booking.status_code == 404  # the same answer as for anybody else's patient
    body = db.session.query(OutboxEmail).one().body
    link = re.search(r"http://localhost(/invite/\S+)", body).group(1)
    newcomer = app.test_client()
    token = auth.on(newcomer).csrf_token(link)
    assert newcomer.post(link, data={"csrf_token": token, "password": "my own long passphrase",
                                     "confirm": "my own long passphrase"}).status_code == 302
    assert "Brandnew Person" in c.get("/caseload").get_data(as_text=True)


def test_same_order_of_time_for_new_and_existing_addresses(accounts, clinician, login_as):
    c = login_as(clinician)
    add(c, "warm.up@example.org")

    def timed(email: str) -> float:
        start = time.perf_counter()
        assert add(c, email).status_code == 200
        return time.perf_counter() - start

    fresh = statistics.median(timed(f"fresh{i}@example.org") for i in range(5))
    taken = statistics.median(timed(accounts["patient of another clinician"].email) for _ in range(5))
    print(f"add-patient median: new {fresh * 1000:.1f} ms, existing {taken * 1000:.1f} ms")
    assert max(fresh, taken) / min(fresh, taken) < 5, (fresh, taken)
