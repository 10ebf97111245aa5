"""Care-team changes take effect everywhere (issue #14 item 4): who holds a patient's open sessions.

Not a feature (no pages): the admin's account services call `settle` after every care-team change
and every clinician deactivation; the agenda reads the handovers; the admin overview lists the
sessions that wait for a clinician.

The rule, one sentence: an open session (scheduled, checked in or dosed) belongs to an active
clinician on the patient's care team; when its clinician leaves the team (or is deactivated) it goes
to the team's earliest-added active clinician who is free at that time (ties: the lower id), and
when nobody on the team is free it stays unassigned, waiting for a clinician, which the admins see
on their overview until a care-team change gives it one. Each move is audited
(`session_reassigned`, `session_needs_clinician`) and leaves a `SessionHandover`, so the clinician
who had booked it sees "Reassigned" at that time and nothing else.

Access itself is enforced where sessions are read (`katapp/schedule`): a clinician opens only the
sessions of patients on their care team, so a removed clinician is refused with 404 even for a
session that still carries their id (one waiting for a clinician, or one they completed).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from katapp.domain.vocabulary import BUSY_STATUSES
from katapp.extensions import db
from katapp.models import AuditEvent, SessionHandover, TherapySession, User, care_team, utcnow
from katapp.security import audit

OPEN_STATUSES = ("scheduled", "checked_in", "dosed")  # not yet ended: someone must see it through
RULE = "the care team's earliest-added active clinician free at that time"
ADD_PATIENT_MATCH = "invitation_for_existing_account"  # the audit action of an add-patient request that matched


def _on_team():
    """EXISTS: the session's clinician is an active member of its patient's care team."""
    return (exists().where(care_team.c.patient_id == TherapySession.patient_id,
                           care_team.c.clinician_id == TherapySession.clinician_id,
                           User.id == care_team.c.clinician_id, User.active.is_(True))
            .correlate(TherapySession))


def stranded(patient_ids: Iterable[int] | None = None):
    """A SELECT of open sessions whose clinician is not an active member of the patient's care team
    (of these patients; of every patient when None), soonest first."""
    stmt = select(TherapySession).where(TherapySession.status.in_(OPEN_STATUSES), ~_on_team())
    if patient_ids is not None:
        stmt = stmt.where(TherapySession.patient_id.in_(list(patient_ids)))
    return stmt.order_by(TherapySession.starts_at, TherapySession.id)


def _team(patient_id: int) -> list[int]:
    """The patient's active care-team clinicians, earliest-added first."""
    return list(db.session.scalars(
        select(care_team.c.clinician_id).join(User, User.id == care_team.c.clinician_id)
        .where(care_team.c.patient_id == patient_id, User.role == "clinician", User.active.is_(True))
        .order_by(care_team.c.added_at, care_team.c.clinician_id)))


def _free(clinician_id: int, s: TherapySession) -> bool:
    busy = db.session.scalar(select(TherapySession.id).where(
        TherapySession.clinician_id == clinician_id, TherapySession.id != s.id,
        TherapySession.status.in_(BUSY_STATUSES), TherapySession.starts_at < s.ends_at,
        TherapySession.ends_at > s.starts_at).limit(1))
    return busy is None


def _lock(clinician_ids: list[int]) -> None:
    """PostgreSQL: lock the candidate clinicians' rows (id order), as a booking does, so a booking at
    the same moment waits and then sees the reassigned session. SQLite: the caller's transaction has
    written already and holds SQLite's one write lock."""
    if clinician_ids and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id.in_(sorted(set(clinician_ids))))
                           .order_by(User.id).with_for_update())


def settle(patient_ids: Iterable[int]) -> list[SessionHandover]:
    """Give each stranded open session of these patients to the rule's clinician (see the module),
    or record that it waits for one. Adds handovers and audit events; the caller commits."""
    ids = sorted(set(patient_ids))
    if not ids:
        return []
    db.session.flush()
    teams = {pid: _team(pid) for pid in ids}
    _lock([c for team in teams.values() for c in team])
    made = []
    for s in db.session.scalars(stranded(ids)).all():
        target = next((c for c in teams[s.patient_id] if _free(c, s)), None)
        handover = _hand_over(s, target)
        if handover is not None:
            made.append(handover)
    return made


def _hand_over(s: TherapySession, target: int | None) -> SessionHandover | None:
    already_waiting = db.session.scalar(select(SessionHandover.id).where(
        SessionHandover.session_id == s.id, SessionHandover.from_clinician_id == s.clinician_id,
        SessionHandover.to_clinician_id.is_(None)).limit(1))
    if target is None and already_waiting is not None:
        return None  # recorded as waiting already; nothing changed
    handover = SessionHandover(session_id=s.id, from_clinician_id=s.clinician_id, to_clinician_id=target,
                               kind=s.kind, starts_at=s.starts_at, ends_at=s.ends_at, at=utcnow())
    db.session.add(handover)
    if target is None:
        audit("session_needs_clinician", patient_id=s.patient_id, obj=s,
              detail=f"clinician {s.clinician_id} left the care team; nobody on it is free then")
        return handover
    audit("session_reassigned", patient_id=s.patient_id, obj=s,
          detail=f"from clinician {s.clinician_id} to clinician {target} ({RULE})")
    s.clinician_id = target
    s.updated_at = utcnow()
    return handover


def patients_with_open_sessions_of(clinician: User) -> list[int]:
    """The patients with an open session held by `clinician` (to settle when they are deactivated)."""
    return list(db.session.scalars(select(TherapySession.patient_id).distinct().where(
        TherapySession.clinician_id == clinician.id, TherapySession.status.in_(OPEN_STATUSES))))


# --- What the agenda and the admins see ---------------------------------------------------------------
def handed_over_from(clinician: User, start, end) -> list[SessionHandover]:
    """The handovers of sessions `clinician` had booked starting in [start, end), one per session
    (the latest), soonest first. Only the kind and time they had: nothing about the patient."""
    rows = db.session.scalars(
        select(SessionHandover).where(SessionHandover.from_clinician_id == clinician.id,
                                      SessionHandover.starts_at >= start, SessionHandover.starts_at < end)
        .order_by(SessionHandover.starts_at, SessionHandover.id.desc()))
    seen, out = set(), []
    for h in rows:
        if h.session_id not in seen:
            seen.add(h.session_id)
            out.append(h)
    return out


@dataclass(frozen=True)
class Tasks:
    waiting: list[TherapySession]  # open sessions waiting for a clinician
    matches: list[AuditEvent]  # add-patient requests that matched an existing account (last 30 days)


def admin_tasks(limit: int = 50) -> Tasks:
    """What the admin overview asks an admin to act on. Two queries."""
    waiting = list(db.session.scalars(stranded().options(joinedload(TherapySession.patient)).limit(limit)))
    since = utcnow() - dt.timedelta(days=30)
    matches = list(db.session.scalars(
        select(AuditEvent).options(joinedload(AuditEvent.actor), joinedload(AuditEvent.patient))
        .where(AuditEvent.action == ADD_PATIENT_MATCH, AuditEvent.at >= since)
        .order_by(AuditEvent.seq.desc()).limit(limit)))
    return Tasks(waiting, matches)
