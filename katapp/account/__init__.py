from flask import Blueprint

bp = Blueprint("account", __name__, template_folder="templates")

from katapp.account import routes  # noqa: E402,F401  (routes attach to bp)
