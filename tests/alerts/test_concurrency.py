"""Two `send-alerts` at once (two hosts) drain one outbox: every email arrives exactly once.

Each sender runs in its own thread with its own app context, so its own session and connection.
PostgreSQL: the claim takes rows with FOR UPDATE SKIP LOCKED; SQLite: the claim is one UPDATE under
its single write lock. Runs on whichever database the suite uses (both passes of .ci/run).
"""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from katapp import alerts as services
from katapp.extensions import db
from katapp.models import OutboxEmail

ROWS = 50


def test_two_senders_never_send_one_email_twice(app, smtp_server, monkeypatch, count_queries):
    db.session.add_all(OutboxEmail(to_address=f"clinician{i}@example.org", subject="katapp: a patient needs review",
                                   body="sign in", kind="flag") for i in range(ROWS))
    db.session.commit()
    monkeypatch.setattr(services, "BATCH", 3)  # many small claims, so the two senders interleave
    start, reports, errors = threading.Barrier(2), [], []

    def sender():
        try:
            with app.app_context():
                start.wait(timeout=10)
                reports.append(services.send_due())
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with count_queries() as q:
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors
    assert sum(r.sent for r in reports) == ROWS and sum(r.failed for r in reports) == 0
    assert sorted(smtp_server.recipients) == sorted(f"clinician{i}@example.org" for i in range(ROWS))
    assert db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None))) == 0
    if db.engine.dialect.name == "postgresql":
        assert any("FOR UPDATE SKIP LOCKED" in s for s in q.statements)
