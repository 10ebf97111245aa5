"""`send-reminders`: real encrypted pushes to a fake push service on 127.0.0.1, decrypted here; email
for a patient without push; once a day; subscriptions the push service answers 404/410 for removed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from katapp import reminder_sender as sender
from katapp.clock import local_today
from katapp.extensions import db
from katapp.models import PushSubscription, Reminder, ReminderLink
from katapp.push import public_key as vapid_public_key


def _run(now):
    planned = sender.plan(now)
    return planned, sender.send_pending(now)


def _payloads(push_service, browser):
    return [browser.decrypt(p) for p in push_service.pushes_to(browser.path)]


def test_a_push_is_encrypted_and_decrypts_to_the_reminder(app, patient, reminders_on, subscribe, push_service,
                                                          make_assessment, local_at):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")  # nothing due: only the check-in reminder
    reminders_on(patient)
    phone = subscribe(patient)
    day = local_today(patient)
    planned, report = _run(local_at(patient, day, 19, 5))
    assert (planned, report.pushed, report.emailed, report.failed) == (1, 1, 0, 0)
    [push] = push_service.pushes_to(phone.path)
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.headers["authorization"].startswith("vapid t=")  # RFC 8292, signed with the clinic's key
    assert push.headers["authorization"].endswith("k=" + vapid_public_key())
    assert b"check-in" not in push.body  # encrypted on the wire
    [message] = _payloads(push_service, phone)
    assert message["title"] == "Your daily check-in"
    assert message["url"].startswith("/r/") and message["tag"] == "katapp-checkin"
    token = message["url"][3:]
    link = db.session.scalar(select(ReminderLink))
    assert link.form == "checkin" and token not in link.token_hash and len(link.token_hash) == 64
    assert app.test_client().get(message["url"]).status_code == 200
    reminder = db.session.scalar(select(Reminder))
    assert (reminder.kind, reminder.channel, reminder.local_date) == ("checkin", "push", day)
    assert reminder.sent_at is not None


def test_every_phone_of_the_patient_gets_it(patient, reminders_on, subscribe, push_service, local_at,
                                            make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient)
    phones = [subscribe(patient, "phone"), subscribe(patient, "tablet")]
    _run(local_at(patient, local_today(patient), 19, 0))
    assert [len(push_service.pushes_to(p.path)) for p in phones] == [1, 1]


def test_once_a_day_however_often_it_runs(patient, reminders_on, subscribe, push_service, local_at, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient)
    phone = subscribe(patient)
    day = local_today(patient)
    for minute in (0, 5, 10, 40):
        _run(local_at(patient, day, 19, minute))
    assert len(push_service.pushes_to(phone.path)) == 1
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 1


def test_no_check_in_reminder_on_a_day_already_logged(patient, reminders_on, subscribe, push_service, local_at,
                                                      make_checkin, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient)
    subscribe(patient)
    day = local_today(patient)
    make_checkin(patient, recorded_at=local_at(patient, day, 9, 0))
    assert _run(local_at(patient, day, 19, 30))[0] == 0
    assert push_service.received == []


def test_nothing_when_off_or_in_quiet_hours(patient, other_patient, reminders_on, subscribe, push_service, local_at):
    reminders_on(patient, enabled=False)
    reminders_on(other_patient, checkin_minute=20 * 60, quiet_start_minute=20 * 60 + 30)
    subscribe(patient)
    subscribe(other_patient)
    assert _run(local_at(patient, local_today(patient), 19, 30))[0] == 0
    assert _run(local_at(other_patient, local_today(other_patient), 20, 45))[0] == 0
    assert push_service.received == []


def test_due_questionnaire_reminded_once_a_day_for_at_most_three_days(patient, reminders_on, subscribe, push_service,
                                                                      local_at, make_checkin, make_assessment):
    make_assessment(patient, "gad7")
    reminders_on(patient, checkin_on=False)
    phone = subscribe(patient)
    start = local_today(patient)
    for offset in range(5):
        day = start + dt.timedelta(days=offset)
        _run(local_at(patient, day, 19, 0))
        _run(local_at(patient, day, 19, 30))
    messages = _payloads(push_service, phone)
    assert [m["title"] for m in messages] == ["PHQ-9 is due"] * 3
    assert db.session.scalar(select(func.count()).select_from(ReminderLink).where(ReminderLink.form == "phq9")) == 3


def test_answering_the_questionnaire_starts_the_count_again(patient, reminders_on, subscribe, push_service, local_at,
                                                            make_assessment, set_clinic):
    set_clinic(phq9_every_days=3)
    make_assessment(patient, "gad7")
    reminders_on(patient, checkin_on=False)
    phone = subscribe(patient)
    start = local_today(patient)
    _run(local_at(patient, start, 19, 0))
    make_assessment(patient, "phq9", recorded_at=local_at(patient, start, 19, 10))
    for offset in (1, 2, 3):
        _run(local_at(patient, start + dt.timedelta(days=offset), 19, 0))
    assert len(_payloads(push_service, phone)) == 2  # the first day, then due again 3 days after the answer


def test_the_evening_before_a_session_with_preparation(patient, clinician, reminders_on, subscribe, push_service,
                                                       local_at, make_session, set_clinic, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    set_clinic(prep_notes={"ketamine": "No food for 4 hours before. Arrange a ride home."})
    reminders_on(patient, checkin_on=False)
    phone = subscribe(patient)
    day = local_today(patient) + dt.timedelta(days=3)
    first = make_session(patient, clinician, starts_at=local_at(patient, day - dt.timedelta(days=2), 10), series_id="s1")
    session = make_session(patient, clinician, starts_at=local_at(patient, day + dt.timedelta(days=1), 10),
                           series_id="s1", location="Room 4, 12 Main Street")
    assert first.id != session.id
    _run(local_at(patient, day, 17, 30))
    assert push_service.received == []
    _run(local_at(patient, day, 18, 30))
    [message] = _payloads(push_service, phone)
    assert message["title"] == "Your session tomorrow" and message["url"] == f"/sessions/{session.id}"
    body = message["body"]
    assert "session 2 of 2" in body and "10:00" in body and clinician.display_name in body
    assert "Room 4, 12 Main Street" in body and "No food for 4 hours before. Arrange a ride home." in body


def test_the_day_after_a_ketamine_session(patient, clinician, reminders_on, subscribe, push_service, local_at,
                                          make_session, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient, checkin_on=False)
    phone = subscribe(patient)
    day = local_today(patient)
    make_session(patient, clinician, starts_at=local_at(patient, day - dt.timedelta(days=1), 9), status="completed")
    make_session(patient, clinician, kind="integration", starts_at=local_at(patient, day - dt.timedelta(days=1), 14),
                 minutes=50, status="completed")
    _run(local_at(patient, day, 11, 15))
    [message] = _payloads(push_service, phone)
    assert message["title"] == "How did it go?" and message["url"] == "/journal/new"


def test_a_cancelled_session_gets_no_reminders(patient, clinician, reminders_on, subscribe, push_service, local_at,
                                               make_session, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient, checkin_on=False)
    subscribe(patient)
    day = local_today(patient)
    make_session(patient, clinician, starts_at=local_at(patient, day + dt.timedelta(days=1), 10), status="cancelled")
    make_session(patient, clinician, starts_at=local_at(patient, day - dt.timedelta(days=1), 10), status="cancelled")
    assert _run(local_at(patient, day, 19, 0))[0] == 0


def test_gone_subscriptions_are_removed_and_the_reminder_goes_by_email(patient, reminders_on, subscribe, push_service,
                                                                       smtp_server, local_at, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient)
    subscribe(patient, "gone")
    subscribe(patient, "missing")
    _, report = _run(local_at(patient, local_today(patient), 19, 0))
    assert (report.gone, report.pushed, report.emailed) == (2, 0, 1)
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
    assert smtp_server.recipients == [patient.email]
    assert db.session.scalar(select(Reminder.channel)) == "email"


def test_email_without_push_carries_the_one_tap_link(app, patient, reminders_on, smtp_server, local_at, make_assessment):
    make_assessment(patient, "gad7")
    reminders_on(patient, checkin_on=False)
    _, report = _run(local_at(patient, local_today(patient), 19, 0))
    assert report.emailed == 1
    [(to, message)] = smtp_server.received
    body = message.get_payload(decode=True).decode()
    assert to == [patient.email] and message["Subject"] == "katapp: PHQ-9 is due"
    link = next(word for word in body.split() if word.startswith("https://katapp.test/r/"))
    page = app.test_client().get(link.removeprefix("https://katapp.test"))
    assert page.status_code == 200 and "PHQ-9" in page.get_data(as_text=True)


def test_a_push_service_failure_is_retried_later_not_emailed(patient, reminders_on, subscribe, push_service,
                                                             smtp_server, local_at, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient)
    subscribe(patient, "broken")
    now = local_at(patient, local_today(patient), 19, 0)
    _, report = _run(now)
    assert (report.failed, report.emailed) == (1, 0) and smtp_server.received == []
    reminder = db.session.scalar(select(Reminder))
    assert reminder.sent_at is None and reminder.attempts == 1 and "500" in reminder.last_error
    assert sender.send_pending(now).failed == 0  # backoff: not tried again at once
    assert sender.send_pending(now + dt.timedelta(minutes=2)).failed == 1


def test_the_command_reports_and_fails_on_a_failure(app, runner, patient, reminders_on, subscribe, push_service,
                                                    make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    reminders_on(patient, checkin_minute=0, quiet_start_minute=0, quiet_end_minute=0)
    subscribe(patient)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) decided, 1 pushed, 0 emailed, 0 failed" in result.output
    assert len(push_service.received) == 1
