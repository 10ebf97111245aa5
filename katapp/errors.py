"""Error answers: JSON (CONTRACT.md's shape) under /api, friendly pages elsewhere; no tracebacks."""
from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from katapp.extensions import db
from katapp.security import json_error, wants_json

MESSAGES = {
    400: "The request was not valid.",
    401: "Please sign in.",
    403: "Not allowed.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict.",
    413: "That was too large to accept.",
    422: "That is not allowed right now.",
    429: "Too many attempts. Please wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing you entered was lost; please try again.",
}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)


def _answer(status: int, error: str, fields: dict | None = None):
    if wants_json():
        return json_error(status, error, fields)
    return render_template("errors/error.html", status=status, message=MESSAGES.get(status, error)), status


def handle_csrf(exc: CSRFError):
    if wants_json():
        return json_error(400, "csrf token missing or invalid", {"csrf_token": exc.description})
    return render_template(
        "errors/error.html",
        status=400,
        message="This form expired or was sent from elsewhere. Go back, reload the page and try again.",
    ), 400


def handle_http(exc: HTTPException):
    status = exc.code or 500
    if status == 403:  # never reveal that something exists but is not yours
        status = 404
    error = (exc.name or "error").lower()
    if status == 413:
        error = "request body too large"
    if status == 429:
        error = "too many requests"
    return _answer(status, error)


def handle_unexpected(exc: Exception):
    from flask import current_app

    current_app.logger.exception("unhandled error")
    db.session.rollback()
    return _answer(500, "internal error")
