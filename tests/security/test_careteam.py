"""Issue #14 item 4: care-team changes take effect everywhere. One attack (or one rule), the exact answer.

The care team is changed as a clinic changes it: an admin saves the patient's account page.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent, SessionHandover, TherapySession, User, care_team, utcnow

from .world import table_fingerprint

NOTE = "session-note-RM91"
NAME = "Quillon Marchetti"


def _at(days: int, hour: int = 15) -> dt.datetime:
    return (utcnow() + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def team(make_user, make_session, make_flag, admin, login_as):
    """Patient P with clinicians `stay` (added first) and `leave`; `leave` booked a session with P
    (in two days) and P has an open safety flag. `leave` and the admin are signed in."""
    stay = make_user("clinician", display_name="Dr. Stay")
    leave = make_user("clinician", display_name="Dr. Leave")
    p = make_user("patient", clinician=stay, display_name=NAME)
    db.session.execute(care_team.insert().values(
        clinician_id=leave.id, patient_id=p.id, added_at=utcnow() + dt.timedelta(seconds=1)))
    db.session.commit()
    s = make_session(p, leave, kind="integration", starts_at=_at(2), minutes=50, notes=NOTE)
    make_flag(p, reason="flag-reason-RM92")
    ns = type("Team", (), {})()
    ns.stay, ns.leave, ns.patient, ns.session, ns.admin = stay, leave, p, s, admin
    ns.leave_client, ns.admin_client = login_as(leave), login_as(admin)
    return ns


def set_team(t, *clinicians, active: bool = True, patient=None):
    """The admin saves the patient's account page with this care team."""
    patient = patient or t.patient
    c = t.admin_client
    data = {"csrf_token": c.csrf, "display_name": patient.display_name, "timezone": patient.timezone,
            "clinicians": [x.id for x in clinicians], "move_to": 0, "phone": "", "country": "", "indication": ""}
    if active:
        data["active"] = "y"
    response = c.post(f"/admin/users/{patient.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _session(t) -> TherapySession:
    db.session.expire_all()
    return db.session.get(TherapySession, t.session.id)


def test_removed_clinician_opens_cancels_moves_their_booked_session(team):
    set_team(team, team.stay)
    c, sid = team.leave_client, team.session.id
    before = table_fingerprint()
    attempts = [
        c.get(f"/agenda/sessions/{sid}"),
        c.post(f"/agenda/sessions/{sid}/status", data={"csrf_token": c.csrf, "status": "cancelled"}),
        c.post(f"/agenda/sessions/{sid}/move", data={"csrf_token": c.csrf, "date": _at(5).date().isoformat(),
                                                     "time": "10:00", "duration_minutes": 50}),
        c.get(f"/api/v1/sessions/{sid}"),
        c.patch(f"/api/v1/sessions/{sid}", headers={"X-CSRFToken": c.csrf}, json={"status": "cancelled"}),
        c.patch(f"/api/v1/sessions/{sid}", headers={"X-CSRFToken": c.csrf},
                json={"starts_at": _at(6).isoformat(), "duration_minutes": 50}),
    ]
    assert [r.status_code for r in attempts] == [404] * 6
    assert all(NOTE not in r.text and NAME not in r.text for r in attempts)
    assert table_fingerprint() == before
    assert _session(team).status == "scheduled"


def test_removed_clinicians_agenda_says_reassigned_and_nothing_current(team):
    set_team(team, team.stay)
    page = team.leave_client.get("/agenda")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Reassigned" in text and "Integration" in text
    assert NAME not in text and NOTE not in text and "Safety flag" not in text
    assert f"/agenda/sessions/{team.session.id}" not in text  # no link to follow


def test_removed_clinicians_lists_and_calendar_hold_nothing_of_the_patient(team, make_session):
    make_session(team.patient, team.leave, kind="intake", status="completed", starts_at=_at(-3), minutes=60, notes=NOTE)
    set_team(team, team.stay)
    c = team.leave_client
    listed = c.get("/api/v1/sessions")
    assert listed.status_code == 200 and listed.json["items"] == []
    c.post("/calendar", data={"csrf_token": c.csrf, "action": "on"})
    token = db.session.get(User, team.leave.id).calendar_token
    feed = c.get(f"/calendar/{token}.ics").get_data(as_text=True)
    assert "Q.M." not in feed and "Integration" not in feed


def test_sessions_go_to_the_earliest_added_clinician_still_on_the_team(team):
    set_team(team, team.stay)
    s = _session(team)
    assert s.clinician_id == team.stay.id and s.status == "scheduled" and s.notes == NOTE
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session_reassigned"))
    assert event.object_id == s.id and event.patient_id == team.patient.id and event.actor_id == team.admin.id
    assert f"from clinician {team.leave.id} to clinician {team.stay.id}" in event.detail


def test_the_new_clinician_sees_and_can_complete_the_session(team, login_as):
    set_team(team, team.stay)
    c = login_as(team.stay)
    assert NAME in c.get("/agenda").get_data(as_text=True)
    page = c.get(f"/agenda/sessions/{team.session.id}")
    assert page.status_code == 200 and NOTE in page.get_data(as_text=True)
    response = c.patch(f"/api/v1/sessions/{team.session.id}", headers={"X-CSRFToken": c.csrf},
                       json={"status": "cancelled"})
    assert response.status_code == 200 and _session(team).status == "cancelled"


def test_a_busy_clinician_is_skipped_for_the_next_free_one(team, make_user, make_session):
    later = make_user("clinician", display_name="Dr. Later")
    make_session(make_user("patient", clinician=team.stay), team.stay, kind="intake", starts_at=team.session.starts_at,
                 minutes=60)
    set_team(team, team.stay, later)
    assert _session(team).clinician_id == later.id


def test_nobody_free_the_session_waits_and_admins_see_it_until_a_clinician_joins(team, make_user, make_session):
    make_session(make_user("patient", clinician=team.stay), team.stay, kind="intake", starts_at=team.session.starts_at,
                 minutes=60)
    set_team(team, team.stay)
    s = _session(team)
    assert s.clinician_id == team.leave.id  # unchanged, and refused to its former clinician:
    assert team.leave_client.get(f"/agenda/sessions/{s.id}").status_code == 404
    handover = db.session.scalar(select(SessionHandover))
    assert handover.to_clinician_id is None and handover.from_clinician_id == team.leave.id
    overview = team.admin_client.get("/").headers["Location"]
    text = team.admin_client.get(overview).get_data(as_text=True)
    assert "Sessions waiting for a clinician" in text and NAME in text
    set_team(team, team.stay)  # saving again changes nothing and records nothing twice
    assert db.session.query(SessionHandover).count() == 1
    newcomer = make_user("clinician", display_name="Dr. New")
    set_team(team, team.stay, newcomer)
    assert _session(team).clinician_id == newcomer.id
    assert "Sessions waiting for a clinician" not in team.admin_client.get(overview).get_data(as_text=True)


def test_deactivated_clinicians_open_sessions_go_to_the_team(team):
    c = team.admin_client
    response = c.post(f"/admin/users/{team.leave.id}", data={
        "csrf_token": c.csrf, "display_name": "Dr. Leave", "timezone": team.leave.timezone, "move_to": 0})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    assert _session(team).clinician_id == team.stay.id


def test_finished_sessions_stay_with_the_clinician_who_held_them(team, make_session):
    done = make_session(team.patient, team.leave, kind="intake", status="completed", starts_at=_at(-3), minutes=60)
    set_team(team, team.stay)
    db.session.expire_all()
    assert db.session.get(TherapySession, done.id).clinician_id == team.leave.id
    assert team.leave_client.get(f"/agenda/sessions/{done.id}").status_code == 404


def test_admin_overview_counts_the_weeks_security_events(team):
    set_team(team, team.stay)
    overview = team.admin_client.get(team.admin_client.get("/").headers["Location"])
    text = overview.get_data(as_text=True)
    assert "Security events this week" in text
    removed = re.search(r'kind=care_team_removed">Clinicians removed from a care team</a></th>\s*<td>(\d+)</td>', text)
    moved = re.search(r'kind=session_reassigned">Sessions moved to another clinician[^<]*</a></th>\s*<td>(\d+)</td>', text)
    assert removed.group(1) == "1" and moved.group(1) == "1"
    assert re.search(r"Sign-in limit reached[^<]*</th>\s*<td>0</td>", text)  # zero: no link, still shown
