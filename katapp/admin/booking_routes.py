"""Admin: the clinic's booking settings (issue #18) at /admin/settings/booking."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from katapp.admin import booking_services as services
from katapp.admin import bp
from katapp.admin.booking_forms import BookingSettingsForm
from katapp.domain.vocabulary import KIND_KEYS
from katapp.security import role_required


@bp.route("/admin/settings/booking", methods=["GET", "POST"])
@role_required("admin")
def booking_settings():
    form = BookingSettingsForm() if request.method == "POST" else BookingSettingsForm(data=services.form_values())
    if form.validate_on_submit():
        services.save(form.open_days.data, form.opens_at.data, form.closes_at.data,
                      {k: form[f"minutes_{k}"].data for k in KIND_KEYS})
        flash("Booking settings saved. New bookings and series use them.", "success")
        return redirect(url_for("admin.booking_settings"))
    return render_template("admin/booking_settings.html", form=form), 400 if form.errors else 200
