"""What a patient's write costs the database (issue #16 item 1): the SQL statements of one request.

A new check-in is the signed-in user's row and its INSERT, nothing else: no client_id lookup before
the insert (the unique constraint decides), no reload of the written row or the user after the
commit. A resend still answers 200 with the stored object and stores nothing.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import Assessment, AuditEvent, CheckIn, JournalEntry

PHQ9 = {"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 0]}
# A new score recomputes what rests on the scores in the same transaction (issue #16 item 2,
# katapp/dashboard/store.py `_rescore`): the stored row read and locked (its check-in days, flags and
# contraindication stay), the clinic settings, the sessions and the scores read, the row updated. No
# users, check-ins, flags or screenings read again. A new check-in only moves the stored last check-in
# day forward: one UPDATE.
SUMMARY = ["SELECT patient_summaries", "SELECT clinic_settings", "SELECT therapy_sessions", "SELECT (SELECT",
           "UPDATE patient_summaries"]


def _verbs(statements: list[str]) -> list[str]:
    """'SELECT users', 'INSERT checkins', ...: each statement's verb and first table."""
    out = []
    for statement in statements:
        words = statement.replace("\n", " ").split()
        verb = words[0].upper()
        table = words[words.index("FROM") + 1] if verb == "SELECT" else words[2] if verb == "INSERT" else words[1]
        out.append(f"{verb} {table}")
    return out


@pytest.fixture
def signed_in(login_as, patient, api):
    c = login_as(patient)
    api(c, "POST", "/api/v1/checkins", {"mood": 5, "client_id": str(uuid.uuid4())})  # warm-up
    return c


@pytest.mark.parametrize(("path", "body", "expected"), [
    ("/api/v1/checkins", {"mood": 6, "anxiety": 3, "note": "ok"}, ["SELECT users", "INSERT checkins", "UPDATE patient_summaries"]),
    ("/api/v1/assessments", PHQ9, ["SELECT users", "SELECT instrument_plans", "INSERT assessments", *SUMMARY]),
    ("/api/v1/journal", {"body": "A quiet morning."},
     ["SELECT users", "INSERT journal_entries", "UPDATE audit_chain_head", "UPDATE audit_chain_head",
      "INSERT audit_events"]),
], ids=["checkin", "assessment", "journal"])
def test_a_new_write_costs_its_insert_and_the_user(signed_in, api, count_queries, path, body, expected):
    with count_queries() as q:
        response = api(signed_in, "POST", path, {**body, "client_id": str(uuid.uuid4())})
    assert response.status_code == 201, response.json
    assert _verbs(q.statements) == expected
    assert response.json["id"] > 0 and response.json["client_id"]


@pytest.mark.parametrize(("path", "body", "model"), [
    ("/api/v1/checkins", {"mood": 6}, CheckIn),
    ("/api/v1/assessments", PHQ9, Assessment),
    ("/api/v1/journal", {"body": "Same words."}, JournalEntry),
], ids=["checkin", "assessment", "journal"])
def test_a_resend_answers_the_stored_object_and_stores_nothing(signed_in, api, path, body, model):
    payload = {**body, "client_id": str(uuid.uuid4())}
    first = api(signed_in, "POST", path, payload)
    before = db.session.scalar(select(func.count()).select_from(model))
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
    again = api(signed_in, "POST", path, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert db.session.scalar(select(func.count()).select_from(model)) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits


def test_the_answer_holds_what_was_stored_not_what_was_sent(signed_in, api, patient):
    """No reload after the commit: the answer must still be the stored row (stripped note, local day)."""
    response = api(signed_in, "POST", "/api/v1/checkins", {
        "client_id": str(uuid.uuid4()), "mood": 4, "sleep_hours": 7, "note": "  tired  ",
        "recorded_at": "2026-03-08T23:30:00-05:00"})
    stored = db.session.get(CheckIn, response.json["id"])
    assert response.status_code == 201
    assert response.json["note"] == stored.note == "tired"
    assert response.json["sleep_hours"] == stored.sleep_hours == 7.0
    assert response.json["local_date"] == stored.local_date.isoformat()


def test_a_write_after_a_sign_out_elsewhere_is_refused(app, signed_in, api, patient):
    """The session version is still checked on every write (the user row is read each request)."""
    patient.session_version += 1
    db.session.commit()
    response = api(signed_in, "POST", "/api/v1/checkins", {"mood": 5, "client_id": str(uuid.uuid4())})
    assert response.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1  # the warm-up only


def test_the_user_read_each_request_is_the_stored_row_with_nothing_pending(app, patient, clinician):
    """`load_user` reads the row with one narrow SELECT (no ORM load): the User it makes must be the
    session's persistent object, equal to the stored row, with nothing to write back, relationships
    loading lazily, and an inactive account or an old session version refused."""
    from sqlalchemy import inspect

    from katapp.security import load_user

    expected = {c.key: getattr(patient, c.key) for c in inspect(patient).mapper.column_attrs}
    uid, version, clinician_id = patient.id, patient.session_version, clinician.id
    db.session.expunge_all()
    with app.test_request_context():
        user = load_user(f"{uid}:{version}")
        state = inspect(user)
        assert state.persistent and user in db.session and not db.session.dirty and not db.session.new
        assert {c.key: getattr(user, c.key) for c in state.mapper.column_attrs} == expected
        assert load_user(f"{uid}:{version}") is user  # the identity map's object, not a second copy
        assert [c.id for c in user.clinicians] == [clinician_id]
        assert load_user(f"{uid}:{version + 1}") is None
        user.active = False
        db.session.commit()
        db.session.expunge_all()
        assert load_user(f"{uid}:{version}") is None
        assert load_user("999999:1") is None
