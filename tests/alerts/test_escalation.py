"""A flag left open past the clinic's escalation_hours goes to the on-call clinicians and the admins,
once, and not before."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from katapp.alerts import ESCALATION_SUBJECT, escalate_overdue
from katapp.clock import utcnow
from katapp.extensions import db
from katapp.models import ClinicSettings, OutboxEmail


def _escalations() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "escalation"))
    return sorted((row.flag_id, row.to_address) for row in rows)


def test_escalation_after_the_delay_once(runner, smtp_server, patient, clinician, other_clinician, admin, make_user,
                                         put_on_call, raise_flag):
    make_user("admin", active=False)  # deactivated admins are not written to
    put_on_call(other_clinician)
    now = utcnow()
    overdue = raise_flag(patient, raised_at=now - dt.timedelta(hours=4, minutes=1))
    raise_flag(patient, raised_at=now - dt.timedelta(hours=3, minutes=59))  # not yet
    raise_flag(patient, raised_at=now - dt.timedelta(days=2), acknowledged_at=now, acknowledged_by_id=clinician.id,
               note="Called; safe")  # acknowledged: never escalated
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 0, result.output
    assert "1 flag(s) escalated, 2 email(s) sent" in result.output
    assert _escalations() == sorted([(overdue.id, other_clinician.email), (overdue.id, admin.email)])
    assert sorted(smtp_server.recipients) == sorted([other_clinician.email, admin.email])
    assert {m["Subject"] for _, m in smtp_server.received} == {ESCALATION_SUBJECT}
    db.session.refresh(overdue)
    assert overdue.escalated_at is not None
    # Run again: nothing new, nothing sent twice.
    assert runner.invoke(args=["send-alerts"]).output.startswith("0 flag(s) escalated, 0 email(s) sent")
    assert len(smtp_server.received) == 2


def test_escalation_follows_the_clinic_setting(set_clinic, patient, clinician, admin, raise_flag):
    set_clinic(escalation_hours=1)
    now = utcnow()
    flag = raise_flag(patient, raised_at=now - dt.timedelta(minutes=61))
    assert escalate_overdue(now=now - dt.timedelta(minutes=2)) == 0  # 59 minutes old then
    assert escalate_overdue(now=now) == 1
    assert escalate_overdue(now=now + dt.timedelta(hours=5)) == 0
    assert _escalations() == [(flag.id, admin.email)]


def test_defaults_are_four_hours_and_the_us():
    defaults = ClinicSettings.defaults()
    assert (defaults["escalation_hours"], defaults["country"]) == (4, "US")
