"""Issue #18 in a real browser at 360 px: the patient's bottom tab bar, a one-row top bar for every
role, the Account menu and page; axe, tap targets and no sideways scrolling, light and dark."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from .pages import ACCOUNTS, sign_out_button
from .test_pages import SMALL_TARGETS, serious_violations, sideways

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
WIDE = {"viewport": {"width": 1280, "height": 800}}
TABS = [("Today", "/checkin"), ("Journal", "/journal"), ("Progress", "/progress"), ("Sessions", "/sessions")]

# The top bar's height, and how many distinct rows its visible children sit on.
BAR = """() => {
  const bar = document.querySelector('header.topbar');
  const kids = [...bar.children].filter(el => el.getBoundingClientRect().height > 0);
  const rows = new Set(kids.map(el => Math.round(el.getBoundingClientRect().top / 8)));
  return {height: bar.getBoundingClientRect().height, rows: rows.size, right: Math.max(...kids.map(el => el.getBoundingClientRect().right))};
}"""

# The bottom edge of the main content's last visible block (main's direct children).
LAST_CONTENT = """() => Math.max(...[...document.querySelector('main').children]
  .map(el => el.getBoundingClientRect()).filter(box => box.height > 0).map(box => box.bottom))"""


def _context(browser: Browser, base_url: str, scheme: str = "light", size: dict = NARROW):
    return browser.new_context(base_url=base_url, color_scheme=scheme, **size)


def _problems(page, label: str) -> list[str]:
    found = [f"{label} {v}" for v in serious_violations(page)]
    found += [f"{label} small tap target {t}" for t in page.evaluate(SMALL_TARGETS)]
    if sideways(page) > 0:
        found.append(f"{label} scrolls sideways")
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_patient_moves_between_tabs_at_360px(browser: Browser, live_server, sign_in, scheme):
    context = _context(browser, live_server.url, scheme)
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS["patient"])
        page.goto("/checkin")
        tabbar = page.get_by_role("navigation", name="Main")
        expect(tabbar).to_be_visible()
        bar = page.evaluate(BAR)
        assert bar["rows"] == 1 and bar["height"] <= 64 and bar["right"] <= 360, bar
        expect(page.get_by_role("link", name="Get help now")).to_be_visible()
        box = tabbar.bounding_box()
        assert abs(box["y"] + box["height"] - 740) <= 1  # fixed to the bottom of the screen
        problems: list[str] = []
        for label, path in reversed(TABS):
            tab = tabbar.get_by_role("link", name=label, exact=True)
            tab.tap()
            page.wait_for_url(re.compile(re.escape(path) + r"$"))
            expect(tab).to_have_attribute("aria-current", "page")
            assert tabbar.locator('[aria-current="page"]').count() == 1
            height = tab.bounding_box()["height"]
            assert height >= 48, f"{label} tab is {height} px tall"
            expect(tab).to_contain_text(label)  # the label is always shown, not only the icon
            problems += _problems(page, f"{scheme} {path}")
            # Scrolled to the end, the page's last content stays above the tab bar.
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            last = page.evaluate(LAST_CONTENT)
            assert last <= tabbar.bounding_box()["y"] + 1, f"{path}: content hides behind the tab bar"
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_account_menu_and_page_at_360px(browser: Browser, live_server, sign_in, scheme):
    context = _context(browser, live_server.url, scheme)
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS["patient"])
        page.goto("/journal")
        page.locator("header summary", has_text="Account").tap()
        menu = page.get_by_role("navigation", name="Account")
        expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
        problems = _problems(page, f"{scheme} menu open")
        menu.get_by_role("link", name="My account").tap()
        page.wait_for_url(re.compile(r"/account$"))
        expect(page.get_by_role("heading", name="My account")).to_be_visible()
        page.get_by_text("Edit my details").tap()
        expect(page.get_by_label("Phone")).to_be_visible()
        problems += _problems(page, f"{scheme} /account")
        assert problems == [], "\n".join(problems)
        page.get_by_label("Phone").fill("not a number")
        page.get_by_role("button", name="Save my details").tap()
        expect(page.locator("#phone-error")).to_contain_text("Give a phone number")
        assert _problems(page, f"{scheme} /account with errors") == []
    finally:
        context.close()


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_staff_top_bar_is_one_row_at_360px_and_a_full_nav_at_1280px(browser: Browser, live_server, sign_in, role):
    context = _context(browser, live_server.url)
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS[role])
        bar = page.evaluate(BAR)
        assert bar["rows"] == 1 and bar["height"] <= 64 and bar["right"] <= 360, bar
        assert page.locator(".tabbar").count() == 0
        page.locator("header summary", has_text="Menu").tap()
        menu = page.get_by_role("navigation", name="Main")
        expect(menu.get_by_role("link", name="My account")).to_be_visible()
        assert _problems(page, f"{role} menu open") == []
        menu.get_by_role("link", name="My account").tap()
        page.wait_for_url(re.compile(r"/account$"))
        page.set_viewport_size(WIDE["viewport"])
        bar = page.evaluate(BAR)
        assert bar["rows"] == 1 and bar["height"] <= 64, bar
        expect(page.locator("header details.menu")).to_be_hidden()
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My account")).to_have_attribute(
            "aria-current", "page")
        sign_out_button(page).click()
        page.wait_for_url(re.compile(r"/login"))
    finally:
        context.close()


def test_wide_screens_show_the_top_nav_and_no_tab_bar(browser: Browser, live_server, sign_in):
    context = _context(browser, live_server.url, size=WIDE)
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS["patient"])
        expect(page.locator(".tabbar")).to_be_hidden()
        nav = page.get_by_role("navigation", name="Main")
        for label, _path in TABS:
            expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
        assert page.evaluate(BAR)["rows"] == 1
        nav.get_by_role("link", name="My account").click()
        page.wait_for_url(re.compile(r"/account$"))
        sign_out_button(page).click()
        page.wait_for_url(re.compile(r"/login"))
    finally:
        context.close()


def test_the_phone_menu_closes_on_escape_and_on_a_tap_outside(browser: Browser, live_server, sign_in):
    context = _context(browser, live_server.url)
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS["patient"])
        menu, summary = page.locator("header details.menu"), page.locator("header summary")
        summary.focus()
        page.keyboard.press("Enter")  # a keyboard opens it like a tap
        expect(menu).to_have_attribute("open", "")
        page.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", "")
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        summary.tap()
        expect(menu).to_have_attribute("open", "")
        page.touchscreen.tap(4, 400)  # the page's left margin, clear of the menu and of any control
        expect(menu).not_to_have_attribute("open", "")
    finally:
        context.close()
