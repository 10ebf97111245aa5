"""The private calendar feed: turned on/off per user, parsed back with icalendar, stable UIDs."""
import datetime as dt
import re

from icalendar import Calendar

from katapp.extensions import db
from katapp.models import User


def turn(client, action: str):
    return client.post("/calendar", data={"action": action, "csrf_token": client.csrf})


def feed_path(user) -> str:
    db.session.expire_all()
    token = db.session.get(User, user.id).calendar_token
    return f"/calendar/{token}.ics"


UID = re.compile(r"session-(\d+)-\d{9,11}-[0-9a-f]{12}@katapp")


def events(client, path):
    """The feed's events by `session-<id>@katapp` (each full UID checked against its installation-unique form)."""
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    found = {}
    for e in Calendar.from_ical(r.data).walk("VEVENT"):
        match = UID.fullmatch(str(e["UID"]))
        assert match, str(e["UID"])
        found[f"session-{match[1]}@katapp"] = e
    return found


def test_feed_is_off_until_turned_on(patient, login_as):
    c = login_as(patient)
    assert "Turn on calendar feed" in c.get("/calendar").get_data(as_text=True)
    assert db.session.get(User, patient.id).calendar_token is None
    assert turn(c, "on").status_code == 302
    page = c.get("/calendar").get_data(as_text=True)
    assert re.search(r"http://localhost/calendar/[\w-]{40,}\.ics", page) and "Turn off" in page
    assert re.search(r"href=\"webcal://localhost/calendar/[\w-]{40,}\.ics\"", page)


def test_patient_feed_has_kind_and_time_only(patient, clinician, make_session, login_as, app, ny):
    s = make_session(patient, clinician, kind="ketamine", starts_at=ny(3, 9), notes="dose plan: 0.5 mg/kg")
    c = login_as(patient)
    turn(c, "on")
    anonymous = app.test_client()
    found = events(anonymous, feed_path(patient))
    event = found[f"session-{s.id}@katapp"]
    assert str(event["SUMMARY"]) == "katapp: ketamine session"
    assert event.decoded("DTSTART") == dt.datetime(2030, 6, 3, 13, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2030, 6, 3, 14, 30, tzinfo=dt.UTC)
    raw = anonymous.get(feed_path(patient)).get_data(as_text=True)
    for secret in ("Pat", "Patient", "Clin", "0.5 mg", "dose"):
        assert secret not in raw


def test_clinician_feed_names_nobody_unless_initials_are_opted_into(patient, clinician, make_session, login_as, app, ny):
    make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    c = login_as(clinician)
    turn(c, "on")
    (event,) = events(app.test_client(), feed_path(clinician)).values()
    assert str(event["SUMMARY"]) == "katapp: integration session"
    assert "Show patients' initials" in c.get("/calendar").get_data(as_text=True)
    assert turn(c, "initials_on").status_code == 302
    assert db.session.get(User, clinician.id).calendar_initials is True
    (event,) = events(app.test_client(), feed_path(clinician)).values()
    assert str(event["SUMMARY"]) == "katapp: integration session (P.P.)"
    assert "Pat Patient" not in app.test_client().get(feed_path(clinician)).get_data(as_text=True)


def test_moved_session_keeps_its_uid_with_a_higher_sequence(patient, clinician, make_session, login_as, app, api, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9), minutes=60)
    cancelled = make_session(patient, clinician, kind="intake", starts_at=ny(5, 9), status="cancelled")
    c = login_as(clinician)
    turn(c, "on")
    path, anonymous = feed_path(clinician), app.test_client()
    before = events(anonymous, path)[f"session-{s.id}@katapp"]
    r = api(c, "PATCH", f"/api/v1/sessions/{s.id}", json={"starts_at": ny(4, 11).isoformat()})
    assert r.status_code == 200
    after_all = events(anonymous, path)
    assert set(after_all) == {f"session-{s.id}@katapp", f"session-{cancelled.id}@katapp"}
    after = after_all[f"session-{s.id}@katapp"]
    assert after.decoded("DTSTART") == dt.datetime(2030, 6, 4, 15, tzinfo=dt.UTC)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"]) == 0
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")
    assert str(after["STATUS"]) == "CONFIRMED"
    assert str(after_all[f"session-{cancelled.id}@katapp"]["STATUS"]) == "CANCELLED"


def test_cancelling_updates_the_same_event(patient, clinician, make_session, login_as, app, api, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    c = login_as(patient)
    turn(c, "on")
    path = feed_path(patient)
    assert api(login_as(clinician), "PATCH", f"/api/v1/sessions/{s.id}", json={"status": "cancelled"}).status_code == 200
    (event,) = events(app.test_client(), path).values()
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]).startswith(f"session-{s.id}-")


def test_regenerating_revokes_the_old_address_and_off_revokes_all(patient, login_as, app):
    c = login_as(patient)
    turn(c, "on")
    first = feed_path(patient)
    turn(c, "on")
    second = feed_path(patient)
    anonymous = app.test_client()
    assert first != second
    assert anonymous.get(first).status_code == 404 and anonymous.get(second).status_code == 200
    turn(c, "off")
    assert db.session.get(User, patient.id).calendar_token is None
    assert anonymous.get(second).status_code == 404


def test_unknown_tokens_and_inactive_users_are_404(patient, login_as, app):
    anonymous = app.test_client()
    assert anonymous.get("/calendar/nope.ics").status_code == 404
    assert anonymous.get("/calendar/" + "x" * 100 + ".ics").status_code == 404
    c = login_as(patient)
    turn(c, "on")
    path = feed_path(patient)
    db.session.get(User, patient.id).active = False
    db.session.commit()
    assert anonymous.get(path).status_code == 404


def test_feed_only_holds_the_owners_sessions(patient, other_patient, clinician, other_clinician, make_session,
                                             login_as, app, ny):
    mine = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    make_session(other_patient, other_clinician, kind="integration", starts_at=ny(3, 9))
    c = login_as(patient)
    turn(c, "on")
    assert set(events(app.test_client(), feed_path(patient))) == {f"session-{mine.id}@katapp"}


def test_admin_has_no_feed_page(admin, login_as):
    assert login_as(admin).get("/calendar").status_code == 404


def test_a_patient_cannot_turn_on_initials(patient, login_as):
    c = login_as(patient)
    turn(c, "initials_on")
    assert db.session.get(User, patient.id).calendar_initials is False
    assert "initials" not in c.get("/calendar").get_data(as_text=True)


def test_uids_differ_between_installations_and_after_a_database_reset(patient, clinician, make_session, app, ny):
    from katapp.schedule.feed import uid

    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    here = uid(s)
    assert here == uid(s)  # stable for the same session
    app.config["SECRET_KEY"] = "another installation's secret"
    assert uid(s) != here and uid(s).startswith(f"session-{s.id}-")
    app.config["SECRET_KEY"] = "testing-secret-key-not-for-production"
    s.created_at = s.created_at + dt.timedelta(days=400)  # the same id again after a reset, made later
    assert uid(s) != here
