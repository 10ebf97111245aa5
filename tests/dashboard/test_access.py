"""Who may see which dashboard: everyone else gets 404 (never a hint that the page exists)."""
import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent

# Which signed-in users (fixture names) get the page; everyone else gets 404.
PAGES = {
    "/caseload": {"clinician", "other_clinician"},
    "/progress": {"patient"},
    "/clinic": {"admin"},
    "/patients/{patient}": {"clinician", "admin"},  # `clinician` is on the patient's care team
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["patient", "clinician", "other_clinician", "admin"])
def test_each_role_sees_only_its_dashboards(request, login_as, patient, path, role):
    user = request.getfixturevalue(role)
    response = login_as(user).get(path.format(patient=patient.id))
    allowed = role in PAGES[path]
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize("path", list(PAGES))
def test_signed_out_users_are_sent_to_login(client, patient, path):
    response = client.get(path.format(patient=patient.id))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_patient_is_404(login_as, admin, clinician):
    assert login_as(admin).get("/patients/999999").status_code == 404
    assert login_as(clinician).get("/patients/999999").status_code == 404


def test_staff_cannot_open_a_staff_account_as_a_patient_dashboard(login_as, admin, clinician):
    assert login_as(admin).get(f"/patients/{clinician.id}").status_code == 404


def test_viewing_a_patient_dashboard_is_audited(login_as, clinician, patient):
    assert login_as(clinician).get(f"/patients/{patient.id}").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.patient_id == patient.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [("view:dashboard", clinician.id)]


def test_a_refused_view_is_not_audited(login_as, other_clinician, patient):
    assert login_as(other_clinician).get(f"/patients/{patient.id}").status_code == 404
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.patient_id == patient.id)).all() == []
