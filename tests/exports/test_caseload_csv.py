"""The caseload as CSV (issue #17 item 7): the caseload's columns, one row per patient, only the
clinician's own caseload, audited, formula-injection safe."""
from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from sqlalchemy import select

from katapp.dashboard.caseload_csv import COLUMNS
from katapp.extensions import db
from katapp.models import AuditEvent


def _rows(client) -> list[dict]:
    response = client.get("/caseload.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="katapp-caseload.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    return list(csv.DictReader(io.StringIO(text)))


def test_one_row_per_patient_of_the_own_caseload_only(full_record, make_user, login_as, other_patient):
    second = make_user("patient", clinician=full_record.clinician, display_name="Second Patient")
    rows = _rows(login_as(full_record.clinician))
    assert sorted(r["name"] for r in rows) == sorted([full_record.patient.display_name, second.display_name])
    assert other_patient.email not in {r["email"] for r in rows}
    row = next(r for r in rows if r["email"] == full_record.patient.email)
    assert (row["phq9_latest"], row["phq9_severity"], row["gad7_latest"], row["pcl5_latest"]) == ("9", "mild", "7", "20")
    assert row["sessions_completed"] == "1" and row["state"] == "In series"
    assert row["last_checkin"] == full_record.checkin.local_date.isoformat() and row["days_since_checkin"] == "3"
    assert row["open_flags"] == "0" and row["contraindication"] == "false"  # the screening's "yes" was cleared
    booked = full_record.booked.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert row["next_session"] == booked.isoformat(timespec="minutes")  # the patient's own zone
    empty = next(r for r in rows if r["email"] == second.email)
    assert (empty["phq9_latest"], empty["last_checkin"], empty["state"]) == ("", "", "Not started")
    assert "Not started" in empty["markers"]


def test_the_rows_follow_the_caseload_order_most_in_need_first(full_record, make_user, make_flag, login_as):
    flagged = make_user("patient", clinician=full_record.clinician, display_name="Aaron Flagged")
    make_flag(flagged)
    rows = _rows(login_as(full_record.clinician))
    assert rows[0]["email"] == flagged.email and rows[0]["open_flags"] == "1"


def test_cells_never_run_as_formulas(clinician, make_user, login_as):
    make_user("patient", clinician=clinician, display_name="=HYPERLINK(\"http://evil\",\"x\")")
    [row] = _rows(login_as(clinician))
    assert row["name"] == "'=HYPERLINK(\"http://evil\",\"x\")"


def test_the_download_is_audited_per_patient(full_record, make_user, login_as):
    second = make_user("patient", clinician=full_record.clinician)
    _rows(login_as(full_record.clinician))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export:caseload")).all()
    assert sorted(e.patient_id for e in events) == sorted([full_record.patient.id, second.id])
    assert {e.actor_id for e in events} == {full_record.clinician.id}
    page = login_as(second).get("/account/seen").get_data(as_text=True)
    assert "downloaded your name and latest scores on a caseload list" in page


def test_only_clinicians_download_a_caseload(patient, admin, login_as):
    for person in (patient, admin):
        assert login_as(person).get("/caseload.csv").status_code == 404


def test_the_caseload_page_links_the_csv(patient, clinician, login_as):
    assert 'href="/caseload.csv"' in login_as(clinician).get("/caseload").get_data(as_text=True)


def test_the_query_count_does_not_grow_with_the_caseload(clinician, make_user, login_as, count_queries):
    client = login_as(clinician)

    def queries() -> int:
        with count_queries() as q:
            client.get("/caseload.csv")
        return q.count

    make_user("patient", clinician=clinician)
    few = queries()
    for _ in range(10):
        make_user("patient", clinician=clinician)
    assert queries() == few
