"""Second factors (katapp/twofactor.py): the second step of sign-in, and the account's factor page
(authenticator app, passkeys, recovery codes). Passkey ceremonies are JSON posts from
static/js/passkey.js, with the CSRF token in X-CSRFToken.
"""
from __future__ import annotations

import json

from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from katapp import twofactor
from katapp.auth import bp
from katapp.auth.forms import SecondFactorForm, TotpSetupForm
from katapp.auth.limits import TOO_MANY, TooManyAttempts
from katapp.clock import utcnow
from katapp.errors import Refusal, show_on_form
from katapp.extensions import db
from katapp.models import User
from katapp.security import json_error, safe_next

PENDING = "pending_2fa"


def _options_response(options_json: str):
    """WebAuthn options (already JSON, from the webauthn library) as a JSON response."""
    return current_app.response_class(options_json, mimetype="application/json")


# --- The half-signed-in state: password checked, second factor not yet ------------------------------
def start_second_step(user: User, remember: bool, next_url: str | None):
    """Leave the user half signed in (reaches nothing but the second step) and send them there."""
    session.clear()
    session[PENDING] = {"uid": user.id, "v": user.session_version, "at": int(utcnow().timestamp()),
                        "remember": remember, "next": safe_next(next_url) or ""}
    return redirect(url_for("auth.second_step"))


def _pending_user() -> User | None:
    """The user of a fresh half-signed-in state (5 minutes, same session version), else None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not twofactor.pending_is_fresh(pending.get("at")):
        return None
    user = db.session.get(User, pending.get("uid") or 0)
    if user is None or not user.active or user.session_version != pending.get("v"):
        return None
    return user


def _complete_sign_in(user: User, used: str) -> str:
    pending = session.get(PENDING) or {}
    session.clear()  # a fresh session (no fixation)
    login_user(user, remember=bool(pending.get("remember")) and user.is_patient)
    session.permanent = False
    if used == "recovery":
        left = twofactor.unused_recovery_codes(user)
        flash(f"You signed in with a recovery code; {left} left. Make new ones on your account page if you "
              "are running low.", "info")
    return safe_next(pending.get("next")) or url_for("main.home")


@bp.route("/login/verify", methods=["GET", "POST"])
def second_step():
    user = _pending_user()
    if user is None:
        flash("Your sign-in expired. Enter your email and password again.", "info")
        return redirect(url_for("auth.login"))
    form, status = SecondFactorForm(), 200
    if form.validate_on_submit():
        try:
            used = twofactor.check_second_factor(user, code=form.code.data)
        except TooManyAttempts:
            used, status = None, 429
        if used:
            return redirect(_complete_sign_in(user, used))
        form.code.errors.append(TOO_MANY if status == 429 else twofactor.WRONG_CODE)
        status = status if status == 429 else 400
    kinds = {f.kind for f in twofactor.factors(user)}
    return render_template("auth/second_step.html", form=form, kinds=kinds), status


@bp.route("/login/verify/passkey/options", methods=["POST"])
def passkey_sign_in_options():
    user = _pending_user()
    if user is None:
        return json_error(401, "sign-in expired")
    options, session["webauthn_challenge"] = twofactor.authentication_options(user)
    return _options_response(options)


@bp.route("/login/verify/passkey", methods=["POST"])
def passkey_sign_in():
    user = _pending_user()
    if user is None:
        return json_error(401, "sign-in expired")
    credential = twofactor.parse_credential(request.get_data())
    try:
        used = twofactor.check_second_factor(user, credential=credential or {},
                                             challenge=session.pop("webauthn_challenge", None))
    except TooManyAttempts:
        return json_error(429, "too many attempts", {"passkey": TOO_MANY})
    if not used:
        return json_error(400, "passkey not accepted", {"passkey": "That passkey was not accepted. Try again, or use a code."})
    return jsonify({"redirect": _complete_sign_in(user, used)})


# --- The account's factors ---------------------------------------------------------------------------------
def _stash_codes(codes: list[str] | None) -> None:
    if codes:
        session["fresh_codes"] = twofactor.seal(json.dumps(codes))


def _after_enrolment(codes: list[str] | None, message: str) -> str:
    flash(message, "success")
    _stash_codes(codes)
    return url_for("auth.recovery_codes") if codes else url_for("auth.two_factor")


@bp.route("/account/two-factor")
@login_required
def two_factor():
    return _factor_page()


def _factor_page(error: str | None = None) -> str:
    user = current_user._get_current_object()
    return render_template("auth/two_factor.html", factors=twofactor.factors(user), error=error,
                           codes_left=twofactor.unused_recovery_codes(user), required=twofactor.required_for(user))


@bp.route("/account/two-factor/totp", methods=["GET", "POST"])
@login_required
def totp_setup():
    user, form = current_user._get_current_object(), TotpSetupForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.enrol_totp(user, session.get("totp_setup"), form.code.data)
        except Refusal as refusal:
            show_on_form(form, refusal, default_field="code")
        else:
            session.pop("totp_setup", None)
            return redirect(_after_enrolment(codes, "Your authenticator app is set up."))
    secret = twofactor.unseal(session.get("totp_setup")) if request.method == "POST" else None
    if secret is None:
        secret = twofactor.new_totp_secret()
        session["totp_setup"] = twofactor.seal(secret)
    uri = twofactor.totp_uri(user, secret)
    return render_template("auth/totp_setup.html", form=form, qr=twofactor.qr_svg(uri), secret=secret, uri=uri,
                           replacing=any(f.kind == "totp" for f in twofactor.factors(user))), 400 if form.errors else 200


@bp.route("/account/two-factor/passkey/options", methods=["POST"])
@login_required
def passkey_options():
    options, session["webauthn_challenge"] = twofactor.registration_options(current_user._get_current_object())
    return _options_response(options)


@bp.route("/account/two-factor/passkey", methods=["POST"])
@login_required
def passkey_add():
    body = twofactor.parse_credential(request.get_data()) or {}
    credential = body.get("credential") if isinstance(body.get("credential"), dict) else {}
    try:
        codes = twofactor.add_passkey(current_user._get_current_object(), credential,
                                      session.pop("webauthn_challenge", None), str(body.get("name") or ""))
    except Refusal as refusal:
        return json_error(refusal.status, refusal.message, refusal.fields)
    return jsonify({"redirect": _after_enrolment(codes, "Your passkey is set up.")})


@bp.route("/account/two-factor/<int:factor_id>/remove", methods=["POST"])
@login_required
def factor_remove(factor_id: int):
    try:
        factor = twofactor.remove_factor(current_user._get_current_object(), factor_id)
    except Refusal as refusal:
        return _factor_page(error=refusal.message), refusal.status
    flash(f"Removed: {factor.name}.", "success")
    return redirect(url_for("auth.two_factor"))


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    if request.method == "POST":
        try:
            _stash_codes(twofactor.regenerate_recovery_codes(current_user._get_current_object()))
        except Refusal as refusal:
            flash(refusal.message, "error")
            return redirect(url_for("auth.two_factor"))
        return redirect(url_for("auth.recovery_codes"))
    codes = json.loads(twofactor.unseal(session.pop("fresh_codes", None)) or "[]")
    if not codes:
        flash("Recovery codes are shown only once. Make new ones if you did not keep them.", "info")
        return redirect(url_for("auth.two_factor"))
    return render_template("auth/recovery_codes.html", codes=codes)
