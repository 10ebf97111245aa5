"""The caseload: most in need first, filter chips, the numbers a clinician scans for."""
import datetime as dt
import re

from katapp.models import utcnow


def _names(html: str) -> list[str]:
    return re.findall(r'class="patient-name" href="/patients/\d+">([^<]+)</a>', html)


def test_caseload_sorts_by_need_and_filters(login_as, clinician, make_user, seed_history, make_flag, make_assessment):
    calm = make_user("patient", clinician=clinician, display_name="A Calm")
    quiet = make_user("patient", clinician=clinician, display_name="B Quiet")
    rising = make_user("patient", clinician=clinician, display_name="C Rising")
    flagged = make_user("patient", clinician=clinician, display_name="D Flagged")
    make_user("patient", clinician=make_user("clinician"), display_name="E Elsewhere")
    seed_history(calm, clinician, days=20, phq=[20, 12, 8, 7], sessions=3)
    seed_history(quiet, clinician, days=20, phq=[20, 12, 8], sessions=2, checkins=False)
    seed_history(rising, clinician, days=20, phq=[20, 12, 8, 7], sessions=3)
    make_assessment(rising, "phq9", [2, 2, 2, 2, 2, 1, 1, 1, 0], recorded_at=utcnow() - dt.timedelta(hours=2))  # 13 = 8 + 5
    seed_history(flagged, clinician, days=20, phq=[20, 18], sessions=1)
    make_flag(flagged)

    client = login_as(clinician)
    html = client.get("/caseload").get_data(as_text=True)
    assert _names(html) == ["D Flagged", "C Rising", "B Quiet", "A Calm"]
    assert "Rising after series" in html and "1 open flag" in html and "never" in html
    assert "-65 %" in html and "(20 → 7)" in html  # calm: change from baseline
    assert _names(client.get("/caseload?show=flags").get_data(as_text=True)) == ["D Flagged"]
    assert _names(client.get("/caseload?show=rising").get_data(as_text=True)) == ["C Rising"]
    assert _names(client.get("/caseload?show=inactive").get_data(as_text=True)) == ["B Quiet"]
    assert _names(client.get("/caseload?show=responding").get_data(as_text=True)) == ["B Quiet", "A Calm"]
    assert _names(client.get("/caseload?show=nonsense").get_data(as_text=True)) == _names(html)


def test_caseload_has_a_sparkline_and_no_plotly(login_as, clinician, patient, seed_history):
    seed_history(patient, clinician, days=20, phq=[20, 14, 10], sessions=2)
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    assert '<svg class="spark"' in html and 'aria-label="PHQ-9 trend: 20, 14, 10"' in html
    assert "plotly" not in html


def test_empty_caseload(login_as, clinician):
    assert "No patients on your caseload yet." in login_as(clinician).get("/caseload").get_data(as_text=True)
