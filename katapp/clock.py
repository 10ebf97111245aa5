"""One user's clock: their time zone, their "now", their "today", the local day of a moment.

Times are stored in UTC; a patient's day is counted in the patient's own zone (DESIGN.md §11).
Every "today" in katapp comes from here, never from `date.today()`.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def zone_of(user) -> ZoneInfo:
    """The user's ZoneInfo (`User.timezone` is NOT NULL; a bad name is a bug and raises)."""
    return ZoneInfo(user.timezone)


def local_now(user, now: dt.datetime | None = None) -> dt.datetime:
    """`now` (default: this instant) as an aware datetime in the user's zone."""
    return (now or utcnow()).astimezone(zone_of(user))


def local_today(user, now: dt.datetime | None = None) -> dt.date:
    """The calendar day it is for the user now (or at `now`)."""
    return local_now(user, now).date()


def local_day(user, moment: dt.datetime) -> dt.date:
    """The user's calendar day of an aware `moment`; ValueError for a naive one."""
    if moment.tzinfo is None:
        raise ValueError("local_day needs an aware datetime")
    return moment.astimezone(zone_of(user)).date()


def zone_name(zone: str | None) -> str:
    """A time zone as people say it: "America/Chicago" -> "Chicago (America)", "UTC" -> "UTC"."""
    zone = zone or "UTC"
    region, _, place = zone.partition("/")
    if not place:
        return zone
    return f"{place.rsplit('/', 1)[-1].replace('_', ' ')} ({region.replace('_', ' ')})"
