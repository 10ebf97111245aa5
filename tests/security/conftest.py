"""The evidence suite's world: patient A with one object of every kind, and one signed-in client per actor.

Actors (issue #14): anonymous, patient A, patient B, clinician on A's team, clinician not on it,
removed clinician (was on A's team, still the clinician of a session booked with A), admin, and a
deactivated user (a clinician on A's team, signed in, then deactivated by an admin). The names the
tests share (actors, A's texts, `table_fingerprint`) live in world.py: no test imports a conftest.
"""
from __future__ import annotations

import datetime as dt

import pytest

from katapp import reminder_links
from katapp.accounts import create_invitation
from katapp.auth.recovery import token_hash
from katapp.extensions import db
from katapp.models import PasswordReset, PushSubscription, SecondFactor, care_team, utcnow

from .world import (
    A_CHECKIN_NOTE,
    A_EMAIL,
    A_FLAG_REASON,
    A_NAME,
    A_PRIVATE_JOURNAL,
    A_SCREENING_DETAILS,
    A_SESSION_NOTE,
    A_SHARED_JOURNAL,
    World,
    signed_in,
)


def _reset_link(user) -> str:
    """A password-reset link for `user`, as `recovery.request_reset` would email it."""
    token = "reset-token-of-reset-person-0123456789"
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token), created_at=utcnow(),
                                 expires_at=utcnow() + dt.timedelta(hours=1)))
    return token


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
    # Three ketamine sessions of A with clinician A, one per step of the dosing day.
    now = utcnow().replace(microsecond=0)
    ids["ketamine"] = make_session(a, clin_a, starts_at=now + dt.timedelta(hours=2), notes=A_SESSION_NOTE).id
    ids["ketamine_checked_in"] = make_session(
        a, clin_a, status="checked_in", starts_at=now - dt.timedelta(hours=5), checked_in_at=now - dt.timedelta(hours=5),
        notes=A_SESSION_NOTE).id
    ids["ketamine_dosed"] = make_session(
        a, clin_a, status="dosed", starts_at=now - dt.timedelta(hours=1), checked_in_at=now - dt.timedelta(hours=1),
        weight_kg=70, dose_mg=35, route="iv", dosed_at=now - dt.timedelta(minutes=50), notes=A_SESSION_NOTE).id
    pending = make_user("patient", email="pending@example.org", clinician=clin_a, display_name="Pending Person",
                        password_hash=None)
    ids["invite_token"] = create_invitation(pending, clin_a)
    ids["pending"] = pending.id
    ids["reset_token"] = _reset_link(make_user("patient", email="reset.me@example.org", clinician=clin_other,
                                               display_name="Reset Person"))
    factor = SecondFactor(user_id=a.id, kind="passkey", name="A's phone", credential_id="passkey-of-a", public_key=b"k")
    db.session.add(factor)
    db.session.flush()
    ids["factor"] = factor.id
    ids["reminder_token"] = reminder_links.issue(a, "checkin")  # a reminder's single-use link (#17)
    db.session.add(PushSubscription(user_id=a.id, endpoint="https://push.example.net/send/patient-a",
                                    p256dh="B" + "A" * 86, auth="A" * 22))
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
