"""Each page's figures hold the right series; the numbers are also in tables; plain words for patients."""
import datetime as dt

from katapp.models import utcnow


def test_effect_by_session_chart_is_indexed_by_session_number(charts_in, login_as, clinician, patient, seed_history):
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
    assert "Response held: PHQ-9 21 → 8 on " in html  # the outcome judged after the series
    # The same numbers in the table under the chart.
    assert "<th scope=\"row\">6</th>" in html and "-57 %" in html


def test_mood_timeline_has_daily_mood_rolling_mean_sessions_and_flags(charts_in, login_as, clinician, patient, seed_history,
                                                                      make_flag):
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


def test_phq9_item_heatmap_has_one_column_per_questionnaire(charts_in, login_as, admin, clinician, patient, seed_history):
    seed_history(patient, clinician, days=20, phq=[20, 9], sessions=1)
    figure = charts_in(login_as(admin).get(f"/patients/{patient.id}").get_data(as_text=True))["chart-items"]
    heat = figure["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["y"][0] == "Interest" and heat["y"][8] == "Self-harm" and len(heat["y"]) == 9
    assert heat["x"] == [0, 1]
    assert [row[0] for row in heat["z"]] == [3, 3, 3, 3, 2, 2, 2, 2, 0]  # total 20 spread over items 1-8
    assert sum(row[1] for row in heat["z"]) == 9


def test_patient_dashboard_without_data_says_so(charts_in, login_as, clinician, patient):
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "No PHQ-9 yet" in html and "No ketamine session completed yet." in html and "No check-ins yet." in html
    assert charts_in(html) == {}


def test_progress_page_speaks_plainly_and_marks_sessions(charts_in, login_as, clinician, patient, seed_history):
    seed_history(patient, clinician, days=20, phq=[20, 14, 10], sessions=2)
    html = login_as(patient).get("/progress").get_data(as_text=True)
    assert "come down from 20 to 10" in html
    assert "You have completed <strong>2</strong> ketamine sessions" in html
    for jargon in ("remission", "baseline", "response"):
        assert jargon not in html.lower()
    figures = charts_in(html)
    assert {t["name"] for t in figures["chart-scores"]["data"]} == {"PHQ-9", "GAD-7", "Ketamine"}
    assert [t["name"] for t in figures["chart-mood"]["data"]] == ["Mood each day", "Week average", "Ketamine"]


def test_overview_sessions_per_week_chart(charts_in, login_as, admin, clinician, make_user, seed_history):
    for _ in range(3):
        seed_history(make_user("patient", clinician=clinician), clinician, days=30, phq=[20, 15, 12, 10, 9, 9, 9],
                     sessions=6)
    seed_history(make_user("patient", clinician=clinician), clinician, days=30, phq=[20, 5, 4], sessions=2, booked=4)
    html = login_as(admin).get("/clinic").get_data(as_text=True)
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


def test_phq9_heatmap_hover_text_is_the_instruments_answer_labels(monkeypatch):
    import dataclasses

    from katapp import charts
    from katapp.domain import instruments

    phq9 = instruments.INSTRUMENTS["phq9"]
    answers = [0, 1, 2, 3, 0, 1, 2, 3, 0]
    heat = charts.phq9_items([(dt.date(2026, 3, 1), answers)])["data"][0]
    labels = {o.value: o.label for o in phq9.options}
    assert [row[0] for row in heat["text"]] == [labels[v] for v in answers]
    assert heat["text"][3][0] == "Nearly every day"
    # The labels come from the instrument's definition, not a copy: renaming an option renames the text.
    renamed = tuple(dataclasses.replace(o, label=f"option {o.value}") for o in phq9.options)
    monkeypatch.setitem(instruments.INSTRUMENTS, "phq9", dataclasses.replace(phq9, options=renamed))
    heat = charts.phq9_items([(dt.date(2026, 3, 1), answers)])["data"][0]
    assert [row[0] for row in heat["text"]] == [f"option {v}" for v in answers]


def test_session_charts_name_and_colour_kinds_from_the_vocabulary():
    from katapp import charts
    from katapp.domain.vocabulary import KIND, SESSION_KINDS

    monday = dt.date(2026, 3, 2)
    bars = charts.sessions_per_week([(monday, {"ketamine": 2, "follow_up": 1})])["data"]
    assert [(b["name"], b["marker"]["color"]) for b in bars] == [(k.title, k.colour) for k in SESSION_KINDS]
    assert [b["y"] for b in bars] == [[2], [0], [0], [1]]
    lines = charts.mood_timeline([], [], [(monday, "integration"), (monday, "ketamine")])["data"][2:]
    assert [(t["name"], t["line"]["color"]) for t in lines] == [
        (KIND["ketamine"].title, KIND["ketamine"].colour), (KIND["integration"].title, KIND["integration"].colour)]


def test_overview_table_heads_are_the_session_kind_titles(login_as, admin):
    from katapp.domain.vocabulary import SESSION_KINDS

    html = login_as(admin).get("/clinic").get_data(as_text=True)
    for kind in SESSION_KINDS:
        assert f'<th scope="col">{kind.title}</th>' in html
