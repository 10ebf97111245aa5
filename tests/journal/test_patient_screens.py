"""Issue #18, patients: the journal editor's prompt picker, who "my care team" is, the list's chip."""
from __future__ import annotations

import re

from katapp.extensions import db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_prompt_picker_comes_before_the_editor_with_prompts_to_tap(as_patient):
    html = as_patient.get("/journal/new").get_data(as_text=True)
    picker, editor = html.index('class="journal-prompts card"'), html.index('name="body"')
    assert picker < editor
    quick = html[picker:html.index("<details", picker)]
    assert "Need a prompt?" in quick and quick.count("/journal/new?prompt=") == 3
    assert "More prompts" in html


def test_with_a_prompt_chosen_the_picker_offers_another(as_patient):
    html = as_patient.get("/journal/new?prompt=What+stood+out%3F").get_data(as_text=True)
    words = text(html)
    assert "Choose another prompt" in words and "Need a prompt?" not in words
    assert html.index("Choose another prompt") < html.index('name="body"')


def test_sharing_names_the_care_team(as_patient, patient, make_user, make_journal):
    second = make_user("clinician", display_name="Sam Lee")
    patient.clinicians.append(second)
    db.session.commit()
    assert "On: your care team (Dr. Clin and Sam Lee) can read this entry." in text(
        as_patient.get("/journal/new").get_data(as_text=True))
    entry = make_journal(patient, shared=True)
    assert "Your care team (Dr. Clin and Sam Lee) can read this entry." in text(
        as_patient.get(f"/journal/{entry.id}").get_data(as_text=True))
    assert "(Dr. Clin and Sam Lee) can read this entry." in text(
        as_patient.get(f"/journal/{entry.id}/edit").get_data(as_text=True))


def test_sharing_says_so_when_nobody_is_on_the_care_team(login_as, make_user, clinician):
    alone = make_user("patient", display_name="Alone")
    gone = make_user("clinician", display_name="Left Clinic", active=False)
    alone.clinicians.append(gone)
    db.session.commit()
    words = text(login_as(alone).get("/journal/new").get_data(as_text=True))
    assert "your care team (nobody yet: no clinician is assigned to you)" in words
    assert "Left Clinic" not in words

