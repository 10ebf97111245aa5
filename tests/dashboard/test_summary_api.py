"""GET /api/v1/patients/<id>/summary (CONTRACT.md): the issue's hand-built patients; care team and admin
only, audited."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent, utcnow
from tests.dashboard.timelines import LATE_BASELINE, RELAPSE, SINGLE_THREE


def _day(ago: float) -> str:
    """The date `ago` days before now in the test patients' zone (America/New_York)."""
    return (utcnow().replace(microsecond=0) - dt.timedelta(days=ago)).astimezone(ZoneInfo("America/New_York")).date().isoformat()


def _summary(client, person) -> dict:
    response = client.get(f"/api/v1/patients/{person.id}/summary")
    assert response.status_code == 200
    return response.get_json()


def test_responder_then_relapse_after_a_booster(login_as, clinician, build, make_checkin):
    person = build("Rel Apse", **RELAPSE, flag=True)
    make_checkin(person, recorded_at=utcnow() - dt.timedelta(days=2))
    assert _summary(login_as(clinician), person) == {
        "patient_id": person.id, "baseline": 23, "baseline_date": _day(71), "latest": 21, "change_pct": -8.7,
        "post_series": 8, "post_series_date": _day(58), "best_change_pct": -65.2,
        "response": True, "remission": False, "state": "relapse", "relapse_date": _day(20.5),
        "gad7": None, "pcl5": None, "sessions_completed": 7, "last_checkin": _day(2), "open_flags": 1,
    }


def test_single_low_score_without_follow_up_is_not_assessed_not_remission(login_as, clinician, build):
    body = _summary(login_as(clinician), build("Single Three", **SINGLE_THREE))
    assert (body["state"], body["baseline"], body["latest"], body["post_series"], body["response"],
            body["remission"]) == ("not_assessed", 3, 3, None, False, False)


def test_baseline_after_session_three_is_no_baseline(login_as, clinician, build):
    body = _summary(login_as(clinician), build("Late Baseline", **LATE_BASELINE))
    assert (body["state"], body["baseline"], body["baseline_date"], body["change_pct"], body["latest"]) == (
        "no_baseline", None, None, None, 12)


def test_no_session_is_not_started_with_gad7_and_pcl5(login_as, clinician, build):
    person = build("No Start", phq=[(3, 18)], gad7=18, pcl5=50)
    body = _summary(login_as(clinician), person)
    assert (body["state"], body["baseline"], body["latest"], body["response"], body["sessions_completed"]) == (
        "not_started", None, 18, False, 0)
    assert body["gad7"] == {"total": 18, "date": _day(3)} and body["pcl5"] == {"total": 50, "date": _day(3)}


def test_summary_without_any_data(login_as, admin, patient):
    assert _summary(login_as(admin), patient) == {
        "patient_id": patient.id, "baseline": None, "baseline_date": None, "latest": None, "change_pct": None,
        "post_series": None, "post_series_date": None, "best_change_pct": None, "response": False,
        "remission": False, "state": "not_started", "relapse_date": None, "gad7": None, "pcl5": None,
        "sessions_completed": 0, "last_checkin": None, "open_flags": 0,
    }


@pytest.mark.parametrize("who", ["other_clinician", "patient", "other_patient"])
def test_summary_is_404_for_anyone_outside_the_care_team(request, login_as, patient, who):
    response = login_as(request.getfixturevalue(who)).get(f"/api/v1/patients/{patient.id}/summary")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found", "fields": {}}


def test_summary_of_a_missing_patient_is_404_and_signed_out_is_401(login_as, client, admin, patient):
    assert login_as(admin).get("/api/v1/patients/999999/summary").status_code == 404
    response = client.get(f"/api/v1/patients/{patient.id}/summary")
    assert response.status_code == 401
    assert response.get_json()["error"] == "not signed in"


def test_summary_reads_are_audited(login_as, admin, patient):
    login_as(admin).get(f"/api/v1/patients/{patient.id}/summary")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.patient_id == patient.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [("view:summary", admin.id)]
