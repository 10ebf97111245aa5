"""Admin account management and clinic settings."""
import re

from sqlalchemy import select

from katapp.clinic import clinic_settings
from katapp.extensions import db
from katapp.models import AuditEvent, ClinicSettings, User


def test_admin_creates_patient_with_care_team(admin, clinician, other_clinician, login_as):
    c = login_as(admin)
    response = c.post("/admin/users/new", data={
        "csrf_token": c.csrf, "email": "Fresh@Example.org", "display_name": "Fresh Patient", "role": "patient",
        "timezone": "America/Chicago", "clinicians": [str(clinician.id), str(other_clinician.id)]})
    assert response.status_code == 200
    assert re.search(r"/invite/[\w-]{20,}", response.get_data(as_text=True))
    user = db.session.scalar(select(User).where(User.email == "fresh@example.org"))
    assert sorted(c.id for c in user.clinicians) == sorted([clinician.id, other_clinician.id])


def test_admin_creates_clinician(admin, login_as):
    c = login_as(admin)
    c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "doc@example.org", "display_name": "Doc",
                                     "role": "clinician", "timezone": "UTC"})
    assert db.session.scalar(select(User.role).where(User.email == "doc@example.org")) == "clinician"


def test_admin_new_user_validation(admin, login_as):
    c = login_as(admin)
    response = c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "not-an-email", "display_name": "",
                                                "role": "patient", "timezone": "Mars/Olympus"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a valid email." in text and "Enter a name." in text
    assert db.session.scalar(select(User).where(User.email == "not-an-email")) is None


def test_deactivation_signs_user_out(admin, patient, login_as):
    pc = login_as(patient)
    assert pc.get("/checkin").status_code == 200
    ac = login_as(admin)
    response = ac.post(f"/admin/users/{patient.id}", data={"csrf_token": ac.csrf, "display_name": patient.display_name,
                                                           "timezone": patient.timezone, "clinicians": []})
    assert response.status_code == 302
    assert pc.get("/checkin").status_code == 302
    assert db.session.get(User, patient.id).active is False
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "account_deactivated"))


def test_admin_reassigns_care_team(admin, patient, clinician, other_clinician, login_as):
    c = login_as(admin)
    c.post(f"/admin/users/{patient.id}", data={"csrf_token": c.csrf, "display_name": "Pat", "timezone": "UTC",
                                               "active": "y", "clinicians": [str(other_clinician.id)]})
    db.session.expire_all()
    assert [u.id for u in db.session.get(User, patient.id).clinicians] == [other_clinician.id]


def test_admin_cannot_deactivate_self(admin, login_as):
    c = login_as(admin)
    response = c.post(f"/admin/users/{admin.id}", data={"csrf_token": c.csrf, "display_name": "A", "timezone": "UTC"})
    assert response.status_code == 422 and "cannot deactivate your own account" in response.get_data(as_text=True)


def test_user_list_filters(admin, patient, clinician, login_as):
    c = login_as(admin)
    text = c.get("/admin/users?role=clinician").get_data(as_text=True)
    assert clinician.email in text and patient.email not in text
    text = c.get("/admin/users?q=pat@").get_data(as_text=True)
    assert patient.email in text and clinician.email not in text


def test_settings_saved_and_validated(admin, login_as):
    assert clinic_settings().bp_limit_systolic == 140
    c = login_as(admin)
    form = {"csrf_token": c.csrf, "clinic_name": "Calm Clinic", "timezone": "America/Denver",
            "bp_limit_systolic": "150", "bp_limit_diastolic": "95", "pcl5_cutpoint": "31",
            "phq9_every_days": "7", "gad7_every_days": "14", "pcl5_every_days": "28", "series_length": "6",
            "crisis_text": "Call 988.", "country": "US", "escalation_hours": "4",
            "crisis_resources": '{"US": [{"label": "Call 988", "kind": "call", "value": "988"}]}'}
    assert c.post("/admin/settings", data=form).status_code == 302
    row = db.session.get(ClinicSettings, 1)
    assert (row.pcl5_cutpoint, row.clinic_name) == (31, "Calm Clinic")
    assert row.bp_limit_systolic == 140  # the BP limit moved to /admin/settings/dosing (tests/admin/test_dosing_settings.py)
    bad = c.post("/admin/settings", data={**form, "pcl5_cutpoint": "5"})
    assert bad.status_code == 400
    db.session.expire_all()
    assert db.session.get(ClinicSettings, 1).pcl5_cutpoint == 31


def test_email_taken_between_check_and_insert_is_a_form_error(admin, login_as, make_user, monkeypatch):
    """Two admins creating the same email at once: the unique constraint decides, not a 500."""
    from katapp.admin import services

    c = login_as(admin)
    real_scalar = db.session.scalar
    calls = {"n": 0}

    def scalar_after_other_admin(stmt, *a, **k):
        result = real_scalar(stmt, *a, **k)
        if calls["n"] == 0 and "users.email" in str(stmt):
            calls["n"] += 1
            make_user("clinician", email="race@example.org")  # the other admin's insert lands now
        return result

    monkeypatch.setattr(services.db.session, "scalar", scalar_after_other_admin)
    response = c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "race@example.org",
                                                "display_name": "Race", "role": "admin", "timezone": "UTC"})
    monkeypatch.undo()
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(User.role).where(User.email == "race@example.org")) == "clinician"
