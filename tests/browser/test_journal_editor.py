"""The journal editor on a phone (issue #18): a kept draft is dated the way the app dates everything
("Thu 26 Nov 2026, 20:59"), not in the browser's own format ("11/26/2026, 8:59:29 PM")."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_kept_draft_is_dated_in_the_apps_format(patient_page: Page):
    page = patient_page
    page.goto("/journal/new")
    key = page.locator("form[data-journal-draft]").get_attribute("data-journal-draft")
    page.goto("/checkin")  # off the editor: its pagehide would drop an empty draft
    page.evaluate("""key => localStorage.setItem(key, JSON.stringify({
        body: "Half a thought", shared: false, session_id: "", prompt: "", client_id: null,
        saved_at: new Date(2026, 10, 26, 20, 59, 29).toISOString()}))""", key)
    page.goto("/journal/new")
    note = page.locator("[data-journal-draft-note]")
    expect(note).to_contain_text("We kept your unsaved draft from Thu 26 Nov 2026, 20:59.")
    assert not re.search(r"\d+/\d+/\d{4}|[AP]M", note.inner_text())
    page.get_by_role("button", name="Discard draft").click()
