"""Sign in, sign out, invitations, password change."""
from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from katapp import twofactor
from katapp.auth import bp, recovery, services
from katapp.auth.factor_routes import start_second_step
from katapp.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from katapp.auth.limits import TOO_MANY, TooManyAttempts
from katapp.errors import Refusal, show_on_form
from katapp.extensions import limiter
from katapp.security import safe_next

SIGN_IN_FAILED = "That email and password do not match an active account."


def _ip_key() -> str:
    return "reset-ip:" + (request.remote_addr or "unknown")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("main.home"))
    if session.pop("idle_out", False):
        flash("You were signed out after 30 minutes without activity.", "info")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except TooManyAttempts:
            return too_many_attempts(None)
        if user is not None and twofactor.has_factor(user):
            return start_second_step(user, bool(form.remember.data), form.next.data)
        if user is not None:
            session.clear()  # a fresh session on sign-in (no fixation)
            login_user(user, remember=bool(form.remember.data) and user.is_patient)
            session.permanent = False
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        form.password.errors.append(SIGN_IN_FAILED)
    return render_template("auth/login.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(_exc):
    form = LoginForm()
    form.password.errors = [TOO_MANY]
    return render_template("auth/login.html", form=form), 429


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.end_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    invitation = services.open_invitation(token)
    if invitation is None:
        return render_template("auth/invite_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data)
        except Refusal as refusal:
            show_on_form(form, refusal, default_field="password")
        else:
            session.clear()
            login_user(user)
            flash("Welcome to katapp. Your password is set.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/invite.html", form=form, invited=invitation.user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except Refusal as refusal:
            show_on_form(form, refusal, default_field="password")
            return render_template("auth/change_password.html", form=form), 429 if refusal.status == 429 else 200
        else:
            login_user(user)  # this device stays signed in with the new session version
            flash("Password changed. Other devices were signed out.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


# --- Forgot password: a one-time link by email (katapp/auth/recovery.py) ------------------------------
LINK_SENT = ("If that address has a katapp account, we sent it a link to choose a new password. "
             "Check your email (and its spam folder); the link works for {minutes} minutes.")


def _reset_minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 60)


def _reset_email_key() -> str:
    return "reset-email:" + services.normalize_email(request.form.get("email", ""))[:254]


def _reset_throttled(_limit):
    form = ForgotPasswordForm()
    form.email.errors = ["Too many requests for a password link. Wait an hour, then try again."]
    return make_response(render_template("auth/forgot.html", form=form, minutes=_reset_minutes()), 429)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_EMAIL"], key_func=_reset_email_key, methods=["POST"],
               scope="reset-email", on_breach=_reset_throttled)
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], key_func=_ip_key, methods=["POST"],
               scope="reset-ip", on_breach=_reset_throttled)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_reset(form.email.data)  # the same answer whether or not the account exists
        flash(LINK_SENT.format(minutes=_reset_minutes()), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form, minutes=_reset_minutes())


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = recovery.open_reset(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.password.data)
        except Refusal as refusal:
            show_on_form(form, refusal, default_field="password")
        else:
            flash("Your new password is set and every device was signed out. Sign in with it.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, account=reset.user)
