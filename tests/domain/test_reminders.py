"""Reminder decisions (issue #17): a table of settings, local time and history -> reminders."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from katapp.domain.reminders import Prefs, Reminder, Situation, decide, in_quiet_hours

NY = ZoneInfo("America/New_York")
ON = Prefs(enabled=True)


def at(hour: int, minute: int = 0, day: dt.date = dt.date(2026, 3, 10), zone=NY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def kinds(prefs: Prefs, situation: Situation) -> list[tuple[str, str | None]]:
    return [(r.kind, r.ref) for r in decide(prefs, situation)]


CASES = [
    # (case, prefs, situation, expected)
    ("off: nothing at all", Prefs(enabled=False), Situation(at(19), due={"phq9": 0}), []),
    ("check-in at the chosen time", ON, Situation(at(19)), [("checkin", None)]),
    ("not before the chosen time", ON, Situation(at(18, 59)), []),
    ("late run still reminds (before quiet hours)", ON, Situation(at(20, 45)), [("checkin", None)]),
    ("never on a day already logged", ON, Situation(at(19, 30), logged_today=True), []),
    ("once a day: already sent today", ON, Situation(at(19, 30), sent_today=frozenset({"checkin"})), []),
    ("quiet hours (default 21:00-08:00): evening", ON, Situation(at(21, 0)), []),
    ("quiet hours: just after midnight", ON, Situation(at(0, 30), due={"phq9": 0}), []),
    ("quiet hours: 07:59", Prefs(enabled=True, checkin_at=dt.time(7, 0)), Situation(at(7, 59)), []),
    ("quiet hours end at 08:00", Prefs(enabled=True, checkin_at=dt.time(7, 0)), Situation(at(8, 0)), [("checkin", None)]),
    ("kind turned off", Prefs(enabled=True, kinds=frozenset({"session"})), Situation(at(19)), []),
    ("due questionnaire on its day, at the check-in time", ON, Situation(at(19), logged_today=True, due={"phq9": 0}),
     [("questionnaire", "phq9")]),
    ("due questionnaire not before the check-in time", ON, Situation(at(12), due={"phq9": 0}), []),
    ("unanswered: reminded again (2nd day)", ON, Situation(at(19), logged_today=True, due={"phq9": 1}),
     [("questionnaire", "phq9")]),
    ("unanswered: third and last reminder", ON, Situation(at(19), logged_today=True, due={"gad7": 2}),
     [("questionnaire", "gad7")]),
    ("unanswered: no fourth reminder", ON, Situation(at(19), logged_today=True, due={"phq9": 3}), []),
    ("the next questionnaire still open gets the day's one", ON,
     Situation(at(19), logged_today=True, due={"phq9": 3, "gad7": 0}), [("questionnaire", "gad7")]),
    ("questionnaire reminded once a day", ON,
     Situation(at(20), logged_today=True, due={"phq9": 0}, sent_today=frozenset({"questionnaire"})), []),
    ("session: the evening before, from 18:00", ON, Situation(at(18), sessions_tomorrow=(7, 3)), [("session", "3")]),
    ("session: not in the afternoon before", ON, Situation(at(17, 59), sessions_tomorrow=(7,)), []),
    ("session: none tomorrow", ON, Situation(at(18, 30)), []),
    ("after a ketamine session: the day after, from 11:00", ON, Situation(at(11), ketamine_yesterday=(5,)),
     [("after_session", "5")]),
    ("after a ketamine session: not at 10:59", ON, Situation(at(10, 59), ketamine_yesterday=(5,)), []),
    ("every kind at once, in order", ON,
     Situation(at(19), due={"pcl5": 0}, sessions_tomorrow=(9,), ketamine_yesterday=(8,)),
     [("checkin", None), ("questionnaire", "pcl5"), ("session", "9"), ("after_session", "8")]),
    ("no quiet hours when start equals end", Prefs(enabled=True, quiet_start=dt.time(0), quiet_end=dt.time(0),
                                                    checkin_at=dt.time(23, 30)), Situation(at(23, 45)),
     [("checkin", None)]),
    ("daytime quiet hours (night-shift worker)", Prefs(enabled=True, quiet_start=dt.time(9), quiet_end=dt.time(17),
                                                       checkin_at=dt.time(18)), Situation(at(12), due={"phq9": 0}), []),
]


@pytest.mark.parametrize(("prefs", "situation", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decide(prefs, situation, expected):
    assert kinds(prefs, situation) == expected


@pytest.mark.parametrize(("moment", "start", "end", "quiet"), [
    (dt.time(21), dt.time(21), dt.time(8), True),
    (dt.time(20, 59), dt.time(21), dt.time(8), False),
    (dt.time(3), dt.time(21), dt.time(8), True),
    (dt.time(8), dt.time(21), dt.time(8), False),
    (dt.time(12), dt.time(9), dt.time(17), True),
    (dt.time(17), dt.time(9), dt.time(17), False),
    (dt.time(12), dt.time(6), dt.time(6), False),
])
def test_quiet_hours(moment, start, end, quiet):
    assert in_quiet_hours(moment, start, end) is quiet


def test_time_zones_decide_by_the_patients_own_clock():
    """One instant: 19:00 in New York is 01:00 in Berlin (quiet) and 16:00 in Los Angeles (too early)."""
    instant = at(19).astimezone(dt.UTC)
    assert kinds(ON, Situation(instant.astimezone(NY))) == [("checkin", None)]
    assert kinds(ON, Situation(instant.astimezone(ZoneInfo("Europe/Berlin")))) == []
    assert kinds(ON, Situation(instant.astimezone(ZoneInfo("America/Los_Angeles")))) == []


def test_spring_forward_day_a_time_that_does_not_exist_is_sent_after_the_gap():
    """2026-03-08 in New York: 02:00-03:00 does not exist. A 02:30 reminder (quiet hours off) goes at the
    first run from 03:00 local, never at 01:59."""
    prefs = Prefs(enabled=True, checkin_at=dt.time(2, 30), quiet_start=dt.time(0), quiet_end=dt.time(0))
    day = dt.date(2026, 3, 8)
    before_gap = dt.datetime(2026, 3, 8, 6, 59, tzinfo=dt.UTC).astimezone(NY)  # 01:59 EST
    after_gap = dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC).astimezone(NY)  # 03:00 EDT
    assert (before_gap.time(), after_gap.time(), after_gap.date()) == (dt.time(1, 59), dt.time(3, 0), day)
    assert kinds(prefs, Situation(before_gap)) == []
    assert kinds(prefs, Situation(after_gap)) == [("checkin", None)]


def test_fall_back_day_the_repeated_hour_sends_once():
    """2026-11-01 in New York: 01:00-02:00 happens twice. Sent at the first 01:30, not again at the second."""
    prefs = Prefs(enabled=True, checkin_at=dt.time(1, 30), quiet_start=dt.time(0), quiet_end=dt.time(0))
    first = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC).astimezone(NY)  # 01:30 EDT
    second = dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC).astimezone(NY)  # 01:30 EST
    assert first.time() == second.time() == dt.time(1, 30) and first.date() == second.date()
    assert kinds(prefs, Situation(first)) == [("checkin", None)]
    assert kinds(prefs, Situation(second, sent_today=frozenset({"checkin"}))) == []


def test_a_reminder_is_plain_data():
    assert decide(ON, Situation(at(19))) == [Reminder("checkin")]
