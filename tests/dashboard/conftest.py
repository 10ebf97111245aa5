"""Histories for dashboard tests: completed ketamine sessions, PHQ-9/GAD-7, daily check-ins."""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest

from katapp.clock import local_day, utcnow
from katapp.domain.instruments import score
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, TherapySession, User

CHART = re.compile(r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', re.S)


def phq_answers(total: int) -> list[int]:
    """PHQ-9 answers summing to `total`, item 9 kept at 0 (no safety flag)."""
    answers = [0] * 9
    for i in range(total):
        answers[i % 8] += 1
    return answers


@pytest.fixture
def charts_in():
    """charts_in(html) -> the figures a page hands to charts.js, by element id."""

    def figures(html: str) -> dict[str, dict]:
        return {chart_id: json.loads(body) for chart_id, body in CHART.findall(html)}

    return figures


@pytest.fixture
def seed_history(app):
    """seed_history(patient, clinician, days=30, phq=[...], sessions=N, checkins=True) -> the ketamine session starts.

    `phq` are the PHQ-9 totals taken the day before each ketamine session (then one more after
    the last one); the first is the baseline. Sessions run every 2 days from `days` ago + 2.
    Check-ins: one a day (mood 5) for `days` days up to yesterday.
    """

    def seed(patient: User, clinician: User, *, days: int = 30, phq: list[int] | None = None,
             sessions: int | None = None, checkins: bool = True, gad: bool = True,
             booked: int = 0) -> list[dt.datetime]:
        phq = phq if phq is not None else [20, 16, 12, 9]
        sessions = sessions if sessions is not None else len(phq) - 1
        start = (utcnow() - dt.timedelta(days=days)).replace(hour=15, minute=0, second=0, microsecond=0)
        rows: list = []
        starts = [start + dt.timedelta(days=2 + 2 * i) for i in range(sessions)]
        for at in starts:
            rows.append(TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind="ketamine",
                                       status="completed", starts_at=at, ends_at=at + dt.timedelta(minutes=90),
                                       dose_mg=35.0, route="iv", completed_at=at + dt.timedelta(minutes=90)))
        for i in range(booked):
            at = utcnow().replace(microsecond=0) + dt.timedelta(days=2 + i)
            rows.append(TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind="ketamine",
                                       status="scheduled", starts_at=at, ends_at=at + dt.timedelta(minutes=90)))
        taken = [at - dt.timedelta(days=1) for at in starts]
        taken = (taken + [starts[-1] + dt.timedelta(days=1)] if starts else [start])[: len(phq)]
        for at, total in zip(taken, phq, strict=False):
            rows.append(_assessment(patient, "phq9", phq_answers(total), at))
            if gad:
                rows.append(_assessment(patient, "gad7", [1] * 7, at))
        if checkins:
            for i in range(days):
                at = start + dt.timedelta(days=i, hours=2)
                if at < utcnow() - dt.timedelta(hours=1):
                    rows.append(CheckIn(patient_id=patient.id, client_id=str(uuid.uuid4()), recorded_at=at,
                                        local_date=local_day(patient, at), mood=5))
        db.session.add_all(rows)
        db.session.commit()
        return starts

    return seed


def _assessment(patient: User, instrument: str, answers: list[int], at: dt.datetime) -> Assessment:
    result = score(instrument, answers)
    return Assessment(patient_id=patient.id, client_id=str(uuid.uuid4()), instrument=instrument, answers=answers,
                      total=result.total, severity=result.severity, flags=list(result.flags), recorded_at=at,
                      local_date=local_day(patient, at))


@pytest.fixture
def build(app, make_user, clinician, make_flag, make_screening):
    """build(name, phq=[(days_ago, total)], ketamine=[days_ago], booked=[days_ahead], gad7=total, pcl5=total,
    flag=False, contraindication=False, indication=None) -> a patient on `clinician`'s caseload.

    Days are fractions of days before (or, for `booked`, after) now, so a hand-built history reads like the
    issue's timelines: sessions 70 .. 60 days ago, a PHQ-9 of 23 the day before the first, and so on.
    GAD-7 and PCL-5 are taken 3 days ago.
    """

    def make(name: str, *, phq=(), ketamine=(), booked=(), gad7: int | None = None, pcl5: int | None = None,
             flag: bool = False, contraindication: bool = False, indication: str | None = None) -> User:
        person = make_user("patient", clinician=clinician, display_name=name, indication=indication)
        now = utcnow().replace(microsecond=0)
        rows: list = [_assessment(person, "phq9", phq_answers(total), now - dt.timedelta(days=ago))
                      for ago, total in phq]
        for ago in ketamine:
            at = now - dt.timedelta(days=ago)
            rows.append(TherapySession(patient_id=person.id, clinician_id=clinician.id, kind="ketamine",
                                       status="completed", starts_at=at, ends_at=at + dt.timedelta(minutes=90),
                                       dose_mg=35.0, route="iv", completed_at=at + dt.timedelta(minutes=90)))
        for ahead in booked:
            at = now + dt.timedelta(days=ahead)
            rows.append(TherapySession(patient_id=person.id, clinician_id=clinician.id, kind="ketamine",
                                       status="scheduled", starts_at=at, ends_at=at + dt.timedelta(minutes=90)))
        if gad7 is not None:
            rows.append(_assessment(person, "gad7", _spread(gad7, 7, 3), now - dt.timedelta(days=3)))
        if pcl5 is not None:
            rows.append(_assessment(person, "pcl5", _spread(pcl5, 20, 4), now - dt.timedelta(days=3)))
        db.session.add_all(rows)
        db.session.commit()
        if flag:
            make_flag(person)
        if contraindication:
            make_screening(person, cystitis=True)
        return person

    return make


def _spread(total: int, items: int, top: int) -> list[int]:
    """`items` answers of at most `top` summing to `total`."""
    answers = [0] * items
    for i in range(total):
        answers[i % items] += 1
    assert max(answers) <= top
    return answers

