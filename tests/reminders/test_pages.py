"""The reminders page, the push-subscriptions API, the patient's session page and the clinic's
preparation notes (issue #17 items 1 and 4)."""
from __future__ import annotations

import base64
import datetime as dt
import os

from sqlalchemy import select

from katapp.clock import local_today
from katapp.extensions import db
from katapp.models import AuditEvent, ClinicSettings, PushSubscription, ReminderSettings, TherapySession


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _subscription(endpoint="https://push.example.net/send/abc"):
    return {"endpoint": endpoint, "expirationTime": None,
            "keys": {"p256dh": _b64(b"\x04" + os.urandom(64)), "auth": _b64(os.urandom(16))}}


def _settings(**values):
    data = {"enabled": "y", "checkin_at": "19:30", "checkin_on": "y", "questionnaire_on": "y", "session_on": "y",
            "after_session_on": "y", "quiet_start": "21:00", "quiet_end": "08:00"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_the_page_explains_before_asking_and_starts_off(login_as, patient):
    page = login_as(patient).get("/reminders")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "It asks only when you tap the button below" in html
    assert 'id="push-on"' in html and "data-vapid-key=" in html
    assert 'name="enabled" type="checkbox" value="y">' in html  # off until the patient turns it on
    assert 'value="19:00"' in html and 'value="21:00"' in html and 'value="08:00"' in html
    assert "come by email to pat@example.org" in html


def test_saving_the_settings(login_as, patient):
    c = login_as(patient)
    done = c.post("/reminders", data=_settings(csrf_token=c.csrf, checkin_at="07:45", quiet_end="07:00",
                                               after_session_on=None))
    assert done.status_code == 302
    row = db.session.get(ReminderSettings, patient.id)
    assert (row.enabled, row.checkin_minute, row.quiet_end_minute, row.after_session_on, row.session_on) == \
        (True, 7 * 60 + 45, 7 * 60, False, True)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "reminders.settings"))
    assert "Reminders on: saved." in c.get("/reminders").get_data(as_text=True)


def test_a_check_in_time_in_quiet_hours_is_refused(login_as, patient):
    c = login_as(patient)
    refused = c.post("/reminders", data=_settings(csrf_token=c.csrf, checkin_at="22:30"))
    assert refused.status_code == 400 and "inside your quiet hours" in refused.get_data(as_text=True)
    assert db.session.get(ReminderSettings, patient.id) is None


def test_a_bad_time_is_refused(login_as, patient):
    c = login_as(patient)
    assert c.post("/reminders", data=_settings(csrf_token=c.csrf, checkin_at="25:99")).status_code == 400
    assert db.session.get(ReminderSettings, patient.id) is None


def test_subscribe_and_unsubscribe(login_as, api, patient):
    c = login_as(patient)
    sub = _subscription()
    made = api(c, "POST", "/api/v1/push-subscriptions", sub)
    assert made.status_code == 201 and made.json["endpoint"] == sub["endpoint"]
    assert api(c, "POST", "/api/v1/push-subscriptions", sub).status_code == 200  # the same browser again
    assert db.session.scalar(select(PushSubscription.user_id)) == patient.id
    assert "Notifications are on" in c.get("/reminders").get_data(as_text=True)
    assert api(c, "DELETE", "/api/v1/push-subscriptions", {"endpoint": sub["endpoint"]}).status_code == 204
    assert db.session.scalar(select(PushSubscription)) is None
    assert api(c, "DELETE", "/api/v1/push-subscriptions", {"endpoint": sub["endpoint"]}).status_code == 404


def test_a_phone_passed_to_another_patient_moves_its_subscription(login_as, api, patient, other_patient):
    sub = _subscription()
    api(login_as(patient), "POST", "/api/v1/push-subscriptions", sub)
    other = login_as(other_patient)
    assert api(other, "DELETE", "/api/v1/push-subscriptions", {"endpoint": sub["endpoint"]}).status_code == 404
    assert api(other, "POST", "/api/v1/push-subscriptions", sub).status_code == 201
    assert db.session.scalar(select(PushSubscription.user_id)) == other_patient.id


def test_bad_subscriptions_are_refused_and_nothing_stored(login_as, api, patient):
    c = login_as(patient)
    bad = [
        {**_subscription(), "endpoint": "http://push.example.net/x"},
        {**_subscription(), "endpoint": "https://" + "a" * 1000},
        {**_subscription(), "keys": {"p256dh": "short", "auth": _b64(os.urandom(16))}},
        {**_subscription(), "keys": {"p256dh": _b64(b"\x04" + os.urandom(64)), "auth": "!!"}},
        {**_subscription(), "extra": 1},
        {"endpoint": "https://push.example.net/x"},
    ]
    for body in bad:
        response = api(c, "POST", "/api/v1/push-subscriptions", body)
        assert response.status_code == 400 and response.json["fields"], body
    assert db.session.scalar(select(PushSubscription)) is None


def test_only_patients_subscribe(login_as, api, clinician):
    assert api(login_as(clinician), "POST", "/api/v1/push-subscriptions", _subscription()).status_code == 404
    assert login_as(clinician).get("/reminders").status_code == 404


def test_the_patients_session_page_shows_how_to_prepare(login_as, patient, clinician, make_session, set_clinic):
    set_clinic(prep_notes={"ketamine": "Nothing to eat for 4 hours before.\nArrange a ride home."})
    start = dt.datetime.combine(local_today(patient) + dt.timedelta(days=2), dt.time(14), tzinfo=dt.UTC)
    make_session(patient, clinician, starts_at=start - dt.timedelta(days=1), series_id="s")
    s = make_session(patient, clinician, starts_at=start, series_id="s", location="https://video.example.org/room/7")
    make_session(patient, clinician, starts_at=start + dt.timedelta(days=2), series_id="s")
    make_session(patient, clinician, starts_at=start + dt.timedelta(days=3), series_id="s", status="cancelled")
    html = login_as(patient).get(f"/sessions/{s.id}").get_data(as_text=True)
    assert "Session 2 of 3" in html and clinician.display_name in html
    assert 'href="https://video.example.org/room/7"' in html and "Join the video call" in html
    assert "Nothing to eat for 4 hours before.\nArrange a ride home." in html
    assert f'href="/sessions/{s.id}"' in login_as(patient).get("/sessions").get_data(as_text=True)


def test_only_a_session_still_ahead_or_under_way_offers_its_video_call(login_as, patient, clinician, make_session):
    room = "https://video.example.org/room/{}"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cases = {  # (starts, status) -> the call is offered
        (now + dt.timedelta(days=1), "scheduled"): True,
        (now - dt.timedelta(minutes=20), "scheduled"): True,  # under way now
        (now - dt.timedelta(minutes=20), "checked_in"): True,
        (now - dt.timedelta(days=3), "completed"): False,
        (now - dt.timedelta(days=3), "scheduled"): False,  # past, never marked: the link is no use now
        (now - dt.timedelta(minutes=20), "completed"): False,  # finished early today
        (now + dt.timedelta(days=2), "cancelled"): False,
        (now - dt.timedelta(days=2), "no_show"): False,
    }
    client = login_as(patient)
    for n, ((starts, status), offered) in enumerate(cases.items()):
        s = make_session(patient, clinician, kind="integration", minutes=50, starts_at=starts, status=status,
                         location=room.format(n))
        html = client.get(f"/sessions/{s.id}").get_data(as_text=True)
        assert ("Join the video call" in html) is offered, (status, starts)
        assert (f'href="{room.format(n)}"' in html) is offered, (status, starts)
        assert ("By video call" in html) is not offered, (status, starts)
        assert ("this session has ended" in html) is (not offered and status not in ("cancelled", "no_show"))


def test_a_place_is_shown_as_text(login_as, patient, clinician, make_session):
    s = make_session(patient, clinician, kind="integration", minutes=50, location="Room 4 <b>upstairs</b>")
    html = login_as(patient).get(f"/sessions/{s.id}").get_data(as_text=True)
    assert "Room 4 &lt;b&gt;upstairs&lt;/b&gt;" in html and "Session 1 of 1" in html
    assert "has not written preparation notes" in html


def test_someone_elses_session_is_not_found(login_as, patient, other_patient, clinician, make_session):
    s = make_session(patient, clinician)
    assert login_as(other_patient).get(f"/sessions/{s.id}").status_code == 404
    assert login_as(clinician).get(f"/sessions/{s.id}").status_code == 404


def test_admin_writes_preparation_notes_audited(login_as, admin):
    c = login_as(admin)
    form = c.get("/admin/preparation").get_data(as_text=True)
    assert "Before a ketamine session" in form
    done = c.post("/admin/preparation", data={"csrf_token": c.csrf, "ketamine": "  Fast for 4 hours.  ",
                                              "integration": "", "intake": "", "follow_up": ""})
    assert done.status_code == 302
    assert db.session.get(ClinicSettings, 1).prep_notes == {"ketamine": "Fast for 4 hours."}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.preparation"))
    assert event.actor_id == admin.id and "Ketamine" in event.detail
    too_long = c.post("/admin/preparation", data={"csrf_token": c.csrf, "ketamine": "x" * 4001})
    assert too_long.status_code == 400
    assert db.session.get(ClinicSettings, 1).prep_notes == {"ketamine": "Fast for 4 hours."}


def test_booking_with_a_place(login_as, patient, clinician):
    c = login_as(clinician)
    day = local_today(clinician) + dt.timedelta(days=5)
    day = (day + dt.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)).isoformat()  # open Mon-Fri
    done = c.post("/agenda/book", data={"csrf_token": c.csrf, "patient_id": patient.id, "kind": "integration",
                                        "date": day, "time": "10:00", "duration_minutes": 50,
                                        "location": "Room 2, 5 High Street"})
    assert done.status_code == 302
    assert db.session.scalar(select(TherapySession.location)) == "Room 2, 5 High Street"


def test_the_check_in_home_offers_reminders_until_they_are_on(login_as, patient):
    c = login_as(patient)
    assert 'href="/reminders"' in c.get("/checkin").get_data(as_text=True)
    c.post("/reminders", data=_settings(csrf_token=c.csrf))
    assert 'href="/reminders"' not in c.get("/checkin").get_data(as_text=True)
