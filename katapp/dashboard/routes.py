"""Dashboards: caseload (clinician home), one patient (care team, admin) and their printable report,
own progress (patient), clinic overview (admin home), and the vendored plotly.js, served compressed and cached for a year."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from katapp import flag_review as review
from katapp.dashboard import bp, caseload_csv, plotly_asset, record, services, views
from katapp.security import audit_reads, audit_view, cacheable, get_patient_or_404, role_required


@bp.route("/caseload")
@role_required("clinician")
def caseload():
    show = request.args.get("show", "all")
    if show not in services.FILTERS:
        show = "all"
    page, counts = services.caseload_page(current_user, show)
    audit_reads([row.patient.id for row in page.items], "caseload")
    return render_template("dashboard/caseload.html", **views.caseload_page(page, counts, show))


@bp.route("/caseload.csv")
@role_required("clinician")
def caseload_download():
    rows = services.caseload(current_user)
    audit_reads([row.patient.id for row in rows], "caseload", export=True)
    return Response(list(caseload_csv.chunks(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="katapp-caseload.csv"'})


@bp.route("/patients/<int:patient_id>")
@role_required("clinician", "admin")
def patient(patient_id: int):
    person = get_patient_or_404(current_user, patient_id)
    audit_view(person.id, "dashboard")  # commits: before loading, so nothing loaded is expired after
    record_html, flagged = record.patient_record(person, current_user, care_team=current_user.is_clinician)
    return render_template("dashboard/patient.html", person=person, record=record_html, plotly_url=plotly_asset.url(),
                           flag_groups=review.open_flag_groups(current_user, person.id) if flagged else [])


@bp.route("/patients/<int:patient_id>/report")
@role_required("clinician", "admin")
def report(patient_id: int):
    """The printable progress report (print CSS, static charts): a read of the record, audited."""
    person = get_patient_or_404(current_user, patient_id)
    audit_view(person.id, "report")
    data = services.history(person)
    return render_template("dashboard/report.html", **views.report(data, prepared_by=current_user))


@bp.route("/progress")
@role_required("patient")
def progress():
    data = services.history(current_user)
    return render_template("dashboard/progress.html", **views.progress(data))


@bp.route("/clinic")
@role_required("admin")
def overview():
    return render_template("dashboard/overview.html", **views.overview(services.overview(current_user)))


@bp.route("/vendor/plotly-<digest>.min.js")
def plotly_js(digest: str):
    """plotly.min.js at a content-hashed URL: gzip when the browser accepts it, cached immutably."""
    if digest != plotly_asset.digest():
        abort(404)
    cacheable()
    return plotly_asset.response(request.accept_encodings["gzip"] > 0)
