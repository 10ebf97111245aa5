"""The patient's own export (issue #17 item 5): everything katapp holds about them, as a ZIP of CSV
files, one JSON file with the same records typed (numbers, true/false, lists) and a README.txt that
explains each file and column.

Streamed: each table is one query read in batches (`yield_per`, a server-side cursor on PostgreSQL)
and written through the ZIP as it arrives; the JSON copy goes to a spooled temporary file (memory up
to SPOOL_BYTES, then disk) and is added last. So memory stays bounded however long the history, and
the number of queries is fixed (one per table).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased

from katapp import csvcells
from katapp.clock import utcnow, zone_of
from katapp.domain.disclosures import describe
from katapp.domain.instruments import INSTRUMENTS
from katapp.domain.vocabulary import CONDITION_KEYS
from katapp.extensions import db
from katapp.models import (
    AdverseEvent,
    Assessment,
    AuditEvent,
    CheckIn,
    JournalEntry,
    SafetyFlag,
    Screening,
    TherapySession,
    User,
    VitalReading,
    care_team,
)

BATCH = 500
SPOOL_BYTES = 4 * 1024 * 1024
JSON_NAME = "katapp-export.json"


@dataclass(frozen=True)
class Table:
    """One CSV file (and one list in the JSON file): its rows come from `query(patient_id)`, one SQL
    statement whose columns are `columns`, in order."""

    name: str
    about: str
    columns: tuple[str, ...]
    query: Callable[[int], Select]  # of the patient's id
    explode: Callable[[tuple], list[tuple]] | None = None  # one query row -> several file rows
    in_json: bool = True


def _checkins(pid: int) -> Select:
    c = CheckIn
    return (select(c.id, c.recorded_at, c.local_date, c.mood, c.anxiety, c.energy, c.pain, c.sleep_hours,
                   c.self_harm_thoughts, c.note, c.received_at, c.updated_at)
            .where(c.patient_id == pid).order_by(c.recorded_at, c.id))


def _assessments(pid: int) -> Select:
    a = Assessment
    return (select(a.id, a.instrument, a.recorded_at, a.local_date, a.total, a.severity, a.difficulty,
                   a.flags, a.index_event, a.answers, a.received_at)
            .where(a.patient_id == pid).order_by(a.recorded_at, a.id))


def _items(row: tuple) -> list[tuple]:
    """One row per answered item: (questionnaire id, instrument, date, item number, question, answer, its words)."""
    qid, key, _, day, *_rest, answers, _received = row
    inst = INSTRUMENTS[key]
    words = {o.value: o.label for o in inst.options}
    return [(qid, key, day, n, inst.items[n - 1] if n <= len(inst.items) else "", value, words.get(value))
            for n, value in enumerate(answers or [], 1)]


def _sessions(pid: int) -> Select:
    s, clin = TherapySession, aliased(User)
    return (select(s.id, s.kind, s.status, s.starts_at, s.ends_at, clin.display_name, s.series_id, s.notes,
                   s.checked_in_at, s.weight_kg, s.predose_bp_at, s.bp_before_systolic, s.bp_before_diastolic,
                   s.bp_override_reason, s.predose_ticked, s.pregnancy_possible, s.dose_mg, s.route, s.dose_reason,
                   s.dosed_at, s.infusion_ended_at, s.bp_after_systolic, s.bp_after_diastolic, s.discharge_ticked,
                   s.completed_at)
            .join(clin, clin.id == s.clinician_id).where(s.patient_id == pid).order_by(s.starts_at, s.id))


def _vitals(pid: int) -> Select:
    v = VitalReading
    return (select(v.session_id, v.at, v.systolic, v.diastolic, v.heart_rate, v.spo2, v.moaas, v.dissociation,
                   v.nausea, v.vomiting, v.action_note)
            .join(TherapySession, TherapySession.id == v.session_id)
            .where(TherapySession.patient_id == pid).order_by(v.at, v.id))


def _adverse(pid: int) -> Select:
    e = AdverseEvent
    return (select(e.session_id, e.at, e.severity, e.description)
            .join(TherapySession, TherapySession.id == e.session_id)
            .where(TherapySession.patient_id == pid).order_by(e.at, e.id))


def _journal(pid: int) -> Select:
    j = JournalEntry
    return (select(j.id, j.created_at, j.updated_at, j.shared, j.session_id, j.prompt, j.body)
            .where(j.author_id == pid).order_by(j.created_at, j.id))


def _flags(pid: int) -> Select:
    f, by = SafetyFlag, aliased(User)
    return (select(f.id, f.source, f.reason, f.answered_at, f.raised_at, f.escalated_at, f.acknowledged_at,
                   by.display_name, f.note)
            .outerjoin(by, by.id == f.acknowledged_by_id).where(f.patient_id == pid).order_by(f.raised_at, f.id))


def _screenings(pid: int) -> Select:
    s, rec, clr = Screening, aliased(User), aliased(User)
    return (select(s.id, s.recorded_at, rec.display_name, *[getattr(s, k) for k in CONDITION_KEYS], s.details,
                   s.cleared_at, clr.display_name, s.clear_note)
            .outerjoin(rec, rec.id == s.recorded_by_id).outerjoin(clr, clr.id == s.cleared_by_id)
            .where(s.patient_id == pid).order_by(s.recorded_at, s.id))


def _reads(pid: int) -> Select:
    a, actor = AuditEvent, aliased(User)
    return (select(a.at, actor.display_name, actor.role, a.action)
            .join(actor, actor.id == a.actor_id)
            .where(a.patient_id == pid, a.actor_id != pid,
                   or_(a.action.like("view:%"), a.action.like("export:%")))
            .order_by(a.seq))


def _disclosure(row: tuple) -> list[tuple]:
    at, name, role, action = row
    verb, part = describe(action) or ("", "")
    return [(at, name, role, action, f"{verb} {part}".strip())]


def _care_team(pid: int) -> Select:
    return (select(User.display_name, User.email, care_team.c.added_at)
            .join(care_team, and_(care_team.c.clinician_id == User.id, care_team.c.patient_id == pid))
            .order_by(User.display_name))


TABLES: tuple[Table, ...] = (
    Table("checkins", "Your daily check-ins. Scales 0-10; sleep_hours in hours; self_harm_thoughts is "
          "true, false or empty (not answered).",
          ("id", "recorded_at", "local_date", "mood", "anxiety", "energy", "pain", "sleep_hours",
           "self_harm_thoughts", "note", "received_at", "updated_at"), _checkins),
    Table("questionnaires", "Each questionnaire you filled in (PHQ-9, GAD-7, PCL-5) with its total, "
          "severity, the unscored 'how difficult' answer (0-3), flags raised and, for the PCL-5, the "
          "event in your words. answers lists the item answers in order.",
          ("id", "instrument", "recorded_at", "local_date", "total", "severity", "difficulty", "flags",
           "index_event", "answers", "received_at"), _assessments),
    Table("questionnaire_items", "Every item answer of every questionnaire, with the question's words "
          "and the answer's words (questionnaire_id is the id in questionnaires.csv).",
          ("questionnaire_id", "instrument", "local_date", "item", "question", "answer", "answer_words"),
          _assessments, explode=_items, in_json=False),
    Table("sessions", "Your sessions (ketamine, integration, intake, follow-up): time, clinician, "
          "status, and for ketamine the dosing record: check-in, weight, pre-dose blood pressure, "
          "pre-dose checks ticked, dose in mg, route, dose and infusion times, blood pressure after, "
          "discharge checks ticked, and the clinician's notes.",
          ("id", "kind", "status", "starts_at", "ends_at", "clinician", "series_id", "notes", "checked_in_at",
           "weight_kg", "predose_bp_at", "bp_before_systolic", "bp_before_diastolic", "bp_override_reason",
           "predose_checks", "pregnancy_possible", "dose_mg", "route", "dose_reason", "dosed_at",
           "infusion_ended_at", "bp_after_systolic", "bp_after_diastolic", "discharge_checks", "completed_at"),
          _sessions),
    Table("vitals", "Vital signs taken after a dose (session_id is the id in sessions.csv): blood "
          "pressure, heart rate, oxygen saturation (%), sedation (MOAA/S) and dissociation, nausea, "
          "vomiting, and what the clinician did about a reading.",
          ("session_id", "at", "systolic", "diastolic", "heart_rate", "spo2", "moaas", "dissociation",
           "nausea", "vomiting", "action_note"), _vitals),
    Table("adverse_events", "Anything that went wrong during a session, with its severity.",
          ("session_id", "at", "severity", "description"), _adverse),
    Table("journal", "All your journal entries, private and shared (shared=true: your care team could "
          "read it).", ("id", "created_at", "updated_at", "shared", "session_id", "prompt", "body"), _journal),
    Table("safety_flags", "Safety flags raised by your answers (a 'yes' to the safety question, or "
          "PHQ-9 item 9 above 0): when you answered, when it reached the clinic, and who acknowledged "
          "it with which note.",
          ("id", "source", "reason", "answered_at", "raised_at", "escalated_at", "acknowledged_at",
           "acknowledged_by", "note"), _flags),
    Table("screenings", "Your intake screenings: each condition answered yes (true) or no (false), "
          "details, and the clinician's sign-off.",
          ("id", "recorded_at", "recorded_by", *CONDITION_KEYS, "details", "cleared_at", "cleared_by",
           "clear_note"), _screenings),
    Table("record_views", "Each time someone at your clinic looked at or downloaded part of your "
          "record (the same list as Account > Who has seen my records).",
          ("at", "who", "role", "action", "what"), _reads, explode=_disclosure),
    Table("care_team", "The clinicians on your care team and since when.",
          ("name", "email", "added_at"), _care_team),
)


def _account(p: User) -> dict:
    return {"id": p.id, "email": p.email, "display_name": p.display_name, "timezone": p.timezone,
            "country": p.country, "phone": p.phone, "indication": p.indication, "created_at": p.created_at,
            "last_login_at": p.last_login_at}


def readme(patient: User, exported_at: dt.datetime) -> str:
    """README.txt: what each file holds, with its columns."""
    lines = [f"katapp: everything this clinic's katapp holds about {patient.display_name}",
             f"Exported {_local(exported_at, zone_of(patient))}. Times are in your time zone "
             f"({patient.timezone}) with their UTC offset; dates are days in that zone.", "",
             "account.csv: your account (name, email, time zone, country, phone, what you are treated for).", ""]
    for t in TABLES:
        lines += [f"{t.name}.csv: {t.about}", "  columns: " + ", ".join(t.columns), ""]
    lines += [f"{JSON_NAME}: the same records in one JSON file (numbers as numbers, true/false, lists as "
              "lists; questionnaire item answers are each questionnaire's 'answers' list), for moving "
              "them to another app.", "",
              "Cells that begin with = + - or @ start with an apostrophe so a spreadsheet shows them as text."]
    return "\n".join(lines) + "\n"


def _local(value: object, zone) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _csv_value(value: object) -> object:
    return "; ".join(str(v) for v in value) if isinstance(value, list) else value


class _Pipe(io.RawIOBase):
    """A write-only, unseekable stream: zipfile writes into it, the generator takes the bytes out."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def stream_zip(patient: User, exported_at: dt.datetime | None = None) -> Iterator[bytes]:
    """The export as ZIP bytes, in pieces: one query per table, whatever the data.

    Everything taken from `patient` is read now: the pieces are made after the handler has
    returned, when the request's database session (and the User loaded in it) is gone.
    """
    now = exported_at or utcnow()
    zone = zone_of(patient)
    account = {k: _local(v, zone) for k, v in _account(patient).items()}
    return _pieces(patient.id, zone, readme(patient, now), account, _local(now, zone),
                   now.astimezone(zone).timetuple()[:6])


def _pieces(pid: int, zone, readme_text: str, account: dict, exported: str, stamp: tuple) -> Iterator[bytes]:
    pipe = _Pipe()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool, \
            zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as zf:
        def entry(name: str):
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            return zf.open(info, "w", force_zip64=True)

        with entry("README.txt") as f:
            f.write(readme_text.encode())
        with entry("account.csv") as f:
            f.write(csvcells.line(("field", "value")).encode())
            for key, value in account.items():
                f.write(csvcells.line((key, value)).encode())
        spool.write(json.dumps({"format": "katapp patient export", "version": 1,
                                "exported_at": exported, "account": account})[:-1].encode())
        yield pipe.take()
        for table in TABLES:
            yield from _write_table(entry, table, pid, zone, spool, pipe)
        spool.write(b"}\n")
        spool.seek(0)
        with entry(JSON_NAME) as f:
            while chunk := spool.read(256 * 1024):
                f.write(chunk)
                yield pipe.take()
    yield pipe.take()


def _write_table(entry, table: Table, pid: int, zone, spool, pipe: _Pipe) -> Iterator[bytes]:
    """Write one table's CSV into the ZIP and its JSON list into the spool, batch by batch."""
    if table.in_json:
        spool.write(f', "{table.name}": ['.encode())
    first = True
    with entry(f"{table.name}.csv") as f, \
            db.session.execute(table.query(pid).execution_options(yield_per=BATCH)) as result:
        f.write(csvcells.line(table.columns).encode())
        for n, raw in enumerate(result, 1):
            for values in (table.explode(tuple(raw)) if table.explode else [tuple(raw)]):
                local = [_local(v, zone) for v in values]
                f.write(csvcells.line(_csv_value(v) for v in local).encode())
                if table.in_json:
                    spool.write((("" if first else ", ") + json.dumps(dict(zip(table.columns, local, strict=True)))).encode())
                    first = False
            if n % BATCH == 0:
                yield pipe.take()
    if table.in_json:
        spool.write(b"]")
    yield pipe.take()
