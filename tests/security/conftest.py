"""The evidence suite's world: patient A with one object of every kind, and one signed-in client per actor.

Actors (issue #14): anonymous, patient A, patient B, clinician on A's team, clinician not on it,
removed clinician (was on A's team, still the clinician of a session booked with A), admin, and a
deactivated user (a clinician on A's team, signed in, then deactivated by an admin).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from katapp.accounts import create_invitation
from katapp.extensions import db
from katapp.models import care_team, utcnow

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


@dataclasses.dataclass
class World:
    users: dict
    clients: dict
    ids: dict


def table_fingerprint(exclude: tuple[str, ...] = ("audit_events",)) -> dict[str, str]:
    """{table: sha256 of its rows}: equal before and after a request means nothing was written.

    The audit log is left out: recording a refused attempt is a write we want, not a leak.
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


@pytest.fixture
def world(make_user, make_checkin, make_journal, make_session, make_flag, make_screening, make_assessment, app, auth):
    """Build the world and sign every actor in; returns World(users, clients, ids)."""
    clin_a = make_user("clinician", email="clin.a@example.org", display_name="Dr. Team")
    clin_other = make_user("clinician", email="clin.other@example.org", display_name="Dr. Elsewhere")
    clin_removed = make_user("clinician", email="clin.removed@example.org", display_name="Dr. Former")
    admin = make_user("admin", email="boss@example.org", display_name="Ada Admin")
    deactivated = make_user("clinician", email="gone@example.org", display_name="Dr. Gone", clinician=None)
    a = make_user("patient", email=A_EMAIL, clinician=clin_a, display_name=A_NAME)
    b = make_user("patient", email="bert.b@example.org", clinician=clin_other, display_name="Bert Brown")
    for extra in (clin_removed, deactivated):
        db.session.execute(care_team.insert().values(clinician_id=extra.id, patient_id=a.id))
    db.session.commit()
    soon = (utcnow() + dt.timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    ids = {
        "checkin": make_checkin(a, note=A_CHECKIN_NOTE).id,
        "journal_private": make_journal(a, A_PRIVATE_JOURNAL).id,
        "journal_shared": make_journal(a, A_SHARED_JOURNAL, shared=True).id,
        "session": make_session(a, clin_a, kind="integration", starts_at=soon, notes=A_SESSION_NOTE).id,
        "session_removed": make_session(a, clin_removed, kind="integration", starts_at=soon + dt.timedelta(days=1),
                                        notes=A_SESSION_NOTE).id,
        "flag": make_flag(a, reason=A_FLAG_REASON).id,
        "assessment": make_assessment(a).id,
        "screening": make_screening(a, recorded_by=clin_a, details=A_SCREENING_DETAILS).id,
        "patient": a.id,
    }
    pending = make_user("patient", email="pending@example.org", clinician=clin_a, display_name="Pending Person",
                        password_hash=None)
    ids["invite_token"] = create_invitation(pending, clin_a)
    clin_a.calendar_token = ids["calendar_token"] = "calendar-token-of-clinician-a-0123456789"
    users = {"patient_a": a, "patient_b": b, "clinician_a": clin_a, "clinician_other": clin_other,
             "clinician_removed": clin_removed, "admin": admin, "deactivated": deactivated}
    clients = {name: signed_in(app, user, auth) for name, user in users.items()}
    ids["password"] = auth.password
    clients["anonymous"] = app.test_client()
    clients["anonymous"].csrf = auth.on(clients["anonymous"]).csrf_token("/login")
    # The care-team change and the deactivation happen after sign-in, as they would in a clinic.
    db.session.execute(care_team.delete().where(care_team.c.clinician_id == clin_removed.id))
    deactivated.active = False
    db.session.commit()
    return World(users=users, clients=clients, ids=ids)
