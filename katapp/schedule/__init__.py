from flask import Blueprint

bp = Blueprint("schedule", __name__, template_folder="templates")

from katapp.schedule import routes  # noqa: E402,F401
