"""Booking rules with the database: book, book a series, move, complete, cancel, mark no-show.

Every query here is scoped to the acting clinician (own sessions, own caseload). The overlap rule
itself is `domain.scheduling.conflicts`; this module only loads the candidates (one indexed range
query) and owns the commit (one per user action). Refusals are `katapp.errors` types: Invalid
(400), NotFound (404), Conflict (409), NotAllowed (422), with `fields` naming what is wrong.

Races: two bookings at the same moment could both pass the overlap check. `_lock` serialises
them before the check: row locks on PostgreSQL, SQLite's write lock on SQLite, so the second
booking waits and then sees the first (409). tests/schedule/test_concurrency.py races two.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from katapp.clinic import dosing_settings
from katapp.clock import utcnow, zone_of
from katapp.domain import gate, scheduling
from katapp.domain.vocabulary import BUSY_STATUSES, KIND, KIND_KEYS, ROUTE_KEYS, STATUS, label
from katapp.errors import Conflict, Invalid, NotAllowed, NotFound
from katapp.extensions import db
from katapp.models import TherapySession, User
from katapp.schedule import dosing_day
from katapp.schedule.parse import Reader, check_minutes, sentence
from katapp.schedule.screening import screening_status
from katapp.security import audit, is_care_team, visible_patient_ids

OUTCOMES = ("completed", "cancelled", "no_show")
STATUS_CHOICES = ("checked_in", "dosed", "completed", "cancelled", "no_show")
POST_FIELDS = frozenset({"patient_id", "kind", "starts_at", "duration_minutes", "notes"})
RECORD_FIELDS = ("weight_kg", "bp_before", "checklist", "pregnancy_possible", "override_reason", "dose_mg",
                 "route", "dose_reason", "bp_after", "discharge_checklist")
PATCH_FIELDS = frozenset({"status", "starts_at", "duration_minutes", *RECORD_FIELDS})


# --- Whose ---------------------------------------------------------------------------------------------
def own_session(clinician: User, session_id: int) -> TherapySession:
    """The session if `clinician` is its clinician and its patient is on their care team (a clinician
    removed from the team is refused like a stranger, issue #14); NotFound otherwise."""
    session = db.session.scalar(
        select(TherapySession).options(joinedload(TherapySession.patient))
        .where(TherapySession.id == session_id, TherapySession.clinician_id == clinician.id,
               TherapySession.patient_id.in_(visible_patient_ids(clinician)))
    )
    if session is None:
        raise NotFound("no such session")
    return session


def caseload_patient(clinician: User, patient_id) -> User:
    """The patient if on `clinician`'s caseload; NotFound otherwise."""
    if isinstance(patient_id, bool) or not isinstance(patient_id, int) or not is_care_team(clinician, patient_id):
        raise NotFound("no such patient")
    return db.session.get(User, patient_id)


# --- Overlaps ------------------------------------------------------------------------------------------
def _lock(*user_ids: int) -> None:
    """Serialise bookings that involve these users, until this transaction commits.

    PostgreSQL: lock their rows (in id order, so two bookings never deadlock). SQLite has no row
    locks and its reads take no lock at all, so two bookings could both read "free": end the read
    work (nothing is pending here), then write to the rows first thing, which takes SQLite's one
    write lock; a booking at the same moment waits (busy timeout) and then sees this one.
    """
    ids = sorted(set(user_ids))
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update())
    elif dialect == "sqlite":
        db.session.commit()
        db.session.execute(update(User).where(User.id.in_(ids)).values(session_version=User.session_version)
                           .execution_options(synchronize_session=False))


def _busy(clinician_id: int, patient_id: int, start: dt.datetime, end: dt.datetime,
          exclude_id: int | None = None) -> list[scheduling.Slot]:
    """The clinician's and the patient's scheduled/completed sessions touching [start, end): one query."""
    stmt = select(TherapySession).where(
        or_(TherapySession.clinician_id == clinician_id, TherapySession.patient_id == patient_id),
        TherapySession.status.in_(BUSY_STATUSES),
        TherapySession.starts_at < end,
        TherapySession.ends_at > start,
    )
    if exclude_id is not None:
        stmt = stmt.where(TherapySession.id != exclude_id)
    return [scheduling.Slot(s.starts_at, s.ends_at, s.kind, ref=s) for s in db.session.scalars(stmt)]


def describe_clash(clash: TherapySession, clinician: User, patient_id: int) -> str:
    """A sentence for the form: whose time is taken and when (in the clinician's zone)."""
    when = clash.starts_at.astimezone(zone_of(clinician)).strftime("%a %d %b %H:%M")
    end = clash.ends_at.astimezone(zone_of(clinician)).strftime("%H:%M")
    kind = label("kind", clash.kind)
    if clash.clinician_id == clinician.id:
        who = "this patient" if clash.patient_id == patient_id else clash.patient.display_name
        return f"This overlaps your {kind} with {who} on {when}–{end}."
    article = "an" if kind[0] in "aeiou" else "a"
    return f"The patient already has {article} {kind} with another clinician on {when}–{end}."


def _refuse_clash(slot: scheduling.Slot, existing: list[scheduling.Slot], clinician: User, patient_id: int) -> None:
    clashes = scheduling.conflicts(slot, existing)
    if clashes:
        db.session.rollback()
        message = describe_clash(clashes[0].ref, clinician, patient_id)
        raise Conflict(message, {"starts_at": message})


# --- Booking -------------------------------------------------------------------------------------------
def book(clinician: User, patient: User, *, kind: str, starts_at: dt.datetime, duration_minutes: int,
         notes: str | None = None, location: str | None = None) -> TherapySession:
    """Book one session and commit. Invalid for a bad kind/length, NotAllowed for ketamine while the
    screening blocks it (or none is on file), Conflict for an overlap with either person's sessions.
    """
    return book_many(clinician, patient, [(kind, starts_at, duration_minutes)], notes=notes, location=location)[0]


def book_request(clinician: User, body: Mapping) -> TherapySession:
    """Book from an API body (POST_FIELDS): every bad field named at once, then `book`."""
    read = Reader(body)
    patient_id = read.identifier("patient_id", "required: the patient's id")
    kind = read.choice("kind", KIND_KEYS)
    starts_at, minutes, notes = read.moment("starts_at"), read.minutes(), read.text("notes", 2000)
    read.done()
    patient = caseload_patient(clinician, patient_id)
    return book(clinician, patient, kind=kind, starts_at=starts_at, duration_minutes=minutes, notes=notes)


def book_many(clinician: User, patient: User, items: list[tuple[str, dt.datetime, int]], *,
              notes: str | None = None, series_id: str | None = None,
              location: str | None = None) -> list[TherapySession]:
    """Book every (kind, start, minutes) or nothing (one transaction); same refusals as `book`."""
    if not items:
        raise Invalid("Nothing to book.", {"starts_at": "Nothing to book."})
    for kind, starts_at, minutes in items:
        if kind not in KIND:
            raise Invalid("Choose ketamine, integration, intake or follow-up.",
                          {"kind": "Choose ketamine, integration, intake or follow-up."})
        _check_aware(starts_at)
        check_minutes(minutes)
    if any(kind == "ketamine" for kind, _, _ in items):
        message = screening_status(patient.id).message
        if message:
            raise NotAllowed(message, {"kind": message})
    _lock(clinician.id, patient.id)
    wanted = [scheduling.Slot(s, s + dt.timedelta(minutes=m), k) for k, s, m in items]
    existing = _busy(clinician.id, patient.id, min(w.start for w in wanted), max(w.end for w in wanted))
    for slot in wanted:
        _refuse_clash(slot, existing, clinician, patient.id)
    made = [
        TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind=w.kind, status="scheduled",
                       starts_at=w.start, ends_at=w.end, series_id=series_id, notes=notes or None,
                       location=(location or "").strip() or None)
        for w in wanted
    ]
    db.session.add_all(made)
    db.session.flush()
    for s in made:
        audit("session_booked", patient_id=patient.id, obj=s, detail=f"{s.kind} {s.starts_at.isoformat()}")
    db.session.commit()
    return made


def _check_aware(starts_at: dt.datetime) -> None:
    """Invalid unless `starts_at` is aware and inside the booking window (katapp.domain.gate)."""
    if starts_at.tzinfo is None:
        raise Invalid("Give the time with its UTC offset.", {"starts_at": "Give the time with its UTC offset."})
    problem = gate.booking_problem(starts_at, utcnow())
    if problem:
        raise Invalid(sentence("the start " + problem), {"starts_at": sentence("the start " + problem)})


# --- Series (the page's rows and rules: katapp/schedule/series.py) -------------------------------------------
@dataclass
class Proposal:
    slot: scheduling.Slot
    clash: str | None = None


def propose_series(clinician: User, patient: User, slots: list[scheduling.Slot]) -> list[Proposal]:
    """Each slot with the clash (a sentence) it would hit among either person's sessions, if any. Reads only."""
    existing = _busy(clinician.id, patient.id, min(s.start for s in slots), max(s.end for s in slots))
    out = []
    for slot in slots:
        clashes = scheduling.conflicts(slot, existing)
        out.append(Proposal(slot, describe_clash(clashes[0].ref, clinician, patient.id) if clashes else None))
    return out


# --- Moving and outcomes -------------------------------------------------------------------------------
def move(clinician: User, session: TherapySession, starts_at: dt.datetime, duration_minutes: int) -> TherapySession:
    """Move a scheduled session (overlap-checked, itself excluded) and commit. A ketamine session
    is re-checked against the screening gate (NotAllowed), as when it was booked."""
    if session.status != "scheduled":
        raise Conflict(f"Only scheduled sessions can be moved; this one is {STATUS[session.status].label}.")
    check_minutes(duration_minutes)
    _check_aware(starts_at)
    if session.kind == "ketamine":
        message = screening_status(session.patient_id).message
        if message:
            raise NotAllowed(message, {"starts_at": message})
    _lock(clinician.id, session.patient_id)
    end = starts_at + dt.timedelta(minutes=duration_minutes)
    existing = _busy(clinician.id, session.patient_id, starts_at, end, exclude_id=session.id)
    _refuse_clash(scheduling.Slot(starts_at, end), existing, clinician, session.patient_id)
    before = session.starts_at
    session.starts_at, session.ends_at = starts_at, end
    session.updated_at = utcnow()
    audit("session_moved", patient_id=session.patient_id, obj=session,
          detail=f"{before.isoformat()} -> {starts_at.isoformat()}")
    db.session.commit()
    return session


@dataclass
class Record:
    """A PATCH body's dosing-day values (RECORD_FIELDS), all optional."""

    weight_kg: float | None = None
    bp_before: str | None = None
    checklist: tuple[str, ...] | None = None
    pregnancy_possible: bool | None = None
    override_reason: str | None = None
    dose_mg: float | None = None
    route: str | None = None
    dose_reason: str | None = None
    bp_after: str | None = None
    discharge_checklist: tuple[str, ...] = ()

    @property
    def has_predose(self) -> bool:
        return any(v is not None for v in (self.weight_kg, self.bp_before, self.checklist,
                                           self.pregnancy_possible, self.override_reason))


def set_status(clinician: User, session: TherapySession, status: str, record: Record | None = None) -> TherapySession:
    """Move a session to `status` and commit. Other kinds: scheduled -> completed, cancelled or
    no_show. A ketamine session follows its dosing day (`dosing_day`): checked_in, dosed (pre-dose
    checks and the mg/kg range), completed (the discharge checks; before the dose, the pre-dose
    checks at this moment), cancelled or no_show. Invalid, Conflict or NotAllowed otherwise."""
    if status not in STATUS_CHOICES:
        raise Invalid("Give a valid status.", {"status": "one of " + ", ".join(STATUS_CHOICES)})
    record = record or Record()
    if session.kind == "ketamine":
        return _ketamine_status(session, status, record)
    if session.status != "scheduled" or status in dosing_day.KETAMINE_ONLY:
        message = (f"This session is already {STATUS[session.status].label}." if session.status != "scheduled"
                   else "Only a ketamine session is checked in and dosed.")
        raise Conflict(message, {"status": message})
    if record != Record():
        message = "Dosing values are recorded only for a ketamine session."
        raise Invalid(message, {"dose_mg": message})
    return _finish(session, status)


def _finish(session: TherapySession, status: str) -> TherapySession:
    session.status = status
    session.updated_at = utcnow()
    if status == "completed":
        session.completed_at = utcnow()
    audit(f"session_{status}", patient_id=session.patient_id, obj=session)
    db.session.commit()
    return session


def _ketamine_status(s: TherapySession, status: str, r: Record) -> TherapySession:
    if r.has_predose and s.status in ("scheduled", "checked_in"):
        dosing_day.save_predose(s, dosing_day.PreDoseEntry(
            r.weight_kg if r.weight_kg is not None else s.weight_kg, r.bp_before,
            r.checklist if r.checklist is not None else tuple(s.predose_ticked or ()),
            bool(r.pregnancy_possible), r.override_reason or s.bp_override_reason or ""), commit=False)
    if status == "checked_in":
        return dosing_day.check_in(s)
    if status == "dosed":
        dosing_day.give_dose(s, dosing_day.DoseEntry(r.dose_mg, r.route, r.dose_reason or ""))
        return s
    if status == "completed":
        if r.bp_after and s.status == "dosed":
            dosing_day.add_vitals(s, dosing_day.VitalsEntry(bp=r.bp_after), s.clinician, commit=False)
        return dosing_day.discharge(s, r.discharge_checklist)
    dosing_day.advance(s, status)
    return _finish(s, status)


def update_request(clinician: User, session: TherapySession, body: Mapping) -> TherapySession:
    """Apply an API PATCH body (PATCH_FIELDS): a move, or a status with its dosing-day values."""
    read = Reader(body)
    status = read.choice("status", STATUS_CHOICES, optional=True)
    moving = "starts_at" in body or "duration_minutes" in body
    starts_at = read.moment("starts_at") if "starts_at" in body else session.starts_at
    minutes = read.minutes() if "duration_minutes" in body else session.duration_minutes
    record = _record(read, body)
    if moving and (status is not None or record != Record()):
        read.refuse("status", "move a session and change its status in separate requests")
    if not moving and status is None and "status" not in read.errors:
        read.refuse("status", "give a status, or starts_at/duration_minutes to move the session")
    read.done()
    if moving:
        return move(clinician, session, starts_at, minutes)
    return set_status(clinician, session, status, record)


def _record(read: Reader, body: Mapping) -> Record:
    rules = dosing_settings()
    return Record(
        weight_kg=read.number("weight_kg", 0, 1000), bp_before=read.text("bp_before", 20),
        checklist=read.keys("checklist", [i.key for i in rules.predose_checklist]) if "checklist" in body else None,
        pregnancy_possible=read.flag("pregnancy_possible") if "pregnancy_possible" in body else None,
        override_reason=read.text("override_reason", 2000), dose_mg=read.number("dose_mg", 0.1, 1000),
        route=read.choice("route", ROUTE_KEYS, optional=True), dose_reason=read.text("dose_reason", 2000),
        bp_after=read.text("bp_after", 20),
        discharge_checklist=read.keys("discharge_checklist", [i.key for i in rules.discharge_checklist]))


bp_text = dosing_day.bp_text
