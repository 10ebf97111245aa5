"""Figures are plain dicts that plotly accepts as they are; the static SVG draws the same data, accessibly."""
import datetime as dt
import re
import xml.etree.ElementTree as ET

import plotly.graph_objects as go
import pytest

from katapp import chart_svg, charts
from katapp.domain.outcomes import EffectPoint
from katapp.domain.outcomes import Point as Score

DAY = dt.date(2026, 3, 2)
AT = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
SVG = "{http://www.w3.org/2000/svg}"


def effect_points() -> dict:
    def at(kind, number, value, days):
        when = AT + dt.timedelta(days=days)
        return EffectPoint(kind=kind, number=number, when=when, score=Score(when, value) if value is not None else None,
                           change_pct=None if value is None else (value - 21) / 21 * 100)

    phq = [at("session", 1, 21, 0), at("session", 2, None, 2), at("session", 3, 13, 4), at("post_series", None, 8, 9),
           at("latest", None, 10, 30)]
    return {"phq9": phq, "gad7": [at("session", 1, 12, 0), at("session", 3, 8, 4)]}


def every_figure() -> dict[str, dict]:
    days = [DAY + dt.timedelta(days=i) for i in range(60)]
    mood = [(d, 3 + i % 7) for i, d in enumerate(days)]
    return {
        "effect": charts.effect_by_session(effect_points(), 21, tz="Europe/Berlin"),
        "effect_no_baseline": charts.effect_by_session(effect_points(), None, tz="UTC"),
        "mood": charts.mood_timeline(mood, mood, [(days[3], "ketamine"), (days[5], "integration")],
                                     [(days[9], "Answered yes to the safety question")]),
        "scores": charts.scores_over_time({"phq9": [(days[0], 20), (days[30], 9)], "pcl5": [(days[1], 50)]},
                                          [(days[3], "ketamine")]),
        "items": charts.phq9_items([(days[0], [3, 3, 2, 2, 1, 1, 0, 0, 0]), (days[7], [1] * 8 + [0])]),
        "items_self_harm": charts.phq9_items([(days[0], [3, 3, 2, 2, 1, 1, 0, 0, 2]), (days[7], [1] * 8 + [0])]),
        "mood_many_sessions": charts.mood_timeline(mood, mood, [(days[i * 9], "ketamine") for i in range(6)]),
        "weeks": charts.sessions_per_week([(days[0], {"ketamine": 2}), (days[7], {"ketamine": 1, "follow_up": 1})]),
    }


@pytest.mark.parametrize("name", list(every_figure()))
def test_plain_figures_pass_plotlys_own_validation_unchanged(name):
    figure = every_figure()[name]
    checked = go.Figure(figure).to_plotly_json()  # raises ValueError on any property plotly.js would not take
    checked["layout"].pop("template", None)
    assert checked == figure  # nothing for plotly to coerce or drop: the page sends exactly what it validates


def test_figures_never_share_a_layout_dict():
    first, second = every_figure()["mood"], every_figure()["mood"]
    first["layout"]["xaxis"]["nticks"] = 99
    assert second["layout"]["xaxis"]["nticks"] == 5 and charts.DATE_AXIS["nticks"] == 5


def parse(markup: str):
    """The chart's <svg> element (well-formed XML) and the legend's item texts."""
    svg_text, _, rest = str(markup).partition("</svg>")
    root = ET.fromstring(svg_text + "</svg>")  # noqa: S314 - our own markup
    return root, re.findall(r"</svg>([^<]+)</li>", rest)


@pytest.mark.parametrize("name", list(every_figure()))
def test_every_figure_draws_as_an_accessible_svg(name):
    root, _ = parse(chart_svg.render(every_figure()[name], label="A chart & its numbers", chart_id=f"c-{name}"))
    assert root.get("role") == "img" and root.get("aria-labelledby") == f"c-{name}-title"
    assert root.get("aria-describedby") == f"c-{name}-desc"
    assert root.find(f"{SVG}title").text == "A chart & its numbers"
    assert root.find(f"{SVG}desc").text.endswith(".")
    assert root.findall(f".//{SVG}path") or root.findall(f".//{SVG}rect")


def test_effect_chart_keeps_gaps_and_draws_each_score():
    figure = every_figure()["effect"]
    root, legend = parse(chart_svg.render(figure, label="Effect", chart_id="e"))
    phq = next(p for p in root.iter(f"{SVG}path") if p.get("stroke") == charts.COLOURS["phq9"] and p.get("fill") == "none"
               and "h0" not in p.get("d"))
    assert phq.get("d").count("M") == 2  # session 2 has no score: the line breaks there, it never bridges
    dots = next(p for p in root.iter(f"{SVG}path") if p.get("stroke") == charts.COLOURS["phq9"] and "h0" in p.get("d"))
    assert dots.get("d").count("h0") == 4  # 21, 13, 8 and 10
    assert legend == ["PHQ-9", "GAD-7"]  # reference lines are labelled on the chart, not in the legend
    notes = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "note"]
    assert notes == ["PHQ-9 baseline (21)", "PHQ-9 50 % response (10.5)", "PHQ-9 remission (below 5)"]
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert {"1", "2", "3", "Post", "Now"} <= set(ticks)
    desc = root.find(f"{SVG}desc").text
    assert "PHQ-9: 4 values, first 21 (ketamine session 1), last 10 (Latest), lowest 8, highest 21" in desc


def test_a_higher_score_is_drawn_higher_and_dates_in_order():
    figure = charts.scores_over_time({"phq9": [(DAY, 20), (DAY + dt.timedelta(days=14), 5)]}, [])
    root, _ = parse(chart_svg.render(figure, label="PHQ-9", chart_id="s"))
    dots = next(p for p in root.iter(f"{SVG}path") if "h0" in p.get("d"))
    (x1, y1), (x2, y2) = [tuple(map(float, m)) for m in re.findall(r"M([\d.]+) ([\d.]+)h0", dots.get("d"))]
    assert x1 < x2 and y1 < y2  # 20 on the 2nd of March sits higher (smaller y) and earlier than 5 two weeks later


def test_heatmap_has_one_cell_per_answer_with_a_class_for_dark_mode():
    root, legend = parse(chart_svg.render(every_figure()["items"], label="Items", chart_id="h"))
    cells = root.findall(f".//{SVG}rect")
    assert len(cells) == 18 and legend == []
    assert {c.get("class") for c in cells} <= {"heat-0", "heat-1", "heat-2", "heat-3"}
    assert sum(c.get("class") == "heat-3" for c in cells) == 2  # the two "nearly every day" answers
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Interest" in labels and "Self-harm" in labels


def test_stacked_bars_one_rect_per_non_zero_count():
    root, legend = parse(chart_svg.render(every_figure()["weeks"], label="Weeks", chart_id="w"))
    assert len(root.findall(f".//{SVG}rect")) == 3
    assert legend[0] == "Ketamine" and len(legend) == 4


def test_text_from_the_data_is_escaped():
    figure = charts.mood_timeline([(DAY, 5)], [(DAY, 5)], [], [(DAY, "<script>alert(1)</script>")])
    figure["data"][0]["name"] = "<b>mood</b>"
    markup = str(chart_svg.render(figure, label="<i>label</i>", chart_id="x"))
    assert "<script>" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "&lt;b&gt;mood&lt;/b&gt;" in markup


def test_embed_gives_html_safe_json_and_reuses_the_drawing():
    figure = every_figure()["mood"]
    figure["data"][-1]["hovertext"] = ["</script><script>alert(1)</script>"]
    data, picture = chart_svg.embed(figure, "Mood", "m")
    assert "</script>" not in data and "<" not in data
    again = chart_svg.embed(every_figure()["mood"] | {"data": figure["data"]}, "Mood", "m")[1]
    assert again is picture  # same figure, same drawing: cached per process


@pytest.mark.parametrize(("who", "path", "ids"), [
    ("clinician", "/patients/{pid}", {"chart-effect", "chart-phq9", "chart-mood", "chart-items"}),
    ("patient", "/progress", {"chart-mood", "chart-scores"}),
])
def test_each_chart_arrives_drawn_beside_its_data(charts_in, login_as, clinician, patient, seed_history, who, path, ids):
    seed_history(patient, clinician, days=20, phq=[20, 14, 10], sessions=2)
    reader = clinician if who == "clinician" else patient
    html = login_as(reader).get(path.format(pid=patient.id)).get_data(as_text=True)
    assert set(charts_in(html)) == ids
    for chart_id in ids:
        box = re.search(rf'<div class="chart-box is-static" id="{chart_id}" data-chart-box><svg [^>]*role="img"', html)
        assert box, f"{chart_id} has no static SVG in the HTML"
        assert f'data-chart-upgrade="{chart_id}"' in html  # the phone's way to the interactive chart
