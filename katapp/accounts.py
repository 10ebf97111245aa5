"""Account primitives shared by sign-in (auth) and account management (admin, the command line):
the one email normalisation, the one way to make an invitation and the one way to email an
account's owner. Not a feature: no pages.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import select

from katapp.errors import NotAllowed
from katapp.extensions import db
from katapp.models import Invitation, OutboxEmail, User, utcnow

ALREADY_SET_UP = ("This account already has a password, so no invitation link can be made for it. "
                "Its owner can set a new one with \"Forgot your password?\" on the sign-in page.")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(user: User, created_by: User | None) -> str:
    """A new single-use invitation for `user`; returns the token (only its hash is stored).

    Earlier unused invitations for the same user are expired. The caller commits. Raises NotAllowed
    for an account that already has a password (no takeover: it recovers through its own email).
    """
    if user.password_hash is not None:
        raise NotAllowed(ALREADY_SET_UP)
    now = utcnow()
    for old in db.session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
    ):
        old.expires_at = min(old.expires_at, now)
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            created_by_id=created_by.id if created_by else None,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + current_app.config["INVITATION_TTL"],
        )
    )
    return token


def send_account_email(to_address: str, subject: str, body: str) -> None:
    """Queue an email to an account's owner in the caller's transaction (the caller commits);
    `flask send-alerts` sends it. Without an SMTP server (development) it is also logged at once."""
    db.session.add(OutboxEmail(to_address=to_address, subject=subject, body=body, kind="account"))
    if current_app.config.get("MAIL_BACKEND") == "console":
        current_app.logger.warning("Email to %s: %s\n%s", to_address, subject, body)
