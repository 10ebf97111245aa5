"""The demo clinic (`flask demo-data`): deterministic per seed, clinically plausible, bulk-inserted.

Patient k is on clinician1's caseload when k is odd, clinician2's when even (CONTRACT.md).
Outcome profiles rotate so the clinic has remitters, responders, partial responders,
non-responders and one who relapses after the series (median relapse 18 days after the last
infusion, shared/clinical/instruments.md). patient2 has an uncleared contraindication (so no
ketamine sessions); patient3 has an open safety flag (PHQ-9 item 9 above 0).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import operator
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, select, text

from katapp.demo_texts import PREP_NOTES
from katapp.domain.instruments import score
from katapp.extensions import db
from katapp.models import (
    AdverseEvent,
    Assessment,
    CheckIn,
    ClinicSettings,
    InstrumentPlan,
    JournalEntry,
    SafetyFlag,
    Screening,
    TherapySession,
    User,
    UTCDateTime,
    VitalReading,
    care_team,
    utcnow,
)
from katapp.passwords import hash_password

DEFAULT_PASSWORD = "katapp-demo-password"  # noqa: S105 - demo-only password, printed and in README  # nosec B105
CLINIC_TZ = "America/New_York"
PATIENTS_PER_ROOM = 50  # a clinician with more patients than this runs sessions in parallel rooms (bulk demos)


@dataclass(frozen=True)
class _Home:
    """Where a patient lives: their zone, their country (None: the clinic's, US) and where they are seen.

    Ketamine is given in person at the site in the patient's own city; intake, integration and
    follow-ups are in person there or by video. Every time is chosen in the patient's local day
    and must also fall in the clinician's working day (New York), so a London patient is seen in
    London's early afternoon, never at five in the morning of their clinician's agenda.
    """

    zone: str
    country: str | None
    site: str
    remote_share: float  # how often a non-ketamine session is by video


_NY = _Home("America/New_York", None, "Demo KAT Clinic, Suite 4B, 200 Example Avenue, New York, NY 10011", 0.3)
_CHI = _Home("America/Chicago", None, "Demo KAT Clinic Chicago site, Suite 900, 100 Example Plaza, Chicago, IL 60601", 0.5)
_LDN = _Home("Europe/London", "GB", "Demo KAT Clinic London site, 2nd floor, 15 Example Mews, London W1U 2AB", 0.6)
HOMES = (_NY, _NY, _CHI, _NY, _LDN)  # by patient number k % 5: patient4 is in London, patient2 in Chicago
VIDEO = "https://meet.example.org/katapp-demo-{}"  # a placeholder video room (example.org: never a real service)

# Local start times (hours) by session kind, in order of preference: ketamine in the morning,
# integration in the afternoon; clinic hours 08:00-18:00 on weekdays (patient's and clinician's).
KIND_HOURS = {
    "ketamine": (8.5, 10.0, 11.5, 13.0, 14.5),
    "integration": (13.0, 14.5, 16.0, 11.0, 9.0),
    "intake": (9.0, 11.0, 14.0, 15.5, 13.0),
    "follow_up": (15.5, 16.5, 13.5, 9.5, 11.0),
}
KIND_MINUTES = {"ketamine": 90, "integration": 50, "intake": 60, "follow_up": 30}
DAY_OPENS, DAY_CLOSES = 8.0, 18.0

PROFILES = ["remitter", "responder", "non_responder", "partial", "relapser"]
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Taylor", "Jamie", "Avery", "Quinn",
               "Robin", "Drew", "Reese", "Skyler", "Rowan", "Emerson", "Harper", "Sage", "Parker", "Blake"]
LAST_INITIALS = "ABCDEFGHJKLMNPRSTVW"
CLINICIAN_NAMES = ["Dr. Maya Chen", "Dr. Luis Ortega", "Dr. Priya Nair", "Dr. Samuel Okafor", "Dr. Hannah Weiss",
                   "Dr. Tomás Ferreira", "Dr. Grace Kim", "Dr. Daniel Levy", "Dr. Amara Osei", "Dr. Ruth Bauer"]

# What patients are treated for (User.indication): mostly depression, as in most ketamine clinics.
INDICATIONS = ("depression", "depression", "ptsd", "depression", "pain", "depression", "other")
# The PCL-5's index event, in a patient's own words (shown to the care team only).
INDEX_EVENTS = ("A serious road accident", "Things that happened during my military service",
                "An assault a few years ago", "The sudden death of my brother")
PCL5_EVERY_DAYS = 28
IN_SERIES_NOW = 11  # patient11 started their series last Monday  # README: the PCL-5 comes due every four weeks


class DemoError(RuntimeError):
    pass


# The columns of the tuples in _Rows.checkins and _Rows.assessments, in order.
CHECKIN_COLUMNS = ("patient_id", "client_id", "recorded_at", "local_date", "mood", "anxiety", "energy", "pain",
                   "sleep_hours", "self_harm_thoughts", "note", "received_at")
ASSESSMENT_COLUMNS = ("patient_id", "client_id", "instrument", "answers", "total", "severity", "flags", "recorded_at",
                      "local_date", "received_at", "difficulty", "index_event")


@dataclass
class _Rows:
    checkins: list[tuple] = field(default_factory=list)
    assessments: list[tuple] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    journals: list[dict] = field(default_factory=list)
    screenings: list[dict] = field(default_factory=list)
    plans: list[dict] = field(default_factory=list)


class _SlotBook:
    """Hands out non-overlapping sessions per clinician, in 30-minute units of UTC time, at a kind's
    local hours on weekdays, inside clinic hours both where the patient is and for the clinician.
    `rooms` sessions may run at once (1 but in bulk demos, where one clinician has hundreds of patients)."""

    UNIT = 1800

    def __init__(self, staff_tz: ZoneInfo, rooms: int = 1) -> None:
        self.taken: dict[tuple[int, int], int] = {}
        self.staff_tz = staff_tz
        self.rooms = rooms

    def _fits_staff_day(self, start: dt.datetime, minutes: int) -> bool:
        local = start.astimezone(self.staff_tz)
        opens = local.hour + local.minute / 60
        return local.weekday() < 5 and opens >= DAY_OPENS and opens + minutes / 60 <= DAY_CLOSES

    def book(self, clinician_id: int, kind: str, day: dt.date, tz: ZoneInfo) -> dt.datetime:
        """The first free start at or after `day` (a weekday, at the kind's local hours)."""
        minutes = KIND_MINUTES[kind]
        for shift in range(120):
            d = day + dt.timedelta(days=shift)
            if d.weekday() >= 5:
                continue
            for hour in KIND_HOURS[kind]:
                start = _local(d, hour, tz)
                if not self._fits_staff_day(start, minutes):
                    continue
                first = int(start.timestamp()) // self.UNIT
                units = [(clinician_id, u) for u in range(first, first - (-minutes * 60 // self.UNIT))]
                if all(self.taken.get(u, 0) < self.rooms for u in units):
                    for u in units:
                        self.taken[u] = self.taken.get(u, 0) + 1
                    return start
        raise DemoError("The demo's clinicians have no free time left; use fewer patients per clinician.")


def _weekday(day: dt.date) -> dt.date:
    """`day`, or the Monday after when it falls on a weekend."""
    return day + dt.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


def _uuid(rng: random.Random) -> str:
    """str(uuid.UUID(int=rng.getrandbits(128), version=4)), without building the UUID object."""
    h = f"{(rng.getrandbits(128) & _V4_CLEAR) | _V4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _items_for_total(rng: random.Random, total: int, count: int, max_item: int, keep_zero: set[int]) -> list[int]:
    """Item answers that sum to `total` (spread at random), leaving the `keep_zero` items at 0."""
    answers = [0] * count
    slots = [i for i in range(count) if i not in keep_zero]
    total = max(0, min(total, len(slots) * max_item))
    # One unit at a time on an item drawn at random; a draw on a full item is drawn again. (The
    # draws of `rng.choices(slots, k=total)` in batches, one random() each, without its overhead.)
    draw, n = rng.random, len(slots)
    while total > 0:
        i = slots[int(draw() * n)]
        if answers[i] < max_item:
            answers[i] += 1
            total -= 1
    return answers


def _trajectory(profile: str, baseline: float, t_days: float, series_days: float, after_series: float) -> float:
    """PHQ-9 expected at `t_days` after the series start (negative: before treatment)."""
    targets = {"remitter": 0.15, "responder": 0.33, "partial": 0.65, "non_responder": 0.92, "relapser": 0.38}
    end = baseline * targets[profile]
    if t_days < 0:
        return baseline
    if t_days <= series_days:  # the effect builds session by session
        frac = t_days / max(series_days, 1)
        return baseline - (baseline - end) * (1 - (1 - frac) ** 1.6)
    days_after = t_days - series_days
    if profile == "relapser" and days_after > RELAPSE_AFTER_DAYS:  # relapse from about day 18 after the series
        return min(baseline - 2, end + (days_after - RELAPSE_AFTER_DAYS) * 0.45)
    # Remitters hold their gains; others give a little back over two months (not a relapse).
    give_back = 0.0 if profile == "remitter" else 0.0015
    return end + min(days_after, 60) * give_back * (baseline - end)


RELAPSE_AFTER_DAYS = 12


def reset_database() -> None:
    """Delete every row of every table (children first); the audit log through its own wipe."""
    from katapp.audit.chain import clear_log

    clear_log(db.session)
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in ("audit_events", "audit_chain_head"):
            db.session.execute(table.delete())
    db.session.commit()


class _Writer:
    """Bulk inserts of plain rows: PostgreSQL's COPY (psycopg 3) or Core executemany elsewhere.

    Every row of a table gets every column with a Python-side default (COPY applies none), so
    the rows stored are those the ORM would store. On PostgreSQL the rows go as COPY text lines
    formatted here (`_copy_column`), far cheaper than psycopg adapting value by value."""

    CHUNK = 5000

    def __init__(self) -> None:
        self.conn = db.session.connection()
        self.pg = self.conn.dialect.name == "postgresql"

    def write(self, table, rows: list, columns: tuple[str, ...] | None = None) -> None:
        """Insert `rows`: dicts by column name, or tuples of the `columns` (the big tables: no dict
        per row to build, and a chunk turns into columns with one zip)."""
        if not rows:
            return
        with self.stream(table, columns, rows) as send:
            send(rows)

    @contextlib.contextmanager
    def stream(self, table, columns: tuple[str, ...] | None = None, sample: list | None = None):
        """A function that inserts its rows (as `write`) for as long as this lasts: on PostgreSQL one
        COPY the server takes in while this process makes the next rows. Nothing else may use the
        connection meanwhile. Rows as dicts need `sample` (their keys name the columns)."""
        table = getattr(table, "__table__", table)
        fill = {c.name: (c.default.arg(None) if c.default.is_callable else c.default.arg)
                for c in table.c if c.default is not None and (c.default.is_scalar or c.default.is_callable)}
        if columns is None:
            names = [n for n in dict.fromkeys([*fill, *(k for r in sample or () for k in r)]) if n in table.c]
        else:
            names = [*columns, *(n for n in fill if n not in columns)]

        def chunks(rows: list):
            """Each chunk of rows as one list of values per name."""
            for i in range(0, len(rows), self.CHUNK):
                chunk = rows[i:i + self.CHUNK]
                if columns is None:
                    yield [_values(chunk, n, fill.get(n)) for n in names]
                else:
                    yield [*zip(*chunk, strict=True), *([fill[n]] * len(chunk) for n in names[len(columns):])]

        if not self.pg:
            def insert(rows: list) -> None:
                for values in chunks(rows):
                    self.conn.execute(table.insert(), [dict(zip(names, row, strict=True))
                                                       for row in zip(*values, strict=True)])
            yield insert
            return
        cols = ", ".join(f'"{n}"' for n in names)
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:  # nosec B608 - model names
            def send(rows: list) -> None:
                for values in chunks(rows):
                    copy.write(_copy_lines(table, names, values))
            yield send

    def deferred_indexes(self, tables) -> contextlib.AbstractContextManager:
        """On PostgreSQL, the tables' secondary indexes, unique and foreign-key constraints are
        dropped for the load and made again from their own definitions after it, in the same
        transaction: one index build and one check per constraint instead of one per row. Every
        constraint is checked again when it is made, so nothing is stored that it would refuse."""
        if not self.pg:
            return contextlib.nullcontext()
        return _deferred(self.conn, [getattr(t, "__table__", t).name for t in tables])


_NULL = "\\N"
_COPY_SPECIAL = "\\\t\n\r"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_BOOL = {True: "t", False: "f"}


def _copy_lines(table, names: list[str], values: list) -> str:
    """COPY text lines of these columns' values, column by column: one C-level map per column
    instead of a Python call per value (and a column equal to one before it is written once)."""
    written: list[tuple[list, list[str], type]] = []
    columns = []
    for name, column in zip(names, values, strict=True):
        kind = type(table.c[name].type)
        text_ = next((t for v, t, k in written if k is kind and v == column), None)
        if text_ is None:
            text_ = _copy_column(table.c[name].type, column)
            written.append((column, text_, kind))
        columns.append(text_)
    return "".join([line + "\n" for line in map("\t".join, zip(*columns, strict=True))])


def _values(rows: list[dict], name: str, default) -> list:
    """Each row's `name`, or `default` where a row has none."""
    try:
        return list(map(operator.itemgetter(name), rows))
    except KeyError:
        return [r.get(name, default) for r in rows]


def _copy_column(column_type, values: list) -> list[str]:
    """One column's values as COPY text, NULL for None. Whole-column C-level steps (map, join)
    where they can serve: this runs for every value of a year of a clinic."""
    if None in values:
        present = [v for v in values if v is not None]
        written = iter(_copy_column(column_type, present) if present else ())
        return [_NULL if v is None else next(written) for v in values]
    if isinstance(column_type, JSON):
        return _copy_strings([_json_text(v) for v in values])
    if isinstance(column_type, Boolean):
        return list(map(_COPY_BOOL.__getitem__, map(bool, values)))
    if isinstance(column_type, Integer | Float):
        return list(map(str, values))
    if isinstance(column_type, DateTime | UTCDateTime):
        if None in map(dt.datetime.utcoffset, values):
            raise ValueError("naive datetime given to a UTC column")  # as UTCDateTime refuses it
        return list(map(dt.datetime.isoformat, values))
    if isinstance(column_type, Date):
        return list(map(dt.date.isoformat, values))
    if isinstance(column_type, String):
        return _copy_strings(values)
    raise TypeError(f"no COPY text format for {column_type!r}")


def _copy_strings(values: list[str]) -> list[str]:
    """Strings with COPY's backslash escapes (looked for once in the whole column)."""
    joined = "".join(values)
    if any(c in joined for c in _COPY_SPECIAL):
        return [v.translate(_COPY_ESCAPES) for v in values]
    return values


_JSON_SEEN: dict = {}


def _json_text(value) -> str:
    """json.dumps(value) (the text psycopg's Json would send), remembered for small lists (answers, flags)."""
    if type(value) is not list or len(value) > 32:
        return json.dumps(value)
    key = repr(value)  # tells True from 1 and 1.0 from 1, as the JSON text does
    found = _JSON_SEEN.get(key)
    if found is None:
        if len(_JSON_SEEN) > 200_000:
            _JSON_SEEN.clear()
        found = _JSON_SEEN[key] = json.dumps(value)
    return found


@contextlib.contextmanager
def _deferred(conn, tables: list[str]):
    found = conn.execute(text(
        "SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.conrelid = ANY(CAST(:t AS regclass[])) AND c.contype IN ('f', 'u') ORDER BY c.contype, c.conname"),
        {"t": tables}).all()
    indexes = conn.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(CAST(:t AS regclass[])) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"), {"t": tables}).all()
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # the index builds after the load
    conn.execute(text("SET LOCAL max_parallel_maintenance_workers = 0"))  # one process: the machine is shared
    for name, table, _ in found:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))  # nosec B608 - catalog names
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX {name}"))  # nosec B608 - catalog names
    yield
    for _, definition in indexes:
        conn.execute(text(definition))
    for name, table, definition in reversed(found):  # unique constraints before the foreign keys
        conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))  # nosec B608 - catalog


def build_demo(*, patients: int = 12, days: int = 120, password: str = DEFAULT_PASSWORD, seed: int = 1,
               reset: bool = False, today: dt.date | None = None, require_2fa: bool = False,
               clinicians: int | None = None) -> dict[str, int]:
    """Create the demo clinic; returns row counts. DemoError when the database is not empty.

    `clinicians`: 2 (CONTRACT.md: odd patients with clinician1, even with clinician2) unless the
    clinic is bigger than 1,000 patients, when there are enough for 500 each (clinician c has
    patients k with k % C == c % C)."""
    if patients < 3 or days < 14:
        raise DemoError("The demo needs at least 3 patients and 14 days.")
    if db.session.scalar(select(User.id).limit(1)) is not None:
        if not reset:
            raise DemoError("The database already has accounts. Use --reset to replace everything with the demo.")
        reset_database()
    n_clin = clinicians or max(2, -(-patients // 500))
    clinic_tz = ZoneInfo(CLINIC_TZ)
    today = today or utcnow().astimezone(clinic_tz).date()
    start_day = today - dt.timedelta(days=days - 1)
    pw_hash = hash_password(password)  # one hash for all demo accounts: they share the password
    now = utcnow()
    write = _Writer()

    # CONTRACT.md: the demo clinic signs in with the password alone unless asked (--require-2fa).
    db.session.merge(ClinicSettings(id=1, **{**ClinicSettings.defaults(), "clinic_name": "Demo KAT Clinic",
                                             "require_staff_2fa": require_2fa, "prep_notes": dict(PREP_NOTES)}))
    db.session.flush()
    staff = [dict(email="admin@demo.katapp.org", display_name="Avery Admin", role="admin")] + [
        dict(email=f"clinician{c}@demo.katapp.org", role="clinician",
             display_name=CLINICIAN_NAMES[(c - 1) % len(CLINICIAN_NAMES)] + (f" ({c})" if c > len(CLINICIAN_NAMES) else ""))
        for c in range(1, n_clin + 1)]
    users = [
        {**s, "indication": None, "timezone": CLINIC_TZ, "country": None, "active": True, "password_hash": pw_hash,
         "session_version": 1, "created_at": now}
        for s in staff
    ]
    for k in range(1, patients + 1):
        name = f"{FIRST_NAMES[(k - 1) % len(FIRST_NAMES)]} {LAST_INITIALS[(k * 7) % len(LAST_INITIALS)]}."
        home = HOMES[k % len(HOMES)]
        users.append(dict(email=f"patient{k}@demo.katapp.org", display_name=name, role="patient",
                          indication=INDICATIONS[(k - 1) % len(INDICATIONS)], timezone=home.zone, country=home.country,
                          active=True, password_hash=pw_hash, session_version=1, created_at=now))
    write.write(User, users)
    ids = dict(db.session.execute(select(User.email, User.id)).all())
    clin = [ids[f"clinician{c}@demo.katapp.org"] for c in range(1, n_clin + 1)]

    def clinician_of(k: int) -> int:  # k odd -> clinician1, even -> clinician2 when there are two
        return clin[(k - 1) % n_clin]

    write.write(care_team, [{"clinician_id": clinician_of(k), "patient_id": ids[f"patient{k}@demo.katapp.org"],
                             "added_at": now} for k in range(1, patients + 1)])

    rows = _Rows()
    rooms = 1 + (patients // n_clin) // PATIENTS_PER_ROOM
    book = _SlotBook(clinic_tz, rooms)
    # Series starts spread over the first weeks (a small clinic), or over the year (a bulk one).
    spread = 14 if patients <= 50 else max(14, days - 60)
    journal_turn = dict.fromkeys(("FIRST", "EARLY", "BETTER", "FLAT", "AFTER", "SETBACK"), 0)
    flagged: list[tuple[int, str]] = []  # (patient id, assessment client id) for patient3's flag
    checkins = 0
    bulk = (CheckIn, Assessment, TherapySession, JournalEntry, VitalReading)
    with write.deferred_indexes(bulk):  # the tables are empty: index and check once, after the load
        # Check-ins, the biggest table, stream into the database while the patients are made.
        with write.stream(CheckIn, CHECKIN_COLUMNS) as send_checkins:
            for k in range(1, patients + 1):
                pid = ids[f"patient{k}@demo.katapp.org"]
                profile = "non_responder" if k == 2 else PROFILES[(k - 1) % len(PROFILES)]
                # Each patient has their own random stream: the same seed gives the same clinic.
                rng = random.Random(seed * 1_000_003 + k)  # seeded, reproducible demo data (not security)  # nosec B311
                _patient(rng, rows, book, k=k, pid=pid, cid=clinician_of(k), home=HOMES[k % len(HOMES)],
                         profile=profile, indication=INDICATIONS[(k - 1) % len(INDICATIONS)], start_day=start_day,
                         today=today, days=days, spread=spread, now=now, flagged=flagged, journal_turn=journal_turn)
                if len(rows.checkins) >= _Writer.CHUNK or k == patients:
                    send_checkins(rows.checkins)
                    checkins += len(rows.checkins)
                    rows.checkins.clear()
        write.write(InstrumentPlan, rows.plans)
        write.write(Assessment, rows.assessments, ASSESSMENT_COLUMNS)
        write.write(Screening, rows.screenings)
        keys = [r.pop("_key") for r in rows.sessions]
        write.write(TherapySession, rows.sessions)
        session_ids = {(p, s): i for i, p, s in db.session.execute(
            select(TherapySession.id, TherapySession.patient_id, TherapySession.starts_at))}
        for entry in rows.journals:
            key = entry.pop("_session_key")
            entry["session_id"] = session_ids.get(key) if key else None
        write.write(JournalEntry, rows.journals)

        dosed = [(session_ids[key], r) for key, r in zip(keys, rows.sessions, strict=True) if r.get("dosed_at")]
        vitals = [v for sid, r in dosed for v in _vitals(random.Random(seed + sid), sid, r)]  # nosec B311
        table = TherapySession.__table__
        if len(dosed) > 3:
            override, upset = dosed[1][0], dosed[3][0]
            # A pre-dose BP a little above the limit, dosed with a clinician's reason.
            db.session.execute(table.update().where(table.c.id == override).values(
                bp_before_systolic=146, bp_before_diastolic=92, bp_warning_confirmed=True,
                bp_override_reason=("Anxious on arrival; 142/90 after 10 minutes seated, home readings about "
                                    "128/82. Benefit and risk discussed with the patient; dosed with closer BP checks.")))
            # Nausea with vomiting 15 minutes after the dose, treated and settled.
            next(v for v in vitals if v["session_id"] == upset).update(nausea=True, vomiting=True)
            upset_row = dosed[3][1]
            write.write(AdverseEvent, [dict(session_id=upset, recorded_by_id=upset_row["clinician_id"], severity="mild",
                                            at=upset_row["dosed_at"] + dt.timedelta(minutes=15),
                                            description="Nausea and one episode of vomiting 15 minutes after the dose; "
                                                        "ondansetron 4 mg IV, settled within 20 minutes.")])
        write.write(VitalReading, vitals)
    for pid, client_id in flagged:
        assessment = db.session.execute(select(Assessment.id, Assessment.recorded_at).where(
            Assessment.patient_id == pid, Assessment.client_id == client_id)).one()
        write.write(SafetyFlag, [dict(patient_id=pid, source="assessment", assessment_id=assessment.id,
                                      reason="PHQ-9 item 9 (thoughts of self-harm) answered above 0",
                                      raised_at=assessment.recorded_at)])
    from katapp.dashboard.store import rebuild_all  # the rows above were bulk inserts, which no flush sees

    if db.engine.dialect.name == "postgresql":  # fresh statistics for the planner (the summaries' rebuild and the
        db.session.execute(text("ANALYZE"))    # first pages after a bulk load); ~1 s at 10,000 patients x a year
    rebuild_all()
    db.session.commit()
    return {
        "clinicians": n_clin, "users": len(users), "checkins": checkins, "assessments": len(rows.assessments),
        "sessions": len(rows.sessions), "journal_entries": len(rows.journals),
    }


def _local(day: dt.date, hour: float, tz: ZoneInfo) -> dt.datetime:
    """`hour` (local) on `day` in `tz`, in UTC. Demo times are all after 03:00 local, past any DST
    switch of the day, so one UTC offset per zone and day (that of noon) serves them all."""
    minutes = int(hour * 60)
    if minutes < 180:
        h, m = divmod(minutes, 60)
        return dt.datetime.combine(day, dt.time(h, m), tzinfo=tz).astimezone(dt.UTC)
    return _midnight_utc(day, tz) + dt.timedelta(minutes=minutes)


@functools.lru_cache(maxsize=8192)
def _midnight_utc(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Local midnight of `day` in UTC, with the day's afternoon offset (valid for times after 03:00)."""
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) - noon.utcoffset()


def _session(pid: int, cid: int, kind: str, starts: dt.datetime, location: str | None, **values) -> dict:
    return {"patient_id": pid, "clinician_id": cid, "kind": kind, "status": "scheduled", "starts_at": starts,
            "ends_at": starts + dt.timedelta(minutes=KIND_MINUTES[kind]), "location": location, "_key": (pid, starts),
            **values}


def _patient(rng, rows: _Rows, book: _SlotBook, *, k, pid, cid, home: _Home, profile, indication, start_day, today,
             days, spread, now, flagged, journal_turn) -> None:
    tz = ZoneInfo(home.zone)
    baseline = rng.uniform(16, 24)

    def place(kind: str) -> str:  # ketamine in person; other sessions in person or by video
        return home.site if kind == "ketamine" or rng.random() >= home.remote_share else VIDEO.format(_uuid(rng)[:8])

    # Intake on the first weekday, the induction series (Mon/Wed/Fri for two weeks) 7 days in or later.
    intake_day = _weekday(start_day + dt.timedelta(days=1))
    first = start_day + dt.timedelta(days=min(7 + (k * 3) % spread, max(days - 20, 7)))
    series_start = first + dt.timedelta(days=(7 - first.weekday()) % 7)  # the Monday on or after
    if k == IN_SERIES_NOW and days >= 60:  # one patient is midway through a series this week (the agenda's today)
        series_start = today - dt.timedelta(days=today.weekday() + 7)
    offsets = [0, 2, 4, 7, 9, 11]
    has_contraindication = k == 2
    cleared_yes = k % 4 == 0 and not has_contraindication

    intake_at = book.book(cid, "intake", intake_day, tz)
    rows.sessions.append(_session(pid, cid, "intake", intake_at, home.site, status="completed", created_at=intake_at,
                                  completed_at=intake_at + dt.timedelta(minutes=60)))
    screening = dict(patient_id=pid, recorded_by_id=cid, recorded_at=intake_at + dt.timedelta(minutes=30),
                     hallucinations=False, untreated_mania=False, cardiovascular_disease=has_contraindication or cleared_yes,
                     uncontrolled_hyperthyroidism=False, intracranial_pressure=False, cystitis=False, liver_disease=False,
                     details=None, cleared_by_id=None, cleared_at=None, clear_note=None)
    if has_contraindication:
        screening["details"] = "Reports chest pain on exertion; awaiting cardiology review."
    if not has_contraindication:  # a clinician signs off every screening, an all-"no" one included
        screening.update(cleared_by_id=cid, cleared_at=intake_at + dt.timedelta(hours=2),
                         clear_note="Reviewed with the patient at intake: no contraindications.")
    if cleared_yes:
        screening.update(details="History of hypertension, treated.", cleared_by_id=cid,
                         cleared_at=intake_at + dt.timedelta(days=1),
                         clear_note="Hypertension well controlled on medication; cleared by primary care letter.")
    rows.screenings.append(screening)
    if indication == "ptsd":  # the clinician turns the PCL-5 on at intake for a patient treated for PTSD
        rows.plans.append(dict(patient_id=pid, instrument="pcl5", enabled=True, changed_by_id=cid,
                               changed_at=intake_at + dt.timedelta(minutes=45)))

    ketamine_times: list[dt.datetime] = []
    if not has_contraindication:
        weight = rng.uniform(58, 95)
        for n, off in enumerate(offsets, start=1):
            day = series_start + dt.timedelta(days=off)
            if day > today + dt.timedelta(days=14):
                break
            starts = book.book(cid, "ketamine", day, tz)
            ketamine_times.append(starts)
            rows.sessions.append(_ketamine(rng, pid, cid, starts, weight, home.site, done=starts < now))
            if n in (1, 4, 6):  # integration therapy the next weekday
                istart = book.book(cid, "integration", _weekday(day + dt.timedelta(days=1)), tz)
                status = "completed" if istart < now else "scheduled"
                if n == 4 and k % 6 == 0 and istart < now:
                    status = "no_show"
                rows.sessions.append(_session(pid, cid, "integration", istart, place("integration"), status=status,
                                              created_at=intake_at,
                                              completed_at=istart + dt.timedelta(minutes=50) if status == "completed" else None))
        # A booster for responders about six weeks after the series, when it fits the window.
        booster_day = series_start + dt.timedelta(days=11 + 42)
        if profile in ("responder", "relapser") and booster_day <= today + dt.timedelta(days=10):
            bstart = book.book(cid, "ketamine", booster_day, tz)
            ketamine_times.append(bstart)
            rows.sessions.append(_ketamine(rng, pid, cid, bstart, weight, home.site, done=bstart < now))
        # Everyone has a follow-up booked next week.
        fstart = book.book(cid, "follow_up", today + dt.timedelta(days=3 + k % 5), tz)
        rows.sessions.append(_session(pid, cid, "follow_up", fstart, place("follow_up"), created_at=now))

    series_days = float(offsets[-1])
    day0 = series_start
    # patient3's most recent weekly PHQ-9 carries the open safety flag (CONTRACT.md).
    weekly_done = [i for i in range(0, days, 7) if _local(start_day + dt.timedelta(days=i), 21.5, tz) < now]
    flag_day = weekly_done[-1] if k == 3 and weekly_done else None
    eve_before = {(kt.astimezone(tz).date() - dt.timedelta(days=1)) for kt in ketamine_times}
    pcl_base = rng.uniform(40, 56)
    index_event = INDEX_EVENTS[k % len(INDEX_EVENTS)]
    early_bird = rng.random() < 0.6  # most check in in the morning, some in the evening
    draw, gauss, checkins = rng.random, rng.gauss, rows.checkins
    for i in range(days):
        day = start_day + dt.timedelta(days=i)
        midnight = _midnight_utc(day, tz)  # every time below is after 03:00 local (`_local`)
        t = (day - day0).days
        phq = _trajectory(profile, baseline, t, series_days, 0) if ketamine_times else baseline + rng.uniform(-1, 1)
        # Daily check-in on most days (about 85 %), at the patient's usual morning or evening hour.
        if draw() < 0.85 and (day < today or draw() < 0.5):
            weekend = day.weekday() >= 5
            morning = early_bird if draw() < 0.85 else not early_bird
            hour = (rng.uniform(8.0, 11.0) if weekend else rng.uniform(6.5, 9.5)) if morning else rng.uniform(19.0, 22.75)
            at = midnight + dt.timedelta(minutes=int(hour * 60))
            if at < now:
                mood = _to_10(10 - phq * 10 / 27 + gauss(0, 1.0))
                checkins.append((  # CHECKIN_COLUMNS
                    pid, _uuid(rng), at, day, mood, _to_10(phq * 8 / 27 + gauss(0, 1.2)),
                    _to_10(mood + gauss(-0.5, 1.2)), _to_10(gauss(2.5, 1.5)),
                    round(max(3, min(11, gauss(6.2 + mood * 0.12, 0.9))) * 2) / 2,
                    None if draw() < 0.1 else False, None, at))
        # Weekly PHQ-9 and GAD-7 (and the PCL-5 every four weeks for PTSD), and a PHQ-9 the evening
        # before each ketamine session: answered in the evening, at varied times.
        weekly = i % 7 == 0
        if weekly or day in eve_before:
            at = midnight + dt.timedelta(minutes=int((21.5 if i == flag_day else rng.uniform(18.0, 22.0)) * 60))
            if at < now:
                total = round(max(0, min(27, phq + gauss(0, 1.0))))
                risky = i == flag_day
                answers = _items_for_total(rng, total if not risky else max(total - 1, 0), 9, 3, keep_zero={8})
                if risky:
                    answers[8] = 1
                client_id = _uuid(rng)
                _assessment(rows, pid, client_id, "phq9", answers, at, day)
                if risky:
                    flagged.append((pid, client_id))
                if weekly:
                    gad_total = round(max(0, min(21, phq * 0.72 + gauss(0, 1.3))))
                    _assessment(rows, pid, _uuid(rng), "gad7", _items_for_total(rng, gad_total, 7, 3, set()), at, day)
                if weekly and indication == "ptsd" and i % PCL5_EVERY_DAYS == 0:
                    pcl = round(max(0, min(80, pcl_base * phq / baseline + gauss(0, 2.5))))
                    _assessment(rows, pid, _uuid(rng), "pcl5", _items_for_total(rng, pcl, 20, 4, set()),
                                at + dt.timedelta(minutes=4), day, index_event=index_event)
    _journal(rng, rows, pid=pid, tz=tz, profile=profile, ketamine_times=ketamine_times,
             series_end=series_start + dt.timedelta(days=offsets[-1]), today=today, now=now, turn=journal_turn)


def _to_10(value: float) -> int:
    """round(max(0, min(10, value))), without the two calls (a whole number from 0 to 10)."""
    n = round(value)
    return 0 if n < 0 else 10 if n > 10 else n


def _journal(rng, rows: _Rows, *, pid, tz, profile, ketamine_times, series_end, today, now, turn) -> None:
    """Entries on the evening of a completed ketamine session or the next evening, in the patient's
    zone, then one every week or two after the series; the text fits the point in the story."""
    from katapp import demo_texts
    from katapp.journal.prompts import BUILT_IN

    def text(pool: str) -> str | None:
        """The pool's next entry in the clinic's turn that this patient has not written yet."""
        entries = getattr(demo_texts, pool)
        for _ in entries:
            turn[pool] += 1
            body = entries[(turn[pool] - 1) % len(entries)]
            if body not in used:
                used.add(body)
                return body
        return None

    def add(body: str | None, created: dt.datetime, prompt: str | None, session_at: dt.datetime | None) -> None:
        if body is None:  # this patient has written every entry of that kind
            return
        shared = "care team" in body or rng.random() < 0.2  # most entries stay private
        rows.journals.append(dict(author_id=pid, client_id=_uuid(rng), prompt=prompt, body=body, shared=shared,
                                  created_at=created, _session_key=(pid, session_at) if session_at else None))

    used: set[str] = set()
    improving = profile in ("remitter", "responder", "relapser")
    for n, kt in enumerate(ketamine_times, start=1):
        local_day = kt.astimezone(tz).date()
        next_day = n % 3 == 2  # some write the next evening instead of the same one
        created = _local(local_day + dt.timedelta(days=int(next_day)), rng.uniform(19.0, 22.5), tz)
        if created >= now or kt >= now or rng.random() < 0.15:
            continue
        if n == 1:
            pool = "FIRST"
        elif n > len(ketamine_times) - 1 and n > 6:
            pool = "SETBACK" if profile == "relapser" else "AFTER"
        elif n <= 3:
            pool = "EARLY"
        else:
            pool = "BETTER" if improving or (profile == "partial" and n == 6) else "FLAT"
        moment = "after_48h" if next_day else "after_24h"
        add(text(pool), created, BUILT_IN[moment][n % len(BUILT_IN[moment])], kt)
    if not ketamine_times:
        return
    # After the series: an entry every 8 to 15 days (general prompts or none).
    day = series_end + dt.timedelta(days=rng.randint(8, 15))
    while day < today:
        after = (day - series_end).days
        if profile == "relapser" and after > RELAPSE_AFTER_DAYS + 4:
            pool = "SETBACK"
        elif profile in ("non_responder", "partial") and rng.random() < 0.5:
            pool = "FLAT"
        else:
            pool = "AFTER"
        created = _local(day, rng.uniform(19.0, 22.5), tz)
        if created < now:
            general = BUILT_IN["general"]
            add(text(pool), created, general[after % len(general)] if rng.random() < 0.6 else None, None)
        day += dt.timedelta(days=rng.randint(8, 15))


def _ketamine(rng, pid, cid, starts: dt.datetime, weight: float, site: str, *, done: bool) -> dict:
    row = _session(pid, cid, "ketamine", starts, site, created_at=starts - dt.timedelta(days=14))
    if done:  # a dosing day as the clinic records it (issue #12): within the BP limit, 0.5 mg/kg IV over 40 min
        sys_before = min(int(rng.gauss(124, 9)), 138)
        dia_before = min(int(rng.gauss(79, 6)), 88)
        dosed = starts + dt.timedelta(minutes=10)
        row.update(status="completed", dose_mg=round(0.5 * weight, 1), route="iv", weight_kg=round(weight, 1),
                   checked_in_at=starts - dt.timedelta(minutes=10), predose_bp_at=starts,
                   predose_ticked=["consent", "escort", "fasting"], pregnancy_possible=False,
                   bp_before_systolic=sys_before, bp_before_diastolic=dia_before,
                   bp_after_systolic=sys_before + int(rng.gauss(4, 3)), bp_after_diastolic=dia_before + int(rng.gauss(3, 2)),
                   bp_warning_confirmed=False, dosed_at=dosed, infusion_ended_at=dosed + dt.timedelta(minutes=40),
                   discharge_ticked=["alert_oriented", "escort_present", "vitals_baseline"],
                   completed_at=dosed + dt.timedelta(minutes=75))
    return row


def _vitals(rng, session_id: int, session: dict) -> list[dict]:
    """Readings at 15, 40 (the BP peak), 60 and 70 minutes after a demo dose: BP up about 10-15
    mmHg at 40 min and back near baseline before discharge; mild dissociation early on."""
    out = []
    for minutes, rise, moaas, dissociation in ((15, 8, "4", "mild"), (40, 13, "5", "mild"), (60, 6, "5", "none"),
                                              (70, 3, "5", "none")):
        out.append(dict(session_id=session_id, recorded_by_id=session["clinician_id"],
                        at=session["dosed_at"] + dt.timedelta(minutes=minutes),
                        systolic=session["bp_before_systolic"] + rise + int(rng.gauss(0, 3)),
                        diastolic=session["bp_before_diastolic"] + rise // 2 + int(rng.gauss(0, 2)),
                        heart_rate=int(rng.gauss(78, 6)), spo2=rng.choice((96, 97, 98, 99)), moaas=moaas,
                        dissociation=dissociation, nausea=minutes == 15 and rng.random() < 0.2, vomiting=False,
                        action_note=None, created_at=session["dosed_at"] + dt.timedelta(minutes=minutes)))
    return out


def _assessment(rows: _Rows, pid: int, client_id: str, instrument: str, answers: list[int], at: dt.datetime, day: dt.date,
                index_event: str | None = None) -> None:
    result = _score(instrument, tuple(answers))
    rows.assessments.append((pid, client_id, instrument, answers, result.total, result.severity, list(result.flags),
                             at, day, at, None, index_event))  # ASSESSMENT_COLUMNS


@functools.lru_cache(maxsize=1 << 16)
def _score(instrument: str, answers: tuple[int, ...]):
    """instruments.score, remembered: a big demo draws the same answers many times over."""
    return score(instrument, answers)
