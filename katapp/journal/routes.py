"""Placeholder pages; the journal feature issue replaces them."""
from flask import render_template

from katapp.journal import bp
from katapp.security import role_required


@bp.route("/journal")
@role_required("patient")
def index():
    return render_template("placeholder.html", title="Journal")
