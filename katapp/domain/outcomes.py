"""Treatment outcomes from plain values: series, baseline, change, response, remission, relapse.

Rules follow /work/shared/clinical/instruments.md (measurement-based care conventions for
PHQ-9 change). Scores are `Point`s with aware times; sessions are aware start times of
completed ketamine sessions. Inputs need not be sorted.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from statistics import fmean

from katapp.domain.scheduling import local_date
from katapp.domain.stats import Proportion, median_or_none

REMISSION_BELOW = 5  # PHQ-9 total below 5 is remission.


@dataclass(frozen=True)
class Point:
    when: datetime
    value: float


def _sorted(points: Sequence[Point]) -> list[Point]:
    return sorted(points, key=lambda p: p.when)


def _last_at_or_before(points: list[Point], moment: datetime) -> Point | None:
    """Return the last of time-sorted `points` at or before `moment`, or None."""
    i = bisect_right([p.when for p in points], moment)
    return points[i - 1] if i else None


def baseline(scores: Sequence[Point], ketamine_sessions: Sequence[datetime]) -> Point | None:
    """Return the baseline score, or None when there are no scores.

    Superseded (#13) by `series_baseline` / `patient_outcome`, which never fall back to a later score.

    Baseline is the last score on or before the first ketamine session, else the first score
    (instruments.md). With no sessions yet every score precedes treatment, so it is the latest.
    """
    ordered = _sorted(scores)
    if not ordered:
        return None
    if not ketamine_sessions:
        return ordered[-1]
    return _last_at_or_before(ordered, min(ketamine_sessions)) or ordered[0]


def change_pct(baseline: float, latest: float) -> float | None:
    """Return (latest - baseline) / baseline * 100: a fall from 20 to 10 is -50.0.

    None when baseline is 0 (no percentage of nothing).
    """
    if baseline == 0:
        return None
    return (latest - baseline) / baseline * 100


def is_response(baseline: float, latest: float) -> bool:
    """Return True when latest is at least 50 % below a positive baseline."""
    # Multiplying by 0.5 is exact in binary floating point, so 50.0 % counts exactly.
    return baseline > 0 and latest <= baseline * 0.5


def is_partial_response(baseline: float, latest: float) -> bool:
    """Return True for a drop of at least 25 % but less than 50 %."""
    return baseline > 0 and latest <= baseline * 0.75 and not is_response(baseline, latest)


def is_remission(latest: float) -> bool:
    """Return True when the PHQ-9 total is below 5."""
    return latest < REMISSION_BELOW


def classify(baseline: float, latest: float) -> str:
    """Return "remission", "response", "partial" or "none", checked in that order.

    Response: at least 50 % drop; partial: 25 % up to 50 %; remission: latest below 5
    (instruments.md).
    """
    if is_remission(latest):
        return "remission"
    if is_response(baseline, latest):
        return "response"
    if is_partial_response(baseline, latest):
        return "partial"
    return "none"


def score_before_each_session(scores: Sequence[Point], sessions: Sequence[datetime]) -> list[Point | None]:
    """Return, for each session in time order, the last score at or before its start.

    Superseded (#13) by `effect_points`, which never repeats an old score.

    This is simply the latest score by then, even if it was taken before an earlier session;
    None where no score precedes the session.
    """
    ordered = _sorted(scores)
    return [_last_at_or_before(ordered, start) for start in sorted(sessions)]


def mood_between_sessions(moods: Sequence[Point], sessions: Sequence[datetime]) -> list[float | None]:
    """Return, for each session in time order, the mean mood in [its start, the next start).

    The last interval runs to the end of the data. None for an interval with no moods.
    """
    ordered = _sorted(moods)
    times = [p.when for p in ordered]
    starts = sorted(sessions)
    means: list[float | None] = []
    for i, start in enumerate(starts):
        lo = bisect_left(times, start)
        hi = bisect_left(times, starts[i + 1]) if i + 1 < len(starts) else len(times)
        means.append(fmean(p.value for p in ordered[lo:hi]) if hi > lo else None)
    return means


def rolling_mean(points: Sequence[tuple[date, float]], window_days: int = 7) -> list[tuple[date, float]]:
    """Return (day, mean) for each day that has data, sorted by day.

    Several values on one day are averaged first; the mean is then taken over the daily means
    of the trailing `window_days` calendar days (the day itself included). Days without data
    are skipped, not counted as zero. Raises ValueError when window_days < 1.
    """
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    by_day: dict[date, list[float]] = defaultdict(list)
    for day, value in points:
        by_day[day].append(value)
    days = sorted(by_day)
    daily = [fmean(by_day[d]) for d in days]
    result = []
    for i, day in enumerate(days):
        first = bisect_left(days, day - timedelta(days=window_days - 1))
        result.append((day, fmean(daily[first : i + 1])))
    return result


@dataclass(frozen=True)
class SessionEffect:
    """One completed ketamine session and the score that stood before it."""

    number: int  # 1 for the first session of the treatment, then 2, 3, ...
    session_at: datetime
    score: Point | None  # the last score at or before the session's start
    change_pct: float | None  # from the baseline; None without a score or with a zero baseline


def effect_by_session(scores: Sequence[Point], sessions: Sequence[datetime]) -> list[SessionEffect]:
    """Return the cumulative effect indexed by session number (1..N, in time order).

    Superseded (#13) by `effect_points` (pre-dose scores without repeats, post-series and latest).

    Each session carries the last score at or before its start (as `score_before_each_session`)
    and its change from the baseline (`baseline`, instruments.md). Ketamine's effect builds
    across a series, so the clinician reads this by session number rather than by date.
    """
    base = baseline(scores, sessions)
    starts = sorted(sessions)
    result = []
    for number, (start, point) in enumerate(zip(starts, score_before_each_session(scores, starts), strict=True), 1):
        change = change_pct(base.value, point.value) if base is not None and point is not None else None
        result.append(SessionEffect(number, start, point, change))
    return result


def rate(count: int, n: int) -> float | None:
    """Return count / n * 100, or None when n is 0 (no rate of nobody)."""
    return count / n * 100 if n else None


def week_start(day: date) -> date:
    """Return the Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def per_week(day_counts: Sequence[tuple[date, int]], first: date, last: date) -> list[tuple[date, int]]:
    """Return (Monday, total) for every week from `first`'s week to `last`'s, empty weeks as 0.

    Counts on days outside those weeks are ignored.
    """
    start, end = week_start(first), week_start(last)
    totals: dict[date, int] = {}
    week = start
    while week <= end:
        totals[week] = 0
        week += timedelta(days=7)
    for day, count in day_counts:
        key = week_start(day)
        if key in totals:
            totals[key] += count
    return sorted(totals.items())


# ---------------------------------------------------------------------------------------------
# Outcomes as clinicians define them (issue #13), in /work/shared/clinical/instruments.md's terms.
#
# Inputs are plain values: PHQ-9 totals as `Point`s (aware times), completed ketamine sessions
# and still-booked ketamine sessions as aware start times, `now`, and the patient's zone `tz`
# (day counts are calendar days in that zone). The first series (the induction) is the one that
# is judged; every later session is a booster and never resets relapse detection.
# ---------------------------------------------------------------------------------------------

SERIES_GAP_DAYS = 21  # Clinic setting: a gap of more days than this between sessions ends a series.
SERIES_LENGTH = 6  # Clinic setting: planned sessions in an induction (typical: 6).
BASELINE_WINDOW_DAYS = 14  # Baseline: last PHQ-9 within 14 days before the first session.
POST_SERIES_WINDOW_DAYS = 14  # Post-series: first PHQ-9 within 14 days after the last session.
RELAPSE_AFTER_REMISSION = 10  # After remission, relapse is a PHQ-9 of 10 or more.
NOT_IMPROVING_FROM_SESSION = 4  # "Not improving": at or after session 4 ...
NOT_IMPROVING_BELOW_PCT = 25  # ... with less than a 25 % drop from baseline.
NOISE_POINTS = 5  # A PHQ-9 change of fewer than 5 points is measurement noise.
MEANINGFUL_PCT = 20  # A meaningful change: at least 5 points or at least 20 %.

STATES = (
    "not_started",  # no completed ketamine session
    "no_baseline",  # no PHQ-9 within 14 days before the first session
    "in_series",  # the induction has not ended yet
    "not_assessed",  # series ended, no PHQ-9 within 14 days after it
    "no_response",  # post-series drop below 25 %
    "partial",  # post-series drop 25 % up to 50 %
    "response",  # post-series drop of at least 50 % ("response held")
    "remission",  # post-series PHQ-9 below 5
    "relapse",  # a responder whose later PHQ-9 rose past the relapse threshold
)


def split_series(sessions: Sequence[datetime], *, tz: str, gap_days: int = SERIES_GAP_DAYS) -> list[tuple[datetime, ...]]:
    """Return the sessions grouped into series, in time order.

    A gap of more than `gap_days` calendar days (in `tz`) between two sessions starts a new group;
    exactly `gap_days` does not. The first group is the induction; later groups are boosters.
    """
    groups: list[list[datetime]] = []
    previous: date | None = None
    for start in sorted(sessions):
        day = local_date(start, tz)
        if previous is None or (day - previous).days > gap_days:
            groups.append([])
        groups[-1].append(start)
        previous = day
    return [tuple(g) for g in groups]


def series_ended(
    series: Sequence[datetime], *, booked: Sequence[datetime], now: datetime, tz: str,
    gap_days: int = SERIES_GAP_DAYS, series_length: int = SERIES_LENGTH,
) -> bool:
    """Return True when the series (sorted completed sessions) is over.

    Over once more than `gap_days` have passed since its last session, or earlier when it has
    its planned `series_length` sessions and no ketamine session is booked within the gap.
    A short series with nothing booked is not over until the gap has passed: a session may
    still be booked (one session and nothing else is not a completed series).
    """
    last_day = local_date(series[-1], tz)
    horizon = last_day + timedelta(days=gap_days)
    if local_date(now, tz) > horizon:
        return True
    pending = any(b > series[-1] and local_date(b, tz) <= horizon for b in booked)
    return len(series) >= series_length and not pending


def series_baseline(scores: Sequence[Point], first_session: datetime, *, tz: str) -> Point | None:
    """Return the last score within 14 days before `first_session` (at or before its start), or None.

    Never a score taken after treatment began (instruments.md).
    """
    opens = local_date(first_session, tz) - timedelta(days=BASELINE_WINDOW_DAYS)
    before = [p for p in _sorted(scores) if p.when <= first_session and local_date(p.when, tz) >= opens]
    return before[-1] if before else None


def post_series_score(scores: Sequence[Point], last_session: datetime, *, tz: str) -> Point | None:
    """Return the first score after `last_session` and within 14 days of it, or None."""
    closes = local_date(last_session, tz) + timedelta(days=POST_SERIES_WINDOW_DAYS)
    after = [p for p in _sorted(scores) if p.when > last_session and local_date(p.when, tz) <= closes]
    return after[0] if after else None


def is_relapse_score(baseline: float, score: float, *, after_remission: bool) -> bool:
    """Return True when `score` marks a relapse: above 50 % of baseline, or >= 10 after remission."""
    if after_remission:
        return score >= RELAPSE_AFTER_REMISSION
    return score > baseline * 0.5


def not_improving(sessions_completed: int, change: float | None) -> bool:
    """Return True at or after session 4 with less than a 25 % drop (change above -25 %).

    False without a change to judge (no baseline: that is its own chip).
    """
    return sessions_completed >= NOT_IMPROVING_FROM_SESSION and change is not None and change > -NOT_IMPROVING_BELOW_PCT


@dataclass(frozen=True)
class Outcome:
    """One patient's PHQ-9 outcome: the `state` and the dates and scores it rests on.

    `response` and `remission` are judged at the post-series assessment (None until there is
    one); `responded_during_series` at the best point during the series. Dates are in the
    patient's zone. `series_end` is the date of the induction's last session.
    """

    state: str
    explanation: str
    baseline: float | None = None
    baseline_date: date | None = None
    post_series: float | None = None
    post_series_date: date | None = None
    best: float | None = None
    best_date: date | None = None
    best_change_pct: float | None = None
    latest: float | None = None
    latest_date: date | None = None
    change_pct: float | None = None
    response: bool | None = None
    remission: bool | None = None
    responded_during_series: bool | None = None
    relapse: float | None = None
    relapse_date: date | None = None
    sessions_completed: int = 0
    series_sessions: int = 0
    series_start: date | None = None
    series_end: date | None = None
    series_ended: bool = False

    @property
    def not_improving(self) -> bool:
        return not_improving(self.sessions_completed, self.change_pct)

    @property
    def days_to_relapse(self) -> int | None:
        """Days from the series' last session to the first relapsing score, or None."""
        if self.relapse_date is None or self.series_end is None:
            return None
        return (self.relapse_date - self.series_end).days


def _pct(base: Point | None, point: Point | None) -> float | None:
    return change_pct(base.value, point.value) if base is not None and point is not None else None


def _find_relapse(scores: list[Point], base: Point, reference: Point, last_session: datetime) -> Point | None:
    """Return the first score after the series and after `reference` that marks a relapse."""
    remitted = is_remission(reference.value)
    after = max(reference.when, last_session)
    return next((p for p in scores if p.when > after and is_relapse_score(base.value, p.value, after_remission=remitted)),
                None)


def _judged_state(base: Point, post: Point | None, relapse: Point | None) -> str:
    if relapse is not None:
        return "relapse"
    if post is None:
        return "not_assessed"
    if is_remission(post.value):
        return "remission"
    return {"response": "response", "partial": "partial"}.get(classify(base.value, post.value), "no_response")


def patient_outcome(
    phq9: Sequence[Point], sessions: Sequence[datetime], *, now: datetime, tz: str, booked: Sequence[datetime] = (),
    gap_days: int = SERIES_GAP_DAYS, series_length: int = SERIES_LENGTH,
) -> Outcome:
    """Return the patient's `Outcome` from PHQ-9 totals, completed and booked ketamine sessions.

    The induction (first series) is judged: baseline in the 14 days before its first session,
    best point during it (after the first session's start up to the last's), post-series score
    in the 14 days after it. A responder (held after the series or, when never assessed after
    it, during it) whose later PHQ-9 after the series passes the relapse threshold relapses,
    dated at the first such score; boosters change nothing in that.
    States are checked in order: not_started, no_baseline, in_series, relapse, not_assessed,
    then the post-series judgement (remission, response, partial, no_response). `booked` are
    ketamine sessions booked and not yet done; `series_length` and `gap_days` are clinic settings.
    """
    scores = _sorted(phq9)
    latest = scores[-1] if scores else None
    groups = split_series(sessions, tz=tz, gap_days=gap_days)
    if not groups:
        return _outcome("not_started", tz, latest=latest)
    series = groups[0]
    base = series_baseline(scores, series[0], tz=tz)
    during = [p for p in scores if series[0] < p.when <= series[-1]]
    best = min(during, key=lambda p: p.value) if during else None
    ended = series_ended(series, booked=booked, now=now, tz=tz, gap_days=gap_days, series_length=series_length)
    post = post_series_score(scores, series[-1], tz=tz) if ended else None
    facts = {"latest": latest, "base": base, "best": best, "post": post, "series": series,
             "sessions_completed": len(sessions), "ended": ended}
    if base is None:
        return _outcome("no_baseline", tz, **facts)
    if not ended:
        return _outcome("in_series", tz, **facts)
    held = post is not None and is_response(base.value, post.value)
    during_only = post is None and best is not None and is_response(base.value, best.value)
    reference = post if held else best if during_only else None
    relapse = _find_relapse(scores, base, reference, series[-1]) if reference is not None else None
    return _outcome(_judged_state(base, post, relapse), tz, relapse=relapse, **facts)


def _outcome(
    state: str, tz: str, *, latest: Point | None, base: Point | None = None, best: Point | None = None,
    post: Point | None = None, relapse: Point | None = None, series: tuple[datetime, ...] = (),
    sessions_completed: int = 0, ended: bool = False,
) -> Outcome:
    def day(p: Point | datetime | None) -> date | None:
        if p is None:
            return None
        return local_date(p.when if isinstance(p, Point) else p, tz)

    def value(p: Point | None) -> float | None:
        return p.value if p is not None else None

    judged = base is not None and post is not None
    outcome = Outcome(
        state=state, explanation="",
        baseline=value(base), baseline_date=day(base), post_series=value(post), post_series_date=day(post),
        best=value(best), best_date=day(best), best_change_pct=_pct(base, best),
        latest=value(latest), latest_date=day(latest), change_pct=_pct(base, latest),
        response=is_response(base.value, post.value) if judged else None,
        remission=is_remission(post.value) if judged else None,
        responded_during_series=is_response(base.value, best.value) if base is not None and best is not None else None,
        relapse=value(relapse), relapse_date=day(relapse),
        sessions_completed=sessions_completed, series_sessions=len(series),
        series_start=day(series[0]) if series else None, series_end=day(series[-1]) if series else None,
        series_ended=ended,
    )
    return replace(outcome, explanation=explain(outcome))


def _num(x: float) -> str:
    return f"{x:g}"


def _signed_pct(pct: float | None) -> str:
    return "" if pct is None else f" ({pct:+.0f} %)".replace("-", "−")


def explain(o: Outcome) -> str:
    """Return a short plain-language line for clinicians saying what `o.state` rests on.

    E.g. "Responded (23 → 8 on 2026-03-02), now relapsing since 2026-04-10 (17)".
    """
    if o.state == "not_started":
        return "No ketamine session yet"
    if o.state == "no_baseline":
        return f"No baseline: no PHQ-9 in the {BASELINE_WINDOW_DAYS} days before the first session ({o.series_start})"
    start = f"PHQ-9 {_num(o.baseline)} on {o.baseline_date}"
    if o.state == "in_series":
        now = f", latest {_num(o.latest)} on {o.latest_date}{_signed_pct(o.change_pct)}" if o.latest_date != o.baseline_date else ""
        noun = "session" if o.series_sessions == 1 else "sessions"
        return f"In series ({o.series_sessions} {noun} so far): {start}{now}"
    during = ""
    if o.responded_during_series:
        during = f"responded during the series ({_num(o.baseline)} → {_num(o.best)} on {o.best_date})"
    if o.state == "relapse":
        ref, ref_date = (o.post_series, o.post_series_date) if o.response else (o.best, o.best_date)
        verb = "Remitted" if is_remission(ref) else "Responded"
        return f"{verb} ({_num(o.baseline)} → {_num(ref)} on {ref_date}), now relapsing since {o.relapse_date} ({_num(o.relapse)})"
    if o.state == "not_assessed":
        tail = f"; {during}" if during else ""
        return f"Not assessed: no PHQ-9 in the {POST_SERIES_WINDOW_DAYS} days after the series ended on {o.series_end}{tail}"
    label = {"remission": "Remission", "response": "Response held", "partial": "Partial response",
             "no_response": "No response"}[o.state]
    line = f"{label}: PHQ-9 {_num(o.baseline)} → {_num(o.post_series)} on {o.post_series_date}{_signed_pct(_pct_of(o))}"
    if o.state in ("partial", "no_response") and during:
        line += f"; {during}, not held"
    return line


def _pct_of(o: Outcome) -> float | None:
    return change_pct(o.baseline, o.post_series) if o.baseline is not None and o.post_series is not None else None


def need_key(o: Outcome, open_flags: int = 0) -> tuple[int, int, float]:
    """Return a sort key for the caseload, most in need first (sort ascending).

    Open safety flags first, then relapsing, then not improving at or after session 4, then
    the rest; within each, the higher latest PHQ-9 first, patients without one last.
    """
    group = 0 if o.state == "relapse" else 1 if o.not_improving else 2
    severity = -o.latest if o.latest is not None else 1.0
    return (0 if open_flags else 1, group, severity)


@dataclass(frozen=True)
class Change:
    """A change between two scores where lower is better (PHQ-9, GAD-7, PCL-5).

    `points` and `pct` are the drop (positive = fewer symptoms). `meaningful` is True only past
    the noise floor; `by` names the criteria met ("points" for >= 5 points, "percent" for >= 20 %).
    """

    points: float
    pct: float | None
    meaningful: bool
    by: tuple[str, ...]

    @property
    def improved(self) -> bool:
        return self.meaningful and self.points > 0

    @property
    def worsened(self) -> bool:
        return self.meaningful and self.points < 0


def meaningful_change(
    before: float, after: float, *, min_points: float = NOISE_POINTS, min_pct: float = MEANINGFUL_PCT,
    noise_points: float = NOISE_POINTS,
) -> Change:
    """Return the `Change` from `before` to `after`.

    Meaningful: at least `min_points` or at least `min_pct` % (either way), and never within
    noise (fewer than `noise_points`). For PHQ-9 the noise floor is 5 points (instruments.md),
    so a 20 % change of fewer than 5 points is not meaningful; `by` still says which held.
    """
    points = before - after
    pct = points / before * 100 if before else None
    size = abs(points)
    by = tuple(name for name, met in (("points", size >= min_points), ("percent", pct is not None and abs(pct) >= min_pct))
               if met)
    return Change(points, pct, bool(by) and size >= noise_points, by)


@dataclass(frozen=True)
class Verdict:
    """What a patient may be told about a result: "care_team", "progress" or "neutral".

    "care_team": item 9 above 0 or an open flag: no reassurance of any kind, only that the
    care team will look at it. "progress": a meaningful improvement. "neutral": anything else,
    worded kindly and without alarm.
    """

    kind: str
    change: Change | None


def patient_verdict(before: float | None, after: float, *, item9: int = 0, open_flag: bool = False) -> Verdict:
    """Return the `Verdict` for a new PHQ-9 total `after` against an earlier `before` (None: first)."""
    change = meaningful_change(before, after) if before is not None else None
    if item9 > 0 or open_flag:
        return Verdict("care_team", change)
    if change is not None and change.improved:
        return Verdict("progress", change)
    return Verdict("neutral", change)


@dataclass(frozen=True)
class ClinicOutcomes:
    """A clinic's response and remission reported like a paper.

    Only patients with a baseline >= 10 and >= 4 sessions in a finished series count (`eligible`);
    of those, `response` and `remission` are judged on the ones with a post-series assessment,
    and `not_assessed` is its own group. `excluded` lists (reason, count) in a fixed order.
    `median_days_to_relapse` is over the eligible patients who relapsed (`relapses`), counted
    from the series' last session.
    """

    eligible: int
    response: Proportion
    remission: Proportion
    not_assessed: int
    excluded: tuple[tuple[str, int], ...]
    relapses: int
    median_days_to_relapse: float | None

    @property
    def excluded_total(self) -> int:
        return sum(count for _, count in self.excluded)


MIN_REPORT_BASELINE = 10
MIN_REPORT_SESSIONS = 4
EXCLUSIONS = (
    "not started",
    "no baseline",
    "series not finished",
    f"baseline below {MIN_REPORT_BASELINE}",
    f"fewer than {MIN_REPORT_SESSIONS} sessions in the series",
)


def _exclusion(o: Outcome) -> str | None:
    """Return the first reason (from EXCLUSIONS) that keeps `o` out of the clinic's rates, or None."""
    if o.state == "not_started":
        return EXCLUSIONS[0]
    if o.baseline is None:
        return EXCLUSIONS[1]
    if not o.series_ended:
        return EXCLUSIONS[2]
    if o.baseline < MIN_REPORT_BASELINE:
        return EXCLUSIONS[3]
    if o.series_sessions < MIN_REPORT_SESSIONS:
        return EXCLUSIONS[4]
    return None


def exclusion_index(o: Outcome) -> int | None:
    """Return the index in EXCLUSIONS of what keeps `o` out of the clinic's rates, or None (eligible).
    Stored per patient (patient_summaries.report_exclusion) so the overview counts in SQL."""
    reason = _exclusion(o)
    return None if reason is None else EXCLUSIONS.index(reason)


@dataclass(frozen=True)
class OutcomeCounts:
    """One group of patients' outcomes as counted by the database (`counted_outcomes` reads them).

    `excluded` maps an EXCLUSIONS index to its patients; `assessed`, `response` and `remission`
    count eligible patients with a post-series assessment, and those who responded / remitted;
    `relapse_days` maps days-to-relapse to the eligible patients who relapsed after that many days.
    """

    eligible: int = 0
    assessed: int = 0
    response: int = 0
    remission: int = 0
    excluded: dict[int, int] = field(default_factory=dict)
    relapse_days: dict[int, int] = field(default_factory=dict)

    @property
    def patients(self) -> int:
        return self.eligible + sum(self.excluded.values())


def counted_outcomes(c: OutcomeCounts) -> ClinicOutcomes:
    """Return the `ClinicOutcomes` that `clinic_outcomes` gives for the patients `c` counts."""
    relapse_days = [days for days, n in sorted(c.relapse_days.items()) for _ in range(n)]
    return ClinicOutcomes(
        eligible=c.eligible,
        response=Proportion(c.response, c.assessed),
        remission=Proportion(c.remission, c.assessed),
        not_assessed=c.eligible - c.assessed,
        excluded=tuple((reason, c.excluded.get(i, 0)) for i, reason in enumerate(EXCLUSIONS)),
        relapses=len(relapse_days),
        median_days_to_relapse=median_or_none(relapse_days),
    )


def clinic_outcomes(outcomes: Sequence[Outcome]) -> ClinicOutcomes:
    """Return the clinic's `ClinicOutcomes` from one `Outcome` per patient."""
    excluded = dict.fromkeys(EXCLUSIONS, 0)
    eligible = []
    for o in outcomes:
        reason = _exclusion(o)
        if reason is None:
            eligible.append(o)
        else:
            excluded[reason] += 1
    assessed = [o for o in eligible if o.post_series is not None]
    relapse_days = [o.days_to_relapse for o in eligible if o.days_to_relapse is not None]
    return ClinicOutcomes(
        eligible=len(eligible),
        response=Proportion(sum(1 for o in assessed if o.response), len(assessed)),
        remission=Proportion(sum(1 for o in assessed if o.remission), len(assessed)),
        not_assessed=len(eligible) - len(assessed),
        excluded=tuple(excluded.items()),
        relapses=len(relapse_days),
        median_days_to_relapse=median_or_none(relapse_days),
    )


@dataclass(frozen=True)
class EffectPoint:
    """One point of the effect-by-session chart.

    kind: "session" (a pre-dose score of an induction session), "booster" (of a later session),
    "post_series" or "latest". `number` is the session number (1..N over all ketamine sessions;
    None for post_series/latest); `when` is the session's start or the score's time. `score` is
    None where no score was taken in that session's window: a gap, never an old score again.
    """

    kind: str
    number: int | None
    when: datetime
    score: Point | None
    change_pct: float | None


def _pre_dose(scores: list[Point], start: datetime, after: datetime | None, tz: str) -> Point | None:
    """Return the last score within 14 days before `start` (at or before it) and after `after`."""
    opens = local_date(start, tz) - timedelta(days=BASELINE_WINDOW_DAYS)
    found = [p for p in scores if p.when <= start and local_date(p.when, tz) >= opens and (after is None or p.when > after)]
    return found[-1] if found else None


def effect_points(
    scores: Sequence[Point], sessions: Sequence[datetime], *, tz: str, ended: bool, gap_days: int = SERIES_GAP_DAYS,
) -> list[EffectPoint]:
    """Return the chart points in time order: each session's pre-dose score, then (once the
    induction has `ended`) its post-series score, and the latest score when not already drawn.

    A pre-dose score is the last one within 14 days before the session and after the previous
    session (or after the post-series score), so each score is drawn at most once. Change is
    from the series baseline of these scores (the first session's pre-dose score).
    """
    ordered = _sorted(scores)
    groups = split_series(sessions, tz=tz, gap_days=gap_days)
    if not groups:
        return []
    induction = groups[0]
    post = post_series_score(ordered, induction[-1], tz=tz) if ended else None
    base = series_baseline(ordered, induction[0], tz=tz)
    result: list[EffectPoint] = []
    floor: datetime | None = None
    for number, start in enumerate(sorted(sessions), 1):
        booster = number > len(induction)
        if booster and post is not None:
            floor = max(floor, post.when) if floor else post.when
        point = _pre_dose(ordered, start, floor, tz)
        result.append(EffectPoint("booster" if booster else "session", number, start, point, _pct(base, point)))
        floor = start
    if post is not None:
        result.append(EffectPoint("post_series", None, post.when, post, _pct(base, post)))
    drawn = {e.score for e in result}
    if ordered and ordered[-1] not in drawn:
        result.append(EffectPoint("latest", None, ordered[-1].when, ordered[-1], _pct(base, ordered[-1])))
    return sorted(result, key=lambda e: e.when)
