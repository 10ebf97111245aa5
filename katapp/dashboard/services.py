"""Dashboard data: a fixed number of SQL queries per page, whatever the caseload or history size.

Everything that can be aggregated is aggregated in SQL (GROUP BY, window functions; both work on
SQLite and PostgreSQL); nothing is queried per patient or per row. The outcome rules themselves
live in `katapp.domain.outcomes` and are applied here to the few values SQL returns.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Date, Select, and_, case, func, or_, select, type_coerce

from katapp import clock
from katapp.clinic import clinic_settings
from katapp.domain import outcomes
from katapp.domain.instruments import INSTRUMENTS
from katapp.domain.outcomes import Durability, Point
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, SafetyFlag, TherapySession, User
from katapp.security import visible_patients

SPARK_POINTS = 12  # PHQ-9 totals drawn in a caseload sparkline.
ADHERENCE_DAYS = 30
WEEKS_SHOWN = 26


@dataclass
class PatientSummary:
    """Where one patient stands: the caseload row, the dashboard header and the summary API."""

    patient: User
    baseline: Point | None
    latest: Point | None
    sessions_completed: int
    series_completed: bool
    next_session: dt.datetime | None
    last_checkin: dt.date | None
    days_since_checkin: int | None
    open_flags: int
    durability: Durability
    spark: list[float] = field(default_factory=list)

    @property
    def change_pct(self) -> float | None:
        if self.baseline is None or self.latest is None:
            return None
        return outcomes.change_pct(self.baseline.value, self.latest.value)

    @property
    def status(self) -> str | None:
        """"remission", "response", "partial", "none", or None without two PHQ-9 scores."""
        if self.baseline is None or self.latest is None:
            return None
        return outcomes.classify(self.baseline.value, self.latest.value)

    @property
    def response(self) -> bool:
        return self.status is not None and outcomes.is_response(self.baseline.value, self.latest.value)

    @property
    def remission(self) -> bool:
        return self.latest is not None and outcomes.is_remission(self.latest.value)

    @property
    def severity(self) -> str | None:
        return INSTRUMENTS["phq9"].severity(int(self.latest.value)) if self.latest else None

    @property
    def rising(self) -> bool:
        return self.durability.rising

    @property
    def inactive(self) -> bool:
        return self.days_since_checkin is None or self.days_since_checkin >= outcomes.INACTIVE_AFTER_DAYS

    @property
    def rank(self) -> int:
        return outcomes.needs_attention_rank(self.open_flags, self.rising, self.days_since_checkin)

    @property
    def sentence(self) -> str:
        return outcomes.summary_sentence(
            self.baseline.value if self.baseline else None,
            self.latest.value if self.latest and self.latest != self.baseline else None,
            self.sessions_completed,
        )


# --- Aggregates shared by every page ----------------------------------------------------------------
def _session_totals(ids: Select, now: dt.datetime):
    """Per patient: completed ketamine sessions (count, first, last start), ketamine sessions still
    booked, and the next booked session of any kind. One GROUP BY."""
    s = TherapySession
    ketamine_done = and_(s.kind == "ketamine", s.status == "completed")
    booked = and_(s.status == "scheduled", s.starts_at > now)
    return (
        select(
            s.patient_id.label("patient_id"),
            func.sum(case((ketamine_done, 1), else_=0)).label("completed"),
            func.min(case((ketamine_done, s.starts_at))).label("first_ketamine"),
            func.max(case((ketamine_done, s.starts_at))).label("last_ketamine"),
            func.sum(case((and_(booked, s.kind == "ketamine"), 1), else_=0)).label("remaining"),
            func.min(case((booked, s.starts_at))).label("next_session"),
        )
        .where(s.patient_id.in_(ids))
        .group_by(s.patient_id)
    )


def _phq9_key_points(ids: Select, totals) -> Select:
    """The PHQ-9 scores the summaries need, and no others: per patient the first, the latest
    SPARK_POINTS, the last at or before the first ketamine session (baseline) and the last at or
    before the latest ketamine session (end of series). Window functions pick them in SQL."""
    a = Assessment
    t = totals.subquery()
    before_first = a.recorded_at <= t.c.first_ketamine
    before_last = a.recorded_at <= t.c.last_ketamine
    newest_first = a.recorded_at.desc(), a.id.desc()
    ranked = (
        select(
            a.patient_id,
            a.recorded_at,
            a.total,
            func.row_number().over(partition_by=a.patient_id, order_by=newest_first).label("rn_desc"),
            func.row_number().over(partition_by=a.patient_id, order_by=(a.recorded_at, a.id)).label("rn_asc"),
            func.row_number()
            .over(partition_by=(a.patient_id, case((before_first, 1), else_=0)), order_by=newest_first)
            .label("rn_first"),
            func.row_number()
            .over(partition_by=(a.patient_id, case((before_last, 1), else_=0)), order_by=newest_first)
            .label("rn_last"),
            case((before_first, 1), else_=0).label("is_before_first"),
            case((before_last, 1), else_=0).label("is_before_last"),
        )
        .join(t, t.c.patient_id == a.patient_id, isouter=True)
        .where(a.instrument == "phq9", a.patient_id.in_(ids))
        .subquery()
    )
    r = ranked.c
    return select(r.patient_id, r.recorded_at, r.total).where(
        or_(
            r.rn_desc <= SPARK_POINTS,
            r.rn_asc == 1,
            and_(r.is_before_first == 1, r.rn_first == 1),
            and_(r.is_before_last == 1, r.rn_last == 1),
        )
    )


def summaries(patients_stmt: Select) -> list[PatientSummary]:
    """Summaries of every patient `patients_stmt` (a SELECT of Users) returns, in its order.

    Six queries in all (patients, settings, sessions, PHQ-9 key points, check-ins, flags).
    """
    patients = db.session.scalars(patients_stmt).all()
    if not patients:
        return []
    ids = patients_stmt.with_only_columns(User.id).order_by(None)
    series_length = clinic_settings().series_length
    now = clock.utcnow()
    totals_q = _session_totals(ids, now)
    totals = {row.patient_id: row for row in db.session.execute(totals_q)}
    phq: dict[int, dict[dt.datetime, Point]] = {}
    for pid, when, total in db.session.execute(_phq9_key_points(ids, totals_q)):
        phq.setdefault(pid, {})[when] = Point(when, total)
    last_checkin = dict(
        db.session.execute(
            select(CheckIn.patient_id, func.max(CheckIn.local_date))
            .where(CheckIn.patient_id.in_(ids))
            .group_by(CheckIn.patient_id)
        ).all()
    )
    open_flags = dict(
        db.session.execute(
            select(SafetyFlag.patient_id, func.count())
            .where(SafetyFlag.patient_id.in_(ids), SafetyFlag.acknowledged_at.is_(None))
            .group_by(SafetyFlag.patient_id)
        ).all()
    )
    result = []
    for p in patients:
        t = totals.get(p.id)
        result.append(
            summarise(
                p,
                sorted(phq.get(p.id, {}).values(), key=lambda point: point.when),
                completed=int(t.completed or 0) if t else 0,
                first_ketamine=t.first_ketamine if t else None,
                last_ketamine=t.last_ketamine if t else None,
                remaining=int(t.remaining or 0) if t else 0,
                next_session=t.next_session if t else None,
                last_checkin=last_checkin.get(p.id),
                open_flags=open_flags.get(p.id, 0),
                series_length=series_length,
            )
        )
    return result


def summarise(
    patient: User,
    phq9: list[Point],
    *,
    completed: int,
    first_ketamine: dt.datetime | None,
    last_ketamine: dt.datetime | None,
    remaining: int,
    next_session: dt.datetime | None,
    last_checkin: dt.date | None,
    open_flags: int,
    series_length: int,
) -> PatientSummary:
    """One patient's summary from plain values (time-sorted PHQ-9 points, session totals)."""
    sessions = [s for s in (first_ketamine, last_ketamine) if s is not None]
    today = clock.local_today(patient)
    return PatientSummary(
        patient=patient,
        baseline=outcomes.baseline(phq9, sessions),
        latest=phq9[-1] if phq9 else None,
        sessions_completed=completed,
        series_completed=outcomes.series_completed(completed, remaining, series_length),
        next_session=next_session,
        last_checkin=last_checkin,
        days_since_checkin=(today - last_checkin).days if last_checkin else None,
        open_flags=open_flags,
        durability=outcomes.durability(phq9, sessions, today, tz=patient.timezone),
        spark=[p.value for p in phq9[-SPARK_POINTS:]],
    )


# --- Caseload ----------------------------------------------------------------------------------------
FILTERS = {
    "all": ("All", lambda s: True),
    "flags": ("Open flags", lambda s: s.open_flags > 0),
    "rising": ("Rising", lambda s: s.rising),
    "inactive": ("No check-in 3+ days", lambda s: s.inactive),
    "responding": ("Responding", lambda s: s.response or s.remission),
}


def caseload(user: User) -> list[PatientSummary]:
    """The clinician's caseload, most in need first (open flags, rising, inactive, the rest)."""
    rows = summaries(visible_patients(user).order_by(User.display_name, User.id))
    return sorted(rows, key=lambda s: s.rank)


def patient_summary(user: User, patient_id: int) -> PatientSummary | None:
    """The summary of one patient `user` may see, or None."""
    rows = summaries(visible_patients(user).where(User.id == patient_id))
    return rows[0] if rows else None


# --- One patient's full history -----------------------------------------------------------------------
@dataclass
class History:
    patient: User
    summary: PatientSummary
    assessments: dict[str, list[Assessment]]  # by instrument, oldest first
    mood: list[tuple[dt.date, float]]  # daily mean mood, oldest first
    sessions: list[TherapySession]  # oldest first
    flags: list[SafetyFlag]  # oldest first

    @property
    def ketamine_done(self) -> list[dt.datetime]:
        return [s.starts_at for s in self.sessions if s.kind == "ketamine" and s.status == "completed"]

    def points(self, instrument: str) -> list[Point]:
        return [Point(a.recorded_at, a.total) for a in self.assessments.get(instrument, [])]


def history(patient: User) -> History:
    """Everything the per-patient dashboard and the progress page draw: four queries plus settings."""
    rows = db.session.scalars(
        select(Assessment).where(Assessment.patient_id == patient.id).order_by(Assessment.recorded_at, Assessment.id)
    ).all()
    assessments: dict[str, list[Assessment]] = {}
    for row in rows:
        assessments.setdefault(row.instrument, []).append(row)
    mood = [
        (day, float(mean))
        for day, mean in db.session.execute(
            select(CheckIn.local_date, func.avg(CheckIn.mood))
            .where(CheckIn.patient_id == patient.id)
            .group_by(CheckIn.local_date)
            .order_by(CheckIn.local_date)
        )
    ]
    sessions = db.session.scalars(
        select(TherapySession).where(TherapySession.patient_id == patient.id).order_by(TherapySession.starts_at)
    ).all()
    flags = db.session.scalars(
        select(SafetyFlag).where(SafetyFlag.patient_id == patient.id).order_by(SafetyFlag.raised_at)
    ).all()
    now = clock.utcnow()
    ketamine = [s.starts_at for s in sessions if s.kind == "ketamine" and s.status == "completed"]
    booked = [s for s in sessions if s.status == "scheduled" and s.starts_at > now]
    summary = summarise(
        patient,
        [Point(a.recorded_at, a.total) for a in assessments.get("phq9", [])],
        completed=len(ketamine),
        first_ketamine=min(ketamine, default=None),
        last_ketamine=max(ketamine, default=None),
        remaining=sum(1 for s in booked if s.kind == "ketamine"),
        next_session=booked[0].starts_at if booked else None,
        last_checkin=mood[-1][0] if mood else None,
        open_flags=sum(1 for f in flags if f.is_open),
        series_length=clinic_settings().series_length,
    )
    return History(patient, summary, assessments, mood, list(sessions), list(flags))


# --- Clinic overview ------------------------------------------------------------------------------------
@dataclass
class Overview:
    patients: int
    completed_series: int
    responders: int
    remitters: int
    adherence_pct: float | None
    checkin_days: int
    patient_days: int
    weeks: list[tuple[dt.date, dict[str, int]]]  # Monday -> completed sessions by kind

    @property
    def response_rate(self) -> float | None:
        return outcomes.rate(self.responders, self.completed_series)

    @property
    def remission_rate(self) -> float | None:
        return outcomes.rate(self.remitters, self.completed_series)


def overview(user: User) -> Overview:
    """Clinic outcomes for an admin: rates among completed series, check-in adherence, sessions a week."""
    rows = summaries(visible_patients(user).order_by(User.id))
    done = [s for s in rows if s.series_completed and s.status is not None]
    today = clock.local_today(clinic_settings())  # the clinic's own day
    ids = visible_patients(user).with_only_columns(User.id).order_by(None)
    checkin_days, patient_days = _adherence(rows, ids, today)
    return Overview(
        patients=len(rows),
        completed_series=len(done),
        responders=sum(1 for s in done if s.response),
        remitters=sum(1 for s in done if s.remission),
        adherence_pct=outcomes.rate(checkin_days, patient_days),
        checkin_days=checkin_days,
        patient_days=patient_days,
        weeks=_sessions_per_week(ids, today),
    )


def _adherence(rows: list[PatientSummary], ids: Select, today: dt.date) -> tuple[int, int]:
    """(days with a check-in, patient-days) over the last ADHERENCE_DAYS days. Two queries.

    Patient-days: each patient counts from the day they joined (account made, or first check-in
    if that is earlier, e.g. imported history), at most ADHERENCE_DAYS days.
    """
    since = today - dt.timedelta(days=ADHERENCE_DAYS - 1)
    checkin_days = db.session.scalar(
        select(func.count()).select_from(
            select(CheckIn.patient_id, CheckIn.local_date)
            .where(CheckIn.patient_id.in_(ids), CheckIn.local_date >= since, CheckIn.local_date <= today)
            .distinct()
            .subquery()
        )
    )
    first_checkin = dict(
        db.session.execute(
            select(CheckIn.patient_id, func.min(CheckIn.local_date))
            .where(CheckIn.patient_id.in_(ids))
            .group_by(CheckIn.patient_id)
        ).all()
    )
    patient_days = 0
    for s in rows:
        joined = clock.local_day(s.patient, s.patient.created_at)
        joined = min(joined, first_checkin.get(s.patient.id, joined))
        patient_days += max(0, (today - max(since, joined)).days + 1)
    return checkin_days or 0, patient_days


def _sessions_per_week(ids: Select, today: dt.date) -> list[tuple[dt.date, dict[str, int]]]:
    """Completed sessions by kind for each of the last WEEKS_SHOWN weeks (Monday first), oldest first."""
    first_week = outcomes.week_start(today) - dt.timedelta(weeks=WEEKS_SHOWN - 1)
    day = type_coerce(func.date(TherapySession.starts_at), Date)
    by_kind: dict[str, list[tuple[dt.date, int]]] = {}
    for kind, on, count in db.session.execute(
        select(TherapySession.kind, day, func.count())
        .where(
            TherapySession.patient_id.in_(ids),
            TherapySession.status == "completed",
            TherapySession.starts_at >= dt.datetime.combine(first_week, dt.time(), tzinfo=dt.UTC),
        )
        .group_by(TherapySession.kind, day)
    ):
        by_kind.setdefault(kind, []).append((on if isinstance(on, dt.date) else dt.date.fromisoformat(on), count))
    weeks: dict[dt.date, dict[str, int]] = {monday: {} for monday, _ in outcomes.per_week([], first_week, today)}
    for kind, counts in by_kind.items():
        for monday, n in outcomes.per_week(counts, first_week, today):
            weeks.setdefault(monday, {})[kind] = n
    return sorted(weeks.items())
