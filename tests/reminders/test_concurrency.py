"""Two `send-reminders` at once (two hosts): every patient gets each reminder exactly once.

Each sender runs in its own thread with its own app context (its own session and connection).
PostgreSQL: settings rows and reminders are claimed with FOR UPDATE SKIP LOCKED; SQLite has one
writer. Either way the unique (patient, kind, day) constraint is the last word.
"""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from katapp import reminder_sender as sender
from katapp.clock import local_today
from katapp.extensions import db
from katapp.models import Reminder

PATIENTS = 12


def test_two_senders_never_send_one_reminder_twice(app, make_user, make_assessment, reminders_on, subscribe,
                                                   push_service, local_at, monkeypatch, count_queries):
    patients = [make_user("patient", timezone="Europe/Berlin") for _ in range(PATIENTS)]
    phones = []
    for p in patients:
        make_assessment(p, "phq9")
        make_assessment(p, "gad7")
        reminders_on(p)
        phones.append(subscribe(p))
    now = local_at(patients[0], local_today(patients[0]), 19, 10)
    monkeypatch.setattr(sender, "BATCH", 2)  # many small claims, so the two senders interleave
    start, reports, errors = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context():
                start.wait(timeout=10)
                planned = sender.plan(now)
                reports.append((planned, sender.send_pending(now)))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with count_queries() as q:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors
    assert sum(planned for planned, _ in reports) == PATIENTS
    assert sum(report.pushed for _, report in reports) == PATIENTS
    assert [len(push_service.pushes_to(phone.path)) for phone in phones] == [1] * PATIENTS
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.sent_at.is_not(None))) == PATIENTS
    if db.engine.dialect.name == "postgresql":
        assert sum("FOR UPDATE SKIP LOCKED" in s for s in q.statements) >= 2  # settings and reminders claimed
