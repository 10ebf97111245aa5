"""Instruments as published (#13): the unscored "how difficult" question, the PCL-5's instructions
and index event (care team only), the PCL-5 only once a clinician turns it on, and no false
reassurance on a result with item 9 above 0 or an open flag."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from katapp.domain.instruments import INSTRUMENTS
from katapp.extensions import db
from katapp.models import Assessment


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Assessment))


@pytest.fixture
def post(api):
    """post(client, **body) -> the POST /api/v1/assessments answer (a fresh client_id)."""

    def send(c, **body):
        return api(c, "POST", "/api/v1/assessments", json={"client_id": str(uuid.uuid4()), **body})

    return send


# --- "How difficult": asked, stored, never in the total ------------------------------------------------
@pytest.mark.parametrize(("instrument", "answers", "total"), [("phq9", [1] * 9, 9), ("gad7", [2] * 7, 14)])
@pytest.mark.parametrize("difficulty", [0, 3])
def test_difficulty_is_stored_and_not_in_the_total(pat, instrument, answers, total, difficulty, post):
    r = post(pat, instrument=instrument, answers=answers, difficulty=difficulty)
    assert r.status_code == 201, r.json
    assert r.json["total"] == total and r.json["answers"] == answers and r.json["difficulty"] == difficulty
    stored = db.session.get(Assessment, r.json["id"])
    assert (stored.total, stored.difficulty, len(stored.answers)) == (total, difficulty, len(answers))


def test_difficulty_is_optional(pat, post):
    r = post(pat, instrument="phq9", answers=[0] * 9)
    assert r.status_code == 201 and r.json["difficulty"] is None


@pytest.mark.parametrize(("instrument", "answers", "difficulty", "message"), [
    ("phq9", [0] * 9, 4, "must be a whole number from 0 to 3"),
    ("phq9", [0] * 9, -1, "must be a whole number from 0 to 3"),
    ("phq9", [0] * 9, True, "must be a whole number from 0 to 3"),
    ("gad7", [0] * 7, "2", "must be a whole number from 0 to 3"),
    ("pcl5", [0] * 20, 1, "PCL-5 does not ask this question"),
])
def test_bad_difficulty_is_refused_and_nothing_stored(pat, pcl5_on, instrument, answers, difficulty, message, post):
    r = post(pat, instrument=instrument, answers=answers, difficulty=difficulty)
    assert r.status_code == 400
    assert r.json["fields"] == {"difficulty": message}
    assert count() == 0


def test_same_client_id_with_another_difficulty_is_a_conflict(pat, api):
    body = {"client_id": str(uuid.uuid4()), "instrument": "phq9", "answers": [1] * 9, "difficulty": 1}
    assert api(pat, "POST", "/api/v1/assessments", json=body).status_code == 201
    assert api(pat, "POST", "/api/v1/assessments", json=body).status_code == 200
    assert api(pat, "POST", "/api/v1/assessments", json={**body, "difficulty": 2}).status_code == 409
    assert count() == 1


def test_questionnaire_page_asks_difficulty_after_the_items_and_stores_it(pat):
    html = pat.get("/questionnaires/phq9").get_data(as_text=True)
    question = INSTRUMENTS["phq9"].extra
    assert question.text in html and "not part of the score" in html
    assert html.index(question.text) > html.index(INSTRUMENTS["phq9"].items[-1])
    assert 'name="difficulty" value="3" data-json="int"' in html  # the offline queue sends it too
    data = {"csrf_token": pat.csrf, "client_id": str(uuid.uuid4()), "difficulty": "2",
            **{f"answer_{i}": "1" for i in range(9)}}
    r = pat.post("/questionnaires/phq9", data=data)
    assert r.status_code == 200
    stored = db.session.scalar(select(Assessment))
    assert (stored.total, stored.difficulty) == (9, 2)


def test_unanswered_items_keep_the_chosen_difficulty(pat):
    data = {"csrf_token": pat.csrf, "client_id": str(uuid.uuid4()), "difficulty": "1", "answer_0": "2"}
    html = pat.post("/questionnaires/gad7", data=data).get_data(as_text=True)
    assert 'name="difficulty" value="1" data-json="int" checked' in html and "1 of 7 answered" in html
    assert count() == 0


def test_clinician_sees_the_difficulty_answer(login_as, pat, clinician, patient, post):
    post(pat, instrument="phq9", answers=[1] * 9, difficulty=2)
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Very difficult" in html


# --- PCL-5: only once turned on; instructions; the index event, private to the care team ---------------
def test_pcl5_is_hidden_until_a_clinician_turns_it_on(pat, patient, login_as, clinician, post):
    assert pat.get("/questionnaires/pcl5").status_code == 404
    r = post(pat, instrument="pcl5", answers=[1] * 20)
    assert r.status_code == 422 and r.json["fields"] == {"instrument": "your care team has not turned it on"}
    assert count() == 0
    c = login_as(clinician)
    c.post(f"/patients/{patient.id}/instruments", data={"csrf_token": c.csrf, "phq9": "y", "gad7": "y", "pcl5": "y"})
    pat = login_as(patient)
    assert pat.get("/questionnaires/pcl5").status_code == 200
    assert post(pat, instrument="pcl5", answers=[1] * 20).status_code == 201


def test_pcl5_page_shows_its_instructions_and_asks_for_the_index_event(pat, pcl5_on):
    html = pat.get("/questionnaires/pcl5").get_data(as_text=True)
    pcl5 = INSTRUMENTS["pcl5"]
    assert pcl5.instructions in html and "Keeping your worst event in mind" in html
    assert 'name="index_event"' in html and "only your care team reads it" in html
    assert html.index(pcl5.instructions) < html.index(pcl5.items[0])
    assert 'name="difficulty"' not in html


def test_index_event_is_stored_and_shown_to_the_care_team_only(pat, pcl5_on, patient, login_as, clinician, admin):
    data = {"csrf_token": pat.csrf, "client_id": str(uuid.uuid4()), "index_event": "  The car crash in 2019  ",
            **{f"answer_{i}": "1" for i in range(20)}}
    html = pat.post("/questionnaires/pcl5", data=data).get_data(as_text=True)
    assert db.session.scalar(select(Assessment.index_event)) == "The car crash in 2019"
    assert "car crash" not in html  # the result page does not echo it
    assert "car crash" in login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "car crash" not in login_as(admin).get(f"/patients/{patient.id}").get_data(as_text=True)


def test_index_event_json_is_not_echoed_and_is_refused_elsewhere(pat, pcl5_on, post):
    r = post(pat, instrument="pcl5", answers=[0] * 20, index_event="A flood")
    assert r.status_code == 201 and "A flood" not in r.get_data(as_text=True)
    r = post(pat, instrument="phq9", answers=[0] * 9, index_event="A flood")
    assert r.status_code == 400 and r.json["fields"] == {"index_event": "only the PCL-5 asks this question"}
    r = post(pat, instrument="pcl5", answers=[0] * 20, index_event="x" * 1001)
    assert r.status_code == 400 and "at most 1000 characters" in r.json["fields"]["index_event"]
    assert count() == 1


# --- No false reassurance ---------------------------------------------------------------------------------
def test_low_phq9_with_item9_above_0_is_never_reassuring(pat):
    data = {"csrf_token": pat.csrf, "client_id": str(uuid.uuid4()), **{f"answer_{i}": "0" for i in range(8)},
            "answer_8": "1"}
    html = pat.post("/questionnaires/phq9", data=data).get_data(as_text=True)
    assert 'class="crisis"' in html
    assert "few or no signs" not in html and "your care team will look at this soon" in html


def test_a_low_score_while_a_flag_is_open_is_not_reassuring(pat, patient, make_flag):
    make_flag(patient)
    data = {"csrf_token": pat.csrf, "client_id": str(uuid.uuid4()), **{f"answer_{i}": "0" for i in range(7)}}
    html = pat.post("/questionnaires/gad7", data=data).get_data(as_text=True)
    assert "few or no signs" not in html and "your care team will look at this soon" in html


def test_a_low_score_without_flags_may_say_so(pat):
    data = {"csrf_token": pat.csrf, "client_id": str(uuid.uuid4()), **{f"answer_{i}": "0" for i in range(9)}}
    assert "few or no signs of depression" in pat.post("/questionnaires/phq9", data=data).get_data(as_text=True)
