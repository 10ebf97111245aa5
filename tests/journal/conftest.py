"""Journal fixtures: signed-in clients, the editor's hidden fields and posting the editor form."""
from __future__ import annotations

import re

import pytest

HIDDEN = re.compile(r'name="(client_id|recorded_at|prompt)" type="hidden" value="([^"]*)"')


@pytest.fixture
def editor_fields(auth):
    """editor_fields(client, path="/journal/new") -> the hidden fields and CSRF token the editor page
    renders (what a browser would send back)."""

    def fields(client, path: str = "/journal/new") -> dict[str, str]:
        html = client.get(path).get_data(as_text=True)
        found = {name: value for name, value in HIDDEN.findall(html)}
        found["csrf_token"] = auth.on(client).csrf_token(path)
        return found

    return fields


@pytest.fixture
def post_editor(editor_fields):
    """post_editor(client, body, **extra) -> the response to submitting the editor as a browser does
    (hidden fields from the page, CRLF line breaks)."""

    def post(client, body: str, **extra):
        return client.post("/journal/new", data={**editor_fields(client), "body": body, **extra})

    return post


@pytest.fixture
def as_patient(login_as, patient):
    return login_as(patient)


@pytest.fixture
def as_clinician(login_as, clinician):
    return login_as(clinician)
