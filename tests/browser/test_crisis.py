"""Crisis help on the phone (issue #11), in Chromium with the network off: a safety answer saved
offline shows the crisis help at once, from what the phone keeps, and again, with the server's
word on who was told, after it is sent; "Get help now" opens offline; tel:/sms: buttons.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from katapp.crisis_help import TOLD
from katapp.models import SafetyFlag

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def choose(page: Page, name: str, value: int | str) -> None:
    page.locator(f'label:has(input[name="{name}"][value="{value}"])').click()


def queued(page: Page) -> int:
    return page.evaluate("KatappQueue.all().then(items => items.length)")


def open_flags(live_server) -> list[SafetyFlag]:
    return live_server.query(select(SafetyFlag).where(SafetyFlag.acknowledged_at.is_(None)).order_by(SafetyFlag.id))


def expect_crisis_card(page: Page, told_text: str | re.Pattern):
    card = page.locator("[data-crisis]")
    expect(card).to_be_visible()
    expect(card.locator('a[href="tel:988"]')).to_be_visible()
    expect(card.locator('a[href="sms:988"]')).to_be_visible()
    expect(card).to_contain_text("This app is not watched around the clock. If you are in immediate danger, call 911 now.")
    expect(card.locator("[data-crisis-told]")).to_have_text(told_text, timeout=30_000)
    return card


def test_a_yes_saved_offline_shows_help_at_once_and_after_sync(patient_page: Page, live_server):
    page = patient_page
    before = len(open_flags(live_server))
    page.goto("/checkin")
    page.context.set_offline(True)
    page.goto("/checkin")  # from the phone
    choose(page, "mood", 2)
    choose(page, "self_harm_thoughts", "true")
    page.get_by_role("button", name="Save check-in").click()
    expect_crisis_card(page, re.compile("nobody at the clinic has seen your answer"))
    expect(page.locator("[data-encouragement]:visible")).to_have_count(0)  # no streak under the card
    assert queued(page) == 1

    page.reload()  # still offline: a waiting "yes" keeps the help on screen
    expect_crisis_card(page, re.compile("nobody at the clinic has seen your answer"))

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect_crisis_card(page, TOLD)
    assert queued(page) == 0
    flags = open_flags(live_server)
    assert len(flags) == before + 1 and flags[-1].answered_at < flags[-1].raised_at


def test_phq9_item9_saved_offline_shows_help_at_once_and_after_sync(patient_page: Page, live_server):
    page = patient_page
    page.goto("/questionnaires/phq9")
    page.context.set_offline(True)
    page.goto("/questionnaires/phq9")
    for item in range(8):
        choose(page, f"answer_{item}", 1)
    choose(page, "answer_8", 3)
    page.get_by_role("button", name="Send and see my result").click()
    expect_crisis_card(page, re.compile("nobody at the clinic has seen your answer"))
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect_crisis_card(page, TOLD)
    assert queued(page) == 0


def test_get_help_now_opens_offline_with_call_and_text_buttons(patient_page: Page):
    page = patient_page
    page.goto("/help")
    page.goto("/checkin")
    page.context.set_offline(True)
    page.goto("/checkin")
    page.get_by_role("link", name="Get help now").click()
    page.wait_for_url(re.compile(r"/help$"))
    card = page.locator("[data-crisis]")
    expect(card.locator('a[href="tel:988"]')).to_be_visible()
    expect(card.locator('a[href="sms:988"]')).to_be_visible()
    expect(card.locator('a[href="tel:911"]')).to_be_visible()


def test_the_offline_page_carries_help_too(patient_page: Page):
    page = patient_page
    page.context.set_offline(True)
    page.goto("/progress")  # not kept on the phone: the offline page
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    page.get_by_role("link", name="Get help now").click()
    expect(page.locator('#help a[href="tel:988"]')).to_be_in_viewport()


def test_offline_crisis_view_fits_a_360px_phone(browser: Browser, live_server, sign_in, wait_for_worker, tmp_path):
    """Also saves crisis-offline.png (in KATAPP_SHOTS when set) for a person to look at."""
    context = browser.new_context(base_url=live_server.url, **NARROW)
    page = context.new_page()
    try:
        sign_in(page, "patient5@demo.katapp.org")
        wait_for_worker(page)
        page.goto("/checkin")
        context.set_offline(True)
        page.goto("/checkin")
        choose(page, "mood", 1)
        choose(page, "self_harm_thoughts", "true")
        page.get_by_role("button", name="Save check-in").click()
        card = page.locator("[data-crisis]")
        expect(card.locator("[data-crisis-told]")).to_contain_text("nobody at the clinic has seen your answer")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        expect(card.locator('a[href="tel:988"]')).to_be_in_viewport()
        for button in card.locator("a.crisis-button").all():
            assert button.bounding_box()["height"] >= 44
        shots = Path(os.environ.get("KATAPP_SHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "crisis-offline.png"))
        page.evaluate("KatappQueue.all().then(items => Promise.all(items.map(i => KatappQueue.remove(i.client_id))))")
    finally:
        context.close()
