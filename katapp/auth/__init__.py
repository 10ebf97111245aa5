from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from katapp.auth import factor_routes, routes  # noqa: E402,F401  (routes attach to bp)
