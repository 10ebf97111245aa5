"""`flask send-alerts` sends through a real SMTP server; a failure is kept and retried, never lost;
a row is never sent twice; the email carries no health details."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from katapp import alerts as services
from katapp.alerts import enqueue_flag_alert, send_due
from katapp.clock import utcnow
from katapp.extensions import db
from katapp.models import OutboxEmail, SafetyFlag


def _flag_from_answers(patient, make_checkin, make_assessment) -> SafetyFlag:
    """A flag as the check-in flow raises it: a "yes", a note, a PHQ-9 with item 9 = 3 (total 23)."""
    make_checkin(patient, self_harm_thoughts=True, note="I keep thinking about the bridge")
    assessment = make_assessment(patient, "phq9", [3, 3, 3, 3, 3, 2, 2, 1, 3])
    flag = SafetyFlag(patient_id=patient.id, source="assessment", assessment_id=assessment.id,
                      reason="PHQ-9 item 9 answered 3 (nearly every day)")
    db.session.add(flag)
    assert enqueue_flag_alert(flag) is True
    db.session.commit()
    return flag


def _rows() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_email_arrives_with_no_health_details(runner, smtp_server, patient, clinician, make_checkin, make_assessment):
    _flag_from_answers(patient, make_checkin, make_assessment)
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 0, result.output
    assert "1 email(s) sent, 0 failed" in result.output
    assert smtp_server.recipients == [clinician.email]
    (_, message), = smtp_server.received
    text = message["Subject"] + "\n" + message.get_payload(decode=True).decode()
    assert "A patient on your caseload needs review: sign in to katapp https://katapp.test/" in text
    for detail in ("Pat Patient", patient.email, "23", "PHQ", "item 9", "bridge", "nearly every day", "yes"):
        assert detail.lower() not in text.lower(), detail
    row, = _rows()
    assert row.sent_at is not None and row.attempts == 0 and row.claim_token is None


def test_closed_port_keeps_the_row_for_retry(app, runner, closed_smtp_port, patient, clinician, make_checkin,
                                             make_assessment):
    _flag_from_answers(patient, make_checkin, make_assessment)
    before = utcnow()
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 1
    assert "0 email(s) sent, 1 failed" in result.output
    row, = _rows()
    assert row.sent_at is None and row.attempts == 1
    assert "refused" in row.last_error.lower() or "connect" in row.last_error.lower(), row.last_error
    assert row.send_after >= before + services.backoff(1) and row.claimed_until is None
    # Not due yet: a run at once does not try again.
    assert send_due() == services.SendReport(0, 0)
    assert _rows()[0].attempts == 1


def test_retried_row_is_sent_once_when_the_server_is_back(app, smtp_server, patient, clinician, make_checkin,
                                                          make_assessment):
    _flag_from_answers(patient, make_checkin, make_assessment)
    row, = _rows()
    row.attempts, row.last_error, row.send_after = 2, "ConnectionRefusedError", utcnow() + dt.timedelta(minutes=2)
    db.session.commit()
    assert send_due() == services.SendReport(0, 0)
    assert send_due(now=utcnow() + dt.timedelta(minutes=3)) == services.SendReport(1, 0)
    assert send_due(now=utcnow() + dt.timedelta(hours=3)) == services.SendReport(0, 0)
    assert smtp_server.recipients == [clinician.email]
    row, = _rows()
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None


def test_a_row_claimed_by_another_sender_waits_for_its_lease(app, smtp_server, patient, clinician, make_checkin,
                                                              make_assessment):
    _flag_from_answers(patient, make_checkin, make_assessment)
    row, = _rows()
    row.claimed_until, row.claim_token = utcnow() + dt.timedelta(minutes=5), "another-sender"
    db.session.commit()
    assert send_due() == services.SendReport(0, 0)
    # The other sender died: once its lease is over, the row is claimed again and sent.
    assert send_due(now=utcnow() + dt.timedelta(minutes=6)) == services.SendReport(1, 0)
    assert smtp_server.recipients == [clinician.email]


def test_backoff_grows_to_an_hour():
    assert [services.backoff(n) for n in (1, 2, 3, 7, 30)] == [
        dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4), dt.timedelta(hours=1),
        dt.timedelta(hours=1)]


def test_console_backend_prints_the_email(app, capsys, patient, clinician, make_checkin, make_assessment):
    from katapp.extensions import mail

    app.config["MAIL_BACKEND"] = "console"  # development without MAIL_SERVER
    mail.init_app(app)
    _flag_from_answers(patient, make_checkin, make_assessment)
    assert send_due() == services.SendReport(1, 0)
    printed = capsys.readouterr().out
    assert f"To: {clinician.email}" in printed and "needs review" in printed


def test_development_without_mail_server_uses_the_console(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("MAIL_SERVER", raising=False)
    assert importlib.reload(config).DevelopmentConfig.MAIL_BACKEND == "console"
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    reloaded = importlib.reload(config)
    assert (reloaded.DevelopmentConfig.MAIL_BACKEND, reloaded.Config.MAIL_SERVER, reloaded.Config.MAIL_PORT) == (
        "smtp", "smtp.example.org", 587)
    monkeypatch.undo()
    importlib.reload(config)
