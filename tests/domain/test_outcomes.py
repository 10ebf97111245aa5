from datetime import UTC, date, datetime

import pytest

from katapp.domain.outcomes import (
    Point,
    SessionEffect,
    baseline,
    change_pct,
    classify,
    effect_by_session,
    is_remission,
    is_response,
    mood_between_sessions,
    per_week,
    rate,
    rolling_mean,
    score_before_each_session,
    week_start,
)


def day(n, hour=12):
    """An aware moment on day n of June 2026."""
    return datetime(2026, 6, n, hour, tzinfo=UTC)


def points(*pairs):
    return [Point(day(*d) if isinstance(d, tuple) else day(d), v) for d, v in pairs]


SESSIONS = [day(10), day(12), day(14)]


@pytest.mark.parametrize(
    ("scores", "sessions", "expected"),
    [
        (points((1, 20), (8, 22), (11, 15)), SESSIONS, Point(day(8), 22)),  # last before the first session
        (points((11, 15), (13, 12)), SESSIONS, Point(day(11), 15)),  # none before: the first score
        (points((8, 22), (10, 19), (11, 15)), SESSIONS, Point(day(10), 19)),  # same instant counts
        (points((11, 15), (1, 20), (8, 22)), SESSIONS, Point(day(8), 22)),  # unsorted input
        (points((1, 20), (8, 22)), [], Point(day(8), 22)),  # no session yet: all are pre-treatment
        ([], SESSIONS, None),
    ],
)
def test_baseline(scores, sessions, expected):
    assert baseline(scores, sessions) == expected


@pytest.mark.parametrize(
    ("base", "latest", "expected"),
    [(20, 10, -50.0), (20, 25, 25.0), (20, 20, 0.0), (0, 5, None)],
)
def test_change_pct(base, latest, expected):
    assert change_pct(base, latest) == expected


@pytest.mark.parametrize(
    ("base", "latest", "label", "response"),
    [
        (20, 10, "response", True),  # exactly 50 %
        (1000, 501, "partial", False),  # 49.9 %
        (20, 15, "partial", False),  # exactly 25 %
        (1000, 751, "none", False),  # 24.9 %
        (20, 21, "none", False),  # worse
        (21, 10.5, "response", True),
        (8, 5, "partial", False),  # 37.5 % and 5 is not remission
        (8, 4, "remission", True),  # 4 is remission, and also a response
        (6, 4, "remission", False),  # remission without a 50 % drop
        (0, 7, "none", False),
    ],
)
def test_classify_and_response(base, latest, label, response):
    assert classify(base, latest) == label
    assert is_response(base, latest) is response


@pytest.mark.parametrize(("latest", "expected"), [(4, True), (4.9, True), (5, False), (0, True)])
def test_is_remission(latest, expected):
    assert is_remission(latest) is expected


def test_score_before_each_session():
    scores = points((9, 20), (12, 16), (13, 14))
    assert score_before_each_session(scores, SESSIONS) == [Point(day(9), 20), Point(day(12), 16), Point(day(13), 14)]
    assert score_before_each_session(points((11, 18)), SESSIONS) == [None, Point(day(11), 18), Point(day(11), 18)]
    assert score_before_each_session([], SESSIONS) == [None, None, None]


@pytest.mark.parametrize(
    ("moods", "expected"),
    [
        (points((9, 1), (10, 4), (11, 6), (12, 5), (14, 7), (20, 9)), [5.0, 5.0, 8.0]),
        (points((10, 3), ((11, 23), 5), (15, 8)), [4.0, None, 8.0]),
        ([], [None, None, None]),
    ],
)
def test_mood_between_sessions(moods, expected):
    assert mood_between_sessions(moods, SESSIONS) == expected


@pytest.mark.parametrize(
    ("values", "window", "expected"),
    [
        # Two readings on 1 June average to 4 before the window mean; 3-6 and 8-9 June have no data.
        (
            [
                (date(2026, 6, 1), 2),
                (date(2026, 6, 1), 6),
                (date(2026, 6, 2), 7),
                (date(2026, 6, 7), 1),
                (date(2026, 6, 10), 9),
            ],
            7,
            [(date(2026, 6, 1), 4.0), (date(2026, 6, 2), 5.5), (date(2026, 6, 7), 4.0), (date(2026, 6, 10), 5.0)],
        ),
        (
            [(date(2026, 6, 3), 3), (date(2026, 6, 1), 1), (date(2026, 6, 2), 2)],
            1,
            [(date(2026, 6, 1), 1.0), (date(2026, 6, 2), 2.0), (date(2026, 6, 3), 3.0)],
        ),
        ([], 7, []),
    ],
)
def test_rolling_mean(values, window, expected):
    assert rolling_mean(values, window) == expected


def test_rolling_mean_refuses_empty_window():
    with pytest.raises(ValueError, match="at least 1"):
        rolling_mean([(date(2026, 6, 1), 1)], 0)


def test_effect_by_session_numbers_sessions_and_measures_change_from_baseline():
    scores = points((8, 20), (11, 15), (13, 10))
    effects = effect_by_session(scores, [day(14), day(10), day(12)])  # unsorted sessions
    assert effects == [
        SessionEffect(1, day(10), Point(day(8), 20), 0.0),
        SessionEffect(2, day(12), Point(day(11), 15), -25.0),
        SessionEffect(3, day(14), Point(day(13), 10), -50.0),
    ]


def test_effect_by_session_without_scores_or_sessions():
    assert effect_by_session([], SESSIONS) == [SessionEffect(n, s, None, None) for n, s in enumerate(SESSIONS, 1)]
    assert effect_by_session(points((8, 20)), []) == []
    # No score before the first session: the baseline is the first score, taken later.
    effects = effect_by_session(points((11, 18)), SESSIONS)
    assert [(e.number, e.score, e.change_pct) for e in effects] == [
        (1, None, None), (2, Point(day(11), 18), 0.0), (3, Point(day(11), 18), 0.0)]
    # A zero baseline has no percentage change.
    assert effect_by_session(points((9, 0), (11, 3)), SESSIONS)[1].change_pct is None


@pytest.mark.parametrize(("count", "n", "expected"), [(3, 10, 30.0), (0, 4, 0.0), (5, 5, 100.0), (0, 0, None)])
def test_rate(count, n, expected):
    assert rate(count, n) == expected


def test_week_start_and_per_week():
    assert week_start(date(2026, 6, 7)) == date(2026, 6, 1)  # Sunday -> Monday before
    assert week_start(date(2026, 6, 1)) == date(2026, 6, 1)
    counts = [(date(2026, 6, 2), 2), (date(2026, 6, 4), 1), (date(2026, 6, 16), 3), (date(2026, 7, 30), 9)]
    assert per_week(counts, date(2026, 6, 3), date(2026, 6, 17)) == [
        (date(2026, 6, 1), 3), (date(2026, 6, 8), 0), (date(2026, 6, 15), 3)]
