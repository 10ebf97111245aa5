"""The audit log's chain (chain.py), its views for admins and for patients (routes.py)."""
from flask import Blueprint

from katapp.audit import chain  # noqa: F401  (registers the chain's flush hook and triggers)

bp = Blueprint("audit", __name__, template_folder="templates")

from katapp.audit import routes  # noqa: E402,F401  (routes attach to bp)
