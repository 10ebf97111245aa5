"""The check-in feature's JSON shapes (CONTRACT.md), written once: the API answers with these.

Times are ISO 8601 in the patient's own zone (katapp.clock); dates are the patient's local day.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from katapp import clock
from katapp.checkins.services import ANSWERS, care_team_told, checkin_flags, crisis_help, describe
from katapp.models import Assessment, CheckIn, User


def _iso(moment: dt.datetime, patient: User) -> str:
    return clock.local_now(patient, moment).isoformat()


def checkin_json(checkin: CheckIn, patient: User, crisis_text: str | None = None,
                 told: set[int] | None = None) -> dict[str, Any]:
    """One check-in. For a list, `crisis_text` (the clinic's) and `told` (the ids whose flag reached a
    person, services.care_team_told) are read once, which saves queries per flagged row.

    `care_team_notified`: for a "yes", whether a clinician was told (what the patient is told must be
    true); None when there was nothing to tell.
    """
    flags = checkin_flags(checkin)
    if flags and crisis_text is None:
        crisis_text = crisis_help(flags)
    if flags and told is None:
        told = care_team_told(checkin_ids=[checkin.id])
    return {
        "id": checkin.id, "client_id": checkin.client_id, "recorded_at": _iso(checkin.recorded_at, patient),
        "local_date": checkin.local_date.isoformat(),
        **{name: getattr(checkin, name) for name in ANSWERS},
        "flags": flags, "crisis_help": crisis_text if flags else None,
        "care_team_notified": checkin.id in told if flags else None,
    }


def assessment_json(assessment: Assessment, patient: User) -> dict[str, Any]:
    """One scored questionnaire, with its plain-language meaning and, for a safety flag, crisis help
    and `care_team_notified` (whether a clinician was told; None without a safety flag).

    `difficulty` is the unscored "how difficult" answer (or null). The PCL-5's index event is not
    echoed: only the care team reads it.
    """
    flags = list(assessment.flags or [])
    crisis_text = crisis_help(flags)
    return {
        "id": assessment.id, "client_id": assessment.client_id, "instrument": assessment.instrument,
        "answers": list(assessment.answers), "difficulty": assessment.difficulty,
        "total": assessment.total, "severity": assessment.severity,
        "flags": flags, "recorded_at": _iso(assessment.recorded_at, patient),
        "local_date": assessment.local_date.isoformat(), "crisis_help": crisis_text,
        "care_team_notified": assessment.id in care_team_told(assessment_ids=[assessment.id]) if crisis_text else None,
        "meaning": describe(assessment),
    }
