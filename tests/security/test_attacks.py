"""One attack, the exact denial (OpenEMR style). Each test plays one attack from issue #14 or from the
access probes behind it, against the world of conftest.py, and asserts the refusal and that nothing
was stored. Attacks on the input gate and the sign-in limits are tested with those features.
"""
from __future__ import annotations

from .world import A_EMAIL, A_NAME, A_PRIVATE_JOURNAL, A_SESSION_NOTE, A_SHARED_JOURNAL, table_fingerprint


def test_patient_b_reads_a_journal_entry_by_id(world):
    before = table_fingerprint()
    response = world.clients["patient_b"].get(f"/api/v1/journal/{world.ids['journal_shared']}")
    assert response.status_code == 404
    assert A_SHARED_JOURNAL not in response.text and A_NAME not in response.text
    assert table_fingerprint() == before


def test_care_team_reads_a_private_journal_entry(world):
    response = world.clients["clinician_a"].get(f"/api/v1/journal/{world.ids['journal_private']}")
    assert response.status_code == 404
    assert A_PRIVATE_JOURNAL not in response.text


def test_outside_clinician_books_a_session_for_a(world):
    before = table_fingerprint()
    c = world.clients["clinician_other"]
    response = c.post("/api/v1/sessions", headers={"X-CSRFToken": c.csrf},
                      json={"patient_id": world.ids["patient"], "kind": "integration",
                            "starts_at": "2031-03-04T09:00:00+00:00", "duration_minutes": 50})
    assert response.status_code == 404
    assert response.json["error"] and A_NAME not in response.text
    assert table_fingerprint() == before


def test_outside_clinician_cancels_a_session_of_a(world):
    before = table_fingerprint()
    c = world.clients["clinician_other"]
    response = c.patch(f"/api/v1/sessions/{world.ids['session']}", headers={"X-CSRFToken": c.csrf},
                       json={"status": "cancelled"})
    assert response.status_code == 404
    assert A_SESSION_NOTE not in response.text
    assert table_fingerprint() == before


def test_write_without_the_csrf_header_is_refused(world):
    before = table_fingerprint()
    response = world.clients["patient_a"].post("/api/v1/checkins", json={
        "client_id": "5b7e0d1c-1111-4222-8333-944445555666", "recorded_at": "2030-01-01T08:00:00Z", "mood": 3})
    assert response.status_code == 400
    assert table_fingerprint() == before


def test_deactivated_users_cookie_stops_working(world):
    response = world.clients["deactivated"].get("/api/v1/patients")
    assert response.status_code == 401
    assert A_NAME not in response.text


def test_guessed_calendar_token_finds_nothing(world):
    response = world.clients["anonymous"].get("/calendar/calendar-token-of-clinician-a-0123456788.ics")
    assert response.status_code == 404
    assert A_NAME not in response.text


def test_invitation_link_works_once(world):
    anonymous, token = world.clients["anonymous"], world.ids["invite_token"]
    body = {"password": "first owner passphrase 1", "confirm": "first owner passphrase 1", "csrf_token": anonymous.csrf}
    assert anonymous.post(f"/invite/{token}", data=body).status_code == 302
    before = table_fingerprint()
    again = world.clients["anonymous"].__class__(world.clients["anonymous"].application)
    response = again.get(f"/invite/{token}")
    assert response.status_code == 404
    assert table_fingerprint() == before


def test_checkin_dated_year_9999_with_an_offset_is_invalid_not_a_crash(world):
    """Found by the Schemathesis run: an OverflowError escaped from the date parser (500)."""
    before = table_fingerprint()
    c = world.clients["patient_a"]
    response = c.post("/api/v1/checkins", headers={"X-CSRFToken": c.csrf}, json={
        "client_id": "5b7e0d1c-1111-4222-8333-944445555667", "recorded_at": "9999-12-31T23:00:00-05:00", "mood": 3})
    assert response.status_code == 400
    assert "recorded_at" in response.json["fields"]
    assert table_fingerprint() == before


def test_removed_clinician_cancels_the_session_they_booked_with_a(world):
    """Issue #14 item 4: the session still carries their id; the care team decides, not the id."""
    before = table_fingerprint()
    c = world.clients["clinician_removed"]
    response = c.patch(f"/api/v1/sessions/{world.ids['session_removed']}", headers={"X-CSRFToken": c.csrf},
                       json={"status": "cancelled"})
    assert response.status_code == 404
    assert response.json["error"] and A_SESSION_NOTE not in response.text and A_NAME not in response.text
    assert table_fingerprint() == before


def test_clinician_probes_whether_a_has_an_account(world):
    """Issue #14 item 5: "Add patient" with A's address answers as for a new one, and changes nothing of A."""
    c = world.clients["clinician_other"]
    response = c.post("/caseload/add", data={"csrf_token": c.csrf, "email": A_EMAIL, "display_name": "Probe",
                                             "timezone": "UTC"})
    assert response.status_code == 200
    assert f"An invitation was sent to <strong>{A_EMAIL}</strong>" in response.text
    assert "/invite/" not in response.text and A_NAME not in response.text
