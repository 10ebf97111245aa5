"""Staff review of flags (#11): every flag reaches a person (on call, admins), flags carry the truth
(answered at, arrived at, what, age), grouped acknowledge with one note, fixed query counts."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from katapp import flag_review as review
from katapp.clock import utcnow
from katapp.extensions import db
from katapp.models import AuditEvent, SafetyFlag, User


def shown(moment: dt.datetime, viewer: User) -> str:
    return moment.astimezone(ZoneInfo(viewer.timezone)).strftime("%a %d %b %Y, %H:%M")


def ack(client, patient, flags, note="Called; safe plan agreed.", next_url="/caseload"):
    p = f"p{patient.id}-"
    return client.post(f"/patients/{patient.id}/flags/acknowledge", data={
        f"{p}csrf_token": client.csrf, f"{p}flag_ids": [str(f.id) for f in flags], f"{p}note": note,
        f"{p}next": next_url})


@pytest.mark.parametrize(("age", "words"), [
    (dt.timedelta(seconds=30), "0 min"), (dt.timedelta(minutes=59), "59 min"), (dt.timedelta(hours=3), "3 h"),
    (dt.timedelta(hours=47, minutes=59), "47 h"), (dt.timedelta(hours=48), "2 days"), (dt.timedelta(days=7), "7 days"),
])
def test_age_words(age, words):
    assert review.age_words(age) == words


@pytest.mark.parametrize("orphaned", ["no care team", "only a deactivated clinician"])
def test_flag_without_active_care_team_reaches_on_call_and_admins(orphaned, make_user, clinician, other_clinician,
                                                                  put_on_call, raise_flag, admin, login_as):
    lonely = make_user("patient", display_name="Lonely Patient", phone="+15551234567",
                       clinician=clinician if orphaned != "no care team" else None)
    clinician.active = False
    db.session.commit()
    put_on_call(other_clinician)
    raise_flag(lonely)
    caseload = login_as(other_clinician).get("/caseload").get_data(as_text=True)
    assert "Safety flags to review (1)" in caseload and "Lonely Patient" in caseload
    assert "No active clinician on the care team" in caseload and 'href="tel:+15551234567"' in caseload
    listing = login_as(admin).get("/admin/flags").get_data(as_text=True)
    assert "Lonely Patient" in listing and "No active clinician on the care team" in listing
    assert "No active clinician is on call" not in listing


def test_off_call_clinician_does_not_see_or_acknowledge_orphan_flags(make_user, other_clinician, raise_flag, login_as):
    lonely = make_user("patient")
    flag = raise_flag(lonely)
    c = login_as(other_clinician)
    assert "Safety flags to review" not in c.get("/caseload").get_data(as_text=True)
    assert ack(c, lonely, [flag]).status_code == 404  # not a patient they may review: as if missing
    db.session.refresh(flag)
    assert flag.is_open


def test_admin_list_warns_when_a_flag_reaches_nobody(make_user, raise_flag, admin, login_as):
    raise_flag(make_user("patient"))
    assert "No active clinician is on call" in login_as(admin).get("/admin/flags").get_data(as_text=True)


def test_flag_shows_answered_at_arrived_at_what_and_age(patient, make_assessment, make_checkin, raise_flag, admin,
                                                        login_as):
    now = utcnow().replace(second=0, microsecond=0)
    answered = now - dt.timedelta(days=8)
    phq = make_assessment(patient, answers=[1] * 8 + [3], recorded_at=answered)
    raise_flag(patient, raised_at=now - dt.timedelta(days=7), source="assessment", assessment_id=phq.id)
    yes = make_checkin(patient, recorded_at=now - dt.timedelta(hours=5), self_harm_thoughts=True)
    raise_flag(patient, raised_at=now - dt.timedelta(hours=3), checkin_id=yes.id)
    text = login_as(admin).get("/admin/flags").get_data(as_text=True)
    assert "PHQ-9 item 9: Nearly every day" in text and "Daily check-in: yes to thoughts of harming yourself" in text
    assert shown(answered, admin) in text and shown(now - dt.timedelta(days=7), admin) in text
    assert shown(now - dt.timedelta(hours=5), admin) in text and shown(now - dt.timedelta(hours=3), admin) in text
    assert 'badge badge-danger" title="since it arrived">7 days · overdue<' in text  # past the 4 h escalation delay
    assert 'class="flag-age badge" title="since it arrived">3 h<' in text


def test_deleted_entry_keeps_the_reason_and_says_when_answered_is_unknown(patient, raise_flag, clinician, login_as):
    raise_flag(patient, reason="Answered yes to the daily safety question")
    text = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Answered yes to the daily safety question" in text and "not known (entry deleted)" in text


def test_grouped_acknowledge_one_note_one_transaction_audited_per_flag(patient, clinician, raise_flag, login_as):
    first, second = raise_flag(patient), raise_flag(patient)
    c = login_as(clinician)
    page = c.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert page.count(f'action="/patients/{patient.id}/flags/acknowledge"') == 1 and "Acknowledge all" in page
    response = ack(c, patient, [first, second], next_url=f"/patients/{patient.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/patients/{patient.id}")
    db.session.expire_all()
    flags = db.session.scalars(select(SafetyFlag).order_by(SafetyFlag.id)).all()
    assert [(f.is_open, f.note, f.acknowledged_by_id) for f in flags] == [(False, "Called; safe plan agreed.",
                                                                            clinician.id)] * 2
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "safety_flag.acknowledge")).all()
    assert sorted(e.object_id for e in events) == [first.id, second.id]
    assert {(e.actor_id, e.patient_id, e.object_type) for e in events} == {(clinician.id, patient.id, "safety_flags")}
    assert "2 safety flags acknowledged." in c.get(f"/patients/{patient.id}").get_data(as_text=True)


def test_acknowledge_a_subset_leaves_the_rest_open(patient, clinician, raise_flag, login_as):
    first, second = raise_flag(patient), raise_flag(patient)
    assert ack(login_as(clinician), patient, [second]).status_code == 302
    db.session.expire_all()
    assert (db.session.get(SafetyFlag, first.id).is_open, db.session.get(SafetyFlag, second.id).is_open) == (True, False)


def test_admin_acknowledges_from_the_clinic_list(patient, admin, raise_flag, login_as):
    flag = raise_flag(patient)
    c = login_as(admin)
    assert ack(c, patient, [flag], next_url="/admin/flags").headers["Location"].endswith("/admin/flags")
    db.session.refresh(flag)
    assert flag.acknowledged_by_id == admin.id
    assert "No open safety flags." in c.get("/admin/flags").get_data(as_text=True)


@pytest.mark.parametrize(("note", "ids", "message"), [
    ("", True, "Write a note to acknowledge."), ("   ", True, "Write what you did or decided."),
    ("ok", False, "Choose at least one flag."),
])
def test_acknowledge_refuses_without_note_or_flag_and_stores_nothing(patient, clinician, raise_flag, login_as,
                                                                     note, ids, message):
    flag = raise_flag(patient)
    response = ack(login_as(clinician), patient, [flag] if ids else [], note=note)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.refresh(flag)
    assert flag.is_open


def test_acknowledge_refuses_another_patients_flag_and_foreign_caseload(patient, other_patient, clinician,
                                                                        raise_flag, login_as):
    mine, theirs = raise_flag(patient), raise_flag(other_patient)
    c = login_as(clinician)
    assert ack(c, patient, [mine, theirs]).status_code == 404  # a flag of another patient in the group
    assert ack(c, other_patient, [theirs]).status_code == 404  # not on the caseload: missing and foreign alike
    db.session.expire_all()
    assert db.session.get(SafetyFlag, mine.id).is_open and db.session.get(SafetyFlag, theirs.id).is_open


def test_patient_cannot_acknowledge(patient, raise_flag, login_as):
    flag = raise_flag(patient)
    c = login_as(patient)
    assert ack(c, patient, [flag]).status_code == 404
    db.session.refresh(flag)
    assert flag.is_open


def test_patient_page_has_phone_with_tel_link(patient, clinician, login_as):
    patient.phone = "+442071234567"
    db.session.commit()
    text = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert '<a href="tel:+442071234567">+442071234567</a>' in text


def test_flag_list_query_count_is_fixed_as_data_grows(make_user, clinician, raise_flag, make_assessment, admin,
                                                      count_queries, app):
    def grow(n):
        for _ in range(n):
            person = make_user("patient", clinician=clinician)
            phq = make_assessment(person, answers=[1] * 8 + [2])
            raise_flag(person, source="assessment", assessment_id=phq.id)
            raise_flag(person)

    def count():
        db.session.expire_all()
        with app.test_request_context("/admin/flags"):
            with count_queries() as q:
                groups = review.open_flag_groups(admin)
                [(g.patient.display_name, v.answer, v.answered_at) for g in groups for v in g.flags]
        return q.count, len(groups)

    grow(2)
    few = count()
    grow(6)
    many = count()
    assert (few[1], many[1]) == (2, 8) and few[0] == many[0] <= 3
