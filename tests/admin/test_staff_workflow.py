"""Issue #18, staff: invitation links to copy or share, the care-team boxes of the new-account form,
a clinician's patients on their account page, and care teams on Accounts."""
import re

from sqlalchemy import insert, select

from katapp.extensions import db
from katapp.models import AuditEvent, User, care_team


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


def _care_team_ids(patient_id):
    return sorted(db.session.scalars(select(care_team.c.clinician_id).where(care_team.c.patient_id == patient_id)))


def test_clinicians_page_lists_their_patients(admin, clinician, make_user, login_as):
    make_user("patient", clinician=clinician, display_name="Ada Alpha")
    make_user("patient", clinician=clinician, display_name="Bo Beta")
    html = login_as(admin).get(f"/admin/users/{clinician.id}").get_data(as_text=True)
    assert f"Patients of {clinician.display_name} (2)" in html
    assert html.index("Ada Alpha") < html.index("Bo Beta")
    assert f'action="/admin/users/{clinician.id}/patients"' in html


def test_assign_and_unassign_several_patients_at_once(admin, clinician, other_clinician, make_user, login_as):
    mine = make_user("patient", clinician=clinician, display_name="Mine Shared")
    db.session.commit()
    loose = [make_user("patient", clinician=other_clinician, display_name=f"Loose {i}") for i in range(3)]
    db.session.execute(insert(care_team).values(clinician_id=other_clinician.id, patient_id=mine.id))
    db.session.commit()
    c = login_as(admin)
    r = c.post(f"/admin/users/{clinician.id}/patients", data={"csrf_token": c.csrf, "add": [str(p.id) for p in loose],
                                                               "remove": [str(mine.id)]})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/users/{clinician.id}#caseload")
    assert all(_care_team_ids(p.id) == sorted([clinician.id, other_clinician.id]) for p in loose)
    assert _care_team_ids(mine.id) == [other_clinician.id]
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert f"{clinician.display_name}&#39;s caseload: added 3 patients and removed 1 patient." in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("care_team_%"))).all()
    assert actions.count("care_team_added") >= 3 and "care_team_removed" in actions


def test_unassigning_a_patients_only_clinician_is_refused(admin, clinician, make_user, login_as):
    alone = make_user("patient", clinician=clinician, display_name="Only Mine")
    other = make_user("patient", display_name="Someone Else")
    c = login_as(admin)
    r = c.post(f"/admin/users/{clinician.id}/patients", data={"csrf_token": c.csrf, "remove": [str(alone.id)],
                                                               "add": [str(other.id)]})
    assert r.status_code == 422
    assert "Only Mine would have no active clinician" in r.get_data(as_text=True)
    assert _care_team_ids(alone.id) == [clinician.id] and _care_team_ids(other.id) == []  # nothing stored


def test_caseload_form_refuses_unknown_patients_and_non_clinicians(admin, clinician, patient, login_as):
    c = login_as(admin)
    r = c.post(f"/admin/users/{clinician.id}/patients", data={"csrf_token": c.csrf, "add": ["999999"]})
    assert r.status_code == 400 and "&#39;999999&#39; is not a valid choice" in r.get_data(as_text=True)
    r = c.post(f"/admin/users/{patient.id}/patients", data={"csrf_token": c.csrf, "add": [str(patient.id)]})
    assert r.status_code == 404


def test_accounts_show_care_teams_and_filter_unassigned(admin, clinician, make_user, login_as, count_queries):
    covered = make_user("patient", clinician=clinician, display_name="Cora Covered")
    orphan = make_user("patient", display_name="Otto Orphan")
    c = login_as(admin)
    html = c.get("/admin/users").get_data(as_text=True)
    row = html[html.index("Cora Covered"):]
    assert clinician.display_name in row[:row.index("</li>")]
    row = html[html.index("Otto Orphan"):]
    assert "No care team" in row[:row.index("</li>")]
    assert re.search(rf"{re.escape(clinician.display_name)}</strong>.*?Caseload: </span>1 patient<", html, re.S)
    only = c.get("/admin/users?role=unassigned").get_data(as_text=True)
    assert "Otto Orphan" in only and "Cora Covered" not in only and clinician.email not in only
    assert covered.id != orphan.id
    for _ in range(5):
        make_user("patient", clinician=clinician)
    with count_queries() as few:
        c.get("/admin/users")
    for _ in range(10):
        make_user("patient", clinician=clinician)
    with count_queries() as more:
        c.get("/admin/users")
    assert more.count == few.count


def test_a_deactivated_clinician_leaves_a_patient_unassigned(admin, make_user, login_as):
    gone = make_user("clinician", active=False)
    orphan = make_user("patient", clinician=gone, display_name="Left Behind")
    html = login_as(admin).get("/admin/users?role=unassigned").get_data(as_text=True)
    assert "Left Behind" in html and "(inactive)" in html and orphan.id
