"""The clinic's booking settings (issue #18), read and saved: session lengths, opening days and hours."""
from __future__ import annotations

import datetime as dt

from katapp.clinic import opening_hours, session_minutes, stored_settings
from katapp.domain import vocabulary
from katapp.extensions import db
from katapp.security import audit


def form_values() -> dict:
    """The stored booking settings as the form's fields (open_days, opens_at, closes_at, minutes_<kind>)."""
    hours = opening_hours()
    return {"open_days": sorted(hours.weekdays), "opens_at": hours.opens, "closes_at": hours.closes,
            **{f"minutes_{key}": value for key, value in session_minutes().items()}}


def save(open_days: list[int], opens_at: dt.time, closes_at: dt.time, minutes: dict[str, int]) -> None:
    """Store the booking settings (values already checked by the form) and audit the change. Commits."""
    row = stored_settings()
    row.open_weekdays = "".join(str(d) for d in sorted(set(open_days)))
    row.opens_at, row.closes_at = opens_at, closes_at
    row.session_minutes = {k.key: int(minutes[k.key]) for k in vocabulary.SESSION_KINDS}
    audit("settings_changed", detail=f"booking: days {row.open_weekdays}, {opens_at:%H:%M}-{closes_at:%H:%M}, "
                                     f"lengths {row.session_minutes}")
    db.session.commit()
