"""Audit views: the admin's filtered, paginated audit page and its (audited) CSV export; the
patient's "Who has seen my records" in plain words (issue #15)."""
import csv
import io

import pytest
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import AuditEvent
from katapp.security import audit


@pytest.fixture
def reads(admin, clinician, patient, other_patient):
    """The clinician read the patient's summary and session; the admin exported; other noise."""
    audit("view:summary", actor=clinician, patient_id=patient.id)
    audit("view:session", actor=clinician, patient_id=patient.id)
    audit("export:dashboard", actor=admin, patient_id=patient.id)
    audit("view:dashboard", actor=patient, patient_id=patient.id)  # the patient's own visit
    audit("view:summary", actor=clinician, patient_id=other_patient.id)
    audit("sign_in", actor=clinician)
    db.session.commit()


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_audit_page_is_for_admins_only(role, patient, clinician, login_as):
    c = login_as(patient if role == "patient" else clinician)
    assert c.get("/admin/audit").status_code == 404
    assert c.get("/admin/audit.csv").status_code == 404


def test_audit_page_filters_by_patient_actor_and_kind(reads, admin, clinician, patient, login_as):
    c = login_as(admin)
    page = c.get(f"/admin/audit?patient={patient.email}&kind=reads").get_data(as_text=True)
    assert page.count("<code>view:summary</code>") == 1 and "<code>export:dashboard</code>" in page
    assert "<code>sign_in</code>" not in page
    page = c.get(f"/admin/audit?actor={clinician.email}&kind=sign_in").get_data(as_text=True)
    assert "<code>sign_in</code>" in page and "<code>view:summary</code>" not in page


def test_audit_page_filters_by_date(reads, admin, login_as):
    c = login_as(admin)
    assert "No events match." in c.get("/admin/audit?since=2001-01-01&until=2001-01-31").get_data(as_text=True)
    assert "view:session" in c.get("/admin/audit?since=2001-01-01").get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("patient=nobody@example.org", "No account has this email."),
    ("since=yesterday", "Not a valid date value."),
    ("since=2024-02-01&until=2024-01-01", "The end date is before the start date."),
    ("kind=made_up", "Not a valid choice."),
])
def test_bad_filters_are_a_400_with_the_reason(reads, admin, login_as, query, message):
    c = login_as(admin)
    response = c.get("/admin/audit?" + query)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert c.get("/admin/audit.csv?" + query).status_code == 400


def test_audit_page_is_paginated_with_a_fixed_query_count(admin, patient, clinician, login_as, count_queries):
    c = login_as(admin)

    def queries():
        with count_queries() as q:
            assert c.get("/admin/audit").status_code == 200
        return q.count

    for _ in range(5):
        audit("view:summary", actor=clinician, patient_id=patient.id)
    db.session.commit()
    few = queries()
    for _ in range(150):
        audit("view:summary", actor=clinician, patient_id=patient.id)
    db.session.commit()
    assert queries() == few
    page = c.get("/admin/audit").get_data(as_text=True)
    assert page.count("<code>view:summary</code>") == 100 and "page=2" in page


def test_csv_export_holds_the_rows_and_is_itself_audited(reads, admin, patient, login_as):
    c = login_as(admin)
    response = c.get(f"/admin/audit.csv?patient={patient.email}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["action"] for r in rows} >= {"view:summary", "view:session", "export:dashboard", "audit_exported"}
    assert all(r["patient_email"] == patient.email for r in rows)
    exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_exported"))
    assert (exported.actor_id, exported.patient_id) == (admin.id, patient.id)
    assert f"patient_id={patient.id}" in exported.detail


def test_csv_cells_never_run_as_formulas(admin, login_as):
    audit("sign_in_failed", actor=None, detail="=HYPERLINK(\"http://evil\")")
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(login_as(admin).get("/admin/audit.csv").get_data(as_text=True))))
    assert any(r["detail"].startswith("'=HYPERLINK") for r in rows)


def test_patient_sees_who_read_their_records_in_plain_words(reads, patient, clinician, admin, login_as):
    page = login_as(patient).get("/account/seen").get_data(as_text=True)
    assert f"{clinician.display_name}</strong> <span class=\"muted\">(your clinician)</span>" in page
    assert "looked at your progress summary." in page
    assert "looked at a session record (dose, vitals, notes)." in page
    assert "downloaded your progress page" in page and "(clinic administrator)" in page
    assert page.count("<li class=\"disclosure\">") == 3  # not the patient's own visit, not another patient's reads
    assert "view:" not in page


def test_only_patients_have_the_page_and_the_account_page_links_it(patient, clinician, login_as):
    assert login_as(clinician).get("/account/seen").status_code == 404
    assert 'href="/account/seen"' in login_as(patient).get("/account").get_data(as_text=True)


def test_admin_viewing_a_patient_account_is_audited(admin, patient, login_as):
    login_as(admin).get(f"/admin/users/{patient.id}")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "view:account"))
    assert (event.actor_id, event.patient_id) == (admin.id, patient.id)
    assert event.ip == "127.0.0.1"


def test_the_csv_stream_outlives_the_request_session(admin, login_as):
    """Chunks are made after the handler returns, when the request's session is gone (a real server)."""
    response = login_as(admin).get("/admin/audit.csv?since=2020-01-01")
    db.session.remove()
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert "audit_exported" in {r["action"] for r in rows}
