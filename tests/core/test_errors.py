"""The one refusal type (katapp/errors.py): its JSON answer under /api, its error page elsewhere,
the rollback of whatever the refused request had written, and `show_on_form`."""
from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, StringField

from katapp.errors import Conflict, Invalid, NotAllowed, NotFound, Refusal, show_on_form
from katapp.extensions import db
from katapp.models import AuditEvent, User
from katapp.security import audit_view

REFUSALS = {"invalid": (Invalid, 400), "not_found": (NotFound, 404), "conflict": (Conflict, 409),
            "not_allowed": (NotAllowed, 422)}


def _refusing_view(kind: str):
    """Writes a user and audits a read of them (which the request would commit), then refuses:
    nothing may be stored."""
    user = User(email=f"{kind}@example.org", display_name="Half written", role="patient", timezone="UTC",
                active=True)
    db.session.add(user)
    db.session.flush()
    audit_view(user.id, "test")
    cls, _status = REFUSALS[kind]
    raise cls(f"refused: {kind}", {"field": f"bad {kind}"})


@pytest.fixture
def refusing_app(app):
    app.add_url_rule("/api/v1/test-refusal/<kind>", "api_refusal", _refusing_view)
    app.add_url_rule("/test-refusal/<kind>", "page_refusal", _refusing_view)
    return app


def _users() -> int:
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_api_refusal_answers_the_json_error_shape_with_its_status_and_rolls_back(refusing_app, kind):
    response = refusing_app.test_client().get(f"/api/v1/test-refusal/{kind}")
    assert response.status_code == REFUSALS[kind][1]
    assert response.get_json() == {"error": f"refused: {kind}", "fields": {"field": f"bad {kind}"}}
    assert _users() == 0


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_page_refusal_renders_the_error_page_with_its_message_and_rolls_back(refusing_app, kind):
    response = refusing_app.test_client().get(f"/test-refusal/{kind}")
    assert response.status_code == REFUSALS[kind][1]
    assert response.mimetype == "text/html"
    assert f"refused: {kind}" in response.get_data(as_text=True)
    assert _users() == 0


def test_a_refusal_may_carry_its_own_status():
    assert Refusal("teapot", status=418).status == 418
    assert Refusal("plain").status == 400


def test_check_raises_only_when_there_are_errors():
    Invalid.check({})
    with pytest.raises(Invalid) as caught:
        Invalid.check({"body": "Write something."}, "invalid entry")
    assert (caught.value.message, caught.value.fields, caught.value.status) == (
        "invalid entry", {"body": "Write something."}, 400)


class _Form(FlaskForm):
    class Meta:
        csrf = False

    email = StringField()
    token = HiddenField()


def test_show_on_form_puts_messages_on_their_fields(app):
    with app.test_request_context():
        form = _Form()
        form.validate()
        show_on_form(form, Conflict("taken", {"email": "Already used.", "token": "Expired."}))
        assert (form.email.errors, form.token.errors, form.form_errors) == (["Already used."], ["Expired."], [])


def test_show_on_form_puts_a_message_for_no_known_field_on_the_form(app):
    with app.test_request_context():
        form = _Form()
        form.validate()
        show_on_form(form, NotAllowed("Not now.", {"elsewhere": "Not here."}))
        assert form.form_errors == ["Not now."]
        assert form.email.errors == []


def test_show_on_form_default_field_takes_the_message(app):
    with app.test_request_context():
        form = _Form()
        form.validate()
        show_on_form(form, NotFound("This link expired."), default_field="email")
        assert form.email.errors == ["This link expired."] and form.form_errors == []
