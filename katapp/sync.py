"""Rules every write from the offline queue shares, written once.

A queued write carries a `client_id` (a UUID made on the phone) and a `recorded_at` (ISO 8601
with the phone's offset). Sending it again must store nothing new: the database's unique
constraint on (owner, client_id) decides, so two copies arriving at the same moment cannot both
be stored (CONTRACT.md).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from katapp.domain import gate
from katapp.extensions import db

T = TypeVar("T")
ISO_HINT = "an ISO 8601 time with an offset, e.g. 2026-03-08T21:15:00-05:00"


def client_id(value: object) -> str:
    """The canonical (lower-case, hyphenated) UUID text; a fresh one when none was sent (None).

    Raises ValueError with a message for anything else that is not a UUID string ("" included:
    the offline queue always sends one, so an empty one is a client bug worth reporting).
    """
    if value is None:
        return str(uuid.uuid4())
    if not isinstance(value, str):
        raise ValueError("must be a UUID like 3f2b1c9e-…")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValueError("must be a UUID like 3f2b1c9e-…") from None


def aware_utc(value: object) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text that carries an offset ("Z" included).

    Raises ValueError with a message for other text, a missing offset, a non-string, or a moment
    outside the one accepted window (katapp.domain.gate: 2000-01-01 to 2100-12-31).
    """
    if not isinstance(value, str):
        raise ValueError(f"must be {ISO_HINT}")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"must be {ISO_HINT}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("needs a time-zone offset (e.g. -05:00 or Z)")
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 shifted by its offset
        raise ValueError(gate.date_problem(dt.date.min)) from None
    problem = gate.date_problem(moment.date())
    if problem:
        raise ValueError(problem)
    return moment


def insert_once(find: Callable[[], T | None], build: Callable[[], T], same: Callable[[T], bool],
                conflict: Callable[[], Exception]) -> tuple[T, bool]:
    """Store what `build()` adds and commit, once per client_id; returns (object, created).

    Insert first, look up only on a clash: a new entry (nearly every request) costs its INSERT and
    nothing else. When the unique (owner, client_id) constraint fires (a resend, or a racing copy),
    the transaction is rolled back and `find()` reads the owner's stored object: it is returned if
    `same(stored)`, else `conflict()` is raised (the client_id was reused for other content). When
    another constraint fired, `find()` finds nothing and the IntegrityError is raised again.
    """
    try:
        obj = build()
        commit_keeping_loaded()
        return obj, True
    except IntegrityError:
        db.session.rollback()
        stored = find()
        if stored is None:  # the constraint that fired was another one
            raise
    if not same(stored):
        raise conflict()
    return stored, False


def commit_keeping_loaded() -> None:
    """Commit without expiring the session's objects, so the answer built from them (and the
    signed-in user) is not read back from the database (it holds what was just written).

    Only for writes whose stored values are all known in Python after the flush (no server-side
    defaults or triggers that change the row); the setting is restored for the rest of the request.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
