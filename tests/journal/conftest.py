"""Journal fixtures: signed-in clients and a small helper to post the editor form."""
from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token

HIDDEN = re.compile(r'name="(client_id|recorded_at|prompt)" type="hidden" value="([^"]*)"')


def editor_fields(client, path: str = "/journal/new") -> dict[str, str]:
    """The hidden fields and CSRF token the editor page renders (what a browser would send back)."""
    html = client.get(path).get_data(as_text=True)
    fields = {name: value for name, value in HIDDEN.findall(html)}
    fields["csrf_token"] = csrf_token(client, path)
    return fields


def post_editor(client, body: str, **extra):
    """Submit the editor as a browser does (hidden fields from the page, CRLF line breaks)."""
    data = {**editor_fields(client), "body": body, **extra}
    return client.post("/journal/new", data=data)


@pytest.fixture
def as_patient(login_as, patient):
    return login_as(patient)


@pytest.fixture
def as_clinician(login_as, clinician):
    return login_as(clinician)
