"""Placeholder pages; the dashboards feature issue replaces them."""
from flask import render_template

from katapp.dashboard import bp
from katapp.security import role_required


@bp.route("/caseload")
@role_required("clinician")
def caseload():
    return render_template("placeholder.html", title="Caseload")


@bp.route("/clinic")
@role_required("admin")
def overview():
    return render_template("placeholder.html", title="Clinic overview")


@bp.route("/progress")
@role_required("patient")
def progress():
    return render_template("placeholder.html", title="Your progress")
