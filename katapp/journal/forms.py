"""Journal forms: fields and their HTML attributes only; the rules live in services.py."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField

from katapp.domain import gate


def optional_int(value):
    """'' / None → None; digits → int; anything else stays as is (the service refuses it)."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return number if abs(number) <= gate.MAX_INT else value  # beyond any id: refused as not an id


def crlf_to_lf(value):
    """Browsers submit a textarea's line breaks as CRLF; the user typed LF (see services.py)."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class EntryForm(FlaskForm):
    """The editor. `data-json` attributes let the offline queue send the same fields as JSON."""

    client_id = HiddenField(render_kw={"data-json": "str"})
    recorded_at = HiddenField(render_kw={"data-json": "str"})
    prompt = HiddenField(render_kw={"data-json": "str"})
    body = TextAreaField(
        "Your reflection",
        filters=[crlf_to_lf],
        render_kw={"data-json": "str", "rows": 12, "dir": "auto", "spellcheck": "true",
                   "autocapitalize": "sentences", "autocomplete": "off", "class": "journal-text"},
    )
    session_id = SelectField("Session this is about (optional)", coerce=optional_int, validate_choice=False,
                             render_kw={"data-json": "int"})
    shared = BooleanField("Share with my care team", render_kw={"data-json": "bool", "role": "switch"})


class EditForm(FlaskForm):
    """Editing an entry (online only: it changes an existing row)."""

    prompt = HiddenField()
    body = EntryForm.body
    session_id = EntryForm.session_id
    shared = BooleanField("Share with my care team", render_kw={"role": "switch"})


class ShareForm(FlaskForm):
    """The share switch on an entry's page: posts the wanted state."""

    shared = HiddenField()


class DeleteForm(FlaskForm):
    """Deleting needs only the CSRF token (and the confirmation step on the page)."""
