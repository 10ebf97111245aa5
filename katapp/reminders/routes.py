"""The patient's reminder settings page (issue #17 item 1). The browser's notification permission is
asked only when the patient taps "Turn on notifications on this phone" (static/js/reminders.js)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from katapp import push
from katapp.domain import reminders as rules
from katapp.errors import Refusal, show_on_form
from katapp.reminders import bp, services
from katapp.reminders.forms import ReminderSettingsForm
from katapp.security import role_required


@bp.route("/reminders", methods=["GET", "POST"])
@role_required("patient")
def settings():
    row = services.settings_for(current_user)
    form = ReminderSettingsForm(data=services.form_data(row))
    if form.validate_on_submit():
        try:
            services.save_settings(current_user, {name: f.data for name, f in form._fields.items()})
        except Refusal as refusal:
            show_on_form(form, refusal, "checkin_at")
        else:
            flash("Reminders on: saved." if form.enabled.data else "Reminders off: saved.", "success")
            return redirect(url_for("reminders.settings"))
    return render_template("reminders/settings.html", form=form, vapid_key=push.public_key(), labels=rules.KIND_LABELS,
                           has_push=services.has_push(current_user)), 400 if form.errors else 200
