"""Schedule fixtures: a cleared screening, a New York time builder (`ny`), a booking call (`book_api`)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

NY = ZoneInfo("America/New_York")


@pytest.fixture
def ny():
    """ny(day, hour, minute=0, month=6, year=2030) -> an aware New York time (June 2030 is EDT, UTC-4).

    2030-06-03 is a Monday.
    """

    def at(day: int, hour: int, minute: int = 0, month: int = 6, year: int = 2030) -> dt.datetime:
        return dt.datetime(year, month, day, hour, minute, tzinfo=NY)

    return at


@pytest.fixture
def screened(patient, make_screening):
    """The patient has a clean screening on file (ketamine may be booked)."""
    return make_screening(patient)


@pytest.fixture
def book_api(api):
    def book(client, patient_id, start: dt.datetime, minutes: int = 60, kind: str = "integration", **extra):
        return api(client, "POST", "/api/v1/sessions", json={
            "patient_id": patient_id, "kind": kind, "starts_at": start.isoformat(), "duration_minutes": minutes, **extra})

    return book
