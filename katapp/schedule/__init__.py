from flask import Blueprint

bp = Blueprint("schedule", __name__, template_folder="templates")

from katapp.schedule import dosing_routes, routes  # noqa: E402,F401
