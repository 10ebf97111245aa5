"""The front door (`/` sends each role home) and the health check."""
from flask import jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from katapp.extensions import db
from katapp.main import bp

HOMES = {"patient": "checkins.home", "clinician": "dashboard.caseload", "admin": "dashboard.overview"}


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOMES[current_user.role]))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
