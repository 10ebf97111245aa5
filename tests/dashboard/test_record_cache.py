"""The patient page's record is rendered once per patient data version (issue #16 item 3,
katapp/dashboard/record.py): a second view costs one query instead of the history's, and every
write that changes what the page shows is on the page at the next view."""
import datetime as dt
import re

from katapp.clock import utcnow
from katapp.extensions import db

TOKEN = r'(?<=csrf-token" content=")[^"]+|(?<=name="csrf_token" value=")[^"]+'


def view(client, patient) -> str:
    response = client.get(f"/patients/{patient.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_view_is_the_same_page_with_fewer_queries(login_as, clinician, patient, seed_history, count_queries):
    seed_history(patient, clinician, days=40, phq=[20, 14, 10], sessions=2)
    client = login_as(clinician)
    with count_queries() as first:
        html = view(client, patient)
    with count_queries() as second:
        again = view(client, patient)
    assert re.sub(TOKEN, "", again) == re.sub(TOKEN, "", html)  # all but the CSRF token (signed with the time)
    assert second.count < first.count  # the history's queries are skipped; the version read is one


def test_a_new_checkin_is_on_the_page_at_the_next_view(login_as, clinician, patient, seed_history, make_checkin):
    seed_history(patient, clinician, days=10, phq=[20, 14], sessions=1, checkins=False)
    make_checkin(patient, mood=5, recorded_at=utcnow() - dt.timedelta(days=2))
    client = login_as(clinician)
    assert "<td>9</td>" not in view(client, patient)
    make_checkin(patient, mood=9)  # alone on its local day whatever the hour (seeded check-ins could share it)
    assert "<td>9</td>" in view(client, patient)


def test_a_second_checkin_the_same_day_changes_the_day_mean(login_as, clinician, patient, seed_history, make_checkin):
    seed_history(patient, clinician, days=10, phq=[20, 14], sessions=1, checkins=False)
    client = login_as(clinician)
    make_checkin(patient, mood=2)
    assert "<td>2</td><td>2.0</td>" in view(client, patient)  # the mood table: day's mood, 7-day mean
    make_checkin(patient, mood=8, recorded_at=utcnow() - dt.timedelta(seconds=1))  # same day, older: last day unchanged
    html = view(client, patient)
    assert "<td>5</td><td>5.0</td>" in html and "<td>2</td><td>2.0</td>" not in html


def test_a_new_questionnaire_and_a_phone_number_show_at_once(login_as, clinician, patient, seed_history, make_assessment):
    seed_history(patient, clinician, days=10, phq=[20, 14], sessions=1)
    client = login_as(clinician)
    before = view(client, patient)
    assert "<strong>27</strong>" not in before
    make_assessment(patient, "phq9", [3] * 9)
    assert "<strong>27</strong>" in view(client, patient)
    patient.phone = "+15550001234"
    db.session.commit()
    assert "+15550001234" in view(client, patient)


def test_clinician_and_admin_each_see_their_own_record(login_as, clinician, admin, patient, seed_history):
    seed_history(patient, clinician, days=10, phq=[20, 14], sessions=1)
    assert "Download for an EHR (FHIR)" in view(login_as(clinician), patient)
    assert "Download for an EHR (FHIR)" not in view(login_as(admin), patient)  # not the clinician's cached markup
    assert "Download for an EHR (FHIR)" in view(login_as(clinician), patient)


def test_a_session_completed_since_the_last_view_is_on_the_dosing_record(login_as, clinician, patient, make_session):
    session = make_session(patient, clinician, starts_at=(utcnow() - dt.timedelta(hours=3)).replace(microsecond=0),
                           status="dosed", dose_mg=42.0, route="iv", dosed_at=utcnow() - dt.timedelta(hours=2))
    client = login_as(clinician)
    assert "No completed ketamine session yet." in view(client, patient)
    assert "No completed ketamine session yet." in view(client, patient)  # from the cache
    session.status, session.completed_at = "completed", utcnow()
    db.session.commit()
    html = view(client, patient)
    assert "No completed ketamine session yet." not in html and "42 mg" in html


def test_the_flag_query_runs_only_while_the_summary_counts_open_flags(login_as, clinician, patient, seed_history,
                                                                      make_flag, count_queries):
    from katapp import flag_review

    seed_history(patient, clinician, days=10, phq=[20, 14], sessions=1)
    client = login_as(clinician)
    view(client, patient)

    def flag_reads(counter) -> int:
        return sum(1 for s in counter.statements if "safety_flags.acknowledged_at IS NULL" in s)

    with count_queries() as none_open:
        assert "patient-flags-title" not in view(client, patient)
    assert flag_reads(none_open) == 0
    flag = make_flag(patient, reason="Answered yes to the safety question")
    with count_queries() as one_open:
        assert "patient-flags-title" in view(client, patient)
    assert flag_reads(one_open) == 1
    assert flag_review.acknowledge(clinician, patient.id, [flag.id], "Called; safe at home.") == 1
    assert "patient-flags-title" not in view(client, patient)


def test_a_second_view_reads_neither_the_dosing_record_nor_the_history(login_as, clinician, patient, seed_history,
                                                                        count_queries):
    seed_history(patient, clinician, days=20, phq=[20, 14, 10], sessions=2)
    client = login_as(clinician)
    view(client, patient)
    with count_queries() as again:
        assert "35 mg" in view(client, patient)  # the seeded sessions' dose, in the dosing record
    assert not [s for s in again.statements if "FROM vital_readings" in s or "FROM assessments" in s]
