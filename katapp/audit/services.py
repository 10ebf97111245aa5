"""Queries over the audit log: the admin's filtered list and CSV export, the patient's accounting
of who read their records, and the week's care-team changes. Each is one query, whatever the data."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, distinct, func, or_, select
from sqlalchemy.orm import joinedload

from katapp import csvcells
from katapp.clock import utcnow, zone_of
from katapp.extensions import db
from katapp.models import AuditEvent, User
from katapp.security import audit

READS = "reads"  # the kind that means every read of a patient's records
CARE_TEAM_ACTIONS = ("care_team_added", "care_team_removed")
# The admin overview's "Security events this week" (issue #14): (audit action, what it means), in order.
SECURITY_EVENTS = (
    ("sign_in_limit_tripped", "Sign-in limit reached (an account-wide flood of wrong passwords)"),
    ("sign_in_failed", "Wrong passwords at sign-in"),
    ("password_change_failed", "Wrong current password when changing a password"),
    ("account_deactivated", "Accounts deactivated"),
    ("care_team_removed", "Clinicians removed from a care team"),
    ("session_reassigned", "Sessions moved to another clinician by a care-team change"),
    ("session_needs_clinician", "Sessions left waiting for a clinician by a care-team change"),
    ("invitation_for_existing_account", "\"Add patient\" requests that matched an existing account"),
)
CSV_COLUMNS = ("seq", "at_utc", "actor_id", "actor_email", "action", "patient_id", "patient_email",
               "object_type", "object_id", "detail", "ip")


@dataclass(frozen=True)
class Filters:
    patient_id: int | None = None
    actor_id: int | None = None
    kind: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def as_text(self) -> str:
        return " ".join(f"{k}={v}" for k, v in vars(self).items() if v is not None)[:255] or "all"


def _reads():
    return or_(AuditEvent.action.like("view:%"), AuditEvent.action.like("export:%"))


def kinds() -> list[str]:
    """The actions present in the log, sorted (one query)."""
    return list(db.session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)))


def user_id_by_email(email: str | None) -> int | None:
    if not email:
        return None
    return db.session.scalar(select(User.id).where(User.email == email.strip().lower()))


def events(filters: Filters, viewer: User) -> Select:
    """AuditEvents matching `filters`, newest first, with actor and patient loaded; dates are days in
    the viewer's own time zone."""
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor), joinedload(AuditEvent.patient))
    if filters.patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == filters.patient_id)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.kind == READS:
        stmt = stmt.where(_reads())
    elif filters.kind:
        stmt = stmt.where(AuditEvent.action == filters.kind)
    zone = zone_of(viewer)
    if filters.since:
        stmt = stmt.where(AuditEvent.at >= dt.datetime.combine(filters.since, dt.time(), zone))
    if filters.until:
        stmt = stmt.where(AuditEvent.at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), zone))
    return stmt.order_by(AuditEvent.seq.desc())


def export_csv(filters: Filters, viewer: User) -> Iterator[str]:
    """Record the export and commit, at once; returns the CSV as a generator of chunks of lines.

    The query is built now, from the viewer's time zone: the chunks are made after the handler
    has returned, when the request's session (and the viewer loaded in it) is gone."""
    stmt = events(filters, viewer)
    audit("audit_exported", actor=viewer, patient_id=filters.patient_id, detail=filters.as_text())
    db.session.commit()
    return _csv_chunks(stmt)


def _csv_chunks(stmt: Select) -> Iterator[str]:
    # Streamed (a server-side cursor on PostgreSQL), closed even when the download stops early.
    with db.session.execute(stmt.execution_options(yield_per=500)) as result:
        yield from csvcells.chunks(CSV_COLUMNS, (
            (e.seq, e.at, e.actor_id, e.actor.email if e.actor else None, e.action, e.patient_id,
             e.patient.email if e.patient else None, e.object_type, e.object_id, e.detail, e.ip)
            for e in result.scalars()))


def reads_of(patient: User) -> Select:
    """Reads of `patient`'s records by anyone else (the accounting of disclosures), newest first."""
    return (select(AuditEvent).options(joinedload(AuditEvent.actor))
            .where(AuditEvent.patient_id == patient.id, _reads(), AuditEvent.actor_id.is_not(None),
                   AuditEvent.actor_id != patient.id)
            .order_by(AuditEvent.seq.desc()))


def security_events(days: int = 7) -> list[tuple[str, str, int]]:
    """(action, meaning, count) of each SECURITY_EVENTS action in the last `days` days, zeros
    included (one query)."""
    since = utcnow() - dt.timedelta(days=days)
    counts = dict(db.session.execute(
        select(AuditEvent.action, func.count()).where(AuditEvent.action.in_([a for a, _ in SECURITY_EVENTS]),
                                                      AuditEvent.at >= since).group_by(AuditEvent.action)).all())
    return [(action, meaning, counts.get(action, 0)) for action, meaning in SECURITY_EVENTS]


def care_team_changes(days: int = 7, limit: int = 50) -> list[AuditEvent]:
    """Care-team additions and removals in the last `days` days, newest first (one query)."""
    since = utcnow() - dt.timedelta(days=days)
    return list(db.session.scalars(
        select(AuditEvent).options(joinedload(AuditEvent.actor), joinedload(AuditEvent.patient))
        .where(AuditEvent.action.in_(CARE_TEAM_ACTIONS), AuditEvent.at >= since)
        .order_by(AuditEvent.seq.desc()).limit(limit)))
