"""Every form field and API field against the same hostile values: a clear 4xx, nothing stored,
never a 5xx (issue #14). Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import User

HOSTILE_TEXT = {
    "nul": "a\x00b",
    "lone surrogate": "x\ud800y",
    "rtl override": "abc\u202edef",
    "zero-width only": "\u200b\u200b",
    "20001 chars": "x" * 20001,
}
HOSTILE_MOMENTS = {"year 1": "0001-01-01T00:00:00+05:00", "year 9999": "9999-12-31T23:59:59-05:00",
                   "year 1900": "1900-06-01T12:00:00Z"}
HOSTILE_DATES = {"year 1": "0001-01-01", "year 9999": "9999-12-31", "year 1900": "1900-06-01"}
HOSTILE_NUMBERS = {"huge int": 10**30, "past 2^31": 2**31, "negative huge": -(10**20)}
NESTED = "[" * 5000 + "]" * 5000


def tomorrow_iso() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0).isoformat()


def row_counts() -> dict[str, int]:
    """Rows in every table but the audit log (refusals may be audited)."""
    db.session.rollback()
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables if t.name != "audit_events"}


# --- The JSON API -------------------------------------------------------------------------------
def api_cases():
    """(actor, method, path, valid body, field, kind of field)."""
    yield "patient", "POST", "/api/v1/checkins", {"mood": 5}, "note", "text"
    yield "patient", "POST", "/api/v1/checkins", {"mood": 5}, "recorded_at", "moment"
    yield "patient", "POST", "/api/v1/checkins", {"mood": 5}, "client_id", "text"
    yield "patient", "POST", "/api/v1/checkins", {}, "mood", "number"
    yield "patient", "POST", "/api/v1/assessments", {"instrument": "phq9", "answers": [0] * 9}, "recorded_at", "moment"
    yield "patient", "POST", "/api/v1/assessments", {"answers": [0] * 9}, "instrument", "text"
    yield "patient", "POST", "/api/v1/journal", {"body": "A reflection."}, "body", "text"
    yield "patient", "POST", "/api/v1/journal", {"body": "A reflection."}, "prompt", "text"
    yield "patient", "POST", "/api/v1/journal", {"body": "A reflection."}, "recorded_at", "moment"
    yield "patient", "POST", "/api/v1/journal", {"body": "A reflection."}, "session_id", "number"
    session = {"kind": "integration", "starts_at": "TOMORROW", "duration_minutes": 60}
    yield "clinician", "POST", "/api/v1/sessions", {**session, "patient_id": "PATIENT"}, "notes", "text"
    yield "clinician", "POST", "/api/v1/sessions", {**session, "patient_id": "PATIENT"}, "kind", "text"
    yield "clinician", "POST", "/api/v1/sessions", {**session, "patient_id": "PATIENT"}, "starts_at", "moment"
    yield "clinician", "POST", "/api/v1/sessions", {**session, "patient_id": "PATIENT"}, "duration_minutes", "number"
    yield "clinician", "POST", "/api/v1/sessions", session, "patient_id", "number"


def values_for(kind: str) -> dict:
    values = dict(HOSTILE_TEXT)
    if kind == "moment":
        values.update(HOSTILE_MOMENTS)
    if kind == "number":
        values.update(HOSTILE_NUMBERS)
    return values


API_PARAMS = [pytest.param(*case[:5], value, id=f"{case[1]} {case[2]} {case[4]}={name}")
              for case in api_cases() for name, value in values_for(case[5]).items()]


@pytest.fixture
def actors(patient, clinician, signed_in):
    return {"patient": signed_in(patient), "clinician": signed_in(clinician), "patient_id": patient.id}


@pytest.mark.parametrize(("actor", "method", "path", "body", "field", "value"), API_PARAMS)
def test_api_field_refuses_hostile_value(actors, api, actor, method, path, body, field, value):
    body = {k: {"TOMORROW": tomorrow_iso(), "PATIENT": actors["patient_id"]}.get(v, v) if isinstance(v, str) else v
            for k, v in body.items()}
    before = row_counts()
    response = api(actors[actor], method, path, json={**body, field: value})
    assert response.status_code in (400, 422), (response.status_code, response.get_data(as_text=True)[:300])
    answer = response.get_json()
    assert answer["error"] and answer["fields"], answer
    assert row_counts() == before


@pytest.mark.parametrize("path", ["/api/v1/checkins", "/api/v1/journal", "/api/v1/sessions", "/api/v1/assessments"])
@pytest.mark.parametrize("raw", [NESTED, '{"a":' * 40 + "1" + "}" * 40, '{"body": "x"', "\xff\xfe", "NaN",
                                 '{"mood": NaN}', '{"mood": 1e999}'], ids=["5000 deep", "40 deep", "cut short",
                                                                           "not utf-8", "NaN", "NaN field", "inf"])
def test_api_refuses_hostile_json_bodies(actors, path, raw):
    c = actors["clinician" if path.endswith("sessions") else "patient"]
    before = row_counts()
    response = c.post(path, data=raw.encode("latin-1"), content_type="application/json",
                      headers={"X-CSRFToken": c.csrf})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert row_counts() == before


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=1900-01-01", "from=a%00b",
                                   "from=%ED%A0%80", "q=%E2%80%AE"])
@pytest.mark.parametrize("path", ["/api/v1/checkins", "/api/v1/sessions", "/api/v1/journal"])
def test_api_queries_refuse_hostile_values(actors, api, path, query):
    harmless = False
    if path == "/api/v1/journal" and query.startswith(("from", "to")):
        query = "q=" + query.split("=", 1)[1]  # the journal list takes ?q=: the text rule, not a date
        harmless = "%00" not in query  # text in a search is fine (werkzeug keeps a bad %-escape as text)
    response = api(actors["patient"], "GET", f"{path}?{query}")
    assert response.status_code == (200 if harmless else 400), response.get_data(as_text=True)[:300]


PATHS_WITH_IDS = ["/api/v1/journal/{}", "/api/v1/patients/{}/summary", "/journal/{}",
                  "/agenda/sessions/{}", "/patients/{}", "/checkin/{}/edit", "/questionnaires/results/{}"]


@pytest.mark.parametrize("template", PATHS_WITH_IDS)
@pytest.mark.parametrize("number", [2**31, 2**63, 99999999999999999999])
def test_ids_beyond_the_database_range_are_404(actors, template, number):
    for who in ("patient", "clinician"):
        assert actors[who].get(template.format(number)).status_code == 404


def test_offline_queued_checkin_with_a_nul_is_refused_not_retried(actors, api):
    """The queue keeps a 4xx for the patient to fix; a 5xx would be retried for ever."""
    item = {"client_id": "3f2b1c9e-0000-4000-8000-000000000001", "recorded_at": "2026-03-08T21:15:00-05:00",
            "mood": 4, "note": "slept \x00 badly"}
    for _ in range(2):
        response = api(actors["patient"], "POST", "/api/v1/checkins", json=item)
        assert response.status_code == 400 and "NUL" in response.get_json()["fields"]["note"]


# --- Pages ----------------------------------------------------------------------------------------
def post_form(auth, client, path: str, data: dict):
    """Post url-encoded like a browser, which sends a lone surrogate as U+FFFD (WHATWG encoding).

    The CSRF token comes from the form's own page, as a browser gets it (`auth`: the conftest fixture).
    """
    data = {"csrf_token": auth.on(client).csrf_token(path), **data}
    data = {k: "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in v) for k, v in data.items()}
    body = urlencode(data, encoding="utf-8")
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def form_cases():
    """(actor, path, valid data, field, kind of field)."""
    yield "patient", "/checkin", {"mood": "5"}, "note", "text"
    yield "patient", "/journal/new", {"body": "A reflection."}, "body", "text"
    yield "patient", "/screening", {}, "details", "text"
    book = {"patient_id": "PATIENT", "kind": "integration", "date": "DATE", "time": "10:00", "duration_minutes": "60"}
    yield "clinician", "/agenda/book", book, "notes", "text"
    yield "clinician", "/agenda/book", book, "date", "date"
    yield "clinician", "/caseload/add", {"email": "new@example.org", "timezone": "UTC"}, "display_name", "text"
    yield "clinician", "/caseload/add", {"display_name": "New", "timezone": "UTC"}, "email", "text"
    yield "admin", "/admin/users/new", {"email": "n2@example.org", "role": "patient", "timezone": "UTC"}, "display_name", "text"
    yield "anonymous", "/login", {"password": "whatever it is"}, "email", "text"


FORM_PARAMS = [pytest.param(*case[:4], value, id=f"{case[1]} {case[3]}={name}")
               for case in form_cases()
               for name, value in {**HOSTILE_TEXT, **(HOSTILE_DATES if case[4] == "date" else {})}.items()]


@pytest.fixture
def page_actors(app, patient, clinician, admin, signed_in, make_screening):
    from katapp.domain.vocabulary import SCREENING_CONDITIONS

    make_screening(patient)
    return {"patient": signed_in(patient), "clinician": signed_in(clinician), "admin": signed_in(admin),
            "anonymous": app.test_client(), "PATIENT": str(patient.id),
            "DATE": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
            "conditions": {c.key: "no" for c in SCREENING_CONDITIONS}}


@pytest.mark.parametrize(("actor", "path", "data", "field", "value"), FORM_PARAMS)
def test_form_field_refuses_hostile_value(page_actors, auth, actor, path, data, field, value):
    data = {k: page_actors[v] if v in ("PATIENT", "DATE") else v for k, v in data.items()}
    if path == "/screening":
        data.update(page_actors["conditions"])
    before = row_counts()
    users = db.session.scalar(select(func.count(User.id)))
    response = post_form(auth, page_actors[actor], path, {**data, field: value})
    text = response.get_data(as_text=True)
    # the gate answers 400; a field validator re-shows the form with the field's message
    assert response.status_code == 400 or (response.status_code == 200 and "has-error" in text), (
        response.status_code, text[:300])
    assert row_counts() == before and db.session.scalar(select(func.count(User.id))) == users
