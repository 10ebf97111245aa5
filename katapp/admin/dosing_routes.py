"""Admin: the clinic's dosing-day settings (issue #12) at /admin/settings/dosing."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from katapp.admin import bp
from katapp.admin import dosing_services as services
from katapp.admin.dosing_forms import BLANK_ROWS, DosingSettingsForm, number_rows
from katapp.errors import Refusal, show_on_form
from katapp.security import role_required


@bp.route("/admin/settings/dosing", methods=["GET", "POST"])
@role_required("admin")
def dosing_settings():
    form = DosingSettingsForm() if request.method == "POST" else DosingSettingsForm(data=_stored())
    if form.validate_on_submit():
        try:
            services.save(_values(form))
        except Refusal as refusal:
            show_on_form(form, refusal)
            return _page(form, refusal), refusal.status
        flash("Dosing settings saved. They apply from the next step of every dosing day.", "success")
        return redirect(url_for("admin.dosing_settings"))
    return _page(form), 400 if form.errors else 200


def _stored() -> dict:
    values = services.form_values()
    for name in ("predose", "discharge"):
        values[name] = values[name] + [services.Row() for _ in range(BLANK_ROWS)]
    return values


def _values(form: DosingSettingsForm) -> dict:
    values = {name: f.data for name, f in form._fields.items() if name not in ("csrf_token", "predose", "discharge")}
    for name in ("predose", "discharge"):
        values[name] = [services.Row(**{"pregnancy_only": False, **row}) for row in form[name].data]
    return values


def _page(form: DosingSettingsForm, refusal: Refusal | None = None) -> str:
    number_rows(form)
    return render_template("admin/dosing_settings.html", form=form, refusal=refusal)
