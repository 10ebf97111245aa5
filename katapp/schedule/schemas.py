"""The schedule's JSON shapes (CONTRACT.md), in one place."""
from __future__ import annotations

from katapp.clock import local_day
from katapp.models import TherapySession
from katapp.schedule.booking import bp_text


def session_json(s: TherapySession, viewer) -> dict:
    """A session as the API answers it; times in UTC with offset, `local_date` in the patient's zone.

    Ketamine sessions add their record (dose, route, blood pressures); staff also see the notes.
    """
    data = {
        "id": s.id, "patient_id": s.patient_id, "clinician_id": s.clinician_id, "kind": s.kind, "status": s.status,
        "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
        "duration_minutes": s.duration_minutes, "series_id": s.series_id,
        "local_date": local_day(s.patient, s.starts_at).isoformat(),
        "completed_at": s.completed_at.isoformat() if s.completed_at else None,
    }
    if s.kind == "ketamine":
        data.update(dose_mg=s.dose_mg, route=s.route,
                    bp_before=bp_text(s.bp_before_systolic, s.bp_before_diastolic),
                    bp_after=bp_text(s.bp_after_systolic, s.bp_after_diastolic),
                    bp_warning_confirmed=bool(s.bp_warning_confirmed))
    if not viewer.is_patient:
        data["notes"] = s.notes
    return data
