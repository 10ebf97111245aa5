"""Schedule test helpers: a cleared screening, an ISO time builder, a booking call."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import api

NY = ZoneInfo("America/New_York")


def ny(day: int, hour: int, minute: int = 0, month: int = 6, year: int = 2030) -> dt.datetime:
    """An aware New York time in June 2030 (EDT, UTC-4). 2030-06-03 is a Monday."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY)


@pytest.fixture
def screened(patient, make_screening):
    """The patient has a clean screening on file (ketamine may be booked)."""
    return make_screening(patient)


@pytest.fixture
def book_api():
    def book(client, patient_id, start: dt.datetime, minutes: int = 60, kind: str = "integration", **extra):
        return api(client, "POST", "/api/v1/sessions", json={
            "patient_id": patient_id, "kind": kind, "starts_at": start.isoformat(), "duration_minutes": minutes, **extra})

    return book
