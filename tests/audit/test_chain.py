"""The tamper-evident audit chain: `flask audit-verify` catches an edited, a deleted and an inserted
row, written as an attacker with database access would (the append-only triggers dropped first)."""
import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from katapp.audit.chain import GENESIS, event_hash, trigger_statements, verify
from katapp.extensions import db
from katapp.models import AuditChainHead, AuditEvent
from katapp.security import audit


@pytest.fixture
def logged(app, admin, patient):
    """Five committed audit events (one transaction holds two)."""
    for n in range(3):
        audit("view:summary", actor=admin, patient_id=patient.id, detail=f"read {n}")
        db.session.commit()
    audit("sign_in", actor=patient)
    audit("sign_out", actor=patient)
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


@pytest.fixture
def attacker(app):
    """Runs raw SQL with the append-only triggers dropped (as someone with database access could)."""
    dialect = db.engine.dialect.name

    def run(sql: str, **params):
        for statement in trigger_statements(dialect, drop=True):
            db.session.execute(text(statement))
        db.session.execute(text(sql), params)
        for statement in trigger_statements(dialect):
            db.session.execute(text(statement))
        db.session.commit()

    return run


def _verify(runner):
    return runner.invoke(args=["audit-verify"])


def test_chain_links_each_event_to_the_previous(logged, runner):
    assert [e.seq for e in logged] == [1, 2, 3, 4, 5]
    assert logged[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(logged, logged[1:], strict=False))
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_seq, head.last_hash) == (5, logged[-1].hash)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact: 5 events" in result.output


def test_empty_log_verifies(app, runner):
    assert _verify(runner).exit_code == 0


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET detail = 'nothing' WHERE seq = 2",
                                       "DELETE FROM audit_events WHERE seq = 2"])
def test_database_refuses_update_and_delete(logged, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert verify(db.session).ok


def test_verify_names_an_altered_row(logged, attacker, runner):
    attacker("UPDATE audit_events SET patient_id = NULL WHERE seq = 2")
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"audit event id {logged[1].id} (seq 2)" in result.output
    assert "altered" in result.output


def test_verify_names_a_deleted_row(logged, attacker, runner):
    attacker("DELETE FROM audit_events WHERE seq = 3")
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"audit event id {logged[3].id} (seq 4): expected seq 3" in result.output


def test_verify_catches_a_deleted_tail(logged, attacker, runner):
    attacker("DELETE FROM audit_events WHERE seq = 5")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "the chain ends at seq 4 but its head says seq 5" in result.output


def test_verify_names_an_inserted_row(logged, attacker, runner):
    # Renumber the later events to make room, then insert a forged event with a well-formed hash.
    attacker("UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3")
    attacker("UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103")
    forged_at = logged[1].at
    digest = event_hash(3, forged_at, None, None, "sign_in", None, None, None, None, logged[1].hash)
    attacker("INSERT INTO audit_events (seq, at, action, prev_hash, hash) VALUES (3, :at, 'sign_in', :prev, :hash)",
             at=forged_at.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else forged_at,
             prev=logged[1].hash, hash=digest)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"audit event id {logged[2].id} (seq 4)" in result.output
    assert "prev_hash" in result.output or "altered" in result.output


def test_two_first_events_of_an_empty_log_both_get_a_seq(app, admin, runner):
    """A fresh or wiped log has no head row: while one writer's first event (and head) is uncommitted,
    a second writer waits for it instead of failing on the head's key (a 500 under a sign-in burst)."""
    errors = []

    def second_writer():
        try:
            with app.app_context():
                audit("sign_in", actor=admin, detail="second")
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    with Session(db.engine) as first:
        first.add(AuditEvent(actor_id=admin.id, action="sign_in", detail="first"))
        first.flush()  # creates the head row, uncommitted
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)  # the second writer is now waiting on the first one's head row
        first.commit()
    thread.join(timeout=30)
    assert not errors, errors
    db.session.rollback()
    assert [(e.seq, e.detail) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))] == [
        (1, "first"), (2, "second")]
    result = _verify(runner)
    assert result.exit_code == 0 and "intact: 2 events" in result.output, result.output
