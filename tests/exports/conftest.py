"""Fixtures for the export tests: one patient with a bit of every kind of record, and a bulk maker
of long histories (for the constant query count)."""
from __future__ import annotations

import datetime as dt
import types
import uuid

import pytest

from katapp.clock import local_day, utcnow
from katapp.domain.instruments import score
from katapp.extensions import db
from katapp.models import AdverseEvent, Assessment, CheckIn, JournalEntry, TherapySession, VitalReading

PRIVATE = "private-entry-QX19 only mine"
SHARED = "shared-entry-QX20 for my team"


@pytest.fixture
def full_record(patient, clinician, make_checkin, make_assessment, make_session, make_journal, make_flag,
                make_screening):
    """`patient` with check-ins, PHQ-9 (item 9 = 2), GAD-7, PCL-5, a completed ketamine session with dose,
    vitals and an adverse event, a booked and a cancelled session, a private and a shared journal entry,
    an acknowledged safety flag and a cleared screening. Returns a namespace of the objects."""
    now = utcnow().replace(microsecond=0)
    ns = types.SimpleNamespace(patient=patient, clinician=clinician)
    ns.checkin = make_checkin(patient, recorded_at=now - dt.timedelta(days=3), mood=4, anxiety=6, energy=3, pain=2,
                              sleep_hours=6.5, self_harm_thoughts=False, note="=HYPERLINK(\"http://evil\")")
    ns.phq9 = make_assessment(patient, "phq9", [2, 2, 1, 1, 0, 1, 0, 0, 2], recorded_at=now - dt.timedelta(days=8))
    ns.gad7 = make_assessment(patient, "gad7", [1] * 7, recorded_at=now - dt.timedelta(days=8))
    ns.pcl5 = make_assessment(patient, "pcl5", [1] * 20, recorded_at=now - dt.timedelta(days=8))
    ns.pcl5.index_event = "the accident"
    ns.done = make_session(patient, clinician, starts_at=now - dt.timedelta(days=5), status="completed", dose_mg=35.0,
                           route="iv", bp_before_systolic=128, bp_before_diastolic=82, bp_after_systolic=124,
                           bp_after_diastolic=80, dosed_at=now - dt.timedelta(days=5), notes="calm session",
                           completed_at=now - dt.timedelta(days=5) + dt.timedelta(hours=2))
    db.session.add_all([
        VitalReading(session_id=ns.done.id, at=now - dt.timedelta(days=5, minutes=-40), systolic=140, diastolic=90,
                     heart_rate=88, spo2=97, moaas="5", recorded_by_id=clinician.id),
        AdverseEvent(session_id=ns.done.id, at=now - dt.timedelta(days=5, minutes=-30), severity="mild",
                     description="nausea, settled", recorded_by_id=clinician.id),
    ])
    ns.booked = make_session(patient, clinician, kind="integration", minutes=50)
    ns.cancelled = make_session(patient, clinician, kind="integration", minutes=50, status="cancelled",
                                starts_at=now - dt.timedelta(days=2))
    ns.private = make_journal(patient, PRIVATE)
    ns.shared = make_journal(patient, SHARED, shared=True, prompt="What stayed with you?")
    ns.flag = make_flag(patient, source="assessment", assessment_id=ns.phq9.id, reason="PHQ-9 item 9 answered 2",
                        acknowledged_at=now, acknowledged_by_id=clinician.id, note="called, safe")
    ns.screening = make_screening(patient, recorded_by=clinician, cystitis=True)
    ns.screening.cleared_at, ns.screening.cleared_by_id, ns.screening.clear_note = now, clinician.id, "resolved"
    db.session.commit()
    return ns


@pytest.fixture
def add_history(app):
    """add_history(patient, clinician, days) adds `days` days of history in bulk: a check-in a day, a
    PHQ-9 and a GAD-7 a week, a shared and a private journal entry a week, a completed ketamine session
    with two vital readings every 10 days."""

    def add(patient, clinician, days: int) -> None:
        start = utcnow().replace(microsecond=0) - dt.timedelta(days=days + 1)
        rows = []
        for d in range(days):
            at = start + dt.timedelta(days=d)
            rows.append(CheckIn(patient_id=patient.id, client_id=str(uuid.uuid4()), recorded_at=at,
                                local_date=local_day(patient, at), mood=d % 11, anxiety=3, note=f"day {d}"))
            if d % 7 == 0:
                for key, n in (("phq9", 9), ("gad7", 7)):
                    s = score(key, [1] * n)
                    rows.append(Assessment(patient_id=patient.id, client_id=str(uuid.uuid4()), instrument=key,
                                           answers=[1] * n, total=s.total, severity=s.severity, flags=list(s.flags),
                                           recorded_at=at, local_date=local_day(patient, at)))
                for shared in (True, False):
                    rows.append(JournalEntry(author_id=patient.id, client_id=str(uuid.uuid4()), body=f"week {d}",
                                             shared=shared, created_at=at))
        db.session.add_all(rows)
        sessions = [TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind="ketamine", status="completed",
                                   starts_at=start + dt.timedelta(days=d, hours=3),
                                   ends_at=start + dt.timedelta(days=d, hours=5), dose_mg=35.0, route="im",
                                   dosed_at=start + dt.timedelta(days=d, hours=3))
                    for d in range(0, days, 10)]
        db.session.add_all(sessions)
        db.session.flush()
        db.session.add_all([VitalReading(session_id=s.id, at=s.starts_at + dt.timedelta(minutes=m), systolic=130,
                                         diastolic=85, heart_rate=80, spo2=98) for s in sessions for m in (20, 40)])
        db.session.commit()

    return add
