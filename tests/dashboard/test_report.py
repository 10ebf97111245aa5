"""The printable progress report (issue #17 item 7): outcome with its baseline, static SVG charts, the numbers;
care team and admin only; audited as a read."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import AuditEvent


def report_of(client, patient):
    return client.get(f"/patients/{patient.id}/report")


def views_of(patient, actor) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "view:report", AuditEvent.patient_id == patient.id, AuditEvent.actor_id == actor.id))


def test_report_has_the_outcome_with_its_baseline_the_numbers_and_two_static_charts(login_as, clinician, patient,
                                                                                      seed_history):
    seed_history(patient, clinician, days=24, phq=[21, 17, 13, 11, 9, 9, 8], sessions=6)
    response = report_of(login_as(clinician), patient)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Progress report: {patient.display_name}" in html
    assert "Response held: PHQ-9 21 → 8" in html  # the state, resting on its baseline
    assert re.search(r"<th scope=\"row\">Baseline</th><td><strong>21</strong> on ", html)
    assert re.search(r"<th scope=\"row\">After the series</th><td><strong>8</strong> on [^<]*: response", html)
    # The by-session and by-date charts as static SVG, each with a title and a description in words.
    for chart_id in ("report-effect", "report-dates"):
        assert f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc"' in html
    assert html.count('class="chart-svg"') == 4  # each at A4 width for print and at phone width (CSS shows one)
    assert 'aria-labelledby="report-effect-phone-title"' in html
    assert "PHQ-9: 7 values, first 21 (ketamine session 1), last 8 (After series), lowest 8, highest 21" in html
    # The numbers table: every session's pre-dose score and change, every questionnaire by date.
    assert '<th scope="row">After series</th>' in html and "-62 %" in html
    assert html.count("<strong>21</strong> severe") == 1 and "<strong>8</strong> mild" in html
    # A static page: no plotly.js, no chart data; the print stylesheet and an A4 page rule.
    assert "plotly" not in html and "data-chart=" not in html
    assert "/static/css/report.css" in html


def test_report_print_stylesheet_hides_navigation_and_sets_a4(app):
    css = (Path(app.static_folder) / "css" / "report.css").read_text()
    assert "@page { size: A4;" in css
    assert re.search(r"@media print \{.*\.topbar[^{]*\{ display: none", css, re.S)


def test_without_a_baseline_the_report_never_claims_a_response(login_as, clinician, patient, build):
    person = build("No Baseline", phq=[(40, 20), (3, 6)], ketamine=[20, 18, 16, 14])  # 20 days before the first
    html = report_of(login_as(clinician), person).get_data(as_text=True)
    assert "None: no PHQ-9 in the 14 days before the first ketamine session" in html
    assert "Response and remission cannot be judged without one." in html
    assert "After the series</th>" not in html and "from baseline)" not in html
    assert ": response" not in html and ": remission" not in html


def test_report_of_a_patient_with_no_data_says_so(login_as, clinician, patient):
    html = report_of(login_as(clinician), patient).get_data(as_text=True)
    assert "No ketamine session completed yet." in html and "No questionnaire yet." in html
    assert "No daily check-ins." in html and 'class="chart-svg"' not in html


@pytest.mark.parametrize("who", ["admin", "clinician"])
def test_care_team_and_admin_read_it_and_the_read_is_audited(login_as, who, request, patient, seed_history, clinician):
    seed_history(patient, clinician, days=12, phq=[20, 12], sessions=1)
    reader = request.getfixturevalue(who)
    assert report_of(login_as(reader), patient).status_code == 200
    assert views_of(patient, reader) == 1


def test_anyone_else_gets_404_and_nothing_is_audited(login_as, make_user, patient, client):
    outsider = make_user("clinician")
    other_patient = make_user("patient")
    for reader in (outsider, other_patient, patient):
        assert report_of(login_as(reader), patient).status_code == 404
        assert views_of(patient, reader) == 0
    assert report_of(client, patient).status_code == 302  # signed out: to the sign-in page


def test_patient_page_links_to_the_report(login_as, clinician, patient):
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert f'href="/patients/{patient.id}/report">Printable report</a>' in html


def test_the_patient_reads_the_report_in_plain_words_in_who_has_seen_my_records():
    from katapp.domain.disclosures import describe

    assert describe("view:report") == ("looked at", "a printable progress report (questionnaires, sessions, charts)")
