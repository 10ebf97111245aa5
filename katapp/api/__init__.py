"""JSON API under /api/v1 (CONTRACT.md). Each feature owns one module here."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from katapp.api import checkins, journal, patients, schedule  # noqa: E402,F401
from katapp.api.helpers import ApiError  # noqa: E402


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return exc.response()
