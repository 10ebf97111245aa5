"""Which patients' stored caseload summaries a transaction has changed (issue #16 item 2).

ORM writes are noticed by themselves (katapp/dashboard/store.py listens to every flush); a bulk
`update()`/`delete()` statement of check-ins, assessments, sessions, flags or screenings is not,
so the code that runs one calls `mark(patient_id, ...)` before committing.
"""
from __future__ import annotations

from katapp.extensions import db

KEY = "katapp.summaries.touched"


def mark(*patient_ids: int) -> None:
    """Recompute these patients' summaries when the current transaction commits."""
    db.session.info.setdefault(KEY, set()).update(int(p) for p in patient_ids if p is not None)
