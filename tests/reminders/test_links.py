"""One tap from a reminder to an answer (issue #17 item 3): a single-use link opens exactly one form,
once, for 72 hours, for its own patient, and nothing else."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from katapp import reminder_links
from katapp.clock import utcnow
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, ReminderLink, SafetyFlag

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture
def link(app):
    """link(patient, form="checkin", now=None) -> the token of a new single-use link."""

    def make(patient, form: str = "checkin", now=None) -> str:
        token = reminder_links.issue(patient, form, now=now)
        db.session.commit()
        return token

    return make


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF field on the page"
    return match.group(1) or match.group(2)


def _open(client, token: str):
    response = client.get(f"/r/{token}")
    return response, response.get_data(as_text=True)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_link_opens_exactly_the_check_in_form_and_saves_it_once(client, patient, link):
    token = link(patient)
    response, page = _open(client, token)
    assert response.status_code == 200
    assert f'action="/r/{token}"' in page and 'name="mood"' in page
    for elsewhere in ("/checkin/history", "/journal", "/progress", "/sessions", "/account"):
        assert f'href="{elsewhere}' not in page  # no way on from the link's page
    client_id = re.search(r'name="client_id" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(f"/r/{token}", data={"csrf_token": _csrf(page), "client_id": client_id, "mood": "6"})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "Check-in saved" in body and "mood 6 out of 10" in body
    assert 'href="/login"' in body and "Sign in" in body
    assert db.session.scalar(select(CheckIn.mood).where(CheckIn.patient_id == patient.id)) == 6
    again = client.post(f"/r/{token}", data={"csrf_token": _csrf(page), "client_id": client_id, "mood": "2"})
    assert again.status_code == 404 and "no longer works" in again.get_data(as_text=True)
    assert _open(client, token)[0].status_code == 404
    assert _count(CheckIn) == 1


def test_the_link_signs_nobody_in(client, patient, link):
    token = link(patient)
    _, page = _open(client, token)
    client.post(f"/r/{token}", data={"csrf_token": _csrf(page), "mood": "5"})
    for path in ("/checkin", "/checkin/history", "/journal", "/progress", "/sessions", "/reminders",
                 "/questionnaires/phq9", "/account/seen"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert client.get("/api/v1/checkins").status_code == 401


def test_a_refused_answer_keeps_the_link(client, patient, link):
    token = link(patient)
    _, page = _open(client, token)
    refused = client.post(f"/r/{token}", data={"csrf_token": _csrf(page)})  # no mood
    assert refused.status_code == 400 and _count(CheckIn) == 0
    assert db.session.scalar(select(ReminderLink.used_at)) is None
    assert client.post(f"/r/{token}", data={"csrf_token": _csrf(page), "mood": "4"}).status_code == 200


def test_opening_the_link_does_not_use_it(client, patient, link):
    """Mail scanners fetch links: only an accepted answer uses it up."""
    token = link(patient)
    for _ in range(3):
        assert _open(client, token)[0].status_code == 200
    assert db.session.scalar(select(ReminderLink.used_at)) is None


def test_an_expired_link_is_refused(client, patient, link):
    token = link(patient, now=utcnow() - dt.timedelta(hours=72, minutes=1))
    response, page = _open(client, token)
    assert response.status_code == 404 and "expired" in page
    fresh = link(patient, now=utcnow() - dt.timedelta(hours=71, minutes=59))
    assert _open(client, fresh)[0].status_code == 200


def test_the_token_is_stored_only_as_its_hash(patient, link):
    token = link(patient)
    row = db.session.scalar(select(ReminderLink))
    assert row.token_hash == reminder_links.token_hash(token) and token not in row.token_hash
    assert row.expires_at - row.created_at == dt.timedelta(hours=72)


def test_another_patients_link_is_refused(login_as, patient, other_patient, link):
    token = link(patient)
    someone_else = login_as(other_patient)
    response = someone_else.get(f"/r/{token}")
    assert response.status_code == 404 and "Pat Patient" not in response.get_data(as_text=True)
    posted = someone_else.post(f"/r/{token}", data={"csrf_token": someone_else.csrf, "mood": "3"})
    assert posted.status_code == 404 and _count(CheckIn) == 0
    assert login_as(patient).get(f"/r/{token}").status_code == 200  # its own patient, signed in: fine


def test_a_made_up_or_deactivated_patients_link_is_refused(client, patient, link):
    assert _open(client, "not-a-real-token")[0].status_code == 404
    token = link(patient)
    patient.active = False
    db.session.commit()
    assert _open(client, token)[0].status_code == 404


def test_a_questionnaire_link_opens_that_questionnaire_and_shows_the_result(client, patient, link):
    token = link(patient, "phq9")
    response, page = _open(client, token)
    assert response.status_code == 200 and "PHQ-9" in page and f'action="/r/{token}"' in page
    assert "data-offline-api" not in page  # no queue: the API needs a sign-in
    answers = {f"answer_{i}": "1" for i in range(9)} | {"answer_8": "0"}
    done = client.post(f"/r/{token}", data={"csrf_token": _csrf(page), **answers})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "Your PHQ-9 result" in body and "<strong>8</strong>" in body
    assert 'href="/login"' in body
    stored = db.session.scalar(select(Assessment))
    assert (stored.patient_id, stored.instrument, stored.total) == (patient.id, "phq9", 8)
    assert client.get(f"/questionnaires/results/{stored.id}").status_code == 302  # the result page needs a sign-in


def test_a_safety_answer_through_the_link_shows_crisis_help_and_raises_a_flag(client, patient, link):
    token = link(patient)
    _, page = _open(client, token)
    done = client.post(f"/r/{token}", data={"csrf_token": _csrf(page), "mood": "1", "self_harm_thoughts": "true"})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "988" in body and "your care team has been told" in body.lower()
    assert db.session.scalar(select(SafetyFlag.patient_id)) == patient.id


def test_the_link_is_rate_limited(client, patient, link):
    token = link(patient)
    statuses = [client.get(f"/r/{token}x").status_code for _ in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
