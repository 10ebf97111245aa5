"""The one input gate, wired into Flask: every request's text, JSON and path ids, checked once.

`init_inputs(app)` (called by the factory before blueprints are registered) installs
- an `int` URL converter bounded to the database's integer range, so `/journal/99999999999999999999`
  is a 404 like any missing object;
- a before-request check of every query parameter, form value and JSON body: JSON nested more
  than 32 deep is refused before it is parsed, unparsable JSON is a 400, and every string (and
  number) must keep `katapp.domain.gate`'s rules. A refusal is `Invalid` (400, nothing stored),
  answered as the JSON error under /api and as the error page elsewhere.
Forms add per-field rules with the `Text` and `InWindow` validators below.
"""
from __future__ import annotations

import datetime as dt

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from wtforms.validators import ValidationError

from katapp.domain import crisis, gate
from katapp.errors import Invalid

SECRET_FIELDS = frozenset({"password", "confirm", "current_password", "csrf_token"})


class BoundedInt(IntegerConverter):
    """`<int:...>` that matches only ids a 32-bit integer column can hold (larger: no route, 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=gate.MAX_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_inputs(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.before_request(check_request)


def _refuse(name: str, problem: str) -> None:
    raise Invalid(f"{name}: {problem}.", {name: problem[:1].upper() + problem[1:] + "."})


def check_request() -> None:
    """Raise Invalid for the first value of this request that breaks the gate's rules."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            problem = gate.text_problem(name, 100) or gate.text_problem(value, gate.GATE_MAX, secret=name in SECRET_FIELDS)
            if problem:
                _refuse(name, problem)
    if request.is_json and request.content_length != 0:
        check_json_body()


def check_json_body() -> None:
    """Depth before parsing, then the parse itself, then every value (see the module docstring)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return
    if gate.json_too_deep(raw):
        raise Invalid("JSON body nested too deeply", {"body": f"Nest at most {gate.MAX_JSON_DEPTH} levels."})
    try:
        data = request.get_json(silent=False)
    except (BadRequest, ValueError, RecursionError):  # Flask answers a parse error with BadRequest
        raise Invalid("body is not valid JSON", {"body": "Send a valid JSON document."}) from None
    found = gate.json_problem(data)
    if found:
        _refuse(*found)


def check_text(value: str, max_length: int = gate.MAX_TEXT) -> str:
    """`value` when it keeps the text rule, else ValueError with the message (for parsers)."""
    problem = gate.text_problem(value, max_length)
    if problem:
        raise ValueError(problem)
    return value


class Text:
    """WTForms validator: the gate's text rule with this field's length (`name=True`: a name,
    which must also have visible characters)."""

    def __init__(self, max_length: int = gate.MAX_TEXT, name: bool = False):
        self.max_length, self.name = max_length, name

    def __call__(self, _form, field) -> None:
        value = field.data
        if not isinstance(value, str):
            return
        problem = gate.text_problem(value, self.max_length)
        if problem is None and self.name and value and not value.strip():
            problem = "has no visible characters"
        if problem:
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")


class InWindow:
    """WTForms validator: a date (or datetime) inside the one accepted window."""

    def __call__(self, _form, field) -> None:
        value = field.data
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            problem = gate.date_problem(value)
            if problem:
                raise ValidationError("Must be between 2000-01-01 and 2100-12-31.")


def valid_phone(_form, field) -> None:
    """WTForms validator: blank, or a phone number `crisis.normalize_phone` accepts (its message)."""
    try:
        crisis.normalize_phone(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def valid_country(_form, field) -> None:
    """WTForms validator: blank, or a two-letter code `crisis.normalize_country` accepts (its message)."""
    try:
        crisis.normalize_country(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
