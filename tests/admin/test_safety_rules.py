"""Admin pages never leave a patient without an active clinician (#11); alert settings; patient contact fields."""
from __future__ import annotations

import json

from sqlalchemy import select

from katapp.clinic import clinic_settings
from katapp.extensions import db
from katapp.models import AuditEvent, ClinicSettings, User, on_call


def edit(client, user, **fields):
    data = {"csrf_token": client.csrf, "display_name": user.display_name, "timezone": user.timezone, "active": "y",
            **fields}
    return client.post(f"/admin/users/{user.id}", data={k: v for k, v in data.items() if v is not None})


def team(patient) -> list[int]:
    db.session.expire_all()
    return [c.id for c in db.session.get(User, patient.id).clinicians]


def test_deactivating_a_sole_clinician_asks_where_their_patients_go(admin, clinician, patient, login_as):
    c = login_as(admin)
    assert "who takes over their patients" in c.get(f"/admin/users/{clinician.id}").get_data(as_text=True)
    response = edit(c, clinician, active=None)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dr. Clin is the only active clinician of 1 patient (Pat Patient). Choose who takes them over." in text
    db.session.expire_all()
    assert db.session.get(User, clinician.id).active is True and team(patient) == [clinician.id]


def test_deactivating_with_a_successor_moves_every_patient_in_one_step(admin, clinician, other_clinician, patient,
                                                                       make_user, login_as):
    shared = make_user("patient", clinician=clinician)
    db.session.execute(User.__table__.metadata.tables["care_team"].insert().values(
        clinician_id=other_clinician.id, patient_id=shared.id))
    db.session.commit()
    response = edit(login_as(admin), clinician, active=None, move_to=str(other_clinician.id))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, clinician.id).active is False
    assert team(patient) == [other_clinician.id] and team(shared) == [other_clinician.id]
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "care_team_changed",
                                                             AuditEvent.patient_id == patient.id)) \
        == f"moved to clinician {other_clinician.id}"


def test_successor_must_be_another_active_clinician(admin, clinician, patient, make_user, login_as):
    retired = make_user("clinician", active=False)
    response = edit(login_as(admin), clinician, active=None, move_to=str(retired.id))
    assert response.status_code == 400  # not among the choices
    db.session.expire_all()
    assert db.session.get(User, clinician.id).active is True


def test_deactivating_a_clinician_whose_patients_have_another_one_needs_no_choice(admin, clinician, other_clinician,
                                                                                  patient, login_as):
    db.session.execute(User.__table__.metadata.tables["care_team"].insert().values(
        clinician_id=other_clinician.id, patient_id=patient.id))
    db.session.commit()
    assert edit(login_as(admin), clinician, active=None).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, clinician.id).active is False


def test_removing_the_last_active_clinician_from_a_care_team_is_refused(admin, clinician, patient, make_user,
                                                                          login_as):
    retired = make_user("clinician", active=False)
    c = login_as(admin)
    response = edit(c, patient, clinicians=[])
    assert response.status_code == 422
    assert "Keep at least one active clinician on Pat Patient&#39;s care team" in response.get_data(as_text=True)
    assert edit(c, patient, clinicians=[str(retired.id)]).status_code == 400  # a deactivated one is not a choice
    assert team(patient) == [clinician.id]


def test_creating_a_patient_without_a_care_team_is_refused(admin, login_as):
    c = login_as(admin)
    response = c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "alone@example.org",
                                                "display_name": "Alone", "role": "patient", "timezone": "UTC"})
    assert response.status_code == 400
    assert "Choose at least one active clinician for the care team" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "alone@example.org")) is None


def test_staff_edit_patient_phone_and_country(admin, patient, clinician, login_as):
    c = login_as(admin)
    assert edit(c, patient, clinicians=[str(clinician.id)], phone="+1 (555) 010-2030", country="gb").status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, patient.id)
    assert (stored.phone, stored.country) == ("+15550102030", "GB")
    bad = edit(c, patient, clinicians=[str(clinician.id)], phone="call me", country="Britain")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Give a phone number" in text and "Give a two-letter country code" in text
    db.session.expire_all()
    assert db.session.get(User, patient.id).phone == "+15550102030"
    assert edit(c, patient, clinicians=[str(clinician.id)], phone="", country="").status_code == 302
    db.session.expire_all()
    assert (db.session.get(User, patient.id).phone, db.session.get(User, patient.id).country) == (None, None)


def settings_form(client, **changes):
    form = {"csrf_token": client.csrf, "clinic_name": "Calm Clinic", "timezone": "America/Denver",
            "bp_limit_systolic": "140", "bp_limit_diastolic": "90", "pcl5_cutpoint": "33", "phq9_every_days": "7",
            "gad7_every_days": "7", "pcl5_every_days": "28", "series_length": "6", "crisis_text": "Call 988.",
            "country": "US", "escalation_hours": "4",
            "crisis_resources": json.dumps({"US": [{"label": "Call 988", "kind": "call", "value": "988"}]})}
    return client.post("/admin/settings", data={**form, **changes})


def test_settings_page_shows_defaults_and_active_clinicians(admin, clinician, make_user, login_as):
    make_user("clinician", display_name="Retired Doc", active=False)
    text = login_as(admin).get("/admin/settings").get_data(as_text=True)
    assert "Samaritans: call 116 123" in text and "Escalate an unacknowledged safety flag after" in text
    assert "Dr. Clin" in text and "Retired Doc" not in text


def test_settings_store_on_call_escalation_country_and_resources(admin, clinician, other_clinician, login_as):
    c = login_as(admin)
    resources = {"GB": [{"label": "Emergency: call 999", "kind": "call", "value": "999"}],
                 "*": [{"label": "Call your local emergency number", "kind": "info", "value": ""}]}
    response = settings_form(c, on_call=[str(other_clinician.id)], escalation_hours="2", country="gb",
                             crisis_resources=json.dumps(resources))
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(ClinicSettings, 1)
    assert (row.escalation_hours, row.country, row.crisis_resources) == (2, "GB", resources)
    assert list(db.session.scalars(select(on_call.c.clinician_id))) == [other_clinician.id]
    assert settings_form(c).status_code == 302  # nobody ticked: the on-call list empties
    assert list(db.session.scalars(select(on_call.c.clinician_id))) == []


def test_settings_refuse_bad_resources_with_a_clear_message_and_store_nothing(admin, other_clinician, login_as):
    c = login_as(admin)
    cases = [("{not json", "This is not valid JSON"),
             (json.dumps({"USA": [{"label": "x", "kind": "call", "value": "988"}]}), "USA: Use a two-letter country code"),
             (json.dumps({"US": [{"label": "Lifeline", "kind": "call", "value": "nine-eight-eight"}]}),
              "US: A number to call or text holds digits only"),
             (json.dumps({}), "Give at least one country")]
    for text, message in cases:
        response = settings_form(c, crisis_resources=text, on_call=[str(other_clinician.id)])
        assert response.status_code == 400 and message in response.get_data(as_text=True), text
    db.session.expire_all()
    assert db.session.get(ClinicSettings, 1).crisis_resources is None and clinic_settings().crisis_resources is None  # nothing stored
    assert list(db.session.scalars(select(on_call.c.clinician_id))) == []


def test_settings_refuse_escalation_out_of_range(admin, login_as):
    response = settings_form(login_as(admin), escalation_hours="0")
    assert response.status_code == 400 and "Choose between 1 and 72 hours." in response.get_data(as_text=True)


def test_admin_nav_and_overview_link_to_open_flags(admin, login_as):
    text = login_as(admin).get("/clinic").get_data(as_text=True)
    header, main = text.split("</header>", 1)
    assert header.count('href="/admin/flags"') == 2  # the wide nav and the phone's menu
    assert main.count('href="/admin/flags"') == 1  # the overview's own link
