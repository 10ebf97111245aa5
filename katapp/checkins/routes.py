"""Placeholder pages; the check-in feature issue replaces them."""
from flask import render_template

from katapp.checkins import bp
from katapp.security import role_required


@bp.route("/checkin")
@role_required("patient")
def home():
    return render_template("placeholder.html", title="Today's check-in")
