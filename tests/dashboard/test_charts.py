"""Each page's figures hold the right series; the numbers are also in tables; plain words for patients."""
import datetime as dt

import pytest

from katapp.models import utcnow


def answers_for(total: int, item9: int = 0) -> list[int]:
    """PHQ-9 answers summing to `total` with item 9 set to `item9`."""
    answers = [0] * 8 + [item9]
    for i in range(total - item9):
        answers[i % 8] += 1
    return answers


def test_effect_chart_has_each_pre_dose_score_then_post_series_and_latest(charts_in, login_as, clinician, patient,
                                                                         seed_history, make_assessment):
    seed_history(patient, clinician, days=24, phq=[21, 17, 13, 11, 9, 9, 8], sessions=6)
    make_assessment(patient, "phq9", answers_for(10), recorded_at=utcnow() - dt.timedelta(days=1))
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    traces = {t["name"]: t for t in charts_in(html)["chart-effect"]["data"]}
    assert list(traces) == ["PHQ-9", "GAD-7", "PHQ-9 baseline (21)", "PHQ-9 50 % response (10.5)",
                            "PHQ-9 remission (below 5)"]
    assert traces["PHQ-9"]["x"] == ["1", "2", "3", "4", "5", "6", "After series", "Latest"]
    assert traces["PHQ-9"]["y"] == [21, 17, 13, 11, 9, 9, 8, 10]  # post-series 8 and latest 10 are plotted
    assert traces["GAD-7"]["y"] == [7] * 7 + [None]  # no GAD-7 with the latest PHQ-9: a gap
    assert "−62 % from baseline" in traces["PHQ-9"]["hovertext"][6]
    assert "Response held: PHQ-9 21 → 8" in html
    # The same numbers in the table under the chart.
    assert '<th scope="row">After series</th>' in html and '<th scope="row">Latest</th>' in html and "-62 %" in html


def test_effect_chart_never_repeats_an_old_score(charts_in, login_as, clinician, patient, seed_history):
    seed_history(patient, clinician, days=20, phq=[21], sessions=3, gad=False)  # one PHQ-9, before session 1
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    phq = next(t for t in charts_in(html)["chart-effect"]["data"] if t["name"] == "PHQ-9")
    assert phq["x"] == ["1", "2", "3"] and phq["y"] == [21, None, None]
    assert phq["connectgaps"] is False


def test_reference_lines_are_phq9_only_on_the_phq9_axis(charts_in, login_as, clinician, patient, seed_history,
                                                        make_assessment):
    seed_history(patient, clinician, days=20, phq=[20, 15, 12], sessions=2)
    start = utcnow() - dt.timedelta(days=19)
    make_assessment(patient, "pcl5", [2] * 20, recorded_at=start)
    figure = charts_in(login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True))["chart-effect"]
    axes = {t["name"]: t.get("yaxis", "y") for t in figure["data"]}
    references = [name for name in axes if name not in ("PHQ-9", "GAD-7", "PCL-5")]
    assert len(references) == 3 and all(name.startswith("PHQ-9 ") for name in references)
    assert {axes[name] for name in references} == {"y"} and axes["PHQ-9"] == "y"
    assert axes["GAD-7"] == "y2" and axes["PCL-5"] == "y3"
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "PHQ-9" and layout["yaxis2"]["title"]["text"] == "GAD-7"
    assert layout["yaxis2"]["domain"][1] < layout["yaxis"]["domain"][0]  # separate panels
    assert layout["yaxis3"]["overlaying"] == "y2"


def test_phq9_by_date_chart_marks_ketamine_sessions(charts_in, login_as, clinician, patient, seed_history):
    starts = seed_history(patient, clinician, days=20, phq=[20, 15, 12], sessions=2)
    figure = charts_in(login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True))["chart-phq9"]
    traces = {t["name"]: t for t in figure["data"]}
    assert list(traces) == ["PHQ-9", "Ketamine"] and traces["PHQ-9"]["y"] == [20, 15, 12]
    from zoneinfo import ZoneInfo

    assert traces["Ketamine"]["x"][0] == starts[0].astimezone(ZoneInfo(patient.timezone)).date().isoformat()


def test_relapsing_patient_reads_responded_now_relapsing_with_dates(login_as, clinician, patient, seed_history,
                                                                     make_assessment):
    seed_history(patient, clinician, days=40, phq=[23, 18, 14, 10, 9, 8, 8], sessions=6, gad=False)
    make_assessment(patient, "phq9", answers_for(17), recorded_at=utcnow() - dt.timedelta(days=10))
    make_assessment(patient, "phq9", answers_for(21), recorded_at=utcnow() - dt.timedelta(days=2))
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Responded, now relapsing" in html
    relapse_day = clock_day(patient, utcnow() - dt.timedelta(days=10))
    assert "Responded (23 → 8 on " in html and f"now relapsing since {relapse_day.isoformat()} (17)" in html


def clock_day(patient, moment):
    from katapp import clock

    return clock.local_day(patient, moment)


def test_gad7_and_pcl5_flags_show_on_the_patient_page(login_as, clinician, patient, make_assessment):
    make_assessment(patient, "gad7", [3, 3, 3, 3, 3, 3, 0])  # 18
    make_assessment(patient, "pcl5", [3] * 10 + [2] * 10)  # 50
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "GAD-7 ≥ 10: evaluate anxiety" in html and "PCL-5 ≥ cut-point 33: assess for PTSD" in html
    assert "<strong>18</strong>/21 severe" in html and "<strong>50</strong>/80 at or above the cut-point (33)" in html
    assert "Not started" in html


def test_gad7_and_pcl5_below_their_thresholds_raise_no_flag(login_as, clinician, patient, make_assessment):
    make_assessment(patient, "gad7", [1] * 7 + [])  # 7
    make_assessment(patient, "pcl5", [1] * 20)  # 20
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "GAD-7 ≥ 10" not in html and "PCL-5 ≥ cut-point" not in html and "below the cut-point (33)" in html


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


def test_a_one_point_drop_is_never_called_progress(login_as, clinician, patient, seed_history):
    seed_history(patient, clinician, days=20, phq=[21, 20], sessions=1)
    html = login_as(patient).get("/progress").get_data(as_text=True)
    assert "real progress" not in html.lower()
    assert "Your depression questionnaire score is 20 (it was 21 when you started)" in html


@pytest.mark.parametrize(("phq", "said"), [
    ([21, 16], "from 21 to 16 since you started: 5 points (24 %) lower, past both marks of a real change (5 points, 20 %)"),
    ([24, 18], "from 24 to 18 since you started: 6 points (25 %) lower, past both marks of a real change"),
])
def test_progress_past_a_meaningful_change_says_which(login_as, clinician, patient, seed_history, phq, said):
    seed_history(patient, clinician, days=20, phq=phq, sessions=1)
    html = login_as(patient).get("/progress").get_data(as_text=True)
    assert "That is real progress" in html and said in html


def test_item9_above_0_with_a_low_score_is_never_reassuring(login_as, clinician, patient, seed_history, make_assessment):
    seed_history(patient, clinician, days=20, phq=[20, 14], sessions=1)
    make_assessment(patient, "phq9", answers_for(3, item9=1))
    html = login_as(patient).get("/progress").get_data(as_text=True)
    assert "real progress" not in html.lower() and "few or no signs" not in html
    assert "Your care team will look at your latest questionnaire soon" in html
    assert "your care team will look at this" in html  # the table row too, instead of "minimal"


def test_an_open_flag_stops_the_progress_line(login_as, clinician, patient, seed_history, make_flag):
    seed_history(patient, clinician, days=20, phq=[20, 10], sessions=1)
    make_flag(patient)
    html = login_as(patient).get("/progress").get_data(as_text=True)
    assert "real progress" not in html.lower() and "Your care team will look at your latest questionnaire soon" in html


def test_patients_own_table_shows_the_pcl5_cut_point_never_probable_ptsd(login_as, patient, make_assessment):
    make_assessment(patient, "pcl5", [3] * 20)  # 60: above the cut-point
    html = login_as(patient).get("/progress").get_data(as_text=True)
    assert "60 of 80" in html and "the clinic&#39;s cut-point is 33" in html
    assert "probable ptsd" not in html.lower()


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


def test_progress_names_only_the_mark_that_was_passed():
    from katapp.dashboard.views import _which_change
    from katapp.domain.outcomes import meaningful_change

    assert _which_change(meaningful_change(27, 22)) == "5 points lower, past the 5-point mark of a real change"
    assert "past both marks" in _which_change(meaningful_change(20, 15))
