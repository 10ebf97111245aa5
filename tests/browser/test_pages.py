"""Every page of every role (built from the app's routes): no serious or critical axe-core
violation, light and dark, no sideways scrolling and no tap target under 44 px on a 360 px wide
phone; chart pages draw every Plotly chart with all its traces.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from .pages import ACCOUNTS, anonymous_pages, role_pages

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
EXTRA = {"patient": ["/questionnaires/gad7", "/questionnaires/pcl5"]}
AXE = Axe()


def serious_violations(page: Page) -> list[str]:
    results = AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


# Controls shorter than 44 CSS px. A checkbox or radio counts by its label (the real target);
# a link inside running text is exempt (WCAG 2.5.8's inline exception).
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, select, input:not([type=hidden]), summary, textarea')) {
    let box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    const label = el.closest('label');
    if (label && (el.type === 'checkbox' || el.type === 'radio')) box = label.getBoundingClientRect();
    const parent = el.parentElement;
    const inText = el.tagName === 'A' && getComputedStyle(el).display === 'inline' && parent &&
      parent.textContent.trim().length > el.textContent.trim().length + 10;
    if (!inText && box.height < 43.5) {
      small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 30)}" ${Math.round(box.height)} px`);
    }
  }
  return small;
}"""


def sideways(page: Page) -> int:
    """How far the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check_pages(browser: Browser, sign_in, base_url: str, role: str | None, paths: list[str], scheme: str) -> list[str]:
    context = browser.new_context(base_url=base_url, color_scheme=scheme, **NARROW)
    page = context.new_page()
    problems: list[str] = []
    try:
        if role:
            sign_in(page, ACCOUNTS[role])
        for path in paths:
            page.goto(path)
            if page.locator("[data-chart]").count():
                page.locator(".chart-box").first.scroll_into_view_if_needed()  # drawn when near the screen
                page.locator(".main-svg").first.wait_for()
            overflow = sideways(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if overflow > 0 or width > 360:
                problems.append(f"{scheme} {role}:{path} scrolls sideways (scrollWidth {width})")
            problems += [f"{scheme} {role}:{path} {v}" for v in serious_violations(page)]
            problems += [f"{scheme} {role}:{path} small tap target {t}" for t in page.evaluate(SMALL_TARGETS)]
    finally:
        context.close()
    return problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("role", ["patient", "clinician", "admin", None])
def test_every_page_is_accessible_and_fits_360px(browser: Browser, live_server, sign_in, demo_password, role, scheme):
    if role is None:
        paths = anonymous_pages(live_server.app)
    else:
        paths = role_pages(live_server.app, role, demo_password) + EXTRA.get(role, [])
    assert len(paths) >= 2, paths
    problems = check_pages(browser, sign_in, live_server.url, role, paths, scheme)
    assert problems == [], "\n".join(problems)


CHART_PAGES = {"patient": ["/progress"], "clinician": ["/patients/{patient_id}", "/caseload"], "admin": ["/clinic"]}


@pytest.mark.parametrize("role", sorted(CHART_PAGES))
def test_chart_pages_draw_every_chart_with_its_traces(page: Page, live_server, role, sign_in):
    from sqlalchemy import select

    from katapp.models import User

    patient_id = live_server.query(select(User.id).where(User.email == ACCOUNTS["patient"]))[0]
    sign_in(page, ACCOUNTS[role])
    drawn = 0
    for template in CHART_PAGES[role]:
        page.goto(template.format(patient_id=patient_id))
        figures = page.evaluate(
            """() => [...document.querySelectorAll('script[data-chart]')].map(s => ({
                 id: s.dataset.chart, traces: JSON.parse(s.textContent).data.length}))"""
        )
        for figure in figures:
            chart = page.locator(f"#{figure['id']}")
            chart.scroll_into_view_if_needed()  # plotly.js loads, and each chart draws, near the screen
            expect(chart.locator(".main-svg").first).to_be_attached(timeout=15000)
            rendered = chart.evaluate("el => (el._fullData || []).length")
            assert rendered == figure["traces"], f"{template}#{figure['id']}: {rendered} of {figure['traces']} traces"
            svg_traces = chart.evaluate("el => el.querySelectorAll('g.trace, g.hm, g.imagelayer image').length")
            assert svg_traces >= min(1, figure["traces"]), f"{template}#{figure['id']}: nothing drawn"
            drawn += 1
    assert drawn >= 1, f"no chart on {CHART_PAGES[role]}"


def test_the_booking_length_follows_the_kind_until_the_clinician_types_one(page: Page, live_server, sign_in):
    """Issue #18: the Book form kept the 90-minute ketamine length when the kind changed to a follow-up."""
    sign_in(page, ACCOUNTS["clinician"])
    page.goto(live_server.url + "/agenda/book?kind=ketamine")
    length = page.locator("input[name='duration_minutes']")
    expect(page.locator("select[name='patient_id']")).to_have_value("")  # nobody preselected
    expect(length).to_have_value("90")
    page.select_option("select[name='kind']", "follow_up")
    expect(length).to_have_value("30")
    length.fill("45")
    page.select_option("select[name='kind']", "integration")
    expect(length).to_have_value("45")  # the clinician's own length stays
