"""Every flag reaches a person: the care team, else the on-call clinicians; `enqueue_flag_alert` says
truthfully whether anybody was told, and writes its emails in the caller's transaction."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from katapp.alerts import enqueue_flag_alert, flag_recipients, open_flags_for_admin
from katapp.clock import utcnow
from katapp.extensions import db
from katapp.models import OutboxEmail, SafetyFlag, care_team


def _outbox_addresses() -> list[str]:
    return sorted(db.session.scalars(select(OutboxEmail.to_address)))


def _raise_and_commit(patient) -> tuple[SafetyFlag, bool]:
    flag = SafetyFlag(patient_id=patient.id, source="checkin", reason="Answered yes to the safety question")
    db.session.add(flag)
    told = enqueue_flag_alert(flag)
    db.session.commit()
    return flag, told


def test_care_team_is_told(patient, clinician, other_clinician, put_on_call, make_user):
    second = make_user("clinician")
    db.session.execute(care_team.insert().values(clinician_id=second.id, patient_id=patient.id))
    db.session.commit()
    put_on_call(other_clinician)
    assert [u.id for u in flag_recipients(patient)] == sorted([clinician.id, second.id])
    flag, told = _raise_and_commit(patient)
    assert told is True
    assert _outbox_addresses() == sorted([clinician.email, second.email])
    assert {row.flag_id for row in db.session.scalars(select(OutboxEmail))} == {flag.id}


def test_no_care_team_goes_to_on_call(make_user, other_clinician, put_on_call, admin):
    lonely = make_user("patient")
    put_on_call(other_clinician)
    assert flag_recipients(lonely) == [other_clinician]
    _, told = _raise_and_commit(lonely)
    assert told is True
    assert _outbox_addresses() == [other_clinician.email]  # admins see the open-flag list, not this email


def test_only_deactivated_clinicians_goes_to_on_call(patient, clinician, other_clinician, put_on_call):
    clinician.active = False
    db.session.commit()
    put_on_call(other_clinician)
    _, told = _raise_and_commit(patient)
    assert told is True
    assert _outbox_addresses() == [other_clinician.email]


def test_nobody_at_all_is_told_false_and_no_email(patient, clinician, make_user, put_on_call, admin):
    clinician.active = False
    off_duty = make_user("clinician", active=False)
    put_on_call(off_duty)  # on call, but deactivated
    assert flag_recipients(patient) == []
    _, told = _raise_and_commit(patient)
    assert told is False
    assert _outbox_addresses() == []


def test_enqueue_writes_in_callers_transaction(patient, clinician):
    flag = SafetyFlag(patient_id=patient.id, source="checkin", reason="yes")
    db.session.add(flag)
    assert enqueue_flag_alert(flag) is True
    db.session.rollback()  # the caller's check-in failed: no flag, no email
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert db.session.scalar(select(func.count()).select_from(SafetyFlag)) == 0


def test_open_flags_for_admin_ages_and_reach(patient, make_user, raise_flag, admin, clinician, other_clinician,
                                             put_on_call, count_queries):
    now = utcnow()
    lonely = make_user("patient", display_name="Lonely Patient")
    old = raise_flag(lonely, raised_at=now - dt.timedelta(days=7))
    new = raise_flag(patient, raised_at=now - dt.timedelta(hours=2))
    raise_flag(patient, raised_at=now - dt.timedelta(days=1), acknowledged_at=now, acknowledged_by_id=clinician.id,
              note="Called, safe")
    db.session.expire_all()
    with count_queries() as q:
        flags = open_flags_for_admin(now=now)
        names = [f.flag.patient.display_name for f in flags]
    assert [f.flag.id for f in flags] == [old.id, new.id]  # oldest first, acknowledged ones gone
    assert names == ["Lonely Patient", "Pat Patient"]
    assert [f.age for f in flags] == [dt.timedelta(days=7), dt.timedelta(hours=2)]
    assert [(f.has_care_team, f.reaches_nobody) for f in flags] == [(False, True), (True, False)]
    for _ in range(5):
        raise_flag(make_user("patient"), raised_at=now)
    put_on_call(other_clinician)
    db.session.expire_all()
    with count_queries() as q_more:
        flags = open_flags_for_admin(now=now)
        [f.flag.patient.display_name for f in flags]
    assert q_more.count == q.count  # the same number of queries for 2 flags or 7
    assert len(flags) == 7 and not any(f.reaches_nobody for f in flags)
