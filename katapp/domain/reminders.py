"""Which reminders a patient gets now: a pure function of their settings, local time and history.

Kinds (issue #17 item 1):
- `checkin`: the daily check-in, at the patient's chosen local time, never on a day already logged.
- `questionnaire`: a due questionnaire, once on the day it becomes due; unanswered, once a day again,
  at most three reminders for one due questionnaire (Osmind's pattern), at the check-in time.
- `session`: the evening before a booked session (from 18:00 local), with its preparation notes.
- `after_session`: "share how it went", the day after a ketamine session (from 11:00 local).

At most one reminder a day of each kind (the `reminders` table's unique constraint says so too), none
in the patient's quiet hours (default 21:00-08:00 local), all in the patient's own zone: the caller
passes an aware local datetime, so daylight-saving days need nothing special here (a 02:30 reminder on
a spring-forward day goes at the first run after 03:00; on a fall-back day the once-a-day rule keeps
the repeated hour from sending twice).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

KINDS = ("checkin", "questionnaire", "session", "after_session")
KIND_LABELS = {
    "checkin": "Daily check-in",
    "questionnaire": "Questionnaires when they are due",
    "session": "The evening before a session, with how to prepare",
    "after_session": "The day after a ketamine session: share how it went",
}
DEFAULT_CHECKIN_AT = dt.time(19, 0)
DEFAULT_QUIET_START = dt.time(21, 0)
DEFAULT_QUIET_END = dt.time(8, 0)
SESSION_EVENING_AT = dt.time(18, 0)  # the evening before a session
AFTER_SESSION_AT = dt.time(11, 0)  # the day after a ketamine session
QUESTIONNAIRE_MAX_REMINDERS = 3  # once a day for at most three days


@dataclass(frozen=True)
class Prefs:
    """A patient's reminder settings."""

    enabled: bool = False
    checkin_at: dt.time = DEFAULT_CHECKIN_AT
    kinds: frozenset[str] = frozenset(KINDS)
    quiet_start: dt.time = DEFAULT_QUIET_START
    quiet_end: dt.time = DEFAULT_QUIET_END


@dataclass(frozen=True)
class Situation:
    """What is true for the patient now.

    `now` is aware, in the patient's zone. `due` maps each due questionnaire to the number of
    reminders already sent for it since it was last answered. `sessions_tomorrow` holds the ids of
    booked sessions on the next local day, `ketamine_yesterday` the ids of ketamine sessions (not
    cancelled, not missed) on the previous local day. `sent_today` the kinds already sent today.
    """

    now: dt.datetime
    logged_today: bool = False
    due: dict[str, int] = field(default_factory=dict)
    sessions_tomorrow: tuple[int, ...] = ()
    ketamine_yesterday: tuple[int, ...] = ()
    sent_today: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reminder:
    kind: str
    ref: str | None = None  # the questionnaire key or the session id


def in_quiet_hours(moment: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether a local time of day falls in quiet hours [start, end), which may wrap past midnight.
    Equal start and end mean no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def decide(prefs: Prefs, now: Situation) -> list[Reminder]:
    """The reminders to send at `now.now`, in KINDS order (empty when off or in quiet hours)."""
    if not prefs.enabled:
        return []
    clock = now.now.time().replace(tzinfo=None)
    if in_quiet_hours(clock, prefs.quiet_start, prefs.quiet_end):
        return []
    wanted = [kind for kind in KINDS if kind in prefs.kinds and kind not in now.sent_today]
    out: list[Reminder] = []
    for kind in wanted:
        reminder = _RULES[kind](prefs, now, clock)
        if reminder is not None:
            out.append(reminder)
    return out


def _checkin(prefs: Prefs, now: Situation, clock: dt.time) -> Reminder | None:
    return Reminder("checkin") if clock >= prefs.checkin_at and not now.logged_today else None


def _questionnaire(prefs: Prefs, now: Situation, clock: dt.time) -> Reminder | None:
    if clock < prefs.checkin_at:
        return None
    open_ = [key for key, sent in now.due.items() if sent < QUESTIONNAIRE_MAX_REMINDERS]
    return Reminder("questionnaire", open_[0]) if open_ else None


def _session(prefs: Prefs, now: Situation, clock: dt.time) -> Reminder | None:
    if clock < SESSION_EVENING_AT or not now.sessions_tomorrow:
        return None
    return Reminder("session", str(min(now.sessions_tomorrow)))


def _after_session(prefs: Prefs, now: Situation, clock: dt.time) -> Reminder | None:
    if clock < AFTER_SESSION_AT or not now.ketamine_yesterday:
        return None
    return Reminder("after_session", str(max(now.ketamine_yesterday)))


_RULES = {"checkin": _checkin, "questionnaire": _questionnaire, "session": _session, "after_session": _after_session}
