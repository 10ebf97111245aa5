from flask import Blueprint

bp = Blueprint("pwa", __name__, template_folder="templates")

from katapp.pwa import routes  # noqa: E402,F401
