"""The tamper-evident audit chain (issue #15).

Each audit event gets the next `seq`, the previous event's hash (`prev_hash`) and its own `hash`:
sha256 over its content and `prev_hash`. The chain is written in the flush that inserts the events
(so in the same transaction), after locking the one chain-head row with an UPDATE: on PostgreSQL a
second writer waits for the first to commit and then reads its head; SQLite has a single writer.
The table also refuses UPDATE and DELETE through database triggers (both dialects).

`verify()` walks the chain in `seq` order and names the first broken link: an edited row (its hash
no longer matches), a deleted row (a gap in `seq` or a `prev_hash` that is not its predecessor's
hash), an inserted row (a wrong hash or `prev_hash`), or a deleted tail (the head row disagrees).
Someone able to rewrite the whole table and the head row can recompute every hash: keeping a copy
of the head elsewhere (e.g. the nightly `audit-verify` output) is what detects that.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import DDL, bindparam, event, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from katapp.clock import utcnow
from katapp.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
TABLE = AuditEvent.__table__

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
)
_SQLITE_DROP = ("DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete")
_PG_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
)
_PG_DROP = ("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
            "DROP FUNCTION IF EXISTS audit_events_refuse_change()")


def trigger_statements(dialect: str, *, drop: bool = False) -> tuple[str, ...]:
    """The SQL that creates (or drops) the append-only triggers on `dialect` (migrations use it too)."""
    if dialect == "postgresql":
        return _PG_DROP if drop else _PG_TRIGGERS
    return _SQLITE_DROP if drop else _SQLITE_TRIGGERS


for _dialect in ("sqlite", "postgresql"):
    for _sql in trigger_statements(_dialect):
        event.listen(TABLE, "after_create", DDL(_sql).execute_if(dialect=_dialect))


# --- Hashing ------------------------------------------------------------------------------------------
def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(seq: int, at: dt.datetime, actor_id, patient_id, action, object_type, object_id, detail, ip,
               prev_hash: str) -> str:
    """sha256 (hex) over an event's content and the previous event's hash, as canonical JSON."""
    content = [seq, _stamp(at), actor_id, patient_id, action, object_type, object_id, detail, ip, prev_hash]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def _hash_of(e) -> str:
    return event_hash(e.seq, e.at, e.actor_id, e.patient_id, e.action, e.object_type, e.object_id, e.detail,
                      e.ip, e.prev_hash)


# --- Appending (in the flush that inserts the events) -------------------------------------------------
def _create_head_once(conn) -> None:
    """Insert the empty head unless a concurrent writer already has: ON CONFLICT DO NOTHING waits for
    that writer's transaction on PostgreSQL, so two first events of an empty log both get a seq."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(AuditChainHead).values(id=1, last_seq=0, last_hash=GENESIS)
                 .on_conflict_do_nothing(index_elements=["id"]))


# The head's two statements, built once (each write that audits runs both; issue #16 item 1).
_HEAD = AuditChainHead.__table__.c
_CLAIM = (update(AuditChainHead.__table__).where(_HEAD.id == 1).values(last_seq=_HEAD.last_seq + bindparam("count"))
          .returning(_HEAD.last_seq, _HEAD.last_hash))
_SET_HASH = update(AuditChainHead.__table__).where(_HEAD.id == 1).values(last_hash=bindparam("hash"))


def _claim_seqs(session: Session, count: int) -> tuple[int, str]:
    """Lock the head row and move it `count` on; returns (the last seq before, its hash)."""
    conn = session.connection()
    head = conn.execute(_CLAIM, {"count": count}).first()
    if head is None:  # an empty log (a fresh schema, a wipe): create the head, then claim as usual
        _create_head_once(conn)
        head = conn.execute(_CLAIM, {"count": count}).one()
    return head.last_seq - count, head.last_hash


@event.listens_for(Session, "before_flush")
def _chain_new_events(session: Session, _flush_context, _instances) -> None:
    events = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.hash is None]
    if not events:
        return
    for e in events:
        e.at = e.at or utcnow()
    events.sort(key=lambda e: e.at)
    seq, prev = _claim_seqs(session, len(events))
    for e in events:
        seq += 1
        e.seq, e.prev_hash = seq, prev
        e.hash = prev = _hash_of(e)
    session.connection().execute(_SET_HASH, {"hash": prev})


# --- Verifying ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    checked: int
    broken: str | None  # the first broken link, in words; None when the chain is whole

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(session: Session):
    """The events in seq order, streamed (a server-side cursor on PostgreSQL: close the result)."""
    columns = [TABLE.c[name] for name in ("id", "seq", "at", "actor_id", "patient_id", "action", "object_type",
                                          "object_id", "detail", "ip", "prev_hash", "hash")]
    return session.execute(select(*columns).order_by(TABLE.c.seq).execution_options(yield_per=1000))


def _first_break(rows: Iterator) -> tuple[int, str | None, int, str]:
    """Walk the rows; returns (rows checked, the first break or None, last seq, last hash)."""
    expected_seq, prev, checked = 1, GENESIS, 0
    for row in rows:
        where = f"audit event id {row.id} (seq {row.seq})"
        if row.seq != expected_seq:
            return checked, f"{where}: expected seq {expected_seq}; an event was deleted or inserted before it", 0, ""
        if row.prev_hash != prev:
            return checked, f"{where}: its prev_hash is not the previous event's hash (deleted or inserted)", 0, ""
        if _hash_of(row) != row.hash:
            return checked, f"{where}: its content does not match its hash (altered)", 0, ""
        expected_seq, prev, checked = expected_seq + 1, row.hash, checked + 1
    return checked, None, expected_seq - 1, prev


def verify(session: Session) -> Verdict:
    """Walk the whole chain and compare its end with the head row; never writes."""
    with _rows(session) as rows:
        checked, broken, last_seq, last_hash = _first_break(rows)
    if broken:
        return Verdict(checked, broken)
    head = session.get(AuditChainHead, 1)
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (last_seq, last_hash):
        return Verdict(checked, f"the chain ends at seq {last_seq} but its head says seq {head_seq}: "
                                "events at the end were deleted or the head was altered")
    return Verdict(checked, None)


# --- Wiping (demo --reset and the test suite only) ------------------------------------------------------
def clear_log(session: Session) -> None:
    """Delete every audit event and the head (the caller commits). Lifts the triggers for the delete."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("TRUNCATE audit_events, audit_chain_head"))
        return
    for sql in trigger_statements(dialect, drop=True):
        session.execute(text(sql))
    session.execute(text("DELETE FROM audit_events"))
    session.execute(text("DELETE FROM audit_chain_head"))
    for sql in trigger_statements(dialect):
        session.execute(text(sql))
