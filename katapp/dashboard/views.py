"""Template context for each dashboard: figures (katapp.charts) and the tables under them.

No queries here beyond the clinic settings row (already loaded by the services): everything else
comes from katapp.dashboard.services.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import fmean

from flask import current_app, url_for
from markupsafe import Markup, escape

from katapp import charts, clock
from katapp.clinic import clinic_settings
from katapp.dashboard import plotly_asset, services
from katapp.domain import outcomes
from katapp.domain.instruments import GAD7_EVALUATE_AT, INSTRUMENTS, SAFETY_FLAGS
from katapp.domain.vocabulary import KIND, SESSION_KINDS
from katapp.models import Assessment

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


def caseload_page(page, counts: dict[str, int], show: str) -> dict:
    """The caseload page from one page of stored summaries and each filter's count."""
    return {
        "rows": page.items,
        "page": page,
        "shown_from": (page.page - 1) * page.per_page + 1,
        "shown_to": (page.page - 1) * page.per_page + len(page.items),
        "matching": counts[show],
        "total": counts["all"],
        "chips": [(key, label, counts[key]) for key, (label, _) in services.FILTERS.items()],
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
    newest_first = list(reversed(mood_rows))
    return {
        "person": person,
        "summary": data.summary,
        "plotly_url": plotly_asset.url(),
        "mood_figure": charts.mood_timeline(data.mood, rolling, done, flags, plain=plain),
        "mood_rows": newest_first,
        "mood_rows_html": _mood_rows_html(newest_first),
        "flag_rows": [(clock.local_day(person, f.raised_at), f) for f in reversed(data.flags)],
    }


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _mood_rows_html(rows: list[tuple]) -> Markup:
    """The mood table's body rows (a year is 365 of them): built here in one pass, which costs a
    tenth of a Jinja loop with a filter per cell. Numbers and dates need no escaping; session titles are escaped."""
    return Markup("".join(  # noqa: S704 - only dates, numbers and escaped titles  # nosec B704
        f'<tr><th scope="row">{day:%d %b %Y}</th><td>{_one_decimal(value)}</td><td>{mean:.1f}</td><td>{escape(sessions)}</td></tr>'
        for day, value, mean, sessions in rows))


def _completed(data: services.History) -> list[tuple[dt.date, str]]:
    """(local day, kind) of each completed session, oldest first."""
    return [(clock.local_day(data.patient, s.starts_at), s.kind) for s in data.sessions if s.status == "completed"]


STATE_LABELS = {
    "not_started": ("Not started", ""),
    "no_baseline": ("No baseline", "badge-warn"),
    "in_series": ("In series", ""),
    "not_assessed": ("Not assessed after the series", "badge-warn"),
    "no_response": ("No response", "badge-warn"),
    "partial": ("Partial response", ""),
    "response": ("Response held", "badge-ok"),
    "remission": ("Remission", "badge-ok"),
    "relapse": ("Responded, now relapsing", "badge-danger"),
}


def outcome_of(data: services.History, now: dt.datetime | None = None) -> outcomes.Outcome:
    """The patient's PHQ-9 `Outcome` (katapp.domain.outcomes) from the loaded history."""
    now = now or clock.utcnow()
    booked = [s.starts_at for s in data.sessions if s.kind == "ketamine" and s.status == "scheduled" and s.starts_at > now]
    return outcomes.patient_outcome(data.points("phq9"), data.ketamine_done, now=now, tz=data.patient.timezone,
                                    booked=booked, series_length=clinic_settings().series_length)


def _effect(data: services.History, outcome: outcomes.Outcome) -> dict[str, list[outcomes.EffectPoint]]:
    """Effect-by-session points per instrument the patient has scores for (none before a session)."""
    return {key: outcomes.effect_points(data.points(key), data.ketamine_done, tz=data.patient.timezone,
                                        ended=outcome.series_ended)
            for key in ("phq9", "gad7", "pcl5") if data.assessments.get(key) and data.ketamine_done}


def _effect_rows(effect: dict[str, list[outcomes.EffectPoint]], person) -> list[tuple]:
    """(slot label, day, {instrument: EffectPoint}) per chart slot, the chart's numbers as a table."""
    slots = charts.effect_slots(effect)
    by_slot: dict[str, dict] = {slot: {} for slot in slots}
    when: dict[str, dt.datetime] = {}
    for key, rows in effect.items():
        for e in rows:
            label = charts.AFTER_SERIES if e.kind == "post_series" else charts.LATEST if e.kind == "latest" else str(e.number)
            by_slot[label][key] = e
            when.setdefault(label, e.when if e.kind in ("session", "booster") else e.score.when)
    return [(slot, clock.local_day(person, when[slot]), by_slot[slot]) for slot in slots]


@dataclass(frozen=True)
class OtherScore:
    """GAD-7 or PCL-5 for the clinician: baseline and latest with their band and flag."""

    title: str
    max_total: int
    baseline: Assessment | None
    latest: Assessment
    flag: str | None  # e.g. "GAD-7 ≥ 10: evaluate", None when below the threshold

    def level(self, a: Assessment, cutpoint: int) -> str:
        inst = INSTRUMENTS[a.instrument]
        if inst.bands:
            return inst.severity(a.total)
        return f"{'at or above' if a.total >= cutpoint else 'below'} the cut-point ({cutpoint})"


def _other_scores(data: services.History, cutpoint: int) -> list[OtherScore]:
    first = min(data.ketamine_done, default=None)
    rows = []
    for key, threshold, flag in (("gad7", GAD7_EVALUATE_AT, f"GAD-7 ≥ {GAD7_EVALUATE_AT}: evaluate anxiety"),
                                 ("pcl5", cutpoint, f"PCL-5 ≥ cut-point {cutpoint}: assess for PTSD")):
        done = data.assessments.get(key, [])
        if not done:
            continue
        base = outcomes.series_baseline(data.points(key), first, tz=data.patient.timezone) if first else None
        baseline = next((a for a in done if base and a.recorded_at == base.when), None)
        rows.append(OtherScore(INSTRUMENTS[key].short_title, INSTRUMENTS[key].max_total, baseline, done[-1],
                               flag if done[-1].total >= threshold else None))
    return rows


def patient(data: services.History, *, care_team: bool) -> dict:
    """The per-patient dashboard: outcome state with what it rests on, effect by session, PHQ-9 by
    date, GAD-7 / PCL-5 with flags, mood, PHQ-9 items. `care_team` shows the PCL-5 index event."""
    person, settings = data.patient, clinic_settings()
    outcome = outcome_of(data)
    effect = _effect(data, outcome)
    phq = data.assessments.get("phq9", [])
    pcl5 = data.assessments.get("pcl5", [])
    return {
        **_common(data, plain=False),
        "outcome": outcome,
        "state": STATE_LABELS[outcome.state],
        "phq9_latest": phq[-1] if phq else None,
        "next_session": next((s.starts_at for s in data.sessions if s.status == "scheduled"
                              and s.starts_at > clock.utcnow()), None),
        "open_flags": sum(1 for f in data.flags if f.is_open),
        "instruments": INSTRUMENTS,
        "effect_keys": list(effect),
        "effect_figure": charts.effect_by_session(effect, outcome.baseline, tz=person.timezone) if effect else None,
        "effect_rows": _effect_rows(effect, person),
        "phq9_figure": charts.scores_over_time({"phq9": [(a.local_date, a.total) for a in phq]}, _completed(data))
        if phq else None,
        "others": _other_scores(data, settings.pcl5_cutpoint),
        "cutpoint": settings.pcl5_cutpoint,
        "index_event": next((a for a in reversed(pcl5) if a.index_event), None) if care_team else None,
        "items_figure": charts.phq9_items([(a.local_date, a.answers) for a in phq]) if phq else None,
        "item_labels": charts.PHQ9_ITEMS,
        "item_rows": list(reversed(phq)),
        "difficulty": INSTRUMENTS["phq9"].extra,
        "links": _links(person.id, care_team),
    }


def _links(pid: int, care_team: bool = False) -> list[tuple[str, str]]:
    links = [
        ("Book a session", _link("schedule.book", patient_id=pid)),
        ("Screening", _link("schedule.screening", patient_id=pid)),
        ("Questionnaire plan", _link("checkins.instrument_plan", patient_id=pid)),
        ("Shared journal", _link("journal.shared_for_patient", patient_id=pid)),
        ("Printable report", url_for("dashboard.report", patient_id=pid)),
        # The whole record as FHIR R4 for the clinic's EHR: the care team only (katapp/exports).
        ("Download for an EHR (FHIR)", _link("exports.fhir_bundle", patient_id=pid) if care_team else None),
    ]
    return [(label, url) for label, url in links if url]


def _week_mean(mood: list[tuple[dt.date, float]], end: dt.date) -> float | None:
    values = [v for d, v in mood if end - dt.timedelta(days=6) <= d <= end]
    return fmean(values) if values else None


def progress(data: services.History) -> dict:
    """The patient's own page: plain words, their mood and questionnaires, sessions marked."""
    mood = data.mood
    this_week = _week_mean(mood, clock.local_today(data.patient)) if mood else None
    first_week = _week_mean(mood, mood[0][0] + dt.timedelta(days=6)) if mood else None
    series = {key: [(a.local_date, a.total) for a in data.assessments.get(key, [])] for key in ("phq9", "gad7", "pcl5")}
    cutpoint = clinic_settings().pcl5_cutpoint
    score_rows = sorted(
        ((a.local_date, INSTRUMENTS[key].short_title, a.total, INSTRUMENTS[key].max_total, _plain_level(a, cutpoint))
         for key in series for a in data.assessments.get(key, [])),
        key=lambda row: row[0], reverse=True,
    )
    return {
        **_common(data, plain=True),
        "this_week": this_week,
        "first_week": first_week,
        "scores_figure": charts.scores_over_time(series, _completed(data)) if any(series.values()) else None,
        "score_rows": score_rows,
        "ketamine_done": len(data.ketamine_done),
        "encouragement": encouragement(data, outcome_of(data)),
    }


def _plain_level(a: Assessment, cutpoint: int) -> str:
    """What the patient's own table says beside a total: the band, or for the PCL-5 the cut-point
    (never "probable PTSD"); with a safety flag on the result, only that the care team will look."""
    if SAFETY_FLAGS & set(a.flags or ()):
        return "your care team will look at this"
    inst = INSTRUMENTS[a.instrument]
    return inst.severity(a.total) if inst.bands else f"the clinic's cut-point is {cutpoint}"


def encouragement(data: services.History, outcome: outcomes.Outcome) -> str:
    """A plain-language line about the depression questionnaire for the patient (no jargon).

    "Progress" only past a meaningful change (>= 5 points or >= 20 %, and saying which);
    otherwise a neutral, kind line; nothing reassuring with item 9 above 0 or an open flag.
    """
    phq = data.assessments.get("phq9", [])
    if not phq:
        return "Once you fill in your first questionnaire, you will see your progress here."
    latest = phq[-1]
    before = outcome.baseline if outcome.baseline is not None else phq[0].total
    verdict = outcomes.patient_verdict(before, latest.total, item9=latest.answers[8],
                                       open_flag=any(f.is_open for f in data.flags))
    if verdict.kind == "care_team":
        return ("Thank you for your answers. Your care team will look at your latest questionnaire soon "
                "and talk it through with you.")
    if len(phq) == 1:
        return "This is your starting point. Each check-in and questionnaire adds to the picture."
    if verdict.kind == "progress":
        return (f"Your depression questionnaire score has come down from {before:g} to {latest.total} since you "
                f"started: {_which_change(verdict.change)}. That is real progress.")
    return (f"Your depression questionnaire score is {latest.total} (it was {before:g} when you started). "
            "Scores move up and down from week to week, and change often takes time; your care team is "
            "following it with you.")


def _which_change(change: outcomes.Change) -> str:
    """Say which mark of a meaningful change was passed: 5 points, and 20 % when that holds too."""
    if "percent" in change.by:
        return f"{change.points:g} points ({change.pct:.0f} %) lower, past both marks of a real change (5 points, 20 %)"
    return f"{change.points:g} points lower, past the 5-point mark of a real change"


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


REPORT_WIDTH = 680  # SVG units of the report's charts: the width of an A4 page's text in CSS px


def _level(a: Assessment, cutpoint: int) -> str:
    """A total's band (PHQ-9, GAD-7) or, for the PCL-5 (no validated bands), where it stands against the cut-point."""
    inst = INSTRUMENTS[a.instrument]
    if inst.bands:
        return inst.severity(a.total)
    return f"{'at or above' if a.total >= cutpoint else 'below'} the cut-point ({cutpoint})"


def _checkin_facts(data: services.History) -> dict | None:
    """Days with a check-in, the first and last, and the mean mood of the last 30 days logged."""
    if not data.mood:
        return None
    last = data.mood[-1][0]
    recent = [v for d, v in data.mood if d > last - dt.timedelta(days=30)]
    return {"days": len(data.mood), "first": data.mood[0][0], "last": last, "recent_mean": fmean(recent),
            "recent_days": len(recent)}


def report(data: services.History, *, prepared_by) -> dict:
    """The printable progress report for referrers and insurers: the PHQ-9 outcome with the
    baseline it rests on, effect by session and scores by date (static SVG at A4 width), every
    questionnaire total, the ketamine sessions and the check-ins in numbers."""
    person, settings = data.patient, clinic_settings()
    outcome = outcome_of(data)
    effect = _effect(data, outcome)
    series = {key: [(a.local_date, a.total) for a in data.assessments.get(key, [])] for key in ("phq9", "gad7", "pcl5")}
    cutpoint = settings.pcl5_cutpoint
    by_day: dict[dt.date, dict[str, list[tuple[Assessment, str]]]] = {}
    for a in sorted((a for rows in data.assessments.values() for a in rows), key=lambda a: (a.recorded_at, a.id)):
        by_day.setdefault(a.local_date, {}).setdefault(a.instrument, []).append((a, _level(a, cutpoint)))
    return {
        "person": person,
        "clinic_name": settings.clinic_name,
        "prepared_by": prepared_by,
        "printed_on": clock.local_today(prepared_by),
        "outcome": outcome,
        "state": STATE_LABELS[outcome.state],
        "instruments": INSTRUMENTS,
        "effect_keys": list(effect),
        "effect_figure": charts.effect_by_session(effect, outcome.baseline, tz=person.timezone) if effect else None,
        "effect_rows": _effect_rows(effect, person),
        "dates_figure": charts.scores_over_time(series, _completed(data)) if any(series.values()) else None,
        "score_keys": [key for key in ("phq9", "gad7", "pcl5") if series[key]],
        "score_rows": list(by_day.items()),  # (day, {instrument: [(assessment, level)]}), oldest first
        "ketamine": [s for s in data.sessions if s.kind == "ketamine" and s.status == "completed"],
        "checkins": _checkin_facts(data),
        "others": _other_scores(data, cutpoint),
        "cutpoint": cutpoint,
        "chart_width": REPORT_WIDTH,
        "baseline_days": outcomes.BASELINE_WINDOW_DAYS,
        "post_days": outcomes.POST_SERIES_WINDOW_DAYS,
    }
