"""The stored caseload summaries (table patient_summaries): written in the same transaction as every
write that changes them, read by the caseload one page at a time (issue #16 item 2).

One computation: a stored row is `services.summaries()` of that patient, serialised. A flush
collects the patients whose check-ins, assessments, sessions, safety flags or screenings (or time
zone) were inserted, changed or deleted; just before the transaction commits their rows are
recomputed. What goes stale with time alone is not a stored verdict: `inactive_from` is compared
with the clock when read, and a row whose `refresh_at` has passed (a booked session started, the
series' gap ran out) is recomputed by the read that finds it.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import has_app_context
from sqlalchemy import BigInteger, Date, Integer, bindparam, case, cast, delete, event, func, inspect, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from katapp import clock
from katapp.domain import outcomes
from katapp.domain.outcomes import Outcome, Point
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, ClinicSettings, PatientSummaryRow, SafetyFlag, Screening, TherapySession, User
from katapp.summary_marks import CHECKINS, KEY

EVERYONE = "katapp.summaries.everyone"  # a clinic setting the summaries rest on changed
SCORED = "katapp.summaries.scored"  # patients with a new questionnaire score
WATCHED = (CheckIn, Assessment, TherapySession, SafetyFlag, Screening)
BATCH = 500
INACTIVE_AFTER_DAYS = 3  # No check-in for this many days (or never): the caseload's "inactive" filter.
RECENT_BITS = 31  # check-in days kept in patient_summaries.recent_checkins: the overview's 30-day window, +1 for zones


# --- Noticing writes ------------------------------------------------------------------------------
def _touched(session: Session) -> set[int]:
    """Patients whose summaries this flush changed, but for new check-ins and scores (`_new_checkins`)."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CheckIn | Assessment) and obj in session.new:
            continue
        if isinstance(obj, WATCHED):
            ids.add(obj.patient_id)
            old = inspect(obj).attrs.patient_id.history.deleted
            ids.update(p for p in old or () if p is not None)
        elif isinstance(obj, User) and obj.role == "patient":
            if obj in session.new or inspect(obj).attrs.timezone.history.has_changes():
                ids.add(obj.id)
    ids.discard(None)
    return ids


def _new_checkins(session: Session) -> None:
    """A new check-in changes only the last check-in day: noted here, written by one UPDATE (the
    check-in write path stays a few statements; issue #16 item 1). A new score changes only what
    rests on the scores and sessions: noted here, recomputed by `_rescore` from those two queries."""
    days = session.info.setdefault(CHECKINS, {})
    for obj in session.new:
        if isinstance(obj, CheckIn):
            days.setdefault(obj.patient_id, set()).add(obj.local_date)
        elif isinstance(obj, Assessment):
            session.info.setdefault(SCORED, set()).add(obj.patient_id)


def _inactive_from(day: dt.date, timezone: str) -> dt.datetime:
    """The moment "no check-in 3+ days" begins after a check-in on `day`: local midnight."""
    return dt.datetime.combine(day + dt.timedelta(days=INACTIVE_AFTER_DAYS), dt.time(),
                               tzinfo=ZoneInfo(timezone)).astimezone(dt.UTC)


def _days_between(earlier, later, dialect: str):
    """SQL: whole days from the date `earlier` to the date `later`."""
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def _checkin_update(dialect: str):
    """UPDATE of one patient's last check-in day and `inactive_from`, moved forward only (and the
    day they joined, moved back for an older check-in, e.g. imported history), and the recent
    check-in days (`recent_checkins`: shifted along when the day is later, the day's bit set when
    not). Built once per process and dialect (bound parameters) and run on the session's connection
    (no ORM bulk-update step), so each check-in reuses its cached SQL (issue #16 item 1). No summary
    row is loaded in a check-in's session, so there is none to keep in step."""
    r = PatientSummaryRow.__table__.c
    day, since = bindparam("day", type_=Date()), bindparam("since", type_=r.inactive_from.type)
    later = or_(r.last_checkin.is_(None), r.last_checkin < day)
    one, mask, full = literal(1, BigInteger), func.coalesce(r.recent_checkins, 0), (1 << RECENT_BITS) - 1
    ahead, behind = _days_between(r.last_checkin, day, dialect), _days_between(day, r.last_checkin, dialect)
    recent = case(
        (r.last_checkin.is_(None), one),
        (r.last_checkin < day, case((ahead < RECENT_BITS, (mask.op("<<")(ahead)).op("&")(full).op("|")(one)), else_=one)),
        (behind < RECENT_BITS, mask.op("|")(one.op("<<")(behind))),
        else_=mask)
    return (update(PatientSummaryRow.__table__).where(r.patient_id == bindparam("pid"))
            .values(last_checkin=case((later, day), else_=r.last_checkin),
                    inactive_from=case((later, since), else_=r.inactive_from),
                    joined_on=case((r.joined_on > day, day), else_=r.joined_on),
                    recent_checkins=recent))


_CHECKIN_UPDATES: dict[str, object] = {}


def _record_checkins(days: dict[int, set[dt.date]]) -> None:
    """Move each patient's stored last check-in day forward to the latest of `days` (never back) and
    set each day's recent bit. One UPDATE per new check-in day, oldest first."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect not in _CHECKIN_UPDATES:
        _CHECKIN_UPDATES[dialect] = _checkin_update(dialect)
    for pid, new_days in days.items():
        zone = db.session.get(User, pid).timezone  # the writer's own row: already loaded
        for day in sorted(new_days):
            connection.execute(_CHECKIN_UPDATES[dialect], {"pid": pid, "day": day, "since": _inactive_from(day, zone)})


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    _new_checkins(session)
    ids = _touched(session)
    if ids:
        session.info.setdefault(KEY, set()).update(ids)
    if any(isinstance(obj, ClinicSettings) and inspect(obj).attrs.series_length.history.has_changes()
           for obj in session.dirty):
        session.info[EVERYONE] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not has_app_context() or session is not db.session():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # its after_flush marks the patients it touched
    if session.info.pop(EVERYONE, False):  # every row is recomputed by the next read that finds it
        db.session.execute(update(PatientSummaryRow).values(refresh_at=clock.utcnow()))
    ids = session.info.pop(KEY, set())
    scored = session.info.pop(SCORED, set()) - ids
    days = {pid: day for pid, day in session.info.pop(CHECKINS, {}).items() if pid not in ids}
    if days:
        _record_checkins(days)
    if scored:
        _rescore(scored)
    if ids:
        refresh(ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for key in (KEY, EVERYONE, CHECKINS, SCORED):
        session.info.pop(key, None)


# --- Writing rows ----------------------------------------------------------------------------------
def _point(p: Point | None) -> list | None:
    return [p.when.isoformat(), p.value] if p else None


def _unpoint(v: list | None) -> Point | None:
    return Point(dt.datetime.fromisoformat(v[0]), v[1]) if v else None


_OUTCOME_DATES = ("baseline_date", "post_series_date", "best_date", "latest_date", "relapse_date", "series_start", "series_end")


def _refresh_at(s, now: dt.datetime) -> dt.datetime | None:
    """When this summary changes with time alone: the next booked session starts (it leaves "next
    session" and "booked"), or the series' gap runs out (local midnight after its horizon)."""
    times = [s.next_session] if s.next_session else []
    o = s.outcome
    if o.series_end and not o.series_ended:
        zone = ZoneInfo(s.patient.timezone)
        day = o.series_end + dt.timedelta(days=outcomes.SERIES_GAP_DAYS + 1)
        times.append(dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC))
    return min(times, default=None)


def _report(s) -> dict:
    """The columns the clinic overview counts in SQL (services.overview)."""
    o = s.outcome
    joined = clock.local_day(s.patient, s.patient.created_at)
    return {"report_exclusion": outcomes.exclusion_index(o), "post_assessed": o.post_series is not None,
            "response": o.response, "remission": o.remission, "days_to_relapse": o.days_to_relapse,
            "joined_on": min(joined, s.first_checkin or joined), "recent_checkins": s.recent_checkins}


def _row(s, now: dt.datetime) -> dict:
    flag, group, severity = s.need
    o = s.outcome
    outcome = {k: (v.isoformat() if k in _OUTCOME_DATES and v else v) for k, v in vars(o).items()}
    inactive_from = _inactive_from(s.last_checkin, s.patient.timezone) if s.last_checkin else None
    return {
        "patient_id": s.patient.id, "need_flag": flag, "need_group": group, "need_severity": severity,
        "state": s.state, "not_improving": s.not_improving, "open_flags": s.open_flags,
        "phq9_latest": s.latest.value if s.latest else None, "last_checkin": s.last_checkin,
        "inactive_from": inactive_from, "next_session": s.next_session, "refresh_at": _refresh_at(s, now),
        "computed_at": now, **_report(s),
        "detail": {"outcome": outcome, "baseline": _point(s.baseline), "latest": _point(s.latest),
                   "gad7": _point(s.gad7), "pcl5": _point(s.pcl5), "spark": s.spark,
                   "contraindication": s.contraindication},
    }


def refresh(patient_ids) -> int:
    """Recompute and store the summaries of these patients (in batches); a missing patient's row goes."""
    from katapp.dashboard.services import summaries
    ids = sorted(set(patient_ids))
    now = clock.utcnow()
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        # Lock the rows first: a concurrent writer for the same patient (PostgreSQL) then commits
        # before these reads, which see its data. (SQLite: this transaction already holds the write lock.)
        db.session.execute(select(PatientSummaryRow.patient_id).where(PatientSummaryRow.patient_id.in_(chunk))
                           .with_for_update())
        rows = [_row(s, now) for s in summaries(select(User).where(User.id.in_(chunk), User.role == "patient"))]
        gone = set(chunk) - {r["patient_id"] for r in rows}
        if gone:
            db.session.execute(delete(PatientSummaryRow).where(PatientSummaryRow.patient_id.in_(gone)))
        if rows:
            db.session.execute(_upsert(), rows)
    return len(ids)


def _rescore(patient_ids: set[int]) -> None:
    """Recompute the summaries of patients whose only change is a new score: their stored rows give
    the check-in days, open flags and contraindication (any write to those recomputes the row in
    full), the scores and sessions are read again. Four statements (row, scores, sessions, update)
    where a full recomputation takes nine (issue #16 item 1). A patient without a row (or with one
    from before migration 0019): `refresh`."""
    from katapp.clinic import clinic_settings
    from katapp.dashboard import services
    ids = sorted(patient_ids)
    stored = {r.patient_id: r for r in db.session.scalars(
        select(PatientSummaryRow).where(PatientSummaryRow.patient_id.in_(ids)).with_for_update())}
    missing = [pid for pid in ids if pid not in stored or stored[pid].joined_on is None  # none, or from before 0019
               or stored[pid].recent_checkins is None]  # from before 0020
    for pid in missing:
        stored.pop(pid, None)
    if missing:
        refresh(missing)
    if not stored:
        return
    now, settings = clock.utcnow(), clinic_settings()
    facts = {pid: services._Facts(last_checkin=r.last_checkin, first_checkin=r.joined_on, open_flags=r.open_flags,
                                  recent_checkins=r.recent_checkins, contraindication=r.detail["contraindication"])
             for pid, r in stored.items()}
    services._load_sessions(facts, list(stored), now)
    services._load_scores(facts, list(stored))
    rows = [_row(services.summarise(db.session.get(User, pid), f, settings, now), now) for pid, f in facts.items()]
    db.session.execute(_RESCORE_UPDATE, [{**r, "pid": r.pop("patient_id")} for r in rows])


def _rescore_update():
    """UPDATE of a stored row's every column but its key, from a `_row` dict (and `pid`). `_rescore` found
    (and locked) the rows, so no upsert is needed: the dialects' upserts are never cached by SQLAlchemy,
    and compiling one again cost each score half a millisecond (issue #16 item 1). Built once."""
    r = PatientSummaryRow.__table__.c
    return update(PatientSummaryRow.__table__).where(r.patient_id == bindparam("pid"))


_RESCORE_UPDATE = _rescore_update()


def _upsert():
    """INSERT ... ON CONFLICT (patient_id) DO UPDATE: an existing row is updated in place, so a
    concurrent one-column UPDATE (a new check-in) waiting on it applies to the new values."""
    table = PatientSummaryRow.__table__
    make = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = make(table)
    return stmt.on_conflict_do_update(index_elements=[table.c.patient_id],
                                      set_={c.name: stmt.excluded[c.name] for c in table.c if c.name != "patient_id"})


def rebuild_all() -> int:
    """Recompute every patient's row (`flask rebuild-summaries`); the caller commits."""
    ids = db.session.scalars(select(User.id).where(User.role == "patient")).all()
    db.session.execute(delete(PatientSummaryRow))
    return refresh(ids)


# --- Reading rows -----------------------------------------------------------------------------------
def summary_of(patient: User, row: PatientSummaryRow, settings, now: dt.datetime):
    """The `services.PatientSummary` a stored row holds (same fields as a fresh computation)."""
    from katapp.dashboard.services import PatientSummary
    d = row.detail
    fields = dict(d["outcome"])
    for k in _OUTCOME_DATES:
        if fields.get(k):
            fields[k] = dt.date.fromisoformat(fields[k])
    today = clock.local_today(patient, now)
    return PatientSummary(
        patient=patient, outcome=Outcome(**fields), baseline=_unpoint(d["baseline"]), latest=_unpoint(d["latest"]),
        gad7=_unpoint(d["gad7"]), pcl5=_unpoint(d["pcl5"]), pcl5_cutpoint=settings.pcl5_cutpoint,
        next_session=row.next_session, last_checkin=row.last_checkin,
        days_since_checkin=(today - row.last_checkin).days if row.last_checkin else None,
        open_flags=row.open_flags, contraindication=d["contraindication"], spark=list(d["spark"]),
    )
