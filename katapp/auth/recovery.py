"""Password recovery by the account's own email, and the notice its owner gets whenever a password
is set (issue #15). Emails go through the outbox (`flask send-alerts` sends them); without an SMTP
server (development) each one is also written to the log at once, so `make run` shows the link.

A reset link is one-time (a guarded UPDATE marks it used), short-lived (PASSWORD_RESET_TTL), stored
only as its sha256, and ended by a newer request. Asking for one answers the same whether or not the
address has an account. Setting the password bumps the session version: every session ends.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, url_for
from sqlalchemy import select, update

from katapp import accounts
from katapp.clock import utcnow
from katapp.errors import Invalid, NotFound
from katapp.extensions import db
from katapp.models import PasswordReset, User
from katapp.passwords import hash_password, validate_password
from katapp.security import audit, client_ip

USED_RESET = "This password link has expired or was already used. Ask for a new one."
RESET_SUBJECT = "katapp: set a new password"
RESET_BODY = ("Someone (we hope you) asked to set a new password for your katapp account.\n\n"
              "Open this link within {minutes} minutes to choose one (it works once):\n{url}\n\n"
              "If it was not you, ignore this email: your password stays as it is.\n")
NOTICE_SUBJECT = "katapp: your password was set"
NOTICE_BODY = ("The password of your katapp account {email} was {how} at {when} (UTC).\n\n"
               "If this was not you, use \"Forgot your password?\" on the sign-in page at once and tell your clinic.\n")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_account_email(user: User, subject: str, body: str) -> None:
    """Queue an email to the account's owner in the caller's transaction (the caller commits)."""
    accounts.send_account_email(user.email, subject, body)


def record_password_set(user: User, how: str, *, by: User | None = None, detail: str | None = None) -> None:
    """Audit a password set (actor: `by` or the owner; subject: the account) and tell the owner."""
    audit("password_set", actor=by or user, obj=user, patient_id=user.id if user.is_patient else None,
          detail=f"{how}; {detail}" if detail else how)
    when = utcnow().strftime("%Y-%m-%d %H:%M")
    send_account_email(user, NOTICE_SUBJECT, NOTICE_BODY.format(email=user.email, how=how, when=when))


def request_reset(email: str) -> None:
    """Email a reset link when an active account has this address; otherwise do nothing. Commits."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower(), User.active))
    if user is None:
        return
    now, ttl = utcnow(), current_app.config["PASSWORD_RESET_TTL"]
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
                                                   PasswordReset.expires_at > now).values(expires_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token), created_at=now,
                                 expires_at=now + ttl, ip=client_ip()))
    url = url_for("auth.reset_password", token=token, _external=True)
    send_account_email(user, RESET_SUBJECT, RESET_BODY.format(minutes=int(ttl.total_seconds() // 60), url=url))
    audit("password_reset_requested", actor=None, obj=user, patient_id=user.id if user.is_patient else None)
    db.session.commit()


def open_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset for `token` of an active account, else None."""
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or not reset.user.active:
        return None
    return reset


def reset_password(token: str, password: str) -> User:
    """Set the password from a reset link, use the link up, sign out every session; commits.

    Raises NotFound for a used or expired link, Invalid for a weak password.
    """
    reset = open_reset(token)
    if reset is None:
        raise NotFound(USED_RESET)
    user = reset.user
    problem = validate_password(password, email=user.email)
    Invalid.check({"password": problem} if problem else {}, "weak password")
    used = db.session.execute(update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
                              .values(used_at=utcnow()))
    if used.rowcount != 1:  # the same link submitted twice at once: only one wins
        db.session.rollback()
        raise NotFound(USED_RESET)
    user.password_hash = hash_password(password)
    user.session_version += 1
    record_password_set(user, "reset through an emailed link")
    db.session.commit()
    return user
