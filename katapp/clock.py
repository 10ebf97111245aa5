"""One user's clock: their time zone, their "now", their "today", the local day of a moment.

Times are stored in UTC; a patient's day is counted in the patient's own zone (DESIGN.md §11).
Every "today" in katapp comes from here, never from `date.today()`.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones


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


ZONE_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
                "Pacific")


@lru_cache(maxsize=1)
def city_zones() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Every place-named zone of the zoneinfo database as ((region, ((zone, city label), ...)), ...),
    regions and cities sorted, then ("Other", (("UTC", "UTC"),)).

    Old aliases that read the same as a current zone ("America/Buenos_Aires" beside
    "America/Argentina/Buenos_Aires") are left out: the longer, current name is kept; so are
    abbreviations ("Australia/NSW").
    """
    by_label: dict[str, str] = {}
    for zone in sorted(available_timezones(), key=lambda z: -z.count("/")):
        region, _, place = zone.partition("/")
        if region in ZONE_REGIONS and place.lower() != place.upper() and place != place.upper():
            by_label.setdefault(zone_name(zone), zone)
    groups = {region: [] for region in ZONE_REGIONS}
    for label, zone in sorted(by_label.items()):
        groups[zone.partition("/")[0]].append((zone, label))
    return (*((r, tuple(items)) for r, items in groups.items() if items), ("Other", (("UTC", "UTC"),)))


def is_city_zone(zone: str | None) -> bool:
    """True when `zone` is one of `city_zones()` (the choices a person may pick)."""
    return any(zone == z for _, items in city_zones() for z, _label in items)
