"""Issue #18, staff flows in a phone-sized browser (360 px): copying an invitation link, the agenda's
next week, the care-team boxes of the new-account form, and assigning several patients at once."""
from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Browser, expect

from .pages import ACCOUNTS
from .test_pages import NARROW, SMALL_TARGETS, serious_violations, sideways

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)


@pytest.fixture
def phone(browser: Browser, live_server):
    context = browser.new_context(base_url=live_server.url, **NARROW)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    yield context.new_page()
    context.close()


def fits(page) -> None:
    assert sideways(page) == 0
    assert serious_violations(page) == []
    assert page.evaluate(SMALL_TARGETS) == []


def test_admin_copies_a_new_invitation_link(phone, sign_in):
    sign_in(phone, ACCOUNTS["admin"])
    phone.goto("/admin/users/new")
    team = phone.locator("[data-shown-for-role]")
    expect(team).to_be_visible()  # the role starts on patient
    phone.select_option("select[name='role']", "clinician")
    expect(team).to_be_hidden()
    phone.select_option("select[name='role']", "patient")
    expect(team).to_be_visible()
    phone.select_option("select[name='role']", "clinician")
    n = next(_numbers)
    phone.get_by_label("Email").fill(f"copy.test{n}@demo.katapp.org")
    phone.get_by_label("Name shown in katapp").fill(f"Dr. Copy {n}")
    phone.get_by_role("button", name="Create and get invitation link").click()
    link = phone.locator("#invite-url").input_value()
    assert re.search(r"/invite/[\w-]{20,}$", link)
    phone.get_by_role("button", name="Copy link").click()
    expect(phone.locator("#copy-status")).to_have_text("Link copied.")
    expect(phone.locator("[data-copy]")).to_have_text("Copied")
    assert phone.evaluate("navigator.clipboard.readText()") == link
    fits(phone)


def test_clinician_moves_to_next_week_and_back(phone, sign_in):
    sign_in(phone, ACCOUNTS["clinician"])
    phone.goto("/agenda")
    expect(phone.get_by_text("Today and the next 7 days", exact=False)).to_be_visible()
    first_day = phone.locator(".agenda-day h2").first.inner_text()
    assert first_day.startswith("Today,")
    fits(phone)
    phone.get_by_role("navigation", name="Weeks (top)").get_by_role("link", name="Next week ›").click()
    phone.wait_for_url(re.compile(r"/agenda\?start=\d{4}-\d{2}-\d{2}$"))
    assert not phone.locator(".agenda-day h2").first.inner_text().startswith(("Today", "Tomorrow"))
    expect(phone.get_by_role("link", name="Today", exact=True).first).to_be_visible()
    fits(phone)
    phone.get_by_role("navigation", name="Weeks (top)").get_by_role("link", name="‹ Previous week").click()
    phone.wait_for_url(re.compile(r"/agenda\?start="))
    assert phone.locator(".agenda-day h2").first.inner_text() == first_day


def test_admin_assigns_several_patients_to_a_clinician(phone, live_server, sign_in):
    from sqlalchemy import select

    from katapp.models import User

    clinician = live_server.query(select(User).where(User.email == "clinician2@demo.katapp.org"))[0]
    sign_in(phone, ACCOUNTS["admin"])
    phone.goto(f"/admin/users/{clinician.id}")
    section = phone.locator("#caseload")
    expect(section.get_by_role("heading", level=2)).to_contain_text(f"Patients of {clinician.display_name}")
    fits(phone)
    boxes = section.locator("input[name='add']")
    if boxes.count() < 2:
        pytest.fail("the demo clinic offers fewer than two patients to add")
    boxes.nth(0).check()
    boxes.nth(1).check()
    section.get_by_role("button", name="Save caseload").click()
    expect(phone.get_by_text(re.compile(r"caseload: added 2 patients\."))).to_be_visible()
    assert section.locator("input[name='remove']").count() >= 2
