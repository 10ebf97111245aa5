"""Check-in test helpers: a signed-in patient client and a check-in body builder."""
from __future__ import annotations

import uuid

import pytest

from katapp.extensions import db


@pytest.fixture
def pat(login_as, patient):
    """A test client signed in as `patient` (on `clinician`'s caseload)."""
    return login_as(patient)


@pytest.fixture
def body():
    """body(**fields) -> a valid check-in body with a fresh client_id."""

    def make(**fields):
        data = {"client_id": str(uuid.uuid4()), "mood": 6}
        data.update(fields)
        return {k: v for k, v in data.items() if v is not ...}

    return make


@pytest.fixture
def pcl5_on(app, patient, clinician):
    """`patient`'s clinician has turned the PCL-5 on for them (it is off until then)."""
    from katapp.models import InstrumentPlan

    db.session.add(InstrumentPlan(patient_id=patient.id, instrument="pcl5", enabled=True, changed_by_id=clinician.id))
    db.session.commit()
    return patient


