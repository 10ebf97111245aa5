from flask import Blueprint

bp = Blueprint("exports", __name__, template_folder="templates")

from katapp.exports import routes  # noqa: E402,F401
