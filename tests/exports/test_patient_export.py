"""The patient's own export (issue #17 item 5): a ZIP of CSV files, one JSON file and a README."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from sqlalchemy import select

from katapp.exports import archive
from katapp.exports.archive import TABLES
from katapp.extensions import db
from katapp.models import AuditEvent

EXPECTED_FILES = {"README.txt", "account.csv", "katapp-export.json"} | {f"{t.name}.csv" for t in TABLES}


def _download(client):
    response = client.get("/account/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="katapp-my-records-')
    assert response.headers["Cache-Control"] == "no-store"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def _csv(archive, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def test_the_zip_holds_every_kind_of_record(full_record, login_as):
    r = full_record
    archive = _download(login_as(r.patient))
    assert set(archive.namelist()) == EXPECTED_FILES
    assert archive.testzip() is None
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())

    [checkin] = _csv(archive, "checkins.csv")
    assert (checkin["mood"], checkin["anxiety"], checkin["sleep_hours"], checkin["self_harm_thoughts"]) == ("4", "6", "6.5", "false")
    assert checkin["recorded_at"].endswith(("-05:00", "-04:00"))  # the patient's own zone, with its offset
    questionnaires = {q["instrument"]: q for q in _csv(archive, "questionnaires.csv")}
    assert questionnaires["phq9"]["total"] == "9" and questionnaires["phq9"]["flags"] == "self_harm"
    assert questionnaires["pcl5"]["index_event"] == "the accident"
    items = [i for i in _csv(archive, "questionnaire_items.csv") if i["questionnaire_id"] == str(r.phq9.id)]
    assert [i["answer"] for i in items] == ["2", "2", "1", "1", "0", "1", "0", "0", "2"]
    assert items[8]["question"].startswith("Thoughts that you would be better off dead")
    assert items[8]["answer_words"] == "More than half the days"
    sessions = {s["id"]: s for s in _csv(archive, "sessions.csv")}
    done = sessions[str(r.done.id)]
    assert (done["dose_mg"], done["route"], done["bp_before_systolic"], done["bp_after_diastolic"]) == ("35.0", "iv", "128", "80")
    assert done["notes"] == "calm session" and done["clinician"] == r.clinician.display_name
    assert sessions[str(r.booked.id)]["status"] == "scheduled" and sessions[str(r.cancelled.id)]["status"] == "cancelled"
    [vital] = _csv(archive, "vitals.csv")
    assert (vital["session_id"], vital["systolic"], vital["heart_rate"], vital["spo2"]) == (str(r.done.id), "140", "88", "97")
    [event] = _csv(archive, "adverse_events.csv")
    assert event["description"] == "nausea, settled"
    journal = {j["body"]: j["shared"] for j in _csv(archive, "journal.csv")}
    assert journal == {"private-entry-QX19 only mine": "false", "shared-entry-QX20 for my team": "true"}
    [flag] = _csv(archive, "safety_flags.csv")
    assert (flag["reason"], flag["note"], flag["acknowledged_by"]) == ("PHQ-9 item 9 answered 2", "called, safe", r.clinician.display_name)
    [screening] = _csv(archive, "screenings.csv")
    assert (screening["cystitis"], screening["pregnancy"], screening["clear_note"]) == ("true", "false", "resolved")
    assert [c["name"] for c in _csv(archive, "care_team.csv")] == [r.clinician.display_name]
    account = {row["field"]: row["value"] for row in _csv(archive, "account.csv")}
    assert account["email"] == r.patient.email and account["timezone"] == "America/New_York"


def test_the_json_file_holds_the_same_records_typed(full_record, login_as):
    data = json.loads(_download(login_as(full_record.patient)).read("katapp-export.json"))
    assert data["format"] == "katapp patient export" and data["account"]["email"] == full_record.patient.email
    assert {t.name for t in TABLES if t.in_json} <= set(data)
    phq9 = next(q for q in data["questionnaires"] if q["instrument"] == "phq9")
    assert phq9["answers"] == [2, 2, 1, 1, 0, 1, 0, 0, 2] and phq9["total"] == 9
    assert data["checkins"][0]["self_harm_thoughts"] is False and data["checkins"][0]["sleep_hours"] == 6.5
    # JSON is not a spreadsheet: the text stays exactly as the patient typed it.
    assert data["checkins"][0]["note"] == '=HYPERLINK("http://evil")'
    assert len(data["journal"]) == 2 and len(data["sessions"]) == 3 and len(data["vitals"]) == 1


def test_readme_explains_every_file_and_column(full_record, login_as):
    readme = _download(login_as(full_record.patient)).read("README.txt").decode()
    for name in EXPECTED_FILES - {"README.txt"}:
        assert f"{name}:" in readme
    for table in TABLES:
        assert "columns: " + ", ".join(table.columns) in readme
    assert "America/New_York" in readme


def test_csv_cells_never_run_as_formulas(full_record, login_as, make_journal):
    make_journal(full_record.patient, "@SUM(1+1)*cmd|' /C calc'!A0")
    archive = _download(login_as(full_record.patient))
    assert _csv(archive, "checkins.csv")[0]["note"] == "'=HYPERLINK(\"http://evil\")"
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in [j["body"] for j in _csv(archive, "journal.csv")]


def test_who_viewed_the_record_is_in_the_export(full_record, login_as, admin):
    login_as(full_record.clinician).get(f"/patients/{full_record.patient.id}")
    login_as(admin).get(f"/patients/{full_record.patient.id}")
    client = login_as(full_record.patient)
    client.get("/progress")  # the patient's own look is not a disclosure
    views = _csv(_download(client), "record_views.csv")
    assert [(v["who"], v["role"], v["action"]) for v in views] == [
        (full_record.clinician.display_name, "clinician", "view:dashboard"), (admin.display_name, "admin", "view:dashboard")]
    assert views[0]["what"] == "looked at your progress page (check-ins, questionnaires, sessions)"


def test_the_download_is_audited(full_record, login_as):
    _download(login_as(full_record.patient))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export:own_records"))
    assert (event.actor_id, event.patient_id) == (full_record.patient.id, full_record.patient.id)


def test_only_the_patient_downloads_their_own_records(full_record, other_patient, login_as, admin):
    for person in (full_record.clinician, admin):
        assert login_as(person).get("/account/export.zip").status_code == 404
    other = _download(login_as(other_patient))
    assert "private-entry-QX19" not in "".join(other.read(n).decode() for n in other.namelist())
    assert _csv(other, "journal.csv") == [] and _csv(other, "checkins.csv") == []


def test_the_account_page_links_the_download(patient, login_as):
    page = login_as(patient).get("/account").get_data(as_text=True)
    assert 'href="/account/export.zip"' in page and "Download my records" in page


def test_the_answer_streams_and_a_year_costs_the_same_queries_as_a_week(patient, clinician, login_as, add_history,
                                                                        count_queries):
    client = login_as(patient)

    def queries() -> tuple[int, int]:
        with count_queries() as q:
            response = client.get("/account/export.zip")
            assert response.is_streamed
            size = len(response.get_data())
        return q.count, size

    add_history(patient, clinician, 7)
    week, small = queries()
    add_history(patient, clinician, 365)
    year, big = queries()
    assert week == year
    assert big > small
    data = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/account/export.zip").get_data())).read("katapp-export.json"))
    assert len(data["checkins"]) == 372 and len(data["vitals"]) == 2 * (1 + 37)


def test_a_year_leaves_in_pieces_as_it_is_written(patient, clinician, login_as, add_history, monkeypatch,
                                                   count_queries):
    """Bounded memory: the ZIP is sent batch by batch as the tables are read, never built whole first."""
    monkeypatch.setattr(archive, "BATCH", 50)
    add_history(patient, clinician, 365)
    response = login_as(patient).get("/account/export.zip")
    pieces = iter(response.response)
    with count_queries() as q:
        first = next(pieces)
    assert first.startswith(b"PK") and q.count == 0  # README and account: nothing read yet
    with count_queries() as q:
        rest = [piece for piece in pieces if piece]
    assert q.count == len(TABLES), q.statements  # one a table, nothing else
    assert len(rest) > len(TABLES) + 3  # more pieces than files: a long file leaves in several
    assert zipfile.ZipFile(io.BytesIO(first + b"".join(rest))).testzip() is None


def test_the_stream_outlives_the_request_session(full_record, login_as):
    """The ZIP is written after the handler returns, when the request's session is gone (as behind
    a real server): nothing in it may need the objects loaded during the request."""
    response = login_as(full_record.patient).get("/account/export.zip")
    db.session.remove()
    archive_ = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert len(_csv(archive_, "journal.csv")) == 2 and "Pat Patient" in archive_.read("README.txt").decode()
