"""Which patients' stored caseload summaries a transaction has changed (issue #16 item 2).

ORM writes are noticed by themselves (katapp/dashboard/store.py listens to every flush); a bulk
`update()`/`delete()` statement of check-ins, assessments, sessions, flags or screenings is not,
so the code that runs one calls `mark(patient_id, ...)` before committing, and a check-in inserted
by a Core INSERT calls `checked_in(patient_id, day)`.
"""
from __future__ import annotations

from katapp.extensions import db

KEY = "katapp.summaries.touched"
CHECKINS = "katapp.summaries.checkins"  # patient id -> its new check-in days


def mark(*patient_ids: int) -> None:
    """Recompute these patients' summaries when the current transaction commits."""
    db.session.info.setdefault(KEY, set()).update(int(p) for p in patient_ids if p is not None)


def checked_in(patient_id: int, day) -> None:
    """A new check-in on local `day`: move the patient's stored last check-in day forward when the
    current transaction commits (one UPDATE, katapp/dashboard/store.py), as a flushed CheckIn does."""
    db.session.info.setdefault(CHECKINS, {}).setdefault(patient_id, set()).add(day)
