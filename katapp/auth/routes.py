"""Sign in, sign out, invitations, password change."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from katapp.auth import bp, services
from katapp.auth.forms import ChangePasswordForm, LoginForm, SetPasswordForm
from katapp.auth.limits import TOO_MANY, TooManyAttempts
from katapp.errors import Refusal, show_on_form
from katapp.security import safe_next

SIGN_IN_FAILED = "That email and password do not match an active account."


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
