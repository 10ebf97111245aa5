"""The clinic overview counts in SQL (issue #16 item 2): GROUP BY / CASE sums over the stored summaries,
the same statements at any clinic size, and the same figures the Python computation over every
patient's outcome gives (`outcomes.clinic_outcomes`, grouped by indication; patient-days from each
patient's join day), on random clinics."""
from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from katapp import clock
from katapp.clinic import clinic_settings
from katapp.dashboard import services, store
from katapp.domain import outcomes
from katapp.domain.outcomes import Outcome
from katapp.domain.vocabulary import INDICATIONS
from katapp.extensions import db
from katapp.models import PatientSummaryRow, User

STATES = ("not_started", "no_baseline", "in_series", "not_assessed", "no_response", "partial", "response",
          "remission", "relapse")
TODAY = dt.date(2026, 6, 15)
DAYS = st.integers(min_value=-90, max_value=5).map(lambda n: TODAY + dt.timedelta(days=n))


@st.composite
def an_outcome(draw) -> Outcome:
    """Any combination of the fields the overview's rules read (not only clinically coherent ones)."""
    post = draw(st.none() | st.integers(min_value=0, max_value=27).map(float))
    series_end = draw(st.none() | DAYS)
    return Outcome(
        state=draw(st.sampled_from(STATES)), explanation="",
        baseline=draw(st.none() | st.integers(min_value=0, max_value=27).map(float)),
        post_series=post, post_series_date=TODAY if post is not None else None,
        response=draw(st.booleans()) if post is not None else None,
        remission=draw(st.booleans()) if post is not None else None,
        relapse_date=draw(st.none() | DAYS) if series_end else None,
        series_sessions=draw(st.integers(min_value=0, max_value=8)),
        series_end=series_end, series_ended=draw(st.booleans()),
    )


PATIENT = st.tuples(
    an_outcome(),
    st.sampled_from([None, *[i.key for i in INDICATIONS]]),
    st.sampled_from(["UTC", "America/New_York", "Pacific/Auckland"]),
    st.integers(min_value=-60, max_value=2),  # account made this many days from TODAY
    st.none() | st.integers(min_value=-120, max_value=0),  # first check-in
)


def _store(make_user, outcome: Outcome, indication, zone: str, made: int, first: int | None) -> User:
    """A patient whose stored summary row holds `outcome` (written as store.refresh writes rows)."""
    created = dt.datetime.combine(TODAY + dt.timedelta(days=made), dt.time(12), tzinfo=dt.UTC)
    patient = make_user("patient", indication=indication, timezone=zone, created_at=created)
    summary = services.PatientSummary(
        patient=patient, outcome=outcome, baseline=None, latest=None, gad7=None, pcl5=None, pcl5_cutpoint=33,
        next_session=None, last_checkin=None, days_since_checkin=None, open_flags=0, contraindication=False,
        first_checkin=None if first is None else TODAY + dt.timedelta(days=first))
    row = store._row(summary, clock.utcnow())
    db.session.execute(store._upsert(), [{**row, "refresh_at": None}])
    db.session.commit()
    return patient


def _python_overview(patients: list[tuple[User, Outcome, int | None]], today: dt.date):
    """What the overview computed in Python before (issue #16): every outcome, by indication, patient-days."""
    by = []
    for key, title in [(i.key, i.title) for i in INDICATIONS] + [(None, "Not recorded")]:
        members = [o for p, o, _ in patients if p.indication == key]
        if members:
            by.append(services.OutcomeGroup(key, title, len(members), outcomes.clinic_outcomes(members)))
    since, patient_days = today - dt.timedelta(days=services.ADHERENCE_DAYS - 1), 0
    for p, _, first in patients:
        joined = clock.local_day(p, p.created_at)
        if first is not None:
            joined = min(joined, TODAY + dt.timedelta(days=first))
        patient_days += max(0, (today - max(since, joined)).days + 1)
    return outcomes.clinic_outcomes([o for _, o, _ in patients]), by, patient_days


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PATIENT, max_size=12))
def test_the_sql_overview_equals_the_python_computation(app, make_user, admin, monkeypatch, drawn):
    db.session.execute(delete(PatientSummaryRow))
    db.session.execute(delete(User).where(User.role == "patient"))
    db.session.commit()
    now = dt.datetime.combine(TODAY, dt.time(15), tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "utcnow", lambda: now)
    patients = [(_store(make_user, o, ind, zone, made, first), o, first) for o, ind, zone, made, first in drawn]
    got = services.overview(admin)
    expected, by_indication, patient_days = _python_overview(patients, clock.local_today(clinic_settings()))
    assert got.patients == len(patients)
    assert got.outcomes == expected
    assert got.by_indication == by_indication
    assert got.patient_days == patient_days


def test_the_overview_reads_counts_not_rows(login_as, admin, make_user, count_queries):
    """The same statements at 1 and 40 patients, none of which loads a stored summary's detail."""
    client, seen = login_as(admin), []
    for size in (1, 40):
        while len(seen) < size:
            seen.append(_store(make_user, Outcome(state="relapse", explanation="", baseline=20.0, post_series=8.0,
                                                  response=True, remission=False, series_sessions=6, series_ended=True,
                                                  series_end=TODAY, relapse_date=TODAY + dt.timedelta(days=len(seen))),
                               "depression" if len(seen) % 2 else None, "UTC", -10, None))
        client.get("/clinic")
        with count_queries() as q:
            page = client.get("/clinic")
        assert page.status_code == 200
        assert not [s for s in q.statements if "patient_summaries.detail" in s]
        if size == 1:
            first = q.count
    assert q.count == first
    text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
    assert "n = 40" in text and "Relapsed 40" in text
