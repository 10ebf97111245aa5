"""Integration prompts: the library by moment, the clinic's own prompts, the card on the patient home."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string

from katapp.extensions import db
from katapp.journal import prompts, services
from katapp.models import JournalPrompt, utcnow

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("hours,moment", [
    (-1, None), (0, "after_24h"), (12, "after_24h"), (24, "after_24h"), (30, "after_48h"), (48, "after_48h"),
    (60, "after_72h"), (72, "after_72h"), (100, "general"), (168, "general"), (8 * 24, None),
])
def test_moment_after(hours, moment):
    assert prompts.moment_after(dt.timedelta(hours=hours)) == moment


def test_library_adds_clinic_prompts_after_the_built_ins():
    lib = prompts.library([("after_24h", "What colours did you see?"), ("after_24h", "What stood out?"), ("nope", "x")])
    assert lib["after_24h"][0] == "What stood out?"
    assert lib["after_24h"][-1] == "What colours did you see?"
    assert lib["after_24h"].count("What stood out?") == 1
    assert "nope" not in lib


def _completed(make_session, patient, clinician, hours_ago: float, kind: str = "ketamine", status: str = "completed"):
    ends = NOW - dt.timedelta(hours=hours_ago)
    return make_session(patient, clinician, kind=kind, status=status, starts_at=ends - dt.timedelta(minutes=90))


@pytest.mark.parametrize("hours,text", [
    (12, "What stood out?"),
    (30, "What has shifted since?"),
    (60, "What do you want to carry forward?"),
    (5 * 24, "What is on your mind today?"),
    (8 * 24, None),
])
def test_prompt_offered_by_time_since_the_completed_ketamine_session(make_session, patient, clinician, hours, text):
    session = _completed(make_session, patient, clinician, hours)
    offer = services.prompt_for(patient, now=NOW)
    assert (offer.text if offer else None) == text
    if offer:
        assert offer.session.id == session.id


@pytest.mark.parametrize("kind,status", [("integration", "completed"), ("ketamine", "scheduled"),
                                         ("ketamine", "cancelled"), ("ketamine", "no_show")])
def test_only_completed_ketamine_sessions_count(make_session, patient, clinician, kind, status):
    _completed(make_session, patient, clinician, 12, kind=kind, status=status)
    assert services.prompt_for(patient, now=NOW) is None


def test_before_prompt_when_a_ketamine_session_is_within_two_days(make_session, patient, clinician):
    upcoming = make_session(patient, clinician, starts_at=NOW + dt.timedelta(hours=40))
    offer = services.prompt_for(patient, now=NOW)
    assert (offer.moment, offer.text, offer.session.id) == ("before", "What do you hope to explore?", upcoming.id)


def test_no_before_prompt_three_days_ahead(make_session, patient, clinician):
    make_session(patient, clinician, starts_at=NOW + dt.timedelta(days=3))
    assert services.prompt_for(patient, now=NOW) is None


def test_fresh_after_prompt_wins_over_before(make_session, patient, clinician):
    _completed(make_session, patient, clinician, 12)
    make_session(patient, clinician, starts_at=NOW + dt.timedelta(hours=20))
    assert services.prompt_for(patient, now=NOW).moment == "after_24h"


def test_answered_prompt_is_not_offered_again(make_session, make_journal, patient, clinician):
    session = _completed(make_session, patient, clinician, 12)
    make_journal(patient, "It was a lot.", session_id=session.id, prompt="What stood out?")
    assert services.prompt_for(patient, now=NOW) is None


def test_clinic_prompts_extend_the_library(as_patient, app):
    db.session.add_all([JournalPrompt(moment="general", text="What did your body tell you today?"),
                        JournalPrompt(moment="general", text="Retired prompt", active=False)])
    db.session.commit()
    html = as_patient.get("/journal/new").get_data(as_text=True)
    assert "What did your body tell you today?" in html and "Retired prompt" not in html
    linked = as_patient.get("/journal/new?prompt=What+did+your+body+tell+you+today%3F").get_data(as_text=True)
    assert 'name="prompt" type="hidden" value="What did your body tell you today?"' in linked


def test_no_prompt_for_staff(clinician, admin):
    assert services.prompt_for(clinician, now=NOW) is None
    assert services.prompt_for(admin, now=NOW) is None


CARD = '{{ part("journal_prompt") }}'


def test_prompt_card_links_to_the_editor(app, make_session, patient, clinician, as_patient):
    session = make_session(patient, clinician, status="completed",
                           starts_at=(utcnow() - dt.timedelta(hours=14)).replace(microsecond=0))
    from flask_login import login_user

    with app.test_request_context("/checkin"):
        login_user(patient)
        html = render_template_string(CARD)
    assert "What stood out?" in html and "The day after your session" in html
    assert f"/journal/new?session_id={session.id}&amp;prompt=What+stood+out" in html
    editor = as_patient.get(f"/journal/new?session_id={session.id}&prompt=What+stood+out%3F").get_data(as_text=True)
    assert f'<option selected value="{session.id}">' in editor and ">What stood out?</blockquote>" in editor


def test_prompt_card_renders_nothing_when_nothing_fits(app, patient, clinician):
    from flask_login import login_user

    with app.test_request_context("/caseload"):
        login_user(clinician)
        assert render_template_string(CARD).strip() == ""
    with app.test_request_context("/checkin"):
        login_user(patient)
        assert render_template_string(CARD).strip() == ""
