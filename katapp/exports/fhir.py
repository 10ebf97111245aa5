"""FHIR R4 export of one patient's record for the care team's EHR (issue #17 item 6).

`bundle(record)` turns plain loaded rows into a FHIR R4 `Bundle` (type `collection`) as a dict:
Patient; Questionnaire and QuestionnaireResponse (item answers) per instrument, LOINC-coded for the
PHQ-9 (panel 44249-1, items 44250-9 ... 44260-8, total 44261-6) and GAD-7 (panel 69737-5, total
70274-6); an Observation per questionnaire total and per daily check-in (the daily scales as
components); Encounter for sessions held (and a MedicationAdministration with the ketamine dose and
route, Observations for blood pressure and vital signs); Appointment for booked, cancelled and missed
ones; Flag for safety flags; DocumentReference for journal entries the patient SHARED (the loader
never gives it private ones). The service validates the result with `fhir.resources` (R4B models,
whose resources used here are R4's) before it leaves.
"""
from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from katapp.domain.instruments import INSTRUMENTS
from katapp.domain.vocabulary import KIND, ROUTE
from katapp.models import Assessment, CheckIn, JournalEntry, SafetyFlag, TherapySession, User

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
KATAPP = "https://katapp.org/fhir/CodeSystem/katapp"  # katapp's own codes where no standard one fits
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# LOINC panels, item codes (in item order) and totals: PHQ-9 and GAD-7 forms as LOINC publishes them.
PANELS = {
    "phq9": ("44249-1", ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
                         "44253-3", "44260-8"), "44261-6"),
    "gad7": ("69737-5", ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
             "70274-6"),
}
# LOINC answer codes for the PHQ-9 / GAD-7 frequency answers (LL358-3).
FREQUENCY_ANSWERS = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
PHQ9_ITEM9 = "44260-8"
DAILY_SCALES = (  # check-in column, coding (system, code), words, unit
    ("mood", (KATAPP, "mood"), "Mood (0-10, higher is better)", "{score}"),
    ("anxiety", (KATAPP, "anxiety"), "Anxiety (0-10)", "{score}"),
    ("energy", (KATAPP, "energy"), "Energy (0-10)", "{score}"),
    ("pain", (LOINC, "72514-3"), "Pain severity 0-10 verbal numeric rating", "{score}"),
    ("sleep_hours", (LOINC, "93832-4"), "Sleep duration", "h"),
)
ROUTES = {"iv": "47625008", "im": "78421000", "intranasal": "46713006"}  # SNOMED routes; else text only
KETAMINE = {"coding": [{"system": RXNORM, "code": "6130", "display": "ketamine"}], "text": "Ketamine"}
APPOINTMENT_STATUS = {"scheduled": "booked", "checked_in": "checked-in", "cancelled": "cancelled",
                      "no_show": "noshow"}
ENCOUNTER_STATUS = {"dosed": "in-progress", "completed": "finished"}


@dataclass
class Record:
    """What the export is built from: the patient and their rows, loaded by the service.
    `journal` holds shared entries only."""

    patient: User
    assessments: list[Assessment] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    sessions: list[TherapySession] = field(default_factory=list)
    flags: list[SafetyFlag] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)


def urn(kind: str, key: object) -> str:
    """A stable `urn:uuid:` for one katapp object (the same object gives the same id in every export)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://katapp.org/{kind}/{key}"))


def _ref(kind: str, key: object, display: str | None = None) -> dict:
    return {"reference": urn(kind, key)} | ({"display": display} if display else {})


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _code(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    coding = {"system": system, "code": code} | ({"display": display} if display else {})
    return {"coding": [coding]} | ({"text": text} if text else {})


def _survey() -> list[dict]:
    return [_code(OBS_CATEGORY, "survey", "Survey")]


def _entry(kind: str, key: object, resource: dict) -> dict:
    return {"fullUrl": urn(kind, key), "resource": resource}


def bundle(record: Record, now: dt.datetime) -> dict:
    """The whole Bundle as a dict (JSON-ready)."""
    p = record.patient
    entries = [_patient(p)]
    used = sorted({a.instrument for a in record.assessments})
    entries += [_questionnaire(key) for key in used]
    for a in record.assessments:
        entries += _assessment(p, a)
    entries += [_checkin(p, c) for c in record.checkins]
    for s in record.sessions:
        entries += _session(p, s)
    entries += [_flag(p, f) for f in record.flags]
    entries += [_journal(p, j) for j in record.journal]
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection", "timestamp": _iso(now),
            "identifier": {"system": KATAPP + "/export", "value": urn("export", f"{p.id}/{now.isoformat()}")},
            "entry": entries}


def _patient(p: User) -> dict:
    telecom = [{"system": "email", "value": p.email}] + ([{"system": "phone", "value": p.phone}] if p.phone else [])
    resource = {"resourceType": "Patient", "identifier": [{"system": KATAPP + "/patient", "value": str(p.id)}],
                "active": bool(p.active), "name": [{"text": p.display_name}], "telecom": telecom}
    if p.country:
        resource["address"] = [{"country": p.country}]
    return _entry("patient", p.id, resource)


def _canonical(key: str) -> str:
    return f"{LOINC}/q/{PANELS[key][0]}" if key in PANELS else f"{KATAPP}/Questionnaire/{key}"


def _questionnaire(key: str) -> dict:
    inst = INSTRUMENTS[key]
    codes = PANELS.get(key)
    items = []
    for n, text in enumerate(inst.items, 1):
        item = {"linkId": str(n), "text": text, "type": "choice", "required": True,
                "answerOption": [{"valueCoding": _option(key, o.value, o.label)} for o in inst.options]}
        if codes:
            item["code"] = [{"system": LOINC, "code": codes[1][n - 1]}]
        items.append(item)
    total = {"linkId": "total", "text": f"{inst.short_title} total score", "type": "integer", "readOnly": True}
    if inst.loinc_total:
        total["code"] = [{"system": LOINC, "code": inst.loinc_total}]
    resource = {"resourceType": "Questionnaire", "url": _canonical(key), "name": key.upper(), "title": inst.title,
                "status": "active", "subjectType": ["Patient"], "item": [*items, total]}
    if codes:
        resource["code"] = [{"system": LOINC, "code": codes[0], "display": inst.title}]
    return _entry("questionnaire", key, resource)


def _option(key: str, value: int, label: str) -> dict:
    if key in PANELS and value in FREQUENCY_ANSWERS:
        return {"system": LOINC, "code": FREQUENCY_ANSWERS[value], "display": label}
    return {"system": f"{KATAPP}/{key}-answer", "code": str(value), "display": label}


def _assessment(p: User, a: Assessment) -> list[dict]:
    """The QuestionnaireResponse and an Observation of its total (and of PHQ-9 item 9)."""
    inst = INSTRUMENTS[a.instrument]
    words = {o.value: o.label for o in inst.options}
    items = [{"linkId": str(n), "text": text, "answer": [{"valueCoding": _option(a.instrument, v, words[v])}]}
             for n, (text, v) in enumerate(zip(inst.items, a.answers, strict=True), 1)]
    items.append({"linkId": "total", "text": f"{inst.short_title} total score", "answer": [{"valueInteger": a.total}]})
    response = {"resourceType": "QuestionnaireResponse", "questionnaire": _canonical(a.instrument),
                "status": "completed", "subject": _ref("patient", p.id), "authored": _iso(a.recorded_at),
                "source": _ref("patient", p.id), "item": items}
    entries = [_entry("assessment", a.id, response)]
    code = (_code(LOINC, inst.loinc_total, f"{inst.short_title} total score", f"{inst.short_title} total")
            if inst.loinc_total else {"coding": [{"system": KATAPP, "code": f"{a.instrument}-total"}],
                                      "text": f"{inst.short_title} total"})
    entries.append(_entry("assessment-total", a.id, _score(p, a, code, a.total, a.severity)))
    if a.instrument == "phq9":
        ninth = _code(LOINC, PHQ9_ITEM9, "Thoughts that you would be better off dead, or of hurting yourself",
                      "PHQ-9 item 9")
        entries.append(_entry("assessment-item9", a.id, _score(p, a, ninth, a.answers[8], words[a.answers[8]])))
    return entries


def _score(p: User, a: Assessment, code: dict, value: int, words: str) -> dict:
    return {"resourceType": "Observation", "status": "final", "category": _survey(), "code": code,
            "subject": _ref("patient", p.id), "effectiveDateTime": _iso(a.recorded_at),
            "valueQuantity": {"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"},
            "interpretation": [{"text": words}], "derivedFrom": [_ref("assessment", a.id)]}


def _checkin(p: User, c: CheckIn) -> dict:
    """One Observation per daily check-in, each answered scale a component."""
    components = []
    for column, (system, code), words, unit in DAILY_SCALES:
        value = getattr(c, column)
        if value is not None:
            components.append({"code": _code(system, code, words, words),
                               "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}})
    if c.self_harm_thoughts is not None:
        components.append({"code": _code(KATAPP, "self-harm-thoughts", "Thoughts of self-harm today",
                                         "Thoughts of self-harm today"), "valueBoolean": c.self_harm_thoughts})
    resource = {"resourceType": "Observation", "status": "final", "category": _survey(),
                "code": _code(KATAPP, "daily-checkin", "Daily check-in", "Daily check-in"),
                "subject": _ref("patient", p.id), "effectiveDateTime": _iso(c.recorded_at), "component": components}
    if c.note:
        resource["note"] = [{"text": c.note}]
    return _entry("checkin", c.id, resource)


def _session(p: User, s: TherapySession) -> list[dict]:
    kind = KIND[s.kind]
    if s.status not in ENCOUNTER_STATUS:
        resource = {"resourceType": "Appointment", "status": APPOINTMENT_STATUS[s.status],
                    "serviceType": [{"text": kind.title}], "description": kind.label.capitalize(),
                    "start": _iso(s.starts_at), "end": _iso(s.ends_at), "minutesDuration": s.duration_minutes,
                    "participant": [{"actor": _ref("patient", p.id, p.display_name), "status": "accepted"},
                                    {"actor": {"display": s.clinician.display_name}, "status": "accepted"}]}
        return [_entry("appointment", s.id, resource)]
    encounter = {"resourceType": "Encounter", "status": ENCOUNTER_STATUS[s.status],
                 "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
                 "type": [{"text": kind.title}], "subject": _ref("patient", p.id),
                 "participant": [{"individual": {"display": s.clinician.display_name}}],
                 "period": {"start": _iso(s.dosed_at or s.checked_in_at or s.starts_at),
                            "end": _iso(s.completed_at or s.ends_at) if s.status == "completed" else None}}
    if encounter["period"]["end"] is None:
        del encounter["period"]["end"]
    entries = [_entry("session", s.id, encounter)]
    if s.kind == "ketamine" and s.dose_mg is not None:
        entries.append(_dose(p, s))
    entries += _session_vitals(p, s)
    return entries


def _dose(p: User, s: TherapySession) -> dict:
    dosage = {"dose": {"value": s.dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}}
    if s.route:
        words = ROUTE[s.route].label
        dosage["route"] = _code(SNOMED, ROUTES[s.route], words, words) if s.route in ROUTES else {"text": words}
    resource = {"resourceType": "MedicationAdministration", "status": "completed",
                "medicationCodeableConcept": KETAMINE, "subject": _ref("patient", p.id),
                "context": _ref("session", s.id), "effectiveDateTime": _iso(s.dosed_at or s.starts_at),
                "performer": [{"actor": {"display": s.clinician.display_name}}], "dosage": dosage}
    if s.dose_reason:
        resource["note"] = [{"text": s.dose_reason}]
    return _entry("dose", s.id, resource)


def _bp(systolic: int | None, diastolic: int | None) -> list[dict]:
    if systolic is None or diastolic is None:
        return []
    return [{"code": _code(LOINC, "8480-6", "Systolic blood pressure"),
             "valueQuantity": {"value": systolic, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}},
            {"code": _code(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": {"value": diastolic, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}}]


def _vital_obs(p: User, s: TherapySession, key: str, when: dt.datetime | None, label: str,
               components: list[dict]) -> dict:
    return _entry("vital", key, {
        "resourceType": "Observation", "status": "final",
        "category": [_code(OBS_CATEGORY, "vital-signs", "Vital Signs")],
        "code": _code(LOINC, "85353-1", "Vital signs panel", label), "subject": _ref("patient", p.id),
        "encounter": _ref("session", s.id), "effectiveDateTime": _iso(when or s.starts_at), "component": components})


def _session_vitals(p: User, s: TherapySession) -> list[dict]:
    """Blood pressure before and after the dose, and each vital-signs reading after it."""
    out = []
    if before := _bp(s.bp_before_systolic, s.bp_before_diastolic):
        out.append(_vital_obs(p, s, f"{s.id}/before", s.predose_bp_at, "Blood pressure before the dose", before))
    if after := _bp(s.bp_after_systolic, s.bp_after_diastolic):
        out.append(_vital_obs(p, s, f"{s.id}/after", s.completed_at, "Blood pressure at discharge", after))
    for v in s.vitals:
        parts = _bp(v.systolic, v.diastolic) + _quantities(((v.heart_rate, "8867-4", "Heart rate", "/min"),
                                                             (v.spo2, "59408-5", "Oxygen saturation", "%")))
        if parts:
            out.append(_vital_obs(p, s, f"{s.id}/reading/{v.id}", v.at, "Vital signs after the dose", parts))
    return out


def _quantities(values: Iterable[tuple]) -> list[dict]:
    return [{"code": _code(LOINC, code, words), "valueQuantity": {"value": value, "unit": unit, "system": UCUM,
                                                                   "code": unit}}
            for value, code, words, unit in values if value is not None]


def _flag(p: User, f: SafetyFlag) -> dict:
    period = {"start": _iso(f.answered_at or f.raised_at)} | ({"end": _iso(f.acknowledged_at)} if f.acknowledged_at else {})
    return _entry("flag", f.id, {
        "resourceType": "Flag", "status": "inactive" if f.acknowledged_at else "active",
        "category": [{"text": "Safety"}], "code": {"text": f.reason}, "subject": _ref("patient", p.id),
        "period": period})


def _journal(p: User, j: JournalEntry) -> dict:
    """A journal entry the patient shared with the care team, as a plain-text document."""
    resource = {"resourceType": "DocumentReference", "status": "current",
                "type": {"text": "Integration journal entry (shared by the patient)"},
                "subject": _ref("patient", p.id), "date": _iso(j.created_at), "author": [_ref("patient", p.id)],
                "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                            "data": base64.b64encode(j.body.encode()).decode("ascii"),
                                            "title": j.prompt or "Journal entry"}}]}
    return _entry("journal", j.id, resource)

