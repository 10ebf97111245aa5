"""Single-use links from a reminder to one form (issue #17 item 3): the daily check-in or one due
questionnaire, answered without a password.

A link opens exactly its form and can do nothing else: it signs nobody in, so every other page still
asks for a sign-in. Only the token's sha256 is stored; it expires after LINK_TTL and is used up by the
first accepted answer (a guarded UPDATE in the answer's own transaction, so two submits cannot both
count). Opening it (GET) does not use it: mail scanners that fetch links must not spend them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update

from katapp.clock import utcnow
from katapp.errors import Conflict
from katapp.extensions import db
from katapp.models import ReminderLink, User

LINK_TTL = dt.timedelta(hours=72)
USED_OR_EXPIRED = ("This link has expired or was already used. Sign in to katapp to answer "
                   "(your answers are never lost: what you sent is saved).")


class LinkUsed(Conflict):
    """The link was used (or expired) between opening it and sending the answer."""

    def __init__(self):
        super().__init__(USED_OR_EXPIRED)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(patient: User, form: str, now: dt.datetime | None = None) -> str:
    """A new link token for `patient`'s `form` ("checkin", "phq9", "gad7", "pcl5"); the row joins the
    caller's transaction (the caller commits). Returns the token (never stored)."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    db.session.add(ReminderLink(patient_id=patient.id, form=form, token_hash=token_hash(token), created_at=now,
                                expires_at=now + LINK_TTL))
    return token


def find(token: str, now: dt.datetime | None = None) -> tuple[ReminderLink, User] | None:
    """The live link (unused, unexpired, its patient active) and its patient, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        select(ReminderLink, User).join(User, User.id == ReminderLink.patient_id)
        .where(ReminderLink.token_hash == token_hash(token), ReminderLink.used_at.is_(None),
               ReminderLink.expires_at > (now or utcnow()), User.active.is_(True), User.role == "patient")
    ).first()
    return (row[0], row[1]) if row else None


def use(link: ReminderLink, now: dt.datetime | None = None) -> bool:
    """Mark the link used in the current transaction (no commit); False when another request used it
    first (PostgreSQL re-checks `used_at` after the row lock; SQLite has one writer)."""
    done = db.session.execute(
        update(ReminderLink).where(ReminderLink.id == link.id, ReminderLink.used_at.is_(None))
        .values(used_at=now or utcnow()), execution_options={"synchronize_session": False})
    return done.rowcount == 1
