"""Issue #15: an admin can no longer take over an account (the quoted paths must fail)."""
import re

from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent, Invitation, OutboxEmail, User

TAKEN = "already has a password"


def test_admin_cannot_get_a_password_link_for_an_account_with_a_password(admin, patient, login_as, make_journal):
    entry = make_journal(patient, "Private thoughts")
    c = login_as(admin)
    response = c.post(f"/admin/users/{patient.id}/invite", data={"csrf_token": c.csrf})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert TAKEN in text and "/invite/" not in text
    assert db.session.scalar(select(Invitation.id)) is None
    assert c.get(f"/journal/{entry.id}").status_code == 404  # the admin never reads the journal


def test_old_invitation_stops_working_once_a_password_is_set(app, admin, make_user, login_as, auth):
    invited = make_user("patient", password_hash=None)
    c = login_as(admin)
    first = c.post(f"/admin/users/{invited.id}/invite", data={"csrf_token": c.csrf}).get_data(as_text=True)
    second = c.post(f"/admin/users/{invited.id}/invite", data={"csrf_token": c.csrf}).get_data(as_text=True)
    first_path = re.search(r"http://localhost(/invite/[\w-]+)", first).group(1)
    second_path = re.search(r"http://localhost(/invite/[\w-]+)", second).group(1)
    assert app.test_client().get(first_path).status_code == 404  # reissuing ended the first one
    p = app.test_client()
    data = {"csrf_token": auth.on(p).csrf_token(second_path), "password": "my own long passphrase",
            "confirm": "my own long passphrase"}
    assert p.post(second_path, data=data).status_code == 302
    # Now the account has a password: no new link, and the edit page offers none.
    assert c.post(f"/admin/users/{invited.id}/invite", data={"csrf_token": c.csrf}).status_code == 422
    assert "New invitation link" not in c.get(f"/admin/users/{invited.id}").get_data(as_text=True)


def test_accepting_an_invitation_is_audited_with_the_account_as_subject(app, admin, make_user, login_as, auth):
    invited = make_user("patient", password_hash=None)
    c = login_as(admin)
    page = c.post(f"/admin/users/{invited.id}/invite", data={"csrf_token": c.csrf}).get_data(as_text=True)
    path = re.search(r"http://localhost(/invite/[\w-]+)", page).group(1)
    p = app.test_client()
    p.post(path, data={"csrf_token": auth.on(p).csrf_token(path), "password": "my own long passphrase",
                       "confirm": "my own long passphrase"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_set"))
    assert (event.actor_id, event.object_type, event.object_id, event.patient_id) == (
        invited.id, "users", invited.id, invited.id)
    assert f"invited by user {admin.id}" in event.detail
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == invited.email))
    assert mail.kind == "account" and "password" in mail.subject.lower()


def test_admin_adding_a_clinician_they_created_to_a_care_team_is_audited_and_shown(admin, patient, login_as):
    c = login_as(admin)
    c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "me-too@example.org", "display_name": "Shadow",
                                     "role": "clinician", "timezone": "UTC"})
    shadow = db.session.scalar(select(User).where(User.email == "me-too@example.org"))
    kept = [str(cl.id) for cl in patient.clinicians]
    c.post(f"/admin/users/{patient.id}", data={"csrf_token": c.csrf, "display_name": patient.display_name,
                                               "timezone": patient.timezone, "active": "y",
                                               "clinicians": [*kept, str(shadow.id)]})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "care_team_added"))
    assert (event.actor_id, event.patient_id, event.object_id) == (admin.id, patient.id, shadow.id)
    assert "created by the same admin" in event.detail
    home = c.get(c.get("/").headers["Location"]).get_data(as_text=True)
    assert "Care-team changes this week" in home
    assert "Shadow" in home and "Pat Patient" in home and "created by the same admin" in home
