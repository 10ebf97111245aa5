"""A patient's reminder settings and the browsers they receive push reminders in (issue #17 item 1).

Reminders are off until the patient turns them on. A push subscription belongs to one signed-in
patient: when another person signs in on the same phone and subscribes, it moves to them.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from katapp.domain import reminders as rules
from katapp.errors import Invalid, NotFound
from katapp.extensions import db
from katapp.models import PushSubscription, ReminderSettings, User
from katapp.security import audit

SUBSCRIPTION_FIELDS = frozenset({"endpoint", "keys", "expirationTime"})


def settings_for(patient: User) -> ReminderSettings:
    """The stored settings, or an unsaved row of the defaults (reminders off)."""
    row = db.session.get(ReminderSettings, patient.id)
    if row is None:
        row = ReminderSettings(patient_id=patient.id, enabled=False, checkin_minute=19 * 60,
                               quiet_start_minute=21 * 60, quiet_end_minute=8 * 60, checkin_on=True,
                               questionnaire_on=True, session_on=True, after_session_on=True)
    return row


def _minute(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def save_settings(patient: User, data: dict[str, Any]) -> ReminderSettings:
    """Store the patient's choices; Invalid when the check-in time falls in the quiet hours. Commits."""
    checkin, start, end = data["checkin_at"], data["quiet_start"], data["quiet_end"]
    if rules.in_quiet_hours(checkin.replace(second=0, microsecond=0), start, end) and data["checkin_on"]:
        raise Invalid("check-in time in quiet hours",
                      {"checkin_at": "This time is inside your quiet hours: choose another time or change them."})
    row = settings_for(patient)
    if row not in db.session:
        db.session.add(row)
    row.enabled = bool(data["enabled"])
    row.checkin_minute, row.quiet_start_minute, row.quiet_end_minute = _minute(checkin), _minute(start), _minute(end)
    for kind in rules.KINDS:
        setattr(row, f"{kind}_on", bool(data[f"{kind}_on"]))
    audit("reminders.settings", actor=patient, patient_id=patient.id, detail="on" if row.enabled else "off")
    db.session.commit()
    return row


def form_data(row: ReminderSettings) -> dict[str, Any]:
    def at(minute: int) -> dt.time:
        return dt.time(minute // 60, minute % 60)

    return {"enabled": row.enabled, "checkin_at": at(row.checkin_minute), "quiet_start": at(row.quiet_start_minute),
            "quiet_end": at(row.quiet_end_minute), **{f"{k}_on": getattr(row, f"{k}_on") for k in rules.KINDS}}


def has_push(user: User) -> bool:
    return db.session.scalar(select(PushSubscription.id).where(PushSubscription.user_id == user.id).limit(1)) is not None


# --- Push subscriptions (the JSON API) ------------------------------------------------------------------
def _key(value: Any, name: str, length: int, errors: dict[str, str]) -> str | None:
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        errors[f"keys.{name}"] = "required: base64url text"
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length:
        errors[f"keys.{name}"] = f"must be {length} bytes, base64url"
        return None
    return value


def _validate(data: Any) -> tuple[str, str, str]:
    if not isinstance(data, dict):
        raise Invalid("invalid subscription", {"endpoint": "send the browser's PushSubscription as JSON"})
    errors = {name: "unknown field" for name in sorted(set(data) - SUBSCRIPTION_FIELDS)}
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or urlsplit(endpoint).scheme != "https" \
            or not urlsplit(endpoint).hostname:
        errors["endpoint"] = "must be the push service's https address (at most 1000 characters)"
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = _key(keys.get("p256dh"), "p256dh", 65, errors), _key(keys.get("auth"), "auth", 16, errors)
    if errors:
        raise Invalid("invalid subscription", errors)
    return endpoint, p256dh, auth


def subscribe(user: User, data: Any) -> tuple[PushSubscription, bool]:
    """Store the browser's subscription for `user` (moved from whoever had it before). Returns it and
    whether it is new to this user. Commits."""
    endpoint, p256dh, auth = _validate(data)
    row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    created = row is None or row.user_id != user.id
    if row is None:
        row = PushSubscription(endpoint=endpoint, user_id=user.id, p256dh=p256dh, auth=auth)
        db.session.add(row)
    row.user_id, row.p256dh, row.auth = user.id, p256dh, auth
    db.session.flush()
    if created:
        audit("reminders.push_on", actor=user, patient_id=user.id, obj=row)
    db.session.commit()
    return row, created


def unsubscribe(user: User, data: Any) -> None:
    """Forget one of the user's subscriptions (by endpoint); NotFound when it is not theirs. Commits."""
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        raise Invalid("invalid subscription", {"endpoint": "required"})
    done = db.session.execute(delete(PushSubscription).where(PushSubscription.endpoint == endpoint,
                                                             PushSubscription.user_id == user.id))
    if done.rowcount != 1:
        db.session.rollback()
        raise NotFound("no such subscription")
    audit("reminders.push_off", actor=user, patient_id=user.id)
    db.session.commit()


def subscription_json(row: PushSubscription) -> dict[str, Any]:
    return {"id": row.id, "endpoint": row.endpoint, "created_at": row.created_at.isoformat()}
