"""'Who has seen my records' on a 360 px phone: a clinician opens patient1's progress page, then
patient1 sees that read in plain words (screenshot in /tmp/shots/ for the issue note)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from katapp.models import User

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots for the issue note, nothing secret


def test_patient_sees_the_clinicians_read_at_360px(browser: Browser, live_server, sign_in, demo_password):
    staff = browser.new_context(base_url=live_server.url, **NARROW)
    page = staff.new_page()
    sign_in(page, "clinician1@demo.katapp.org", demo_password)
    patient1 = live_server.query(select(User).where(User.email == "patient1@demo.katapp.org"))[0]
    assert page.goto(f"/patients/{patient1.id}").status == 200
    staff.close()

    context = browser.new_context(base_url=live_server.url, **NARROW)
    page = context.new_page()
    sign_in(page, "patient1@demo.katapp.org", demo_password)
    page.goto("/account")
    page.get_by_role("link", name="Who has seen my records").click()
    expect(page.get_by_role("heading", name="Who has seen my records")).to_be_visible()
    first = page.locator("li.disclosure").first
    expect(first).to_contain_text("(your clinician)")
    expect(first).to_contain_text("looked at your")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "who-has-seen-my-records-360.png"), full_page=True)
    context.close()
