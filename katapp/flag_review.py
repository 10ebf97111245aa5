"""Staff review of safety flags (#11): what each flag says, grouped by patient, and acknowledging them.

A flag "carries the truth": when the patient answered (the entry's `recorded_at`), when it arrived
(`raised_at`), what was answered, and its age against the clinic's escalation delay. Who may review:
an admin every flag; a clinician their caseload's flags and, when on call, the flags of patients
with no active care-team clinician (the flags that would otherwise reach nobody).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import aliased, contains_eager

from katapp import summary_marks
from katapp.clinic import clinic_settings
from katapp.clock import utcnow
from katapp.domain.instruments import INSTRUMENTS
from katapp.errors import Invalid, NotFound
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, SafetyFlag, User, care_team, on_call
from katapp.security import audit, visible_patient_ids

CHECKIN_ANSWER = "Daily check-in: yes to thoughts of harming yourself"
NOTE_MAX = 2000


@dataclass(frozen=True)
class FlagView:
    flag: SafetyFlag
    answer: str  # what was answered, in words
    answered_at: dt.datetime | None  # the entry's recorded_at (None when the entry was deleted)
    age: dt.timedelta  # since it arrived
    overdue: bool  # open longer than the clinic's escalation delay

    @property
    def arrived_at(self) -> dt.datetime:
        return self.flag.raised_at

    @property
    def age_text(self) -> str:
        return age_words(self.age)


@dataclass
class FlagGroup:
    """One patient's open flags, oldest first."""

    patient: User
    flags: list[FlagView] = field(default_factory=list)
    has_care_team: bool = True  # an active clinician on the patient's care team

    @property
    def ids(self) -> list[int]:
        return [view.flag.id for view in self.flags]

    @property
    def overdue(self) -> bool:
        return any(view.overdue for view in self.flags)

    @property
    def oldest(self) -> FlagView:
        return self.flags[0]


def age_words(age: dt.timedelta) -> str:
    """A flag's age for a glance: "12 min", "3 h" (under two days), "7 days"."""
    minutes = max(int(age.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def answer_words(flag: SafetyFlag, answers: list[int] | None, instrument: str | None, checkin_yes: bool | None) -> str:
    """What the patient answered: "PHQ-9 item 9: Nearly every day", the check-in's "yes", or the stored reason
    when the entry is gone."""
    if flag.source == "assessment" and instrument == "phq9" and answers and len(answers) >= 9:
        label = next((o.label for o in INSTRUMENTS["phq9"].options if o.value == answers[8]), str(answers[8]))
        return f"PHQ-9 item 9: {label}"
    if flag.source == "checkin" and checkin_yes:
        return CHECKIN_ANSWER
    return flag.reason


# --- Who may review which flags ------------------------------------------------------------------------
def _without_active_clinician() -> Select:
    clinician = aliased(User)
    team = exists().where(care_team.c.patient_id == User.id, care_team.c.clinician_id == clinician.id,
                          clinician.role == "clinician", clinician.active.is_(True))
    return select(User.id).where(User.role == "patient", ~team)


def reviewable_patient_ids(user: User) -> Select:
    """A SELECT of the patient ids whose flags `user` may review (see the module docstring)."""
    if user.role != "clinician":
        return visible_patient_ids(user)
    is_on_call = exists().where(on_call.c.clinician_id == user.id)
    return visible_patient_ids(user).union(_without_active_clinician().where(is_on_call))


def _has_team() -> object:
    clinician = aliased(User)
    return (exists().where(care_team.c.patient_id == SafetyFlag.patient_id, care_team.c.clinician_id == clinician.id,
                           clinician.role == "clinician", clinician.active.is_(True))
            .correlate(SafetyFlag).label("has_team"))


# --- Reading ---------------------------------------------------------------------------------------------
def open_flag_groups(user: User, patient_id: int | None = None, now: dt.datetime | None = None) -> list[FlagGroup]:
    """The open flags `user` may review (of one patient when `patient_id` is given), grouped by patient,
    the group with the oldest flag first. Three queries however many flags (settings, flags, entries)."""
    if not getattr(user, "is_authenticated", False) or user.role not in ("clinician", "admin"):
        return []
    now = now or utcnow()
    hours = clinic_settings().escalation_hours
    query = (select(SafetyFlag, _has_team(), Assessment.instrument, Assessment.answers, Assessment.recorded_at,
                    CheckIn.self_harm_thoughts, CheckIn.recorded_at)
             .join(SafetyFlag.patient).options(contains_eager(SafetyFlag.patient))
             .outerjoin(Assessment, Assessment.id == SafetyFlag.assessment_id)
             .outerjoin(CheckIn, CheckIn.id == SafetyFlag.checkin_id)
             .where(SafetyFlag.acknowledged_at.is_(None), SafetyFlag.patient_id.in_(reviewable_patient_ids(user)))
             .order_by(SafetyFlag.raised_at, SafetyFlag.id))
    if patient_id is not None:
        query = query.where(SafetyFlag.patient_id == patient_id)
    groups: dict[int, FlagGroup] = {}
    for flag, team, instrument, answers, assessed_at, yes, checked_at in db.session.execute(query):
        age = now - flag.raised_at
        view = FlagView(flag, answer_words(flag, answers, instrument, yes), assessed_at or checked_at, age,
                        age >= dt.timedelta(hours=hours))
        groups.setdefault(flag.patient_id, FlagGroup(flag.patient, has_care_team=bool(team))).flags.append(view)
    return list(groups.values())


def patient_flag_group(user: User, patient_id: int) -> FlagGroup | None:
    """One patient's open flags that `user` may review, or None when none is open (all acknowledged).

    Raises NotFound when the patient is not one `user` may review: missing and foreign alike.
    """
    reviewable = db.session.scalar(select(User.id).where(User.id == patient_id,
                                                         User.id.in_(reviewable_patient_ids(user))))
    if reviewable is None:
        raise NotFound("no such patient")
    return next(iter(open_flag_groups(user, patient_id)), None)


# --- Acknowledging ---------------------------------------------------------------------------------------
def acknowledge(user: User, patient_id: int, flag_ids: list[int], note: str, now: dt.datetime | None = None) -> int:
    """Close some of one patient's flags with one note, in one transaction, audited per flag. Commits.

    Returns how many were still open (0: somebody acknowledged them first). Raises Invalid without a
    note or a flag; NotFound when a flag is not that patient's or not one `user` may review.
    """
    note, ids = (note or "").strip(), sorted(set(flag_ids or []))
    Invalid.check({**({} if note else {"note": "Write what you did or decided."}),
                   **({} if ids else {"flag_ids": "Choose at least one flag."}),
                   **({"note": f"Keep the note under {NOTE_MAX} characters."} if len(note) > NOTE_MAX else {})},
                  "a note and at least one flag are required")
    found = db.session.scalars(select(SafetyFlag.id).where(
        SafetyFlag.id.in_(ids), SafetyFlag.patient_id == patient_id,
        SafetyFlag.patient_id.in_(reviewable_patient_ids(user)))).all()
    if len(found) != len(ids):
        raise NotFound()
    closed = db.session.execute(
        update(SafetyFlag).where(SafetyFlag.id.in_(ids), SafetyFlag.acknowledged_at.is_(None))
        .values(acknowledged_at=now or utcnow(), acknowledged_by_id=user.id, note=note)
        .returning(SafetyFlag.id), execution_options={"synchronize_session": False}).scalars().all()
    summary_marks.mark(patient_id)
    for flag_id in closed:
        audit("safety_flag.acknowledge", actor=user, patient_id=patient_id, obj=_Ref(flag_id))
    db.session.commit()
    db.session.expire_all()
    return len(closed)


@dataclass(frozen=True)
class _Ref:
    """Stands for a flag in the audit log without loading it."""

    id: int
    __tablename__ = SafetyFlag.__tablename__
