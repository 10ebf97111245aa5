"""Treatment outcomes from plain values: baseline, change, response, remission, durability.

Rules follow /work/shared/clinical/instruments.md (measurement-based care conventions for
PHQ-9 change). Scores are `Point`s with aware times; sessions are aware start times of
completed ketamine sessions. Inputs need not be sorted.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean

from katapp.domain.scheduling import local_date

REMISSION_BELOW = 5  # PHQ-9 total below 5 is remission.
RISING_BY = 5  # Points above the end-of-series score that count as a rising trend.


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
class Durability:
    days_since_last: int | None
    end_of_series: float | None
    latest: float | None
    rising: bool


def durability(
    scores: Sequence[Point], sessions: Sequence[datetime], today: date, *, tz: str | None = None
) -> Durability:
    """Return how well the effect holds after the last ketamine session.

    days_since_last: days from the last session's date (in `tz`, else in its own zone) to today.
    end_of_series: last score at or before the last session. latest: last score after it.
    rising: latest >= end_of_series + 5. The median time to relapse after a series was 18 days,
    so a rising trend should prompt a booster follow-up (instruments.md).
    All fields are None (rising False) when there are no sessions.
    """
    if not sessions:
        return Durability(None, None, None, False)
    last = max(sessions)
    last_day = local_date(last, tz) if tz else last.date()
    ordered = _sorted(scores)
    end = _last_at_or_before(ordered, last)
    after = [p for p in ordered if p.when > last]
    end_value = end.value if end else None
    latest = after[-1].value if after else None
    rising = end_value is not None and latest is not None and latest >= end_value + RISING_BY
    return Durability((today - last_day).days, end_value, latest, rising)


_PHRASES = {
    "remission": "remission",
    "response": "response, not yet remission",
    "partial": "partial response",
    "none": "no response yet",
}


def summary_sentence(baseline: float | None, latest: float | None, sessions_completed: int) -> str:
    """Return a one-line PHQ-9 summary for a clinician.

    E.g. "PHQ-9 21 → 9 after 6 sessions: response, not yet remission";
    "No PHQ-9 yet" without a baseline; "PHQ-9 21 at baseline, none since" without a latest.
    """
    if baseline is None:
        return "No PHQ-9 yet"
    if latest is None:
        return f"PHQ-9 {baseline:g} at baseline, none since"
    noun = "session" if sessions_completed == 1 else "sessions"
    phrase = _PHRASES[classify(baseline, latest)]
    return f"PHQ-9 {baseline:g} → {latest:g} after {sessions_completed} {noun}: {phrase}"


@dataclass(frozen=True)
class SessionEffect:
    """One completed ketamine session and the score that stood before it."""

    number: int  # 1 for the first session of the treatment, then 2, 3, ...
    session_at: datetime
    score: Point | None  # the last score at or before the session's start
    change_pct: float | None  # from the baseline; None without a score or with a zero baseline


def effect_by_session(scores: Sequence[Point], sessions: Sequence[datetime]) -> list[SessionEffect]:
    """Return the cumulative effect indexed by session number (1..N, in time order).

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


def series_completed(completed: int, scheduled_remaining: int, series_length: int) -> bool:
    """Return True when a series is over: `series_length` sessions done, or none left to do.

    A series that stopped early (the rest cancelled, none still booked) has ended too, as long
    as at least one session was completed. `series_length` is a clinic setting (default 6).
    """
    return completed >= series_length or (completed > 0 and scheduled_remaining == 0)


def rate(count: int, n: int) -> float | None:
    """Return count / n * 100, or None when n is 0 (no rate of nobody)."""
    return count / n * 100 if n else None


INACTIVE_AFTER_DAYS = 3  # No check-in for this many days puts a patient near the top of the caseload.


def needs_attention_rank(open_flags: int, rising: bool, days_since_checkin: int | None) -> int:
    """Return the caseload priority: 0 open safety flags, 1 rising after the series,
    2 no check-in for 3+ days (or never), 3 the rest. Lower comes first.
    """
    if open_flags > 0:
        return 0
    if rising:
        return 1
    if days_since_checkin is None or days_since_checkin >= INACTIVE_AFTER_DAYS:
        return 2
    return 3


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
