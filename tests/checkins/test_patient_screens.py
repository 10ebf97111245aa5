"""Issue #18, patients: the questionnaire card, the result's comparison, the 0-10 scale ends,
the check-in home after a check-in, as a patient reads them."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from katapp import clock
from katapp.models import utcnow


def answer(c, key, answers):
    data = {"csrf_token": c.csrf, "client_id": str(uuid.uuid4())}
    data.update({f"answer_{i}": str(v) for i, v in enumerate(answers)})
    return c.post(f"/questionnaires/{key}", data=data)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- 1. The questionnaire card -------------------------------------------------------------------------
def test_due_card_names_the_check_in_plain_words_with_minutes_and_due_today(pat):
    html = pat.get("/checkin").get_data(as_text=True)
    words = text(html)
    assert "Depression check (PHQ-9)" in words and "2 minutes, due today" in words
    assert "Anxiety check (GAD-7)" in words
    assert "Every 7 days" not in words
    # seen first: the card comes before the check-in form, not below it
    assert html.index('class="card due"') < html.index('class="checkin-form')


def test_due_card_says_overdue_since_when_a_questionnaire_is_late(pat, patient, make_assessment):
    ten_days_ago = utcnow() - dt.timedelta(days=10)
    make_assessment(patient, "phq9", recorded_at=ten_days_ago)
    since = clock.local_day(patient, ten_days_ago) + dt.timedelta(days=7)
    words = text(pat.get("/checkin").get_data(as_text=True))
    assert f"Depression check (PHQ-9) 2 minutes, overdue since {since.strftime('%a %d %b')}" in words


def test_nothing_due_shows_the_next_date_after_the_form(pat, patient, make_assessment):
    make_assessment(patient, "phq9")
    make_assessment(patient, "gad7")
    html = pat.get("/checkin").get_data(as_text=True)
    nxt = (clock.local_today(patient) + dt.timedelta(days=7)).strftime("%a %d %b")
    assert 'class="card due"' not in html
    assert f"Next questionnaires: Depression check (PHQ-9) on {nxt}, Anxiety check (GAD-7) on {nxt}." in text(html)


def test_questionnaire_button_and_hint_use_the_same_word(pat):
    words = text(pat.get("/questionnaires/phq9").get_data(as_text=True))
    assert "Send and see my result" in words and "until you press Send" in words
    assert "See my result" not in words


def test_result_says_about_the_same_within_the_noise(pat, patient, make_assessment):
    make_assessment(patient, "phq9", [1] * 9, recorded_at=utcnow() - dt.timedelta(days=8))  # 9
    words = text(answer(pat, "phq9", [2, 2, 1, 1, 1, 1, 1, 1, 0]).get_data(as_text=True))  # 10
    assert "About the same as last time (9 on" in words and "fewer than 5 points" in words
    assert "improv" not in words.lower() and "better" not in words.lower()


def test_result_names_a_change_of_five_points_and_its_direction(pat, patient, make_assessment):
    make_assessment(patient, "phq9", [2] * 9, recorded_at=utcnow() - dt.timedelta(days=8))  # 18
    words = text(answer(pat, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0]).get_data(as_text=True))  # 8
    assert "Lower than last time (18 on" in words and "by 10 points" in words
    make_assessment(patient, "gad7", [0] * 7, recorded_at=utcnow() - dt.timedelta(days=8))
    words = text(answer(pat, "gad7", [1, 1, 1, 1, 1, 0, 0]).get_data(as_text=True))  # 5
    assert "Higher than last time (0 on" in words and "by 5 points" in words


def test_first_result_compares_with_nothing_and_offers_the_other_due_questionnaire(pat):
    html = answer(pat, "phq9", [1] * 9).get_data(as_text=True)
    words = text(html)
    assert "last time" not in words
    assert "Also due: Anxiety check (GAD-7), 2 minutes." in words
    assert 'href="/questionnaires/gad7"' in html
    html = answer(pat, "gad7", [1] * 7).get_data(as_text=True)
    assert "Also due" not in text(html) and 'href="/questionnaires/phq9"' not in html


# --- 2. The 0-10 scales ----------------------------------------------------------------------------------
def test_each_scale_names_both_ends_and_which_way_is_better(pat):
    html = pat.get("/checkin").get_data(as_text=True)
    words = text(html)
    assert "Mood (higher is better)" in words and "0 = worst mood 10 = best mood" in words
    assert "Anxiety (lower is better)" in words and "0 = no anxiety 10 = worst anxiety" in words
    assert "Energy (higher is better)" in words and "0 = no energy 10 = full of energy" in words
    assert "Pain (lower is better)" in words and "0 = no pain 10 = worst pain" in words
    # the colour cue: the good end is marked, on the right for mood/energy, on the left for anxiety/pain
    ends = re.findall(r'id="(\w+)-ends"><span class="scale-end-(\w+)">', html)
    assert dict(ends) == {"mood": "bad", "anxiety": "good", "energy": "bad", "pain": "good"}


# --- 3. After a check-in ---------------------------------------------------------------------------------
def test_a_check_in_earlier_today_is_named_above_the_form(pat, patient):
    fresh = text(pat.get("/checkin").get_data(as_text=True))
    assert "You already checked in" not in fresh and "check in today" not in fresh
    first = post_checkin(pat, mood=6)
    assert first.status_code == 200
    saved_words = text(first.get_data(as_text=True))
    assert "You already checked in" not in saved_words  # the one just saved is the confirmation
    assert "keep it going" not in saved_words
    html = pat.get("/checkin").get_data(as_text=True)
    stamp = re.search(r'class="checkin-time">(\d\d:\d\d)<', html).group(1)
    words = text(html)
    assert f"You already checked in at {stamp} today. Another check-in is welcome" in words
    assert html.index('id="already"') < html.index('name="mood"')
    second = text(post_checkin(pat, mood=7).get_data(as_text=True))
    assert f"You already checked in at {stamp} today, and again just now." in second


def test_a_check_in_delivered_later_updates_the_today_card(pat, patient):
    """The offline queue posts to the API; the page's Today card (re-read by checkin.js) then counts it."""
    from katapp.extensions import db
    from katapp.models import CheckIn

    db.session.add(CheckIn(patient_id=patient.id, client_id=str(uuid.uuid4()), mood=5,
                           recorded_at=utcnow() - dt.timedelta(days=1),
                           local_date=clock.local_today(patient) - dt.timedelta(days=1)))
    db.session.commit()
    assert "check in today to keep it going" in text(pat.get("/checkin").get_data(as_text=True))
    r = pat.post("/api/v1/checkins", json={"client_id": str(uuid.uuid4()), "mood": 6},
                 headers={"X-CSRFToken": pat.csrf})
    assert r.status_code == 201, r.get_data(as_text=True)
    words = text(pat.get("/checkin").get_data(as_text=True))
    assert "keep it going" not in words and "2 days in a row" in words and "You already checked in at" in words


def post_checkin(c, **fields):
    page = c.get("/checkin").get_data(as_text=True)
    cid = re.search(r'name="client_id"[^>]*value="([0-9a-f-]{36})"|value="([0-9a-f-]{36})"[^>]*name="client_id"', page)
    data = {"csrf_token": c.csrf, "client_id": next(g for g in cid.groups() if g), "recorded_at": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return c.post("/checkin", data=data)
