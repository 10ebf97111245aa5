"""/account: a person's details and the way to every account page (reminders, sign-in, records)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from katapp.account import bp, services
from katapp.account.forms import ProfileForm, profile_form
from katapp.domain.countries import COUNTRY_NAMES
from katapp.errors import Refusal, show_on_form


@bp.route("/account")
@login_required
def index():
    return _page(profile_form(current_user, from_request=False))


def _page(form: ProfileForm, status: int = 200):
    return render_template("account/index.html", form=form, countries=COUNTRY_NAMES), status


@bp.route("/account/profile", methods=["POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = profile_form(user)
    if form.validate_on_submit():
        try:
            changed = services.save_profile(user, timezone=form.timezone.data, phone=form.data.get("phone"),
                                            country=form.data.get("country"))
        except Refusal as refusal:
            show_on_form(form, refusal, default_field="timezone")
        else:
            flash("Your details are saved." if changed else "Nothing changed.", "success" if changed else "info")
            return redirect(url_for("account.index"))
    return _page(form, 400)
