"""A static SVG of a plotly figure dict (katapp.charts), for the first paint on a phone and for print.

`render(figure, label=..., chart_id=...)` draws the same data plotly.js would: scatter lines and
markers (gaps stay gaps), stacked bars, heatmaps, reference-line labels, several y axes stacked in
panels or overlaid on the right, date, category and numeric x axes. It is what a page shows until
static/js/charts.js upgrades it to the interactive Plotly chart (when idle on a wide screen, on tap
on a phone), and what the printable report prints.

Accessible: `<svg role="img">` with a `<title>` (the label) and a `<desc>` (each series in words:
how many values, first, last, lowest and highest); the legend is an HTML list under the plot, so
it wraps at any width; the full numbers are in the table each page puts under its chart.
No inline style (CSP): colours of the data are presentation attributes, theme colours (text,
grid, axes, dark-mode heatmap) come from classes in static/css/dashboard.css.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable
from functools import lru_cache

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

WIDTH = 340  # viewBox units; the SVG scales to its box (12-unit text reads at about 11 px at 360 px)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DASH = {"dot": "2 5", "dash": "9 6", "dashdot": "9 5 2 5", "longdash": "14 6"}
_MONTH_DAYS = 30.44


def _num(v: float) -> str:
    """A coordinate with at most one decimal (small markup)."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=8192)
def _iso_days(text: str) -> float:
    day = dt.date.fromisoformat(text[:10]).toordinal()
    if len(text) > 10:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        day += (t.hour * 3600 + t.minute * 60 + t.second) / 86400
    return float(day)


def _days(value) -> float | None:
    """An ISO date or date-time string as days since 1 Jan 1 (fractional), None for None."""
    return None if value is None else _iso_days(str(value))


def _nice_step(span: float, count: int) -> float:
    """A 1-2-5 step giving about `count` intervals over `span`."""
    if span <= 0:
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step - 1e-9) * step
    out, value = [], first
    while value <= high + 1e-9 and len(out) < 50:
        out.append(round(value, 6))
        value += step
    return out


def _label(v: float) -> str:
    return f"{v:g}".replace("-", "−")


class _XAxis:
    """Maps x values of the figure's traces to horizontal positions, with tick marks and labels."""

    def __init__(self, layout: dict, traces: list[dict], left: float, right: float):
        spec = layout.get("xaxis", {})
        self.left, self.right = left, right
        self.title = (spec.get("title") or {}).get("text")
        values = [x for t in traces for x in (t.get("x") or []) if x is not None]
        kind = spec.get("type")
        if not kind:
            first = values[0] if values else 0
            kind = "category" if isinstance(first, str) and not _DATE.match(first) else (
                "date" if isinstance(first, str) else "linear")
        self.kind = kind
        self.ticks: list[tuple[float, str]] = []
        if kind == "category":
            order = list(spec.get("categoryarray") or dict.fromkeys(str(v) for v in values))
            self.slots = {c: i for i, c in enumerate(order)}
            self.low, self.high = -0.5, len(order) - 0.5
            text = dict(zip(spec.get("tickvals") or order, spec.get("ticktext") or order, strict=False))
            every = max(1, math.ceil(len(order) / 10))
            self.ticks = [(i, str(text.get(c, c))) for i, c in enumerate(order) if i % every == 0]
        elif kind == "date":
            days = [_days(v) for v in values]
            low, high = (min(days), max(days)) if days else (0.0, 1.0)
            pad = max((high - low) * 0.03, 0.5)
            self.low, self.high = low - pad, high + pad
            self.ticks = _date_ticks(self.low, self.high)
        else:
            nums = [float(v) for v in values]
            low, high = (min(nums), max(nums)) if nums else (0.0, 1.0)
            is_heat = any(t.get("type") == "heatmap" for t in traces)
            self.low, self.high = (low - 0.5, high + 0.5) if is_heat else (low, high if high > low else low + 1)
            if spec.get("tickvals") is not None:
                self.ticks = list(zip(spec["tickvals"], [str(t) for t in spec.get("ticktext") or spec["tickvals"]],
                                      strict=False))
            else:
                self.ticks = [(v, _label(v)) for v in _ticks(self.low, self.high, _nice_step(self.high - self.low, 5))]

    def value(self, x) -> float | None:
        if x is None:
            return None
        if self.kind == "category":
            return self.slots.get(str(x))
        if self.kind == "date":
            return _days(x)
        return float(x)

    def at(self, v: float) -> float:
        """The position of an axis value (a category's index, a date's day number, a number)."""
        return self.left + (v - self.low) / (self.high - self.low) * (self.right - self.left)

    def pos(self, x) -> float | None:
        v = self.value(x)
        return None if v is None else self.at(v)

    def band(self) -> float:
        """Width of one category (or one unit) on screen."""
        return (self.right - self.left) / (self.high - self.low)


def _date_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks a month or more apart read "Aug '26"; closer ones "14 Aug" (as charts.DATE_AXIS)."""
    span = high - low
    start = dt.date.fromordinal(int(math.ceil(low)))
    for months in (1, 2, 3, 6, 12):
        if span / (_MONTH_DAYS * months) <= 5.5:
            break
    if span > 75:
        y, m = start.year, start.month + (start.day > 1)
        ticks = []
        while True:
            y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
            day = dt.date(y, m, 1)
            if day.toordinal() > high:
                return ticks
            if (m - 1) % months == 0:
                ticks.append((float(day.toordinal()), day.strftime("%b '%y")))
            m += 1
    step = next((s for s in (1, 2, 7, 14, 21) if span / s <= 5.5), 28)
    first = start.toordinal()
    if step >= 7:
        first += (7 - start.weekday()) % 7  # on Mondays
    return [(float(d), dt.date.fromordinal(d).strftime("%d %b")) for d in range(first, int(high) + 1, step)]


class _YAxis:
    def __init__(self, spec: dict, domain: list[float], values: list[float], categories: list | None,
                 top: float, bottom: float):
        self.spec = spec
        self.title = (spec.get("title") or {}).get("text")
        self.right_side = spec.get("side") == "right"
        self.grid = spec.get("showgrid", True)
        self.y_top = bottom - (bottom - top) * domain[1]
        self.y_bottom = bottom - (bottom - top) * domain[0]
        self.categories = categories
        if categories is not None:
            self.low, self.high = -0.5, len(categories) - 0.5
            self.reversed = spec.get("autorange") == "reversed"
            self.ticks = [(i, str(c)) for i, c in enumerate(categories)]
            return
        self.reversed = False
        if spec.get("range"):
            self.low, self.high = (float(v) for v in spec["range"])
        else:
            low = min(values, default=0.0)
            high = max(values, default=1.0)
            if spec.get("rangemode") == "tozero":
                low = min(low, 0.0)
            if high <= low:
                high = low + 1
            pad = 0 if spec.get("rangemode") == "tozero" and low == 0 else (high - low) * 0.05
            self.low, self.high = low - pad, high + (high - low) * 0.05
        step = spec.get("dtick") or _nice_step(self.high - self.low, 5 if domain[1] - domain[0] > 0.5 else 3)
        if spec.get("rangemode") == "tozero" and step < 1 and self.high <= 10:
            step = 1  # counts: whole numbers only
        self.ticks = [(v, _label(v)) for v in _ticks(self.low, self.high, step)]

    def pos(self, y) -> float | None:
        if y is None:
            return None
        if self.categories is not None:
            y = y if isinstance(y, int | float) else self.categories.index(y)
        y = float(y)
        y = min(max(y, self.low), self.high)
        share = (y - self.low) / (self.high - self.low)
        if self.reversed:
            share = 1 - share
        return self.y_bottom - share * (self.y_bottom - self.y_top)


def _axes(layout: dict, traces: list[dict], top: float, bottom: float) -> dict[str, _YAxis]:
    """Every y axis the traces use, keyed "y", "y2", …; overlaying axes take their base's domain."""
    used = dict.fromkeys(t.get("yaxis", "y") for t in traces)
    axes = {}
    for name in used:
        spec = layout.get("yaxis" + name[1:], {})
        base = layout.get("yaxis" + spec["overlaying"][1:], {}) if spec.get("overlaying") else spec
        domain = base.get("domain") or [0, 1]
        mine = [t for t in traces if t.get("yaxis", "y") == name]
        heat = next((t for t in mine if t.get("type") == "heatmap"), None)
        values = _stacked(mine) if layout.get("barmode") == "stack" else [
            float(v) for t in mine for v in (t.get("y") or []) if isinstance(v, int | float)]
        axes[name] = _YAxis(spec, domain, values, list(heat["y"]) if heat else None, top, bottom)
    return axes


def _stacked(traces: list[dict]) -> list[float]:
    totals: dict = {}
    for t in traces:
        for x, y in zip(t.get("x") or [], t.get("y") or [], strict=False):
            totals[x] = totals.get(x, 0) + (y or 0)
    return [float(v) for v in totals.values()]


def _segments(points: Iterable[tuple[float | None, float | None]]) -> str:
    """SVG path data for a line; None on either side breaks it (a gap stays a gap)."""
    out, pen = [], False
    for x, y in points:
        if x is None or y is None:
            pen = False
            continue
        out.append(f"{'L' if pen else 'M'}{_num(x)} {_num(y)}")
        pen = True
    return "".join(out)


def _scatter(t: dict, xa: _XAxis, ya: _YAxis) -> list[str]:
    mode = t.get("mode", "lines+markers")
    points = [(xa.pos(x), ya.pos(y)) for x, y in zip(t.get("x") or [], t.get("y") or [], strict=False)]
    line = t.get("line") or {}
    marker = t.get("marker") or {}
    colour = escape(line.get("color") or marker.get("color") or "currentColor")
    parts = []
    if mode == "text":  # a mark in a cell (the heatmap's "!"): white on the cell's strong colour
        font = t.get("textfont") or {}
        fill = escape(font.get("color") or "currentColor")
        labels = t.get("text") or []
        for (x, y), label in zip(points, labels, strict=False):
            if x is not None and y is not None:
                parts.append(f'<text class="mark" x="{_num(x)}" y="{_num(y + 5)}" text-anchor="middle" fill="{fill}"'
                             f' font-weight="700" font-size="{font.get("size", 12)}">{escape(label)}</text>')
        return parts
    if "lines" in mode:
        dash = _DASH.get(line.get("dash", "solid"))
        parts.append(f'<path d="{_segments(points)}" fill="none" stroke="{colour}" stroke-width="{line.get("width", 2)}"'
                     f' stroke-linejoin="round"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
    if "markers" in mode:
        dots = [(x, y) for x, y in points if x is not None and y is not None]
        size = float(marker.get("size", 6))
        m_colour = escape(marker.get("color") or colour)
        opacity = f' stroke-opacity="{marker["opacity"]}"' if "opacity" in marker else ""
        if marker.get("symbol") == "x":
            r = size / 2.6
            d = "".join(f"M{_num(x - r)} {_num(y - r)}l{_num(2 * r)} {_num(2 * r)}m0 {_num(-2 * r)}"
                        f"l{_num(-2 * r)} {_num(2 * r)}" for x, y in dots)
            width = (marker.get("line") or {}).get("width", 2)
            parts.append(f'<path d="{d}" fill="none" stroke="{m_colour}" stroke-width="{width}" stroke-linecap="round"{opacity}/>')
        elif marker.get("symbol") == "triangle-up":  # sessions along the foot of the plot
            r = size / 2
            d = "".join(f"M{_num(x)} {_num(y - r)}l{_num(r)} {_num(1.7 * r)}h{_num(-2 * r)}z" for x, y in dots)
            parts.append(f'<path d="{d}" fill="{m_colour}"/>')
        elif dots:
            d = "".join(f"M{_num(x)} {_num(y)}h0" for x, y in dots)
            parts.append(f'<path d="{d}" fill="none" stroke="{m_colour}" stroke-width="{_num(size)}"'
                         f' stroke-linecap="round"{opacity}/>')
    return parts


def _bars(traces: list[dict], xa: _XAxis, axes: dict[str, _YAxis]) -> list[str]:
    """Stacked (or overlaid) bars; each x's width is most of the smallest gap between x values."""
    xs = sorted({xa.value(x) for t in traces for x in t.get("x") or [] if x is not None})
    gap = min((b - a for a, b in zip(xs, xs[1:], strict=False)), default=1.0) * xa.band()
    width = max(gap * 0.8, 1.0)
    base: dict = {}
    parts = []
    for t in traces:
        ya = axes[t.get("yaxis", "y")]
        colour = escape((t.get("marker") or {}).get("color") or "currentColor")
        rects = []
        for x, y in zip(t.get("x") or [], t.get("y") or [], strict=False):
            if not y:
                continue
            below = base.get(x, 0)
            base[x] = below + y
            cx, y0, y1 = xa.pos(x), ya.pos(below), ya.pos(below + y)
            rects.append(f'<rect x="{_num(cx - width / 2)}" y="{_num(y1)}" width="{_num(width)}" height="{_num(y0 - y1)}"/>')
        if rects:
            parts.append(f'<g fill="{colour}">{"".join(rects)}</g>')
    return parts


def _heat_colour(scale: list, share: float) -> tuple[int, str]:
    """The colourscale stop nearest to `share` (0-1): its index (a class for dark mode) and colour."""
    index = min(range(len(scale)), key=lambda i: abs(scale[i][0] - share))
    return index, scale[index][1]


def _heatmap(t: dict, xa: _XAxis, ya: _YAxis) -> list[str]:
    z = t.get("z") or []
    low, high = t.get("zmin", 0), t.get("zmax", 1)
    scale = t.get("colorscale") or [[0, "#eef1f6"], [1, "#1b3f7a"]]
    xs = t.get("x") or list(range(len(z[0]) if z else 0))
    w = xa.band() - t.get("xgap", 0)
    rows_on_axis = len(ya.categories) if ya.categories is not None else len(z)  # an overlay row: the axis's rows
    h = abs(ya.pos(0) - ya.pos(1)) - t.get("ygap", 0) if rows_on_axis > 1 else (ya.y_bottom - ya.y_top)
    columns = [_num(xa.pos(x) - w / 2) for x in xs]
    size = f'width="{_num(w)}" height="{_num(h)}"'
    fills: dict = {}
    cells = []
    rows = t.get("y") or list(range(len(z)))
    alert = t.get("meta") == "alert"  # one colour in light and dark (no dark-mode class)
    for row_index, row in enumerate(z):
        y = _num(ya.pos(rows[row_index]) - h / 2)
        for x, value in zip(columns, row, strict=False):
            if value is None:
                continue
            if value not in fills:
                level, colour = _heat_colour(scale, (value - low) / ((high - low) or 1))
                fills[value] = f'class="{"heat-alert" if alert else f"heat-{level}"}" fill="{escape(colour)}"'
            cells.append(f'<rect {fills[value]} x="{x}" y="{y}" {size}/>')
    return cells


def _frame(xa: _XAxis, axes: dict[str, _YAxis], layout: dict, height: float, width: float) -> list[str]:
    """Grid lines, axis lines, tick labels and axis titles."""
    parts = []
    bottom = max(a.y_bottom for a in axes.values())
    for name, ya in axes.items():
        spec_x = xa.right + 6 if ya.right_side else xa.left - 6
        anchor = "start" if ya.right_side else "end"
        for value, text in ya.ticks:
            y = ya.pos(value)
            if ya.grid and ya.categories is None and not ya.right_side:
                parts.append(f'<path class="grid" d="M{_num(xa.left)} {_num(y)}H{_num(xa.right)}"/>')
            parts.append(f'<text class="tick" x="{_num(spec_x)}" y="{_num(y + 4)}" text-anchor="{anchor}">{escape(text)}</text>')
        if ya.title:
            tx = (width - 4) if ya.right_side else 12
            ty = (ya.y_top + ya.y_bottom) / 2
            parts.append(f'<text class="axis-title" transform="translate({_num(tx)} {_num(ty)}) rotate(-90)"'
                         f' text-anchor="middle">{escape(ya.title)}</text>')
        if ya.categories is None and name != "y" and not ya.right_side:
            parts.append(f'<path class="axis" d="M{_num(xa.left)} {_num(ya.y_bottom)}H{_num(xa.right)}"/>')
    parts.append(f'<path class="axis" d="M{_num(xa.left)} {_num(bottom)}H{_num(xa.right)}"/>')
    for value, text in xa.ticks:
        x, anchor = xa.at(value), "middle"
        half = 3.6 * len(text)  # about half the label's width at 12 px
        if x + half > width - 2:
            x, anchor = min(x + half, width - 2), "end"
        elif x - half < 2:
            x, anchor = max(x - half, 2), "start"
        parts.append(f'<text class="tick" x="{_num(x)}" y="{_num(bottom + 17)}" text-anchor="{anchor}">{escape(text)}</text>')
    if xa.title:
        parts.append(f'<text class="axis-title" x="{_num((xa.left + xa.right) / 2)}" y="{_num(height - 4)}"'
                     f' text-anchor="middle">{escape(xa.title)}</text>')
    return parts


def _notes(layout: dict, xa: _XAxis, axes: dict[str, _YAxis]) -> list[str]:
    """Annotations in data coordinates (the reference-line labels)."""
    out = []
    for note in layout.get("annotations") or []:
        ya = axes.get(note.get("yref", "y")) or next(iter(axes.values()))
        x, y = xa.pos(note.get("x")), ya.pos(note.get("y"))
        if x is None or y is None:
            continue
        if xa.kind == "category":
            x = min(x + xa.band() / 2 - 2, xa.right) if note.get("xanchor") == "right" else x
        anchor = {"right": "end", "left": "start"}.get(note.get("xanchor"), "middle")
        dy = -3 if note.get("yanchor", "bottom") == "bottom" else 12
        out.append(f'<text class="note" x="{_num(x)}" y="{_num(y + dy)}" text-anchor="{anchor}">{escape(note["text"])}</text>')
    return out


def _summary(t: dict, xa: _XAxis) -> str | None:
    """One trace in words: "PHQ-9: 8 values, first 21 (ketamine session 1), …"."""
    if t.get("meta") == "alert":
        count = sum(1 for row in t.get("z") or [] for v in row if v)
        return f"{t.get('name')}: {count} questionnaire{'s' if count != 1 else ''}"
    if t.get("type") == "heatmap":
        z = t.get("z") or []
        return f"{t.get('name', 'Heatmap')}: {len(z)} rows by {len(z[0]) if z else 0} columns"
    pairs = [(x, y) for x, y in zip(t.get("x") or [], t.get("y") or [], strict=False)
             if x is not None and isinstance(y, int | float)]
    if not pairs or t.get("showlegend") is False:
        return None
    name = t.get("name", "")
    if t.get("meta") == "sessions":  # session lines or marks: say how many
        days = list(dict.fromkeys(x for x, _ in pairs))
        return f"{name}: {len(days)} on the chart"

    def where(x) -> str:
        if xa.kind == "date":
            return _date_word(x)
        return f"{xa.title.lower()} {x}" if xa.title and str(x).isdigit() else str(x)

    ys = [y for _, y in pairs]
    return (f"{name}: {len(pairs)} value{'s' if len(pairs) != 1 else ''}, first {ys[0]:g} ({where(pairs[0][0])}), "
            f"last {ys[-1]:g} ({where(pairs[-1][0])}), lowest {min(ys):g}, highest {max(ys):g}")


def _date_word(x) -> str:
    return dt.date.fromisoformat(str(x)[:10]).strftime("%d %b %Y")


def legend(figure: dict) -> list[tuple[str, str, str]]:
    """(name, colour, shape) of each legend entry, in trace order: shape "line", "dot" or "bar"."""
    layout = figure.get("layout") or {}
    if layout.get("showlegend") is False:
        return []
    seen, out = set(), []
    for t in figure.get("data") or []:
        name = t.get("name")
        if not name or t.get("showlegend") is False or name in seen or t.get("type") == "heatmap":
            continue
        seen.add(name)
        marker, line = t.get("marker") or {}, t.get("line") or {}
        shape = "bar" if t.get("type") == "bar" else "line" if "lines" in t.get("mode", "lines") else "dot"
        if marker.get("symbol") == "x":
            shape = "cross"
        elif marker.get("symbol") == "triangle-up":
            shape = "triangle"
        out.append((name, line.get("color") or marker.get("color") or "currentColor", shape))
    return out


_SWATCH = {
    "line": '<path d="M2 7h20" stroke="{c}" stroke-width="3" fill="none"/>',
    "dot": '<path d="M12 7h0" stroke="{c}" stroke-width="8" stroke-linecap="round"/>',
    "bar": '<rect x="5" y="1" width="14" height="12" fill="{c}"/>',
    "cross": '<path d="M8 3l8 8m0-8l-8 8" stroke="{c}" stroke-width="2.5"/>',
    "triangle": '<path d="M12 2l6 10.5h-12z" fill="{c}"/>',
}


@lru_cache(maxsize=256)
def _embed(data: str, label: str, chart_id: str, width: float) -> Markup:
    return render(json.loads(data), label=label, chart_id=chart_id, width=width)


def embed(figure: dict, label: str, chart_id: str, width: float = WIDTH) -> tuple[Markup, Markup]:
    """(the figure as HTML-safe JSON for `<script type="application/json">`, its static SVG).

    The SVG is cached per process by the figure's JSON: a patient's page viewed again before
    their data changed costs one `json.dumps`, not a drawing.
    """
    data = htmlsafe_json_dumps(figure, dumps=_compact)
    return data, _embed(str(data), label, chart_id, width)


def _compact(obj, **kwargs) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def render(figure: dict, *, label: str, chart_id: str, width: float = WIDTH) -> Markup:
    """The figure as `<svg role="img">` plus its legend as a list (HTML markup, safe to embed)."""
    layout = figure.get("layout") or {}
    traces = [t for t in figure.get("data") or [] if t.get("visible", True) is not False]
    height = float(layout.get("height", 360))
    margin = {"l": 44, "r": 12, "t": 8, "b": 36, **(layout.get("margin") or {})}
    y_specs = [v for k, v in layout.items() if k.startswith("yaxis")]
    left = max(margin["l"], 30) + (16 if any(spec.get("title") for spec in y_specs) else 0)
    if any(t.get("type") == "heatmap" for t in traces):
        left = 10 + 7.6 * max((len(str(v)) for t in traces for v in t.get("y") or []), default=4)
    right = width - margin["r"] - (22 if any(spec.get("side") == "right" for spec in y_specs) else 0)
    top = margin["t"] + 8
    bottom = height - margin["b"] - (18 if (layout.get("xaxis") or {}).get("title") else 0)
    xa = _XAxis(layout, traces, left, right)
    axes = _axes(layout, traces, top, bottom)
    body: list[str] = _frame(xa, axes, layout, height, width)
    bars = [t for t in traces if t.get("type") == "bar"]
    if bars:
        body += _bars(bars, xa, axes)
    for t in traces:
        ya = axes[t.get("yaxis", "y")]
        if t.get("type") == "heatmap":
            body += _heatmap(t, xa, ya)
        elif t.get("type", "scatter") == "scatter":
            body += _scatter(t, xa, ya)
    body += _notes(layout, xa, axes)
    words = [s for s in (_summary(t, xa) for t in traces) if s]
    description = "; ".join(words) + "." if words else "No values."
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {_num(width)} {_num(height)}"'
           f' width="100%" height="{_num(height)}" role="img" aria-labelledby="{chart_id}-title"'
           f' aria-describedby="{chart_id}-desc" focusable="false">'
           f'<title id="{chart_id}-title">{escape(label)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
           f'{"".join(body)}</svg>')
    keys = legend(figure)
    if keys:
        items = "".join(
            f'<li><svg class="swatch" viewBox="0 0 24 14" width="24" height="14" aria-hidden="true" focusable="false">'
            f'{_SWATCH[shape].format(c=escape(colour))}</svg>{escape(name)}</li>' for name, colour, shape in keys)
        svg += f'<ul class="chart-legend" aria-label="Legend">{items}</ul>'
    return Markup(svg)  # noqa: S704 - every piece of text above is escaped  # nosec B704
