"""The caseload as CSV (issue #17 item 7): the caseload page's columns, one row per patient, most in
need first, for a clinician's own records or a team meeting. Cells go through `katapp.csvcells`."""
from __future__ import annotations

from collections.abc import Iterator

from katapp import clock, csvcells
from katapp.dashboard.services import PatientSummary
from katapp.dashboard.views import STATE_LABELS

COLUMNS = ("name", "email", "state", "summary", "phq9_latest", "phq9_severity", "phq9_latest_date",
           "phq9_baseline", "phq9_baseline_date", "change_from_baseline_pct", "sessions_completed",
           "next_session", "last_checkin", "days_since_checkin", "open_flags", "contraindication",
           "gad7_latest", "gad7_date", "pcl5_latest", "pcl5_date", "markers")


def _day(s: PatientSummary, point) -> str | None:
    return clock.local_day(s.patient, point.when).isoformat() if point else None


def row(s: PatientSummary) -> tuple:
    """One patient's cells, in COLUMNS order. Dates are days in the patient's own zone; the next
    session is its start with the patient's UTC offset."""
    return (
        s.patient.display_name, s.patient.email, STATE_LABELS[s.state][0], s.sentence,
        int(s.latest.value) if s.latest else None, s.severity, _day(s, s.latest),
        int(s.baseline.value) if s.baseline else None, _day(s, s.baseline),
        round(s.change_pct) if s.change_pct is not None else None, s.sessions_completed,
        clock.local_now(s.patient, s.next_session).isoformat(timespec="minutes") if s.next_session else None,
        s.last_checkin, s.days_since_checkin, s.open_flags, s.contraindication,
        int(s.gad7.value) if s.gad7 else None, _day(s, s.gad7),
        int(s.pcl5.value) if s.pcl5 else None, _day(s, s.pcl5),
        "; ".join(chip.text for chip in s.chips),
    )


def chunks(rows: list[PatientSummary]) -> Iterator[str]:
    return csvcells.chunks(COLUMNS, (row(s) for s in rows))
