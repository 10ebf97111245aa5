from flask import Blueprint

bp = Blueprint("checkins", __name__, template_folder="templates")

from katapp.checkins import routes  # noqa: E402,F401
