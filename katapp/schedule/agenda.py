"""Reading the schedule: the clinician's agenda, sessions waiting for an outcome, follow-up
suggestions after a series, a patient's sessions, and the API's session list.

Every query is scoped to the acting user, and none grows with the data (joins and EXISTS columns).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from katapp import careteam
from katapp.clock import local_day, local_now, utcnow
from katapp.domain import scheduling
from katapp.domain.vocabulary import BUSY_STATUSES, KIND
from katapp.errors import NotFound
from katapp.extensions import db
from katapp.models import SessionHandover, TherapySession, User
from katapp.schedule.parse import Reader
from katapp.schedule.screening import contraindication_open, has_screening, open_flag
from katapp.security import visible_patient_ids


def own_sessions(user: User):
    """The WHERE clause of `user`'s sessions: a patient's own; a clinician's as its clinician, with
    patients on their care team only (a clinician removed from a team sees none of its sessions)."""
    if user.is_patient:
        return TherapySession.patient_id == user.id
    return (TherapySession.clinician_id == user.id) & TherapySession.patient_id.in_(visible_patient_ids(user))


def sessions_between(user: User, start: dt.datetime | None, end: dt.datetime | None):
    """A SELECT of `user`'s sessions (`own_sessions`), newest first."""
    stmt = select(TherapySession).where(own_sessions(user))
    if start is not None:
        stmt = stmt.where(TherapySession.starts_at >= start)
    if end is not None:
        stmt = stmt.where(TherapySession.starts_at < end)
    return stmt.order_by(TherapySession.starts_at.desc(), TherapySession.id.desc())


def listed(user: User, args: Mapping):
    """The API list's SELECT from its query (`from`, `to`: inclusive local days); Invalid when malformed."""
    read = Reader(args)
    start, end = read.day("from"), read.day("to")
    read.done("invalid query")
    lo = scheduling.day_bounds_utc(start, user.timezone)[0] if start else None
    hi = scheduling.day_bounds_utc(end, user.timezone)[1] if end else None
    return sessions_between(user, lo, hi).options(joinedload(TherapySession.patient))


# --- The clinician's agenda ------------------------------------------------------------------------------
@dataclass
class AgendaItem:
    session: TherapySession | None  # None for a reassigned one: only `handover` (kind, time) is shown
    open_flag: bool = False
    contraindication: bool = False
    screened: bool = False
    handover: SessionHandover | None = None

    @property
    def starts_at(self) -> dt.datetime:
        return self.session.starts_at if self.session is not None else self.handover.starts_at


@dataclass
class AgendaDay:
    day: dt.date
    items: list[AgendaItem]


def agenda(clinician: User, today: dt.date, days: int = 8) -> list[AgendaDay]:
    """The clinician's sessions from local `today` for `days` days, grouped by local day, with the
    sessions a care-team change took off their agenda as "Reassigned" (kind and time only).

    Two queries whatever the number of sessions: patients are joined, warnings are EXISTS columns.
    """
    start = scheduling.day_bounds_utc(today, clinician.timezone)[0]
    end = scheduling.day_bounds_utc(today + dt.timedelta(days=days - 1), clinician.timezone)[1]
    pid = TherapySession.patient_id
    rows = db.session.execute(
        select(TherapySession, open_flag(pid).label("flag"), contraindication_open(pid).label("ci"),
               has_screening(pid).label("screened"))
        .join(TherapySession.patient).options(contains_eager(TherapySession.patient))
        .where(own_sessions(clinician), TherapySession.starts_at >= start, TherapySession.starts_at < end)
        .order_by(TherapySession.starts_at, TherapySession.id)
    ).all()
    items = [AgendaItem(s, bool(flag), bool(ci), bool(screened)) for s, flag, ci, screened in rows]
    mine = {it.session.id for it in items}
    items += [AgendaItem(None, handover=h) for h in careteam.handed_over_from(clinician, start, end)
              if h.session_id not in mine]  # handed back to them later: shown as their own
    by_day = {today + dt.timedelta(days=i): [] for i in range(days)}
    for it in sorted(items, key=lambda it: it.starts_at):
        by_day.setdefault(local_day(clinician, it.starts_at), []).append(it)
    return [AgendaDay(d, day_items) for d, day_items in by_day.items()]


def awaiting_outcome(clinician: User, before: dt.datetime, days: int = 14) -> list[TherapySession]:
    """The clinician's sessions that ended in the `days` before `before` and are still "scheduled"."""
    return list(db.session.scalars(
        select(TherapySession).options(joinedload(TherapySession.patient))
        .where(own_sessions(clinician), TherapySession.status == "scheduled",
               TherapySession.starts_at >= before - dt.timedelta(days=days), TherapySession.ends_at <= utcnow(),
               TherapySession.starts_at < before)
        .order_by(TherapySession.starts_at)
    ))


AGENDA_DAYS = 8  # today and the next 7 days
AGENDA_REACH = dt.timedelta(days=3 * 366)  # how far back or ahead `?start=` may move the window


@dataclass
class AgendaPage:
    today: dt.date
    start: dt.date
    days: list[AgendaDay]
    overdue: list[TherapySession]
    suggestions: list[Suggestion]

    @property
    def total(self) -> int:
        return sum(1 for d in self.days for it in d.items if it.session is not None)

    @property
    def previous_start(self) -> dt.date:
        return self.start - dt.timedelta(days=7)

    @property
    def next_start(self) -> dt.date:
        return self.start + dt.timedelta(days=7)

    @property
    def is_current(self) -> bool:
        return self.start == self.today


def agenda_start(clinician: User, args: Mapping) -> dt.date:
    """The first day the agenda shows: `?start=YYYY-MM-DD` or the clinician's local today;
    Invalid when malformed or more than three years away."""
    today = local_now(clinician).date()
    read = Reader(args)
    start = read.day("start")
    if start is not None and abs(start - today) > AGENDA_REACH:
        read.errors["start"] = "a date within three years of today"
    read.done("invalid agenda date")
    return start or today


def agenda_page(clinician: User, start: dt.date | None = None) -> AgendaPage:
    """Everything the agenda page shows, for the 8 days from `start` (default: local today)."""
    today = local_now(clinician).date()
    start = start or today
    begin = scheduling.day_bounds_utc(today, clinician.timezone)[0]
    return AgendaPage(today, start, agenda(clinician, start, AGENDA_DAYS), awaiting_outcome(clinician, begin),
                      follow_up_suggestions(clinician))


# --- Follow-up suggestions -------------------------------------------------------------------------------
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
    done = _finished_series(clinician, now)
    if not done:
        return []
    later = db.session.execute(
        select(TherapySession.patient_id, TherapySession.kind, TherapySession.starts_at)
        .where(TherapySession.patient_id.in_({s.patient_id for s in done}),
               TherapySession.kind.in_(("integration", "follow_up")),
               TherapySession.status.in_(BUSY_STATUSES),
               TherapySession.starts_at >= min(s.starts_at for s in done))
    ).all()
    tomorrow = local_day(clinician, now) + dt.timedelta(days=1)
    out = []
    for s in sorted(done, key=lambda s: s.starts_at):
        after = [(kind, at) for pid, kind, at in later if pid == s.patient_id and at >= s.ends_at]
        local = local_now(clinician, s.starts_at)
        if not any(k == "integration" and at <= s.ends_at + dt.timedelta(days=7) for k, at in after):
            day = max(local.date() + dt.timedelta(days=2), tomorrow)
            out.append(Suggestion(s.patient, s, "integration", "Integration session within a week", day, local.time(),
                                  KIND["integration"].default_minutes))
        if not any(k == "follow_up" for k, _ in after):
            day = max(local.date() + dt.timedelta(days=14), tomorrow)
            out.append(Suggestion(s.patient, s, "follow_up", "Follow-up PHQ-9 check in two weeks", day, local.time(),
                                  KIND["follow_up"].default_minutes))
    return out


def _finished_series(clinician: User, now: dt.datetime) -> list[TherapySession]:
    """The last ketamine session of each of the clinician's series completed in the past 14 days."""
    recent = (select(TherapySession.series_id)
              .where(own_sessions(clinician), TherapySession.series_id.is_not(None),
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
    return [s for s in last.values() if s.status == "completed"]


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


def patient_session(patient: User, session_id: int) -> TherapySession:
    """One of the patient's own sessions (with its clinician); NotFound for anyone else's."""
    session = db.session.scalar(
        select(TherapySession).options(joinedload(TherapySession.clinician))
        .where(TherapySession.id == session_id, TherapySession.patient_id == patient.id))
    if session is None:
        raise NotFound("no such session")
    return session
