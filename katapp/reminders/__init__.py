from flask import Blueprint

bp = Blueprint("reminders", __name__, template_folder="templates")

from katapp.reminders import routes  # noqa: E402,F401
