"""Preparation before a session (issue #17 item 4): the clinic's notes per session kind, where a
session takes place, and its place in the patient's series ("session 3 of 6").

Shared by the patient's session page (schedule), the admin's settings (admin) and the evening-before
reminder (reminder_sender), so it is a top-level module, not a feature.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from katapp.clinic import clinic_settings
from katapp.domain import vocabulary as vocab
from katapp.extensions import db
from katapp.models import TherapySession
from katapp.security import audit

NOTES_MAX = 4000
COUNTED = ("scheduled", "checked_in", "dosed", "completed")  # cancelled and missed sessions are not counted


@dataclass(frozen=True)
class Position:
    number: int
    of: int | None  # how many sessions of this kind are booked (in its series, when it has one)

    def __str__(self) -> str:
        return f"session {self.number} of {self.of}" if self.of else f"session {self.number}"


def notes_for(kind: str) -> str:
    """The clinic's preparation notes for a session kind ("" when none)."""
    return (clinic_settings().prep_notes or {}).get(kind, "") or ""


def all_notes() -> dict[str, str]:
    """{kind: notes} for every session kind ("" when none)."""
    return {k: notes_for(k) for k in vocab.KIND_KEYS}


def save_notes(admin, notes: dict[str, str]) -> list[str]:
    """Store the notes per kind (stripped; empty removes), audit the change; commits. Returns the
    titles of the kinds that changed."""
    settings = clinic_settings()
    if settings not in db.session:
        db.session.add(settings)
    old = dict(settings.prep_notes or {})
    new = {k: (notes.get(k) or "").strip()[:NOTES_MAX] for k in vocab.KIND_KEYS}
    new = {k: v for k, v in new.items() if v}
    changed = [vocab.KIND[k].title for k in vocab.KIND_KEYS if old.get(k, "") != new.get(k, "")]
    if changed:
        settings.prep_notes = new or None
        audit("settings.preparation", actor=admin, detail="preparation notes: " + ", ".join(changed))
        db.session.commit()
    return changed


def position(session: TherapySession) -> Position:
    """The session's number among the patient's booked sessions of its kind (cancelled and missed ones
    not counted; within its series when it has one), and how many there are."""
    same = select(func.count()).select_from(TherapySession).where(
        TherapySession.patient_id == session.patient_id, TherapySession.kind == session.kind,
        TherapySession.status.in_(COUNTED))
    if session.series_id:
        same = same.where(TherapySession.series_id == session.series_id)
    before = db.session.scalar(same.where(
        (TherapySession.starts_at < session.starts_at)
        | ((TherapySession.starts_at == session.starts_at) & (TherapySession.id < session.id))))
    total = db.session.scalar(same)
    number = int(before or 0) + 1
    return Position(number, int(total) if total and total >= number else None)


def is_video_link(location: str | None) -> bool:
    return bool(location) and location.lower().startswith("https://")


JOINABLE = ("scheduled", "checked_in")  # dosed, completed, cancelled and no-show sessions offer no call


def joinable(session: TherapySession, now) -> bool:
    """Whether the patient's session page offers its video link: only before the session ends
    (upcoming, or in progress now) and while it is still on (not completed, cancelled or a no-show)."""
    return session.status in JOINABLE and session.ends_at > now
