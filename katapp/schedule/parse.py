"""Reading request values for the schedule, the one way: dates, moments, lengths, choices.

Pages and the API both go through here: `Reader` collects one message per bad field and
`done()` raises `Invalid` naming every one (nothing is stored). `minutes_error` is the one
duration rule (the forms' validator uses it too); `local_start` turns a form's local date and
time into the UTC moment in the user's zone.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from katapp import sync
from katapp.domain import gate, scheduling
from katapp.errors import Invalid

MIN_MINUTES, MAX_MINUTES = 5, 600
LENGTH_MESSAGE = f"From {MIN_MINUTES} to {MAX_MINUTES} minutes."


def minutes_error(value) -> str | None:
    """The duration rule: a whole number of minutes from 5 to 600 (bounds included)."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_MINUTES <= value <= MAX_MINUTES:
        return LENGTH_MESSAGE
    return None


def check_minutes(value, name: str = "duration_minutes") -> int:
    """`value` when it keeps the duration rule, else Invalid naming `name`."""
    error = minutes_error(value)
    if error:
        raise Invalid(error, {name: error})
    return value


def local_start(user, day: dt.date, at: dt.time) -> dt.datetime:
    """Wall-clock `at` on `day` in the user's zone, as an aware UTC moment."""
    return scheduling.local_to_utc(day, at, user.timezone)


def sentence(text: str) -> str:
    """A domain ValueError's text ("systolic must be ...") as a sentence for a person."""
    return text[:1].upper() + text[1:] + "."


class Reader:
    """Typed values out of a request body or query string, with a message per bad field."""

    def __init__(self, data: Mapping):
        self.data = data
        self.errors: dict[str, str] = {}

    def moment(self, name: str) -> dt.datetime | None:
        """ISO 8601 text with an offset, as an aware UTC datetime."""
        try:
            return sync.aware_utc(self.data.get(name))
        except ValueError as exc:
            self.errors[name] = str(exc)
            return None

    def day(self, name: str) -> dt.date | None:
        """An optional YYYY-MM-DD (None when absent or empty)."""
        value = self.data.get(name)
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value)
            if gate.date_problem(day):
                raise ValueError(day)
            return day
        except (TypeError, ValueError):
            self.errors[name] = "a date as YYYY-MM-DD"
            return None

    def minutes(self, name: str = "duration_minutes") -> int | None:
        value = self.data.get(name)
        error = minutes_error(value)
        if error:
            self.errors[name] = error
            return None
        return value

    def identifier(self, name: str, message: str) -> int | None:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = message
            return None
        return value

    def choice(self, name: str, keys: Collection[str], *, optional: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None and optional:
            return None
        if value not in keys:
            self.errors[name] = "one of " + ", ".join(keys)
            return None
        return value

    def text(self, name: str, max_length: int) -> str | None:
        value = self.data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > max_length):
            self.errors[name] = f"text of at most {max_length} characters"
            return None
        return value

    def flag(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            self.errors[name] = "true or false"
            return False
        return value

    def number(self, name: str, low: float, high: float) -> float | None:
        """An optional number from `low` to `high` (None when absent)."""
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.errors[name] = f"a number from {low:g} to {high:g}"
            return None
        return value

    def keys(self, name: str, allowed: Collection[str]) -> tuple[str, ...]:
        """An optional list of keys, each one of `allowed` (() when absent)."""
        value = self.data.get(name, [])
        if not isinstance(value, list) or any(v not in allowed for v in value):
            self.errors[name] = "a list of: " + ", ".join(allowed)
            return ()
        return tuple(value)

    def refuse(self, name: str, message: str) -> None:
        self.errors[name] = message

    def done(self, message: str = "invalid fields") -> None:
        Invalid.check(self.errors, message)
