"""Scheduling rules with the database: booking, moving, completing, screening, the agenda, the feed.

Every query here is scoped to the acting user (a clinician's own sessions and caseload, a
patient's own sessions). The overlap rule itself is `domain.scheduling.conflicts`; this module
only loads the candidates (one indexed range query) and owns the commit (one per user action).

Races: two bookings at the same moment could both pass the overlap check. `_lock` serialises
them before the check: row locks on PostgreSQL, SQLite's write lock on SQLite, so the second
booking waits and then sees the first (409). tests/schedule/test_concurrency.py races two.
"""
from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload

from katapp.clinic import clinic_settings
from katapp.domain import scheduling
from katapp.extensions import db
from katapp.models import (
    CONTRAINDICATIONS,
    ROUTES,
    SESSION_KINDS,
    AuditEvent,
    SafetyFlag,
    Screening,
    TherapySession,
    User,
    utcnow,
)
from katapp.security import audit, is_care_team

BUSY_STATUSES = ("scheduled", "completed")  # cancelled and no-show free the slot
KIND_LABELS = {
    "ketamine": "ketamine session",
    "integration": "integration session",
    "intake": "intake",
    "follow_up": "follow-up",
}
STATUS_LABELS = {"scheduled": "scheduled", "completed": "completed", "cancelled": "cancelled", "no_show": "no-show"}
ROUTE_LABELS = {"iv": "IV (intravenous)", "im": "IM (intramuscular)", "intranasal": "Intranasal",
                "sublingual_oral": "Sublingual / oral"}
# Plain-language intake questions, one per condition in models.CONTRAINDICATIONS
# (shared/clinical/instruments.md: conditions to treat before ketamine).
SCREENING_QUESTIONS = {
    "hallucinations": "Have you ever seen or heard things that other people could not (hallucinations or psychosis)?",
    "untreated_mania": "Do you have mania or bipolar highs that are not currently treated?",
    "cardiovascular_disease": "Do you have heart or blood-vessel disease (for example angina, heart failure, "
                              "a past heart attack or stroke, or high blood pressure that is not controlled)?",
    "uncontrolled_hyperthyroidism": "Do you have an overactive thyroid that is not under control?",
    "intracranial_pressure": "Have you been told you have raised pressure inside your head "
                             "(for example after a head injury or from a brain tumour)?",
    "cystitis": "Do you have bladder problems such as pain, burning or blood when passing urine (cystitis)?",
    "liver_disease": "Have you been told you have liver disease or problems with your liver?",
}
CONDITION_LABELS = {
    "hallucinations": "Hallucinations (psychosis)",
    "untreated_mania": "Untreated mania",
    "cardiovascular_disease": "Cardiovascular disease",
    "uncontrolled_hyperthyroidism": "Uncontrolled hyperthyroidism",
    "intracranial_pressure": "Increased intracranial pressure",
    "cystitis": "Cystitis",
    "liver_disease": "Liver disease",
}
MIN_MINUTES, MAX_MINUTES = 5, 600


class ScheduleError(Exception):
    """A rule said no: `status` is the API answer (400, 409, 422), `field` the form field to mark."""

    def __init__(self, status: int, message: str, field: str = "starts_at", fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.fields = fields or {field: message}


# --- Reading ------------------------------------------------------------------------------------------
def own_session(clinician: User, session_id: int) -> TherapySession | None:
    """The session if `clinician` is its clinician, else None (the caller answers 404)."""
    return db.session.scalar(
        select(TherapySession).options(joinedload(TherapySession.patient))
        .where(TherapySession.id == session_id, TherapySession.clinician_id == clinician.id)
    )


def sessions_between(user: User, start: dt.datetime | None, end: dt.datetime | None):
    """A SELECT of `user`'s sessions (patient: own; clinician: own as clinician), newest first."""
    owner = TherapySession.patient_id if user.is_patient else TherapySession.clinician_id
    stmt = select(TherapySession).where(owner == user.id)
    if start is not None:
        stmt = stmt.where(TherapySession.starts_at >= start)
    if end is not None:
        stmt = stmt.where(TherapySession.starts_at < end)
    return stmt.order_by(TherapySession.starts_at.desc(), TherapySession.id.desc())


def contraindication_open(patient_id_column):
    """SQL: the patient has a screening with any "yes" that no clinician has cleared.

    Any uncleared positive screening counts, not only the latest: a later all-"no" screening
    filled by the patient must not lift a flag that a clinician has not reviewed.
    """
    return exists().where(
        Screening.patient_id == patient_id_column,
        Screening.cleared_at.is_(None),
        or_(*[getattr(Screening, name).is_(True) for name in CONTRAINDICATIONS]),
    )


def has_screening(patient_id_column):
    return exists().where(Screening.patient_id == patient_id_column)


def open_flag(patient_id_column):
    return exists().where(SafetyFlag.patient_id == patient_id_column, SafetyFlag.acknowledged_at.is_(None))


@dataclass
class ScreeningStatus:
    screened: bool
    blocked: bool

    @property
    def message(self) -> str | None:
        if self.blocked:
            return "Ketamine cannot be booked: the contraindication screening has a \"yes\" that a clinician has not cleared."
        if not self.screened:
            return "Ketamine cannot be booked: no contraindication screening is on file. Record one first."
        return None


def screening_status(patient_id: int) -> ScreeningStatus:
    row = db.session.execute(
        select(has_screening(patient_id).label("s"), contraindication_open(patient_id).label("b"))
    ).one()
    return ScreeningStatus(screened=bool(row.s), blocked=bool(row.b))


# --- Booking ------------------------------------------------------------------------------------------
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
          exclude_id: int | None = None) -> list[TherapySession]:
    """The clinician's and the patient's scheduled/completed sessions touching [start, end): one query."""
    stmt = select(TherapySession).where(
        or_(TherapySession.clinician_id == clinician_id, TherapySession.patient_id == patient_id),
        TherapySession.status.in_(BUSY_STATUSES),
        TherapySession.starts_at < end,
        TherapySession.ends_at > start,
    )
    if exclude_id is not None:
        stmt = stmt.where(TherapySession.id != exclude_id)
    return list(db.session.scalars(stmt))


def _slots(sessions: Iterable[TherapySession]) -> list[scheduling.Slot]:
    return [scheduling.Slot(s.starts_at, s.ends_at, s.kind, ref=s) for s in sessions]


def describe_clash(clash: TherapySession, clinician: User, patient_id: int) -> str:
    """A sentence for the form: whose time is taken and when (in the clinician's zone)."""
    tz = clinician.timezone or "UTC"
    when = clash.starts_at.astimezone(scheduling.zone(tz)).strftime("%a %d %b %H:%M")
    end = clash.ends_at.astimezone(scheduling.zone(tz)).strftime("%H:%M")
    if clash.clinician_id == clinician.id:
        who = "this patient" if clash.patient_id == patient_id else clash.patient.display_name
        return f"This overlaps your {KIND_LABELS[clash.kind]} with {who} on {when}–{end}."
    kind = KIND_LABELS[clash.kind]
    article = "an" if kind[0] in "aeiou" else "a"
    return f"The patient already has {article} {kind} with another clinician on {when}–{end}."


def validate_duration(minutes) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ScheduleError(400, f"Enter a length from {MIN_MINUTES} to {MAX_MINUTES} minutes.", "duration_minutes")
    return minutes


def caseload_patient(clinician: User, patient_id) -> User | None:
    """The patient if on `clinician`'s caseload, else None (404 for the caller)."""
    if isinstance(patient_id, bool) or not isinstance(patient_id, int) or not is_care_team(clinician, patient_id):
        return None
    return db.session.get(User, patient_id)


def book(clinician: User, patient: User, *, kind: str, starts_at: dt.datetime, duration_minutes: int,
         notes: str | None = None) -> TherapySession:
    """Book one session and commit. Raises ScheduleError: 400 bad kind/length, 422 ketamine while
    screening blocks it (or none on file), 409 overlap with the clinician's or patient's sessions.
    """
    return book_many(clinician, patient, [(kind, starts_at, duration_minutes)], notes=notes)[0]


def book_many(clinician: User, patient: User, items: list[tuple[str, dt.datetime, int]], *,
              notes: str | None = None, series_id: str | None = None) -> list[TherapySession]:
    """Book every (kind, start, minutes) or nothing (one transaction); same errors as `book`."""
    if not items:
        raise ScheduleError(400, "Nothing to book.", "starts_at")
    for kind, starts_at, minutes in items:
        if kind not in SESSION_KINDS:
            raise ScheduleError(400, "Choose ketamine, integration, intake or follow-up.", "kind")
        if starts_at.tzinfo is None:
            raise ScheduleError(400, "Give the time with its UTC offset.", "starts_at")
        validate_duration(minutes)
    if any(kind == "ketamine" for kind, _, _ in items):
        status = screening_status(patient.id)
        if status.message:
            raise ScheduleError(422, status.message, "kind")
    _lock(clinician.id, patient.id)
    wanted = [scheduling.Slot(s, s + dt.timedelta(minutes=m), k) for k, s, m in items]
    existing = _slots(_busy(clinician.id, patient.id, min(w.start for w in wanted), max(w.end for w in wanted)))
    for slot in wanted:
        clashes = scheduling.conflicts(slot, existing)
        if clashes:
            db.session.rollback()
            raise ScheduleError(409, describe_clash(clashes[0].ref, clinician, patient.id), "starts_at")
    made = [
        TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind=w.kind, status="scheduled",
                       starts_at=w.start, ends_at=w.end, series_id=series_id, notes=notes or None)
        for w in wanted
    ]
    db.session.add_all(made)
    db.session.flush()
    for s in made:
        audit("session_booked", patient_id=patient.id, obj=s, detail=f"{s.kind} {s.starts_at.isoformat()}")
    db.session.commit()
    return made


@dataclass
class Proposal:
    slot: scheduling.Slot
    clash: str | None = None


def propose_series(clinician: User, patient: User, slots: list[scheduling.Slot]) -> list[Proposal]:
    """Each proposed slot with the clash (a sentence) it would hit, if any. Reads only."""
    existing = _slots(_busy(clinician.id, patient.id, slots[0].start, max(s.end for s in slots)))
    out = []
    for slot in slots:
        clashes = scheduling.conflicts(slot, existing)
        out.append(Proposal(slot, describe_clash(clashes[0].ref, clinician, patient.id) if clashes else None))
    return out


def book_series(clinician: User, patient: User, slots: list[scheduling.Slot], notes: str | None = None) -> list[TherapySession]:
    """Book an induction series all or nothing, every session with one new series_id."""
    items = [(s.kind, s.start, int((s.end - s.start).total_seconds() // 60)) for s in slots]
    return book_many(clinician, patient, items, notes=notes, series_id=str(uuid.uuid4()))


def move(clinician: User, session: TherapySession, starts_at: dt.datetime, duration_minutes: int) -> TherapySession:
    """Move a scheduled session (overlap-checked, itself excluded) and commit."""
    if session.status != "scheduled":
        raise ScheduleError(409, f"Only scheduled sessions can be moved; this one is {STATUS_LABELS[session.status]}.")
    validate_duration(duration_minutes)
    if starts_at.tzinfo is None:
        raise ScheduleError(400, "Give the time with its UTC offset.", "starts_at")
    _lock(clinician.id, session.patient_id)
    end = starts_at + dt.timedelta(minutes=duration_minutes)
    clashes = scheduling.conflicts(scheduling.Slot(starts_at, end),
                                   _slots(_busy(clinician.id, session.patient_id, starts_at, end, exclude_id=session.id)))
    if clashes:
        db.session.rollback()
        raise ScheduleError(409, describe_clash(clashes[0].ref, clinician, session.patient_id), "starts_at")
    before = session.starts_at
    session.starts_at, session.ends_at = starts_at, end
    session.updated_at = utcnow()
    audit("session_moved", patient_id=session.patient_id, obj=session,
          detail=f"{before.isoformat()} -> {starts_at.isoformat()}")
    db.session.commit()
    return session


@dataclass
class Completion:
    dose_mg: float | None = None
    route: str | None = None
    bp_before: str | None = None
    bp_after: str | None = None
    bp_confirmed: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def set_status(clinician: User, session: TherapySession, status: str, completion: Completion | None = None) -> TherapySession:
    """Complete, cancel or mark no-show a scheduled session, and commit.

    Completing a ketamine session needs dose_mg, route, bp_before and bp_after ("128/84").
    A pre-dose BP above the clinic's limit needs `bp_confirmed` (422 otherwise). Raises
    ScheduleError(400) naming every invalid field, 409 when the session is not scheduled.
    """
    if status not in ("completed", "cancelled", "no_show"):
        raise ScheduleError(400, "Status must be completed, cancelled or no_show.", "status")
    if session.status != "scheduled":
        raise ScheduleError(409, f"This session is already {STATUS_LABELS[session.status]}.", "status")
    completion = completion or Completion()
    given = any(v is not None for v in (completion.dose_mg, completion.route, completion.bp_before, completion.bp_after))
    if status == "completed" and session.kind == "ketamine":
        _record_ketamine(session, completion)
    elif given:
        raise ScheduleError(400, "Dose, route and blood pressure are recorded only when completing a ketamine session.",
                            "dose_mg")
    session.status = status
    session.updated_at = utcnow()
    if status == "completed":
        session.completed_at = utcnow()
    audit(f"session_{status}", patient_id=session.patient_id, obj=session)
    db.session.commit()
    return session


def _record_ketamine(session: TherapySession, c: Completion) -> None:
    errors: dict[str, str] = {}
    dose = c.dose_mg
    if isinstance(dose, bool) or not isinstance(dose, int | float) or not 0.1 <= dose <= 1000:
        errors["dose_mg"] = "Enter the dose in mg (0.1 to 1000)."
    if c.route not in ROUTES:
        errors["route"] = "Choose the route: " + ", ".join(ROUTES) + "."
    bps = {}
    for name in ("bp_before", "bp_after"):
        try:
            bps[name] = scheduling.parse_bp(getattr(c, name))
        except ValueError as exc:
            errors[name] = str(exc)[0].upper() + str(exc)[1:] + "."
    if errors:
        raise ScheduleError(400, "Some fields are not valid.", next(iter(errors)), fields=errors)
    settings = clinic_settings()
    high = scheduling.bp_exceeds(*bps["bp_before"], settings.bp_limit_systolic, settings.bp_limit_diastolic)
    if high and not c.bp_confirmed:
        message = (f"Pre-dose blood pressure {c.bp_before.strip()} is above the clinic limit "
                   f"{settings.bp_limit_systolic}/{settings.bp_limit_diastolic}. Confirm to record it anyway.")
        raise ScheduleError(422, message, "bp_before", fields={"bp_before": message, "bp_confirmed": "Confirm the high reading."})
    session.dose_mg = float(dose)
    session.route = c.route
    session.bp_before_systolic, session.bp_before_diastolic = bps["bp_before"]
    session.bp_after_systolic, session.bp_after_diastolic = bps["bp_after"]
    session.bp_warning_confirmed = bool(high)


def bp_text(systolic: int | None, diastolic: int | None) -> str | None:
    return f"{systolic}/{diastolic}" if systolic is not None and diastolic is not None else None


# --- The agenda -------------------------------------------------------------------------------------
@dataclass
class AgendaItem:
    session: TherapySession
    open_flag: bool
    contraindication: bool
    screened: bool


@dataclass
class AgendaDay:
    day: dt.date
    items: list[AgendaItem]


def agenda(clinician: User, today: dt.date, days: int = 8) -> list[AgendaDay]:
    """The clinician's sessions from local `today` for `days` days, grouped by local day.

    One query whatever the number of sessions: patients are joined, warnings are EXISTS columns.
    """
    tz = clinician.timezone or "UTC"
    start = scheduling.day_bounds_utc(today, tz)[0]
    end = scheduling.day_bounds_utc(today + dt.timedelta(days=days - 1), tz)[1]
    pid = TherapySession.patient_id
    rows = db.session.execute(
        select(TherapySession, open_flag(pid).label("flag"), contraindication_open(pid).label("ci"),
               has_screening(pid).label("screened"))
        .join(TherapySession.patient).options(contains_eager(TherapySession.patient))
        .where(TherapySession.clinician_id == clinician.id, TherapySession.starts_at >= start,
               TherapySession.starts_at < end)
        .order_by(TherapySession.starts_at, TherapySession.id)
    ).all()
    by_day = {today + dt.timedelta(days=i): [] for i in range(days)}
    for s, flag, ci, screened in rows:
        by_day.setdefault(scheduling.local_date(s.starts_at, tz), []).append(AgendaItem(s, bool(flag), bool(ci), bool(screened)))
    return [AgendaDay(d, items) for d, items in by_day.items()]


def awaiting_outcome(clinician: User, before: dt.datetime, days: int = 14) -> list[TherapySession]:
    """The clinician's sessions that ended in the `days` before `before` and are still "scheduled"."""
    return list(db.session.scalars(
        select(TherapySession).options(joinedload(TherapySession.patient))
        .where(TherapySession.clinician_id == clinician.id, TherapySession.status == "scheduled",
               TherapySession.starts_at >= before - dt.timedelta(days=days), TherapySession.ends_at <= utcnow(),
               TherapySession.starts_at < before)
        .order_by(TherapySession.starts_at)
    ))


@dataclass
class Suggestion:
    patient: User
    last_session: TherapySession
    kind: str
    label: str
    day: dt.date
    time: dt.time
    minutes: int


def follow_up_suggestions(clinician: User, now: dt.datetime | None = None) -> list[Suggestion]:
    """After the last ketamine session of a series is completed (in the past 14 days): suggest an
    integration session within a week and a PHQ-9 follow-up two weeks on, unless already booked.

    Two queries whatever the number of series.
    """
    now = now or utcnow()
    tz = clinician.timezone or "UTC"
    recent = (select(TherapySession.series_id)
              .where(TherapySession.clinician_id == clinician.id, TherapySession.series_id.is_not(None),
                     TherapySession.kind == "ketamine", TherapySession.status == "completed",
                     TherapySession.completed_at >= now - dt.timedelta(days=14)))
    series = db.session.scalars(
        select(TherapySession).options(joinedload(TherapySession.patient))
        .where(TherapySession.series_id.in_(recent), TherapySession.kind == "ketamine",
               TherapySession.status.in_(BUSY_STATUSES))
        .order_by(TherapySession.starts_at)
    ).all()
    last: dict[str, TherapySession] = {}
    for s in series:
        last[s.series_id] = s
    done = [s for s in last.values() if s.status == "completed"]
    if not done:
        return []
    later = db.session.execute(
        select(TherapySession.patient_id, TherapySession.kind, TherapySession.starts_at)
        .where(TherapySession.patient_id.in_({s.patient_id for s in done}),
               TherapySession.kind.in_(("integration", "follow_up")),
               TherapySession.status.in_(BUSY_STATUSES),
               TherapySession.starts_at >= min(s.starts_at for s in done))
    ).all()
    out = []
    for s in sorted(done, key=lambda s: s.starts_at):
        after = [(kind, at) for pid, kind, at in later if pid == s.patient_id and at >= s.ends_at]
        local = s.starts_at.astimezone(scheduling.zone(tz))
        if not any(k == "integration" and at <= s.ends_at + dt.timedelta(days=7) for k, at in after):
            day = max(local.date() + dt.timedelta(days=2), scheduling.local_date(now, tz) + dt.timedelta(days=1))
            out.append(Suggestion(s.patient, s, "integration", "Integration session within a week", day, local.time(), 50))
        if not any(k == "follow_up" for k, _ in after):
            day = max(local.date() + dt.timedelta(days=14), scheduling.local_date(now, tz) + dt.timedelta(days=1))
            out.append(Suggestion(s.patient, s, "follow_up", "Follow-up PHQ-9 check in two weeks", day, local.time(), 30))
    return out


# --- The patient's side ------------------------------------------------------------------------------
def upcoming_for(user: User, limit: int = 3) -> list[TherapySession]:
    """A patient's next scheduled sessions (those not yet over), soonest first."""
    if not getattr(user, "is_authenticated", False) or not user.is_patient:
        return []
    return list(db.session.scalars(
        select(TherapySession).where(TherapySession.patient_id == user.id, TherapySession.status == "scheduled",
                                     TherapySession.ends_at > utcnow())
        .order_by(TherapySession.starts_at).limit(limit)
    ))


def patient_sessions(patient: User, now: dt.datetime | None = None, past_limit: int = 100):
    """(upcoming soonest first, past newest first, at most `past_limit`)."""
    now = now or utcnow()
    base = select(TherapySession).where(TherapySession.patient_id == patient.id)
    upcoming = db.session.scalars(base.where(TherapySession.ends_at > now, TherapySession.status == "scheduled")
                                  .order_by(TherapySession.starts_at)).all()
    past = db.session.scalars(base.where(or_(TherapySession.ends_at <= now, TherapySession.status != "scheduled"))
                              .order_by(TherapySession.starts_at.desc()).limit(past_limit)).all()
    return list(upcoming), list(past)


# --- Screening ------------------------------------------------------------------------------------------
def record_screening(patient: User, recorded_by: User, answers: dict[str, bool], details: str | None) -> Screening:
    """Store a new screening (any "yes" blocks ketamine until cleared) and commit."""
    row = Screening(patient_id=patient.id, recorded_by_id=recorded_by.id, recorded_at=utcnow(),
                    details=(details or "").strip() or None,
                    **{name: bool(answers.get(name)) for name in CONTRAINDICATIONS})
    db.session.add(row)
    db.session.flush()
    audit("screening_recorded", patient_id=patient.id, obj=row, detail=",".join(row.flags) or "no flags")
    db.session.commit()
    return row


def screenings(patient_id: int, limit: int = 20) -> list[Screening]:
    return list(db.session.scalars(
        select(Screening).where(Screening.patient_id == patient_id)
        .order_by(Screening.recorded_at.desc(), Screening.id.desc()).limit(limit)
    ))


def clear_screenings(clinician: User, patient: User, note: str) -> int:
    """Clear every uncleared positive screening of the patient with `note`; audited; commits.

    Returns how many were cleared (0: nothing to clear).
    """
    note = (note or "").strip()
    if not note:
        raise ScheduleError(400, "Write a note saying why ketamine is safe to book.", "note")
    rows = db.session.scalars(
        select(Screening).where(Screening.patient_id == patient.id, Screening.cleared_at.is_(None))
    ).all()
    rows = [r for r in rows if r.flags]
    now = utcnow()
    for r in rows:
        r.cleared_at, r.cleared_by_id, r.clear_note = now, clinician.id, note
        audit("screening_cleared", patient_id=patient.id, obj=r, detail=note)
    db.session.commit()
    return len(rows)


# --- Calendar feed -------------------------------------------------------------------------------------
def set_calendar_feed(user: User, on: bool) -> str | None:
    """Turn the feed on with a new secret (replacing any old one) or off; commits; returns the token."""
    user.calendar_token = secrets.token_urlsafe(32) if on else None
    audit("calendar_feed_" + ("issued" if on else "revoked"), patient_id=user.id if user.is_patient else None)
    db.session.commit()
    return user.calendar_token


def feed_owner(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    return user if user is not None and user.active else None


CHANGE_ACTIONS = ("session_moved", "session_completed", "session_cancelled", "session_no_show")


def feed_sessions(user: User, now: dt.datetime | None = None) -> tuple[list[TherapySession], dict[int, int]]:
    """The sessions a feed shows (from 60 days ago on, with patients for clinicians' initials) and
    how many times each was changed (its ICS SEQUENCE, counted from the audit log). Two queries.
    """
    now = now or utcnow()
    owner = TherapySession.patient_id if user.is_patient else TherapySession.clinician_id
    rows = list(db.session.scalars(
        select(TherapySession).options(joinedload(TherapySession.patient))
        .where(owner == user.id, TherapySession.starts_at >= now - dt.timedelta(days=60))
        .order_by(TherapySession.starts_at).limit(2000)
    ))
    changed = {s.id for s in rows if s.updated_at is not None}
    counts: dict[int, int] = {}
    if changed:
        counts = dict(db.session.execute(
            select(AuditEvent.object_id, func.count())
            .where(AuditEvent.patient_id.in_({s.patient_id for s in rows if s.id in changed}),
                   AuditEvent.object_type == TherapySession.__tablename__,
                   AuditEvent.object_id.in_(changed), AuditEvent.action.in_(CHANGE_ACTIONS))
            .group_by(AuditEvent.object_id)
        ).all())
    return rows, counts
