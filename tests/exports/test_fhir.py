"""FHIR R4 export for the care team (issue #17 item 6), validated with the fhir.resources library
(its R4B package: FHIR 4.3, whose resources used here are R4's; the library's default is R5)."""
from __future__ import annotations

import base64
import datetime as dt

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError
from sqlalchemy import select

from katapp.exports.services import validate
from katapp.extensions import db
from katapp.models import AuditEvent

LOINC = "http://loinc.org"


def _bundle(client, patient) -> Bundle:
    response = client.get(f"/patients/{patient.id}/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    return Bundle.model_validate_json(response.get_data())


def _of(bundle: Bundle, kind: str) -> list:
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


def _codes(concept) -> set[str]:
    return {c.code for c in concept.coding or []}


@pytest.fixture
def bundle(full_record, login_as):
    return _bundle(login_as(full_record.clinician), full_record.patient)


def test_the_bundle_is_valid_fhir_with_every_kind_of_resource(bundle, full_record):
    assert bundle.type == "collection"
    kinds = {e.resource.get_resource_type() for e in bundle.entry}
    assert kinds == {"Patient", "Questionnaire", "QuestionnaireResponse", "Observation", "Encounter",
                     "MedicationAdministration", "Appointment", "Flag", "DocumentReference"}
    urls = [e.fullUrl for e in bundle.entry]
    assert len(urls) == len(set(urls))  # every entry's fullUrl unique (bdl-7)
    [person] = _of(bundle, "Patient")
    assert person.name[0].text == full_record.patient.display_name
    assert {t.value for t in person.telecom} == {full_record.patient.email}


def test_questionnaires_and_answers_are_loinc_coded(bundle, full_record):
    questionnaires = {q.name: q for q in _of(bundle, "Questionnaire")}
    phq9, gad7 = questionnaires["PHQ9"], questionnaires["GAD7"]
    assert [c.code for c in phq9.code] == ["44249-1"] and phq9.url == "http://loinc.org/q/44249-1"
    assert [c.code for c in gad7.code] == ["69737-5"]
    assert phq9.item[8].code[0].code == "44260-8"
    assert {i.linkId: i.code[0].code for i in phq9.item}["total"] == "44261-6"
    assert {i.linkId: i.code[0].code for i in gad7.item}["total"] == "70274-6"
    assert "PCL5" in questionnaires  # no LOINC panel claimed for it
    responses = {r.questionnaire: r for r in _of(bundle, "QuestionnaireResponse")}
    answers = responses["http://loinc.org/q/44249-1"]
    assert answers.status == "completed"
    assert [i.answer[0].valueCoding.code for i in answers.item[:9]] == [
        "LA6570-1", "LA6570-1", "LA6569-3", "LA6569-3", "LA6568-5", "LA6569-3", "LA6568-5", "LA6568-5", "LA6570-1"]
    assert answers.item[9].linkId == "total" and answers.item[9].answer[0].valueInteger == 9
    assert answers.subject.reference == bundle.entry[0].fullUrl


def test_totals_item_9_and_daily_scales_are_observations(bundle, full_record):
    observations = _of(bundle, "Observation")
    by_code = {}
    for o in observations:
        for code in _codes(o.code):
            by_code.setdefault(code, []).append(o)
    assert by_code["44261-6"][0].valueQuantity.value == 9
    assert by_code["70274-6"][0].valueQuantity.value == 7
    assert by_code["44260-8"][0].valueQuantity.value == 2  # PHQ-9 item 9: the safety item
    [daily] = by_code["daily-checkin"]
    components = {next(iter(_codes(c.code))): c for c in daily.component}
    assert components["mood"].valueQuantity.value == 4
    assert components["72514-3"].valueQuantity.value == 2  # pain 0-10
    assert components["93832-4"].valueQuantity.value == 6.5 and components["93832-4"].valueQuantity.unit == "h"
    assert components["self-harm-thoughts"].valueBoolean is False


def test_sessions_held_are_encounters_with_the_dose_and_booked_ones_appointments(bundle, full_record):
    [encounter] = _of(bundle, "Encounter")
    assert encounter.status == "finished" and encounter.type[0].text == "Ketamine"
    [dose] = _of(bundle, "MedicationAdministration")
    assert dose.dosage.dose.value == 35.0 and dose.dosage.dose.code == "mg"
    assert _codes(dose.dosage.route) == {"47625008"}  # intravenous
    assert _codes(dose.medicationCodeableConcept) == {"6130"}  # RxNorm ketamine
    encounter_url = next(e.fullUrl for e in bundle.entry if e.resource is encounter)
    assert dose.context.reference == encounter_url
    vitals = [o for o in _of(bundle, "Observation") if o.encounter is not None]
    pressures = sorted(c.valueQuantity.value for o in vitals for c in o.component if _codes(c.code) == {"8480-6"})
    assert pressures == [124, 128, 140]
    appointments = {a.status: a for a in _of(bundle, "Appointment")}
    assert set(appointments) == {"booked", "cancelled"}
    assert appointments["booked"].start.replace(microsecond=0) == full_record.booked.starts_at


def test_only_shared_journal_entries_leave(full_record, login_as, make_journal):
    make_journal(full_record.patient, "second private thought")
    client = login_as(full_record.clinician)
    text = client.get(f"/patients/{full_record.patient.id}/fhir").get_data(as_text=True)
    bundle = _bundle(client, full_record.patient)
    documents = [d.content[0].attachment.data.decode() for d in _of(bundle, "DocumentReference")]  # base64 decoded by the model
    assert documents == [full_record.shared.body]
    for private in (full_record.private.body, "second private thought"):
        assert private not in text
        assert base64.b64encode(private.encode()).decode() not in text


def test_only_the_care_team_may_export(full_record, login_as, admin, other_clinician, other_patient):
    path = f"/patients/{full_record.patient.id}/fhir"
    for person in (admin, other_clinician, full_record.patient, other_patient):
        assert login_as(person).get(path).status_code == 404
    assert login_as(full_record.clinician).get("/patients/999999/fhir").status_code == 404


def test_the_export_is_audited_and_the_patient_sees_it(full_record, login_as):
    _bundle(login_as(full_record.clinician), full_record.patient)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export:fhir"))
    assert (event.actor_id, event.patient_id) == (full_record.clinician.id, full_record.patient.id)
    page = login_as(full_record.patient).get("/account/seen").get_data(as_text=True)
    assert "downloaded your whole record" in page


def test_a_refused_export_records_nothing(full_record, login_as, other_clinician):
    login_as(other_clinician).get(f"/patients/{full_record.patient.id}/fhir")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export:fhir")) is None


def test_the_patient_page_links_the_export_for_the_care_team_only(full_record, login_as, admin):
    path = f"/patients/{full_record.patient.id}"
    assert f'href="{path}/fhir"' in login_as(full_record.clinician).get(path).get_data(as_text=True)
    assert f'href="{path}/fhir"' not in login_as(admin).get(path).get_data(as_text=True)


def test_the_validator_refuses_a_broken_bundle():
    with pytest.raises(ValidationError):
        validate({"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": {"resourceType": "Observation", "code": {"text": "no status"}}}]})


def test_an_empty_record_is_a_valid_bundle_with_the_patient_alone(patient, clinician, login_as):
    bundle = _bundle(login_as(clinician), patient)
    assert [e.resource.get_resource_type() for e in bundle.entry] == ["Patient"]


def test_a_year_costs_the_same_queries_as_a_week(patient, clinician, login_as, add_history, count_queries):
    client = login_as(clinician)

    def queries() -> int:
        with count_queries() as q:
            assert client.get(f"/patients/{patient.id}/fhir").status_code == 200
        return q.count

    add_history(patient, clinician, 7)
    week = queries()
    add_history(patient, clinician, 365)
    year = queries()
    assert week == year
    bundle = _bundle(client, patient)
    assert len(_of(bundle, "Observation")) > 372  # every day's check-in is there
    assert all(d.date <= dt.datetime.now(dt.UTC) for d in _of(bundle, "DocumentReference"))
