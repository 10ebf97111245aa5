"""Check-ins, questionnaires, due logic and safety flags: the rules live here once.

The check-in page, the questionnaire pages and the JSON API all call `record_checkin` /
`record_assessment`, so validation, idempotency (one `client_id` per patient, decided by the
database's unique constraint) and safety flags behave the same everywhere. Services commit.
Clinical rules: /work/shared/clinical/instruments.md.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager

from katapp import clock, summary_marks, sync
from katapp import flag_review as review
from katapp.alerts import enqueue_flag_alert
from katapp.clinic import clinic_settings
from katapp.domain import gate, instruments, scheduling
from katapp.domain.vocabulary import QUESTIONNAIRES
from katapp.errors import Conflict, Invalid, NotAllowed
from katapp.extensions import db
from katapp.models import (
    INDEX_EVENT_MAX,
    INSTRUMENT_DEFAULTS,
    INSTRUMENT_KEYS,
    Assessment,
    CheckIn,
    InstrumentPlan,
    OutboxEmail,
    SafetyFlag,
    TherapySession,
    User,
)
from katapp.security import audit, visible_patient_ids

CHECKIN_FIELDS = frozenset(
    {"client_id", "recorded_at", "mood", "anxiety", "energy", "pain", "sleep_hours", "self_harm_thoughts", "note"}
)
ASSESSMENT_FIELDS = frozenset({"client_id", "recorded_at", "instrument", "answers", "difficulty", "index_event"})
SCALES = ("mood", "anxiety", "energy", "pain")  # 0-10 numeric rating scales
ANSWERS = (*SCALES, "sleep_hours", "self_harm_thoughts", "note")  # what a check-in records (and an edit changes)
NOTE_MAX = 2000
FUTURE_SLACK = dt.timedelta(minutes=10)  # a phone's clock may run a little fast
CHECKIN_FLAG_REASON = "Answered yes to the daily safety question (thoughts of harming themselves)"


@dataclass
class Saved:
    """What a write returns: the stored object and whether this request created it."""

    obj: Any
    created: bool


@dataclass(frozen=True)
class Due:
    instrument: str
    title: str
    reason: str  # for the care team: why it is due
    when: str = "due today"  # for the patient: "due today", "overdue since Thu 3 Dec", "before your session on ..."
    overdue: bool = False

    @property
    def label(self) -> str:
        """"Depression check (PHQ-9)"."""
        return f"{QUESTIONNAIRES[self.instrument].name} ({self.title})"

    @property
    def minutes(self) -> int:
        return QUESTIONNAIRES[self.instrument].minutes


@dataclass(frozen=True)
class NextDue:
    """A questionnaire that is not due yet, and the local day it will be."""

    instrument: str
    label: str
    day: dt.date


# --- Validation (strict: bools are not ints, floats are not ints, strings are not numbers) -------------
def _client_id(value: Any, errors: dict[str, str]) -> str | None:
    try:
        return sync.client_id(value)
    except ValueError as exc:
        errors["client_id"] = str(exc)
        return None


def _recorded_at(value: Any, errors: dict[str, str], now: dt.datetime) -> dt.datetime | None:
    """An aware UTC datetime from ISO 8601 text with an offset; "now" when absent or empty."""
    if value is None or value == "":
        return now
    try:
        moment = sync.aware_utc(value)
    except ValueError as exc:
        errors["recorded_at"] = str(exc)
        return None
    if moment > now + FUTURE_SLACK:
        errors["recorded_at"] = "is in the future"
        return None
    if moment.year < 2000:
        errors["recorded_at"] = "is too far in the past"
        return None
    return moment


def _int_0_10(name: str, value: Any, errors: dict[str, str], required: bool = False) -> int | None:
    if value is None:
        if required:
            errors[name] = "required: a whole number from 0 to 10"
        return None
    if type(value) is not int or not 0 <= value <= 10:
        errors[name] = "must be a whole number from 0 to 10"
        return None
    return value


def validate_checkin(data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Cleaned check-in values; Invalid (400) naming every bad field. Unknown fields are refused."""
    errors: dict[str, str] = {name: "unknown field" for name in sorted(set(data) - CHECKIN_FIELDS)}
    clean: dict[str, Any] = {
        "client_id": _client_id(data.get("client_id"), errors),
        "recorded_at": _recorded_at(data.get("recorded_at"), errors, now),
    }
    for name in SCALES:
        clean[name] = _int_0_10(name, data.get(name), errors, required=name == "mood")
    sleep = data.get("sleep_hours")
    if sleep is not None and (
        type(sleep) not in (int, float) or not math.isfinite(sleep) or not 0 <= sleep <= 24
    ):
        errors["sleep_hours"] = "must be a number of hours from 0 to 24"
    clean["sleep_hours"] = float(sleep) if sleep is not None and "sleep_hours" not in errors else None
    harm = data.get("self_harm_thoughts")
    if harm is not None and type(harm) is not bool:
        errors["self_harm_thoughts"] = "must be true or false"
    clean["self_harm_thoughts"] = harm  # None: not answered (stored as null, never as "no")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        errors["note"] = "must be text"
    elif note is not None and len(note) > NOTE_MAX:
        errors["note"] = f"must be at most {NOTE_MAX} characters ({len(note)} given)"
    clean["note"] = (note.strip() or None) if isinstance(note, str) and "note" not in errors else None
    if errors:
        raise Invalid("invalid check-in", errors)
    clean["recorded_at_given"] = data.get("recorded_at") not in (None, "")
    return clean


def validate_assessment(data: dict[str, Any], now: dt.datetime) -> tuple[dict[str, Any], instruments.Score]:
    """Cleaned values and the score; Invalid (400) naming every bad field (answers[i] included)."""
    errors: dict[str, str] = {name: "unknown field" for name in sorted(set(data) - ASSESSMENT_FIELDS)}
    clean = {
        "client_id": _client_id(data.get("client_id"), errors),
        "recorded_at": _recorded_at(data.get("recorded_at"), errors, now),
        "instrument": data.get("instrument"),
        "answers": data.get("answers"),
        "recorded_at_given": data.get("recorded_at") not in (None, ""),
    }
    result = None
    try:
        # The clinic's cut-point matters to the PCL-5 only: the other instruments need no settings read.
        cutpoint = clinic_settings().pcl5_cutpoint if clean["instrument"] == "pcl5" else instruments.PCL5_DEFAULT_CUTPOINT
        result = instruments.score(clean["instrument"], clean["answers"], pcl5_cutpoint=cutpoint)
    except instruments.ScoreError as exc:
        errors.update(exc.fields)
    clean["difficulty"] = _difficulty(clean["instrument"], data.get("difficulty"), errors)
    clean["index_event"] = _index_event(clean["instrument"], data.get("index_event"), errors)
    if errors or result is None:
        raise Invalid("invalid questionnaire", errors)
    clean["answers"] = list(clean["answers"])
    return clean, result


def _difficulty(instrument: Any, value: Any, errors: dict[str, str]) -> int | None:
    """The optional unscored "how difficult" answer (0-3), asked by PHQ-9 and GAD-7 only."""
    if value is None:
        return None
    inst = instruments.INSTRUMENTS.get(instrument) if isinstance(instrument, str) else None
    if inst is not None and inst.extra is None:
        errors["difficulty"] = f"{inst.short_title} does not ask this question"
    elif type(value) is not int or not 0 <= value <= 3:
        errors["difficulty"] = "must be a whole number from 0 to 3"
    return value if "difficulty" not in errors else None


def _index_event(instrument: Any, value: Any, errors: dict[str, str]) -> str | None:
    """The PCL-5's optional index event in the patient's own words (stripped; empty is None)."""
    if value is None:
        return None
    if instrument != "pcl5":
        errors["index_event"] = "only the PCL-5 asks this question"
    elif not isinstance(value, str):
        errors["index_event"] = "must be text"
    elif len(value.strip()) > INDEX_EVENT_MAX:
        errors["index_event"] = f"must be at most {INDEX_EVENT_MAX} characters ({len(value.strip())} given)"
    return (value.strip() or None) if "index_event" not in errors else None


# --- Writes ----------------------------------------------------------------------------------------
def record_checkin(patient: User, data: dict[str, Any], *, now: dt.datetime | None = None) -> Saved:
    """Store a check-in (201) or return the one already stored under its client_id (200).

    Raises Invalid (400; nothing stored) or Conflict (409: client_id reused with another body).
    A "yes" to the safety question raises a SafetyFlag in the same transaction.
    """
    clean = validate_checkin(data, now or clock.utcnow())
    values = {name: clean[name] for name in ANSWERS}

    def same(stored: CheckIn) -> bool:
        if clean["recorded_at_given"] and stored.recorded_at != clean["recorded_at"]:
            return False
        return all(getattr(stored, k) == v for k, v in values.items())

    def build() -> CheckIn:
        row = dict(patient_id=patient.id, client_id=clean["client_id"], recorded_at=clean["recorded_at"],
                   local_date=clock.local_day(patient, clean["recorded_at"]), received_at=clock.utcnow(), **values)
        checkin = CheckIn(id=_insert_checkin(row), **row)  # not in the session: what was stored, for the answer
        summary_marks.checked_in(patient.id, checkin.local_date)
        if checkin.self_harm_thoughts:
            _raise_flag(patient, "checkin", CHECKIN_FLAG_REASON, clean["recorded_at"], checkin_id=checkin.id)
        return checkin

    return _insert_once(CheckIn, patient, clean["client_id"], same, build)


def record_assessment(patient: User, data: dict[str, Any], *, now: dt.datetime | None = None) -> Saved:
    """Score and store a questionnaire (201), or return the stored one for its client_id (200).

    Raises Invalid / Conflict as record_checkin, and NotAllowed (422) for an instrument not
    turned on for the patient (the PCL-5 until a clinician turns it on). PHQ-9 item 9 above 0
    raises a SafetyFlag. The "how difficult" answer is stored beside the answers, never in the total.
    """
    clean, result = validate_assessment(data, now or clock.utcnow())
    if not instrument_plan(patient.id)[clean["instrument"]]:
        title = instruments.INSTRUMENTS[clean["instrument"]].short_title
        raise NotAllowed(f"{title} is not turned on for you", {"instrument": "your care team has not turned it on"})
    extras = {"difficulty": clean["difficulty"], "index_event": clean["index_event"]}

    def same(stored: Assessment) -> bool:
        if clean["recorded_at_given"] and stored.recorded_at != clean["recorded_at"]:
            return False
        return (stored.instrument == clean["instrument"] and list(stored.answers) == clean["answers"]
                and all(getattr(stored, k) == v for k, v in extras.items()))

    def build() -> Assessment:
        assessment = Assessment(
            patient_id=patient.id, client_id=clean["client_id"], instrument=clean["instrument"],
            answers=clean["answers"], total=result.total, severity=result.severity, flags=list(result.flags),
            recorded_at=clean["recorded_at"], local_date=clock.local_day(patient, clean["recorded_at"]), **extras,
        )
        db.session.add(assessment)
        safety = sorted(instruments.SAFETY_FLAGS & set(result.flags))
        if safety:
            db.session.flush()
            _raise_flag(patient, "assessment", _assessment_reason(clean["instrument"], clean["answers"]),
                        clean["recorded_at"], assessment_id=assessment.id)
        return assessment

    return _insert_once(Assessment, patient, clean["client_id"], same, build)


_CHECKIN_INSERT = CheckIn.__table__.insert()


def _insert_checkin(row: dict[str, Any]) -> int:
    """INSERT one check-in row on the session's connection; returns its id. A Core statement, not an ORM
    flush: the unit of work cost a check-in a fifth of its time (issue #16 item 1). The summary is told
    by the caller (summary_marks.checked_in); IntegrityError (a resend's client_id) is raised here."""
    return db.session.connection().execute(_CHECKIN_INSERT, row).inserted_primary_key[0]


def _assessment_reason(key: str, answers: list[int]) -> str:
    inst = instruments.INSTRUMENTS[key]
    if key == "phq9":
        label = next(o.label for o in inst.options if o.value == answers[8])
        return f'PHQ-9 item 9 (thoughts of being better off dead or of self-harm): "{label}"'
    return f"{inst.short_title}: safety answer"


def stored_by_client_id(model, patient_id: int, client_id: str):
    """The patient's object stored under `client_id`, or None."""
    return db.session.scalar(select(model).where(model.patient_id == patient_id, model.client_id == client_id))


def _insert_once(model, patient: User, client_id: str, same, build) -> Saved:
    """Store once per (patient, client_id) (katapp.sync.insert_once); a reused client_id is 409."""
    patient_id = patient.id
    obj, created = sync.insert_once(
        lambda: stored_by_client_id(model, patient_id, client_id), build, same,
        lambda: Conflict("client_id already used for different content", {"client_id": "already used"}))
    return Saved(obj, created)


def _raise_flag(patient: User, source: str, reason: str, answered_at: dt.datetime, **ref: int) -> SafetyFlag:
    """A flag dated when the patient answered (`answered_at`) and when it arrived (now), with its alert
    emails queued in the same transaction (katapp.alerts: the care team, else the on-call list)."""
    flag = SafetyFlag(patient_id=patient.id, source=source, reason=reason[:255], raised_at=clock.utcnow(),
                      answered_at=answered_at, patient=patient, **ref)
    db.session.add(flag)
    db.session.flush()
    enqueue_flag_alert(flag)
    audit("safety_flag.raise", actor=patient, patient_id=patient.id, obj=flag, detail=source)
    return flag


def update_checkin(patient: User, checkin: CheckIn, data: dict[str, Any]) -> CheckIn:
    """Change an own check-in's answers (not its time or client_id); a new "yes" raises a flag."""
    clean = validate_checkin({"recorded_at": None, **data, "client_id": checkin.client_id}, clock.utcnow())
    was_flagged = checkin.self_harm_thoughts
    for name in ANSWERS:
        setattr(checkin, name, clean[name])
    if checkin.self_harm_thoughts and not was_flagged:
        _raise_flag(patient, "checkin", CHECKIN_FLAG_REASON, clock.utcnow(), checkin_id=checkin.id)
    audit("checkin.edit", patient_id=patient.id, obj=checkin)
    db.session.commit()
    return checkin


def delete_checkin(patient: User, checkin: CheckIn) -> None:
    """Delete an own check-in. A safety flag it raised stays (unlinked) for the care team."""
    db.session.execute(
        SafetyFlag.__table__.update().where(SafetyFlag.checkin_id == checkin.id).values(checkin_id=None)
    )
    audit("checkin.delete", patient_id=patient.id, obj=checkin, detail=checkin.local_date.isoformat())
    db.session.execute(delete(CheckIn).where(CheckIn.id == checkin.id, CheckIn.patient_id == patient.id))
    summary_marks.mark(patient.id)
    db.session.commit()


# --- Reads -----------------------------------------------------------------------------------------
def own_checkin(patient: User, checkin_id: int) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.id == checkin_id, CheckIn.patient_id == patient.id))


def own_assessment(patient: User, assessment_id: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.id == assessment_id, Assessment.patient_id == patient.id)
    )


def checkins_on(patient: User, day: dt.date) -> list[CheckIn]:
    return list(db.session.scalars(
        select(CheckIn).where(CheckIn.patient_id == patient.id, CheckIn.local_date == day)
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
    ))


def streak(patient: User, day: dt.date) -> int:
    """Consecutive local days with at least one check-in, ending today (or yesterday, while today
    is still open). One query over distinct days, newest first."""
    days = db.session.scalars(
        select(CheckIn.local_date).where(CheckIn.patient_id == patient.id, CheckIn.local_date <= day)
        .group_by(CheckIn.local_date).order_by(CheckIn.local_date.desc()).limit(3660)
    )
    expected, count = day, 0
    for seen in days:
        if seen == expected:
            count += 1
        elif count == 0 and seen == day - dt.timedelta(days=1):
            count, expected = 1, seen
        else:
            break
        expected = expected - dt.timedelta(days=1)
    return count


def checkins_query(patient: User, start: dt.date | None = None, end: dt.date | None = None):
    """SELECT of the patient's check-ins (local dates inclusive), newest first."""
    query = select(CheckIn).where(CheckIn.patient_id == patient.id)
    if start is not None:
        query = query.where(CheckIn.local_date >= start)
    if end is not None:
        query = query.where(CheckIn.local_date <= end)
    return query.order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())


def history_days_query(patient: User):
    """SELECT of the local days with check-ins, newest first (paginate it, then `checkins_for_days`)."""
    return (select(CheckIn.local_date).where(CheckIn.patient_id == patient.id)
            .group_by(CheckIn.local_date).order_by(CheckIn.local_date.desc()))


def checkins_for_days(patient: User, days: list[dt.date]) -> dict[dt.date, list[CheckIn]]:
    grouped: dict[dt.date, list[CheckIn]] = {day: [] for day in days}
    if days:
        for checkin in db.session.scalars(checkins_query(patient).where(CheckIn.local_date.in_(days))):
            grouped[checkin.local_date].append(checkin)
    return grouped


def parse_day(value: str | None, name: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter, or None when absent; Invalid (400) when malformed."""
    if value in (None, ""):
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and not gate.date_problem(day := dt.date.fromisoformat(value)):
            return day
    except ValueError:
        pass
    raise Invalid("invalid date", {name: "must be a date as YYYY-MM-DD"})


def parse_range(args) -> tuple[dt.date | None, dt.date | None]:
    """The `from` and `to` query dates (each optional, inclusive); Invalid (400) when malformed or reversed."""
    start, end = parse_day(args.get("from"), "from"), parse_day(args.get("to"), "to")
    if start and end and start > end:
        raise Invalid("invalid date range", {"from": "must not be after 'to'"})
    return start, end


# --- Due questionnaires -------------------------------------------------------------------------------
def instrument_plan(patient_id: int) -> dict[str, bool]:
    """{instrument: enabled} for the patient; no stored row means the default (PCL-5 off, the others on)."""
    plan = dict(INSTRUMENT_DEFAULTS)
    for row in db.session.scalars(select(InstrumentPlan).where(InstrumentPlan.patient_id == patient_id)):
        plan[row.instrument] = row.enabled
    return plan


def due_questionnaires(patient: User, day: dt.date | None = None) -> list[Due]:
    return questionnaire_plan(patient, day)[0]


def questionnaire_plan(patient: User, day: dt.date | None = None) -> tuple[list[Due], list[NextDue]]:
    """Questionnaires due for `patient` on local `day` (default today), in display order.

    PHQ-9 / GAD-7 / PCL-5 are due when the last one is at least the clinic's interval old (or
    none yet); the PHQ-9 is also due from two days before a booked ketamine session up to the
    session itself when none was taken in that window, so every session has a fresh pre-dose
    score. Instruments switched off for the patient (the PCL-5 unless turned on) are never due.
    """
    if patient.role != "patient":
        return [], []
    day = day or clock.local_today(patient)
    settings = clinic_settings()
    plan = instrument_plan(patient.id)
    last = dict(db.session.execute(
        select(Assessment.instrument, func.max(Assessment.local_date))
        .where(Assessment.patient_id == patient.id).group_by(Assessment.instrument)
    ).all())
    every = {"phq9": settings.phq9_every_days, "gad7": settings.gad7_every_days, "pcl5": settings.pcl5_every_days}
    due: list[Due] = []
    upcoming: list[NextDue] = []
    for key in INSTRUMENT_KEYS:
        if not plan[key]:
            continue
        inst = instruments.INSTRUMENTS[key]
        taken = last.get(key)
        if taken is None:
            due.append(Due(key, inst.short_title, "Not taken yet"))
        elif (day - taken).days >= every[key]:
            since = taken + dt.timedelta(days=every[key])
            due.append(Due(key, inst.short_title, f"Every {every[key]} days; last taken {taken.strftime('%d %b')}",
                           *((f"overdue since {since.strftime('%a %d %b')}", True) if since < day else ())))
        elif key == "phq9" and (session_day := _pre_session_due(patient, day, taken)) is not None:
            before = f"Before your ketamine session on {session_day.strftime('%a %d %b')}"
            due.append(Due(key, inst.short_title, before, "due today: " + before[0].lower() + before[1:]))
        else:
            upcoming.append(NextDue(key, f"{QUESTIONNAIRES[key].name} ({inst.short_title})",
                                    taken + dt.timedelta(days=every[key])))
    return due, upcoming


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The patient's previous questionnaire of the same kind (by time taken), or None."""
    return db.session.scalar(select(Assessment).where(
        Assessment.patient_id == assessment.patient_id, Assessment.instrument == assessment.instrument,
        (Assessment.recorded_at < assessment.recorded_at)
        | ((Assessment.recorded_at == assessment.recorded_at) & (Assessment.id < assessment.id)),
    ).order_by(Assessment.recorded_at.desc(), Assessment.id.desc()).limit(1))


def compare_with_last(assessment: Assessment, previous: Assessment | None) -> str | None:
    """An honest sentence comparing a total with the previous one: within the questionnaire's
    noise it is "about the same"; otherwise the direction and size, never called progress."""
    if previous is None:
        return None
    words = QUESTIONNAIRES[assessment.instrument]
    change = assessment.total - previous.total
    last = f"last time ({previous.total} on {previous.local_date.strftime('%a %d %b')})"
    if abs(change) < words.noise:
        return (f"About the same as {last}: a change of fewer than {words.noise} points "
                "is within the usual ups and downs of this questionnaire.")
    points = f"{abs(change)} point{'s' if abs(change) != 1 else ''}"
    if change < 0:
        return f"Lower than {last} by {points}: fewer or milder symptoms than then."
    return f"Higher than {last} by {points}: more or stronger symptoms than then."


PRE_SESSION_DAYS = 2  # The pre-session PHQ-9 is due from two days before a ketamine session up to it.


def _pre_session_due(patient: User, day: dt.date, taken: dt.date) -> dt.date | None:
    """The local day of the next booked ketamine session whose pre-session window (its day minus
    PRE_SESSION_DAYS up to its start) is open on `day` with no PHQ-9 `taken` in it, else None."""
    _, end = scheduling.day_bounds_utc(day + dt.timedelta(days=PRE_SESSION_DAYS), patient.timezone)
    start = db.session.scalar(
        select(func.min(TherapySession.starts_at)).where(
            TherapySession.patient_id == patient.id, TherapySession.kind == "ketamine",
            TherapySession.status == "scheduled", TherapySession.starts_at > clock.utcnow(),
            TherapySession.starts_at < end,
        )
    )
    if start is None:
        return None
    session_day = clock.local_day(patient, start)
    return session_day if taken < session_day - dt.timedelta(days=PRE_SESSION_DAYS) else None


def set_instrument_plan(clinician: User, patient: User, enabled: dict[str, bool]) -> list[str]:
    """Store the switches that changed; audit each; return their descriptions."""
    current = instrument_plan(patient.id)
    changes = []
    for key in INSTRUMENT_KEYS:
        if key in enabled and enabled[key] != current[key]:
            row = db.session.get(InstrumentPlan, (patient.id, key))
            if row is None:
                row = InstrumentPlan(patient_id=patient.id, instrument=key)
                db.session.add(row)
            row.enabled, row.changed_by_id, row.changed_at = enabled[key], clinician.id, clock.utcnow()
            change = f"{key} {'on' if enabled[key] else 'off'}"
            audit("instrument_plan.change", patient_id=patient.id, detail=change)
            changes.append(change)
    db.session.commit()
    return changes


# --- Safety flags for clinicians ---------------------------------------------------------------------------
def open_flags_for(user: User) -> list[SafetyFlag]:
    """Open safety flags of the clinician's caseload, newest first, patients loaded (one query)."""
    if not getattr(user, "is_authenticated", False) or user.role != "clinician":
        return []
    return list(db.session.scalars(
        select(SafetyFlag).join(SafetyFlag.patient).options(contains_eager(SafetyFlag.patient))
        .where(SafetyFlag.acknowledged_at.is_(None), SafetyFlag.patient_id.in_(visible_patient_ids(user)))
        .order_by(SafetyFlag.raised_at.desc(), SafetyFlag.id.desc())
    ))


def flag_for_care_team(clinician: User, flag_id: int) -> SafetyFlag | None:
    """The flag if its patient is on `clinician`'s caseload (security.visible_patient_ids), else None."""
    if clinician.role != "clinician":
        return None
    return db.session.scalar(select(SafetyFlag).where(
        SafetyFlag.id == flag_id, SafetyFlag.patient_id.in_(visible_patient_ids(clinician))))


def acknowledge_flag(clinician: User, flag: SafetyFlag, note: str) -> bool:
    """Close an open flag with the clinician's note (audited); False when it was already closed."""
    return review.acknowledge(clinician, flag.patient_id, [flag.id], note) > 0


# --- What the shapes and pages show with a result --------------------------------------------------------
def care_team_told(*, checkin_ids: list[int] = (), assessment_ids: list[int] = ()) -> set[int]:
    """Of the given entries, the ids whose safety flag was sent to a person (an alert email queued
    for a clinician, katapp.alerts.enqueue_flag_alert). One query, whatever the number of ids."""
    if not checkin_ids and not assessment_ids:
        return set()
    told = select(OutboxEmail.id).where(OutboxEmail.flag_id == SafetyFlag.id, OutboxEmail.kind == "flag").exists()
    rows = db.session.execute(select(SafetyFlag.checkin_id, SafetyFlag.assessment_id).where(
        (SafetyFlag.checkin_id.in_(checkin_ids)) | (SafetyFlag.assessment_id.in_(assessment_ids)), told))
    found: set[int] = set()
    for checkin_id, assessment_id in rows:
        found.update(i for i, pool in ((checkin_id, checkin_ids), (assessment_id, assessment_ids)) if i in pool)
    return found


def crisis_help(flags: list[str] | tuple[str, ...]) -> str | None:
    """The clinic's crisis text when `flags` hold a safety flag, else None."""
    return clinic_settings().crisis_text if set(flags) & instruments.SAFETY_FLAGS else None


def checkin_flags(checkin: CheckIn) -> list[str]:
    return ["self_harm"] if checkin.self_harm_thoughts else []


def describe(assessment: Assessment, *, open_flag: bool = False) -> str:
    """The plain-language meaning of a stored questionnaire's score (no reassurance with a flag)."""
    score = instruments.Score(assessment.total, assessment.severity, tuple(assessment.flags or ()))
    return instruments.describe(assessment.instrument, score, open_flag=open_flag)


def has_open_flag(patient: User) -> bool:
    """True while any of the patient's safety flags is unacknowledged."""
    return db.session.scalar(select(SafetyFlag.id).where(
        SafetyFlag.patient_id == patient.id, SafetyFlag.acknowledged_at.is_(None)).limit(1)) is not None


def answer_by_link(link, record):
    """Store an answer given through a reminder's single-use link: the link is used up in the answer's
    own transaction. LinkUsed (409) when it was used meanwhile; a refused answer leaves it unused."""
    from katapp import reminder_links

    if not reminder_links.use(link):
        db.session.rollback()
        raise reminder_links.LinkUsed()
    try:
        saved = record()
    except Exception:
        db.session.rollback()
        raise
    reminder_links.use(link)  # a resend's rollback (insert_once) may have undone the first mark
    db.session.commit()
    return saved
