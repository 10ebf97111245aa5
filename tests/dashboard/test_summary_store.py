"""The stored caseload summaries (patient_summaries, issue #16 item 2): after any sequence of writes,
every stored row equals a fresh computation; `flask rebuild-summaries` repairs a corrupted row."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import func, select

from katapp import clock, flag_review
from katapp.admin import services as admin_services
from katapp.checkins import services as checkin_services
from katapp.clinic import clinic_settings
from katapp.clock import utcnow
from katapp.dashboard import services, store
from katapp.domain.vocabulary import CONDITION_KEYS
from katapp.extensions import db
from katapp.models import CheckIn, PatientSummaryRow, SafetyFlag, Screening, TherapySession, User, care_team

PHQ_MAX = [3, 3, 3, 3, 3, 3, 3, 3, 0]  # item 9 stays 0: no safety flag from the questionnaire


def _stored_row(patient_id: int) -> PatientSummaryRow | None:
    db.session.expire_all()
    return db.session.get(PatientSummaryRow, patient_id)


def assert_every_row_fresh(patients: list[User]) -> None:
    """Each patient's stored row, column for column and as a summary, is what a fresh computation gives."""
    db.session.expire_all()
    now, settings = utcnow(), clinic_settings()
    ids = [p.id for p in patients]
    fresh = {s.patient.id: s for s in services.summaries(select(User).where(User.id.in_(ids)))}
    rows = {r.patient_id: r for r in db.session.scalars(select(PatientSummaryRow).where(PatientSummaryRow.patient_id.in_(ids)))}
    assert set(rows) == set(ids)
    for pid in ids:
        expected, row = store._row(fresh[pid], now), rows[pid]
        got = {key: getattr(row, key) for key in expected if key != "computed_at"}
        assert got == {k: v for k, v in expected.items() if k != "computed_at"}, pid
        assert store.summary_of(fresh[pid].patient, row, settings, now) == fresh[pid], pid


class Writer:
    """One random write a clinic makes, through the same code paths the app uses."""

    def __init__(self, rng, patients, clinicians, factories):
        self.rng, self.patients, self.clinicians, self.f = rng, patients, clinicians, factories

    def when(self, days: int = 40) -> dt.datetime:
        return (utcnow() - dt.timedelta(days=self.rng.uniform(0, days))).replace(microsecond=0)

    def checkin(self, p):
        """As the app stores one (a Core INSERT that tells the summary itself); now and then a "yes"."""
        checkin_services.record_checkin(p, {"recorded_at": self.when().isoformat(), "mood": self.rng.randint(0, 10),
                                            "self_harm_thoughts": self.rng.random() < 0.1})

    def delete_checkin(self, p):
        row = db.session.scalars(select(CheckIn).where(CheckIn.patient_id == p.id)).first()
        if row:
            checkin_services.delete_checkin(p, row)

    def assessment(self, p):
        instrument = self.rng.choice(["phq9", "phq9", "phq9", "gad7", "pcl5"])
        count = {"phq9": 9, "gad7": 7, "pcl5": 20}[instrument]
        top = PHQ_MAX if instrument == "phq9" else [3 if instrument == "gad7" else 4] * count
        self.f["assessment"](p, instrument, [self.rng.randint(0, t) for t in top], recorded_at=self.when())

    def book(self, p):
        start = (utcnow() + dt.timedelta(days=self.rng.uniform(-30, 20))).replace(microsecond=0)
        self.f["session"](p, self.rng.choice(self.clinicians), kind=self.rng.choice(["ketamine", "ketamine", "integration"]),
                          starts_at=start)

    def _session(self, p):
        return self.rng.choice(db.session.scalars(select(TherapySession).where(TherapySession.patient_id == p.id))
                               .all() or [None])

    def move(self, p):
        s = self._session(p)
        if s:
            s.starts_at = s.starts_at + dt.timedelta(days=self.rng.randint(-5, 5))
            s.ends_at = s.starts_at + dt.timedelta(minutes=90)
            db.session.commit()

    def complete(self, p):
        s = self._session(p)
        if s and s.starts_at < utcnow():
            s.status, s.completed_at = "completed", s.starts_at + dt.timedelta(minutes=90)
            db.session.commit()

    def cancel(self, p):
        s = self._session(p)
        if s:
            s.status = self.rng.choice(["cancelled", "no_show"])
            db.session.commit()

    def flag(self, p):
        self.f["flag"](p)

    def acknowledge(self, p):
        ids = db.session.scalars(select(SafetyFlag.id).where(SafetyFlag.patient_id == p.id,
                                                             SafetyFlag.acknowledged_at.is_(None))).all()
        team = db.session.scalars(select(care_team.c.clinician_id).where(care_team.c.patient_id == p.id)).all()
        if ids and team:
            flag_review.acknowledge(db.session.get(User, team[0]), p.id, ids[:1], "Called the patient; safe.")

    def screening(self, p):
        self.f["screening"](p, **{self.rng.choice(CONDITION_KEYS): self.rng.random() < 0.5})

    def clear(self, p):
        s = db.session.scalars(select(Screening).where(Screening.patient_id == p.id, Screening.cleared_at.is_(None))).first()
        if s:
            s.cleared_at, s.cleared_by_id, s.clear_note = utcnow(), self.clinicians[0].id, "Discussed with the GP."
            db.session.commit()

    def care_team(self, p):
        admin_services.set_care_team(p, [c.id for c in self.rng.sample(self.clinicians, self.rng.randint(1, 2))])
        db.session.commit()

    def time_zone(self, p):
        p.timezone = self.rng.choice(["America/New_York", "Asia/Tokyo", "Pacific/Auckland", "Europe/Lisbon"])
        db.session.commit()

    def delete_session(self, p):
        s = self._session(p)
        if s and s.status != "completed":
            db.session.delete(s)
            db.session.commit()

    def run(self, steps: int) -> list[str]:
        """`steps` random writes; after each, every stored row is checked against a fresh computation."""
        names = ["checkin", "delete_checkin", "assessment", "assessment", "book", "book", "move", "complete",
                 "complete", "cancel", "flag", "acknowledge", "screening", "clear", "care_team", "time_zone",
                 "delete_session"]
        done = []
        for _ in range(steps):
            name, p = self.rng.choice(names), self.rng.choice(self.patients)
            getattr(self, name)(p)
            done.append(name)
            assert_every_row_fresh(self.patients)  # after every committed write
        return done


@pytest.fixture
def writer(make_user, make_checkin, make_assessment, make_session, make_flag, make_screening, admin):
    def build(seed: int) -> Writer:
        clinicians = [make_user("clinician"), make_user("clinician")]
        patients = [make_user("patient", clinician=clinicians[i % 2]) for i in range(3)]
        factories = {"checkin": make_checkin, "assessment": make_assessment, "session": make_session,
                     "flag": make_flag, "screening": make_screening}
        return Writer(random.Random(seed), patients, clinicians, factories)

    return build


def test_a_new_patient_has_a_row_at_once(make_user, clinician):
    p = make_user("patient", clinician=clinician)
    row = _stored_row(p.id)
    assert row is not None and row.state == "not_started" and row.open_flags == 0 and row.last_checkin is None


@pytest.mark.parametrize("seed", range(6))
def test_after_random_writes_every_row_equals_a_fresh_computation(writer, seed):
    done = writer(seed).run(40)
    assert len(set(done)) >= 10  # the sequence mixes most kinds of write


def test_each_kind_of_write_updates_the_row(make_user, clinician, make_checkin, make_assessment, make_flag,
                                            make_session, make_screening):
    p = make_user("patient", clinician=clinician)
    make_checkin(p)
    assert _stored_row(p.id).last_checkin is not None
    make_assessment(p, "phq9", [2] * 8 + [0])
    assert _stored_row(p.id).phq9_latest == 16
    flag = make_flag(p)
    assert _stored_row(p.id).open_flags == 1 and _stored_row(p.id).need_flag == 0
    flag_review.acknowledge(clinician, p.id, [flag.id], "Spoke with them.")
    assert _stored_row(p.id).open_flags == 0
    booked = make_session(p, clinician, starts_at=(utcnow() + dt.timedelta(days=3)).replace(microsecond=0))
    assert _stored_row(p.id).next_session == booked.starts_at
    assert _stored_row(p.id).refresh_at == booked.starts_at  # the booking passing changes the summary
    make_screening(p, pregnancy=True)
    assert _stored_row(p.id).detail["contraindication"] is True


def test_a_write_that_rolls_back_leaves_the_row_alone(make_user, clinician, make_checkin):
    p = make_user("patient", clinician=clinician)
    before = _stored_row(p.id).last_checkin
    db.session.add(CheckIn(patient_id=p.id, client_id="x" * 36, recorded_at=utcnow(), local_date=utcnow().date(), mood=4))
    db.session.flush()
    db.session.rollback()
    make_user("clinician")  # a later, unrelated commit
    assert _stored_row(p.id).last_checkin == before


def test_rebuild_summaries_repairs_a_corrupted_row(runner, make_user, clinician, seed_history):
    p = make_user("patient", clinician=clinician)
    seed_history(p, clinician, days=20, phq=[20, 15, 9], sessions=2)
    other = make_user("patient", clinician=clinician)
    row = _stored_row(p.id)
    row.open_flags, row.state, row.need_flag = 7, "remission", 0
    db.session.delete(_stored_row(other.id))
    db.session.commit()
    result = runner.invoke(args=["rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 2 patient summaries" in result.output
    assert_every_row_fresh([p, other])


def test_a_booked_session_that_passes_is_recomputed_when_read(make_user, clinician, make_session, login_as):
    p = make_user("patient", clinician=clinician)
    s = make_session(p, clinician, starts_at=(utcnow() + dt.timedelta(days=2)).replace(microsecond=0))
    row = _stored_row(p.id)
    row.refresh_at = utcnow() - dt.timedelta(minutes=1)  # as if its start had passed
    s.starts_at = utcnow() - dt.timedelta(hours=1)  # the data moved without a flush seeing it
    db.session.commit()
    db.session.execute(PatientSummaryRow.__table__.update().values(next_session=s.starts_at + dt.timedelta(days=3),
                                                                    refresh_at=utcnow() - dt.timedelta(minutes=1)))
    db.session.commit()
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    assert "next " not in html  # nothing booked ahead any more
    assert _stored_row(p.id).next_session is None


def test_a_series_length_change_refreshes_every_row_on_the_next_read(set_clinic, make_user, clinician, seed_history,
                                                                      login_as):
    p = make_user("patient", clinician=clinician)
    seed_history(p, clinician, days=10, phq=[20, 18, 17, 16], sessions=4, booked=0)
    set_clinic(series_length=4)
    assert _stored_row(p.id).refresh_at <= utcnow()
    login_as(clinician).get("/caseload")
    assert_every_row_fresh([p])


def test_inactive_starts_at_the_patients_local_midnight(make_user, clinician, make_checkin):
    p = make_user("patient", clinician=clinician, timezone="Asia/Tokyo")
    make_checkin(p)
    row = _stored_row(p.id)
    assert row.inactive_from.astimezone(dt.timezone(dt.timedelta(hours=9))).time() == dt.time(0)
    assert (row.inactive_from.astimezone(dt.timezone(dt.timedelta(hours=9))).date() - row.last_checkin).days == 3


def test_demo_data_leaves_every_patients_summary_stored_and_fresh(runner):
    result = runner.invoke(args=["demo-data", "--patients", "4", "--days", "30"])
    assert result.exit_code == 0, result.output
    patients = db.session.scalars(select(User).where(User.role == "patient")).all()
    assert len(patients) == 4
    assert_every_row_fresh(patients)


def _checkin_days_counted_from_the_checkins(today: dt.date) -> int:
    """The overview's check-in days the direct way: distinct (patient, day) pairs in the 30-day window."""
    since = today - dt.timedelta(days=services.ADHERENCE_DAYS - 1)
    return db.session.scalar(select(func.count()).select_from(
        select(CheckIn.patient_id, CheckIn.local_date).where(CheckIn.local_date >= since, CheckIn.local_date <= today)
        .distinct().subquery()))


@pytest.mark.parametrize("seed", range(3))
def test_the_overview_counts_the_checkin_days_the_checkins_hold(writer, admin, seed):
    """Check-ins on any of the last 40 days in any order (a later day shifts the stored bits, an earlier
    one sets its bit, one 32+ days on starts them again), deletions and time-zone moves: after each,
    the overview's count from the stored bits is the count from the check-ins themselves."""
    w = writer(seed)
    for _ in range(30):
        p = w.rng.choice(w.patients)
        w.rng.choice([w.checkin, w.checkin, w.checkin, w.checkin, w.delete_checkin, w.time_zone])(p)
        today = clock.local_today(clinic_settings())
        assert services.overview(admin).checkin_days == _checkin_days_counted_from_the_checkins(today)



def test_several_checkin_days_in_one_transaction_each_count(make_user, clinician, admin):
    """A transaction that stores check-ins of several days (an import, a batch) sets each day's bit,
    not only the latest's: the row equals a fresh computation and the overview counts every day."""
    p = make_user("patient", clinician=clinician)
    now = utcnow().replace(microsecond=0)
    for i, days_ago in enumerate((1, 3, 2)):
        at = now - dt.timedelta(days=days_ago)
        db.session.add(CheckIn(patient_id=p.id, client_id=f"{i}" * 36, recorded_at=at,
                               local_date=clock.local_day(p, at), mood=5))
    db.session.commit()
    assert_every_row_fresh([p])
    today = clock.local_today(clinic_settings())
    assert services.overview(admin).checkin_days == _checkin_days_counted_from_the_checkins(today) == 3
