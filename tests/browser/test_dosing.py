"""A dosing day at the chair on a 360 px phone (issue #12): check in, pre-dose check, dose (a
reload in the middle loses nothing), vitals with the timer running, discharge. Also saves a
screenshot of the dosing-day screen to /tmp/shots/dosing.png."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from katapp.extensions import db
from katapp.models import Screening, TherapySession, User, care_team, utcnow

from .test_pages import NARROW, SMALL_TARGETS, serious_violations, sideways

pytestmark = pytest.mark.browser
SHOT = Path("/tmp/shots/dosing.png")  # noqa: S108 - the screenshot the issue asks for


def _midday_zone() -> str:
    offset = 12 - utcnow().hour
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def ketamine_now(live_server):
    """A new patient of clinician1 (signed-off screening), with a ketamine session that started 5 min ago."""
    with live_server.app.app_context():
        clinician = db.session.scalar(db.select(User).where(User.email == "clinician1@demo.katapp.org"))
        n = db.session.scalar(db.select(db.func.count()).select_from(User))
        patient = User(email=f"dosing{n}@example.org", display_name="Dana Dosing", role="patient",
                       timezone=_midday_zone(), password_hash=clinician.password_hash)
        db.session.add(patient)
        db.session.flush()
        db.session.execute(care_team.insert().values(clinician_id=clinician.id, patient_id=patient.id))
        now = utcnow()
        db.session.add(Screening(patient_id=patient.id, recorded_by_id=clinician.id, recorded_at=now - dt.timedelta(days=3),
                                 cleared_at=now - dt.timedelta(days=3), cleared_by_id=clinician.id, clear_note="reviewed"))
        start = (now - dt.timedelta(minutes=5)).replace(microsecond=0)
        s = TherapySession(patient_id=patient.id, clinician_id=clinician.id, kind="ketamine", status="scheduled",
                           starts_at=start, ends_at=start + dt.timedelta(minutes=120))
        db.session.add(s)
        db.session.commit()
        ids = (s.id, clinician.timezone)
        db.session.remove()
    return ids


def _dose_given_minutes_ago(live_server, session_id: int, minutes: int) -> dt.datetime:
    with live_server.app.app_context():
        s = db.session.get(TherapySession, session_id)
        s.dosed_at = utcnow() - dt.timedelta(minutes=minutes)
        db.session.commit()
        at = s.dosed_at
        db.session.remove()
    return at


def test_a_dosing_day_at_360_px_survives_a_reload(browser: Browser, base_url, live_server, ketamine_now, sign_in):
    session_id, clinician_zone = ketamine_now
    context = browser.new_context(base_url=base_url, **NARROW)
    page = context.new_page()
    sign_in(page, "clinician1@demo.katapp.org")
    page.goto(f"/agenda/sessions/{session_id}")
    page.get_by_role("link", name="Open the dosing-day screen").click()

    page.get_by_role("button", name="Patient has arrived: check in").click()
    expect(page.get_by_text("Checked in.")).to_be_visible()
    page.get_by_label("Weight (kg)").fill("70")
    page.get_by_label("Pre-dose blood pressure").fill("128/84")
    for item in ("Fasting as instructed", "Escort home arranged", "Signed consent on file"):
        page.locator("label.check", has_text=item).click()
    page.get_by_role("button", name="Save pre-dose check").click()
    expect(page.get_by_text("All pre-dose checks pass")).to_be_visible()

    # Half-typed dose, then the page is reloaded: the values come back, and the saved record stays.
    page.get_by_label("Dose (mg)").fill("35")
    page.get_by_label("IV", exact=True).check()
    page.reload()
    expect(page.get_by_label("Dose (mg)")).to_have_value("35")
    expect(page.get_by_label("IV", exact=True)).to_be_checked()
    expect(page.get_by_label("Pre-dose blood pressure")).to_have_value("128/84")
    page.get_by_role("button", name="Start the dose now").click()
    expect(page.get_by_text("Dose recorded: 0.50 mg/kg")).to_be_visible()
    expect(page.locator("[data-timer-minutes]")).to_have_text("0")

    dosed_at = _dose_given_minutes_ago(live_server, session_id, 70)
    page.reload()
    expect(page.locator("[data-timer-minutes]")).to_have_text("70")
    expect(page.get_by_text("35 mg (0.50 mg/kg)")).to_be_visible()
    assert sideways(page) == 0 and page.evaluate(SMALL_TARGETS) == [] and serious_violations(page) == []
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT), full_page=True)

    at40 = (dosed_at + dt.timedelta(minutes=40)).astimezone(ZoneInfo(clinician_zone)).strftime("%H:%M")
    page.get_by_label("BP", exact=True).fill("138/88")
    page.get_by_label("Heart rate").fill("82")
    page.get_by_label("SpO2 %").fill("98")
    page.get_by_label("Taken at").fill(at40)
    page.get_by_label("5 Alert", exact=True).check()
    page.get_by_role("button", name="Save vitals").click()
    expect(page.get_by_text("Vitals saved.")).to_be_visible()
    page.get_by_label("BP", exact=True).fill("126/80")
    page.get_by_role("button", name="Save vitals").click()
    expect(page.locator(".vital")).to_have_count(2)

    for item in ("Alert and oriented", "Vital signs near baseline", "Escort present"):
        page.locator("label.check", has_text=item).click()
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_text("Discharged. The session is complete.")).to_be_visible()
    with live_server.app.app_context():
        s = db.session.get(TherapySession, session_id)
        assert (s.status, s.dose_mg, s.weight_kg, len(s.vitals)) == ("completed", 35.0, 70.0, 2)
        db.session.remove()
    context.close()
