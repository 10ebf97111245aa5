"""The demo clinic (`flask demo-data`): deterministic per seed, clinically plausible, bulk-inserted.

Patient k is on clinician1's caseload when k is odd, clinician2's when even (CONTRACT.md).
Outcome profiles rotate so the clinic has remitters, responders, partial responders,
non-responders and one who relapses after the series (median relapse 18 days after the last
infusion, shared/clinical/instruments.md). patient2 has an uncleared contraindication (so no
ketamine sessions); patient3 has an open safety flag (PHQ-9 item 9 above 0).
"""
from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

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
    VitalReading,
    care_team,
    utcnow,
)
from katapp.passwords import hash_password

DEFAULT_PASSWORD = "katapp-demo-password"  # noqa: S105 - demo-only password, printed and in README  # nosec B105
CLINIC_TZ = "America/New_York"
PATIENT_ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/New_York", "Europe/London"]
PROFILES = ["remitter", "responder", "non_responder", "partial", "relapser"]
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Taylor", "Jamie", "Avery", "Quinn",
               "Robin", "Drew", "Reese", "Skyler", "Rowan", "Emerson", "Harper", "Sage", "Parker", "Blake"]
LAST_INITIALS = "ABCDEFGHJKLMNPRSTVW"
PROMPTS = {
    "after_24h": "What stood out for you in the session?",
    "after_48h": "What has shifted since the session?",
    "after_72h": "What do you want to carry forward?",
    "before": "What do you hope to explore in your next session?",
}
JOURNAL_LINES = [
    "I noticed the heaviness lifted a little in the afternoon. I went for a walk without forcing myself.",
    "The session felt like watching my thoughts from a distance. I want to remember that feeling of space.",
    "Slept better last night. Talked to my sister for the first time in weeks.",
    "Harder day today. The fog came back, but I could name it instead of drowning in it.",
    "I keep thinking about the image of the open door. My therapist asked what is on the other side.",
    "Cooked a real meal. Small thing, but I wanted to write it down.",
    "I felt anxious before the session and calm after. Want to talk about the grief that came up.",
    "Noticed I was kinder to myself when I made a mistake at work.",
]

# What patients are treated for (User.indication): mostly depression, as in most ketamine clinics.
INDICATIONS = ("depression", "depression", "ptsd", "depression", "pain", "depression", "other")


class DemoError(RuntimeError):
    pass


@dataclass
class _Rows:
    checkins: list[dict] = field(default_factory=list)
    assessments: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    journals: list[dict] = field(default_factory=list)
    screenings: list[dict] = field(default_factory=list)


class _SlotBook:
    """Hands out non-overlapping 2-hour blocks per clinician and local day (08:00 to 18:00)."""

    HOURS = (8, 10, 12, 14, 16)

    def __init__(self) -> None:
        self.taken: dict[tuple[int, dt.date], int] = {}

    def book(self, clinician_id: int, day: dt.date, tz: ZoneInfo) -> dt.datetime:
        while True:
            used = self.taken.get((clinician_id, day), 0)
            if used < len(self.HOURS):
                self.taken[(clinician_id, day)] = used + 1
                local = dt.datetime.combine(day, dt.time(self.HOURS[used]), tzinfo=tz)
                return local.astimezone(dt.UTC)
            day += dt.timedelta(days=1)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _items_for_total(rng: random.Random, total: int, count: int, max_item: int, keep_zero: set[int]) -> list[int]:
    """Item answers that sum to `total` (spread at random), leaving the `keep_zero` items at 0."""
    answers = [0] * count
    slots = [i for i in range(count) if i not in keep_zero]
    total = max(0, min(total, len(slots) * max_item))
    while total > 0:
        i = rng.choice(slots)
        if answers[i] < max_item:
            answers[i] += 1
            total -= 1
    return answers


def _trajectory(profile: str, baseline: float, t_days: float, series_days: float, after_series: float) -> float:
    """PHQ-9 expected at `t_days` after the series start (negative: before treatment)."""
    targets = {"remitter": 0.15, "responder": 0.42, "partial": 0.65, "non_responder": 0.92, "relapser": 0.38}
    end = baseline * targets[profile]
    if t_days < 0:
        return baseline
    if t_days <= series_days:  # the effect builds session by session
        frac = t_days / max(series_days, 1)
        return baseline - (baseline - end) * (1 - (1 - frac) ** 1.6)
    days_after = t_days - series_days
    if profile == "relapser" and days_after > 12:  # relapse from about day 18 after the series
        return min(baseline - 2, end + (days_after - 12) * 0.45)
    # Remitters hold their gains; others give a little back over two months (not a relapse).
    give_back = 0.0 if profile == "remitter" else 0.004
    return end + min(days_after, 60) * give_back * (baseline - end)


def reset_database() -> None:
    """Delete every row of every table (children first); the audit log through its own wipe."""
    from katapp.audit.chain import clear_log

    clear_log(db.session)
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in ("audit_events", "audit_chain_head"):
            db.session.execute(table.delete())
    db.session.commit()


def build_demo(*, patients: int = 12, days: int = 120, password: str = DEFAULT_PASSWORD, seed: int = 1,
               reset: bool = False, today: dt.date | None = None, require_2fa: bool = False) -> dict[str, int]:
    """Create the demo clinic; returns row counts. DemoError when the database is not empty."""
    if patients < 3 or days < 14:
        raise DemoError("The demo needs at least 3 patients and 14 days.")
    if db.session.scalar(select(User.id).limit(1)) is not None:
        if not reset:
            raise DemoError("The database already has accounts. Use --reset to replace everything with the demo.")
        reset_database()
    rng = random.Random(seed)  # seeded, reproducible demo data (not security)  # nosec B311
    clinic_tz = ZoneInfo(CLINIC_TZ)
    today = today or utcnow().astimezone(clinic_tz).date()
    start_day = today - dt.timedelta(days=days - 1)
    pw_hash = hash_password(password)  # one hash for all demo accounts: they share the password
    now = utcnow()

    # CONTRACT.md: the demo clinic signs in with the password alone unless asked (--require-2fa).
    db.session.merge(ClinicSettings(id=1, **{**ClinicSettings.defaults(), "clinic_name": "Demo KAT Clinic",
                                             "require_staff_2fa": require_2fa}))
    staff = [
        dict(email="admin@demo.katapp.org", display_name="Avery Admin", role="admin"),
        dict(email="clinician1@demo.katapp.org", display_name="Dr. Maya Chen", role="clinician"),
        dict(email="clinician2@demo.katapp.org", display_name="Dr. Luis Ortega", role="clinician"),
    ]
    users = [
        {**s, "indication": None, "timezone": CLINIC_TZ, "active": True, "password_hash": pw_hash, "session_version": 1,
         "created_at": now}
        for s in staff
    ]
    for k in range(1, patients + 1):
        name = f"{FIRST_NAMES[(k - 1) % len(FIRST_NAMES)]} {LAST_INITIALS[(k * 7) % len(LAST_INITIALS)]}."
        users.append(dict(email=f"patient{k}@demo.katapp.org", display_name=name, role="patient",
                          indication=INDICATIONS[(k - 1) % len(INDICATIONS)],
                          timezone=PATIENT_ZONES[k % len(PATIENT_ZONES)], active=True, password_hash=pw_hash,
                          session_version=1, created_at=now))
    db.session.execute(insert(User), users)
    ids = dict(db.session.execute(select(User.email, User.id)).all())
    clin = [ids["clinician1@demo.katapp.org"], ids["clinician2@demo.katapp.org"]]
    db.session.execute(insert(care_team), [
        {"clinician_id": clin[0] if k % 2 else clin[1], "patient_id": ids[f"patient{k}@demo.katapp.org"], "added_at": now}
        for k in range(1, patients + 1)
    ])
    # clinician1 turned the PCL-5 on for patient1 (it is off until a clinician turns it on).
    db.session.execute(insert(InstrumentPlan), [{"patient_id": ids["patient1@demo.katapp.org"], "instrument": "pcl5",
                                                 "enabled": True, "changed_by_id": clin[0], "changed_at": now}])

    rows = _Rows()
    book = _SlotBook()
    flagged: list[tuple[int, str]] = []  # (patient id, assessment client id) for patient3's flag
    for k in range(1, patients + 1):
        pid = ids[f"patient{k}@demo.katapp.org"]
        cid = clin[0] if k % 2 else clin[1]
        tz = ZoneInfo(PATIENT_ZONES[k % len(PATIENT_ZONES)])
        profile = "non_responder" if k == 2 else PROFILES[(k - 1) % len(PROFILES)]
        _patient(rng, rows, book, k=k, pid=pid, cid=cid, tz=tz, clinic_tz=clinic_tz, profile=profile,
                 start_day=start_day, today=today, days=days, flagged=flagged)

    for table, data in ((CheckIn, rows.checkins), (Assessment, rows.assessments),
                        (TherapySession, rows.sessions), (Screening, rows.screenings)):
        for i in range(0, len(data), 5000):
            db.session.execute(insert(table), data[i:i + 5000])
    if rows.journals:
        session_ids = {
            (p, s): i for i, p, s in db.session.execute(
                select(TherapySession.id, TherapySession.patient_id, TherapySession.starts_at)
                .where(TherapySession.kind == "ketamine"))
        }
        for entry in rows.journals:
            entry["session_id"] = session_ids.get(entry.pop("_session_key"))
        db.session.execute(insert(JournalEntry), rows.journals)
    dosed = db.session.scalars(select(TherapySession).where(TherapySession.dosed_at.is_not(None))
                               .order_by(TherapySession.id)).all()
    override, upset = (dosed[1], dosed[3]) if len(dosed) > 3 else (None, None)
    if override is not None:  # a pre-dose BP a little above the limit, dosed with a clinician's reason
        override.bp_before_systolic, override.bp_before_diastolic, override.bp_warning_confirmed = 146, 92, True
        override.bp_override_reason = ("Anxious on arrival; 142/90 after 10 minutes seated, home readings about "
                                       "128/82. Benefit and risk discussed with the patient; dosed with closer BP checks.")
    vitals = [v for session in dosed for v in _vitals(rng, session)]
    if upset is not None:  # nausea with vomiting 15 minutes after the dose, treated and settled
        next(v for v in vitals if v["session_id"] == upset.id).update(nausea=True, vomiting=True)
    if vitals:
        db.session.execute(insert(VitalReading), vitals)
    if upset is not None:
        db.session.add(AdverseEvent(session_id=upset.id, recorded_by_id=upset.clinician_id, severity="mild",
                                    at=upset.dosed_at + dt.timedelta(minutes=15),
                                    description="Nausea and one episode of vomiting 15 minutes after the dose; "
                                                "ondansetron 4 mg IV, settled within 20 minutes."))
    for pid, client_id in flagged:
        assessment = db.session.scalar(select(Assessment).where(Assessment.patient_id == pid,
                                                                Assessment.client_id == client_id))
        db.session.add(SafetyFlag(patient_id=pid, source="assessment", assessment_id=assessment.id,
                                  reason="PHQ-9 item 9 (thoughts of self-harm) answered above 0",
                                  raised_at=assessment.recorded_at))
    from katapp.dashboard.store import rebuild_all  # the rows above were bulk inserts, which no flush sees

    rebuild_all()
    db.session.commit()
    return {
        "users": len(users), "checkins": len(rows.checkins), "assessments": len(rows.assessments),
        "sessions": len(rows.sessions), "journal_entries": len(rows.journals),
    }


def _local(day: dt.date, hour: float, tz: ZoneInfo) -> dt.datetime:
    h, m = int(hour), int((hour % 1) * 60)
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=tz).astimezone(dt.UTC)


def _patient(rng, rows: _Rows, book: _SlotBook, *, k, pid, cid, tz, clinic_tz, profile, start_day, today, days,
             flagged) -> None:
    baseline = rng.uniform(16, 24)
    now = utcnow()
    # Intake on day 2, the induction series 7 to 20 days in (staggered), 6 sessions over ~2.5 weeks.
    intake_day = start_day + dt.timedelta(days=1)
    series_start = start_day + dt.timedelta(days=min(7 + (k * 3) % 14, max(days - 20, 7)))
    offsets = [0, 2, 4, 7, 9, 11]
    has_contraindication = k == 2
    cleared_yes = k % 4 == 0 and not has_contraindication

    intake_at = book.book(cid, intake_day, clinic_tz)
    rows.sessions.append(dict(patient_id=pid, clinician_id=cid, kind="intake", status="completed",
                              starts_at=intake_at, ends_at=intake_at + dt.timedelta(minutes=60),
                              created_at=intake_at, completed_at=intake_at + dt.timedelta(minutes=60)))
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

    ketamine_times: list[dt.datetime] = []
    if not has_contraindication:
        weight = rng.uniform(58, 95)
        for n, off in enumerate(offsets, start=1):
            day = series_start + dt.timedelta(days=off)
            if day > today + dt.timedelta(days=14):
                break
            starts = book.book(cid, day, clinic_tz)
            ketamine_times.append(starts)
            rows.sessions.append(_ketamine(rng, pid, cid, starts, weight, done=starts < now))
            if n in (1, 3, 6):  # integration therapy the day after
                istart = book.book(cid, day + dt.timedelta(days=1), clinic_tz)
                status = "completed" if istart < now else "scheduled"
                if n == 3 and k % 6 == 0 and istart < now:
                    status = "no_show"
                iend = istart + dt.timedelta(minutes=50)
                rows.sessions.append(dict(patient_id=pid, clinician_id=cid, kind="integration", status=status,
                                          starts_at=istart, ends_at=iend, created_at=intake_at,
                                          completed_at=iend if status == "completed" else None))
        # A booster for responders about six weeks after the series, when it fits the window.
        booster_day = series_start + dt.timedelta(days=11 + 42)
        if profile in ("responder", "relapser") and booster_day <= today + dt.timedelta(days=10):
            bstart = book.book(cid, booster_day, clinic_tz)
            rows.sessions.append(_ketamine(rng, pid, cid, bstart, weight, done=bstart < now))
        # Everyone has a follow-up booked next week.
        fstart = book.book(cid, today + dt.timedelta(days=3 + k % 5), clinic_tz)
        rows.sessions.append(dict(patient_id=pid, clinician_id=cid, kind="follow_up", status="scheduled",
                                  starts_at=fstart, ends_at=fstart + dt.timedelta(minutes=30), created_at=now))

    series_days = float(offsets[-1])
    day0 = series_start
    # patient3's most recent weekly PHQ-9 carries the open safety flag (CONTRACT.md).
    weekly_done = [i for i in range(0, days, 7) if _local(start_day + dt.timedelta(days=i), 20.0, tz) < now]
    flag_day = weekly_done[-1] if k == 3 and weekly_done else None
    for i in range(days):
        day = start_day + dt.timedelta(days=i)
        t = (day - day0).days
        phq = _trajectory(profile, baseline, t, series_days, 0) if ketamine_times else baseline + rng.uniform(-1, 1)
        # Daily check-in on most days (about 85 %), at a morning or evening moment in the patient's zone.
        if rng.random() < 0.85 and (day < today or rng.random() < 0.5):
            at = _local(day, rng.choice([8.5, 9.25, 12.0, 19.5, 21.75]), tz)
            if at < now:
                mood = round(max(0, min(10, 10 - phq * 10 / 27 + rng.gauss(0, 1.0))))
                rows.checkins.append(dict(
                    patient_id=pid, client_id=_uuid(rng), recorded_at=at, local_date=day, mood=mood,
                    anxiety=round(max(0, min(10, phq * 8 / 27 + rng.gauss(0, 1.2)))),
                    energy=round(max(0, min(10, mood + rng.gauss(-0.5, 1.2)))),
                    pain=round(max(0, min(10, rng.gauss(2.5, 1.5)))),
                    sleep_hours=round(max(3, min(11, rng.gauss(6.2 + mood * 0.12, 0.9))) * 2) / 2,
                    self_harm_thoughts=False, note=None, received_at=at))
        # Weekly PHQ-9 and GAD-7, and a PHQ-9 the day before each ketamine session.
        weekly = i % 7 == 0
        before_session = any((kt.astimezone(tz).date() - day).days == 1 for kt in ketamine_times)
        if weekly or before_session:
            at = _local(day, 20.0, tz)
            if at < now:
                total = round(max(0, min(27, phq + rng.gauss(0, 1.3))))
                risky = i == flag_day
                answers = _items_for_total(rng, total if not risky else max(total - 1, 0), 9, 3, keep_zero={8})
                if risky:
                    answers[8] = 1
                client_id = _uuid(rng)
                _assessment(rows, pid, client_id, "phq9", answers, at, day)
                if risky:
                    flagged.append((pid, client_id))
                if weekly:
                    gad_total = round(max(0, min(21, phq * 0.72 + rng.gauss(0, 1.3))))
                    _assessment(rows, pid, _uuid(rng), "gad7", _items_for_total(rng, gad_total, 7, 3, set()), at, day)
    # Journal entries after completed ketamine sessions (every other one shared with the care team).
    for n, kt in enumerate(t for t in ketamine_times if t < now):
        moment = ["after_24h", "after_48h", "after_72h"][n % 3]
        created = kt + dt.timedelta(hours=20 + 24 * (n % 3))
        if created >= now:
            continue
        rows.journals.append(dict(author_id=pid, client_id=_uuid(rng), prompt=PROMPTS[moment],
                                  body=rng.choice(JOURNAL_LINES) + "\n\n" + rng.choice(JOURNAL_LINES),
                                  shared=(n % 2 == 0), created_at=created, _session_key=(pid, kt)))


def _ketamine(rng, pid, cid, starts: dt.datetime, weight: float, *, done: bool) -> dict:
    row = dict(patient_id=pid, clinician_id=cid, kind="ketamine", status="scheduled", starts_at=starts,
               ends_at=starts + dt.timedelta(minutes=90), created_at=starts - dt.timedelta(days=14))
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


def _vitals(rng, session: TherapySession) -> list[dict]:
    """Readings at 15, 40 (the BP peak), 60 and 70 minutes after a demo dose: BP up about 10-15
    mmHg at 40 min and back near baseline before discharge; mild dissociation early on."""
    out = []
    for minutes, rise, moaas, dissociation in ((15, 8, "4", "mild"), (40, 13, "5", "mild"), (60, 6, "5", "none"),
                                              (70, 3, "5", "none")):
        out.append(dict(session_id=session.id, recorded_by_id=session.clinician_id,
                        at=session.dosed_at + dt.timedelta(minutes=minutes),
                        systolic=session.bp_before_systolic + rise + int(rng.gauss(0, 3)),
                        diastolic=session.bp_before_diastolic + rise // 2 + int(rng.gauss(0, 2)),
                        heart_rate=int(rng.gauss(78, 6)), spo2=rng.choice((96, 97, 98, 99)), moaas=moaas,
                        dissociation=dissociation, nausea=minutes == 15 and rng.random() < 0.2, vomiting=False,
                        action_note=None, created_at=session.dosed_at + dt.timedelta(minutes=minutes)))
    return out


def _assessment(rows: _Rows, pid: int, client_id: str, instrument: str, answers: list[int], at: dt.datetime, day: dt.date) -> None:
    result = score(instrument, answers)
    rows.assessments.append(dict(patient_id=pid, client_id=client_id, instrument=instrument, answers=answers,
                                 total=result.total, severity=result.severity, flags=list(result.flags),
                                 recorded_at=at, local_date=day, received_at=at))
