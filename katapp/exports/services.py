"""Exports that let data leave katapp: the patient's own archive (all their records) and the FHIR
R4 Bundle for the care team's EHR. Each is audited; each loads a fixed number of queries."""
from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from katapp.clock import utcnow
from katapp.exports import archive, fhir
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, JournalEntry, SafetyFlag, TherapySession, User
from katapp.security import audit, audit_view, get_patient_or_404

FHIR_MEDIA_TYPE = "application/fhir+json"


def own_records(patient: User) -> Iterator[bytes]:
    """Record the patient's download of their own records and commit, then return the ZIP's bytes
    as a generator (`archive.stream_zip`)."""
    audit("export:own_records", actor=patient, patient_id=patient.id, detail="zip")
    db.session.commit()
    return archive.stream_zip(patient)


def load_record(patient: User) -> fhir.Record:
    """The rows a FHIR export is built from, in six queries whatever the history. Journal entries:
    only those the patient shared (a private entry never leaves for anyone but its author)."""
    pid = patient.id
    return fhir.Record(
        patient=patient,
        assessments=list(db.session.scalars(
            select(Assessment).where(Assessment.patient_id == pid).order_by(Assessment.recorded_at, Assessment.id))),
        checkins=list(db.session.scalars(
            select(CheckIn).where(CheckIn.patient_id == pid).order_by(CheckIn.recorded_at, CheckIn.id))),
        sessions=list(db.session.scalars(
            select(TherapySession).options(joinedload(TherapySession.clinician), selectinload(TherapySession.vitals))
            .where(TherapySession.patient_id == pid).order_by(TherapySession.starts_at, TherapySession.id))),
        flags=list(db.session.scalars(
            select(SafetyFlag).where(SafetyFlag.patient_id == pid).order_by(SafetyFlag.raised_at, SafetyFlag.id))),
        journal=list(db.session.scalars(
            select(JournalEntry).where(JournalEntry.author_id == pid, JournalEntry.shared.is_(True))
            .order_by(JournalEntry.created_at, JournalEntry.id))),
    )


def fhir_export(clinician: User, patient_id: int) -> str:
    """The patient's FHIR R4 Bundle as JSON text, for a clinician on their care team (404 for anyone
    else, missing and foreign alike). Validated against the FHIR models before it leaves; the export
    is audited (the patient sees it under "Who has seen my records")."""
    patient = get_patient_or_404(clinician, patient_id)
    audit_view(patient.id, "fhir", export=True)
    data = fhir.bundle(load_record(patient), utcnow())
    validate(data)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def validate(data: dict) -> None:
    """Raise (pydantic's ValidationError) unless `data` is a valid FHIR Bundle and its resources.

    fhir.resources' default package is FHIR R5; its R4B package models FHIR 4.3, whose Patient,
    Questionnaire(Response), Observation, Encounter, Appointment, MedicationAdministration, Flag and
    DocumentReference are R4's. Imported here: loading the models takes a moment, only exports pay it.
    """
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(data)
