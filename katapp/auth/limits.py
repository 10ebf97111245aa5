"""Sign-in limits that hold under bursts, and cannot be turned against an account's owner.

Every password check (sign-in and `/account/password`'s current password) first *reserves* a hit
in the shared limiter storage (an atomic INCR in Redis), so a burst of parallel guesses gets at
most the limit evaluated. Three counters:
- `LOGIN_LIMIT_PER_IP`: one place guessing at many accounts;
- `LOGIN_LIMIT_PER_ACCOUNT`: one account from one place (account + client IP), the strict one;
  a flood from one place therefore never locks the owner out from another;
- `LOGIN_LIMIT_ACCOUNT_WIDE`: one account from everywhere, looser; when it trips, an audit event
  `sign_in_limit_tripped` records it for the admins (once per window).
A successful check gives its reserved hits back, so signing in is never throttled by success.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select

from katapp.errors import Refusal
from katapp.extensions import db, limiter
from katapp.models import User
from katapp.security import audit

TOO_MANY = "Too many failed sign-ins. Wait 15 minutes, then try again."


class TooManyAttempts(Refusal):
    """429: the reserve was refused; no password was checked."""

    status = 429

    def __init__(self, field: str = "password"):
        super().__init__("too many attempts", {field: TOO_MANY})


@dataclass(frozen=True)
class Hit:
    item: RateLimitItem
    keys: tuple[str, ...]


def _hits(account: str) -> list[Hit]:
    ip = request.remote_addr or "unknown"
    config = current_app.config
    return [
        Hit(parse(config["LOGIN_LIMIT_PER_IP"]), ("login-ip", ip)),
        Hit(parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), ("login-account", account, ip)),
        Hit(parse(config["LOGIN_LIMIT_ACCOUNT_WIDE"]), ("login-account-wide", account)),
    ]


def reserve(account: str, field: str = "password") -> list[Hit]:
    """Take one hit on each counter for `account` (a normalised email) before its password is
    checked; returns them (for `give_back`). Raises TooManyAttempts when any counter is spent."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return []
    account = account[:254]
    taken = []
    for hit in _hits(account):
        if not limiter.limiter.hit(hit.item, *hit.keys):
            if hit.keys[0] == "login-account-wide":
                _alert_once(hit, account)
            raise TooManyAttempts(field)
        taken.append(hit)
    return taken


def give_back(taken: list[Hit]) -> None:
    """Return reserved hits after a successful check (fixed-window storage only; nothing when the
    limits are switched off, since `reserve` then took none)."""
    if not taken:
        return
    strategy = limiter.limiter
    if not isinstance(strategy, FixedWindowRateLimiter):
        return
    for hit in taken:
        strategy.storage.incr(hit.item.key_for(*hit.keys), hit.item.get_expiry(), amount=-1)


def _alert_once(hit: Hit, account: str) -> None:
    """Audit (for the admins) the first refused attempt of a window on the account-wide cap."""
    count = limiter.limiter.storage.get(hit.item.key_for(*hit.keys))
    if count == hit.item.amount + 1:
        user = db.session.scalar(select(User).where(User.email == account))
        audit("sign_in_limit_tripped", actor=None, obj=user, detail=f"account-wide cap for {account}"[:255])
        db.session.commit()
