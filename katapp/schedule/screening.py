"""Contraindication screening: record one, list them, clear the positive ones, and the booking gate.

Any "yes" blocks ketamine until a clinician clears it with a note (shared/clinical/instruments.md:
conditions to treat before ketamine). The conditions and their questions are
`domain.vocabulary.SCREENING_CONDITIONS`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload

from katapp.clock import utcnow
from katapp.domain.vocabulary import CONDITION_KEYS
from katapp.errors import Invalid
from katapp.extensions import db
from katapp.models import SafetyFlag, Screening, User
from katapp.security import audit


def contraindication_open(patient_id_column):
    """SQL: the patient has a screening with any "yes" that no clinician has cleared.

    Any uncleared positive screening counts, not only the latest: a later all-"no" screening
    filled by the patient must not lift a flag that a clinician has not reviewed.
    """
    return exists().where(
        Screening.patient_id == patient_id_column,
        Screening.cleared_at.is_(None),
        or_(*[getattr(Screening, name).is_(True) for name in CONDITION_KEYS]),
    )


def has_screening(patient_id_column):
    return exists().where(Screening.patient_id == patient_id_column)


def open_flag(patient_id_column):
    return exists().where(SafetyFlag.patient_id == patient_id_column, SafetyFlag.acknowledged_at.is_(None))


def unsigned(patient_id_column):
    """SQL: the patient has a screening no clinician has signed off (all-"no" ones included)."""
    return exists().where(Screening.patient_id == patient_id_column, Screening.cleared_at.is_(None))


@dataclass
class ScreeningStatus:
    screened: bool
    blocked: bool
    unsigned: bool = False

    @property
    def message(self) -> str | None:
        if self.blocked:
            return "Ketamine cannot be booked: the contraindication screening has a \"yes\" that a clinician has not cleared."
        if not self.screened:
            return "Ketamine cannot be booked: no contraindication screening is on file. Record one first."
        return None


def screening_status(patient_id: int) -> ScreeningStatus:
    row = db.session.execute(
        select(has_screening(patient_id).label("s"), contraindication_open(patient_id).label("b"),
               unsigned(patient_id).label("u"))
    ).one()
    return ScreeningStatus(screened=bool(row.s), blocked=bool(row.b), unsigned=bool(row.u))


def answers_of(form) -> dict[str, bool]:
    """The yes/no answers of a screening form, one per condition."""
    return {name: getattr(form, name).data == "yes" for name in CONDITION_KEYS}


def record_screening(patient: User, recorded_by: User, answers: dict[str, bool], details: str | None) -> Screening:
    """Store a new screening (any "yes" blocks ketamine until cleared) and commit."""
    row = Screening(patient_id=patient.id, recorded_by_id=recorded_by.id, recorded_at=utcnow(),
                    details=(details or "").strip() or None,
                    **{name: bool(answers.get(name)) for name in CONDITION_KEYS})
    db.session.add(row)
    db.session.flush()
    audit("screening_recorded", patient_id=patient.id, obj=row, detail=",".join(row.flags) or "no flags")
    db.session.commit()
    return row


def screenings(patient_id: int, limit: int = 20) -> list[Screening]:
    return list(db.session.scalars(
        select(Screening).options(joinedload(Screening.recorded_by)).where(Screening.patient_id == patient_id)
        .order_by(Screening.recorded_at.desc(), Screening.id.desc()).limit(limit)
    ))


def clear_screenings(clinician: User, patient: User, note: str) -> int:
    """Sign off every screening of the patient not yet signed off, with `note`: a positive one is
    cleared for ketamine, an all-"no" one reviewed (a dose needs the latest signed off). Audited;
    commits. Returns how many were signed off (0: nothing to sign). Invalid(note) without a note.
    """
    note = (note or "").strip()
    if not note:
        raise Invalid("Write a note saying why ketamine is safe to book.",
                      {"note": "Write a note saying why ketamine is safe to book."})
    rows = db.session.scalars(
        select(Screening).where(Screening.patient_id == patient.id, Screening.cleared_at.is_(None))
    ).all()
    now = utcnow()
    for r in rows:
        r.cleared_at, r.cleared_by_id, r.clear_note = now, clinician.id, note
        audit("screening_cleared" if r.flags else "screening_signed_off", patient_id=patient.id, obj=r, detail=note)
    db.session.commit()
    return len(rows)


def last_answers(patient_id: int) -> dict[str, str] | None:
    """The latest screening's answers as the form's "yes"/"no" (the update form starts from them)."""
    latest = screenings(patient_id, 1)
    return {name: "yes" if getattr(latest[0], name) else "no" for name in CONDITION_KEYS} if latest else None
