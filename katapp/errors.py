"""The one refusal type, and every error answer: JSON (CONTRACT.md's shape) under /api, pages elsewhere.

A service says "no" by raising `Refusal` (or a named subclass; the status lives on the class, as in
indico's core/errors.py). The API answers it as `{"error", "fields"}` with its status; a page
handler catches it and calls `show_on_form(form, refusal)` to put its messages on the form's fields.
An uncaught refusal on a page renders the error page with its message.
"""
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


class Refusal(Exception):
    """A rule said no. `message` is one sentence for a person; `fields` maps a field name to its
    message (API `fields`, form field errors). Nothing was stored when this is raised."""

    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if status is not None:
            self.status = status

    @classmethod
    def check(cls, errors: dict[str, str], message: str = "invalid input") -> None:
        """Raise `cls(message, errors)` when `errors` holds anything (the usual end of a parser)."""
        if errors:
            raise cls(message, errors)


class Invalid(Refusal):
    """400: the input itself is wrong."""

    status = 400


class NotFound(Refusal):
    """404: no such object, or not this user's (never reveal which)."""

    status = 404

    def __init__(self, message: str = "not found", fields: dict[str, str] | None = None):
        super().__init__(message, fields)


class Conflict(Refusal):
    """409: clashes with what is stored (a double booking, a client_id reused with another body)."""

    status = 409


class NotAllowed(Refusal):
    """422: valid, but a rule forbids it now (an uncleared contraindication, a too-early dose)."""

    status = 422


def show_on_form(form, refusal: Refusal, default_field: str | None = None) -> None:
    """Put a refusal's messages on the form's fields; a message for no known field goes to
    `default_field` when given, else to the form's `form_errors` (shown above the form)."""
    placed = False
    for name, message in refusal.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
            placed = True
    if not placed:
        field = getattr(form, default_field, None) if default_field else None
        if field is not None:
            field.errors = [*field.errors, refusal.message] if isinstance(field.errors, list) else [refusal.message]
        else:
            form.form_errors.append(refusal.message)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)


def _answer(status: int, error: str, fields: dict | None = None):
    if wants_json():
        return json_error(status, error, fields)
    return render_template("errors/error.html", status=status, message=MESSAGES.get(status, error)), status


def handle_refusal(exc: Refusal):
    db.session.rollback()
    if wants_json():
        return json_error(exc.status, exc.message, exc.fields)
    return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status


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
