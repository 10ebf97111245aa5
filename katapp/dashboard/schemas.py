"""The dashboard feature's JSON shapes (CONTRACT.md), written once: the API answers with these."""
from __future__ import annotations

from katapp.dashboard.services import PatientSummary
from katapp.domain.outcomes import Point


def _whole(point: Point | None) -> int | float | None:
    """A score as JSON: whole numbers without ".0"."""
    if point is None:
        return None
    return int(point.value) if float(point.value).is_integer() else point.value


def summary_json(summary: PatientSummary) -> dict:
    """CONTRACT.md's GET /api/v1/patients/<id>/summary answer."""
    change = summary.change_pct
    return {
        "patient_id": summary.patient.id,
        "baseline": _whole(summary.baseline),
        "latest": _whole(summary.latest),
        "change_pct": round(change, 1) if change is not None else None,
        "response": summary.response,
        "remission": summary.remission,
        "sessions_completed": summary.sessions_completed,
        "last_checkin": summary.last_checkin.isoformat() if summary.last_checkin else None,
        "open_flags": summary.open_flags,
    }


def patient_json(patient) -> dict:
    """One row of GET /api/v1/patients."""
    return {"id": patient.id, "email": patient.email, "display_name": patient.display_name}
