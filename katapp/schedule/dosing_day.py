"""Dosing day (issue #12) with the database: check in, the pre-dose record, the dose (the hard
stop), vitals, adverse events and the discharge of one ketamine session.

The rules are `katapp.domain.dosing`'s; this module builds its facts from rows, the clinic's
settings and the clock, and answers failing checks as `NotAllowed` (422) whose `fields` are
`dosing.as_fields(checks)`. Every step is saved when submitted (one commit per action), so a
reload or a dropped network loses nothing that was sent.

Statuses: scheduled -> checked_in -> dosed -> completed. A ketamine session's "completed" is the
domain's DISCHARGED (see `vocabulary.SESSION_STATUSES`): CONTRACT.md's `PATCH status=completed`
is the discharge, reached only through the discharge checks, and on a session not yet dosed it
runs the pre-dose checks at that moment, so the answer names every failing check.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from katapp.clinic import dosing_settings
from katapp.clock import local_day, local_today, utcnow
from katapp.domain import dosing, scheduling
from katapp.domain.vocabulary import DISSOCIATION_KEYS, MOAAS_KEYS, ROUTE_KEYS, SEVERITY_KEYS
from katapp.errors import Conflict, Invalid, NotAllowed, NotFound
from katapp.extensions import db
from katapp.models import AdverseEvent, SafetyFlag, Screening, TherapySession, VitalReading
from katapp.schedule.parse import Reader, sentence
from katapp.security import audit, is_care_team, visible_patient_ids

LATE_ENTRY = dt.timedelta(hours=12)  # a reading may be charted up to this long after it was taken


# --- Facts -------------------------------------------------------------------------------------------------
def screening_fact(session: TherapySession) -> dosing.Screening | None:
    """The patient's latest screening as the domain sees it; any uncleared "yes" on file counts."""
    rows = db.session.scalars(select(Screening).where(Screening.patient_id == session.patient_id)
                              .order_by(Screening.recorded_at.desc(), Screening.id.desc())).all()
    if not rows:
        return None
    uncleared = tuple(dict.fromkeys(flag for r in rows if r.blocks_ketamine for flag in r.flags))
    return dosing.Screening(taken_on=local_day(session.patient, rows[0].recorded_at), uncleared=uncleared,
                            signed_off=rows[0].signed_off)


def _open_flags(patient_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(SafetyFlag)
                             .where(SafetyFlag.patient_id == patient_id, SafetyFlag.acknowledged_at.is_(None)))


def _rescreen_after(session: TherapySession, today: dt.date, gap_days: int) -> dt.date | None:
    dosed = db.session.scalars(select(TherapySession.dosed_at).where(
        TherapySession.patient_id == session.patient_id, TherapySession.kind == "ketamine",
        TherapySession.dosed_at.is_not(None), TherapySession.id != session.id)).all()
    days = [local_day(session.patient, at) for at in dosed]
    return dosing.previous_series_end(days, today, gap_days)


def predose_facts(s: TherapySession, now: dt.datetime, rules: dosing.DosingSettings) -> dosing.PreDose:
    """What is known about `s` at `now` (its stored pre-dose record and the patient's state)."""
    bp = None
    if s.predose_bp_at is not None and s.bp_before_systolic is not None:
        bp = dosing.Reading(at=s.predose_bp_at, systolic=s.bp_before_systolic, diastolic=s.bp_before_diastolic)
    return dosing.PreDose(
        now=now, tz=s.patient.timezone, starts_at=s.starts_at, screening=screening_fact(s),
        open_flags=_open_flags(s.patient_id), bp=bp, override_reason=s.bp_override_reason or "",
        ticked=frozenset(s.predose_ticked or ()), weight_kg=s.weight_kg,
        circumstances=frozenset({dosing.PREGNANCY_POSSIBLE}) if s.pregnancy_possible else frozenset(),
        rescreen_after=_rescreen_after(s, local_today(s.patient, now), rules.series_gap_days))


def predose_checks(s: TherapySession, now: dt.datetime | None = None) -> list[dosing.Check]:
    """The failing pre-dose checks of `s` now ([]: the dose may start)."""
    rules = dosing_settings()
    return dosing.predose_checks(predose_facts(s, now or utcnow(), rules), rules)


def readings(s: TherapySession) -> list[dosing.Reading]:
    return [dosing.Reading(at=v.at, systolic=v.systolic, diastolic=v.diastolic, heart_rate=v.heart_rate,
                           spo2=v.spo2, action_note=v.action_note or "") for v in s.vitals]


def discharge_checks(s: TherapySession, ticked: Iterable[str], now: dt.datetime | None = None) -> list[dosing.Check]:
    """The failing discharge checks of a dosed session now ([]: the patient may leave)."""
    return dosing.discharge_checks(s.dosed_at, now or utcnow(), s.route, readings(s), ticked, dosing_settings())


def refuse(checks: list[dosing.Check], what: str) -> None:
    """NotAllowed (422) naming every failing check, when there are any."""
    if checks:
        raise NotAllowed(f"{what}: " + "; ".join(c.message for c in checks) + ".", dosing.as_fields(checks))


# --- Steps -------------------------------------------------------------------------------------------------
def ketamine_only(s: TherapySession) -> None:
    if s.kind != "ketamine":
        raise Invalid("Only a ketamine session has a dosing day.", {"status": "only for a ketamine session"})


KETAMINE_ONLY = ("checked_in", "dosed")


def advance(s: TherapySession, target: str) -> None:
    """Conflict unless the lifecycle allows `s` to move to `target` (completed = discharged)."""
    ketamine_only(s)
    here = dosing.DISCHARGED if s.status == "completed" else s.status
    try:
        dosing.check_move(here, dosing.DISCHARGED if target == "completed" else target)
    except ValueError as exc:
        raise Conflict(sentence(str(exc)), {"status": sentence(str(exc))}) from None


def check_in(s: TherapySession) -> TherapySession:
    """Scheduled -> checked in; commits."""
    advance(s, "checked_in")
    s.status, s.checked_in_at = "checked_in", utcnow()
    audit("session_checked_in", patient_id=s.patient_id, obj=s)
    db.session.commit()
    return s


@dataclass
class PreDoseEntry:
    weight_kg: float | None
    bp: str | None
    ticked: tuple[str, ...] = ()
    pregnancy_possible: bool = False
    override_reason: str = ""


def save_predose(s: TherapySession, entry: PreDoseEntry, *, commit: bool = True) -> list[dosing.Check]:
    """Store the pre-dose record of a checked-in session (saved even while checks fail, so nothing
    typed is lost) and commit; returns the checks still failing. Invalid for impossible values.
    A BP above the limit with an override reason is audited as an override."""
    if s.status not in ("checked_in", "scheduled" if not commit else "checked_in"):
        raise Conflict("Record the pre-dose check after check-in and before the dose.",
                       {"status": "check the patient in first" if s.status == "scheduled" else "already dosed"})
    rules, errors = dosing_settings(), {}
    keys = {i.key for i in rules.predose_checklist}
    if entry.weight_kg is not None and not dosing.WEIGHT_KG[0] <= entry.weight_kg <= dosing.WEIGHT_KG[1]:
        errors["weight_kg"] = f"Weight must be between {dosing.WEIGHT_KG[0]:g} and {dosing.WEIGHT_KG[1]:g} kg."
    bp = _bp(entry.bp, "bp", errors)
    # A key ticked earlier whose item the clinic has since removed is dropped, not refused.
    unknown = set(entry.ticked) - keys - set(s.predose_ticked or ())
    if unknown:
        errors["checklist"] = "Unknown checklist items: " + ", ".join(sorted(unknown)) + "."
    if len(entry.override_reason or "") > 2000:
        errors["override_reason"] = "At most 2000 characters."
    Invalid.check(errors, "Some fields are not valid.")
    if bp and (bp[0], bp[1]) != (s.bp_before_systolic, s.bp_before_diastolic):
        s.bp_before_systolic, s.bp_before_diastolic, s.predose_bp_at = bp[0], bp[1], utcnow()
    s.weight_kg = entry.weight_kg if entry.weight_kg is not None else s.weight_kg
    s.predose_ticked, s.pregnancy_possible = sorted(set(entry.ticked) & keys), bool(entry.pregnancy_possible)
    keep_labels(s, "predose", dosing.labels_of(rules.predose_checklist, s.predose_ticked))
    reason = (entry.override_reason or "").strip() or None
    if reason and reason != s.bp_override_reason:
        audit("predose_bp_override", patient_id=s.patient_id, obj=s,
              detail=f"BP {s.bp_before_systolic}/{s.bp_before_diastolic}: {reason}"[:255])
    s.bp_override_reason = reason
    audit("predose_recorded", patient_id=s.patient_id, obj=s)
    if commit:
        db.session.commit()
    return predose_checks(s)


def keep_labels(s: TherapySession, checklist: str, labels: dict[str, str]) -> None:
    """Keep the words of the items ticked on `checklist` ("predose" or "discharge") with the session."""
    s.checklist_labels = {**(s.checklist_labels or {}), checklist: labels}


def _bp(text: str | None, name: str, errors: dict[str, str]) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        return scheduling.parse_bp(text)
    except ValueError as exc:
        errors[name] = sentence(str(exc))
        return None


@dataclass
class DoseEntry:
    dose_mg: float | None
    route: str | None
    reason: str = ""


def give_dose(s: TherapySession, entry: DoseEntry, now: dt.datetime | None = None) -> dosing.DoseVerdict:
    """Checked in -> dosed, after the pre-dose checks at this moment (NotAllowed naming each) and the
    mg/kg range (outside it: NotAllowed on `dose_mg` unless a reason confirms it). Commits."""
    advance(s, "dosed")
    errors = {}
    if isinstance(entry.dose_mg, bool) or not isinstance(entry.dose_mg, int | float) or not 0.1 <= entry.dose_mg <= 1000:
        errors["dose_mg"] = "Enter the dose in mg (0.1 to 1000)."
    if entry.route not in ROUTE_KEYS:
        errors["route"] = "Choose the route: " + ", ".join(ROUTE_KEYS) + "."
    Invalid.check(errors, "Some fields are not valid.")
    now = now or utcnow()
    refuse(predose_checks(s, now), "The dose cannot start")
    verdict = dosing.dose_check(entry.route, float(entry.dose_mg), s.weight_kg, dosing_settings())
    problem = verdict.problem(entry.reason or "")
    if problem:
        raise NotAllowed(problem.message, {problem.key: problem.message, "dose_reason": "Give the reason."})
    s.dose_mg, s.route, s.dose_reason = float(entry.dose_mg), entry.route, (entry.reason or "").strip() or None
    s.status, s.dosed_at, s.bp_warning_confirmed = "dosed", now, bool(s.bp_override_reason)
    audit("session_dosed", patient_id=s.patient_id, obj=s,
          detail=f"{s.dose_mg:g} mg {s.route} ({dosing.format_mg_per_kg(verdict.mg_per_kg)})"
          + (f"; outside range: {s.dose_reason}" if not verdict.in_range else ""))
    db.session.commit()
    return verdict


def end_infusion(s: TherapySession) -> TherapySession:
    """Record the end of an IV infusion now; commits."""
    if s.status != "dosed" or s.route != "iv" or s.infusion_ended_at is not None:
        raise Conflict("Only a running IV infusion can be ended.", {"status": "no running infusion"})
    s.infusion_ended_at = utcnow()
    audit("infusion_ended", patient_id=s.patient_id, obj=s)
    db.session.commit()
    return s


@dataclass
class VitalsEntry:
    bp: str | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    moaas: str | None = None
    dissociation: str | None = None
    nausea: bool = False
    vomiting: bool = False
    action_note: str = ""
    at: dt.datetime | None = None


VITALS_FIELDS = frozenset({"at", "bp", "heart_rate", "spo2", "moaas", "dissociation", "nausea", "vomiting",
                           "action_note"})


def vitals_request(body) -> VitalsEntry:
    """A vitals API body (VITALS_FIELDS) as an entry; Invalid naming every bad field."""
    read = Reader(body)
    moaas = body.get("moaas")
    entry = VitalsEntry(
        at=read.moment("at") if "at" in body else None, bp=read.text("bp", 20),
        heart_rate=read.number("heart_rate", *dosing.HEART_RATE_RANGE),
        spo2=read.number("spo2", *dosing.SPO2_RANGE),
        moaas=str(moaas) if isinstance(moaas, int) and not isinstance(moaas, bool) else moaas,
        dissociation=read.choice("dissociation", DISSOCIATION_KEYS, optional=True),
        nausea=read.flag("nausea"), vomiting=read.flag("vomiting"), action_note=read.text("action_note", 2000) or "")
    for name in ("heart_rate", "spo2"):
        value = getattr(entry, name)
        if value is not None and value != int(value):
            read.refuse(name, "a whole number")
    read.done()
    return entry


def add_vitals(s: TherapySession, entry: VitalsEntry, recorded_by, *, commit: bool = True) -> VitalReading:
    """Store a reading of a dosed session (at `entry.at`, default now; between the dose and now).
    Invalid for impossible values; NotAllowed when a value alerts and no action note says what
    was done. Commits."""
    if s.status != "dosed":
        raise Conflict("Vitals are recorded between the dose and the discharge.", {"status": "not under observation"})
    now, errors = utcnow(), {}
    at = entry.at or now
    if not s.dosed_at - dt.timedelta(minutes=1) <= at <= now + dt.timedelta(minutes=1):
        errors["at"] = "The time must be between the dose and now."
    bp = _bp(entry.bp, "bp", errors)
    if entry.moaas is not None and entry.moaas not in MOAAS_KEYS:
        errors["moaas"] = "MOAA/S is 0 to 5."
    if entry.dissociation is not None and entry.dissociation not in DISSOCIATION_KEYS:
        errors["dissociation"] = "One of " + ", ".join(DISSOCIATION_KEYS) + "."
    try:
        reading = dosing.Reading(at=at, systolic=bp[0] if bp else None, diastolic=bp[1] if bp else None,
                                 heart_rate=entry.heart_rate, spo2=entry.spo2, action_note=entry.action_note or "")
    except ValueError as exc:
        errors["heart_rate" if "heart" in str(exc) else "spo2"] = sentence(str(exc))
    Invalid.check(errors, "Some fields are not valid.")
    alerts = dosing.vital_alerts(reading, dosing_settings())
    if alerts and not reading.action_note.strip():
        raise NotAllowed("; ".join(a.message for a in alerts) + ": write what was done.",
                         {**dosing.as_fields(alerts), "action_note": "Write what was done about this reading."})
    row = VitalReading(session_id=s.id, recorded_by_id=recorded_by.id, at=at, systolic=reading.systolic,
                       diastolic=reading.diastolic, heart_rate=reading.heart_rate, spo2=reading.spo2,
                       moaas=entry.moaas, dissociation=entry.dissociation, nausea=bool(entry.nausea),
                       vomiting=bool(entry.vomiting), action_note=reading.action_note.strip() or None)
    db.session.add(row)
    db.session.flush()
    audit("vitals_recorded", patient_id=s.patient_id, obj=row, detail="alert" if alerts else None)
    if commit:
        db.session.commit()
    else:
        db.session.refresh(s, ["vitals"])
    return row


def add_adverse_event(s: TherapySession, severity: str | None, description: str | None, recorded_by) -> AdverseEvent:
    """Store an adverse event of a checked-in or dosed session; commits."""
    if s.status not in ("checked_in", "dosed"):
        raise Conflict("Adverse events are recorded during the session.", {"status": "not in progress"})
    errors = {}
    if severity not in SEVERITY_KEYS:
        errors["severity"] = "Choose mild, moderate or severe."
    if not isinstance(description, str) or not description.strip() or len(description) > 2000:
        errors["description"] = "Describe what happened (at most 2000 characters)."
    Invalid.check(errors, "Some fields are not valid.")
    row = AdverseEvent(session_id=s.id, recorded_by_id=recorded_by.id, at=utcnow(), severity=severity,
                       description=description.strip())
    db.session.add(row)
    db.session.flush()
    audit("adverse_event", patient_id=s.patient_id, obj=row, detail=f"{severity}: {row.description}"[:255])
    db.session.commit()
    return row


def discharge(s: TherapySession, ticked: Iterable[str]) -> TherapySession:
    """Dosed -> completed (discharged) after the discharge checks; commits. On a session not yet
    dosed, the pre-dose checks run now and every failing check is named (NotAllowed)."""
    ketamine_only(s)
    if s.status in ("scheduled", "checked_in"):
        refuse(predose_checks(s) + [dosing.Check("observation", "no dose has been given: give it, then observe")],
               "This session cannot be completed")
    advance(s, "completed")
    ticked = sorted(set(ticked))
    refuse(discharge_checks(s, ticked), "The patient cannot be discharged yet")
    s.status, s.discharge_ticked = "completed", ticked
    keep_labels(s, "discharge", dosing.labels_of(dosing_settings().discharge_checklist, ticked))
    s.completed_at = s.updated_at = utcnow()
    audit("session_completed", patient_id=s.patient_id, obj=s, detail="discharged")
    db.session.commit()
    return s


def alerts_of(v: VitalReading, rules: dosing.DosingSettings) -> list[dosing.Check]:
    """The alerts of a stored reading (the page highlights them)."""
    return dosing.vital_alerts(dosing.Reading(at=v.at, systolic=v.systolic, diastolic=v.diastolic,
                                              heart_rate=v.heart_rate, spo2=v.spo2), rules)


def local_dose_day(s: TherapySession, user) -> dt.date:
    """The day, in `user`'s zone, a reading's time of day belongs to: the day of the dose."""
    return local_day(user, s.dosed_at or utcnow())


def visible_session(user, session_id: int) -> TherapySession:
    """The session if `user` is its patient or on its patient's care team; NotFound otherwise."""
    s = db.session.get(TherapySession, session_id)
    if s is None or not (s.patient_id == user.id or is_care_team(user, s.patient_id)):
        raise NotFound("no such session")
    return s


# --- The record ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DosingRecord:
    """What a completed (or running) dosing day shows: the session page, the dosing screen and the
    patient's timeline. `bp_after` is the last BP before discharge (older records: the BP after);
    `overrides` are (what, reason) pairs; `observed_minutes` from the dose to the discharge."""

    session: TherapySession
    mg_per_kg: str | None
    bp_before: str | None
    bp_after: str | None
    peaks: dosing.Peaks
    observed_minutes: int | None
    overrides: tuple[tuple[str, str], ...]
    predose_items: tuple[str, ...]
    discharge_items: tuple[str, ...]


def record_of(s: TherapySession) -> DosingRecord:
    """The dosing record of `s` from its own rows (vitals and adverse events: load them with it)."""
    rows = readings(s)
    with_bp = [r for r in rows if r.has_bp and (s.completed_at is None or r.at <= s.completed_at)]
    bp_after = with_bp[-1].bp if with_bp else bp_text(s.bp_after_systolic, s.bp_after_diastolic)
    overrides = []
    if s.bp_override_reason:
        overrides.append((f"Dosed above the BP limit (pre-dose {bp_text(s.bp_before_systolic, s.bp_before_diastolic)})",
                          s.bp_override_reason))
    if s.dose_reason:
        overrides.append(("Dose outside the clinic's range", s.dose_reason))
    labels = s.checklist_labels or {}
    return DosingRecord(
        session=s, mg_per_kg=dosing.format_mg_per_kg(s.dose_mg / s.weight_kg) if s.dose_mg and s.weight_kg else None,
        bp_before=bp_text(s.bp_before_systolic, s.bp_before_diastolic), bp_after=bp_after,
        peaks=dosing.peaks(rows, (v.moaas for v in s.vitals), (v.dissociation for v in s.vitals)),
        observed_minutes=dosing.minutes_since(s.dosed_at, s.completed_at) if s.dosed_at and s.completed_at else None,
        overrides=tuple(overrides),
        predose_items=tuple(dosing.ticked_labels(s.predose_ticked or (), labels.get("predose"),
                                                 dosing.PREDOSE_CHECKLIST)),
        discharge_items=tuple(dosing.ticked_labels(s.discharge_ticked or (), labels.get("discharge"),
                                                   dosing.DISCHARGE_CHECKLIST)))


def bp_text(systolic: int | None, diastolic: int | None) -> str | None:
    """"128/84", or None without both values."""
    return f"{systolic}/{diastolic}" if systolic is not None and diastolic is not None else None


def completed_records(user, patient_id: int) -> list[DosingRecord]:
    """The records of `patient_id`'s completed ketamine sessions, newest first, if `user` may see
    the patient ([] otherwise). Three queries however many sessions: sessions, vitals, events."""
    sessions = db.session.scalars(
        select(TherapySession)
        .where(TherapySession.patient_id == patient_id, TherapySession.patient_id.in_(visible_patient_ids(user)),
               TherapySession.kind == "ketamine", TherapySession.status == "completed")
        .order_by(TherapySession.starts_at.desc())
        .options(selectinload(TherapySession.vitals), selectinload(TherapySession.adverse_events))).all()
    return [record_of(s) for s in sessions]
