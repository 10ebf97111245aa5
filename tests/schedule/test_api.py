"""POST/GET/PATCH /api/v1/sessions: overlaps, the screening gate, BP warning, time zones, access."""
import datetime as dt

import pytest

from katapp.extensions import db
from katapp.models import AuditEvent, TherapySession


def sessions():
    return db.session.scalars(db.select(TherapySession).order_by(TherapySession.starts_at)).all()


def test_book_returns_201_with_the_session(patient, clinician, login_as, book_api, ny):
    r = book_api(login_as(clinician), patient.id, ny(3, 9), 50, notes="bring journal")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["kind"] == "integration" and body["status"] == "scheduled" and body["duration_minutes"] == 50
    assert body["starts_at"] == "2030-06-03T13:00:00+00:00" and body["ends_at"] == "2030-06-03T13:50:00+00:00"
    assert body["local_date"] == "2030-06-03" and body["notes"] == "bring journal"
    assert [(s.patient_id, s.clinician_id) for s in sessions()] == [(patient.id, clinician.id)]
    assert db.session.scalar(db.select(AuditEvent.action).where(AuditEvent.object_id == body["id"])) == "session_booked"


@pytest.mark.parametrize(
    ("start", "minutes", "status"),
    [
        ((3, 9, 30), 60, 409),  # starts inside the existing 9:00-10:00
        ((3, 8, 30), 60, 409),  # ends inside it
        ((3, 8), 180, 409),  # covers it
        ((3, 9, 15), 15, 409),  # inside it
        ((3, 10), 60, 201),  # starts as it ends
        ((3, 8), 60, 201),  # ends as it starts
        ((4, 9), 60, 201),  # the next day
    ],
)
def test_overlap_with_the_clinicians_own_session(make_user, patient, clinician, make_session, login_as, book_api,
                                                 start, minutes, status, ny):
    someone_else = make_user("patient", clinician=clinician)
    make_session(someone_else, clinician, kind="integration", starts_at=ny(3, 9), minutes=60)
    r = book_api(login_as(clinician), patient.id, ny(*start), minutes)
    assert r.status_code == status, r.get_json()
    if status == 409:
        assert r.get_json()["error"].startswith("This overlaps your integration session with " + someone_else.display_name)
        assert "starts_at" in r.get_json()["fields"]
        assert len(sessions()) == 1


def test_overlap_with_the_patients_session_with_another_clinician(patient, clinician, other_clinician, make_session,
                                                                  login_as, book_api, ny):
    make_session(patient, other_clinician, kind="integration", starts_at=ny(3, 9), minutes=60)
    r = book_api(login_as(clinician), patient.id, ny(3, 9, 45))
    assert r.status_code == 409
    assert r.get_json()["error"].startswith("The patient already has an integration session with another clinician")
    assert other_clinician.display_name not in r.get_json()["error"]


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_cancelled_and_no_show_sessions_free_the_slot(patient, clinician, make_session, login_as, book_api, status, ny):
    make_session(patient, clinician, kind="integration", starts_at=ny(3, 9), minutes=60, status=status)
    assert book_api(login_as(clinician), patient.id, ny(3, 9)).status_code == 201


def test_completed_sessions_still_block(patient, clinician, make_session, login_as, book_api, ny):
    make_session(patient, clinician, kind="integration", starts_at=ny(3, 9), minutes=60, status="completed")
    assert book_api(login_as(clinician), patient.id, ny(3, 9, 30)).status_code == 409


def test_offsets_are_compared_as_instants(patient, clinician, make_session, login_as, book_api, ny):
    make_session(patient, clinician, kind="intake", starts_at=ny(3, 9), minutes=60)  # 13:00-14:00 UTC
    c = login_as(clinician)
    berlin = dt.datetime(2030, 6, 3, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # 13:30 UTC
    assert book_api(c, patient.id, berlin).status_code == 409
    utc = dt.datetime(2030, 6, 3, 14, tzinfo=dt.UTC)
    assert book_api(c, patient.id, utc).status_code == 201


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "massage"}, {"kind"}),
        ({"starts_at": "2030-06-03T09:00:00"}, {"starts_at"}),  # no offset
        ({"starts_at": "tomorrow"}, {"starts_at"}),
        ({"duration_minutes": 4}, {"duration_minutes"}),
        ({"duration_minutes": 601}, {"duration_minutes"}),
        ({"duration_minutes": True}, {"duration_minutes"}),
        ({"patient_id": "1"}, {"patient_id"}),
        ({"notes": "x" * 2001}, {"notes"}),
        ({"kind": None, "duration_minutes": "60", "starts_at": None}, {"kind", "duration_minutes", "starts_at"}),
        ({"color": "red"}, {"color"}),
    ],
)
def test_invalid_bodies_name_every_bad_field(patient, clinician, login_as, body, fields, api, ny):
    good = {"patient_id": patient.id, "kind": "integration", "starts_at": ny(3, 9).isoformat(), "duration_minutes": 60}
    r = api(login_as(clinician), "POST", "/api/v1/sessions", json={**good, **body})
    assert r.status_code == 400
    assert set(r.get_json()["fields"]) == fields
    assert sessions() == []


def test_duration_bounds_are_inclusive(patient, clinician, login_as, book_api, ny):
    c = login_as(clinician)
    assert book_api(c, patient.id, ny(3, 9), 5).status_code == 201
    assert book_api(c, patient.id, ny(4, 0), 600).status_code == 201


def test_patient_not_on_caseload_is_404(other_patient, clinician, login_as, book_api, ny):
    r = book_api(login_as(clinician), other_patient.id, ny(3, 9))
    assert r.status_code == 404 and r.get_json()["error"] == "no such patient"
    assert book_api(login_as(clinician), 999999, ny(3, 9)).status_code == 404


def test_patient_cannot_book(patient, login_as, book_api, ny):
    assert book_api(login_as(patient), patient.id, ny(3, 9)).status_code == 404
    assert sessions() == []


def test_not_signed_in_is_401(client, patient):
    r = client.post("/api/v1/sessions", json={})
    assert r.status_code in (400, 401)  # CSRF or sign-in; never a booking
    assert sessions() == []


# --- The screening gate -------------------------------------------------------------------------------
def test_ketamine_needs_a_screening_on_file(patient, clinician, login_as, book_api, ny):
    r = book_api(login_as(clinician), patient.id, ny(3, 9), 90, kind="ketamine")
    assert r.status_code == 422
    assert "no contraindication screening" in r.get_json()["error"]
    assert r.get_json()["fields"] == {"kind": r.get_json()["error"]}


def test_ketamine_gate_422_until_cleared_then_201(patient, clinician, make_screening, login_as, book_api, ny):
    make_screening(patient, cystitis=True)
    c = login_as(clinician)
    r = book_api(c, patient.id, ny(3, 9), 90, kind="ketamine")
    assert r.status_code == 422 and "not cleared" in r.get_json()["error"]
    for kind in ("intake", "integration", "follow_up"):
        assert book_api(c, patient.id, ny(4 + len(sessions()), 9), 60, kind=kind).status_code == 201
    page = c.post(f"/patients/{patient.id}/screening", data={"what": "clear", "clear-note": "Urology review: fine.",
                                                              "clear-csrf_token": c.csrf})
    assert page.status_code == 302
    assert book_api(c, patient.id, ny(3, 9), 90, kind="ketamine").status_code == 201


def test_a_later_clean_screening_does_not_lift_an_uncleared_flag(patient, clinician, make_screening, login_as, book_api, ny):
    make_screening(patient, liver_disease=True)
    make_screening(patient)  # the patient fills it again with every answer "no"
    assert book_api(login_as(clinician), patient.id, ny(3, 9), 90, kind="ketamine").status_code == 422


def test_cleared_screening_allows_ketamine(patient, clinician, make_screening, login_as, book_api, ny):
    from katapp.models import utcnow

    make_screening(patient, hallucinations=True, cleared_at=utcnow(), cleared_by_id=clinician.id, clear_note="ok")
    assert book_api(login_as(clinician), patient.id, ny(3, 9), 90, kind="ketamine").status_code == 201


# --- GET -------------------------------------------------------------------------------------------------
def test_list_is_own_sessions_newest_first_with_date_range(patient, other_patient, clinician, other_clinician,
                                                           make_session, login_as, api, ny):
    a = make_session(patient, clinician, kind="intake", starts_at=ny(3, 9))
    b = make_session(patient, clinician, kind="integration", starts_at=ny(5, 9))
    c = make_session(patient, clinician, kind="integration", starts_at=ny(7, 23, 30))  # 03:30 UTC on the 8th
    make_session(other_patient, other_clinician, kind="intake", starts_at=ny(4, 9))
    for who in (patient, clinician):
        body = api(login_as(who), "GET", "/api/v1/sessions").get_json()
        assert [i["id"] for i in body["items"]] == [c.id, b.id, a.id] and body["next"] is None
    ranged = api(login_as(patient), "GET", "/api/v1/sessions?from=2030-06-04&to=2030-06-07").get_json()
    assert [i["id"] for i in ranged["items"]] == [c.id, b.id]  # the 7th is inclusive, in the patient's zone
    assert "notes" not in ranged["items"][0]
    assert api(login_as(other_clinician), "GET", "/api/v1/sessions?from=2030-06-05").get_json()["items"] == []


def test_list_bad_dates_are_named(patient, login_as, api):
    r = api(login_as(patient), "GET", "/api/v1/sessions?from=june&to=2030-13-01")
    assert r.status_code == 400 and set(r.get_json()["fields"]) == {"from", "to"}


def test_list_pages_at_100(patient, clinician, make_session, login_as, api, ny):
    for i in range(101):
        make_session(patient, clinician, kind="integration", starts_at=ny(1, 0) + dt.timedelta(hours=i), minutes=30)
    c = login_as(clinician)
    first = api(c, "GET", "/api/v1/sessions").get_json()
    assert len(first["items"]) == 100 and first["next"]
    assert len(api(c, "GET", first["next"]).get_json()["items"]) == 1


# --- PATCH -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["cancelled", "no_show", "completed"])
def test_patch_status_keeps_the_session(patient, clinician, make_session, login_as, status, api, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    r = api(login_as(clinician), "PATCH", f"/api/v1/sessions/{s.id}", json={"status": status})
    assert r.status_code == 200 and r.get_json()["status"] == status
    assert [x.status for x in sessions()] == [status]
    again = api(login_as(clinician), "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "cancelled"})
    assert again.status_code == 409


def test_patch_by_another_clinician_or_the_patient_is_404(patient, clinician, other_clinician, make_session, login_as, api, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    assert api(login_as(other_clinician), "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "cancelled"}).status_code == 404
    assert api(login_as(patient), "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "cancelled"}).status_code == 404
    assert sessions()[0].status == "scheduled"


# Completing a ketamine session (the dosing day) is tested in tests/schedule/test_dosing.py.


def test_dose_fields_refused_for_other_kinds(patient, clinician, make_session, login_as, api, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    r = api(login_as(clinician), "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "completed", "dose_mg": 30})
    assert r.status_code == 400 and "dose_mg" in r.get_json()["fields"]


def test_patch_moves_with_the_overlap_check(patient, clinician, make_session, login_as, api, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9), minutes=60)
    make_session(patient, clinician, kind="intake", starts_at=ny(3, 11), minutes=60)
    c = login_as(clinician)
    r = api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={"starts_at": ny(3, 10, 30).isoformat()})
    assert r.status_code == 409
    r = api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={"starts_at": ny(3, 9, 30).isoformat()})  # overlaps itself only
    assert r.status_code == 200 and r.get_json()["starts_at"] == "2030-06-03T13:30:00+00:00"
    r = api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={"starts_at": ny(3, 10).isoformat(), "duration_minutes": 60})
    assert r.status_code == 200 and r.get_json()["ends_at"] == "2030-06-03T15:00:00+00:00"  # touches 11:00
    assert api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={"duration_minutes": 61}).status_code == 409


def test_patch_unknown_and_empty_bodies(patient, clinician, make_session, login_as, api, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    c = login_as(clinician)
    r = api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "completed", "mood": 3})
    assert r.status_code == 400 and r.get_json()["fields"] == {"mood": "unknown field"}
    r = api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={})
    assert r.status_code == 400 and "status" in r.get_json()["fields"]
    r = api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "deleted"})
    assert r.status_code == 400 and "status" in r.get_json()["fields"]


# --- Refusals keep CONTRACT.md's error shape -------------------------------------------------------------
def test_refusals_answer_exactly_the_error_shape(patient, clinician, make_session, make_screening, login_as, book_api, ny, api):
    """400, 409 and 422 refusals raised by the schedule services: exactly {"error", "fields"}, nothing stored."""
    make_screening(patient, cystitis=True)
    make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    c = login_as(clinician)
    invalid = book_api(c, patient.id, ny(5, 9), 4)
    assert invalid.status_code == 400 and invalid.is_json
    assert invalid.get_json() == {"error": "invalid fields", "fields": {"duration_minutes": "From 5 to 600 minutes."}}
    clash = book_api(c, patient.id, ny(3, 9, 30))
    assert clash.status_code == 409 and set(clash.get_json()) == {"error", "fields"}
    assert clash.get_json()["fields"] == {"starts_at": clash.get_json()["error"]}
    assert clash.get_json()["error"] == "This overlaps your integration session with this patient on Mon 03 Jun 09:00–10:30."
    blocked = book_api(c, patient.id, ny(6, 9), 90, kind="ketamine")
    assert blocked.status_code == 422 and set(blocked.get_json()) == {"error", "fields"}
    assert blocked.get_json()["fields"] == {"kind": blocked.get_json()["error"]}
    assert len(sessions()) == 1


def test_refusal_on_a_finished_session_is_409_with_fields(patient, clinician, make_session, login_as, ny, api):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9), status="cancelled")
    r = api(login_as(clinician), "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "completed"})
    assert r.status_code == 409
    assert r.get_json() == {"error": "This session is already cancelled.",
                            "fields": {"status": "This session is already cancelled."}}
    missing = api(login_as(clinician), "PATCH", f"/api/v1/sessions/{s.id + 1000}", json={"status": "completed"})
    assert missing.status_code == 404 and missing.get_json() == {"error": "no such session", "fields": {}}
