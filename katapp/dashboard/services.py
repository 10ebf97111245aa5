"""Dashboard data: a fixed number of SQL queries per page, whatever the caseload or history size.

Aggregates run in SQL (GROUP BY, window functions; both work on SQLite and PostgreSQL); nothing
is queried per patient or per row. What a patient's scores mean (series, baseline, response,
remission, relapse, need) is decided by `katapp.domain.outcomes` on the plain values loaded here.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Date, Integer, Select, and_, case, func, literal_column, or_, select, true, type_coerce

from katapp import clock
from katapp.clinic import clinic_settings
from katapp.dashboard import store
from katapp.domain import outcomes
from katapp.domain.instruments import INSTRUMENTS
from katapp.domain.outcomes import ClinicOutcomes, Outcome, Point
from katapp.domain.vocabulary import CONDITION_KEYS, INDICATIONS
from katapp.extensions import db
from katapp.models import (
    Assessment,
    CheckIn,
    ClinicSettings,
    PatientSummaryRow,
    SafetyFlag,
    Screening,
    TherapySession,
    User,
)
from katapp.pagination import Page, paginate
from katapp.security import visible_patients

SPARK_POINTS = 12  # PHQ-9 totals drawn in a caseload sparkline.
INACTIVE_AFTER_DAYS = store.INACTIVE_AFTER_DAYS  # No check-in for this many days (or never) is a caseload filter.
GAD7_FLAG_AT = 10  # GAD-7 >= 10: evaluate for an anxiety disorder (instruments.md).
ADHERENCE_DAYS = 30
WEEKS_SHOWN = 26


@dataclass(frozen=True)
class Chip:
    """A short caseload marker: its words and its tone ("warn" or "danger")."""

    text: str
    tone: str = "warn"


@dataclass
class PatientSummary:
    """Where one patient stands: the caseload row, the dashboard header and the summary API.

    `outcome` is the PHQ-9 verdict (`outcomes.patient_outcome`); `baseline` and `latest` are the
    PHQ-9 points it rests on; `gad7` and `pcl5` the latest of each, or None.
    """

    patient: User
    outcome: Outcome
    baseline: Point | None
    latest: Point | None
    gad7: Point | None
    pcl5: Point | None
    pcl5_cutpoint: int
    next_session: dt.datetime | None
    last_checkin: dt.date | None
    days_since_checkin: int | None
    open_flags: int
    contraindication: bool
    spark: list[float] = field(default_factory=list)
    # Stored only inside patient_summaries.joined_on and .recent_checkins (the overview's adherence); not read back.
    first_checkin: dt.date | None = field(default=None, compare=False)
    recent_checkins: int = field(default=0, compare=False)

    @property
    def state(self) -> str:
        return self.outcome.state

    @property
    def sessions_completed(self) -> int:
        return self.outcome.sessions_completed

    @property
    def change_pct(self) -> float | None:
        return self.outcome.change_pct

    @property
    def sentence(self) -> str:
        return self.outcome.explanation

    @property
    def severity(self) -> str | None:
        return INSTRUMENTS["phq9"].severity(int(self.latest.value)) if self.latest else None

    @property
    def relapsing(self) -> bool:
        return self.state == "relapse"

    @property
    def not_improving(self) -> bool:
        """At or after session 4, less than 25 % below baseline; a relapse is its own group and chip."""
        return self.outcome.not_improving and not self.relapsing

    @property
    def responding(self) -> bool:
        return self.state in ("response", "remission")

    @property
    def inactive(self) -> bool:
        return self.days_since_checkin is None or self.days_since_checkin >= INACTIVE_AFTER_DAYS

    @property
    def need(self) -> tuple:
        return outcomes.need_key(self.outcome, self.open_flags)

    @property
    def chips(self) -> list[Chip]:
        """Markers a clinician scans for: not started, contraindication, relapsing, no baseline,
        not improving, GAD-7 >= 10, PCL-5 at or above the clinic's cut-point."""
        chips = [Chip("Not started")] if self.state == "not_started" else []
        if self.contraindication:
            chips.append(Chip("Contraindication", "danger"))
        if self.relapsing:
            chips.append(Chip(f"Relapsing since {self.outcome.relapse_date:%d %b}", "danger"))
        if self.state == "no_baseline":
            chips.append(Chip("No baseline"))
        if self.not_improving:
            chips.append(Chip("Not improving"))
        if self.gad7 is not None and self.gad7.value >= GAD7_FLAG_AT:
            chips.append(Chip(f"GAD-7 {self.gad7.value:g} (≥ {GAD7_FLAG_AT})"))
        if self.pcl5 is not None and self.pcl5.value >= self.pcl5_cutpoint:
            chips.append(Chip(f"PCL-5 {self.pcl5.value:g} (≥ {self.pcl5_cutpoint})"))
        return chips


# --- Loading: one query per kind of fact, for any number of patients --------------------------------
@dataclass
class _Facts:
    """The plain values one patient's summary is computed from."""

    phq9: list[Point] = field(default_factory=list)  # time order
    latest: dict[str, Point] = field(default_factory=dict)  # gad7 / pcl5 -> latest
    ketamine: list[dt.datetime] = field(default_factory=list)  # completed
    booked: list[dt.datetime] = field(default_factory=list)  # ketamine, still booked
    next_session: dt.datetime | None = None  # any kind
    last_checkin: dt.date | None = None
    first_checkin: dt.date | None = None
    recent_checkins: int = 0  # bit i: a check-in day last_checkin - i days (store.RECENT_BITS)
    open_flags: int = 0
    contraindication: bool = False


def _load_sessions(facts: dict[int, _Facts], ids: Select, now: dt.datetime) -> None:
    """Completed ketamine sessions and every session still booked. One query."""
    s = TherapySession
    done = and_(s.kind == "ketamine", s.status == "completed")
    booked = and_(s.status == "scheduled", s.starts_at > now)
    rows = db.session.execute(
        select(s.patient_id, s.kind, s.status, s.starts_at).where(s.patient_id.in_(ids), or_(done, booked))
        .order_by(s.starts_at)
    )
    for pid, kind, status, starts_at in rows:
        f = facts[pid]
        if status == "completed":
            f.ketamine.append(starts_at)
            continue
        f.next_session = f.next_session or starts_at
        if kind == "ketamine":
            f.booked.append(starts_at)


def _load_scores(facts: dict[int, _Facts], ids: Select) -> None:
    """Every PHQ-9 total, and the latest GAD-7 and PCL-5. One query (a window function)."""
    a = Assessment
    ranked = (
        select(a.patient_id, a.instrument, a.recorded_at, a.total,
               func.row_number().over(partition_by=(a.patient_id, a.instrument),
                                      order_by=(a.recorded_at.desc(), a.id.desc())).label("rn"))
        .where(a.patient_id.in_(ids))
        .subquery()
    )
    r = ranked.c
    rows = db.session.execute(
        select(r.patient_id, r.instrument, r.recorded_at, r.total)
        .where(or_(r.instrument == "phq9", r.rn == 1))
        .order_by(r.recorded_at)
    )
    for pid, instrument, when, total in rows:
        point = Point(when, total)
        if instrument == "phq9":
            facts[pid].phq9.append(point)
        else:
            facts[pid].latest[instrument] = point


def recent_mask(last: dt.date | None, days) -> int:
    """The bits of `store.RECENT_BITS` check-in days up to `last`: bit i for a check-in on last - i days."""
    if last is None:
        return 0
    return sum({1 << (last - day).days for day in days if 0 <= (last - day).days < store.RECENT_BITS})


def _load_care(facts: dict[int, _Facts], ids: Select, now: dt.datetime) -> None:
    """Last and first check-in day, the recent check-in days, open safety flags, uncleared contraindications.
    Four queries (three GROUP BY)."""
    for pid, last, first in db.session.execute(
        select(CheckIn.patient_id, func.max(CheckIn.local_date), func.min(CheckIn.local_date))
        .where(CheckIn.patient_id.in_(ids)).group_by(CheckIn.patient_id)
    ):
        facts[pid].last_checkin, facts[pid].first_checkin = last, first
    # Days older than this can never be in a future overview window: the mask leaves them out.
    since = now.date() - dt.timedelta(days=store.RECENT_BITS + ADHERENCE_DAYS)
    recent: dict[int, set[dt.date]] = {}
    for pid, day in db.session.execute(
        select(CheckIn.patient_id, CheckIn.local_date).distinct()
        .where(CheckIn.patient_id.in_(ids), CheckIn.local_date >= since)
    ):
        recent.setdefault(pid, set()).add(day)
    for pid, days in recent.items():
        facts[pid].recent_checkins = recent_mask(facts[pid].last_checkin, days)
    for pid, count in db.session.execute(
        select(SafetyFlag.patient_id, func.count())
        .where(SafetyFlag.patient_id.in_(ids), SafetyFlag.acknowledged_at.is_(None))
        .group_by(SafetyFlag.patient_id)
    ):
        facts[pid].open_flags = count
    for (pid,) in db.session.execute(
        select(Screening.patient_id).distinct().where(Screening.patient_id.in_(ids), _uncleared_yes())
    ):
        facts[pid].contraindication = True


def _uncleared_yes():
    """SQL: a screening with any "yes" no clinician has cleared (the schedule feature's booking gate:
    any such screening blocks ketamine, not only the latest)."""
    return and_(Screening.cleared_at.is_(None), or_(*[getattr(Screening, name).is_(True) for name in CONDITION_KEYS]))


def summaries(patients_stmt: Select) -> list[PatientSummary]:
    """Summaries of every patient `patients_stmt` (a SELECT of Users) returns, in its order.

    Eight queries in all (patients, settings, sessions, scores, check-ins twice, flags, screenings).
    """
    patients = db.session.scalars(patients_stmt).all()
    if not patients:
        return []
    ids = patients_stmt.with_only_columns(User.id).order_by(None)
    settings = clinic_settings()
    now = clock.utcnow()
    facts = {p.id: _Facts() for p in patients}
    _load_sessions(facts, ids, now)
    _load_scores(facts, ids)
    _load_care(facts, ids, now)
    return [summarise(p, facts[p.id], settings, now) for p in patients]


def summarise(patient: User, f: _Facts, settings: ClinicSettings, now: dt.datetime) -> PatientSummary:
    """One patient's summary from plain values: the domain's verdict plus what the caseload shows."""
    tz = patient.timezone
    outcome = outcomes.patient_outcome(f.phq9, f.ketamine, now=now, tz=tz, booked=f.booked,
                                       series_length=settings.series_length)
    first = min(f.ketamine, default=None)
    today = clock.local_today(patient, now)
    return PatientSummary(
        patient=patient,
        outcome=outcome,
        baseline=outcomes.series_baseline(f.phq9, first, tz=tz) if first else None,
        latest=f.phq9[-1] if f.phq9 else None,
        gad7=f.latest.get("gad7"),
        pcl5=f.latest.get("pcl5"),
        pcl5_cutpoint=settings.pcl5_cutpoint,
        next_session=f.next_session,
        last_checkin=f.last_checkin,
        days_since_checkin=(today - f.last_checkin).days if f.last_checkin else None,
        open_flags=f.open_flags,
        contraindication=f.contraindication,
        spark=[p.value for p in f.phq9[-SPARK_POINTS:]],
        first_checkin=f.first_checkin,
        recent_checkins=f.recent_checkins,
    )


# --- Caseload ----------------------------------------------------------------------------------------
FILTERS: dict[str, tuple[str, Callable[[PatientSummary], bool]]] = {
    "all": ("All", lambda s: True),
    "flags": ("Open flags", lambda s: s.open_flags > 0),
    "relapsing": ("Relapsing", lambda s: s.relapsing),
    "not_improving": ("Not improving", lambda s: s.not_improving),
    "inactive": ("No check-in 3+ days", lambda s: s.inactive),
    "responding": ("Response held", lambda s: s.responding),
}


def caseload(user: User) -> list[PatientSummary]:
    """The clinician's caseload, most in need first (`outcomes.need_key`), then by name."""
    return stored_summaries(user)


PER_PAGE = 50
_R = PatientSummaryRow


def _filters(now: dt.datetime) -> dict:
    """SQL for each of FILTERS, on the stored summaries (same meaning, row for row)."""
    return {
        "all": true(),
        "flags": _R.open_flags > 0,
        "relapsing": _R.state == "relapse",
        "not_improving": _R.not_improving,
        "inactive": or_(_R.inactive_from.is_(None), _R.inactive_from <= now),
        "responding": _R.state.in_(("response", "remission")),
    }


def refresh_due(user: User) -> None:
    """Recompute (and commit) the stored summaries of `user`'s patients that time has made stale or
    that have none yet. One query when there are none (the usual case)."""
    ids = visible_patients(user).with_only_columns(User.id).order_by(None)
    due = db.session.scalars(
        select(User.id).outerjoin(_R, _R.patient_id == User.id)
        .where(User.id.in_(ids), or_(_R.patient_id.is_(None), _R.refresh_at <= clock.utcnow()))
    ).all()
    if due:
        store.refresh(due)
        db.session.commit()


def _stored(user: User) -> Select:
    return (visible_patients(user).add_columns(_R).join(_R, _R.patient_id == User.id)
            .order_by(_R.need_flag, _R.need_group, _R.need_severity, User.display_name, User.id))


def caseload_page(user: User, show: str, page: int | None = None) -> tuple[Page, dict[str, int]]:
    """One page (PER_PAGE) of the caseload, most in need first, filtered by `show`, and each filter's
    count: three queries whatever the caseload's size (stale rows are recomputed first)."""
    refresh_due(user)
    now = clock.utcnow()
    filters = _filters(now)
    counted = _stored(user).order_by(None).with_only_columns(
        *[func.coalesce(func.sum(case((cond, 1), else_=0)), 0) for cond in filters.values()])
    counts = dict(zip(filters, db.session.execute(counted).one(), strict=True))
    result = paginate(_stored(user).where(filters[show]), per_page=PER_PAGE, page=page, scalars=False)
    settings = clinic_settings()
    result.items = [store.summary_of(p, row, settings, now) for p, row in result.items]
    return result, counts


def stored_summaries(user: User) -> list[PatientSummary]:
    """Every visible patient's stored summary, most in need first (one query once fresh)."""
    refresh_due(user)
    now, settings = clock.utcnow(), clinic_settings()
    return [store.summary_of(p, row, settings, now) for p, row in db.session.execute(_stored(user))]


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
    """Everything the per-patient dashboard and the progress page draw: five queries plus settings."""
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
    facts = _Facts(
        phq9=[Point(a.recorded_at, a.total) for a in assessments.get("phq9", [])],
        latest={key: Point(rows[-1].recorded_at, rows[-1].total) for key, rows in assessments.items() if key != "phq9"},
        ketamine=[s.starts_at for s in sessions if s.kind == "ketamine" and s.status == "completed"],
        booked=[s.starts_at for s in sessions if s.kind == "ketamine" and s.status == "scheduled" and s.starts_at > now],
        next_session=next((s.starts_at for s in sessions if s.status == "scheduled" and s.starts_at > now), None),
        last_checkin=mood[-1][0] if mood else None,
        first_checkin=mood[0][0] if mood else None,
        recent_checkins=recent_mask(mood[-1][0], [day for day, _ in mood[-store.RECENT_BITS:]]) if mood else 0,
        open_flags=sum(1 for f in flags if f.is_open),
    )
    _load_care_of_one(facts, patient.id)
    summary = summarise(patient, facts, clinic_settings(), now)
    return History(patient, summary, assessments, mood, list(sessions), list(flags))



def record_version(patient_id: int) -> tuple | None:
    """(summary computed_at, summary refresh_at, newest check-in id, open flags) of a patient, or None
    without a stored summary: what the patient page's record rests on changes exactly when this does
    (every write but a new check-in recomputes the summary; a new check-in has a new id). One query."""
    newest = select(func.max(CheckIn.id)).where(CheckIn.patient_id == patient_id).scalar_subquery()
    row = db.session.execute(
        select(PatientSummaryRow.computed_at, PatientSummaryRow.refresh_at, newest, PatientSummaryRow.open_flags)
        .where(PatientSummaryRow.patient_id == patient_id)
    ).first()
    return tuple(row) if row else None


def _load_care_of_one(f: _Facts, patient_id: int) -> None:
    """Whether one patient has an uncleared contraindication. One query."""
    f.contraindication = db.session.scalar(
        select(func.count()).select_from(Screening).where(Screening.patient_id == patient_id, _uncleared_yes())
    ) > 0


# --- Clinic overview ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomeGroup:
    """The clinic's outcomes among one indication's patients (`key` None: not recorded)."""

    key: str | None
    title: str
    patients: int
    outcomes: ClinicOutcomes


@dataclass
class Overview:
    patients: int
    outcomes: ClinicOutcomes  # every patient; rules in outcomes.clinic_outcomes
    by_indication: list[OutcomeGroup]  # only indications with patients
    adherence_pct: float | None
    checkin_days: int
    patient_days: int
    weeks: list[tuple[dt.date, dict[str, int]]]  # Monday -> completed sessions by kind


def overview(user: User) -> Overview:
    """Clinic outcomes for an admin, reported like a paper (eligible n, Wilson intervals, exclusions,
    by indication), check-in adherence and sessions a week: SQL aggregates over the stored summaries
    and the check-in and session tables, the same few queries at any clinic size (issue #16 item 2)."""
    refresh_due(user)
    today = clock.local_today(clinic_settings())  # the clinic's own day
    ids = visible_patients(user).with_only_columns(User.id).order_by(None)
    groups = _outcome_counts(ids)
    checkin_days, patient_days = _adherence(ids, today)
    clinic = _merged(groups.values())
    return Overview(
        patients=clinic.patients,
        outcomes=outcomes.counted_outcomes(clinic),
        by_indication=by_indication(groups),
        adherence_pct=outcomes.rate(checkin_days, patient_days),
        checkin_days=checkin_days,
        patient_days=patient_days,
        weeks=_sessions_per_week(ids, today),
    )


def _outcome_counts(ids: Select) -> dict[str | None, outcomes.OutcomeCounts]:
    """Each indication's `OutcomeCounts` (None: not recorded) from the stored summaries. Two GROUP BY
    queries: exclusions with the eligible patients' post-series results, then days to relapse."""
    r, counted = _R, (_R.report_exclusion.is_(None), _R.post_assessed.is_(True))
    by_exclusion: dict[str | None, dict] = {}
    for indication, exclusion, n, assessed, response, remission in db.session.execute(
        select(User.indication, r.report_exclusion, func.count(), *[
            func.coalesce(func.sum(case((and_(*counted, cond), 1), else_=0)), 0)
            for cond in (true(), r.response.is_(True), r.remission.is_(True))])
        .join(r, r.patient_id == User.id).where(User.id.in_(ids)).group_by(User.indication, r.report_exclusion)
    ):
        group = by_exclusion.setdefault(indication, {"excluded": {}, "relapse_days": {}})
        if exclusion is None:
            group.update(eligible=n, assessed=assessed, response=response, remission=remission)
        else:
            group["excluded"][exclusion] = n
    for indication, days, n in db.session.execute(
        select(User.indication, r.days_to_relapse, func.count()).join(r, r.patient_id == User.id)
        .where(User.id.in_(ids), r.report_exclusion.is_(None), r.days_to_relapse.is_not(None))
        .group_by(User.indication, r.days_to_relapse)
    ):
        by_exclusion[indication]["relapse_days"][days] = n
    return {key: outcomes.OutcomeCounts(**values) for key, values in by_exclusion.items()}


def _merged(groups) -> outcomes.OutcomeCounts:
    """The sum of several groups' counts (the whole clinic from its indications)."""
    total: dict = {"eligible": 0, "assessed": 0, "response": 0, "remission": 0, "excluded": {}, "relapse_days": {}}
    for g in groups:
        for name in ("eligible", "assessed", "response", "remission"):
            total[name] += getattr(g, name)
        for name in ("excluded", "relapse_days"):
            for key, n in getattr(g, name).items():
                total[name][key] = total[name].get(key, 0) + n
    return outcomes.OutcomeCounts(**total)


def by_indication(groups: dict[str | None, outcomes.OutcomeCounts]) -> list[OutcomeGroup]:
    """Clinic outcomes per indication (vocabulary order, then "not recorded"), skipping empty ones."""
    result = []
    for key, title in [(i.key, i.title) for i in INDICATIONS] + [(None, "Not recorded")]:
        counts = groups.get(key)
        if counts and counts.patients:
            result.append(OutcomeGroup(key, title, counts.patients, outcomes.counted_outcomes(counts)))
    return result


# How many rows have each bit of recent_checkins set: plain SQL text (the same on SQLite and PostgreSQL),
# since 31 expression trees cost more to key for SQLAlchemy's statement cache than the query takes.
_BIT_SUMS = [literal_column(f"coalesce(sum((patient_summaries.recent_checkins >> {i}) & 1), 0)", Integer)
             for i in range(store.RECENT_BITS)]


def _adherence(ids: Select, today: dt.date) -> tuple[int, int]:
    """(days with a check-in, patient-days) over the last ADHERENCE_DAYS days. Two queries over the
    stored summaries, never the check-ins (issue #16 item 2).

    Days with a check-in: each row's `recent_checkins` bits, summed bit by bit per last check-in day
    (so at most ~31 rows answer), then the bits inside the window counted here.
    Patient-days: each patient counts from the day they joined (account made, or first check-in
    if that is earlier, e.g. imported history; stored as patient_summaries.joined_on), at most
    ADHERENCE_DAYS days. Counted by join day, so the second query answers at most 31 rows.
    """
    since = today - dt.timedelta(days=ADHERENCE_DAYS - 1)
    checkin_days = 0
    for last, *bits in db.session.execute(
        select(_R.last_checkin, *_BIT_SUMS).where(_R.patient_id.in_(ids), _R.last_checkin >= since).group_by(_R.last_checkin)
    ):
        last = last if isinstance(last, dt.date) else dt.date.fromisoformat(last)
        checkin_days += sum(n for i, n in enumerate(bits) if since <= last - dt.timedelta(days=i) <= today)
    counted = select(type_coerce(case((_R.joined_on < since, since), else_=_R.joined_on), Date).label("day")).where(
        _R.patient_id.in_(ids), _R.joined_on <= today).subquery()
    patient_days = 0
    for day, n in db.session.execute(select(counted.c.day, func.count()).group_by(counted.c.day)):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        patient_days += n * ((today - day).days + 1)
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
