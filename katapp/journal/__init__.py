from flask import Blueprint

bp = Blueprint("journal", __name__, template_folder="templates")

from katapp.journal import routes  # noqa: E402,F401
