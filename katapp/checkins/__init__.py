from flask import Blueprint

bp = Blueprint("checkins", __name__, template_folder="templates")

from katapp.checkins import link_routes, routes  # noqa: E402,F401
