"""Issue #11, the patient's side: crisis help everywhere, the truth about who was told, the safety
answer dated when it was given, and "not answered" stored as such."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import func, select

from katapp.crisis_help import NOT_TOLD, TOLD, WAITING
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, OutboxEmail, SafetyFlag, utcnow

NINE_WITH_ITEM9_3 = [1, 1, 1, 1, 1, 1, 1, 1, 3]


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def post_form(c, **fields):
    data = {"csrf_token": c.csrf, "client_id": str(uuid.uuid4()), "recorded_at": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return c.post("/checkin", data=data)


def phq9_form(c, answers):
    data = {"csrf_token": c.csrf, "client_id": str(uuid.uuid4())}
    data.update({f"answer_{i}": str(v) for i, v in enumerate(answers)})
    return c.post("/questionnaires/phq9", data=data)


def card(html: str) -> str:
    """The crisis card the patient sees (not the JSON the page keeps for the phone)."""
    found = re.search(r'<section class="crisis".*?</section>', html, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def alone(make_user, other_clinician):
    """A patient whose only clinician was deactivated: nobody on the care team can be told."""
    patient = make_user("patient", email="alone@example.org", clinician=other_clinician)
    other_clinician.active = False
    db.session.commit()
    return patient


# --- 6. Safety question answered, not assumed ----------------------------------------------------------
@pytest.mark.parametrize(("given", "stored"), [(True, True), (False, False), (..., None), (None, None)])
def test_safety_answer_is_stored_as_given_and_unanswered_is_null(pat, body, api, given, stored):
    r = api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=given))
    assert r.status_code == 201 and r.json["self_harm_thoughts"] is stored
    assert db.session.scalar(select(CheckIn.self_harm_thoughts)) is stored
    assert rows(SafetyFlag) == (1 if stored else 0)


def test_unanswered_on_the_form_is_null_not_no(pat):
    assert post_form(pat, mood=5).status_code == 200
    assert db.session.scalar(select(CheckIn.self_harm_thoughts)) is None


def test_edit_page_leaves_an_unanswered_question_unanswered(pat, patient, make_checkin):
    checkin = make_checkin(patient, self_harm_thoughts=None)
    html = pat.get(f"/checkin/{checkin.id}/edit").get_data(as_text=True)
    radios = [t for t in re.findall(r"<input[^>]*>", html) if 'name="self_harm_thoughts"' in t]
    assert len(radios) == 2 and not any("checked" in t for t in radios)
    r = pat.post(f"/checkin/{checkin.id}/edit", data={"csrf_token": pat.csrf, "mood": "4"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).self_harm_thoughts is None


def test_safety_answer_must_be_a_boolean(pat, body, api):
    r = api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts="no"))
    assert r.status_code == 400 and "self_harm_thoughts" in r.json["fields"]
    assert rows(CheckIn) == 0


# --- 2. What the patient is told is true ---------------------------------------------------------------
def test_care_team_is_told_and_the_patient_hears_so(pat, body, api, clinician):
    r = api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True))
    assert r.status_code == 201 and r.json["care_team_notified"] is True
    assert db.session.scalars(select(OutboxEmail.to_address)).all() == [clinician.email]
    shown = card(pat.get(f"/checkin?saved={r.json['id']}").get_data(as_text=True))
    assert TOLD in shown and NOT_TOLD not in shown


def test_nobody_to_tell_is_said_honestly(login_as, alone, body, api):
    c = login_as(alone)
    r = api(c, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True))
    assert r.status_code == 201 and r.json["care_team_notified"] is False
    assert rows(OutboxEmail) == 0 and rows(SafetyFlag) == 1
    shown = card(post_form(c, mood=2, self_harm_thoughts="true").get_data(as_text=True))
    assert NOT_TOLD in shown and TOLD not in shown
    assert 'href="tel:988"' in shown


def test_no_care_team_but_on_call_is_told(login_as, make_user, other_clinician, put_on_call, body, api):
    put_on_call(other_clinician)
    c = login_as(make_user("patient", email="nobody@example.org"))
    r = api(c, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True))
    assert r.json["care_team_notified"] is True
    assert db.session.scalars(select(OutboxEmail.to_address)).all() == [other_clinician.email]


def test_phq9_item9_tells_the_truth_in_api_and_page(login_as, pat, alone, api):
    r = api(pat, "POST", "/api/v1/assessments",
            json={"client_id": str(uuid.uuid4()), "instrument": "phq9", "answers": NINE_WITH_ITEM9_3})
    assert r.status_code == 201 and r.json["care_team_notified"] is True
    html = phq9_form(login_as(alone), NINE_WITH_ITEM9_3).get_data(as_text=True)
    assert NOT_TOLD in card(html) and TOLD not in card(html)
    assert html.index('id="crisis-title"') < html.index("Your PHQ-9 result")  # help comes first


def test_no_safety_answer_means_nothing_to_tell(pat, body, api):
    assert api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=False)).json["care_team_notified"] is None
    r = api(pat, "POST", "/api/v1/assessments", json={"client_id": str(uuid.uuid4()), "instrument": "gad7",
                                                      "answers": [1] * 7})
    assert r.json["care_team_notified"] is None and r.json["crisis_help"] is None


def test_a_resent_yes_is_told_once_and_answers_the_same(pat, body, api):
    data = body(self_harm_thoughts=True)
    first = api(pat, "POST", "/api/v1/checkins", json=data)
    again = api(pat, "POST", "/api/v1/checkins", json=data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json and again.json["care_team_notified"] is True
    assert rows(OutboxEmail) == 1 and rows(SafetyFlag) == 1


def test_list_says_who_was_told_without_a_query_per_row(pat, patient, body, api, count_queries):
    api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True))
    with count_queries() as one:
        api(pat, "GET", "/api/v1/checkins")
    for _ in range(5):
        api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True))
    with count_queries() as six:
        items = api(pat, "GET", "/api/v1/checkins").json["items"]
    assert [i["care_team_notified"] for i in items] == [True] * 6
    assert six.count == one.count


# --- 5. The flag is dated when the patient answered ----------------------------------------------------
def test_a_late_synced_yes_keeps_when_it_was_answered(pat, body, api):
    answered = (utcnow() - dt.timedelta(hours=9)).replace(microsecond=0)
    r = api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True, recorded_at=answered.isoformat()))
    assert r.status_code == 201
    flag = db.session.scalar(select(SafetyFlag))
    assert flag.answered_at == answered
    assert flag.raised_at - answered > dt.timedelta(hours=8, minutes=59)  # arrived now


def test_a_late_synced_phq9_keeps_when_it_was_answered(pat, api):
    answered = (utcnow() - dt.timedelta(days=2)).replace(microsecond=0)
    api(pat, "POST", "/api/v1/assessments", json={"client_id": str(uuid.uuid4()), "instrument": "phq9",
                                                  "answers": NINE_WITH_ITEM9_3, "recorded_at": answered.isoformat()})
    flag = db.session.scalar(select(SafetyFlag))
    assert flag.answered_at == answered == db.session.scalar(select(Assessment.recorded_at))


# --- 1. Crisis help, always -----------------------------------------------------------------------------
def test_no_streak_or_encouragement_under_the_crisis_card(pat, patient, make_checkin):
    make_checkin(patient, recorded_at=utcnow() - dt.timedelta(days=1))
    html = post_form(pat, mood=2, self_harm_thoughts="true").get_data(as_text=True)
    assert 'class="crisis"' in html
    assert "in a row" not in html and "Thank you" not in html and "keep it going" not in html


def test_help_page_has_tap_to_call_and_text_and_the_honest_line(client):
    html = client.get("/help").get_data(as_text=True)
    assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html
    assert "This app is not watched around the clock. If you are in immediate danger, call 911 now." in html


def test_help_page_follows_the_patients_country(login_as, make_user, clinician):
    uk = login_as(make_user("patient", email="uk@example.org", clinician=clinician, country="GB"))
    html = uk.get("/help").get_data(as_text=True)
    assert 'href="tel:999"' in html and 'href="tel:116123"' in html and "tel:988" not in html
    assert "call 999 now" in html
    elsewhere = login_as(make_user("patient", email="fr@example.org", clinician=clinician, country="FR"))
    html = elsewhere.get("/help").get_data(as_text=True)
    assert '<p class="crisis-info">Call your local emergency number</p>' in html and "tel:" not in html
    assert "call your local emergency number now" in html


def test_every_patient_page_links_to_help_and_carries_it_for_offline(pat):
    for path in ("/checkin", "/checkin/history", "/questionnaires/phq9", "/journal/new", "/help"):
        html = pat.get(path).get_data(as_text=True)
        assert 'class="help-link" href="/help"' in html, path
        data = re.search(r'<script type="application/json" id="crisis-help-data">(.*?)</script>', html)
        assert data and '"href": "tel:988"' in data.group(1), path


def test_staff_pages_carry_no_patient_crisis_data(login_as, clinician):
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    assert "crisis-help-data" not in html


def test_offline_page_has_help_with_buttons(client):
    html = client.get("/offline").get_data(as_text=True)
    assert "Get help now" in html and 'href="tel:988"' in html and 'href="sms:988"' in html
    assert "not watched around the clock" in html


def test_help_page_is_kept_for_offline_by_the_worker(client):
    js = client.get("/sw.js").get_data(as_text=True)
    assert '"/help"' in js.split("\n", 1)[0]


def test_the_waiting_message_is_carried_for_the_phone(pat):
    html = pat.get("/checkin").get_data(as_text=True)
    assert WAITING.split(":")[0] in html
