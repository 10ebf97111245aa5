from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")

from katapp.admin import booking_routes, dosing_routes, routes  # noqa: E402,F401
