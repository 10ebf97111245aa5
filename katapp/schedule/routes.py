"""Placeholder pages; the scheduling feature issue replaces them."""
from flask import render_template

from katapp.schedule import bp
from katapp.security import role_required


@bp.route("/agenda")
@role_required("clinician")
def agenda():
    return render_template("placeholder.html", title="Agenda")


@bp.route("/sessions")
@role_required("patient")
def mine():
    return render_template("placeholder.html", title="Your sessions")
