"""Issue #18, staff: invitation links to copy or share, the care-team boxes of the new-account form,
a clinician's patients on their account page, and care teams on Accounts."""
import re


def test_invitation_link_has_copy_and_share_buttons(admin, login_as):
    c = login_as(admin)
    html = c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "new@example.org", "display_name": "New One",
                                            "role": "clinician", "timezone": "UTC"}).get_data(as_text=True)
    url = re.search(r'id="invite-url"[^>]*value="([^"]+)"', html).group(1)
    assert "/invite/" in url
    assert '<button type="button" class="button primary" data-copy="#invite-url">Copy link</button>' in html
    assert re.search(r'<button type="button" class="button" data-share="#invite-url"[^>]* hidden>Share…</button>', html)
    assert 'id="copy-status" class="hint" role="status"' in html


def test_new_invitation_link_is_apart_from_save(admin, make_user, login_as):
    invited = make_user("clinician", password_hash=None)
    html = login_as(admin).get(f"/admin/users/{invited.id}").get_data(as_text=True)
    save, again = html.index(">Save<"), html.index(">New invitation link<")
    assert save < again and '</form>' in html[save:again]
    assert re.search(r'<form method="post" action="/admin/users/\d+/invite" class="after-form">', html)


def test_new_account_form_marks_the_care_team_as_patients_only(admin, clinician, login_as):
    html = login_as(admin).get("/admin/users/new").get_data(as_text=True)
    assert '<div class="role-part" data-shown-for-role="patient" data-role-select="#role">' in html
    assert re.search(r'<script src="/static/js/admin\.js[^"]*" defer></script>', html)
    assert f'value="{clinician.id}"' in html  # without JavaScript the boxes still show


def test_care_team_boxes_are_ignored_for_a_clinician_and_required_for_a_patient(admin, clinician, login_as):
    from sqlalchemy import select

    from katapp.extensions import db
    from katapp.models import User, care_team

    c = login_as(admin)
    r = c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "doc2@example.org", "display_name": "Doc Two",
                                         "role": "clinician", "timezone": "UTC", "clinicians": [str(clinician.id)]})
    doc = db.session.scalar(select(User).where(User.email == "doc2@example.org"))
    assert r.status_code == 200 and doc.role == "clinician"
    assert db.session.execute(select(care_team).where(care_team.c.patient_id == doc.id)).all() == []
    r = c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "pat2@example.org", "display_name": "Pat Two",
                                         "role": "patient", "timezone": "UTC"})
    assert r.status_code == 400 and "Choose at least one active clinician" in r.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "pat2@example.org")) is None
