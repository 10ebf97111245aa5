"""The schedule's JSON shapes (CONTRACT.md), in one place."""
from __future__ import annotations

from katapp.clock import local_day
from katapp.domain import dosing
from katapp.models import TherapySession
from katapp.schedule import dosing_day
from katapp.schedule.booking import bp_text


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def session_json(s: TherapySession, viewer) -> dict:
    """A session as the API lists it; times in UTC with offset, `local_date` in the patient's zone.

    Ketamine sessions add their dose (dose, route, pre-dose BP, weight); staff also see the notes.
    No related rows are read, so a list costs the same queries whatever its length.
    """
    data = {
        "id": s.id, "patient_id": s.patient_id, "clinician_id": s.clinician_id, "kind": s.kind, "status": s.status,
        "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
        "duration_minutes": s.duration_minutes, "series_id": s.series_id,
        "local_date": local_day(s.patient, s.starts_at).isoformat(),
        "completed_at": _iso(s.completed_at),
    }
    if s.kind == "ketamine":
        data.update(dose_mg=s.dose_mg, route=s.route, weight_kg=s.weight_kg, dosed_at=_iso(s.dosed_at),
                    bp_before=bp_text(s.bp_before_systolic, s.bp_before_diastolic),
                    bp_after=bp_text(s.bp_after_systolic, s.bp_after_diastolic),
                    bp_warning_confirmed=bool(s.bp_warning_confirmed))
    if not viewer.is_patient:
        data["notes"] = s.notes
    return data


def session_detail_json(s: TherapySession, viewer) -> dict:
    """`GET /api/v1/sessions/<id>`: the session and, for ketamine, its dosing day: `predose`
    (the record and, until dosed, the checks failing now), `dose`, `vitals`, `adverse_events`
    and `discharge` (the checks failing now while under observation)."""
    data = session_json(s, viewer)
    if s.kind != "ketamine":
        return data
    record = dosing_day.record_of(s)  # the labels each checklist was ticked against
    data["predose"] = {
        "weight_kg": s.weight_kg, "bp": bp_text(s.bp_before_systolic, s.bp_before_diastolic),
        "bp_at": _iso(s.predose_bp_at), "checklist": list(s.predose_ticked or []),
        "checklist_labels": list(record.predose_items),
        "pregnancy_possible": bool(s.pregnancy_possible), "override_reason": s.bp_override_reason,
        "failing": dosing.as_fields(dosing_day.predose_checks(s)) if s.status in ("scheduled", "checked_in") else {},
    }
    ratio = dosing.mg_per_kg(s.dose_mg, s.weight_kg) if s.dose_mg and s.weight_kg else None
    data["dose"] = {"dose_mg": s.dose_mg, "route": s.route, "mg_per_kg": round(ratio, 3) if ratio else None,
                    "reason": s.dose_reason, "started_at": _iso(s.dosed_at),
                    "infusion_ended_at": _iso(s.infusion_ended_at)}
    data["vitals"] = [vital_json(v) for v in s.vitals]
    data["adverse_events"] = [{"id": e.id, "at": _iso(e.at), "severity": e.severity, "description": e.description}
                              for e in s.adverse_events]
    data["discharge"] = {
        "checklist": list(s.discharge_ticked or []), "checklist_labels": list(record.discharge_items),
        "discharged_at": _iso(s.completed_at) if s.dosed_at else None,
        "failing": dosing.as_fields(dosing_day.discharge_checks(s, s.discharge_ticked or ()))
        if s.status == "dosed" else {},
    }
    return data


def vital_json(v) -> dict:
    return {"id": v.id, "at": _iso(v.at), "bp": bp_text(v.systolic, v.diastolic), "heart_rate": v.heart_rate,
            "spo2": v.spo2, "moaas": int(v.moaas) if v.moaas is not None else None, "dissociation": v.dissociation,
            "nausea": v.nausea, "vomiting": v.vomiting, "action_note": v.action_note}
