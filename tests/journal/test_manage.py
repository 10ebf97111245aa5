"""The patient's own journal: list by date and by session, search, share/unshare, edit, delete."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent, JournalEntry, utcnow


def _audit():
    """The journal's audit events (signing in is audited too, elsewhere)."""
    return db.session.execute(select(AuditEvent.action, AuditEvent.object_id, AuditEvent.detail)
                              .where(AuditEvent.action.like("journal%")).order_by(AuditEvent.id)).all()


# --- Sharing --------------------------------------------------------------------------------------------
def test_share_and_unshare_with_the_switch(as_patient, make_journal, patient):
    entry = make_journal(patient, "thoughts")
    page = as_patient.get(f"/journal/{entry.id}").get_data(as_text=True)
    assert ">Share with my care team<" in page and "Only you can read this entry." in page
    assert 'role="switch"' not in page  # a submit button is not a switch (it reloads the page)
    response = as_patient.post(f"/journal/{entry.id}/share", data={"csrf_token": as_patient.csrf, "shared": "1"})
    assert response.status_code == 302
    page = as_patient.get(f"/journal/{entry.id}").get_data(as_text=True)
    assert "Shared with your care team." in page and ">Stop sharing with my care team<" in page
    as_patient.post(f"/journal/{entry.id}/share", data={"csrf_token": as_patient.csrf, "shared": "0"})
    page = as_patient.get(f"/journal/{entry.id}").get_data(as_text=True)
    assert "This entry is private again: only you can see it." in page
    db.session.expire_all()
    assert db.session.get(JournalEntry, entry.id).shared is False
    assert [a for a, _, _ in _audit()] == ["journal_shared", "journal_unshared"]


def test_share_needs_the_csrf_token(as_patient, make_journal, patient):
    entry = make_journal(patient, "thoughts")
    assert as_patient.post(f"/journal/{entry.id}/share", data={"shared": "1"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(JournalEntry, entry.id).shared is False


def test_api_patch_shares_and_unshares(as_patient, as_clinician, make_journal, patient, api):
    entry = make_journal(patient, "thoughts")
    assert api(as_patient, "PATCH", f"/api/v1/journal/{entry.id}", json={"shared": True}).get_json()["shared"] is True
    assert api(as_clinician, "GET", f"/api/v1/journal/{entry.id}").status_code == 200
    assert api(as_patient, "PATCH", f"/api/v1/journal/{entry.id}", json={"shared": False}).get_json()["shared"] is False
    assert api(as_clinician, "GET", f"/api/v1/journal/{entry.id}").status_code == 404


# --- Edit and delete -------------------------------------------------------------------------------------
def test_edit_own_entry(as_patient, make_journal, patient):
    entry = make_journal(patient, "before", prompt="What stood out?")
    form = as_patient.get(f"/journal/{entry.id}/edit").get_data(as_text=True)
    assert ">\r\nbefore</textarea>" in form  # WTForms starts a textarea with a line break the browser drops
    response = as_patient.post(f"/journal/{entry.id}/edit", data={
        "csrf_token": as_patient.csrf, "body": "after\r\nline two", "prompt": "What stood out?", "session_id": ""})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(JournalEntry, entry.id)
    assert (stored.body, stored.prompt, stored.shared) == ("after\nline two", "What stood out?", False)
    assert stored.updated_at is not None
    assert "Changes saved." in as_patient.get(f"/journal/{entry.id}").get_data(as_text=True)


def test_edit_refuses_invalid_text_and_keeps_the_old(as_patient, make_journal, patient):
    entry = make_journal(patient, "before")
    response = as_patient.post(f"/journal/{entry.id}/edit", data={"csrf_token": as_patient.csrf, "body": "bad\x00"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(JournalEntry, entry.id).body == "before"


def test_api_patch_edits_body_only_what_is_sent(as_patient, make_journal, patient, api):
    entry = make_journal(patient, "before", shared=True, prompt="p")
    data = api(as_patient, "PATCH", f"/api/v1/journal/{entry.id}", json={"body": "after"}).get_json()
    assert (data["body"], data["shared"], data["prompt"]) == ("after", True, "p")
    assert api(as_patient, "PATCH", f"/api/v1/journal/{entry.id}", json={"body": ""}).status_code == 400
    assert api(as_patient, "PATCH", f"/api/v1/journal/{entry.id}", json={"author_id": 9}).status_code == 400


def test_delete_is_real_and_the_audit_keeps_only_the_id(as_patient, make_journal, patient):
    entry = make_journal(patient, "delete these words", prompt="a prompt")
    entry_id = entry.id
    response = as_patient.post(f"/journal/{entry_id}/delete", data={"csrf_token": as_patient.csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/journal")
    assert "The entry was deleted." in as_patient.get("/journal").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(JournalEntry, entry_id) is None
    assert as_patient.get(f"/journal/{entry_id}").status_code == 404
    assert _audit() == [("journal_deleted", entry_id, None)]


def test_api_delete(as_patient, make_journal, patient, api):
    entry_id = make_journal(patient, "gone").id
    assert api(as_patient, "DELETE", f"/api/v1/journal/{entry_id}").status_code == 204
    assert api(as_patient, "GET", f"/api/v1/journal/{entry_id}").status_code == 404
    assert api(as_patient, "DELETE", f"/api/v1/journal/{entry_id}").status_code == 404


def test_no_audit_event_ever_holds_the_text(as_patient, make_journal, patient, api):
    api(as_patient, "POST", "/api/v1/journal", json={"body": "unique-words-xyz", "shared": True})
    entry_id = db.session.scalar(select(JournalEntry.id))
    api(as_patient, "PATCH", f"/api/v1/journal/{entry_id}", json={"body": "unique-words-abc", "shared": False})
    api(as_patient, "DELETE", f"/api/v1/journal/{entry_id}")
    details = " ".join(str(row) for row in _audit())
    assert "unique-words" not in details
    assert [a for a, _, _ in _audit()] == ["journal_created", "journal_unshared", "journal_updated", "journal_deleted"]


# --- List and search ------------------------------------------------------------------------------------
def test_list_by_date_newest_first(as_patient, make_journal, patient):
    now = utcnow()
    make_journal(patient, "older entry", created_at=now - dt.timedelta(days=3))
    make_journal(patient, "newer entry", created_at=now)
    html = as_patient.get("/journal").get_data(as_text=True)
    assert html.index("newer entry") < html.index("older entry")
    assert html.count('class="journal-group"') == 2


def test_list_grouped_by_session(as_patient, make_journal, make_session, patient, clinician):
    now = utcnow().replace(microsecond=0)
    early = make_session(patient, clinician, status="completed", starts_at=now - dt.timedelta(days=10))
    late = make_session(patient, clinician, status="completed", starts_at=now - dt.timedelta(days=2))
    make_journal(patient, "about early A", session_id=early.id, created_at=now - dt.timedelta(days=9))
    make_journal(patient, "unlinked", created_at=now - dt.timedelta(days=1))
    make_journal(patient, "about late", session_id=late.id, created_at=now - dt.timedelta(days=2))
    make_journal(patient, "about early B", session_id=early.id, created_at=now - dt.timedelta(days=3))
    html = as_patient.get("/journal?view=session").get_data(as_text=True)
    order = [html.index(t) for t in ("about late", "about early B", "about early A", "Not linked to a session", "unlinked")]
    assert order == sorted(order)
    assert html.count('class="journal-group"') == 3


@pytest.mark.parametrize("q,found", [
    ("walk", ["A long WALK by the sea"]),
    ("WALK sea", ["A long WALK by the sea"]),
    ("walk mountain", []),
    ("100%", ["Felt 100% present"]),
    ("%", ["Felt 100% present"]),
    ("_", ["snake_case thoughts"]),
    ("\\", ["back\\slash"]),
    ("stood", ["A long WALK by the sea"]),  # the prompt is searched too
    ("", ["A long WALK by the sea", "Felt 100% present", "snake_case thoughts", "back\\slash"]),
])
def test_search_own_entries(as_patient, make_journal, patient, other_patient, q, found, api):
    now = utcnow()
    bodies = ["A long WALK by the sea", "Felt 100% present", "snake_case thoughts", "back\\slash"]
    for n, body in enumerate(bodies):
        make_journal(patient, body, prompt="What stood out?" if n == 0 else None, created_at=now - dt.timedelta(hours=n))
    make_journal(other_patient, "walk sea 100% snake_case back\\slash")
    listing = api(as_patient, "GET", "/api/v1/journal", query_string={"q": q}).get_json()
    assert [item["body"] for item in listing["items"]] == found
    html = as_patient.get("/journal", query_string={"q": q}).get_data(as_text=True)
    for body in bodies:
        assert (body.replace("\\", "\\") in html) == (body in found), body


def test_search_is_case_insensitive_for_non_ascii_on_postgresql_and_ascii_everywhere(as_patient, make_journal, patient, api):
    make_journal(patient, "Ich fühle mich BESSER")
    assert len(api(as_patient, "GET", "/api/v1/journal?q=besser").get_json()["items"]) == 1
    assert len(api(as_patient, "GET", "/api/v1/journal?q=fühle").get_json()["items"]) == 1


def test_api_list_finds_a_queued_entry_by_client_id(as_patient, make_journal, patient, api):
    entry = make_journal(patient, "queued", client_id="6f1c1c8e-3f3e-4c47-9a43-5a0b8d1d2e11")
    found = api(as_patient, "GET", "/api/v1/journal?client_id=6f1c1c8e-3f3e-4c47-9a43-5a0b8d1d2e11").get_json()
    assert [i["id"] for i in found["items"]] == [entry.id]
    assert api(as_patient, "GET", "/api/v1/journal?client_id=nope").get_json() == {"items": [], "next": None}


def test_empty_journal_invites_a_first_entry(as_patient):
    html = as_patient.get("/journal").get_data(as_text=True)
    assert "Your journal is empty." in html and "Write your first entry" in html


@pytest.mark.parametrize("view", ["", "?view=session"])
def test_list_query_count_does_not_grow_with_entries(as_patient, make_journal, make_session, patient, clinician, count_queries, view):
    def measure():
        with count_queries() as q:
            assert as_patient.get("/journal" + view).status_code == 200
        return q.count

    session = make_session(patient, clinician, status="completed")
    make_journal(patient, "one", session_id=session.id)
    few = measure()
    for n in range(15):
        s = make_session(patient, clinician, status="completed", starts_at=utcnow().replace(microsecond=0) - dt.timedelta(days=n + 2))
        make_journal(patient, f"entry {n}", session_id=s.id, shared=n % 2 == 0)
    assert measure() == few


def test_shared_page_query_count_does_not_grow(as_clinician, make_journal, make_session, patient, clinician, count_queries):
    def measure():
        with count_queries() as q:
            assert as_clinician.get(f"/patients/{patient.id}/journal").status_code == 200
        return q.count

    make_journal(patient, "one", shared=True)
    few = measure()
    for n in range(10):
        s = make_session(patient, clinician, status="completed", starts_at=utcnow().replace(microsecond=0) - dt.timedelta(days=n + 2))
        make_journal(patient, f"entry {n}", session_id=s.id, shared=True)
    assert measure() == few
