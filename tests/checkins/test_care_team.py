"""Safety flags reach the care team (and only them); acknowledging needs a note; questionnaire plans."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select, update

from katapp import clock
from katapp.checkins import services
from katapp.extensions import db
from katapp.models import AuditEvent, InstrumentPlan, SafetyFlag, TherapySession, utcnow


def test_flag_from_a_check_in_is_visible_to_the_care_team_only(pat, login_as, clinician, other_clinician, admin, patient, api):
    api(pat, "POST", "/api/v1/checkins", json={"mood": 1, "self_harm_thoughts": True})
    assert [f.patient_id for f in services.open_flags_for(clinician)] == [patient.id]
    assert services.open_flags_for(other_clinician) == []
    assert services.open_flags_for(patient) == []
    assert services.open_flags_for(admin) == []
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    assert "Safety flags to review (1)" in html and patient.display_name in html
    assert "Safety flags to review" not in login_as(other_clinician).get("/caseload").get_data(as_text=True)


def render_part(app, user, name):
    with app.test_request_context("/caseload"):
        login_user(user)
        return render_template_string('{{ part("' + name + '") }}')


def test_open_flags_partial_lists_each_with_an_acknowledge_form(app, clinician, patient, make_flag):
    flag = make_flag(patient, reason="PHQ-9 item 9")
    html = render_part(app, clinician, "open_flags")
    p = f"p{patient.id}-"
    assert f'action="/patients/{patient.id}/flags/acknowledge"' in html
    assert f'name="{p}flag_ids" value="{flag.id}"' in html
    assert f'name="{p}note"' in html and "required" in html and f'name="{p}next" type="hidden" value="/caseload"' in html
    assert "PHQ-9 item 9" in html


def test_open_flags_partial_is_empty_without_flags(app, clinician, patient):
    assert render_part(app, clinician, "open_flags").strip() == ""


def test_open_flags_is_one_query_however_many_flags(app, clinician, make_user, make_flag, count_queries):
    for _ in range(2):
        make_flag(make_user("patient", clinician=clinician))
    db.session.expire_all()
    with count_queries() as few:
        names = [f.patient.display_name for f in services.open_flags_for(clinician)]
    assert len(names) == 2
    for _ in range(6):
        make_flag(make_user("patient", clinician=clinician))
    db.session.expire_all()
    with count_queries() as many:
        names = [f.patient.display_name for f in services.open_flags_for(clinician)]
    assert len(names) == 8
    assert few.count == many.count <= 2  # the flags with their patients, plus reloading the expired clinician
    assert sum("safety_flags" in s for s in many.statements) == 1


def test_acknowledge_with_note_closes_audits_and_redirects_to_local_next(login_as, clinician, patient, make_flag):
    flag = make_flag(patient)
    c = login_as(clinician)
    r = c.post(f"/flags/{flag.id}/acknowledge", data={"csrf_token": c.csrf, "note": "Called; safe plan agreed.",
                                                       "next": f"/patients/{patient.id}"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/patients/{patient.id}")
    db.session.refresh(flag)
    assert not flag.is_open and flag.acknowledged_by_id == clinician.id and flag.note == "Called; safe plan agreed."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "safety_flag.acknowledge"))
    assert (event.actor_id, event.patient_id, event.object_id) == (clinician.id, patient.id, flag.id)
    assert services.open_flags_for(clinician) == []


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example", "javascript:alert(1)", ""])
def test_acknowledge_refuses_foreign_next(login_as, clinician, patient, make_flag, next_url):
    flag = make_flag(patient)
    c = login_as(clinician)
    r = c.post(f"/flags/{flag.id}/acknowledge", data={"csrf_token": c.csrf, "note": "seen", "next": next_url})
    assert r.status_code == 302 and r.headers["Location"] in ("/caseload", "http://localhost/caseload")


@pytest.mark.parametrize("note", ["", "   "])
def test_acknowledge_without_a_note_is_refused(login_as, clinician, patient, make_flag, note):
    flag = make_flag(patient)
    c = login_as(clinician)
    r = c.post(f"/flags/{flag.id}/acknowledge", data={"csrf_token": c.csrf, "note": note})
    assert r.status_code == 400
    assert "note" in r.get_data(as_text=True).lower()
    db.session.refresh(flag)
    assert flag.is_open
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "safety_flag.acknowledge")) is None


@pytest.mark.parametrize("who", ["other_clinician", "patient", "admin"])
def test_acknowledge_by_anyone_outside_the_care_team_is_404(request, login_as, patient, make_flag, who):
    flag = make_flag(patient)
    c = login_as(request.getfixturevalue(who))
    r = c.post(f"/flags/{flag.id}/acknowledge", data={"csrf_token": c.csrf, "note": "seen"})
    assert r.status_code == 404
    db.session.refresh(flag)
    assert flag.is_open


def test_acknowledge_missing_flag_is_404(login_as, clinician):
    c = login_as(clinician)
    assert c.post("/flags/9999/acknowledge", data={"csrf_token": c.csrf, "note": "x"}).status_code == 404


def test_acknowledging_twice_keeps_the_first_note(login_as, clinician, patient, make_flag):
    flag = make_flag(patient)
    c = login_as(clinician)
    c.post(f"/flags/{flag.id}/acknowledge", data={"csrf_token": c.csrf, "note": "first"})
    r = c.post(f"/flags/{flag.id}/acknowledge", data={"csrf_token": c.csrf, "note": "second"}, follow_redirects=True)
    assert "already acknowledged" in r.get_data(as_text=True)
    db.session.refresh(flag)
    assert flag.note == "first"


# --- Instrument plan ---------------------------------------------------------------------------------------
def test_pcl5_is_off_until_the_care_team_turns_it_on_and_it_is_audited(login_as, clinician, patient):
    assert services.instrument_plan(patient.id) == {"phq9": True, "gad7": True, "pcl5": False}
    assert [d.instrument for d in services.due_questionnaires(patient)] == ["phq9", "gad7"]
    c = login_as(clinician)
    r = c.get(f"/patients/{patient.id}/instruments")
    assert r.status_code == 200 and "PCL-5" in r.get_data(as_text=True)
    r = c.post(f"/patients/{patient.id}/instruments", data={"csrf_token": c.csrf, "phq9": "y", "gad7": "y", "pcl5": "y"})
    assert r.status_code == 302
    row = db.session.get(InstrumentPlan, (patient.id, "pcl5"))
    assert row.enabled is True and row.changed_by_id == clinician.id
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "instrument_plan.change")) == "pcl5 on"
    assert [d.instrument for d in services.due_questionnaires(patient)] == ["phq9", "gad7", "pcl5"]
    c.post(f"/patients/{patient.id}/instruments", data={"csrf_token": c.csrf, "phq9": "y", "gad7": "y"})
    db.session.refresh(row)
    assert row.enabled is False


@pytest.mark.parametrize("who", ["other_clinician", "patient", "admin"])
def test_instrument_plan_is_care_team_only(request, login_as, patient, who):
    c = login_as(request.getfixturevalue(who))
    assert c.get(f"/patients/{patient.id}/instruments").status_code == 404
    r = c.post(f"/patients/{patient.id}/instruments", data={"csrf_token": c.csrf})
    assert r.status_code == 404
    assert db.session.scalar(select(InstrumentPlan)) is None


# --- Due logic --------------------------------------------------------------------------------------------
def at_noon(patient, day):
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(12), ZoneInfo(patient.timezone)).astimezone(dt.UTC)


def test_everything_turned_on_is_due_before_any_questionnaire(pcl5_on):
    assert [d.instrument for d in services.due_questionnaires(pcl5_on)] == ["phq9", "gad7", "pcl5"]


@pytest.mark.parametrize(("days_ago", "due"), [(0, False), (6, False), (7, True), (20, True)])
def test_phq9_and_gad7_are_due_weekly(patient, make_assessment, days_ago, due):
    today = clock.local_today(patient)
    for key in ("phq9", "gad7", "pcl5"):
        make_assessment(patient, key, recorded_at=at_noon(patient, today - dt.timedelta(days=days_ago if key != "pcl5" else 0)))
    got = [d.instrument for d in services.due_questionnaires(patient, today)]
    assert got == (["phq9", "gad7"] if due else [])


@pytest.mark.parametrize(("days_ago", "due"), [(27, False), (28, True)])
def test_pcl5_is_due_every_four_weeks(patient, pcl5_on, make_assessment, days_ago, due):
    today = clock.local_today(patient)
    make_assessment(patient, "phq9", recorded_at=at_noon(patient, today))
    make_assessment(patient, "gad7", recorded_at=at_noon(patient, today))
    make_assessment(patient, "pcl5", [0] * 20, recorded_at=at_noon(patient, today - dt.timedelta(days=days_ago)))
    assert ("pcl5" in [d.instrument for d in services.due_questionnaires(patient, today)]) is due


def test_intervals_follow_clinic_settings(set_clinic, patient, make_assessment):
    set_clinic(phq9_every_days=3, gad7_every_days=14)
    today = clock.local_today(patient)
    for key in ("phq9", "gad7", "pcl5"):
        make_assessment(patient, key, recorded_at=at_noon(patient, today - dt.timedelta(days=3)))
    assert [d.instrument for d in services.due_questionnaires(patient, today)] == ["phq9"]


def in_zone(patient, day, hour, minute=0):
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(patient.timezone)).astimezone(dt.UTC)


def due_phq9(patient, today):
    return [d.reason for d in services.due_questionnaires(patient, today) if d.instrument == "phq9"]


@pytest.mark.parametrize(("days_ahead", "due"), [(1, True), (2, True), (3, False)])
def test_pre_session_phq9_is_due_from_two_days_before_a_ketamine_session(patient, clinician, make_assessment,
                                                                       make_session, days_ahead, due):
    today = clock.local_today(patient)
    for key in ("phq9", "gad7"):
        make_assessment(patient, key, recorded_at=at_noon(patient, today - dt.timedelta(days=4)))
    assert services.due_questionnaires(patient, today) == []
    # 23:30 on the session's day in the patient's zone still counts as that day.
    session_day = today + dt.timedelta(days=days_ahead)
    make_session(patient, clinician, starts_at=in_zone(patient, session_day, 23, 30), minutes=30)
    expected = [f"Before your ketamine session on {session_day.strftime('%a %d %b')}"] if due else []
    assert due_phq9(patient, today) == expected


def test_a_phq9_inside_the_window_satisfies_it_and_one_before_does_not(patient, clinician, make_assessment, make_session):
    today = clock.local_today(patient)
    make_assessment(patient, "gad7", recorded_at=at_noon(patient, today))
    make_session(patient, clinician, starts_at=in_zone(patient, today + dt.timedelta(days=2), 23, 30), minutes=30)
    make_assessment(patient, "phq9", recorded_at=in_zone(patient, today - dt.timedelta(days=1), 23, 0))
    assert len(due_phq9(patient, today)) == 1  # taken the evening before the window opened
    make_assessment(patient, "phq9", recorded_at=in_zone(patient, today, 0, 30))
    assert due_phq9(patient, today) == []  # the window opened today, two days before the session


def test_pre_session_phq9_is_due_up_to_the_session_not_after_it_began(patient, clinician, make_assessment, make_session):
    for key in ("phq9", "gad7"):
        make_assessment(patient, key, recorded_at=utcnow() - dt.timedelta(days=3))
    soon = utcnow() + dt.timedelta(minutes=30)
    make_session(patient, clinician, starts_at=soon, minutes=30)
    assert due_phq9(patient, clock.local_today(patient)) != []
    db.session.execute(update(TherapySession).values(starts_at=utcnow() - dt.timedelta(minutes=5),
                                                     ends_at=utcnow() + dt.timedelta(minutes=25)))
    db.session.commit()
    assert due_phq9(patient, clock.local_today(patient)) == []  # begun: too late for a pre-dose score


@pytest.mark.parametrize(("kind", "status", "days_ahead"), [("integration", "scheduled", 1), ("ketamine", "cancelled", 1),
                                                            ("ketamine", "scheduled", 3), ("ketamine", "scheduled", -1)])
def test_no_pre_session_phq9_for_other_sessions(patient, clinician, make_assessment, make_session, kind, status, days_ahead):
    today = clock.local_today(patient)
    for key in ("phq9", "gad7"):
        make_assessment(patient, key, recorded_at=at_noon(patient, today - dt.timedelta(days=3)))
    make_session(patient, clinician, kind=kind, status=status, starts_at=at_noon(patient, today + dt.timedelta(days=days_ahead)))
    assert services.due_questionnaires(patient, today) == []


def test_switched_off_phq9_is_not_due_even_before_a_session(patient, clinician, make_session):
    db.session.add(InstrumentPlan(patient_id=patient.id, instrument="phq9", enabled=False))
    db.session.commit()
    today = clock.local_today(patient)
    make_session(patient, clinician, starts_at=at_noon(patient, today + dt.timedelta(days=1)))
    assert "phq9" not in [d.instrument for d in services.due_questionnaires(patient, today)]


def test_due_questionnaires_show_on_the_home(pat, patient, make_assessment):
    html = pat.get("/checkin").get_data(as_text=True)
    assert "Questionnaires due" in html and 'href="/questionnaires/phq9"' in html
    assert 'href="/questionnaires/pcl5"' not in html  # not turned on for this patient
    for key in ("phq9", "gad7", "pcl5"):
        make_assessment(patient, key)
    assert "Questionnaires due" not in pat.get("/checkin").get_data(as_text=True)


# --- Streak ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("offsets", "expected"), [([], 0), ([0], 1), ([0, 1, 2], 3), ([1, 2], 2), ([0, 2, 3], 1),
                                                   ([2, 3], 0), ([0, 0, 1], 2)])
def test_streak_counts_consecutive_local_days(patient, make_checkin, offsets, expected):
    today = clock.local_today(patient)
    for off in offsets:
        make_checkin(patient, recorded_at=at_noon(patient, today - dt.timedelta(days=off)))
    assert services.streak(patient, today) == expected


def test_flags_are_not_raised_for_non_safety_scores(pat, api):
    api(pat, "POST", "/api/v1/assessments", json={"instrument": "gad7", "answers": [3] * 7})
    assert db.session.scalar(select(SafetyFlag)) is None
