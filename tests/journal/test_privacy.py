"""Private by default: every role, every way in. A private entry is "not found", exactly like a missing one."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import AuditEvent, JournalEntry

SECRET = "my private secret words"
# CSRF tokens carry a timestamp: two renders a second apart differ there and nowhere else.
CSRF = re.compile(r'<meta name="csrf-token" content="[^"]+">|<input[^>]*name="csrf_token"[^>]*>')


def _page(response) -> str:
    return CSRF.sub("", response.get_data(as_text=True))


class _SignedIn(dict):
    """Signs each person in on first use (signing in hashes a password: slow, so only when needed)."""

    def __init__(self, login_as, users):
        super().__init__()
        self.login_as, self.users = login_as, users

    def __missing__(self, who):
        self[who] = self.login_as(self.users[who])
        return self[who]


@pytest.fixture
def others(login_as, patient, other_patient, other_clinician, admin, clinician):
    """Everyone who is not the author: the care team (private entries only), others, admin."""
    return _SignedIn(login_as, {
        "care team clinician": clinician,
        "clinician not on the care team": other_clinician,
        "another patient": other_patient,
        "admin": admin,
    })


WHO = ["care team clinician", "clinician not on the care team", "another patient", "admin"]


@pytest.mark.parametrize("who", WHO)
def test_private_entry_page_is_404_exactly_like_a_missing_one(others, who, patient, make_journal):
    entry = make_journal(patient, SECRET)
    client = others[who]
    private, missing = client.get(f"/journal/{entry.id}"), client.get(f"/journal/{entry.id + 1000}")
    assert private.status_code == missing.status_code == 404
    assert _page(private) == _page(missing)
    assert SECRET not in _page(private)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("shared", [False, True])
def test_entry_pages_edit_share_delete_are_404_for_everyone_else(others, who, shared, patient, make_journal):
    entry = make_journal(patient, SECRET, shared=shared)
    client = others[who]
    token = client.csrf
    assert client.get(f"/journal/{entry.id}").status_code == 404
    assert client.get(f"/journal/{entry.id}/edit").status_code == 404
    assert client.post(f"/journal/{entry.id}/edit", data={"csrf_token": token, "body": "taken over"}).status_code == 404
    assert client.post(f"/journal/{entry.id}/share", data={"csrf_token": token, "shared": "0" if shared else "1"}).status_code == 404
    assert client.post(f"/journal/{entry.id}/delete", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    stored = db.session.get(JournalEntry, entry.id)
    assert (stored.body, stored.shared) == (SECRET, shared)


@pytest.mark.parametrize("who", WHO)
def test_private_entry_api_is_404_exactly_like_a_missing_one(others, who, patient, make_journal, api):
    entry = make_journal(patient, SECRET)
    client = others[who]
    private, missing = api(client, "GET", f"/api/v1/journal/{entry.id}"), api(client, "GET", f"/api/v1/journal/{entry.id + 1000}")
    assert private.status_code == missing.status_code == 404
    assert private.get_json() == missing.get_json() == {"error": "not found", "fields": {}}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("method,json", [("PATCH", {"body": "changed"}), ("DELETE", None)])
def test_api_writes_to_someone_elses_entry_are_404(others, who, method, json, patient, make_journal, api):
    entry = make_journal(patient, SECRET, shared=True)
    assert api(others[who], method, f"/api/v1/journal/{entry.id}", json=json).status_code == 404
    db.session.expire_all()
    assert db.session.get(JournalEntry, entry.id).body == SECRET


@pytest.mark.parametrize("who", WHO)
def test_lists_and_search_never_show_someone_elses_entries(others, who, patient, make_journal, api):
    make_journal(patient, SECRET)
    make_journal(patient, "shared " + SECRET, shared=True)
    client = others[who]
    page = client.get("/journal?q=secret")
    listing = api(client, "GET", "/api/v1/journal?q=secret")
    if who == "another patient":  # has a journal of their own, without these entries
        assert page.status_code == 200 and SECRET not in page.get_data(as_text=True)
        assert "No entries contain all of those words." in page.get_data(as_text=True)
        assert listing.get_json() == {"items": [], "next": None}
    else:  # staff have no journal list at all
        assert page.status_code == 404 and listing.status_code == 404


def test_care_team_page_lists_shared_entries_only_and_reveals_no_count(as_clinician, patient, make_journal, make_session, clinician):
    session = make_session(patient, clinician, status="completed")
    private = [make_journal(patient, f"{SECRET} {n}") for n in range(3)]
    make_journal(patient, "I chose to share this.", shared=True, session_id=session.id)
    response = as_clinician.get(f"/patients/{patient.id}/journal")
    html = _page(response)
    assert response.status_code == 200
    assert "I chose to share this." in html
    assert "Ketamine session" in html  # the session it belongs to
    assert SECRET not in html
    # Exactly the same page as when the private entries do not exist: nothing counts them.
    for entry in private:
        db.session.delete(entry)
    db.session.commit()
    assert _page(as_clinician.get(f"/patients/{patient.id}/journal")) == html


def test_care_team_page_with_nothing_shared(as_clinician, patient, make_journal):
    make_journal(patient, SECRET)
    html = as_clinician.get(f"/patients/{patient.id}/journal").get_data(as_text=True)
    assert "No shared entries." in html and SECRET not in html


@pytest.mark.parametrize("who", ["clinician not on the care team", "another patient", "admin"])
def test_shared_for_patient_page_is_404_outside_the_care_team(others, who, patient, make_journal):
    make_journal(patient, "shared " + SECRET, shared=True)
    response = others[who].get(f"/patients/{patient.id}/journal")
    assert response.status_code == 404
    assert SECRET not in response.get_data(as_text=True)


def test_the_patient_has_no_care_team_page_of_their_own(as_patient, patient, make_journal):
    make_journal(patient, "shared", shared=True)
    assert as_patient.get(f"/patients/{patient.id}/journal").status_code == 404


def test_every_clinician_view_is_audited(as_clinician, clinician, patient, make_journal, api):
    entry = make_journal(patient, "shared text", shared=True)
    as_clinician.get(f"/patients/{patient.id}/journal")
    assert api(as_clinician, "GET", f"/api/v1/journal/{entry.id}").status_code == 200
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.patient_id, AuditEvent.object_id)
        .where(AuditEvent.action.like("view:%")).order_by(AuditEvent.id)).all()
    assert events == [("view:journal", clinician.id, patient.id, None),
                      ("view:journal_entry", clinician.id, patient.id, entry.id)]


def test_patient_reading_own_entries_is_not_audited_as_a_view(as_patient, patient, make_journal, api):
    entry = make_journal(patient, "mine")
    assert as_patient.get(f"/journal/{entry.id}").status_code == 200
    assert api(as_patient, "GET", f"/api/v1/journal/{entry.id}").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("view:%"))) == 0


def test_api_shared_entry_readable_by_care_team_only(others, patient, make_journal, api):
    entry = make_journal(patient, "shared text", shared=True)
    assert api(others["care team clinician"], "GET", f"/api/v1/journal/{entry.id}").get_json()["body"] == "shared text"
    for who in ["clinician not on the care team", "another patient", "admin"]:
        assert api(others[who], "GET", f"/api/v1/journal/{entry.id}").status_code == 404, who


def test_unsharing_hides_the_entry_from_the_care_team_again(as_patient, as_clinician, patient, make_journal, api):
    entry = make_journal(patient, "was shared", shared=True)
    assert api(as_clinician, "GET", f"/api/v1/journal/{entry.id}").status_code == 200
    as_patient.post(f"/journal/{entry.id}/share", data={"csrf_token": as_patient.csrf, "shared": "0"})
    assert api(as_clinician, "GET", f"/api/v1/journal/{entry.id}").status_code == 404
    assert "was shared" not in as_clinician.get(f"/patients/{patient.id}/journal").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, patient, make_journal):
    entry = make_journal(patient, SECRET, shared=True)
    assert client.get(f"/journal/{entry.id}").status_code == 302
    assert client.get(f"/patients/{patient.id}/journal").status_code == 302
    response = client.get(f"/api/v1/journal/{entry.id}")
    assert response.status_code == 401 and SECRET not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["care team clinician", "admin"])
def test_staff_cannot_post_journal_entries(others, who, api):
    response = api(others[who], "POST", "/api/v1/journal", json={"body": "hello"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 0
    assert others[who].get("/journal/new").status_code == 404
