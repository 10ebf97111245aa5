"""Web Push (issue #17): the clinic's VAPID key and sending one encrypted message to a subscription.

The VAPID key comes from `VAPID_PRIVATE_KEY` (PEM or base64url raw) or is generated once into the
instance folder (`vapid_private.pem`, mode 0600; every process and host must share it, so set the
variable when several hosts send). Payloads are encrypted with aes128gcm (RFC 8188) by pywebpush.
"""
from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

KEY_FILE = "vapid_private.pem"
TTL_SECONDS = 12 * 3600  # a reminder older than half a day is not worth delivering
TIMEOUT_SECONDS = 10
GONE = (404, 410)  # the push service says the subscription no longer exists


@dataclass(frozen=True)
class Outcome:
    ok: bool
    gone: bool = False  # the subscription should be deleted
    error: str | None = None


def vapid() -> Vapid02:
    """The clinic's VAPID key (from the config, else the instance file, generated when missing)."""
    cached = current_app.extensions.get("katapp_vapid")
    if cached is not None:
        return cached
    configured = current_app.config.get("VAPID_PRIVATE_KEY")
    key = Vapid02.from_string(configured) if configured and "BEGIN" not in configured else (
        Vapid02.from_pem(configured.encode()) if configured else _instance_key())
    current_app.extensions["katapp_vapid"] = key
    return key


def _instance_key() -> Vapid02:
    path = Path(current_app.instance_path, KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fresh = Vapid02()
        fresh.generate_keys()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(fresh.private_pem())
    return Vapid02.from_file(str(path))


def public_key() -> str:
    """The applicationServerKey the browser subscribes with: base64url of the uncompressed point."""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _subject() -> str:
    subject = current_app.config.get("VAPID_SUBJECT") or current_app.config.get("PUBLIC_URL")
    return subject or "mailto:no-reply@localhost"


def send(endpoint: str, p256dh: str, auth: str, message: dict) -> Outcome:
    """Encrypt `message` (JSON) for one subscription and POST it to its push service."""
    info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
    try:
        webpush(info, data=json.dumps(message), vapid_private_key=vapid(), vapid_claims={"sub": _subject()},
                ttl=TTL_SECONDS, timeout=TIMEOUT_SECONDS)
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        return Outcome(False, gone=status in GONE, error=f"push service answered {status}: {exc.message}"[:500])
    except Exception as exc:  # noqa: BLE001 - a network failure is recorded on the reminder and retried
        return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(True)
