"""Every read of someone else's health data is audited: actor, subject patient, what, time, client IP
(issue #15, item 4: the reads the issue lists)."""
import secrets

import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent


def _reads(what: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view:" + what)))


def _assert_read(what: str, actor, patient) -> None:
    events = [e for e in _reads(what) if e.patient_id == patient.id]
    assert len(events) == 1, [(e.action, e.patient_id) for e in _reads(what)]
    event = events[0]
    assert (event.actor_id, event.ip) == (actor.id, "127.0.0.1") and event.at is not None


@pytest.mark.parametrize("path, what", [
    ("/caseload", "caseload"),
    ("/patients/{id}/instruments", "instruments"),
    ("/api/v1/patients", "patients"),
    ("/api/v1/sessions", "sessions"),
])
def test_clinician_reads_are_audited(path, what, clinician, patient, other_patient, login_as, make_session):
    make_session(patient, clinician)
    c = login_as(clinician)
    assert c.get(path.format(id=patient.id)).status_code == 200
    _assert_read(what, clinician, patient)
    assert all(e.patient_id != other_patient.id for e in _reads(what))  # not on this caseload


def test_opening_a_flag_to_acknowledge_is_audited(clinician, patient, login_as, make_flag):
    flag = make_flag(patient)
    assert login_as(clinician).get(f"/flags/{flag.id}/acknowledge").status_code == 200
    _assert_read("flag", clinician, patient)
    assert _reads("flag")[0].object_id == flag.id


def test_calendar_feed_fetch_is_audited_for_its_owner(app, clinician, patient, make_session):
    make_session(patient, clinician)
    clinician.calendar_token = secrets.token_urlsafe(32)
    db.session.commit()
    assert app.test_client().get(f"/calendar/{clinician.calendar_token}.ics").status_code == 200
    _assert_read("calendar_feed", clinician, patient)


def test_patients_reading_their_own_records_are_not_listed(patient, login_as, make_session, clinician):
    make_session(patient, clinician)
    assert login_as(patient).get("/api/v1/sessions").status_code == 200
    assert _reads("sessions") == []


def test_list_reads_take_a_fixed_number_of_queries(clinician, make_user, login_as, count_queries):
    c = login_as(clinician)

    def queries():
        with count_queries() as q:
            assert c.get("/api/v1/patients").status_code == 200
        return q.count

    make_user("patient", clinician=clinician)
    few = queries()
    for _ in range(10):
        make_user("patient", clinician=clinician)
    assert queries() == few
