"""The admin's audit page and CSV export; the patient's "Who has seen my records"."""
from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from katapp.audit import bp, services
from katapp.audit.forms import AuditFilterForm
from katapp.domain.disclosures import describe
from katapp.errors import Invalid
from katapp.pagination import paginate
from katapp.security import role_required


def _filters() -> tuple[AuditFilterForm, services.Filters]:
    """The query string's filters; raises Invalid (400) naming each bad field, or an unknown email."""
    form = AuditFilterForm(formdata=request.args)
    form.kind.choices = [("", "Any"), (services.READS, "Reads of a patient's records"),
                         *[(k, k) for k in services.kinds()]]
    form.validate()
    errors = {name: " ".join(f.errors) for name, f in form._fields.items() if f.errors}
    ids = {name: services.user_id_by_email(form[name].data) for name in ("patient", "actor")}
    errors.update({name: "No account has this email." for name in ids if form[name].data and ids[name] is None})
    form.errors_found = errors
    return form, services.Filters(ids["patient"], ids["actor"], form.kind.data or None, form.since.data,
                                  form.until.data)


@bp.route("/admin/audit")
@role_required("admin")
def audit_log():
    form, filters = _filters()
    if form.errors_found:
        return render_template("audit/log.html", form=form, page=None), 400
    page = paginate(services.events(filters, current_user), per_page=100)
    return render_template("audit/log.html", form=form, page=page)


@bp.route("/admin/audit.csv")
@role_required("admin")
def audit_csv():
    form, filters = _filters()
    Invalid.check(form.errors_found, "invalid filter")
    body = stream_with_context(services.export_csv(filters, current_user._get_current_object()))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="katapp-audit.csv"'})


@bp.route("/account/seen")
@role_required("patient")
def seen_my_records():
    page = paginate(services.reads_of(current_user), per_page=100)
    return render_template("audit/seen.html", page=page, describe=describe)
