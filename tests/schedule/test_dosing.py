"""The dosing day (issue #12) end to end on SQLite/PostgreSQL: every hard stop refuses on the page
and in the API with the failing check named, overrides are audited, the mg/kg range needs a
reason, discharge waits for the observation time, and GET /api/v1/sessions/<id> shows it all."""
import datetime as dt

import pytest

from katapp.extensions import db
from katapp.models import AuditEvent, SafetyFlag, TherapySession, VitalReading, utcnow

READY = {"weight_kg": 70, "bp_before": "128/84", "checklist": ["fasting", "escort", "consent"]}
DOSE = {"status": "dosed", "dose_mg": 35, "route": "iv"}


def midday_zone() -> str:
    """A fixed-offset zone where it is about noon now, so "today" never straddles midnight in a test."""
    offset = 12 - utcnow().hour
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def pat(make_user, clinician, make_screening):
    """A patient with a signed-off clean screening, where it is midday."""
    p = make_user("patient", clinician=clinician, display_name="Dee Dosing", timezone=midday_zone())
    make_screening(p, recorded_by=clinician, cleared_at=utcnow(), cleared_by_id=clinician.id, clear_note="reviewed")
    return p


@pytest.fixture
def sess(pat, clinician, make_session):
    """Today's ketamine session, started 5 minutes ago, the patient checked in."""
    return make_session(pat, clinician, starts_at=(utcnow() - dt.timedelta(minutes=5)).replace(microsecond=0),
                        status="checked_in")


@pytest.fixture
def doc(clinician, login_as):
    return login_as(clinician)


@pytest.fixture
def patch(api):
    """patch(client, session, **body) -> the PATCH /api/v1/sessions/<id> answer."""

    def send(c, s, **body):
        return api(c, "PATCH", f"/api/v1/sessions/{s.id}", json=body)

    return send


def status_of(s) -> str:
    db.session.expire_all()
    return db.session.get(TherapySession, s.id).status


def dosed_minutes_ago(s, minutes: int) -> None:
    """Move the recorded dose back in time (as if the dose was given `minutes` ago)."""
    row = db.session.get(TherapySession, s.id)
    row.dosed_at = utcnow() - dt.timedelta(minutes=minutes)
    db.session.commit()


def test_ready_session_doses_and_answers_mg_per_kg(doc, sess, patch):
    r = patch(doc, sess, **READY, **DOSE)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "dosed" and body["dose"]["mg_per_kg"] == 0.5 and body["predose"]["weight_kg"] == 70
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "session_dosed")).detail.startswith("35 mg iv")


@pytest.mark.parametrize(("setup", "key"), [
    ("no_screening", "screening"), ("expired", "screening"), ("uncleared", "screening"), ("unsigned", "screening"),
    ("open_flag", "flag"), ("high_bp", "bp"), ("too_early", "start_time"), ("checklist", "checklist"),
    ("weight", "weight"),
])
def test_every_hard_stop_refuses_in_the_api_and_on_the_page(doc, sess, pat, clinician, make_screening, setup, key, patch):
    body = {**READY, **DOSE}
    from katapp.models import Screening
    if setup == "no_screening":
        db.session.execute(db.delete(Screening))
    elif setup == "expired":
        db.session.execute(db.update(Screening).values(recorded_at=utcnow() - dt.timedelta(days=181)))
    elif setup == "uncleared":
        make_screening(pat, cardiovascular_disease=True)
    elif setup == "unsigned":
        make_screening(pat)
    elif setup == "open_flag":
        db.session.add(SafetyFlag(patient_id=pat.id, source="checkin", reason="self-harm thoughts"))
    elif setup == "high_bp":
        body["bp_before"] = "150/95"
    elif setup == "too_early":
        row = db.session.get(TherapySession, sess.id)
        row.starts_at, row.ends_at = row.starts_at + dt.timedelta(minutes=25), row.ends_at + dt.timedelta(minutes=25)
    elif setup == "checklist":
        body["checklist"] = ["fasting", "consent"]
    else:
        del body["weight_kg"]
    db.session.commit()
    r = patch(doc, sess, **body)
    assert r.status_code == 422 and key in r.get_json()["fields"], r.get_json()
    assert status_of(sess) == "checked_in"
    # The page: the pre-dose record is saved, the dose button is refused with the same reason.
    data = {"predose-csrf_token": doc.csrf, "predose-weight_kg": str(body.get("weight_kg", "")),
            "predose-bp": body["bp_before"], "predose-pregnancy_possible": "no", "predose-checklist": body["checklist"]}
    doc.post(f"/agenda/sessions/{sess.id}/dosing/predose", data=data)
    r = doc.post(f"/agenda/sessions/{sess.id}/dosing/dose",
                 data={"dose-csrf_token": doc.csrf, "dose-dose_mg": "35", "dose-route": "iv"})
    assert r.status_code == 422 and "The dose cannot start" in r.get_data(as_text=True)
    assert f'data-check="{key}"' in r.get_data(as_text=True)
    assert status_of(sess) == "checked_in"


def test_bp_override_with_a_reason_is_audited(doc, sess, patch):
    r = patch(doc, sess, **{**READY, "bp_before": "150/95"}, **DOSE)
    assert r.status_code == 422 and "140/90" in r.get_json()["fields"]["bp"]
    r = patch(doc, sess, **{**READY, "bp_before": "150/95", "override_reason": "white-coat; home BP 130/85"}, **DOSE)
    assert r.status_code == 200 and r.get_json()["bp_warning_confirmed"] is True
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "predose_bp_override"))
    assert event and "150/95" in event.detail and "white-coat" in event.detail


def test_completing_before_the_start_is_refused(doc, pat, clinician, make_session, patch):
    tomorrow = make_session(pat, clinician, starts_at=(utcnow() + dt.timedelta(days=1)).replace(microsecond=0))
    r = patch(doc, tomorrow, status="completed", dose_mg=1000, route="iv", bp_before="128/84", bp_after="130/80")
    assert r.status_code == 422
    assert {"start_time", "observation"} <= set(r.get_json()["fields"])
    assert status_of(tomorrow) == "scheduled" and tomorrow.dose_mg is None


def test_dose_outside_the_mg_per_kg_range_needs_a_reason(doc, sess, patch):
    r = patch(doc, sess, **READY, status="dosed", dose_mg=100, route="iv")
    assert r.status_code == 422 and "1.43 mg/kg" in r.get_json()["fields"]["dose_mg"]
    assert status_of(sess) == "checked_in"
    r = patch(doc, sess, **READY, status="dosed", dose_mg=100, route="iv", dose_reason="protocol B, psychiatrist")
    assert r.status_code == 200 and r.get_json()["dose"]["reason"] == "protocol B, psychiatrist"


def test_intranasal_is_56_or_84_mg(doc, sess, patch):
    assert patch(doc, sess, **READY, status="dosed", dose_mg=60, route="intranasal").status_code == 422
    assert patch(doc, sess, **READY, status="dosed", dose_mg=56, route="intranasal").status_code == 200


def test_discharge_waits_for_observation_and_bps_then_completes(doc, sess, api, patch):
    assert patch(doc, sess, **READY, **DOSE).status_code == 200
    ticks = ["alert_oriented", "vitals_baseline", "escort_present"]
    r = patch(doc, sess, status="completed", discharge_checklist=ticks)
    assert r.status_code == 422 and {"observation", "bp_after_dose", "bp_before_discharge"} <= set(r.get_json()["fields"])
    dosed_minutes_ago(sess, 70)
    at40 = (utcnow() - dt.timedelta(minutes=30)).isoformat()
    assert api(doc, "POST", f"/api/v1/sessions/{sess.id}/vitals",
               json={"at": at40, "bp": "138/88", "heart_rate": 80, "spo2": 98, "moaas": 4}).status_code == 201
    r = patch(doc, sess, status="completed", discharge_checklist=ticks[:2], bp_after="126/80")
    assert r.status_code == 422 and set(r.get_json()["fields"]) == {"checklist"}
    assert db.session.scalar(db.select(db.func.count()).select_from(VitalReading)) == 1  # refused: nothing stored
    r = patch(doc, sess, status="completed", discharge_checklist=ticks, bp_after="126/80")
    assert r.status_code == 200 and r.get_json()["status"] == "completed" and r.get_json()["completed_at"]
    assert len(r.get_json()["vitals"]) == 2


def test_discharge_on_the_page_before_the_minimum_time_is_refused(doc, sess, patch):
    patch(doc, sess, **READY, **DOSE)
    r = doc.post(f"/agenda/sessions/{sess.id}/dosing/discharge",
                 data={"discharge-csrf_token": doc.csrf, "discharge-checklist": ["alert_oriented", "vitals_baseline",
                                                                                 "escort_present"]})
    assert r.status_code == 422 and "minutes of observation" in r.get_data(as_text=True)
    assert status_of(sess) == "dosed"


def test_alerting_vitals_need_an_action_note(doc, sess, api, patch):
    patch(doc, sess, **READY, **DOSE)
    url = f"/api/v1/sessions/{sess.id}/vitals"
    r = api(doc, "POST", url, json={"bp": "210/125", "heart_rate": 130})
    assert r.status_code == 422 and {"bp", "heart_rate", "action_note"} <= set(r.get_json()["fields"])
    r = api(doc, "POST", url, json={"bp": "210/125", "heart_rate": 130, "action_note": "infusion paused, labetalol"})
    assert r.status_code == 201
    assert api(doc, "POST", url, json={"bp": "high", "spo2": 40, "moaas": 9}).status_code == 400


def test_a_dosed_session_cannot_be_cancelled(doc, sess, patch):
    patch(doc, sess, **READY, **DOSE)
    assert patch(doc, sess, status="cancelled").status_code == 409


def test_moving_a_ketamine_session_rechecks_the_screening(doc, pat, clinician, make_session, make_screening, patch):
    s = make_session(pat, clinician, starts_at=(utcnow() + dt.timedelta(days=2)).replace(microsecond=0))
    make_screening(pat, cardiovascular_disease=True)
    r = patch(doc, s, starts_at=(utcnow() + dt.timedelta(days=3)).replace(microsecond=0).isoformat())
    assert r.status_code == 422 and "starts_at" in r.get_json()["fields"]


def test_get_session_shows_the_dosing_day_to_the_patient_and_care_team(doc, sess, pat, other_patient, login_as, api, patch):
    patch(doc, sess, **READY, **DOSE)
    api(doc, "POST", f"/api/v1/sessions/{sess.id}/adverse-events", json={"severity": "mild", "description": "nausea"})
    for c in (doc, login_as(pat)):
        body = api(c, "GET", f"/api/v1/sessions/{sess.id}").get_json()
        assert body["dose"]["dose_mg"] == 35 and body["predose"]["bp"] == "128/84"
        assert body["adverse_events"][0]["severity"] == "mild" and "observation" in body["discharge"]["failing"]
    assert api(login_as(other_patient), "GET", f"/api/v1/sessions/{sess.id}").status_code == 404


def test_check_in_from_scheduled_and_the_predose_checks_on_the_api(doc, pat, clinician, make_session, patch):
    s = make_session(pat, clinician, starts_at=(utcnow() - dt.timedelta(minutes=1)).replace(microsecond=0))
    assert patch(doc, s, **READY, **DOSE).status_code == 409  # check in first
    assert patch(doc, s, status="checked_in").get_json()["predose"]["failing"] == {
        "bp": "take today's pre-dose blood pressure", "checklist": pytest.approx(
            "not yet ticked: Fasting as instructed (no food 2 h, no drinks 30 min before); "
            "Escort home arranged (no driving until the next day); Signed consent on file"),
        "weight": "record the patient's weight (kg) before dosing"}


def test_demo_clinic_has_complete_dosing_days(app):
    from katapp.demo import build_demo
    from katapp.schedule import dosing_day

    build_demo(patients=4, days=40, password="demo-password-long-enough")  # noqa: S106 - demo only
    done = db.session.scalars(db.select(TherapySession).where(TherapySession.kind == "ketamine",
                                                              TherapySession.status == "completed")).all()
    assert done
    for s in done:
        assert s.weight_kg and s.dosed_at and len(s.vitals) == 4
        assert dosing_day.discharge_checks(s, s.discharge_ticked, now=s.completed_at) == []
    overridden = [s for s in done if s.bp_override_reason]
    assert len(overridden) == 1 and (overridden[0].bp_before_systolic, overridden[0].bp_before_diastolic) == (146, 92)
    upset = [s for s in done if s.adverse_events]
    assert len(upset) == 1 and upset[0].adverse_events[0].severity == "mild"
    assert any(v.vomiting for v in upset[0].vitals)


def predose_page(doc, s, **changes):
    data = {"predose-csrf_token": doc.csrf, "predose-weight_kg": "70", "predose-bp": "128/84",
            "predose-pregnancy_possible": "no", "predose-checklist": ["fasting", "escort", "consent"], **changes}
    return doc.post(f"/agenda/sessions/{s.id}/dosing/predose", data=data)


def test_bp_override_on_the_page_is_audited_and_shown_in_the_record(doc, sess):
    assert predose_page(doc, sess, **{"predose-bp": "152/96"}).status_code == 302
    r = doc.post(f"/agenda/sessions/{sess.id}/dosing/dose", data={"dose-csrf_token": doc.csrf, "dose-dose_mg": "35",
                                                                  "dose-route": "iv"})
    assert r.status_code == 422 and 'data-check="bp"' in r.get_data(as_text=True)
    assert predose_page(doc, sess, **{"predose-bp": "152/96", "predose-override_reason": "anxious; repeat 138/88"}).status_code == 302
    r = doc.post(f"/agenda/sessions/{sess.id}/dosing/dose", data={"dose-csrf_token": doc.csrf, "dose-dose_mg": "35",
                                                                  "dose-route": "iv"})
    assert r.status_code == 302 and status_of(sess) == "dosed"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "predose_bp_override"))
    assert "152/96" in event.detail and "anxious" in event.detail
    page = doc.get(f"/agenda/sessions/{sess.id}").get_data(as_text=True)
    assert "Dosed above the BP limit (pre-dose 152/96)" in page and "anxious; repeat 138/88" in page


def test_dose_outside_the_range_on_the_page_needs_a_reason(doc, sess):
    predose_page(doc, sess)
    url = f"/agenda/sessions/{sess.id}/dosing/dose"
    r = doc.post(url, data={"dose-csrf_token": doc.csrf, "dose-dose_mg": "90", "dose-route": "iv"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "1.29 mg/kg is outside the clinic&#39;s range 35–70 mg" in html
    assert 'value="90"' in html  # what was typed stays on the form
    assert status_of(sess) == "checked_in"
    r = doc.post(url, data={"dose-csrf_token": doc.csrf, "dose-dose_mg": "90", "dose-route": "iv",
                            "dose-dose_reason": "titrated up by the psychiatrist"})
    assert r.status_code == 302 and status_of(sess) == "dosed"
    assert "titrated up by the psychiatrist" in doc.get(f"/agenda/sessions/{sess.id}").get_data(as_text=True)


def test_moving_a_ketamine_session_on_the_page_rechecks_the_screening(doc, pat, clinician, make_session, make_screening):
    s = make_session(pat, clinician, starts_at=(utcnow() + dt.timedelta(days=2)).replace(microsecond=0))
    make_screening(pat, cardiovascular_disease=True)
    later = utcnow() + dt.timedelta(days=3)
    r = doc.post(f"/agenda/sessions/{s.id}/move", data={"csrf_token": doc.csrf, "date": later.date().isoformat(),
                                                       "time": "10:00", "duration_minutes": "90",
                                                       "outside_hours_ok": "y"})  # the day may be a weekend
    assert r.status_code == 400 and "contraindication" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TherapySession, s.id).starts_at == s.starts_at
