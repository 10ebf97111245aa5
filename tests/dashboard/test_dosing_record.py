"""The dosing record in the patient's timeline (issue #12): each completed ketamine session with its
dose in mg and mg/kg, route, BP before/after, peak readings, sedation, dissociation, adverse events,
observation time, discharge and overrides with reasons; for the care team and the admin, not others."""
import datetime as dt

import pytest

from katapp.extensions import db
from katapp.models import AdverseEvent, TherapySession, VitalReading, utcnow


@pytest.fixture
def dosed(patient, clinician):
    """A completed IV dosing day 3 days ago with an override, four readings and an adverse event."""
    at = (utcnow() - dt.timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    s = TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind="ketamine", status="completed",
                       starts_at=at, ends_at=at + dt.timedelta(minutes=120), weight_kg=80.0, dose_mg=40.0, route="iv",
                       bp_before_systolic=146, bp_before_diastolic=92, predose_bp_at=at,
                       bp_override_reason="white-coat; home readings 130/85", dosed_at=at + dt.timedelta(minutes=5),
                       completed_at=at + dt.timedelta(minutes=85), predose_ticked=["consent", "escort", "fasting"],
                       discharge_ticked=["alert_oriented"], checklist_labels={"discharge": {"alert_oriented": "Awake, knows where"}})
    db.session.add(s)
    db.session.flush()
    for minutes, bp, hr, spo2, moaas, dis in ((15, (150, 94), 88, 97, "4", "moderate"), (40, (184, 112), 96, 95, "3", "mild"),
                                             (60, (140, 88), 80, 98, "5", "none"), (75, (132, 84), 76, 99, "5", "none")):
        db.session.add(VitalReading(session_id=s.id, at=s.dosed_at + dt.timedelta(minutes=minutes), systolic=bp[0],
                                    diastolic=bp[1], heart_rate=hr, spo2=spo2, moaas=moaas, dissociation=dis,
                                    nausea=minutes == 15, action_note="infusion slowed" if minutes == 40 else None))
    db.session.add(AdverseEvent(session_id=s.id, at=s.dosed_at + dt.timedelta(minutes=20), severity="moderate",
                                description="transient hypertension"))
    db.session.commit()
    return s


def test_the_patient_page_shows_each_dosing_day(dosed, patient, clinician, login_as):
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    section = html[html.index('id="dosing-record"'):]
    section = section[:section.index("</section>")]
    for text in ("40 mg", "0.50 mg/kg", "IV", "146/92 / 132/84", "BP 184/112", "HR 96", "lowest SpO2 95 %",
                 "deepest 3", "strongest moderate", "nausea", "transient hypertension", "80 min after the dose",
                 "Dosed above the BP limit (pre-dose 146/92)", "white-coat; home readings 130/85",
                 "Signed consent on file", "Awake, knows where", "adverse event", "override"):
        assert text in section, text


def test_the_admin_sees_it_and_another_clinician_does_not(dosed, patient, admin, other_clinician, login_as):
    assert "transient hypertension" in login_as(admin).get(f"/patients/{patient.id}").get_data(as_text=True)
    r = login_as(other_clinician).get(f"/patients/{patient.id}")
    assert r.status_code == 404 and "transient hypertension" not in r.get_data(as_text=True)


def test_no_dosing_day_yet(patient, clinician, login_as):
    assert "No completed ketamine session yet." in login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)


def test_the_records_are_scoped_to_who_may_see_the_patient(dosed, patient, clinician, other_clinician):
    from katapp.schedule.dosing_day import completed_records

    assert [r.session.id for r in completed_records(clinician, patient.id)] == [dosed.id]
    assert completed_records(other_clinician, patient.id) == []
