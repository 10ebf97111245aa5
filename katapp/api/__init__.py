"""JSON API under /api/v1 (CONTRACT.md). Each feature owns one module here.

Refusals raised by services are answered by the app's one handler (katapp/errors.py).
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from katapp.api import checkins, journal, patients, push, schedule  # noqa: E402,F401
