"""The private calendar feed (RFC 5545) built with the `icalendar` library.

Phones show calendar text on lock screens, so an event says only "katapp: <kind>" and the time;
a clinician's events add the patient's initials at most. UIDs are stable (`session-<id>@katapp`)
and SEQUENCE / LAST-MODIFIED grow when a session changes, so calendar apps update a moved
session instead of adding a second one. Cancelled sessions stay in the feed as STATUS:CANCELLED.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from katapp.models import TherapySession, User, utcnow

KIND_SUMMARY = {
    "ketamine": "ketamine session",
    "integration": "integration session",
    "intake": "intake appointment",
    "follow_up": "follow-up appointment",
}


def initials(name: str) -> str:
    """ "Pat Q. Patient" -> "P.Q.P." (letters only; at most three)."""
    parts = [p for p in (name or "").replace(".", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() + "." for p in parts[:3])


def summary(session: TherapySession, viewer: User) -> str:
    text = f"katapp: {KIND_SUMMARY.get(session.kind, 'session')}"
    if not viewer.is_patient:
        mark = initials(session.patient.display_name)
        if mark:
            text += f" ({mark})"
    return text


def feed(viewer: User, sessions: Iterable[TherapySession], sequences: dict[int, int] | None = None,
         now: dt.datetime | None = None) -> bytes:
    """The ICS bytes of `viewer`'s sessions; `sequences` maps a session id to its change count."""
    sequences = sequences or {}
    now = now or utcnow()
    cal = Calendar()
    cal.add("prodid", "-//katapp//sessions//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "katapp sessions")
    for s in sessions:
        event = Event()
        event.add("uid", f"session-{s.id}@katapp")
        event.add("dtstamp", now)
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("summary", summary(s, viewer))
        event.add("sequence", sequences.get(s.id, 0))
        event.add("last-modified", s.updated_at or s.created_at or now)
        event.add("status", "CANCELLED" if s.status == "cancelled" else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if s.status in ("cancelled", "no_show") else "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
