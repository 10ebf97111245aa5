"""The patient's check-in pages and questionnaires, as the patient sees them."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import Assessment, AuditEvent, CheckIn, SafetyFlag, utcnow


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def form_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf_token|client_id)"[^>]*value="([^"]*)"', html)
                + re.findall(r'id="(csrf_token|client_id)"[^>]*value="([^"]*)"', html))


def post_checkin(c, **fields):
    page = c.get("/checkin").get_data(as_text=True)
    client_id = re.search(r'name="client_id" type="hidden" value="([^"]+)"|id="client_id" name="client_id" type="hidden" value="([^"]+)"', page)
    cid = next(g for g in client_id.groups() if g) if client_id else None
    data = {"csrf_token": c.csrf, "client_id": cid, "recorded_at": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return c.post("/checkin", data=data)


# --- The home page -------------------------------------------------------------------------------------
def test_home_is_the_check_in_form_with_the_offline_protocol(pat):
    r = pat.get("/checkin")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'data-offline-api="/api/v1/checkins"' in html
    assert 'data-offline-done="/checkin?saved={id}"' in html
    assert 'data-offline-label="check-in"' in html
    for name in ("mood", "anxiety", "energy", "pain", "sleep_hours", "self_harm_thoughts", "note"):
        assert f'name="{name}"' in html and f'data-error-for="{name}"' in html
    mood_radios = [tag for tag in re.findall(r"<input[^>]*>", html) if 'name="mood"' in tag and 'type="radio"' in tag]
    assert sorted(re.search(r'value="(\d+)"', t).group(1) for t in mood_radios) == sorted(str(v) for v in range(11))
    assert "0 = worst" in html and "10 = best" in html
    assert "Thoughts of harming yourself today?" in html
    ids = re.findall(r'value="([0-9a-f-]{36})"', html)
    assert ids and uuid.UUID(ids[0]).version == 4
    again = re.findall(r'value="([0-9a-f-]{36})"', pat.get("/checkin").get_data(as_text=True))
    assert again[0] != ids[0]  # a fresh client_id on every GET


def test_root_sends_patient_to_check_in(pat):
    r = pat.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/checkin")


@pytest.mark.parametrize("path", ["/checkin", "/checkin/history", "/questionnaires/phq9", "/checkin/1/edit",
                                  "/checkin/1/delete", "/questionnaires/results/1"])
def test_patient_pages_are_404_for_staff_and_ask_strangers_to_sign_in(client, login_as, clinician, admin, path):
    assert login_as(clinician).get(path).status_code == 404
    assert login_as(admin).get(path).status_code == 404
    r = client.get(path)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_clinician_cannot_post_a_check_in(login_as, clinician):
    c = login_as(clinician)
    r = c.post("/checkin", data={"csrf_token": c.csrf, "mood": "5"})
    assert r.status_code == 404 and count(CheckIn) == 0


def test_minimal_check_in_saves_and_confirms_with_streak_and_today(pat, patient, make_checkin):
    yesterday = utcnow() - dt.timedelta(days=1)
    make_checkin(patient, recorded_at=yesterday, mood=4)
    r = post_checkin(pat, mood=7)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Saved at" in html
    assert "<strong>2</strong> days in a row" in html
    stored = db.session.scalar(select(CheckIn).order_by(CheckIn.id.desc()))
    assert (stored.mood, stored.patient_id, stored.self_harm_thoughts) == (7, patient.id, None)  # not answered
    assert f"/checkin/{stored.id}/edit" in html and f"/checkin/{stored.id}/delete" in html
    assert "crisis" not in html.split("<main", 1)[1].split("class=\"checkin-form", 1)[0]


def test_full_check_in_from_the_form(pat):
    r = post_checkin(pat, mood=3, anxiety=6, energy=2, pain=4, sleep_hours="6.5", self_harm_thoughts="false", note="tired")
    assert r.status_code == 200
    c = db.session.scalar(select(CheckIn))
    assert (c.mood, c.anxiety, c.energy, c.pain, c.sleep_hours, c.self_harm_thoughts, c.note) == (3, 6, 2, 4, 6.5, False, "tired")


def test_safety_yes_shows_crisis_help_in_the_same_response_and_raises_a_flag(pat, patient):
    r = post_checkin(pat, mood=2, self_harm_thoughts="true")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'class="crisis"' in html and 'href="tel:988"' in html
    flag = db.session.scalar(select(SafetyFlag))
    assert (flag.patient_id, flag.source) == (patient.id, "checkin") and flag.is_open


def test_saved_page_after_offline_send_shows_crisis_help(pat, patient, make_checkin, other_patient):
    mine = make_checkin(patient, self_harm_thoughts=True)
    html = pat.get(f"/checkin?saved={mine.id}").get_data(as_text=True)
    assert "Saved at" in html and 'id="crisis-title"' in html and 'href="tel:988"' in html
    theirs = make_checkin(other_patient, self_harm_thoughts=True)
    html = pat.get(f"/checkin?saved={theirs.id}").get_data(as_text=True)
    assert "Saved at" not in html and 'id="crisis-title"' not in html  # not "988": asset hashes may hold it


@pytest.mark.parametrize(("fields", "message"), [({}, "Choose a number from 0 to 10."), ({"mood": "11"}, "Not a valid choice"),
                                                 ({"mood": "5", "sleep_hours": "25"}, "From 0 to 24 hours."),
                                                 ({"mood": "5", "note": "x" * 2001}, "At most 2000 characters.")])
def test_invalid_form_shows_errors_and_stores_nothing(pat, fields, message):
    r = post_checkin(pat, **fields)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert count(CheckIn) == 0


def test_posting_the_same_form_twice_stores_one(pat, auth):
    page = pat.get("/checkin").get_data(as_text=True)
    cid = re.findall(r'value="([0-9a-f-]{36})"', page)[0]
    data = {"csrf_token": auth.on(pat).csrf_token("/checkin"), "client_id": cid, "mood": "5"}
    assert pat.post("/checkin", data=data).status_code == 200
    assert pat.post("/checkin", data=data).status_code == 200
    assert count(CheckIn) == 1


def test_form_and_api_share_client_id_rules(pat, auth):
    page = pat.get("/checkin").get_data(as_text=True)
    cid = re.findall(r'value="([0-9a-f-]{36})"', page)[0]
    data = {"csrf_token": auth.on(pat).csrf_token("/checkin"), "client_id": cid, "mood": "5"}
    pat.post("/checkin", data=data)
    r = pat.post("/checkin", data={**data, "mood": "6"})
    assert r.status_code == 400 and "already sent with other answers" in r.get_data(as_text=True)
    assert cid not in r.get_data(as_text=True)  # a fresh client_id for the next try
    assert count(CheckIn) == 1


def test_future_recorded_at_from_the_form_is_refused(pat):
    ahead = (utcnow() + dt.timedelta(hours=1)).isoformat()
    r = post_checkin(pat, mood=5, recorded_at=ahead)
    assert r.status_code == 400 and count(CheckIn) == 0


def test_several_check_ins_a_day_are_kept(pat):
    for mood in (3, 5, 8):
        post_checkin(pat, mood=mood)
    html = pat.get("/checkin").get_data(as_text=True)
    assert count(CheckIn) == 3
    assert html.count("checkin-row") == 3


# --- Edit and delete -----------------------------------------------------------------------------------
def test_edit_own_check_in(pat, patient, make_checkin):
    c = make_checkin(patient, mood=4, note="before")
    r = pat.get(f"/checkin/{c.id}/edit")
    assert r.status_code == 200 and "before" in r.get_data(as_text=True)
    r = pat.post(f"/checkin/{c.id}/edit", data={"csrf_token": pat.csrf, "mood": "6", "note": "after", "self_harm_thoughts": "false"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/checkin?saved={c.id}")
    db.session.refresh(c)
    assert (c.mood, c.note) == (6, "after")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checkin.edit"))


def test_edit_to_yes_raises_a_flag(pat, patient, make_checkin):
    c = make_checkin(patient, mood=4)
    pat.post(f"/checkin/{c.id}/edit", data={"csrf_token": pat.csrf, "mood": "4", "self_harm_thoughts": "true"})
    assert db.session.scalar(select(SafetyFlag.checkin_id)) == c.id


def test_edit_refuses_invalid(pat, patient, make_checkin):
    c = make_checkin(patient, mood=4)
    r = pat.post(f"/checkin/{c.id}/edit", data={"csrf_token": pat.csrf, "mood": "12"})
    assert r.status_code == 400
    db.session.refresh(c)
    assert c.mood == 4


def test_delete_own_check_in_after_confirmation(pat, patient, make_checkin):
    c = make_checkin(patient, self_harm_thoughts=True)
    flag = SafetyFlag(patient_id=patient.id, source="checkin", checkin_id=c.id, reason="yes", raised_at=utcnow())
    db.session.add(flag)
    db.session.commit()
    r = pat.get(f"/checkin/{c.id}/delete")
    assert r.status_code == 200 and "Delete this check-in?" in r.get_data(as_text=True)
    assert count(CheckIn) == 1
    r = pat.post(f"/checkin/{c.id}/delete", data={"csrf_token": pat.csrf})
    assert r.status_code == 302 and r.headers["Location"].endswith("/checkin")
    assert count(CheckIn) == 0
    db.session.expire_all()
    assert db.session.get(SafetyFlag, flag.id).is_open  # the care team still sees the flag


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_edit_and_delete_others_or_missing_are_404(pat, make_checkin, other_patient, action):
    theirs = make_checkin(other_patient, mood=1)
    assert pat.get(f"/checkin/{theirs.id}/{action}").status_code == 404
    r = pat.post(f"/checkin/{theirs.id}/{action}", data={"csrf_token": pat.csrf, "mood": "9"})
    assert r.status_code == 404
    assert pat.get(f"/checkin/{theirs.id + 999}/{action}").status_code == 404
    db.session.refresh(theirs)
    assert theirs.mood == 1 and count(CheckIn) == 1


# --- History --------------------------------------------------------------------------------------------
def test_history_by_local_day_newest_first_own_only(pat, patient, other_patient, make_checkin):
    # 03:30 UTC on 2 May is 23:30 on 1 May in New York.
    make_checkin(patient, recorded_at=dt.datetime(2026, 5, 2, 3, 30, tzinfo=dt.UTC), mood=1)
    make_checkin(patient, recorded_at=dt.datetime(2026, 5, 2, 14, 0, tzinfo=dt.UTC), mood=2)
    make_checkin(other_patient, recorded_at=dt.datetime(2026, 5, 2, 14, 0, tzinfo=dt.UTC), mood=9, note="not yours")
    html = pat.get("/checkin/history").get_data(as_text=True)
    assert html.index("Sat 02 May 2026") < html.index("Fri 01 May 2026")
    assert "23:30" in html and "10:00" in html
    assert "not yours" not in html


def test_history_paginates_by_day(pat, patient):
    base = dt.datetime(2026, 1, 1, 17, tzinfo=dt.UTC)
    db.session.add_all([CheckIn(patient_id=patient.id, client_id=str(uuid.uuid4()), recorded_at=base + dt.timedelta(days=i),
                                local_date=(base + dt.timedelta(days=i)).date(), mood=5) for i in range(35)])
    db.session.commit()
    first = pat.get("/checkin/history").get_data(as_text=True)
    assert first.count('class="history-day"') == 30 and "page=2" in first
    second = pat.get("/checkin/history?page=2").get_data(as_text=True)
    assert second.count('class="history-day"') == 5 and "Thu 01 Jan 2026" in second


# --- Questionnaires -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "items"), [("phq9", 9), ("gad7", 7), ("pcl5", 20)])
def test_questionnaire_page_has_every_item_and_the_offline_protocol(pat, pcl5_on, key, items):
    html = pat.get(f"/questionnaires/{key}").get_data(as_text=True)
    assert html.count('class="q-item') == items
    assert f"0 of {items} answered" in html
    assert 'data-offline-api="/api/v1/assessments"' in html
    assert 'data-offline-done="/questionnaires/results/{id}"' in html
    assert f'data-json-index="{items - 1}"' in html and 'data-json-list="answers"' in html
    assert f'name="instrument" value="{key}" data-json="str"' in html


def test_unknown_questionnaire_is_404(pat):
    assert pat.get("/questionnaires/bdi").status_code == 404


def answer_form(c, key, answers):
    data = {"csrf_token": c.csrf, "client_id": str(uuid.uuid4())}
    data.update({f"answer_{i}": str(v) for i, v in enumerate(answers) if v is not None})
    return c.post(f"/questionnaires/{key}", data=data)


def test_questionnaire_result_shows_total_and_meaning(pat):
    r = answer_form(pat, "phq9", [2, 2, 2, 2, 2, 0, 0, 0, 0])
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<strong>10</strong>" in html and "out of 27" in html
    assert "in the moderate range" in html
    assert 'id="crisis-title"' not in html and 'href="tel:988"' not in html
    a = db.session.scalar(select(Assessment))
    assert (a.total, a.severity) == (10, "moderate")
    assert pat.get(f"/questionnaires/results/{a.id}").status_code == 200


def test_questionnaire_item9_shows_crisis_help(pat):
    html = answer_form(pat, "phq9", [0] * 8 + [1]).get_data(as_text=True)
    assert 'href="tel:988"' in html and 'class="crisis"' in html
    assert count(SafetyFlag) == 1


def test_pcl5_result_shows_cut_point_not_bands(pat, pcl5_on):
    html = answer_form(pat, "pcl5", [2] * 20).get_data(as_text=True)
    assert "out of 80" in html and "cut-point is 33" in html


def test_incomplete_questionnaire_keeps_answers_and_names_missing(pat):
    r = answer_form(pat, "gad7", [1, 2, None, 1, 1, 1, 1])
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "6 of 7 answered" in html
    assert html.count(" checked>") == 6  # (the difficulty question says "checked off")
    assert 'data-error-for="answers[2]">must be a whole number' in html
    assert count(Assessment) == 0


def test_result_of_another_patient_is_404(pat, make_assessment, other_patient):
    theirs = make_assessment(other_patient)
    assert pat.get(f"/questionnaires/results/{theirs.id}").status_code == 404


# --- Query count ------------------------------------------------------------------------------------------
def test_home_query_count_does_not_grow_with_history(pat, patient, make_assessment, count_queries):
    def grow(days):
        base = utcnow() - dt.timedelta(days=days)
        db.session.add_all([CheckIn(patient_id=patient.id, client_id=str(uuid.uuid4()), recorded_at=base + dt.timedelta(days=i, hours=h),
                                    local_date=(base + dt.timedelta(days=i)).date(), mood=5) for i in range(days) for h in (0, 1)])
        db.session.commit()

    grow(3)
    make_assessment(patient, "phq9")
    pat.get("/checkin")
    with count_queries() as small:
        assert pat.get("/checkin").status_code == 200
    grow(200)
    make_assessment(patient, "gad7")
    with count_queries() as large:
        assert pat.get("/checkin").status_code == 200
    assert large.count == small.count
    assert small.count <= 15, small.statements
