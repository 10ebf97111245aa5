"""Second factors (issue #15 item 3): passkeys (WebAuthn), authenticator-app codes (TOTP) and ten
one-time recovery codes, shared by sign-in (auth) and the gate every request passes.

- TOTP secrets are stored encrypted (Fernet, key derived from SECRET_KEY with a purpose label), so a
  copy of the database alone cannot mint codes. A code is accepted once: the factor keeps the last
  30-second step used and a guarded UPDATE only moves it forward (no replay, even in parallel).
- Recovery codes are random (50 bits), stored as sha256 only, and used up with a guarded UPDATE.
- Every check of a code or passkey takes a hit on the sign-in limits (auth/limits.py) first.
- `gate`: a clinician or admin without a factor, while the clinic requires one, reaches only the
  enrolment pages (pages redirect there; the API answers 403 with CONTRACT.md's error shape).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
from urllib.parse import urlsplit

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import delete, func, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from katapp.clinic import clinic_settings
from katapp.clock import utcnow
from katapp.errors import Invalid, NotAllowed, NotFound
from katapp.extensions import db
from katapp.models import RecoveryCode, SecondFactor, User
from katapp.security import audit, json_error

RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "katapp"
WRONG_CODE = "That code is not right, or was already used. Try the newest code from your app."
LAST_FACTOR = ("Your clinic requires a second factor for clinicians and admins, so the last one cannot be "
               "removed. Add another first.")
# Endpoints a staff user without a factor may still reach while the clinic requires one.
OPEN_WHILE_ENROLLING = frozenset({
    "static", "auth.login", "auth.logout", "auth.second_step", "auth.two_factor", "auth.totp_setup",
    "auth.passkey_options", "auth.passkey_add", "auth.recovery_codes", "auth.factor_remove",
    "auth.change_password", "account.index", "pwa.manifest", "pwa.service_worker", "pwa.offline", "main.healthz",
})


# --- Encryption of TOTP secrets --------------------------------------------------------------------
def _fernet() -> Fernet:
    key = hashlib.sha256(b"katapp second factors v1\0" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal(token: str | None) -> str | None:
    """The plain text of a `seal`ed token, or None when it is missing or was not made with this key."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


# --- What a user has, and what the clinic requires --------------------------------------------------
def factors(user: User) -> list[SecondFactor]:
    return list(db.session.scalars(select(SecondFactor).where(SecondFactor.user_id == user.id)
                                   .order_by(SecondFactor.kind, SecondFactor.created_at)))


def has_factor(user: User) -> bool:
    return db.session.scalar(select(SecondFactor.id).where(SecondFactor.user_id == user.id).limit(1)) is not None


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def required_for(user: User) -> bool:
    """True when the clinic requires a second factor of `user` (clinicians and admins only)."""
    return user.is_staff and bool(clinic_settings().require_staff_2fa)


def needs_enrolment(user: User) -> bool:
    return required_for(user) and not has_factor(user)


def gate():
    """before_request: a staff user who must enrol first reaches nothing else (see module doc)."""
    if not current_user.is_authenticated or request.endpoint in OPEN_WHILE_ENROLLING or request.endpoint is None:
        return None
    if not needs_enrolment(current_user):
        return None
    if request.path.startswith("/api/"):
        return json_error(403, "second factor required",
                          {"two_factor": "Set up a second factor at /account/two-factor first."})
    flash("Your clinic requires a second factor before you see patient data. Set one up below.", "info")
    return redirect(url_for("auth.two_factor"))


def init_two_factor(app: Flask) -> None:
    app.before_request(gate)
    app.jinja_env.globals["second_factors"] = factors  # the admin's account page lists them


# --- Recovery codes ----------------------------------------------------------------------------------
def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normal_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:40]


def issue_recovery_codes(user: User) -> list[str]:
    """Replace `user`'s recovery codes with ten new ones; returns them (only hashes are stored).
    The caller audits and commits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes (the old ones stop working); audited; commits. NotAllowed without a factor."""
    if not has_factor(user):
        raise NotAllowed("Set up a passkey or an authenticator app first.")
    codes = issue_recovery_codes(user)
    audit("recovery_codes_issued", actor=user, obj=user)
    db.session.commit()
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(_normal_code(code)),
        RecoveryCode.used_at.is_(None)).values(used_at=utcnow()))
    return used.rowcount == 1


# --- Authenticator app (TOTP) --------------------------------------------------------------------------
def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    issuer = f"{TOTP_ISSUER} ({clinic_settings().clinic_name})"[:60]
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an SVG element (no script, no style attribute: fits the CSP)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=4, border=4,
                                    dark="#000", light="#fff", svgclass="qr", lineclass=None, omitsize=True,
                                    title="QR code for your authenticator app")
    return out.getvalue().decode()


def _matching_step(secret: str, code: str) -> int | None:
    """The 30-second step (now, one before or one after, for clock drift) whose code is `code`."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp, now = pyotp.TOTP(secret), int(utcnow().timestamp())
    for offset in (0, -1, 1):
        at = now + offset * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            return at // totp.interval
    return None


def _use_totp(factor: SecondFactor, code: str) -> bool:
    step = _matching_step(unseal(factor.secret) or "", code)
    if step is None:
        return False
    moved = db.session.execute(update(SecondFactor).where(SecondFactor.id == factor.id, SecondFactor.last_step < step)
                               .values(last_step=step, last_used_at=utcnow()))
    return moved.rowcount == 1  # 0: this step (or a later one) was used already: a replay


def enrol_totp(user: User, sealed_secret: str | None, code: str) -> list[str] | None:
    """Store the authenticator app whose secret (sealed, from the set-up page) produced `code`,
    replacing any earlier one. Returns new recovery codes when the user had none, else None.
    Audited; commits. Raises Invalid (field `code`) for a wrong code or an expired set-up."""
    secret = unseal(sealed_secret)
    if secret is None:
        raise Invalid("set-up expired", {"code": "This set-up expired. Scan the new QR code below."})
    step = _matching_step(secret, code)
    if step is None:
        raise Invalid("wrong code", {"code": WRONG_CODE})
    replaced = db.session.scalars(select(SecondFactor).where(SecondFactor.user_id == user.id,
                                                             SecondFactor.kind == "totp")).all()
    for old in replaced:
        db.session.delete(old)
    db.session.flush()
    factor = SecondFactor(user_id=user.id, kind="totp", name="Authenticator app", secret=seal(secret), last_step=step)
    db.session.add(factor)
    db.session.flush()
    audit("two_factor_added", actor=user, obj=factor, detail="authenticator app" + (" (reset)" if replaced else ""))
    codes = _first_codes(user)
    db.session.commit()
    return codes


def _first_codes(user: User) -> list[str] | None:
    if unused_recovery_codes(user):
        return None
    codes = issue_recovery_codes(user)
    audit("recovery_codes_issued", actor=user, obj=user)
    return codes


# --- Passkeys (WebAuthn) ----------------------------------------------------------------------------------
def relying_party() -> tuple[str, str]:
    """(RP id, origin): KATAPP_WEBAUTHN_RP_ID / KATAPP_WEBAUTHN_ORIGIN, else from the request's host."""
    origin = current_app.config.get("WEBAUTHN_ORIGIN") or request.host_url.rstrip("/")
    rp_id = current_app.config.get("WEBAUTHN_RP_ID") or urlsplit(origin).hostname or "localhost"
    return rp_id, origin


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(f.credential_id))
            for f in factors(user) if f.kind == "passkey" and f.credential_id]


def registration_options(user: User) -> tuple[str, str]:
    """(options JSON for navigator.credentials.create, the challenge to keep in the session)."""
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id, rp_name=clinic_settings().clinic_name, user_name=user.email, user_display_name=user.display_name,
        user_id=hashlib.sha256(f"katapp-user:{user.id}".encode()).digest(), exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(resident_key=ResidentKeyRequirement.PREFERRED,
                                                               user_verification=UserVerificationRequirement.PREFERRED))
    return options_to_json(options), bytes_to_base64url(options.challenge)


def add_passkey(user: User, credential: dict, challenge: str | None, name: str) -> list[str] | None:
    """Verify a new passkey's registration against the session's challenge and store it. Returns new
    recovery codes when the user had none. Audited; commits. Invalid when it does not verify."""
    if not challenge:
        raise Invalid("no challenge", {"passkey": "This set-up expired. Try again."})
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=base64url_to_bytes(challenge),
                                                expected_rp_id=rp_id, expected_origin=origin)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise Invalid("passkey not verified", {"passkey": f"The passkey could not be checked ({str(exc)[:120]})."}) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(SecondFactor.id).where(SecondFactor.credential_id == credential_id)):
        raise Invalid("passkey known", {"passkey": "This passkey is already set up."})
    label = " ".join((name or "").split())[:60] or f"Passkey added {utcnow():%Y-%m-%d}"
    factor = SecondFactor(user_id=user.id, kind="passkey", name=label, credential_id=credential_id,
                          public_key=verified.credential_public_key, sign_count=verified.sign_count)
    db.session.add(factor)
    db.session.flush()
    audit("two_factor_added", actor=user, obj=factor, detail=f"passkey: {label}")
    codes = _first_codes(user)
    db.session.commit()
    return codes


def authentication_options(user: User) -> tuple[str, str]:
    rp_id, _ = relying_party()
    options = generate_authentication_options(rp_id=rp_id, allow_credentials=_descriptors(user),
                                              user_verification=UserVerificationRequirement.PREFERRED)
    return options_to_json(options), bytes_to_base64url(options.challenge)


def _use_passkey(user: User, credential: dict, challenge: str | None) -> bool:
    raw_id = credential.get("id") if isinstance(credential, dict) else None
    factor = db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == user.id,
                                                          SecondFactor.kind == "passkey",
                                                          SecondFactor.credential_id == str(raw_id)[:1400]))
    if factor is None or not challenge:
        return False
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(challenge), expected_rp_id=rp_id,
            expected_origin=origin, credential_public_key=factor.public_key, credential_current_sign_count=factor.sign_count)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    factor.sign_count, factor.last_used_at = verified.new_sign_count, utcnow()
    return True


# --- The second step of sign-in ---------------------------------------------------------------------------
def check_second_factor(user: User, *, code: str | None = None, credential: dict | None = None,
                        challenge: str | None = None) -> str | None:
    """Check a code (authenticator app or recovery code) or a passkey assertion for `user`.
    Returns what worked ("totp", "recovery", "passkey") or None. Audits both outcomes; commits.
    Raises limits.TooManyAttempts (429) when the sign-in limits are spent (nothing is checked)."""
    from katapp.auth import limits  # the limiter lives with sign-in; imported here to keep layers one-way

    taken = limits.reserve(user.email, field="code")
    used = None
    if credential is not None:
        used = "passkey" if _use_passkey(user, credential, challenge) else None
    elif code:
        totp = next((f for f in factors(user) if f.kind == "totp"), None)
        if totp is not None and _use_totp(totp, code):
            used = "totp"
        elif _use_recovery_code(user, code):
            used = "recovery"
    if used is None:
        audit("two_factor_failed", actor=user, obj=user)
        db.session.commit()
        return None
    limits.give_back(taken)
    left = unused_recovery_codes(user) if used == "recovery" else None
    audit("sign_in_second_factor", actor=user, obj=user,
          detail=used + (f"; {left} recovery codes left" if left is not None else ""))
    db.session.commit()
    return used


def parse_credential(raw: bytes | str | None) -> dict | None:
    """The browser's credential JSON as a dict (bounded), or None."""
    if not raw or len(raw) > 20000:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# --- Removing factors ------------------------------------------------------------------------------------
def remove_factor(user: User, factor_id: int) -> SecondFactor:
    """Remove one of `user`'s own factors; audited; commits. NotAllowed for the last one when the
    clinic requires a factor; the recovery codes go with the last factor."""
    factor = db.session.scalar(select(SecondFactor).where(SecondFactor.id == factor_id, SecondFactor.user_id == user.id))
    if factor is None:
        raise NotFound("no such factor")
    remaining = [f for f in factors(user) if f.id != factor.id]
    if not remaining and required_for(user):
        raise NotAllowed(LAST_FACTOR)
    audit("two_factor_removed", actor=user, obj=factor, detail=f"{factor.kind}: {factor.name}")
    db.session.delete(factor)
    if not remaining:
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()
    return factor


def reset_by_admin(user: User, admin: User) -> int:
    """Remove every factor and recovery code of `user` (lost phone and codes) and sign them out
    everywhere; they set up a new factor after their next sign-in with their password. Audited (the
    admin as actor, the account as subject); commits. Returns how many factors were removed."""
    removed = db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id)).rowcount
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    audit("two_factor_reset", actor=admin, obj=user, patient_id=user.id if user.is_patient else None,
          detail=f"{removed} factors removed by an admin")
    db.session.commit()
    return removed


def pending_is_fresh(started_at: object, max_age: int = 300) -> bool:
    """True when a half-signed-in state started less than `max_age` seconds ago."""
    return isinstance(started_at, int) and 0 <= int(utcnow().timestamp()) - started_at < max_age
