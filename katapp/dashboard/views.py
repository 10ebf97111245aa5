"""Template context for each dashboard: figures (katapp.charts) and the tables under them.

No queries here: everything comes from katapp.dashboard.services.
"""
from __future__ import annotations

import datetime as dt
from statistics import fmean

from flask import current_app, url_for

from katapp import charts, clock
from katapp.dashboard import plotly_asset, services
from katapp.domain import outcomes
from katapp.domain.instruments import INSTRUMENTS
from katapp.domain.vocabulary import KIND, SESSION_KINDS

PUBLISHED_RESPONSE = (30, 60)  # % responding after a series in treatment-resistant depression (instruments.md)
# A badge for each judged PHQ-9 state (outcomes.STATES); not started, no baseline and relapse are chips.
STATUS_BADGES = {
    "in_series": ("In series", "badge"),
    "not_assessed": ("No post-series PHQ-9", "badge-warn"),
    "no_response": ("No response", "badge"),
    "partial": ("Partial response", "badge"),
    "response": ("Response held", "badge-ok"),
    "remission": ("Remission", "badge-ok"),
}


def _link(endpoint: str, **values) -> str | None:
    """URL of another feature's page, or None while that feature has not registered it yet."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def caseload(rows: list[services.PatientSummary], show: str) -> dict:
    counts = {key: sum(1 for r in rows if test(r)) for key, (_, test) in services.FILTERS.items()}
    chips = [(key, label, counts[key]) for key, (label, _) in services.FILTERS.items()]
    keep = services.FILTERS[show][1]
    return {
        "rows": [r for r in rows if keep(r)],
        "total": len(rows),
        "chips": chips,
        "show": show,
        "badges": STATUS_BADGES,
        "spark": charts.sparkline,
    }


def _common(data: services.History, *, plain: bool) -> dict:
    """Mood timeline figure and rows, shared by the clinician dashboard and the patient's page."""
    person = data.patient
    rolling = outcomes.rolling_mean(data.mood, 7)
    done = _completed(data)
    flags = [] if plain else [(clock.local_day(person, f.raised_at), f.reason) for f in data.flags]
    sessions_on = {}
    for day, kind in done:
        sessions_on.setdefault(day, []).append(KIND[kind].title)
    mood_rows = [
        (day, value, mean, ", ".join(sessions_on.get(day, [])))
        for (day, value), (_, mean) in zip(data.mood, rolling, strict=True)
    ]
    return {
        "person": person,
        "summary": data.summary,
        "plotly_url": plotly_asset.url(),
        "mood_figure": charts.mood_timeline(data.mood, rolling, done, flags, plain=plain),
        "mood_rows": list(reversed(mood_rows)),
        "flag_rows": [(clock.local_day(person, f.raised_at), f) for f in reversed(data.flags)],
    }


def _completed(data: services.History) -> list[tuple[dt.date, str]]:
    """(local day, kind) of each completed session, oldest first."""
    return [(clock.local_day(data.patient, s.starts_at), s.kind) for s in data.sessions if s.status == "completed"]


def patient(data: services.History) -> dict:
    """The per-patient dashboard: effect by session, mood timeline, PHQ-9 items, links onwards."""
    person = data.patient
    ketamine = data.ketamine_done
    effects = {key: outcomes.effect_by_session(data.points(key), ketamine)
               for key in ("phq9", "gad7", "pcl5") if data.assessments.get(key)}
    baseline = data.summary.baseline
    effect_rows = []
    for i, start in enumerate(sorted(ketamine)):
        cells = {key: rows[i] for key, rows in effects.items()}
        effect_rows.append((i + 1, clock.local_day(person, start), cells))
    phq = data.assessments.get("phq9", [])
    pid = data.patient.id
    links = [
        ("Book a session", _link("schedule.book", patient_id=pid)),
        ("Screening", _link("schedule.screening", patient_id=pid)),
        ("Questionnaire plan", _link("checkins.instrument_plan", patient_id=pid)),
        ("Shared journal", _link("journal.shared_for_patient", patient_id=pid)),
    ]
    return {
        **_common(data, plain=False),
        "instruments": INSTRUMENTS,
        "effect_keys": list(effects),
        "effect_figure": charts.effect_by_session(effects, baseline.value if baseline else None) if ketamine else None,
        "effect_rows": effect_rows,
        "baseline": baseline,
        "baseline_day": clock.local_day(person, baseline.when) if baseline else None,
        "items_figure": charts.phq9_items([(a.local_date, a.answers) for a in phq]) if phq else None,
        "item_labels": charts.PHQ9_ITEMS,
        "item_rows": list(reversed(phq)),
        "badges": STATUS_BADGES,
        "links": [(label, url) for label, url in links if url],
    }


def _week_mean(mood: list[tuple[dt.date, float]], end: dt.date) -> float | None:
    values = [v for d, v in mood if end - dt.timedelta(days=6) <= d <= end]
    return fmean(values) if values else None


def progress(data: services.History) -> dict:
    """The patient's own page: plain words, their mood and questionnaires, sessions marked."""
    mood = data.mood
    this_week = _week_mean(mood, clock.local_today(data.patient)) if mood else None
    first_week = _week_mean(mood, mood[0][0] + dt.timedelta(days=6)) if mood else None
    series = {key: [(a.local_date, a.total) for a in data.assessments.get(key, [])] for key in ("phq9", "gad7", "pcl5")}
    sessions = _completed(data)
    score_rows = sorted(
        ((a.local_date, INSTRUMENTS[key].short_title, a.total, INSTRUMENTS[key].max_total, a.severity)
         for key in series for a in data.assessments.get(key, [])),
        key=lambda row: row[0], reverse=True,
    )
    return {
        **_common(data, plain=True),
        "this_week": this_week,
        "first_week": first_week,
        "scores_figure": charts.scores_over_time(series, sessions) if any(series.values()) else None,
        "score_rows": score_rows,
        "ketamine_done": len(data.ketamine_done),
        "encouragement": encouragement(data.summary),
    }


def encouragement(summary: services.PatientSummary) -> str:
    """A plain-language line about the depression questionnaire for the patient (no jargon)."""
    base, latest = summary.baseline, summary.latest
    if base is None:
        return "Once you fill in your first questionnaire, you will see your progress here."
    if latest is None or latest == base:
        return "This is your starting point. Each check-in and questionnaire adds to the picture."
    drop = base.value - latest.value
    if drop > 0:
        return (f"Your depression questionnaire score has come down from {base.value:g} to {latest.value:g} "
                f"since you started. That is real progress: lower scores mean fewer symptoms.")
    if drop == 0:
        return (f"Your depression questionnaire score is {latest.value:g}, the same as when you started. "
                "Change often takes a few sessions; your care team is watching with you.")
    return (f"Your depression questionnaire score is {latest.value:g}, up from {base.value:g} when you started. "
            "Ups and downs are common; your care team will talk it through with you.")


def overview(data: services.Overview) -> dict:
    return {
        "data": data,
        "o": data.outcomes,
        "published": PUBLISHED_RESPONSE,
        "min_baseline": outcomes.MIN_REPORT_BASELINE,
        "min_sessions": outcomes.MIN_REPORT_SESSIONS,
        "post_window": outcomes.POST_SERIES_WINDOW_DAYS,
        "plotly_url": plotly_asset.url(),
        "weeks_figure": charts.sessions_per_week(data.weeks),
        "kinds": SESSION_KINDS,
    }
