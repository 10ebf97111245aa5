"""Overlap checks, induction-series generation and time-zone day boundaries.

Times are stored in UTC and days are counted in the patient's own time zone (DESIGN.md §11).
Session patterns and blood-pressure rules: /work/shared/clinical/instruments.md.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_SERIES = 30


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Return True when [a_start, a_end) and [b_start, b_end) share any instant.

    Intervals are half-open, so one ending exactly when the other starts does not overlap.
    Aware datetimes in different zones compare correctly; mixing naive and aware raises TypeError.
    """
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class Slot:
    """A booked or proposed stretch of time; `ref` carries the caller's own id or object."""

    start: datetime
    end: datetime
    kind: str = ""
    ref: object = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a slot must end after it starts")


def conflicts(candidate: Slot, existing: Iterable[Slot]) -> list[Slot]:
    """Return the slots of `existing` that overlap `candidate`, sorted by start."""
    clashes = [s for s in existing if overlaps(candidate.start, candidate.end, s.start, s.end)]
    return sorted(clashes, key=lambda s: s.start)


def zone(tz: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name; raises ValueError for an unknown or malformed one."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone: {tz!r}") from exc


def _at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    # Wall-clock time in `tz`, in UTC: 09:00 stays 09:00 local across a DST change. A time that
    # does not exist (in the spring-forward gap) lands at the same distance after the gap.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def induction_series(
    start_date: date,
    count: int,
    weekdays: Collection[int],
    at: time,
    tz: str,
    duration_minutes: int,
    *,
    integration: bool = False,
    integration_offset_days: int = 1,
    integration_minutes: int = 50,
    integration_at: time | None = None,
) -> list[Slot]:
    """Return a ketamine series as UTC slots, sorted by start.

    Ketamine slots (kind "ketamine") fall on the first `count` dates on or after `start_date`
    whose weekday (0 = Monday) is in `weekdays`, at local time `at` in `tz`. With `integration`,
    each is followed `integration_offset_days` (1 or 2) later by an "integration" slot at
    `integration_at` (default: `at`). A typical induction is 6 sessions over 2-3 weeks
    (instruments.md); up to 30 are allowed.
    Raises ValueError for count outside 1-30, empty or invalid weekdays, an offset other than
    1 or 2, non-positive durations, an unknown zone, or a series whose slots overlap each other.
    """
    if not 1 <= count <= MAX_SERIES:
        raise ValueError(f"a series has 1 to {MAX_SERIES} sessions, not {count}")
    days = set(weekdays)
    if not days or not days <= set(range(7)):
        raise ValueError("choose at least one weekday, each 0 (Monday) to 6 (Sunday)")
    if integration_offset_days not in (1, 2):
        raise ValueError("integration sessions come 1 or 2 days after the ketamine session")
    if duration_minutes <= 0 or (integration and integration_minutes <= 0):
        raise ValueError("session lengths must be positive")
    tzinfo = zone(tz)

    slots: list[Slot] = []
    day, made = start_date, 0
    while made < count:
        if day.weekday() in days:
            made += 1
            start = _at_local(day, at, tzinfo)
            slots.append(Slot(start, start + timedelta(minutes=duration_minutes), "ketamine"))
            if integration:
                follow = _at_local(day + timedelta(days=integration_offset_days), integration_at or at, tzinfo)
                slots.append(Slot(follow, follow + timedelta(minutes=integration_minutes), "integration"))
        day += timedelta(days=1)

    slots.sort(key=lambda s: s.start)
    for earlier, later in pairwise(slots):
        if later.start < earlier.end:
            raise ValueError(
                f"the series double-books {local_date(later.start, tz).isoformat()}: "
                "choose another integration day or time"
            )
    return slots


WEEKDAYS = ((0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun"))
WEEKDAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True)
class Hours:
    """A clinic's opening days (0 = Monday) and hours, in its clinicians' wall-clock time."""

    weekdays: frozenset[int]
    opens: time
    closes: time

    def text(self) -> str:
        return f"{self.opens:%H:%M}\u2013{self.closes:%H:%M}"

    def days_text(self) -> str:
        """The opening days, runs of three or more joined: "Mon\u2013Fri", "Mon, Wed, Sat"."""
        runs: list[list[int]] = []
        for d in sorted(self.weekdays):
            if runs and d == runs[-1][-1] + 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        name = dict(WEEKDAYS)
        return ", ".join(f"{name[r[0]]}\u2013{name[r[-1]]}" if len(r) >= 3 else ", ".join(name[d] for d in r) for r in runs)


def _minute_of(at: time) -> int:
    return at.hour * 60 + at.minute


def opening_problem(start: datetime, minutes: int, hours: Hours, tz: str) -> str | None:
    """Why a session of `minutes` from aware `start` falls outside `hours` in zone `tz`, or None.

    A session may end exactly at closing time. Days and times are the zone's wall clock.
    """
    local = start.astimezone(zone(tz))
    if local.weekday() not in hours.weekdays:
        return f"The clinic is closed on {WEEKDAY_NAMES[local.weekday()]}."
    begin = _minute_of(local.time())
    if begin < _minute_of(hours.opens) or begin + minutes > _minute_of(hours.closes):
        return f"This is outside the clinic's hours ({hours.text()})."
    return None


def fit_to_hours(slot: Slot, hours: Hours, tz: str) -> tuple[Slot, bool]:
    """`slot` placed inside `hours`: the same wall-clock start, brought inside the day's hours when it
    starts too early or ends too late, on the same day or the next opening day. Returns the slot and
    whether it moved. Raises ValueError when the session is longer than the opening hours or no day is open.
    """
    if not hours.weekdays:
        raise ValueError("the clinic has no opening day")
    tzinfo = zone(tz)
    local = slot.start.astimezone(tzinfo)
    minutes = int((slot.end - slot.start).total_seconds() // 60)
    latest = _minute_of(hours.closes) - minutes
    if latest < _minute_of(hours.opens):
        raise ValueError(f"a {minutes}-minute session does not fit the clinic's hours ({hours.text()})")
    begin = min(max(_minute_of(local.time()), _minute_of(hours.opens)), latest)
    day = local.date()
    while day.weekday() not in hours.weekdays:
        day += timedelta(days=1)
    start = _at_local(day, time(begin // 60, begin % 60), tzinfo)
    moved = Slot(start, start + timedelta(minutes=minutes), slot.kind, slot.ref)
    return moved, moved.start != slot.start


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """Return wall-clock `at` on local `day` in zone `tz` as an aware UTC datetime.

    Raises ValueError for an unknown zone. A time in a spring-forward gap lands after the gap.
    """
    return _at_local(day, at, zone(tz))


def local_date(moment: datetime, tz: str) -> date:
    """Return the calendar date of aware `moment` in zone `tz`; raises ValueError if naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime")
    return moment.astimezone(zone(tz)).date()


def day_bounds_utc(day: date, tz: str) -> tuple[datetime, datetime]:
    """Return the UTC [start, end) of local calendar `day` in `tz`.

    The span is 23 or 25 hours on DST change days, because both ends are local midnights.
    """
    tzinfo = zone(tz)
    return _at_local(day, time(0), tzinfo), _at_local(day + timedelta(days=1), time(0), tzinfo)


def bp_exceeds(systolic: int, diastolic: int, limit_systolic: int, limit_diastolic: int) -> bool:
    """Return True when either reading is strictly above its limit.

    The limit is a clinic setting (default 140/90): a common rule defers dosing when resting
    BP is above 140/90, so 140/90 itself is not above the limit (instruments.md).
    """
    return systolic > limit_systolic or diastolic > limit_diastolic


_BP = re.compile(r"\s*(\d{1,3})\s*/\s*(\d{1,3})\s*", re.ASCII)


def parse_bp(text: str) -> tuple[int, int]:
    """Return (systolic, diastolic) from text like "128/84".

    Raises ValueError with a message fit for a form when the text is not two whole numbers
    separated by "/", systolic is outside 60-260, diastolic outside 30-160, or systolic is
    not above diastolic.
    """
    match = _BP.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError("enter blood pressure as systolic/diastolic, for example 128/84")
    systolic, diastolic = int(match[1]), int(match[2])
    if not 60 <= systolic <= 260:
        raise ValueError("systolic pressure must be between 60 and 260 mmHg")
    if not 30 <= diastolic <= 160:
        raise ValueError("diastolic pressure must be between 30 and 160 mmHg")
    if systolic <= diastolic:
        raise ValueError("systolic pressure must be higher than diastolic")
    return systolic, diastolic
