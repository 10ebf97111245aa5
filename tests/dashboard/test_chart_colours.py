"""Chart colours that read in light and dark (issue #18): mood dots, the self-harm item, session marks.

Contrast is WCAG's relative-luminance ratio, computed against the plot's real background: the card
surface of static/css/app.css in each colour scheme (charts draw on a transparent plot)."""
import datetime as dt
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest

from katapp import chart_svg, charts
from katapp.domain.vocabulary import KIND

from .test_chart_svg import SVG, parse

APP_CSS = Path(__file__).parents[2] / "katapp" / "static" / "css" / "app.css"
DAY = dt.date(2026, 3, 2)
DAYS = [DAY + dt.timedelta(days=i) for i in range(120)]  # four months


def surfaces() -> dict[str, str]:
    """{"light": colour, "dark": colour}: the card background (--surface) in each scheme."""
    css = APP_CSS.read_text()
    light, dark = re.findall(r"--surface:\s*(#[0-9a-fA-F]{6})", css)[:2]
    assert "prefers-color-scheme: dark" in css[css.index(light):css.rindex(dark)]
    return {"light": light, "dark": dark}


def _rgb(colour: str) -> tuple[float, ...]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def luminance(rgb) -> float:
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def seen(colour: str, opacity: float, background: str) -> tuple[float, ...]:
    """The colour a mark of `opacity` shows over `background`."""
    return tuple(opacity * c + (1 - opacity) * b for c, b in zip(_rgb(colour), _rgb(background), strict=True))


def test_contrast_helper_matches_known_pairs():
    assert contrast(_rgb("#000000"), _rgb("#ffffff")) == pytest.approx(21)
    assert contrast(_rgb("#777777"), _rgb("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_daily_mood_dots_have_3_to_1_contrast_with_the_plot(scheme):
    mood = [(d, 5) for d in DAYS[:30]]
    dots = charts.mood_timeline(mood, mood, [])["data"][0]
    marker = dots["marker"]
    shown = seen(marker["color"], marker.get("opacity", 1), surfaces()[scheme])
    assert contrast(shown, _rgb(surfaces()[scheme])) >= 3
    root, _ = parse(chart_svg.render(charts.mood_timeline(mood, mood, []), label="Mood", chart_id="m"))
    drawn = next(p for p in root.iter(f"{SVG}path") if "h0" in (p.get("d") or ""))
    assert drawn.get("stroke") == marker["color"] and drawn.get("stroke-opacity") in (None, "1")


def test_the_old_faint_dots_would_have_failed_in_dark_mode():
    # The test can fail: the dots before issue #18 (teal at 60 % opacity) fell below 3:1 on the dark card.
    assert contrast(seen("#2a9d8f", 0.6, surfaces()["dark"]), _rgb(surfaces()["dark"])) < 3


def items(ninth: list[int]):
    return charts.phq9_items([(DAYS[i * 7], [1, 2, 0, 1, 0, 0, 1, 0, v]) for i, v in enumerate(ninth)])


def test_a_positive_self_harm_answer_is_a_strong_red_cell_with_a_mark():
    figure = items([0, 1, 0, 3])
    overlay = next(t for t in figure["data"] if t.get("meta") == "alert")
    assert overlay["y"] == ["Self-harm"] and overlay["z"] == [[None, 1, None, 3]]
    red = overlay["colorscale"][0][1]
    assert red == charts.COLOURS["flag"] and overlay["colorscale"][-1][1] == red
    palest = figure["data"][0]["colorscale"][0][1]
    strongest = figure["data"][0]["colorscale"][-1][1]
    for scheme_bg in (*surfaces().values(), palest):
        assert contrast(_rgb(red), _rgb(scheme_bg)) >= 3  # stands out on the card and on the palest cell
    assert red not in {stop[1] for stop in figure["data"][0]["colorscale"]} and red != strongest
    mark = next(t for t in figure["data"] if t.get("mode") == "text")
    assert mark["x"] == [1, 3] and mark["text"] == ["!", "!"]  # a mark, not colour alone
    assert contrast(_rgb(mark["textfont"]["color"]), _rgb(red)) >= 4.5
    go.Figure(figure)  # plotly takes it as it is


def test_the_svg_draws_the_self_harm_cells_red_with_the_mark_in_light_and_dark():
    root, _ = parse(chart_svg.render(items([0, 2]), label="Items", chart_id="i"))
    alert = [c for c in root.iter(f"{SVG}rect") if c.get("class") == "heat-alert"]
    assert len(alert) == 1 and alert[0].get("fill") == charts.COLOURS["flag"]
    base = [c for c in root.iter(f"{SVG}rect") if c.get("class", "").startswith("heat-") and c.get("class") != "heat-alert"]
    self_harm_row = [c for c in base if c.get("y") == alert[0].get("y")]
    assert [c.get("x") for c in self_harm_row][1] == alert[0].get("x")  # drawn over the item-9 cell, in its place
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "mark"] == ["!"]
    css = (APP_CSS.parent / "dashboard.css").read_text()
    assert ".heat-alert" not in css  # no dark-mode rule repaints it: the red holds in both schemes
    assert "Self-harm answer above 0: 1 questionnaire" in root.find(f"{SVG}desc").text


def test_no_self_harm_answer_no_red():
    figure = items([0, 0, 0])
    assert [t["type"] for t in figure["data"]] == ["heatmap"]


def sessions(count: int) -> list:
    return [(DAYS[10 + i * 15], "ketamine" if i % 2 == 0 else "integration") for i in range(count)]


def test_few_sessions_are_vertical_lines():
    figure = charts.mood_timeline([(d, 5) for d in DAYS], [(d, 5) for d in DAYS], sessions(4))
    marks = [t for t in figure["data"] if t.get("meta") == "sessions"]
    assert {t["mode"] for t in marks} == {"lines"} and len(marks) == 2


def test_many_sessions_on_a_four_month_chart_are_marks_along_the_axis():
    figure = charts.mood_timeline([(d, 5) for d in DAYS], [(d, 5) for d in DAYS], sessions(6))
    marks = [t for t in figure["data"] if t.get("meta") == "sessions"]
    assert {t["mode"] for t in marks} == {"markers"} and all(set(t["y"]) == {0} for t in marks)
    assert sum(len(t["x"]) for t in marks) == 6
    go.Figure(figure)
    root, legend = parse(chart_svg.render(figure, label="Mood", chart_id="m"))
    ketamine = KIND["ketamine"].colour
    assert not [p for p in root.iter(f"{SVG}path") if p.get("stroke") == ketamine]  # no lines across the plot
    triangles = [p for p in root.iter(f"{SVG}path") if p.get("fill") == ketamine]
    assert len(triangles) == 1 and triangles[0].get("d").count("z") == 3
    assert "Ketamine" in legend and "Ketamine: 3 on the chart" in root.find(f"{SVG}desc").text
