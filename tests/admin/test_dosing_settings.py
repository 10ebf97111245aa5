"""The clinic's dosing settings (issue #12): an admin edits the checklists, the dose ranges per route
and the limits at /admin/settings/dosing; every dosing day uses them (page, API, checks); wrong values
are refused with a clear message and nothing stored; past sessions keep the words they were ticked
against."""
import datetime as dt
import re

import pytest

from katapp.clinic import dosing_settings
from katapp.domain import dosing
from katapp.extensions import db
from katapp.models import AuditEvent, ClinicSettings, TherapySession, utcnow

URL = "/admin/settings/dosing"
READY = {"weight_kg": 70, "bp_before": "128/84", "checklist": ["fasting", "escort", "consent"]}


def default_form(csrf: str) -> dict:
    """The form as the page fills it for a clinic on the defaults (no blank rows)."""
    data = {"csrf_token": csrf, "bp_limit_systolic": "140", "bp_limit_diastolic": "90", "alert_bp_systolic": "180",
            "alert_bp_diastolic": "110", "alert_hr_above": "120", "alert_hr_below": "50", "alert_spo2_below": "92",
            "screening_valid_days": "180", "early_start_minutes": "15", "observation_minutes_intranasal": "120",
            "observation_minutes_other": "60", "iv_min": "0.5", "iv_max": "1.0", "im_min": "0.5", "im_max": "1.0",
            "sublingual_oral_min": "1.0", "sublingual_oral_max": "3.0", "intranasal_fixed": "56, 84"}
    for n, item in enumerate(dosing.PREDOSE_CHECKLIST):
        data[f"predose-{n}-key"], data[f"predose-{n}-text"] = item.key, item.label
        if item.applies_when:
            data[f"predose-{n}-pregnancy_only"] = "y"
    for n, item in enumerate(dosing.DISCHARGE_CHECKLIST):
        data[f"discharge-{n}-key"], data[f"discharge-{n}-text"] = item.key, item.label
    return data


@pytest.fixture
def boss(admin, login_as):
    return login_as(admin)


def stored() -> ClinicSettings | None:
    db.session.expire_all()
    return db.session.get(ClinicSettings, 1)


def test_the_page_shows_the_built_in_settings_with_empty_rows_to_add(boss):
    page = boss.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for item in dosing.PREDOSE_CHECKLIST + dosing.DISCHARGE_CHECKLIST:
        assert f"{item.label}</textarea>" in html
    assert 'name="predose-4-text"' in html and 'name="predose-5-text"' in html  # two blank rows
    assert 'name="predose-6-text"' not in html
    assert 'value="56, 84"' in html and 'name="iv_max"' in html and 'value="1.0"' in html
    assert "Dosing-day settings" in boss.get("/admin/settings").get_data(as_text=True)


def test_saving_as_is_changes_nothing_but_is_audited(boss):
    assert boss.post(URL, data=default_form(boss.csrf)).status_code == 302
    assert dosing_settings() == dosing.DEFAULTS
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "dosing_settings_changed"))


def test_rename_add_remove_and_new_ranges_are_stored_and_used(boss):
    form = default_form(boss.csrf)
    form["predose-0-text"] = "Nothing to eat for 4 hours"  # renamed: keeps its key
    form["predose-1-remove"] = "y"  # the escort item goes
    form["predose-4-text"] = "IV line checked"  # a new item
    form["discharge-5-text"] = "Written after-care\r\nsheet given"  # one line
    form.update(iv_min="0.3", iv_max="0.6", intranasal_fixed="28, 56, 84", alert_hr_above="110",
                observation_minutes_other="75", bp_limit_systolic="150", bp_limit_diastolic="95")
    r = boss.post(URL, data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    rules = dosing_settings()
    assert [(i.key, i.label) for i in rules.predose_checklist] == [
        ("fasting", "Nothing to eat for 4 hours"), ("consent", "Signed consent on file"),
        ("pregnancy_test", "Pregnancy test negative today"), ("iv_line_checked", "IV line checked")]
    assert rules.predose_checklist[2].applies_when == dosing.PREGNANCY_POSSIBLE
    assert rules.discharge_checklist[-1].key == "written_after_care_sheet_given"
    assert (rules.dose_range("iv").min_mg_per_kg, rules.dose_range("iv").max_mg_per_kg) == (0.3, 0.6)
    assert rules.dose_range("iv").infusion_minutes == 40
    assert rules.dose_range("intranasal").fixed_mg == (28.0, 56.0, 84.0)
    assert (rules.alert_hr_above, rules.observation_minutes("iv"), rules.bp_limit) == (110, 75, (150, 95))
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "dosing_settings_changed"))
    assert "predose_checklist" in event.detail and "dose_ranges" in event.detail and "alert_hr_above" in event.detail
    page = boss.get(URL).get_data(as_text=True)
    assert "IV line checked</textarea>" in page and "Escort home arranged" not in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"iv_min": "1.0", "iv_max": "0.5"}, "iv_min", "must be below the highest"),
    ({"im_min": "0.8", "im_max": "0.8"}, "im_min", "must be below the highest"),
    ({"iv_max": "4"}, "iv_max", "At most 2 mg/kg"),
    ({"sublingual_oral_max": "8"}, "sublingual_oral_max", "At most 5 mg/kg"),
    ({"iv_min": "-1"}, "iv_min", "From 0.01 to 10"),
    ({"iv_min": "lots"}, "iv_min", "Not a valid decimal"),
    ({"intranasal_fixed": "56, 60"}, "intranasal_fixed", "60 mg is not a dose"),
    ({"intranasal_fixed": "56, 560"}, "intranasal_fixed", "from 28 to 112 mg"),
    ({"intranasal_fixed": "56, 56"}, "intranasal_fixed", "Give each dose once"),
    ({"intranasal_fixed": "fifty-six"}, "intranasal_fixed", "as numbers of mg"),
    ({"alert_bp_systolic": "140"}, "alert_bp_systolic", "above the pre-dose limit"),
    ({"alert_hr_below": "130"}, "alert_hr_below", "From 20 to 100"),
    ({"alert_hr_below": "90", "alert_hr_above": "80"}, "alert_hr_below", "below the high one"),
    ({"observation_minutes_intranasal": "0"}, "observation_minutes_intranasal", "From 1 to 600"),
    ({"predose-0-text": ""}, "predose-checklist", "Give every item its words"),
    ({"predose-1-text": "Signed consent on file"}, "predose-checklist", "same words"),
    ({"discharge-0-remove": "y", "discharge-1-remove": "y", "discharge-2-remove": "y"}, "discharge-checklist",
     "at least one item"),
])
def test_wrong_settings_are_refused_and_nothing_is_stored(boss, changes, field, message):
    r = boss.post(URL, data={**default_form(boss.csrf), **changes})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and message in html, re.sub(r"\s+", " ", html)[:3000]
    assert field in html
    assert stored() is None or stored().dose_ranges is None
    assert dosing_settings() == dosing.DEFAULTS
    assert not db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "dosing_settings_changed"))


def test_only_an_admin_reaches_the_page(login_as, clinician, patient):
    for user in (clinician, patient):
        assert login_as(user).get(URL).status_code == 404


# --- Used everywhere ------------------------------------------------------------------------------------------
def midday_zone() -> str:
    offset = 12 - utcnow().hour
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def today(make_user, clinician, make_screening, make_session):
    """Today's checked-in ketamine session of a cleanly screened patient (where it is midday)."""
    p = make_user("patient", clinician=clinician, timezone=midday_zone())
    make_screening(p, recorded_by=clinician, cleared_at=utcnow(), cleared_by_id=clinician.id, clear_note="ok")
    return make_session(p, clinician, starts_at=(utcnow() - dt.timedelta(minutes=5)).replace(microsecond=0),
                        status="checked_in")


def test_the_clinics_checklist_and_range_hold_on_the_page_and_in_the_api(today, clinician, login_as, api, set_clinic):
    set_clinic(predose_checklist=[{"key": "fasting", "label": "Fasted 4 h", "applies_when": ""},
                                  {"key": "iv_line", "label": "IV line checked", "applies_when": ""}],
               dose_ranges={"iv": {"min_mg_per_kg": 0.3, "max_mg_per_kg": 0.6}})
    doc = login_as(clinician)
    page = doc.get(f"/agenda/sessions/{today.id}/dosing").get_data(as_text=True)
    assert "IV line checked" in page and "Escort home arranged" not in page and "0.3–0.6 mg/kg" in page
    url = f"/api/v1/sessions/{today.id}"
    r = api(doc, "PATCH", url, json={**READY, "status": "dosed", "dose_mg": 35, "route": "iv"})
    assert r.status_code == 400 and "fasting, iv_line" in r.get_json()["fields"]["checklist"]  # escort: gone
    r = api(doc, "PATCH", url, json={**READY, "checklist": ["fasting"], "status": "dosed", "dose_mg": 35, "route": "iv"})
    assert r.status_code == 422 and "IV line checked" in r.get_json()["fields"]["checklist"]
    ready = {**READY, "checklist": ["fasting", "iv_line"], "status": "dosed", "route": "iv"}
    r = api(doc, "PATCH", url, json={**ready, "dose_mg": 49})  # 0.7 mg/kg: in the default range, not this clinic's
    assert r.status_code == 422 and "21–42 mg (0.3–0.6 mg/kg)" in r.get_json()["fields"]["dose_mg"]
    r = api(doc, "PATCH", url, json={**ready, "dose_mg": 35})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["predose"]["checklist_labels"] == ["Fasted 4 h", "IV line checked"]


def test_the_clinics_heart_rate_alert_holds(today, clinician, login_as, api, set_clinic):
    set_clinic(alert_hr_above=100)
    doc = login_as(clinician)
    url = f"/api/v1/sessions/{today.id}"
    assert api(doc, "PATCH", url, json={**READY, "status": "dosed", "dose_mg": 35, "route": "iv"}).status_code == 200
    r = api(doc, "POST", url + "/vitals", json={"heart_rate": 105})
    assert r.status_code == 422 and "above 100" in r.get_json()["fields"]["heart_rate"]


def test_a_removed_item_leaves_past_records_as_they_were(today, clinician, login_as, api, boss):
    doc = login_as(clinician)
    url = f"/api/v1/sessions/{today.id}"
    assert api(doc, "PATCH", url, json={**READY, "status": "dosed", "dose_mg": 35, "route": "iv"}).status_code == 200
    row = db.session.get(TherapySession, today.id)
    assert row.checklist_labels["predose"]["escort"] == "Escort home arranged (no driving until the next day)"
    form = default_form(boss.csrf)
    form["predose-1-remove"] = "y"
    form["predose-0-text"] = "Fasted 4 h"
    assert boss.post(URL, data=form).status_code == 302
    page = doc.get(f"/agenda/sessions/{today.id}").get_data(as_text=True)
    assert "Escort home arranged (no driving until the next day)" in page
    assert "Fasting as instructed (no food 2 h, no drinks 30 min before)" in page and "Fasted 4 h" not in page
    body = api(doc, "GET", url).get_json()
    assert "Escort home arranged (no driving until the next day)" in body["predose"]["checklist_labels"]


def test_a_record_from_before_the_settings_shows_the_built_in_words(today, clinician, login_as):
    row = db.session.get(TherapySession, today.id)
    row.status, row.dosed_at, row.dose_mg, row.route, row.weight_kg = "dosed", utcnow(), 35.0, "iv", 70.0
    row.predose_ticked, row.checklist_labels = ["consent", "escort", "fasting"], None
    db.session.commit()
    page = login_as(clinician).get(f"/agenda/sessions/{today.id}").get_data(as_text=True)
    assert "Signed consent on file" in page and "Escort home arranged" in page
