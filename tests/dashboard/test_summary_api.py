"""GET /api/v1/patients/<id>/summary (CONTRACT.md): care team and admin only, audited."""
import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent


def test_summary_has_exactly_the_contract_fields(login_as, clinician, patient, seed_history, make_flag):
    seed_history(patient, clinician, days=20, phq=[20, 16, 12, 9, 8])
    make_flag(patient)
    response = login_as(clinician).get(f"/api/v1/patients/{patient.id}/summary")
    assert response.status_code == 200
    body = response.get_json()
    last_checkin = body.pop("last_checkin")
    assert body == {
        "patient_id": patient.id, "baseline": 20, "latest": 8, "change_pct": -60.0, "response": True,
        "remission": False, "sessions_completed": 4, "open_flags": 1,
    }
    assert len(last_checkin) == 10 and last_checkin[4] == "-"


def test_summary_without_any_data(login_as, admin, patient):
    body = login_as(admin).get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert body == {"patient_id": patient.id, "baseline": None, "latest": None, "change_pct": None,
                    "response": False, "remission": False, "sessions_completed": 0, "last_checkin": None,
                    "open_flags": 0}


def test_summary_remission_and_a_zero_baseline(login_as, clinician, patient, seed_history):
    seed_history(patient, clinician, days=12, phq=[0, 3], sessions=1)
    body = login_as(clinician).get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert (body["baseline"], body["latest"], body["change_pct"], body["response"], body["remission"]) == (
        0, 3, None, False, True)


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
