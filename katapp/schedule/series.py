"""Induction series (issue #18): a proposal laid out inside the clinic's opening days and hours,
each date moved or skipped on its own, then booked all or nothing.

The proposal travels in the form (one row per date: kind, date, time, length, skip), so the page
works without JavaScript: every round trip re-checks the kept rows against the clinician's and the
patient's sessions and against each other, and marks only the rows that clash. Booking goes through
`booking.book_many` (one transaction, the overlap check again under its lock).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from katapp.clinic import opening_hours
from katapp.clock import zone_of
from katapp.domain import scheduling
from katapp.domain.vocabulary import KIND, label
from katapp.errors import Invalid, Refusal
from katapp.models import TherapySession, User
from katapp.schedule import booking
from katapp.schedule.parse import sentence
from katapp.schedule.screening import screening_status

ACTIONS = ("", "check", "book")


@dataclass
class Row:
    """One proposed date: what, when (UTC), how long; what the checks found."""

    kind: str
    start: dt.datetime
    minutes: int
    skip: bool = False
    moved: bool = False  # the pattern's date or time was outside opening days/hours
    clash: str | None = None
    outside: str | None = None

    @property
    def slot(self) -> scheduling.Slot:
        return scheduling.Slot(self.start, self.start + dt.timedelta(minutes=self.minutes), self.kind)


@dataclass
class SeriesPlan:
    """The rows as checked, why they cannot be booked (if so), or what was booked."""

    rows: list[Row]
    error: str | None = None
    booked: list[TherapySession] | None = None

    @property
    def kept(self) -> list[Row]:
        return [r for r in self.rows if not r.skip]

    @property
    def clashes(self) -> int:
        return sum(1 for r in self.kept if r.clash)

    @property
    def outside(self) -> int:
        return sum(1 for r in self.kept if r.outside)


def propose(clinician: User, pattern: dict, hours: scheduling.Hours) -> list[Row]:
    """The pattern (`scheduling.induction_series`'s arguments but the zone) as rows: ketamine only on the
    chosen days the clinic is open, every session brought inside the opening hours (an integration
    session due on a closed day goes to the next opening day). Invalid for a pattern that cannot be laid out.
    """
    weekdays = [d for d in pattern["weekdays"] if d in hours.weekdays]
    if not weekdays:
        message = "The clinic is closed on every chosen day: choose an opening day."
        raise Invalid(message, {"weekdays": message})
    try:
        slots = scheduling.induction_series(tz=clinician.timezone, **{**pattern, "weekdays": weekdays})
        placed = [scheduling.fit_to_hours(s, hours, clinician.timezone) for s in slots]
    except ValueError as exc:
        raise Invalid(sentence(str(exc))) from None
    return [Row(s.kind, s.start, _minutes(s), moved=moved) for s, moved in placed]


def row(clinician: User, kind: str, day: dt.date, at: dt.time, minutes: int, skip: bool) -> Row:
    """A row as the form sent it back; Invalid for a kind that is not a session kind."""
    if kind not in KIND:
        raise Invalid("A proposed session has an unknown kind: show the proposed dates again.")
    return Row(kind, scheduling.local_to_utc(day, at, clinician.timezone), minutes, skip=skip)


def check(clinician: User, patient: User, rows: list[Row], hours: scheduling.Hours) -> None:
    """Mark each kept row with its clash (another session, or an earlier kept row of this series) and
    with its opening-hours problem. Reads only."""
    kept = [r for r in rows if not r.skip]
    if not kept:
        return
    found = booking.propose_series(clinician, patient, [r.slot for r in kept])
    for i, (r, proposal) in enumerate(zip(kept, found, strict=True)):
        r.clash = proposal.clash or _clash_within(clinician, r, kept[:i])
        r.outside = scheduling.opening_problem(r.start, r.minutes, hours, clinician.timezone)


def plan(clinician: User, patient: User, pattern: dict, rows: list[Row], *, action: str = "",
         anyway: bool = False) -> SeriesPlan:
    """Propose from the pattern (`action` "", or no rows sent), re-check the rows sent ("check"), or
    book the kept rows ("book") when none clashes and none is outside the opening hours unless `anyway`.
    Never books part of a series: a refusal comes back as the plan's error with "Nothing was booked."
    """
    hours = opening_hours()
    rows = rows if rows and action in ("check", "book") else propose(clinician, pattern, hours)
    rows.sort(key=lambda r: (r.start, r.kind != "ketamine"))  # at a tie the ketamine session keeps its place
    check(clinician, patient, rows, hours)
    kept = [r for r in rows if not r.skip]
    if action != "book":
        gate = screening_status(patient.id).message if any(r.kind == "ketamine" for r in kept) else None
        return SeriesPlan(rows, gate)
    problem = _book_problem(SeriesPlan(rows), anyway)
    if problem:
        return SeriesPlan(rows, problem + " Nothing was booked.")
    try:
        made = booking.book_many(clinician, patient, [(r.kind, r.start, r.minutes) for r in kept],
                                 series_id=str(uuid.uuid4()))
    except Refusal as exc:
        return SeriesPlan(rows, exc.message + " Nothing was booked.")
    return SeriesPlan(rows, booked=made)


def _book_problem(plan_: SeriesPlan, anyway: bool) -> str | None:
    if not plan_.kept:
        return "Every date is skipped."
    if plan_.clashes:
        n = plan_.clashes
        return f"{n} date{' clashes' if n == 1 else 's clash'}: move or skip {'it' if n == 1 else 'them'}."
    if plan_.outside and not anyway:
        n = plan_.outside
        return (f"{n} date{' is' if n == 1 else 's are'} outside the clinic's opening days or hours: "
                "move it, skip it, or tick \u201cBook outside opening hours anyway\u201d.")
    return None


def _clash_within(clinician: User, r: Row, earlier: list[Row]) -> str | None:
    for other in earlier:
        if scheduling.overlaps(r.start, r.slot.end, other.start, other.slot.end):
            zone = zone_of(clinician)
            when = other.start.astimezone(zone).strftime("%a %d %b %H:%M")
            end = other.slot.end.astimezone(zone).strftime("%H:%M")
            return f"This overlaps this series' {label('kind', other.kind)} on {when}\u2013{end}."
    return None


def _minutes(slot: scheduling.Slot) -> int:
    return int((slot.end - slot.start).total_seconds() // 60)
