"""Plotly figures built from domain output (plain values in, figure dicts out; no database access).

Each function returns a plain figure dict `{"data": [trace, ...], "layout": {...}}` (the JSON
plotly.js takes): the template puts it in `<script type="application/json" data-chart>`,
katapp/chart_svg.py draws it as a static SVG for the first paint and print, and
static/js/charts.js upgrades that to the interactive chart with Plotly.react. The dicts are built
by hand, not through `plotly.graph_objects` (whose validation and deep copies took three quarters
of the patient page's time); tests/dashboard/test_chart_svg.py checks every figure against
plotly's own validation. Dates travel as ISO strings. charts.js sets the theme colours (light or
dark) on the layout, so the server only chooses trace colours that read on both.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from katapp.domain.instruments import INSTRUMENTS
from katapp.domain.outcomes import EffectPoint
from katapp.domain.vocabulary import SESSION_KINDS

COLOURS = {
    "phq9": "#3b7dd8",
    "gad7": "#d9782b",
    "pcl5": "#9a6fd0",
    "mood": "#2a9d8f",
    "rolling": "#e05a7a",
    "reference": "#8a9593",
    "flag": "#d33c2c",
}
# Short names of the PHQ-9 items for a heatmap row or a table header (the full wording is in
# domain/instruments.py; these must stay in its order).
PHQ9_ITEMS = ("Interest", "Low mood", "Sleep", "Energy", "Appetite", "Self-worth", "Concentration",
              "Slow/restless", "Self-harm")


# Few, unrotated date ticks: readable at 360 px.
DATE_AXIS = {
    "type": "date", "fixedrange": True, "nticks": 5, "tickangle": 0, "automargin": True,
    "tickformatstops": [
        {"dtickrange": [None, 2592000000], "value": "%d %b"},  # ticks under a month apart: "14 Aug"
        {"dtickrange": [2592000000, None], "value": "%b '%y"},  # monthly or wider: "Aug '26"
    ],
}


def _layout(**extra) -> dict:
    """A compact layout that fits 360 px: legend above the plot (it wraps on a phone without
    covering the axis), small margins, no title (the page has one)."""
    layout = {
        "margin": {"l": 44, "r": 12, "t": 8, "b": 36},
        "height": 360,
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
        "hovermode": "closest",
        "dragmode": False,
        "showlegend": True,
    }
    layout.update(extra)
    return layout


def _figure(traces: list, layout: dict) -> dict:
    return {"data": traces, "layout": layout}


def _trace(kind: str, **props) -> dict:
    """One plotly.js trace of type `kind` ("scatter", "bar", "heatmap") as plain data."""
    return {"type": kind, **props}


def _date_axis() -> dict:
    """A fresh copy of DATE_AXIS (figures are plain dicts: never share one between figures)."""
    return {**DATE_AXIS, "tickformatstops": [dict(stop) for stop in DATE_AXIS["tickformatstops"]]}


def _fmt_change(change: float | None) -> str:
    return "" if change is None else f"<br>{change:+.0f} % from baseline".replace("-", "−")


# Remission is a PHQ-9 total below 5: the top of the minimal band plus one (instruments.md).
PHQ9_REMISSION_BELOW = INSTRUMENTS["phq9"].bands[0].high + 1
AFTER_SERIES, LATEST = "After series", "Latest"


def effect_slots(points: dict[str, list[EffectPoint]]) -> list[str]:
    """The chart's x categories in order: induction sessions "1".."N", "After series" (when any
    instrument has a post-series score), booster sessions, then "Latest" (when drawn)."""
    kinds = {(e.kind, e.number) for rows in points.values() for e in rows}
    sessions = sorted(n for kind, n in kinds if kind == "session")
    boosters = sorted(n for kind, n in kinds if kind == "booster")
    return ([str(n) for n in sessions] + ([AFTER_SERIES] if ("post_series", None) in kinds else [])
            + [str(n) for n in boosters] + ([LATEST] if ("latest", None) in kinds else []))


def _slot(e: EffectPoint) -> str:
    return AFTER_SERIES if e.kind == "post_series" else LATEST if e.kind == "latest" else str(e.number)


def _effect_trace(key: str, rows: list[EffectPoint], slots: list[str], tz: ZoneInfo, yaxis: str) -> dict:
    """One instrument's line over the slots; None (a gap, never an old score again) where nothing was taken."""
    name = INSTRUMENTS[key].short_title
    at = {_slot(e): e for e in rows}
    y, text = [], []
    for slot in slots:
        e = at.get(slot)
        y.append(e.score.value if e and e.score else None)
        text.append(None if not (e and e.score) else (
            f"{'Session ' + slot if slot.isdigit() else slot}{' (booster)' if e.kind == 'booster' else ''}: "
            f"{name} {e.score.value:g}<br>taken {e.score.when.astimezone(tz):%d %b %Y}{_fmt_change(e.change_pct)}"))
    return _trace("scatter", name=name, x=slots, y=y, mode="lines+markers", connectgaps=False, yaxis=yaxis,
                      line={"color": COLOURS[key], "width": 3}, marker={"size": 9}, hovertext=text, hoverinfo="text")


def effect_by_session(points: dict[str, list[EffectPoint]], baseline: float | None, *, tz: str) -> dict:
    """Each ketamine session's pre-dose score, then the post-series and latest scores (x: slots).

    `points` maps instrument keys to `outcomes.effect_points` output. PHQ-9 has its own panel
    (y) with the reference lines, all named PHQ-9 and drawn on its axis only: baseline and 50 %
    response (when there is a `baseline`) and remission (below 5). GAD-7 (y2) and PCL-5 (y3, on the
    right) share the lower panel. A gap stays a gap.
    """
    slots = effect_slots(points)
    zone = ZoneInfo(tz)
    lower = [k for k in ("gad7", "pcl5") if any(e.score for e in points.get(k, []))]
    axes = {"phq9": "y", **{k: "y2" if i == 0 else "y3" for i, k in enumerate(lower)}}
    traces = [_effect_trace(k, points[k], slots, zone, axes[k]) for k in ("phq9", *lower) if k in points]
    lines = [(f"PHQ-9 remission (below {PHQ9_REMISSION_BELOW})", PHQ9_REMISSION_BELOW, "dot")]
    if baseline is not None:
        lines = [(f"PHQ-9 baseline ({baseline:g})", baseline, "solid"),
                 (f"PHQ-9 50 % response ({baseline * 0.5:g})", baseline * 0.5, "dash"), *lines]
    notes = []
    if "phq9" in points and slots:
        # Labelled on the line itself (not in the legend, where long names overlap at 360 px).
        traces += [_trace("scatter", name=label, x=[slots[0], slots[-1]], y=[y, y], mode="lines", hoverinfo="name", yaxis="y",
                              showlegend=False, line={"color": COLOURS["reference"], "dash": dash, "width": 2})
                   for label, y, dash in lines]
        notes = [{"text": label, "x": slots[-1], "y": y, "xref": "x", "yref": "y", "xanchor": "right",
                  "yanchor": "bottom", "showarrow": False, "font": {"size": 10}} for label, y, _ in lines]
    layout = _effect_layout(slots, lower)
    layout["annotations"] = notes
    return _figure(traces, layout)


_RANGE = {"gad7": [0, 21.5], "pcl5": [0, 81]}
_TICK = {AFTER_SERIES: "Post", LATEST: "Now"}  # short, unrotated ticks at 360 px (the table says it in full)


def _effect_layout(slots: list[str], lower: list[str]) -> dict:
    """PHQ-9 panel on top; GAD-7 and/or PCL-5 in a panel underneath when there are such scores."""
    layout = _layout(
        height=480 if lower else 360,
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": slots, "fixedrange": True,
               "anchor": "y2" if lower else "y", "title": {"text": "Ketamine session"}, "tickangle": 0,
               "tickvals": slots, "ticktext": [_TICK.get(slot, slot) for slot in slots], "tickfont": {"size": 11}},
        yaxis={"title": {"text": "PHQ-9"}, "range": [0, 27.5], "fixedrange": True, "domain": [0.42, 1] if lower else [0, 1]},
    )
    for i, key in enumerate(lower):
        axis = {"title": {"text": INSTRUMENTS[key].short_title}, "range": _RANGE[key], "fixedrange": True}
        if i == 0:
            layout["yaxis2"] = {**axis, "domain": [0, 0.3]}
        else:
            layout["yaxis3"] = {**axis, "overlaying": "y2", "side": "right", "showgrid": False}
            layout["margin"]["r"] = 44
    return layout


SESSION_LINES_UP_TO = 4  # more sessions than this on one chart: marks along the axis instead of lines


def _session_lines(sessions: Sequence[tuple[dt.date, str]], low: float, high: float) -> list:
    """Sessions by kind, one legend entry per kind: vertical lines (None breaks the line between
    days) while there are few; with more than SESSION_LINES_UP_TO, triangles along the foot of the
    plot, so a series of sessions does not bar a four-month chart. `meta` "sessions" tells
    katapp/chart_svg.py to describe them as sessions."""
    many = len(sessions) > SESSION_LINES_UP_TO
    traces = []
    for kind in SESSION_KINDS:
        days = [d for d, k in sessions if k == kind.key]
        if not days:
            continue
        if many:
            traces.append(_trace("scatter",
                name=kind.title, x=[d.isoformat() for d in days], y=[low] * len(days), mode="markers", meta="sessions",
                marker={"color": kind.colour, "symbol": "triangle-up", "size": 10}, cliponaxis=False,
                hovertemplate=f"%{{x|%d %b %Y}}: {kind.title.lower()}<extra></extra>"))
            continue
        x: list = []
        y: list = []
        for d in days:
            x += [d.isoformat(), d.isoformat(), None]
            y += [low, high, None]
        ketamine = kind.key == "ketamine"
        traces.append(_trace("scatter",
            name=kind.title, x=x, y=y, mode="lines", hoverinfo="x+name", meta="sessions",
            line={"color": kind.colour, "width": 2 if ketamine else 1, "dash": "solid" if ketamine else "dot"},
        ))
    return traces


def mood_timeline(daily: Sequence[tuple[dt.date, float]], rolling: Sequence[tuple[dt.date, float]],
                  sessions: Sequence[tuple[dt.date, str]], flags: Sequence[tuple[dt.date, str]] = (),
                  *, plain: bool = False) -> dict:
    """Daily mood (0-10) with its 7-day rolling mean, sessions as vertical lines by kind, safety flags.

    `plain` words it for the patient's own page.
    """
    traces = [
        _trace("scatter", name="Mood each day" if plain else "Daily mood", x=[d.isoformat() for d, _ in daily],
                   y=[round(v, 1) for _, v in daily], mode="markers",
                   marker={"color": COLOURS["mood"], "size": 6},  # opaque: ≥ 3:1 on light and dark plots
                   hovertemplate="%{x|%d %b %Y}: mood %{y}<extra></extra>"),
        _trace("scatter", name="Week average" if plain else "7-day mean", x=[d.isoformat() for d, _ in rolling],
                   y=[round(v, 2) for _, v in rolling], mode="lines",
                   line={"color": COLOURS["rolling"], "width": 3},
                   hovertemplate="%{x|%d %b %Y}: 7-day mean %{y:.1f}<extra></extra>"),
        *_session_lines(sessions, 0, 10),
    ]
    if flags:
        traces.append(_trace("scatter",
            name="Safety flag", x=[d.isoformat() for d, _ in flags], y=[0.3] * len(flags), mode="markers",
            marker={"color": COLOURS["flag"], "symbol": "x", "size": 13, "line": {"width": 2}},
            hovertext=[f"{d:%d %b %Y}: {reason}" for d, reason in flags], hoverinfo="text",
        ))
    return _figure(traces, _layout(
        xaxis=_date_axis(),
        yaxis={"title": {"text": "Mood (0–10)"}, "range": [-0.3, 10.3],
               "dtick": 2, "fixedrange": True},
    ))


SELF_HARM = PHQ9_ITEMS[8]  # item 9: thoughts of being better off dead or of self-harm


def phq9_items(columns: Sequence[tuple[dt.date, Sequence[int]]]) -> dict:
    """A heatmap of PHQ-9 answers: one row per item, one equally wide column per questionnaire
    (oldest first; x is the questionnaire's position, labelled with its date).

    An item 9 (self-harm) answer above 0 is never the palest cell: it is drawn over the scale in
    the flag red with a "!" in it (colour and a mark, so it does not rest on colour alone)."""
    n = len(columns)
    dates = [d.strftime("%d %b %Y") for d, _ in columns]
    z = [[answers[i] for _, answers in columns] for i in range(len(PHQ9_ITEMS))]
    answer_label = {option.value: option.label for option in INSTRUMENTS["phq9"].options}
    text = [[answer_label[v] for v in row] for row in z]
    ticks = sorted({round(i * (n - 1) / 3) for i in range(4)}) if n > 1 else [0]
    heat = _trace("heatmap",
        x=list(range(n)), y=list(PHQ9_ITEMS), z=z, zmin=0, zmax=3, text=text, name="PHQ-9 items",
        customdata=[dates] * len(PHQ9_ITEMS),
        colorscale=[[0, "#eef1f6"], [0.34, "#b5c6e0"], [0.67, "#4f8bc9"], [1, "#1b3f7a"]],
        xgap=1, ygap=1, hovertemplate="%{customdata}<br>%{y}: %{text}<extra></extra>",
        showscale=False,  # the page says "darker means more often"; the table has the numbers
    )
    traces = [heat]
    alert = [i for i, v in enumerate(z[8]) if v > 0]
    if alert:
        red = COLOURS["flag"]
        traces += [
            _trace("heatmap", x=list(range(n)), y=[SELF_HARM], z=[[v if v > 0 else None for v in z[8]]],
                   zmin=0, zmax=3, colorscale=[[0, red], [1, red]], showscale=False, xgap=1, ygap=1,
                   name="Self-harm answer above 0", meta="alert", text=[text[8]], customdata=[dates],
                   hovertemplate="%{customdata}<br>Self-harm: %{text}<extra></extra>"),
            _trace("scatter", x=alert, y=[SELF_HARM] * len(alert), mode="text", text=["!"] * len(alert),
                   textfont={"color": "#ffffff", "size": 14}, hoverinfo="skip", showlegend=False,
                   name="Self-harm mark"),
        ]
    return _figure(traces, _layout(
        height=320, showlegend=False, margin={"l": 8, "r": 8, "t": 8, "b": 36},
        xaxis={"fixedrange": True, "tickmode": "array", "tickvals": ticks,
               "ticktext": [columns[i][0].strftime("%d %b") for i in ticks], "showgrid": False},
        yaxis={"autorange": "reversed", "fixedrange": True, "automargin": True, "showgrid": False},
    ))


def scores_over_time(series: dict[str, Sequence[tuple[dt.date, int]]],
                     sessions: Sequence[tuple[dt.date, str]]) -> dict:
    """Questionnaire totals by date with sessions marked (the patient's own page: lower is better)."""
    traces = []
    top = 0
    for key, points in series.items():
        if not points:
            continue
        inst = INSTRUMENTS[key]
        top = max(top, inst.max_total if key != "pcl5" else 0)
        traces.append(_trace("scatter",
            name=inst.short_title, x=[d.isoformat() for d, _ in points], y=[v for _, v in points],
            mode="lines+markers", line={"color": COLOURS[key], "width": 3}, marker={"size": 6},
            yaxis="y2" if key == "pcl5" else "y",
            hovertemplate=f"%{{x|%d %b %Y}}: {inst.short_title} %{{y}}<extra></extra>",
        ))
    top = top or 27
    traces += _session_lines([s for s in sessions if s[1] == "ketamine"], 0, top)
    layout = _layout(xaxis=_date_axis(),
                     yaxis={"title": {"text": "Score (lower is better)"}, "range": [0, top], "fixedrange": True})
    if series.get("pcl5"):
        layout["yaxis2"] = {"overlaying": "y", "side": "right", "range": [0, 80], "fixedrange": True,
                            "showgrid": False, "title": {"text": "PCL-5"}}
    return _figure(traces, layout)


def sessions_per_week(weeks: Sequence[tuple[dt.date, dict[str, int]]]) -> dict:
    """Stacked bars of completed sessions per week (x = the week's Monday), one colour per kind."""
    x = [monday.isoformat() for monday, _ in weeks]
    traces = [
        _trace("bar", name=kind.title, x=x, y=[counts.get(kind.key, 0) for _, counts in weeks],
               marker={"color": kind.colour},
               hovertemplate=f"Week of %{{x|%d %b}}: %{{y}} {kind.title.lower()}<extra></extra>")
        for kind in SESSION_KINDS
    ]
    return _figure(traces, _layout(barmode="stack", xaxis=_date_axis(),
                                   yaxis={"title": {"text": "Sessions"}, "fixedrange": True, "rangemode": "tozero"}))


def sparkline(values: Sequence[float], *, top: float = 27, width: int = 96, height: int = 28,
              lower_is_better: bool = False) -> str:
    """SVG polyline points ("x,y x,y ...") for a tiny trend, or "" with fewer than two values.

    Up is better, as on the mood chart: with `lower_is_better` (PHQ-9 totals) 0 is drawn at the top.
    """
    if len(values) < 2:
        return ""
    step = (width - 4) / (len(values) - 1)

    def y(v: float) -> float:
        share = min(max(v, 0), top) / top
        return 2 + (height - 4) * (share if lower_is_better else 1 - share)

    return " ".join(f"{2 + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
