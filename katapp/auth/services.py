"""Accounts: sign-in checks, sessions, invitations, passwords. Services own the commit."""
from __future__ import annotations

from sqlalchemy import select, update

from katapp.accounts import _token_hash, normalize_email
from katapp.auth import limits
from katapp.auth.recovery import record_password_set
from katapp.errors import Invalid, NotFound
from katapp.extensions import db
from katapp.models import Invitation, User, utcnow
from katapp.passwords import hash_password, needs_rehash, validate_password, verify_password
from katapp.security import audit

USED_INVITATION = "This invitation link has expired or was already used."


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; audits both outcomes and commits.

    Unknown email and wrong password take the same time and give the same answer. Raises
    `limits.TooManyAttempts` (429) when the sign-in limits are spent (no password is checked).
    """
    taken = limits.reserve(normalize_email(email))  # before the check: bursts cannot overrun the limit
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit("sign_in_failed", actor=user, detail=normalize_email(email)[:120])
        db.session.commit()
        return None
    limits.give_back(taken)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit("sign_in", actor=user)
    db.session.commit()
    return user


def end_session(user: User) -> None:
    """Sign-out: bump the session version so any copy of the old cookie stops working."""
    user.session_version += 1
    audit("sign_out", actor=user)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and commit; other devices are signed out. Raises Invalid naming the field
    (`current_password` or `password`); a wrong current password is audited and counts towards the
    sign-in limits (TooManyAttempts, 429, once they are spent)."""
    taken = limits.reserve(user.email, field="current_password")  # shares the sign-in limits
    if not verify_password(user.password_hash, current):
        audit("password_change_failed", actor=user)
        db.session.commit()
        raise Invalid("wrong current password", {"current_password": "That is not your current password."})  # nosec B105 - a message, not a password
    limits.give_back(taken)
    _check_password(new, user)
    user.password_hash = hash_password(new)
    user.session_version += 1
    record_password_set(user, "changed by its owner")
    db.session.commit()


# --- Invitations ------------------------------------------------------------------------------------
def open_invitation(token: str) -> Invitation | None:
    """The unused, unexpired invitation for `token`, else None."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    if not invitation.user.active or invitation.user.password_hash is not None:
        return None  # an account with a password is recovered by its own email, never by a link
    return invitation


def _check_password(password: str, user: User) -> None:
    problem = validate_password(password, email=user.email)
    if problem:
        raise Invalid("weak password", {"password": problem})


def accept_invitation(token: str, password: str) -> User:
    """Set the invited user's password, use up the invitation (single use), commit; returns the user.

    Raises NotFound for an expired or used invitation, Invalid for a weak password.
    """
    invitation = open_invitation(token)
    if invitation is None:
        raise NotFound(USED_INVITATION)
    user = invitation.user
    _check_password(password, user)
    # Mark used with a guarded UPDATE so two simultaneous submissions cannot both succeed.
    used = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise NotFound(USED_INVITATION)
    user.password_hash = hash_password(password)
    user.session_version += 1
    record_password_set(user, "set from an invitation", detail=f"invited by user {invitation.created_by_id}")
    db.session.commit()
    return user
