"""The dashboard feature's JSON shapes (CONTRACT.md), written once: the API answers with these."""
from __future__ import annotations

import datetime as dt

from katapp import clock
from katapp.dashboard.services import PatientSummary
from katapp.domain.outcomes import Point


def _whole(value: float | None) -> int | float | None:
    """A score as JSON: whole numbers without ".0"."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _pct(pct: float | None) -> float | None:
    return round(pct, 1) if pct is not None else None


def _latest(patient, point: Point | None) -> dict | None:
    """A questionnaire's latest total and its date in the patient's zone, or None."""
    if point is None:
        return None
    return {"total": _whole(point.value), "date": clock.local_day(patient, point.when).isoformat()}


def summary_json(summary: PatientSummary) -> dict:
    """CONTRACT.md's GET /api/v1/patients/<id>/summary answer.

    `response` and `remission` are judged at the post-series assessment: false until there is one.
    """
    o = summary.outcome
    return {
        "patient_id": summary.patient.id,
        "baseline": _whole(o.baseline),
        "baseline_date": _day(o.baseline_date),
        "latest": _whole(o.latest),
        "change_pct": _pct(o.change_pct),
        "post_series": _whole(o.post_series),
        "post_series_date": _day(o.post_series_date),
        "best_change_pct": _pct(o.best_change_pct),
        "response": bool(o.response),
        "remission": bool(o.remission),
        "state": o.state,
        "relapse_date": _day(o.relapse_date),
        "gad7": _latest(summary.patient, summary.gad7),
        "pcl5": _latest(summary.patient, summary.pcl5),
        "sessions_completed": o.sessions_completed,
        "last_checkin": _day(summary.last_checkin),
        "open_flags": summary.open_flags,
    }


def patient_json(patient) -> dict:
    """One row of GET /api/v1/patients."""
    return {"id": patient.id, "email": patient.email, "display_name": patient.display_name}
