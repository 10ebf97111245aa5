"""The private calendar feed (RFC 5545, built with the `icalendar` library): its secret address,
the sessions it shows, and their ICS text.

Phones show calendar text on lock screens, so an event says only "katapp: <kind>" and the time;
a clinician who opts in gets the patient's initials too. UIDs are stable and unique across
installations and database resets (`session-<id>-<created>-<installation>@katapp`), and
SEQUENCE / LAST-MODIFIED grow when a session changes, so calendar apps update a moved session instead
of adding a second one. Cancelled sessions stay in the feed as STATUS:CANCELLED.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from katapp.clock import utcnow
from katapp.domain.vocabulary import label
from katapp.errors import NotFound
from katapp.extensions import db
from katapp.models import AuditEvent, TherapySession, User
from katapp.security import audit, audit_reads

CHANGE_ACTIONS = ("session_moved", "session_completed", "session_cancelled", "session_no_show")


def set_calendar_initials(user: User, on: bool) -> None:
    """A clinician's choice to show patients' initials in their feed; audited; commits."""
    user.calendar_initials = on
    audit("calendar_initials_" + ("on" if on else "off"))
    db.session.commit()


def set_calendar_feed(user: User, on: bool) -> str | None:
    """Turn the feed on with a new secret (replacing any old one) or off; commits; returns the token."""
    user.calendar_token = secrets.token_urlsafe(32) if on else None
    audit("calendar_feed_" + ("issued" if on else "revoked"), patient_id=user.id if user.is_patient else None)
    db.session.commit()
    return user.calendar_token


def feed_owner(token: str) -> User:
    """The active user whose feed secret is `token`; NotFound otherwise."""
    user = None
    if token and len(token) <= 64:
        user = db.session.scalar(select(User).where(User.calendar_token == token))
    if user is None or not user.active:
        raise NotFound()
    return user


def feed_sessions(user: User, now: dt.datetime | None = None) -> tuple[list[TherapySession], dict[int, int]]:
    """The sessions a feed shows (from 60 days ago on, with patients for clinicians' initials) and
    how many times each was changed (its ICS SEQUENCE, counted from the audit log). Two queries.
    """
    now = now or utcnow()
    owner = TherapySession.patient_id if user.is_patient else TherapySession.clinician_id
    rows = list(db.session.scalars(
        select(TherapySession).options(joinedload(TherapySession.patient))
        .where(owner == user.id, TherapySession.starts_at >= now - dt.timedelta(days=60))
        .order_by(TherapySession.starts_at).limit(2000)
    ))
    changed = {s.id for s in rows if s.updated_at is not None}
    counts: dict[int, int] = {}
    if changed:
        counts = dict(db.session.execute(
            select(AuditEvent.object_id, func.count())
            .where(AuditEvent.patient_id.in_({s.patient_id for s in rows if s.id in changed}),
                   AuditEvent.object_type == TherapySession.__tablename__,
                   AuditEvent.object_id.in_(changed), AuditEvent.action.in_(CHANGE_ACTIONS))
            .group_by(AuditEvent.object_id)
        ).all())
    return rows, counts


def feed_for(token: str) -> bytes:
    """The ICS bytes of the feed whose secret is `token` (NotFound for an unknown or revoked one)."""
    user = feed_owner(token)
    rows, counts = feed_sessions(user)
    audit_reads([s.patient_id for s in rows], "calendar_feed", actor=user)
    return ics(user, rows, counts)


# --- ICS text --------------------------------------------------------------------------------------------
def uid(session: TherapySession) -> str:
    """A UID no other installation or database reset repeats: the id, the creation second and an
    installation mark (an HMAC of the app's secret key, which reveals nothing of the key)."""
    mark = hmac.new(current_app.config["SECRET_KEY"].encode(), b"calendar-uid", hashlib.sha256).hexdigest()[:12]
    created = int((session.created_at or utcnow()).timestamp())
    return f"session-{session.id}-{created}-{mark}@katapp"


def initials(name: str) -> str:
    """ "Pat Q. Patient" -> "P.Q.P." (letters only; at most three)."""
    parts = [p for p in (name or "").replace(".", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() + "." for p in parts[:3])


def summary(session: TherapySession, viewer: User) -> str:
    text = f"katapp: {label('kind', session.kind)}"
    if not viewer.is_patient and viewer.calendar_initials:
        mark = initials(session.patient.display_name)
        if mark:
            text += f" ({mark})"
    return text


def ics(viewer: User, sessions: Iterable[TherapySession], sequences: dict[int, int] | None = None,
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
        event.add("uid", uid(s))
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
