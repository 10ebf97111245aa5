"""`flask send-reminders` (issue #17 items 1-2): decide which reminders are due, then send them by Web
Push, or by email for a patient without a push subscription.

Two steps, each safe with several senders on several hosts at once:
1. `plan(now)`: for each patient with reminders on (their settings rows claimed a batch at a time with
   `FOR UPDATE SKIP LOCKED` on PostgreSQL), ask `katapp.domain.reminders.decide` (a pure function of
   the settings, the local time and the history) and write one `Reminder` row per decision. The
   unique (patient, kind, local day) constraint makes each reminder once a day whatever happens.
2. `send_pending(now)`: claim unsent rows (as the email outbox does), push or email each, record the
   outcome. A subscription the push service answers 404/410 for is deleted; when none is left the
   reminder goes by email instead. A failure is retried with backoff for a few hours, then dropped
   (a stale reminder helps nobody).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import click
from flask import Flask, current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from katapp import clock, push, reminder_links
from katapp.alerts import backoff
from katapp.domain import reminders as rules
from katapp.domain import scheduling
from katapp.domain import vocabulary as vocab
from katapp.domain.instruments import INSTRUMENTS
from katapp.extensions import db
from katapp.mail import Letter, send_each
from katapp.models import (
    Assessment,
    CheckIn,
    PushSubscription,
    Reminder,
    ReminderSettings,
    TherapySession,
    User,
)

BATCH = 50
LEASE = dt.timedelta(minutes=10)
STALE = dt.timedelta(hours=6)  # a reminder not sent within this long after it was decided is dropped
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    path: str  # the page the notification opens (relative to the app)


@dataclass(frozen=True)
class Report:
    planned: int = 0
    pushed: int = 0
    emailed: int = 0
    failed: int = 0
    gone: int = 0  # subscriptions removed


# --- Deciding ---------------------------------------------------------------------------------------
def prefs_of(row: ReminderSettings) -> rules.Prefs:
    kinds = frozenset(k for k in rules.KINDS if getattr(row, f"{k}_on"))
    return rules.Prefs(enabled=row.enabled, checkin_at=_time(row.checkin_minute), kinds=kinds,
                       quiet_start=_time(row.quiet_start_minute), quiet_end=_time(row.quiet_end_minute))


def _time(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)


def _is_pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def plan(now: dt.datetime | None = None) -> int:
    """Write the reminders due now for every patient with reminders on; commits per batch. Returns
    how many were written."""
    now, after, made = now or clock.utcnow(), 0, 0
    while True:
        query = (select(ReminderSettings, User).join(User, User.id == ReminderSettings.patient_id)
                 .where(ReminderSettings.enabled.is_(True), User.active.is_(True), User.role == "patient",
                        ReminderSettings.patient_id > after)
                 .order_by(ReminderSettings.patient_id).limit(BATCH))
        if _is_pg():
            query = query.with_for_update(of=ReminderSettings, skip_locked=True)
        rows = db.session.execute(query).all()
        if not rows:
            db.session.commit()
            return made
        for settings, patient in rows:
            made += _plan_one(settings, patient, now)
            after = settings.patient_id
        db.session.commit()


def _plan_one(settings: ReminderSettings, patient: User, now: dt.datetime) -> int:
    local = clock.local_now(patient, now)
    decisions = rules.decide(prefs_of(settings), situation(patient, local))
    made = 0
    for decision in decisions:
        try:
            with db.session.begin_nested():
                db.session.add(Reminder(patient_id=patient.id, kind=decision.kind, local_date=local.date(),
                                        ref=decision.ref, created_at=now, send_after=now))
            made += 1
        except IntegrityError:
            pass  # another sender wrote today's reminder of this kind first
    return made


def situation(patient: User, local: dt.datetime) -> rules.Situation:
    """What `decide` needs to know about the patient at local time `local` (a few small queries)."""
    from katapp.checkins.services import due_questionnaires  # the one due rule (checkins owns it)

    today = local.date()
    sent = frozenset(db.session.scalars(select(Reminder.kind).where(
        Reminder.patient_id == patient.id, Reminder.local_date == today)))
    logged = db.session.scalar(select(exists().where(CheckIn.patient_id == patient.id, CheckIn.local_date == today)))
    due = {d.instrument: _reminded_since_answered(patient, d.instrument) for d in due_questionnaires(patient, today)}
    return rules.Situation(now=local, logged_today=bool(logged), due=due, sent_today=sent,
                           sessions_tomorrow=_sessions_on(patient, today + dt.timedelta(days=1), None, ("scheduled",)),
                           ketamine_yesterday=_sessions_on(patient, today - dt.timedelta(days=1), "ketamine",
                                                           ("checked_in", "dosed", "completed")))


def _reminded_since_answered(patient: User, instrument: str) -> int:
    last = db.session.scalar(select(func.max(Assessment.recorded_at)).where(
        Assessment.patient_id == patient.id, Assessment.instrument == instrument))
    query = select(func.count()).select_from(Reminder).where(
        Reminder.patient_id == patient.id, Reminder.kind == "questionnaire", Reminder.ref == instrument)
    if last is not None:
        query = query.where(Reminder.created_at > last)
    return int(db.session.scalar(query) or 0)


def _sessions_on(patient: User, day: dt.date, kind: str | None, statuses: tuple[str, ...]) -> tuple[int, ...]:
    start, end = scheduling.day_bounds_utc(day, patient.timezone)
    query = select(TherapySession.id).where(TherapySession.patient_id == patient.id, TherapySession.status.in_(statuses),
                                            TherapySession.starts_at >= start, TherapySession.starts_at < end)
    if kind:
        query = query.where(TherapySession.kind == kind)
    return tuple(db.session.scalars(query.order_by(TherapySession.starts_at)))


# --- What a reminder says ----------------------------------------------------------------------------
def compose(reminder: Reminder, patient: User) -> Message:
    """The notification's words and the page it opens. A check-in or questionnaire reminder carries a
    single-use link to that form (issued here, in the caller's transaction)."""
    from katapp import preparation

    if reminder.kind == "checkin":
        token = reminder_links.issue(patient, "checkin")
        return Message("Your daily check-in", "How are you today? One tap to answer, two to save.", f"/r/{token}")
    if reminder.kind == "questionnaire":
        inst = INSTRUMENTS[reminder.ref]
        token = reminder_links.issue(patient, inst.key)
        return Message(f"{inst.short_title} is due", f"Your {inst.short_title} questionnaire is due: a few minutes, "
                       "and it helps your care team see how you are doing.", f"/r/{token}")
    if reminder.kind == "session":
        session = db.session.get(TherapySession, int(reminder.ref))
        when = clock.local_now(patient, session.starts_at).strftime("%H:%M")
        where = f" at {session.location}" if session.location and not preparation.is_video_link(session.location) else ""
        notes = preparation.notes_for(session.kind)
        body = (f"Your {vocab.KIND[session.kind].label} ({preparation.position(session)}) is tomorrow at {when}"
                f" with {session.clinician.display_name}{where}." + (f" How to prepare: {notes}" if notes else ""))
        return Message("Your session tomorrow", body, f"/sessions/{session.id}")
    return Message("How did it go?", "Yesterday was a session day. Share how it went in your journal, "
                   "while it is fresh.", "/journal/new")


# --- Sending -------------------------------------------------------------------------------------------
def send_pending(now: dt.datetime | None = None, limit: int = 5000) -> Report:
    """Send claimed reminders, a batch at a time; commits after each batch."""
    pushed = emailed = failed = gone = done = 0
    now = now or clock.utcnow()
    while done < limit:
        token, rows = _claim(min(BATCH, limit - done), now)
        if not rows:
            break
        for reminder in rows:
            channel, error, removed = _deliver(reminder)
            gone += removed
            _record(reminder, token, channel, error, now)
            pushed += channel == "push" and not error
            emailed += channel == "email" and not error
            failed += bool(error)
        db.session.commit()
        done += len(rows)
    return Report(pushed=pushed, emailed=emailed, failed=failed, gone=gone)


def _claim(size: int, now: dt.datetime) -> tuple[str, list[Reminder]]:
    token = secrets.token_hex(16)
    due = (select(Reminder.id)
           .where(Reminder.sent_at.is_(None), Reminder.send_after <= now, Reminder.created_at > now - STALE,
                  Reminder.attempts < MAX_ATTEMPTS,
                  (Reminder.claimed_until.is_(None)) | (Reminder.claimed_until < now))
           .order_by(Reminder.id).limit(size))
    if _is_pg():
        due = due.with_for_update(skip_locked=True)
    ids = db.session.execute(update(Reminder).where(Reminder.id.in_(due))
                             .values(claimed_until=now + LEASE, claim_token=token).returning(Reminder.id),
                             execution_options={"synchronize_session": False}).scalars().all()
    db.session.commit()
    rows = db.session.scalars(select(Reminder).where(Reminder.id.in_(ids)).order_by(Reminder.id)).all() if ids else []
    return token, list(rows)


def _deliver(reminder: Reminder) -> tuple[str, str | None, int]:
    """Push the reminder to every subscription of the patient, else email it. Returns (channel, error
    or None, subscriptions removed)."""
    patient = db.session.get(User, reminder.patient_id)
    message = compose(reminder, patient)
    subscriptions = db.session.scalars(select(PushSubscription).where(PushSubscription.user_id == patient.id)
                                       .order_by(PushSubscription.id)).all()
    payload = {"title": message.title, "body": message.body, "url": message.path, "tag": f"katapp-{reminder.kind}"}
    errors, removed, delivered = [], 0, False
    for sub in subscriptions:
        outcome = push.send(sub.endpoint, sub.p256dh, sub.auth, payload)
        delivered |= outcome.ok
        if outcome.gone:
            db.session.delete(sub)
            removed += 1
        elif not outcome.ok:
            errors.append(outcome.error)
    if delivered:
        return "push", None, removed
    if errors:  # a live subscription failed for now: try the push again later rather than email at once
        return "push", errors[0], removed
    [error] = send_each([Letter(patient.email, "katapp: " + message.title, _email_body(message))])
    return "email", error, removed


def _email_body(message: Message) -> str:
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    link = f"{base}{message.path}" if base else message.path
    return (f"{message.body}\n\n{link}\n\nYou get this because you turned reminders on in katapp. "
            "To change or stop them, sign in and open Reminders.\n")


def _record(reminder: Reminder, token: str, channel: str, error: str | None, now: dt.datetime) -> None:
    values = ({"sent_at": clock.utcnow(), "channel": channel, "last_error": None} if not error else
              {"attempts": Reminder.attempts + 1, "last_error": error[:500], "channel": channel,
               "send_after": now + backoff(reminder.attempts + 1)})
    if error:
        current_app.logger.warning("Reminder %s not sent (attempt %s): %s", reminder.id, reminder.attempts + 1, error)
    db.session.execute(update(Reminder).where(Reminder.id == reminder.id, Reminder.claim_token == token)
                       .values(claimed_until=None, claim_token=None, **values),
                       execution_options={"synchronize_session": False})


# --- `flask --app wsgi send-reminders`: cron or a systemd timer every few minutes, on any number of hosts ---
def register_commands(app: Flask) -> None:
    app.cli.add_command(send_reminders)


@click.command("send-reminders")
def send_reminders() -> None:
    """Decide the reminders due now (each patient's own settings and local time) and send them.

    Exits 1 when a reminder could not be sent (it is retried on a later run for a few hours).
    """
    planned = plan()
    report = send_pending()
    click.echo(f"{planned} reminder(s) decided, {report.pushed} pushed, {report.emailed} emailed, "
               f"{report.failed} failed, {report.gone} expired subscription(s) removed")
    if report.failed:
        raise click.exceptions.Exit(1)
