"""Safety-flag alerts (#11): who is told of a flag, the email outbox, escalation, `flask send-alerts`.

Not a feature (no blueprint, no pages): like `security.py`, a shared service the features call. The
check-in flow enqueues in its own transaction, the review pages read `flag_review.py`, and cron runs
`send-alerts`.

Every safety flag reaches a person (issue #11).

- `flag_recipients(patient)`: the patient's active care-team clinicians, or, when there is none, the
  clinic's active on-call clinicians. Admins see every open flag (`open_flags_for_admin`) and get
  the escalations.
- `enqueue_flag_alert(flag)`: outbox rows in the caller's transaction (the caller commits); returns
  whether a person was told, so the patient is told the truth.
- `escalate_overdue()` and `send_due()`: what `flask send-alerts` runs. Sending never happens in a
  patient's request. Rows are claimed (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one UPDATE
  statement under its single write lock) so several senders never send one row twice; a failure
  is recorded and retried later with backoff.

Emails carry no health details: no name, no answer, no score (DESIGN.md §15; HIPAA minimum necessary).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import click
from flask import Flask, current_app, has_request_context, request
from sqlalchemy import exists, select, update
from sqlalchemy.orm import joinedload

from katapp.clinic import clinic_settings
from katapp.clock import utcnow
from katapp.domain import crisis
from katapp.extensions import db
from katapp.mail import Letter, send_each
from katapp.models import OutboxEmail, SafetyFlag, User, care_team, on_call

FLAG_SUBJECT = "katapp: a patient needs review"
FLAG_BODY = ("A patient on your caseload needs review: sign in to katapp {url}\n\n"
             "This email holds no details by design; they are in katapp.\n")
ESCALATION_SUBJECT = "katapp: a safety flag is still waiting for review"
ESCALATION_BODY = ("A patient's safety flag has waited more than {hours} hours without review: "
                   "sign in to katapp {url}\n\nThis email holds no details by design; they are in katapp.\n")
SENT_ACCOUNT_BODY = "(sent; the text is not kept, since it may hold a one-time link)"
BATCH = 20  # rows claimed at a time
LEASE = dt.timedelta(minutes=10)  # a claim outlives a batch (MAIL_TIMEOUT per connection and message)
MAX_BACKOFF = dt.timedelta(hours=1)


@dataclass(frozen=True)
class OpenFlag:
    flag: SafetyFlag  # with .patient loaded
    age: dt.timedelta
    has_care_team: bool  # an active clinician on the patient's care team
    reaches_nobody: bool  # no active care-team clinician and no active on-call clinician


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0


# --- Who is told -------------------------------------------------------------------------------------
def _active_clinicians():
    return select(User).where(User.role == "clinician", User.active.is_(True)).order_by(User.id)


def care_team_clinicians(patient: User) -> list[User]:
    """The patient's active care-team clinicians."""
    query = _active_clinicians().join(care_team, care_team.c.clinician_id == User.id)
    return list(db.session.scalars(query.where(care_team.c.patient_id == patient.id)))


def on_call_clinicians() -> list[User]:
    """The clinic's active on-call clinicians."""
    return list(db.session.scalars(_active_clinicians().join(on_call, on_call.c.clinician_id == User.id)))


def flag_recipients(patient: User) -> list[User]:
    """Who is told of the patient's flag: their active care team, else the active on-call clinicians
    (possibly nobody: the admins still see it in the open-flag list and get its escalation)."""
    return care_team_clinicians(patient) or on_call_clinicians()


def enqueue_flag_alert(flag: SafetyFlag) -> bool:
    """Write one outbox email per recipient in the caller's transaction (no commit).

    Returns True when at least one active clinician will be told, False when nobody is.
    """
    recipients = flag_recipients(flag.patient or db.session.get(User, flag.patient_id))
    body = FLAG_BODY.format(url=_sign_in_url())
    db.session.add_all(OutboxEmail(to_address=user.email, subject=FLAG_SUBJECT, body=body, kind="flag", flag=flag)
                       for user in recipients)
    return bool(recipients)


def open_flags_for_admin(now: dt.datetime | None = None) -> list[OpenFlag]:
    """Every open flag in the clinic, oldest first, with its age and whether it reaches anybody.

    Two queries, whatever the number of flags.
    """
    now = now or utcnow()
    anyone_on_call = bool(on_call_clinicians())
    has_team = (exists().where(care_team.c.patient_id == SafetyFlag.patient_id, care_team.c.clinician_id == User.id,
                               User.role == "clinician", User.active.is_(True))
                .correlate(SafetyFlag).label("has_team"))
    rows = db.session.execute(select(SafetyFlag, has_team).options(joinedload(SafetyFlag.patient))
                              .where(SafetyFlag.acknowledged_at.is_(None)).order_by(SafetyFlag.raised_at, SafetyFlag.id))
    return [OpenFlag(flag, now - flag.raised_at, bool(team), not team and not anyone_on_call) for flag, team in rows]


def crisis_resources_for(user: User) -> tuple[crisis.Resource, ...]:
    """The crisis resources for the user's country (or the clinic's), from the clinic's own table."""
    settings = clinic_settings()
    return crisis.resources_for(user.country, settings.country, settings.crisis_resources)


# --- Escalation ----------------------------------------------------------------------------------------
def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Escalate each flag open longer than the clinic's `escalation_hours`, once: outbox emails to the
    active on-call clinicians and active admins. Commits; returns the number of flags escalated.

    The one UPDATE marks the flags escalated and returns them, so two senders at once cannot both
    escalate a flag (PostgreSQL re-checks `escalated_at` after the row lock; SQLite has one writer).
    """
    now = now or utcnow()
    hours = clinic_settings().escalation_hours
    flag_ids = db.session.execute(
        update(SafetyFlag)
        .where(SafetyFlag.acknowledged_at.is_(None), SafetyFlag.escalated_at.is_(None),
               SafetyFlag.raised_at <= now - dt.timedelta(hours=hours))
        .values(escalated_at=now).returning(SafetyFlag.id),
        execution_options={"synchronize_session": False},
    ).scalars().all()
    if flag_ids:
        _enqueue_escalations(flag_ids, hours)
    db.session.commit()
    return len(flag_ids)


def _enqueue_escalations(flag_ids: list[int], hours: int) -> None:
    admins = db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id))
    recipients = {user.email: user for user in [*on_call_clinicians(), *admins]}
    if not recipients:
        current_app.logger.error("Safety flags %s are overdue and there is no active on-call clinician or admin "
                                 "to escalate them to.", flag_ids)
    body = ESCALATION_BODY.format(hours=hours, url=_sign_in_url())
    db.session.add_all(OutboxEmail(to_address=email, subject=ESCALATION_SUBJECT, body=body, kind="escalation",
                                   flag_id=flag_id)
                       for flag_id in flag_ids for email in recipients)


# --- Sending -------------------------------------------------------------------------------------------
def send_due(limit: int = 1000, now: dt.datetime | None = None) -> SendReport:
    """Send due outbox emails, at most `limit`, a claimed batch at a time; commits after each batch.

    A sent row gets `sent_at`; a failed one an attempt, its error and a later `send_after`.
    """
    sent = failed = 0
    while sent + failed < limit:
        token, rows = _claim(min(BATCH, limit - sent - failed), now or utcnow())
        if not rows:
            break
        errors = send_each(Letter(row.to_address, row.subject, row.body) for row in rows)
        _record(token, rows, errors)
        failed += sum(1 for e in errors if e)
        sent += sum(1 for e in errors if not e)
    return SendReport(sent, failed)


def _claim(size: int, now: dt.datetime):
    """Claim up to `size` due rows for this sender (committed at once); returns (token, rows)."""
    token = secrets.token_hex(16)
    due = (select(OutboxEmail.id)
           .where(OutboxEmail.sent_at.is_(None), OutboxEmail.send_after <= now,
                  (OutboxEmail.claimed_until.is_(None)) | (OutboxEmail.claimed_until < now))
           .order_by(OutboxEmail.id).limit(size))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id.in_(due))
        .values(claimed_until=now + LEASE, claim_token=token)
        .returning(OutboxEmail.id, OutboxEmail.to_address, OutboxEmail.subject, OutboxEmail.body, OutboxEmail.attempts),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.commit()
    return token, sorted(rows, key=lambda row: row.id)


def _record(token: str, rows, errors: list[str | None]) -> None:
    """Mark each claimed row sent, or failed with its error and a retry time (backoff); commit."""
    done = utcnow()
    sent_ids = [row.id for row, error in zip(rows, errors, strict=True) if not error]
    if sent_ids:
        db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(sent_ids), OutboxEmail.claim_token == token)
                           .values(sent_at=done, claimed_until=None, claim_token=None, last_error=None),
                           execution_options={"synchronize_session": False})
        # A sent account email may hold a one-time password link: it does not stay in the database.
        db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(sent_ids), OutboxEmail.kind == "account")
                           .values(body=SENT_ACCOUNT_BODY), execution_options={"synchronize_session": False})
    for row, error in zip(rows, errors, strict=True):
        if error:
            current_app.logger.warning("Alert email %s not sent (attempt %s): %s", row.id, row.attempts + 1, error)
            db.session.execute(update(OutboxEmail).where(OutboxEmail.id == row.id, OutboxEmail.claim_token == token)
                               .values(attempts=OutboxEmail.attempts + 1, last_error=error,
                                       send_after=done + backoff(row.attempts + 1), claimed_until=None, claim_token=None),
                               execution_options={"synchronize_session": False})
    db.session.commit()


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after `attempts` failures: 1, 2, 4, … minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** min(attempts - 1, 10)), MAX_BACKOFF)


def _sign_in_url() -> str:
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/") + "/" if base else "(the address your clinic gave you)"


# --- `flask --app wsgi send-alerts`: run by cron or a timer every few minutes, on any number of hosts ---

def register_commands(app: Flask) -> None:
    app.cli.add_command(send_alerts)


@click.command("send-alerts")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Send at most this many emails in this run.")
def send_alerts(limit: int) -> None:
    """Escalate safety flags left open too long, then send the due emails in the outbox.

    Exits 1 when an email failed (it stays in the outbox and is tried again on a later run).
    """
    escalated = escalate_overdue()
    report = send_due(limit=limit)
    click.echo(f"{escalated} flag(s) escalated, {report.sent} email(s) sent, {report.failed} failed")
    if report.failed:
        click.echo("Failed emails stay in the outbox and are retried later; see last_error in outbox_emails.", err=True)
        raise click.exceptions.Exit(1)
