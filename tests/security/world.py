"""The evidence suite's world, as plain names: the actors, patient A's secret texts, the World the
`world` fixture (conftest.py) builds, and the helpers the matrix and the attack tests share.

Actors (issue #14): anonymous, patient A, patient B, clinician on A's team, clinician not on it,
removed clinician (was on A's team, still the clinician of a session booked with A), admin, and a
deactivated user (a clinician on A's team, signed in, then deactivated by an admin).
"""
from __future__ import annotations

import dataclasses
import hashlib

from sqlalchemy import select

from katapp.extensions import db

ACTORS = ("anonymous", "patient_a", "patient_b", "clinician_a", "clinician_other", "clinician_removed", "admin",
          "deactivated")

# Text only patient A's care team (and A) may ever see. Every one is unique to the world below.
A_NAME = "Zephyrine Quartermain"
A_EMAIL = "zephyrine.q@example.org"
A_CHECKIN_NOTE = "checkin-note-XQ71"
A_PRIVATE_JOURNAL = "private-journal-XQ72"
A_SHARED_JOURNAL = "shared-journal-XQ73"
A_SESSION_NOTE = "session-note-XQ74"
A_FLAG_REASON = "flag-reason-XQ75"
A_SCREENING_DETAILS = "screening-details-XQ76"
A_SECRETS = (A_NAME, A_EMAIL, A_CHECKIN_NOTE, A_PRIVATE_JOURNAL, A_SHARED_JOURNAL, A_SESSION_NOTE, A_FLAG_REASON,
             A_SCREENING_DETAILS)
# Never shown to anyone but A, not even to the care team.
A_PRIVATE = (A_PRIVATE_JOURNAL,)

AUDIT_TABLES = ("audit_events", "audit_chain_head")


@dataclasses.dataclass
class World:
    users: dict
    clients: dict
    ids: dict


def table_fingerprint(exclude: tuple[str, ...] = AUDIT_TABLES) -> dict[str, str]:
    """{table: sha256 of its rows}: equal before and after a request means nothing was written.

    The audit log and its chain head are left out: recording an attempt (and, since the hash-chained
    log, every read of a patient's records) is a write we want, not a leak.
    """
    db.session.commit()
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name in exclude:
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        out[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return out


def signed_in(app, user, auth):
    """A client carrying `user`'s session cookie, as a sign-in leaves it (the form itself: tests/auth).

    Skips the deliberately slow password hash, so the matrix can build a fresh world for every row.
    """
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    client.csrf = auth.on(client).csrf_token("/account/password")
    return client
