"""Each page's figures hold the right series; the numbers are also in tables; plain words for patients."""
import datetime as dt

from katapp.models import utcnow


def test_effect_by_session_chart_is_indexed_by_session_number(login_as, clinician, patient, seed_history, charts_in):
    seed_history(patient, clinician, days=20, phq=[21, 17, 13, 11, 9, 9, 8], sessions=6)
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    figure = charts_in(html)["chart-effect"]
    traces = {t["name"]: t for t in figure["data"]}
    assert list(traces) == ["PHQ-9", "GAD-7", "Baseline (21)", "50 % response (10.5)", "Remission (below 5)"]
    assert traces["PHQ-9"]["x"] == [1, 2, 3, 4, 5, 6]
    assert traces["PHQ-9"]["y"] == [21, 17, 13, 11, 9, 9]
    assert traces["GAD-7"]["y"] == [7] * 6
    assert traces["Baseline (21)"]["y"] == [21, 21]
    assert traces["50 % response (10.5)"]["y"] == [10.5, 10.5]
    assert traces["Remission (below 5)"]["y"] == [5, 5]
    assert "-57 % from baseline" in traces["PHQ-9"]["hovertext"][5]
    assert "PHQ-9 21 → 8 after 6 sessions: response, not yet remission" in html
    # The same numbers in the table under the chart.
    assert "<th scope=\"row\">6</th>" in html and "-57 %" in html


def test_mood_timeline_has_daily_mood_rolling_mean_sessions_and_flags(login_as, clinician, patient, seed_history,
                                                                      make_flag, charts_in):
    starts = seed_history(patient, clinician, days=20, phq=[20, 15, 12], sessions=2)
    make_flag(patient, reason="Answered yes to the safety question")
    figure = charts_in(login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True))["chart-mood"]
    traces = {t["name"]: t for t in figure["data"]}
    assert list(traces) == ["Daily mood", "7-day mean", "Ketamine", "Safety flag"]
    assert set(traces["Daily mood"]["y"]) == {5}
    assert len(traces["Daily mood"]["x"]) == len(traces["7-day mean"]["x"]) >= 19
    zone = patient.timezone
    from zoneinfo import ZoneInfo

    days = [s.astimezone(ZoneInfo(zone)).date().isoformat() for s in starts]
    assert traces["Ketamine"]["x"] == [days[0], days[0], None, days[1], days[1], None]
    assert traces["Safety flag"]["hovertext"][0].endswith("Answered yes to the safety question")


def test_phq9_item_heatmap_has_one_column_per_questionnaire(login_as, admin, clinician, patient, seed_history, charts_in):
    seed_history(patient, clinician, days=20, phq=[20, 9], sessions=1)
    figure = charts_in(login_as(admin).get(f"/patients/{patient.id}").get_data(as_text=True))["chart-items"]
    heat = figure["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["y"][0] == "Interest" and heat["y"][8] == "Self-harm" and len(heat["y"]) == 9
    assert heat["x"] == [0, 1]
    assert [row[0] for row in heat["z"]] == [3, 3, 3, 3, 2, 2, 2, 2, 0]  # total 20 spread over items 1-8
    assert sum(row[1] for row in heat["z"]) == 9


def test_patient_dashboard_without_data_says_so(login_as, clinician, patient, charts_in):
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "No PHQ-9 yet" in html and "No ketamine session completed yet." in html and "No check-ins yet." in html
    assert charts_in(html) == {}


def test_progress_page_speaks_plainly_and_marks_sessions(login_as, clinician, patient, seed_history, charts_in):
    seed_history(patient, clinician, days=20, phq=[20, 14, 10], sessions=2)
    html = login_as(patient).get("/progress").get_data(as_text=True)
    assert "come down from 20 to 10" in html
    assert "You have completed <strong>2</strong> ketamine sessions" in html
    for jargon in ("remission", "baseline", "response"):
        assert jargon not in html.lower()
    figures = charts_in(html)
    assert {t["name"] for t in figures["chart-scores"]["data"]} == {"PHQ-9", "GAD-7", "Ketamine"}
    assert [t["name"] for t in figures["chart-mood"]["data"]] == ["Mood each day", "Week average", "Ketamine"]


def test_overview_rates_among_completed_series(login_as, admin, clinician, make_user, seed_history, charts_in):
    responder = make_user("patient", clinician=clinician)
    remitter = make_user("patient", clinician=clinician)
    nonresponder = make_user("patient", clinician=clinician)
    midway = make_user("patient", clinician=clinician)
    seed_history(responder, clinician, days=30, phq=[20, 15, 12, 10, 9, 9, 9], sessions=6)
    seed_history(remitter, clinician, days=30, phq=[20, 15, 12, 10, 6, 4, 3], sessions=6)
    seed_history(nonresponder, clinician, days=30, phq=[20, 19, 18, 18, 18, 17, 17], sessions=6)
    seed_history(midway, clinician, days=30, phq=[20, 5, 4], sessions=2, booked=4)  # series not over: not counted
    html = login_as(admin).get("/clinic").get_data(as_text=True)
    assert "67 %" in html and "2 of n = 3" in html  # response: responder and remitter
    assert "33 %" in html and "1 of n = 3" in html  # remission
    assert "30–60 %" in html
    weeks = charts_in(html)["chart-weeks"]
    ketamine = next(t for t in weeks["data"] if t["name"] == "Ketamine")
    assert sum(ketamine["y"]) == 20 and len(ketamine["x"]) == 26
    assert utcnow().date() - dt.date.fromisoformat(ketamine["x"][-1]) < dt.timedelta(days=7)


def test_overview_adherence_counts_patient_days_since_joining(login_as, admin, clinician, make_user, seed_history):
    regular = make_user("patient", clinician=clinician)
    seed_history(regular, clinician, days=40, phq=[20, 15], sessions=1)  # a check-in every day (history older than the account)
    make_user("patient", clinician=clinician)  # joined today, nothing yet: one patient-day
    html = login_as(admin).get("/clinic").get_data(as_text=True)
    import re

    checked, days = map(int, re.search(r"\((\d+) of (\d+)\)", html).groups())
    assert days == 31 and checked in (29, 30)  # today's check-in may not be due yet
