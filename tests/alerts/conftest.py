"""Alert factories (the SMTP fixtures `smtp_server` and `closed_smtp_port` are in tests/conftest.py)."""
from __future__ import annotations

import pytest

from katapp.extensions import db


@pytest.fixture
def raise_flag(app):
    """raise_flag(patient, raised_at=None, **fields) -> a stored SafetyFlag (source "checkin" unless given)."""
    from katapp.clock import utcnow
    from katapp.models import SafetyFlag

    def make(patient, raised_at=None, **fields) -> SafetyFlag:
        flag = SafetyFlag(patient_id=patient.id, source=fields.pop("source", "checkin"),
                          reason=fields.pop("reason", "Answered yes"),
                          raised_at=raised_at or utcnow(), **fields)
        db.session.add(flag)
        db.session.commit()
        return flag

    return make
