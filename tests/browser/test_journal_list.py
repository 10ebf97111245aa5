"""The patient's journal list on a 360 px phone (issue #18): the Shared chip and the read receipt sit on
their own line under the excerpt (they once squeezed it), the receipt names the care-team reader, and
the page is axe-clean and fits the screen, light and dark."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from katapp.models import User

from .test_pages import NARROW, serious_violations, sideways

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("KATAPP_SHOTS")  # a folder: save the screenshots there to look at them


def _read_as_clinician(browser: Browser, base_url: str, sign_in, patient_id: int) -> None:
    context = browser.new_context(base_url=base_url, **NARROW)
    page = context.new_page()
    try:
        sign_in(page, "clinician1@demo.katapp.org")
        assert page.goto(f"/patients/{patient_id}/journal").status == 200
    finally:
        context.close()


# Every row's chip below its excerpt, and the excerpt as wide as the row's link (nothing beside it).
LAYOUT = """() => [...document.querySelectorAll('.journal-row')].map(row => {
  const excerpt = row.querySelector('.journal-row-excerpt').getBoundingClientRect();
  const link = row.querySelector('.journal-row-link').getBoundingClientRect();
  const chip = row.querySelector('.badge').getBoundingClientRect();
  return {below: chip.top >= excerpt.bottom - 0.5, full: excerpt.width >= link.width - 1, right: chip.right <= 360};
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_journal_list_on_a_phone_shows_who_read_and_gives_the_excerpt_the_width(
        browser: Browser, live_server, base_url, sign_in, scheme):
    [patient] = live_server.query(select(User).where(User.email == "patient1@demo.katapp.org"))
    _read_as_clinician(browser, base_url, sign_in, patient.id)
    context = browser.new_context(base_url=base_url, color_scheme=scheme, **NARROW)
    page = context.new_page()
    try:
        sign_in(page, "patient1@demo.katapp.org")
        page.goto("/journal")
        rows = page.evaluate(LAYOUT)
        assert rows, "patient1 has journal entries in the demo clinic"
        assert all(r["below"] and r["full"] and r["right"] for r in rows), rows
        receipts = page.locator(".journal-row .journal-receipt").all_inner_texts()
        assert any(text.startswith("Read by ") for text in receipts), receipts
        assert sideways(page) == 0
        assert serious_violations(page) == []
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.locator(".journal-row:has(.badge-ok)").first.scroll_into_view_if_needed()
            page.screenshot(path=f"{SHOTS}/journal-list-360-{scheme}.png")
            page.locator(".journal-row:has(.badge-ok) .journal-row-link").first.click()
            page.wait_for_url("**/journal/*")
            page.screenshot(path=f"{SHOTS}/journal-entry-360-{scheme}.png", full_page=True)
    finally:
        context.close()
