"""Table tests of the outcome definitions (issue #13) at their edges, and the issue's hand-built cases.

Day numbers count from 2026-03-01 (day 0), at noon UTC unless an hour is given.
"""

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest

from katapp.domain.outcomes import (
    EXCLUSIONS,
    Outcome,
    Point,
    clinic_outcomes,
    effect_points,
    is_relapse_score,
    meaningful_change,
    need_key,
    not_improving,
    patient_outcome,
    patient_verdict,
    post_series_score,
    series_baseline,
    series_ended,
    split_series,
)
from katapp.domain.stats import Proportion, median_or_none, wilson_interval

TZ = "UTC"
START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def at(n, hour=12):
    return START + timedelta(days=n, hours=hour - 12)


def on(n):
    return (START + timedelta(days=n)).date()


def pts(*pairs):
    return [Point(at(*d) if isinstance(d, tuple) else at(d), v) for d, v in pairs]


INDUCTION = [at(n) for n in (0, 2, 4, 7, 9, 11)]  # six sessions over 12 days
LAST = 11


def outcome(scores, sessions=INDUCTION, now=60, booked=()):
    return patient_outcome(scores, sessions, now=at(now), tz=TZ, booked=[at(b) for b in booked])


# --- series -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("days", "groups"),
    [
        ([0, 21], [[0, 21]]),  # a 21-day gap keeps the series
        ([0, 22], [[0], [22]]),  # 22 days ends it
        ([0, 2, 4, 30, 60], [[0, 2, 4], [30], [60]]),  # later single sessions are boosters
        ([4, 0, 2], [[0, 2, 4]]),  # unsorted input
        ([], []),
    ],
)
def test_split_series_gap(days, groups):
    assert split_series([at(d) for d in days], tz=TZ) == [tuple(at(d) for d in g) for g in groups]


def test_split_series_counts_days_in_the_patients_zone():
    # 01:00 UTC on day 22 is still day 21 in Los Angeles: the same series there, not in UTC.
    sessions = [at(0, 20), at(22, 1)]
    assert len(split_series(sessions, tz="America/Los_Angeles")) == 1
    assert len(split_series(sessions, tz="UTC")) == 2


@pytest.mark.parametrize(
    ("series", "booked", "now", "length", "ended"),
    [
        ([0], [], 5, 6, False),  # one session, nothing booked, within the gap: still in series
        ([0], [], 21, 6, False),  # last day of the gap
        ([0], [], 22, 6, True),  # the gap has passed
        ([0, 2, 4, 7, 9, 11], [], 13, 6, True),  # planned length reached, nothing booked
        ([0, 2, 4, 7, 9, 11], [33], 13, 6, True),  # a booster booked 22 days on: beyond the gap
        ([0, 2, 4, 7, 9, 11], [32], 13, 6, False),  # 21 days on: within the gap, the series goes on
        ([0, 2, 4, 7, 9, 11], [20], 13, 6, False),
        ([0, 2, 4], [], 13, 6, False),  # short of the planned length
        ([0, 2, 4], [], 13, 3, True),  # a clinic with three-session series
    ],
)
def test_series_ended(series, booked, now, length, ended):
    result = series_ended([at(d) for d in series], booked=[at(b) for b in booked], now=at(now), tz=TZ, series_length=length)
    assert result is ended


# --- baseline and post-series windows -----------------------------------------------------------

@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (pts((-14, 20)), Point(at(-14), 20)),  # 14 days before: in
        (pts((-15, 20)), None),  # 15 days before: out
        (pts((-15, 20), (-3, 18)), Point(at(-3), 18)),  # the last in the window
        (pts((0, 19)), Point(at(0), 19)),  # the same instant counts
        ([Point(at(0, 13), 13)], None),  # an hour after the start is after treatment began
        (pts((2, 15), (4, 12)), None),  # never a later score
        ([], None),
    ],
)
def test_series_baseline_window(scores, expected):
    assert series_baseline(scores, at(0), tz=TZ) == expected


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (pts((LAST + 14, 9)), Point(at(LAST + 14), 9)),  # 14 days after: in
        (pts((LAST + 15, 9)), None),  # 15 days after: out
        (pts((LAST + 3, 9), (LAST + 10, 4)), Point(at(LAST + 3), 9)),  # the first in the window
        (pts((LAST, 9)), None),  # the pre-dose score of the last session is not post-series
    ],
)
def test_post_series_window(scores, expected):
    assert post_series_score(scores, at(LAST), tz=TZ) == expected


# --- states at their edges ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("post", "state", "response", "remission"),
    [
        (10, "response", True, False),  # exactly 50 % counts
        (10.5, "partial", False, False),  # 47.5 %
        (15, "partial", False, False),  # exactly 25 %
        (15.5, "no_response", False, False),  # 22.5 %
        (5, "response", True, False),  # 5 is not remission
        (4, "remission", True, True),  # 4 is
        (22, "no_response", False, False),  # worse
    ],
)
def test_post_series_judgement(post, state, response, remission):
    o = outcome(pts((-2, 20), (LAST + 7, post)))
    assert (o.state, o.response, o.remission) == (state, response, remission)
    assert (o.post_series, o.post_series_date) == (post, on(LAST + 7))


@pytest.mark.parametrize(
    ("base", "remitted", "score", "relapse"),
    [
        (20, False, 10, False),  # exactly 50 % of baseline is not above it
        (20, False, 10.5, True),
        (24, True, 9, False),  # after remission: >= 10
        (24, True, 10, True),  # ... even below 50 % of baseline
        (12, True, 9, False),  # above 50 % of 12 but under 10 after remission
    ],
)
def test_relapse_thresholds(base, remitted, score, relapse):
    assert is_relapse_score(base, score, after_remission=remitted) is relapse


@pytest.mark.parametrize(
    ("post", "later", "state", "relapse_date"),
    [
        (10, [(40, 10)], "response", None),  # back to exactly 50 %: not relapse
        (10, [(40, 11), (50, 9)], "relapse", on(40)),  # above 50 % of 20, dated at the first such score
        (4, [(40, 9)], "remission", None),  # after remission 9 is not relapse
        (4, [(40, 10)], "relapse", on(40)),  # after remission 10 is
        (12, [(40, 19)], "partial", None),  # no response held: nothing to relapse from
    ],
)
def test_relapse_after_held_response(post, later, state, relapse_date):
    o = outcome(pts((-2, 20), (LAST + 7, post), *later), now=60)
    assert (o.state, o.relapse_date) == (state, relapse_date)


def test_booster_after_response_does_not_reset_relapse():
    sessions = [*INDUCTION, at(40), at(55)]  # two boosters
    scores = pts((-2, 20), (LAST + 7, 8), (40, 12), (55, 9), (58, 14))
    o = outcome(scores, sessions, now=60)
    assert (o.state, o.relapse, o.relapse_date) == ("relapse", 12, on(40))
    assert (o.baseline, o.sessions_completed, o.series_sessions) == (20, 8, 6)
    assert o.days_to_relapse == 40 - LAST


def test_responded_during_the_series_but_not_held():
    o = outcome(pts((-2, 20), (9, 9), (LAST + 5, 16)))
    assert (o.state, o.responded_during_series, o.response) == ("no_response", True, False)
    assert (o.best, o.best_date, o.best_change_pct) == (9, on(9), pytest.approx(-55.0))
    assert o.explanation == "No response: PHQ-9 20 → 16 on 2026-03-17 (−20 %); responded during the series (20 → 9 on 2026-03-10), not held"


# --- the issue's hand-built cases ---------------------------------------------------------------

def test_issue_case_response_then_relapse_at_a_booster():
    # 23 → 8 by session 6, then 17 at a booster and 21 now: relapse dated at the 17.
    sessions = [*INDUCTION, at(45)]
    o = outcome(pts((-1, 23), (3, 16), (LAST, 8), (45, 17), (58, 21)), sessions, now=60)
    assert o.state == "relapse"
    assert (o.relapse, o.relapse_date) == (17, on(45))
    assert (o.responded_during_series, o.response, o.post_series) == (True, None, None)
    assert (o.latest, o.latest_date) == (21, on(58))
    assert o.explanation == "Responded (23 → 8 on 2026-03-12), now relapsing since 2026-04-15 (17)"


def test_issue_case_relapse_after_remission():
    # 12 → 4 after the series → 14.
    o = outcome(pts((-1, 12), (LAST + 4, 4), (30, 14)), now=35)
    assert (o.state, o.remission, o.relapse_date) == ("relapse", True, on(30))
    assert o.explanation == "Remitted (12 → 4 on 2026-03-16), now relapsing since 2026-03-31 (14)"


def test_issue_case_single_low_score_without_post_series_is_not_remission():
    o = outcome(pts((-1, 3)))
    assert (o.state, o.remission, o.response) == ("not_assessed", None, None)
    assert o.explanation == "Not assessed: no PHQ-9 in the 14 days after the series ended on 2026-03-12"


def test_issue_case_baseline_after_session_3_is_no_baseline():
    o = outcome(pts((5, 18), (LAST + 3, 6)))
    assert (o.state, o.baseline, o.baseline_date, o.change_pct) == ("no_baseline", None, None, None)
    assert o.explanation == "No baseline: no PHQ-9 in the 14 days before the first session (2026-03-01)"


def test_issue_case_one_session_nothing_booked_within_the_gap_is_in_series():
    o = outcome(pts((-1, 20), (3, 9)), [at(0)], now=5)
    assert (o.state, o.response, o.series_ended) == ("in_series", None, False)
    assert o.responded_during_series is None  # no score between its first and last session
    assert o.explanation == "In series (1 session so far): PHQ-9 20 on 2026-02-28, latest 9 on 2026-03-04 (−55 %)"


def test_issue_case_no_session_yet_is_not_started():
    o = outcome(pts((-1, 20)), [], now=0, booked=[2])
    assert (o.state, o.explanation, o.latest) == ("not_started", "No ketamine session yet", 20)
    assert o.baseline is None


def test_outcome_is_frozen():
    with pytest.raises(FrozenInstanceError):
        outcome([]).state = "remission"


# --- not improving and caseload order -----------------------------------------------------------

@pytest.mark.parametrize(
    ("sessions", "change", "expected"),
    [(4, -24.9, True), (4, -25.0, False), (3, 0.0, False), (6, 10.0, True), (6, None, False)],
)
def test_not_improving(sessions, change, expected):
    assert not_improving(sessions, change) is expected


def test_need_key_orders_the_caseload():
    def o(state, latest, sessions=6, change=None):
        return Outcome(state, "", latest=latest, sessions_completed=sessions, change_pct=change)

    remitter = o("remission", 3, change=-85.0)
    severe_non_responder = o("in_series", 22, sessions=4, change=-5.0)
    relapsing_mild = o("relapse", 12, change=-40.0)
    severe_early = o("in_series", 24, sessions=2, change=0.0)
    moderate = o("in_series", 14, sessions=2, change=-30.0)
    never_scored = o("not_started", None, sessions=0)
    flagged_remitter = (o("remission", 2, change=-90.0), 1)
    rows = [(remitter, 0), (never_scored, 0), (moderate, 0), flagged_remitter, (severe_early, 0),
            (severe_non_responder, 0), (relapsing_mild, 0)]
    ranked = [r[0] for r in sorted(rows, key=lambda r: need_key(*r))]
    assert ranked == [flagged_remitter[0], relapsing_mild, severe_non_responder, severe_early, moderate, remitter, never_scored]


# --- patient wording: meaningful change ---------------------------------------------------------

@pytest.mark.parametrize(
    ("before", "after", "meaningful", "by"),
    [
        (21, 20, False, ()),  # 1 point: noise
        (21, 17, False, ()),  # 4 points, 19 %
        (21, 16, True, ("points", "percent")),  # 5 points, 23.8 %
        (27, 22, True, ("points",)),  # 5 points, 18.5 %
        (10, 7, False, ("percent",)),  # 30 % but 3 points: within noise
        (10, 15, True, ("points", "percent")),  # worse by 5
    ],
)
def test_meaningful_change(before, after, meaningful, by):
    change = meaningful_change(before, after)
    assert (change.meaningful, change.by) == (meaningful, by)
    assert change.improved is (meaningful and after < before)
    assert change.worsened is (meaningful and after > before)


@pytest.mark.parametrize(
    ("before", "after", "item9", "open_flag", "kind"),
    [
        (21, 20, 0, False, "neutral"),  # a 1-point drop is not progress
        (21, 16, 0, False, "progress"),
        (21, 16, 1, False, "care_team"),  # item 9 above 0: no reassurance, even for progress
        (12, 3, 2, False, "care_team"),  # ... nor for a low total
        (21, 12, 0, True, "care_team"),  # an open flag
        (15, 21, 0, False, "neutral"),  # worse: kind, not alarming
        (None, 3, 0, False, "neutral"),  # a first score: nothing to compare
    ],
)
def test_patient_verdict(before, after, item9, open_flag, kind):
    assert patient_verdict(before, after, item9=item9, open_flag=open_flag).kind == kind


# --- clinic rates like a paper ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [(4, 11, 0.1517, 0.6462), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (50, 100, 0.4038, 0.5962), (1, 1, 0.2065, 1.0)],
)
def test_wilson_interval_known_values(count, n, low, high):
    assert wilson_interval(count, n) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


@pytest.mark.parametrize(("count", "n"), [(0, 0), (5, 4), (-1, 3)])
def test_wilson_interval_refuses_impossible_counts(count, n):
    with pytest.raises(ValueError, match="count <= n"):
        wilson_interval(count, n)


def test_proportion_and_median():
    assert Proportion(0, 0).pct is None and Proportion(0, 0).ci_pct is None
    assert Proportion(4, 11).pct == pytest.approx(36.36, abs=0.01)
    assert Proportion(4, 11).ci_pct == (pytest.approx(15.17, abs=0.01), pytest.approx(64.62, abs=0.01))
    assert (median_or_none([]), median_or_none([40, 10, 20]), median_or_none([10, 20])) == (None, 20, 15)


def test_clinic_outcomes_counts_only_eligible_patients_and_says_why_others_are_out():
    eligible_scores = {
        "remitter": pts((-1, 20), (LAST + 5, 3)),
        "responder": pts((-1, 20), (LAST + 5, 9)),
        "relapsed": pts((-1, 20), (LAST + 5, 8), (LAST + 21, 15)),  # a responder at post-series
        "non_responder": pts((-1, 20), (LAST + 5, 18)),
        "exactly_ten": pts((-1, 10), (LAST + 5, 6)),  # baseline 10 counts; 40 %: partial
        "never_assessed": pts((-1, 20)),
        "relapsed_unassessed": pts((-1, 20), (LAST, 8), (LAST + 31, 16)),
    }
    others = [
        outcome(pts((-1, 20)), [], now=0),  # not started
        outcome(pts((3, 20))),  # no baseline
        outcome(pts((-1, 20)), [at(0), at(2)], now=5),  # series not finished
        outcome(pts((-1, 9), (LAST + 5, 2))),  # baseline below 10
        outcome(pts((-1, 20), (30, 5)), [at(0), at(2), at(4)], now=60),  # 3 sessions in the series
    ]
    report = clinic_outcomes([*(outcome(s) for s in eligible_scores.values()), *others])
    assert report.eligible == 7
    assert (report.response.count, report.response.n) == (3, 5)
    assert (report.remission.count, report.remission.n) == (1, 5)
    assert report.not_assessed == 2
    assert report.excluded == tuple((reason, 1) for reason in EXCLUSIONS)
    assert report.excluded_total == 5
    assert (report.relapses, report.median_days_to_relapse) == (2, 26)  # 21 and 31 days after the series


def test_clinic_outcomes_of_nobody():
    report = clinic_outcomes([])
    assert (report.eligible, report.response.pct, report.response.ci_pct, report.median_days_to_relapse) == (0, None, None, None)


# --- effect-by-session chart points -------------------------------------------------------------

def kinds(points):
    return [(e.kind, e.number, e.score.value if e.score else None) for e in points]


def test_effect_points_show_post_series_and_latest_and_never_repeat_an_old_score():
    sessions = [*INDUCTION, at(45)]
    scores = pts((-1, 20), (3, 16), (LAST, 9), (LAST + 4, 8), (45, 12), (50, 15))
    result = effect_points(scores, sessions, tz=TZ, ended=True)
    assert kinds(result) == [
        ("session", 1, 20), ("session", 2, None), ("session", 3, 16), ("session", 4, None), ("session", 5, None),
        ("session", 6, 9), ("post_series", None, 8), ("booster", 7, 12), ("latest", None, 15),
    ]
    assert [e.change_pct for e in result if e.kind in ("post_series", "latest")] == [-60.0, -25.0]


def test_effect_points_booster_does_not_reuse_the_post_series_score():
    sessions = [*INDUCTION, at(LAST + 22)]
    result = effect_points(pts((-1, 20), (LAST + 10, 8)), sessions, tz=TZ, ended=True)
    assert kinds(result)[-2:] == [("post_series", None, 8), ("booster", 7, None)]


def test_effect_points_while_in_series_have_no_post_series_point():
    result = effect_points(pts((-1, 20), (1, 17), (3, 15)), [at(0), at(2)], tz=TZ, ended=False)
    assert kinds(result) == [("session", 1, 20), ("session", 2, 17), ("latest", None, 15)]
    assert effect_points(pts((-1, 20)), [], tz=TZ, ended=False) == []


def test_effect_points_without_baseline_have_no_change():
    result = effect_points(pts((1, 17)), [at(0), at(2)], tz=TZ, ended=False)
    assert kinds(result) == [("session", 1, None), ("session", 2, 17)]
    assert all(e.change_pct is None for e in result)
