"""Writing entries: the editor page and POST /api/v1/journal share one service (idempotent by client_id)."""
from __future__ import annotations

import re
import threading
import uuid

import pytest
from sqlalchemy import func, select

from katapp import sync
from katapp.errors import Conflict
from katapp.extensions import db
from katapp.journal import services
from katapp.models import AuditEvent, JournalEntry, User


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry))


def _only_entry() -> JournalEntry:
    db.session.expire_all()
    return db.session.scalars(select(JournalEntry)).one()


# --- The editor page --------------------------------------------------------------------------------------
def test_editor_page_follows_the_offline_protocol(as_patient):
    html = as_patient.get("/journal/new").get_data(as_text=True)
    assert 'data-offline-api="/api/v1/journal"' in html
    assert 'data-offline-done="/journal/{id}"' in html
    # the draft belongs to the signed-in patient (one person per phone)
    uid = re.search(r'data-user-id="(\d+)"', html).group(1)
    assert f'data-journal-draft="katapp:draft:{uid}:journal:new"' in html
    for name, kind in [("client_id", "str"), ("recorded_at", "str"), ("prompt", "str"), ("body", "str"),
                       ("session_id", "int"), ("shared", "bool")]:
        tag = re.search(f'<(input|textarea|select)[^>]*name="{name}"[^>]*>', html).group(0)
        assert f'data-json="{kind}"' in tag, name
        assert f'data-error-for="{name}"' in html, name
    assert "Share with my care team" in html
    assert 'role="switch"' in html and 'checked' not in html.split('name="shared"')[1].split(">")[0]  # off by default


def test_editor_renders_a_fresh_client_id_on_every_visit(as_patient, editor_fields):
    first, second = editor_fields(as_patient)["client_id"], editor_fields(as_patient)["client_id"]
    assert first != second and uuid.UUID(first) and uuid.UUID(second)


def test_page_saves_a_private_entry_and_redirects_to_it(as_patient, patient, post_editor):
    response = post_editor(as_patient, "First line\r\n\r\nSecond paragraph")
    entry = _only_entry()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/journal/{entry.id}")
    # Browsers send textarea line breaks as CRLF; the user typed LF, which is what is stored.
    assert (entry.body, entry.shared, entry.author_id) == ("First line\n\nSecond paragraph", False, patient.id)
    page = as_patient.get(f"/journal/{entry.id}").get_data(as_text=True)
    assert "Saved. Only you can see it." in page and "First line\n\nSecond paragraph" in page


def test_page_double_submit_stores_one_entry(as_patient, editor_fields):
    fields = editor_fields(as_patient)
    first = as_patient.post("/journal/new", data={**fields, "body": "once"})
    second = as_patient.post("/journal/new", data={**fields, "body": "once"})
    assert first.headers["Location"] == second.headers["Location"]
    assert _count() == 1


def test_page_can_share_and_link_own_session(as_patient, patient, clinician, make_session, post_editor):
    session = make_session(patient, clinician, status="completed")
    response = post_editor(as_patient, "linked", shared="y", session_id=str(session.id))
    assert response.status_code == 302
    entry = _only_entry()
    assert (entry.shared, entry.session_id) == (True, session.id)


def test_page_refuses_a_foreign_session_and_stores_nothing(as_patient, other_patient, other_clinician, make_session, post_editor):
    foreign = make_session(other_patient, other_clinician, status="completed")
    response = post_editor(as_patient, "about someone else's session", session_id=str(foreign.id))
    assert response.status_code == 400
    assert "Choose one of your own sessions." in response.get_data(as_text=True)
    assert "about someone else&#39;s session" in response.get_data(as_text=True)  # the text is kept in the form
    assert _count() == 0


def test_editor_preselects_own_session_and_library_prompt_from_the_link(as_patient, patient, clinician, make_session):
    session = make_session(patient, clinician, status="completed")
    html = as_patient.get(f"/journal/new?session_id={session.id}&prompt=What+stood+out%3F").get_data(as_text=True)
    assert f'<option selected value="{session.id}">' in html
    assert 'name="prompt" type="hidden" value="What stood out?"' in html
    assert "<blockquote dir=\"auto\" id=\"journal-prompt-text\">What stood out?</blockquote>" in html


def test_editor_ignores_a_foreign_session_or_unknown_prompt_in_the_link(as_patient, other_patient, other_clinician, make_session):
    foreign = make_session(other_patient, other_clinician, status="completed")
    html = as_patient.get(f"/journal/new?session_id={foreign.id}&prompt=Send+your+password").get_data(as_text=True)
    assert f'value="{foreign.id}"' not in html
    assert "Send your password" not in html


@pytest.mark.parametrize("body,message", [
    ("", "Write something before saving."),
    ("   \r\n\t ", "Write something before saving."),
    ("nul \x00 byte", "NUL character"),
    ("x" * 20_001, "20,001 characters long; the limit is 20,000"),
])
def test_page_refuses_invalid_bodies_with_a_clear_message(as_patient, body, message, post_editor):
    response = post_editor(as_patient, body)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count() == 0


# --- The API ----------------------------------------------------------------------------------------------
def test_api_creates_an_entry(as_patient, patient, clinician, make_session, api):
    session = make_session(patient, clinician, status="completed")
    client_id = str(uuid.uuid4())
    response = api(as_patient, "POST", "/api/v1/journal", json={
        "client_id": client_id, "body": "Hello", "shared": True, "session_id": session.id, "prompt": "What stood out?",
        "recorded_at": "2024-03-01T09:30:00+01:00"})
    assert response.status_code == 201
    data = response.get_json()
    assert {k: data[k] for k in ("client_id", "body", "shared", "session_id", "prompt", "created_at")} == {
        "client_id": client_id, "body": "Hello", "shared": True, "session_id": session.id, "prompt": "What stood out?",
        "created_at": "2024-03-01T08:30:00+00:00"}
    assert data["session"]["kind"] == "ketamine" and data["url"] == f"/journal/{data['id']}"
    assert api(as_patient, "GET", f"/api/v1/journal/{data['id']}").get_json() == data


def test_api_defaults_to_private(as_patient, api):
    data = api(as_patient, "POST", "/api/v1/journal", json={"body": "quiet"}).get_json()
    assert data["shared"] is False and data["session_id"] is None and data["prompt"] is None


def test_api_same_client_id_returns_the_stored_entry(as_patient, api):
    payload = {"client_id": str(uuid.uuid4()), "body": "once only"}
    first = api(as_patient, "POST", "/api/v1/journal", json=payload)
    second = api(as_patient, "POST", "/api/v1/journal", json=payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    assert _count() == 1


def test_api_same_client_id_with_different_body_is_a_conflict(as_patient, api):
    client_id = str(uuid.uuid4())
    api(as_patient, "POST", "/api/v1/journal", json={"client_id": client_id, "body": "first"})
    response = api(as_patient, "POST", "/api/v1/journal", json={"client_id": client_id, "body": "second"})
    assert response.status_code == 409
    assert response.get_json()["fields"] == {"client_id": "already used"}
    assert _only_entry().body == "first"


def test_one_client_id_may_be_used_by_two_patients(login_as, patient, other_patient, api):
    client_id = str(uuid.uuid4())
    for user in (patient, other_patient):
        assert api(login_as(user), "POST", "/api/v1/journal", json={"client_id": client_id, "body": "same"}).status_code == 201
    assert _count() == 2


@pytest.mark.parametrize("payload,field", [
    ({}, "body"),
    ({"body": ""}, "body"),
    ({"body": " \n "}, "body"),
    ({"body": 42}, "body"),
    ({"body": "a\u0000b"}, "body"),
    ({"body": "x" * 20_001}, "body"),
    ({"body": "lone surrogate \ud800"}, "body"),
    ({"body": "ok", "shared": "yes"}, "shared"),
    ({"body": "ok", "session_id": "1"}, "session_id"),
    ({"body": "ok", "session_id": True}, "session_id"),
    ({"body": "ok", "session_id": 999999}, "session_id"),
    ({"body": "ok", "prompt": "p" * 501}, "prompt"),
    ({"body": "ok", "prompt": "nul\u0000"}, "prompt"),
    ({"body": "ok", "client_id": "not-a-uuid"}, "client_id"),
    ({"body": "ok", "recorded_at": "yesterday"}, "recorded_at"),
    ({"body": "ok", "recorded_at": "2024-03-01T09:30:00"}, "recorded_at"),
    ({"body": "ok", "author_id": 1}, "author_id"),
    ({"body": "ok", "id": 5}, "id"),
])
def test_api_refuses_invalid_input_with_field_errors(as_patient, payload, field, api):
    response = api(as_patient, "POST", "/api/v1/journal", json=payload)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]
    assert _count() == 0


def test_api_nul_message_is_clear(as_patient, api):
    response = api(as_patient, "POST", "/api/v1/journal", json={"body": "a\u0000b"})
    # the one input gate (katapp/domain/gate.py) answers before the journal's own check
    assert response.status_code == 400 and _count() == 0
    assert response.get_json()["fields"] == {"body": "Contains a NUL character, which cannot be stored."}


def test_api_refuses_non_objects(as_patient, api):
    assert api(as_patient, "POST", "/api/v1/journal", json=["body"]).status_code == 400


def test_api_refuses_foreign_session(as_patient, other_patient, other_clinician, make_session, api):
    foreign = make_session(other_patient, other_clinician, status="completed")
    response = api(as_patient, "POST", "/api/v1/journal", json={"body": "x", "session_id": foreign.id})
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"session_id": "Choose one of your own sessions."}


def test_a_future_recorded_at_becomes_now(as_patient, api):
    data = api(as_patient, "POST", "/api/v1/journal", json={"body": "x", "recorded_at": "2099-01-01T00:00:00Z"}).get_json()
    assert data["created_at"] < "2100"


@pytest.mark.parametrize("length", [20_000])
def test_exactly_20000_characters_are_accepted_counting_characters_not_bytes(as_patient, length, api):
    body = "é" * (length - 2) + "😀\n"  # 2 bytes each, and a 4-byte emoji: far more than 20,000 bytes
    response = api(as_patient, "POST", "/api/v1/journal", json={"body": body})
    assert response.status_code == 201
    assert _only_entry().body == body
    too_long = api(as_patient, "POST", "/api/v1/journal", json={"body": body + "x"})
    assert too_long.status_code == 400 and "20,001 characters" in too_long.get_json()["fields"]["body"]


UNICODE = [
    "Emoji 😀🙏🏽 and a family 👨‍👩‍👧‍👦 and a flag 🇳🇿",
    "שלום, זה טקסט מימין לשמאל. مرحبا بالعالم",
    "Combining: e\u0301 a\u0308 Z\u0351\u0361\u0327 (not normalised)",
    "Mixed line breaks\r\nstay\nas sent\r\n\n",
    "  leading and trailing spaces stay  ",
    "Zero width\u200b joiner\u200d and RTL mark\u200f",
]


@pytest.mark.parametrize("body", UNICODE)
def test_unicode_round_trips_exactly_through_the_api(as_patient, body, api):
    created = api(as_patient, "POST", "/api/v1/journal", json={"body": body, "prompt": body[:50]}).get_json()
    assert created["body"] == body
    assert api(as_patient, "GET", f"/api/v1/journal/{created['id']}").get_json()["body"] == body
    assert _only_entry().body == body


@pytest.mark.parametrize("body", [b for b in UNICODE if "\r" not in b])
def test_unicode_round_trips_exactly_through_the_page(as_patient, body, post_editor):
    post_editor(as_patient, body)
    entry = _only_entry()
    assert entry.body == body
    html = as_patient.get(f"/journal/{entry.id}").get_data(as_text=True)
    assert f'data-journal-body>{body}</div>' in html


# --- Concurrent duplicates: decided by the unique constraint (author_id, client_id) ----------------------
def test_concurrent_duplicates_store_one_entry(app, patient, monkeypatch):
    """Both requests reach their insert together, neither having seen the other's row; the database decides."""
    client_id = str(uuid.uuid4())
    barrier = threading.Barrier(2, timeout=10)
    real = sync.insert_once

    def held(*args, **kwargs):
        barrier.wait()  # both are past validation, nothing stored yet
        return real(*args, **kwargs)

    monkeypatch.setattr(sync, "insert_once", held)
    results, errors = [], []

    def write():
        try:
            with app.app_context():
                author = db.session.get(User, patient_id)
                entry, created = services.create_entry(author, body="same text", client_id=client_id)
                results.append((entry.id, created))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    patient_id = patient.id  # read here: the test's own session must not be touched from the threads
    db.session.commit()
    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({entry_id for entry_id, _ in results}) == 1
    assert _count() == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "journal_created")) == 1


def test_integrity_error_path_conflicts_when_the_winner_had_a_different_body(app, patient, make_journal, monkeypatch):
    """The insert comes first: the stored entry is looked up once, only after the constraint fired."""
    client_id = str(uuid.uuid4())
    make_journal(patient, "the winner's text", client_id=client_id)
    calls = []
    real = services._by_client_id

    def counted(author, cid):
        calls.append(cid)
        return real(author, cid)

    monkeypatch.setattr(services, "_by_client_id", counted)
    with pytest.raises(Conflict):
        services.create_entry(patient, body="the loser's text", client_id=client_id)
    assert calls == [client_id] and _count() == 1
