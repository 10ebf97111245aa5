"""Charts on a phone (issue #16 item 4): the static SVG is there at first paint without plotly.js; a tap
upgrades it to the interactive Plotly chart ("Loading chart…" meanwhile); a wide screen upgrades by itself."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .pages import ACCOUNTS

pytestmark = pytest.mark.browser

WIDE = {"viewport": {"width": 1280, "height": 900}}


def plotly_requests(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/vendor/plotly" in request.url else None)
    return seen


def test_phone_sees_static_charts_at_first_paint_and_upgrades_one_on_tap(page: Page, sign_in):
    sign_in(page, ACCOUNTS["patient"])
    fetched = plotly_requests(page)
    held = []  # plotly.js is held back until the loading state has been seen
    page.route("**/vendor/plotly-*.min.js", lambda route: held.append(route))
    page.goto("/progress", wait_until="domcontentloaded")
    mood = page.locator("#chart-mood")
    # In the HTML itself: drawn before any script runs, with its title, description and legend.
    expect(mood.locator("svg.chart-svg[role=img] title")).to_have_text(
        "Your daily mood and weekly average, with your sessions marked; the numbers are in the table below")
    expect(mood.locator("svg.chart-svg path[stroke-linecap=round]").first).to_be_visible()  # the day's dots
    expect(page.locator("#chart-mood + script + .chart-actions .chart-upgrade")).to_be_visible()
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)  # idle time on a phone must not fetch plotly.js: nothing is upgraded unasked
    assert fetched == [] and page.evaluate("typeof window.Plotly") == "undefined"
    status = page.locator('[data-chart-status="chart-mood"]')
    mood.locator("svg.chart-svg").tap()
    expect(status).to_have_text("Loading chart…")
    expect(mood).to_have_attribute("aria-busy", "true")
    expect(mood.locator("svg.chart-svg")).to_be_visible()  # the static chart stays while plotly.js loads
    page.wait_for_function("() => true")  # let the route handler run
    assert len(held) == 1
    held[0].continue_()
    expect(mood.locator(".main-svg").first).to_be_attached(timeout=20000)
    expect(mood.locator("svg.chart-svg")).to_have_count(0)  # the static chart made way for Plotly's
    assert mood.evaluate("el => el._fullData.length") == mood.evaluate(
        "el => JSON.parse(document.querySelector('[data-chart=\"chart-mood\"]').textContent).data.length")
    expect(status).to_have_text("Touch or point at the chart for its values.")
    expect(page.locator('[data-chart-upgrade="chart-mood"]')).to_be_hidden()
    # The other chart stays static until it is tapped too; plotly.js was fetched once.
    expect(page.locator("#chart-scores svg.chart-svg")).to_have_count(1)
    page.locator('[data-chart-upgrade="chart-scores"]').tap()
    expect(page.locator("#chart-scores .main-svg").first).to_be_attached(timeout=20000)
    assert len([url for url in fetched if url.endswith(".min.js")]) == 1  # and its stylesheet with it


def test_a_wide_screen_upgrades_the_charts_on_screen_when_idle(browser: Browser, live_server, sign_in):
    context = browser.new_context(base_url=live_server.url, **WIDE)
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS["patient"])
        page.goto("/progress")
        expect(page.locator("#chart-mood .main-svg").first).to_be_attached(timeout=20000)
        legend_y = page.evaluate("document.querySelector('#chart-mood .legend').getBoundingClientRect().top")
        plot_y = page.evaluate("document.querySelector('#chart-mood .cartesianlayer').getBoundingClientRect().top")
        assert legend_y < plot_y  # wide: the legend above the plot, as the layout says
    finally:
        context.close()


def test_on_a_phone_the_plotly_legend_goes_below_the_plot(page: Page, sign_in):
    sign_in(page, ACCOUNTS["patient"])
    page.goto("/progress")
    page.locator('[data-chart-upgrade="chart-mood"]').tap()
    expect(page.locator("#chart-mood .main-svg").first).to_be_attached(timeout=20000)
    legend = page.evaluate("document.querySelector('#chart-mood .legend').getBoundingClientRect().top")
    plot = page.evaluate("document.querySelector('#chart-mood .cartesianlayer .xy .gridlayer, #chart-mood .bglayer')"
                         ".getBoundingClientRect().bottom")
    assert legend > plot


def test_without_plotly_the_static_chart_stays_and_says_why(page: Page, sign_in):
    sign_in(page, ACCOUNTS["patient"])
    page.route("**/vendor/plotly-*.min.js", lambda route: route.abort())
    page.goto("/progress")
    page.locator('[data-chart-upgrade="chart-mood"]').tap()
    expect(page.locator('[data-chart-status="chart-mood"]')).to_contain_text("could not be loaded", timeout=10000)
    expect(page.locator("#chart-mood svg.chart-svg")).to_be_visible()


# Records every layout shift from navigation on (PerformanceObserver "layout-shift"), whether or not
# it followed an input: a shift 5 s after a tap (plotly.js arriving on a slow phone) is not "recent".
SHIFTS = """
window.__shifts = [];
new PerformanceObserver(list => list.getEntries().forEach(e => window.__shifts.push(e.value)))
  .observe({type: "layout-shift", buffered: true});
"""


def _geometry(page: Page, chart_id: str) -> dict:
    return page.evaluate("""id => {
        const box = document.getElementById(id);
        const after = box.closest("figure").nextElementSibling;
        const row = document.querySelector(`[data-chart-actions="${id}"]`).getBoundingClientRect().height;
        return {height: box.getBoundingClientRect().height, next: after.getBoundingClientRect().top + scrollY, row};
    }""", chart_id)


def test_on_a_phone_the_interactive_chart_takes_the_static_charts_place_without_a_shift(page: Page, sign_in):
    page.set_viewport_size({"width": 360, "height": 800})  # bench.phone_charts' phone, the narrowest common one
    sign_in(page, ACCOUNTS["patient"])
    page.add_init_script(SHIFTS)
    page.goto("/progress")
    before = _geometry(page, "chart-mood")
    page.evaluate("window.__shifts = []")
    page.locator('[data-chart-upgrade="chart-mood"]').tap()
    expect(page.locator("#chart-mood .main-svg").first).to_be_attached(timeout=20000)
    expect(page.locator('[data-chart-upgrade="chart-mood"]')).to_be_hidden()
    page.wait_for_timeout(300)  # Plotly's responsive relayout, if any
    after = _geometry(page, "chart-mood")
    # The same height, and what follows the chart (the button's row gave way to a hint) stays put.
    assert abs(after["height"] - before["height"]) <= 1, (before, after)
    assert abs(after["next"] - before["next"]) <= 1, (before, after)
    assert sum(page.evaluate("window.__shifts")) < 0.01


def test_on_a_wide_screen_the_idle_upgrade_shifts_nothing(browser: Browser, live_server, sign_in):
    context = browser.new_context(base_url=live_server.url, **WIDE)
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS["patient"])
        page.add_init_script(SHIFTS)
        page.goto("/progress", wait_until="domcontentloaded")
        height = page.evaluate("document.getElementById('chart-mood').getBoundingClientRect().height")
        expect(page.locator("#chart-mood .main-svg").first).to_be_attached(timeout=20000)
        page.wait_for_timeout(300)
        assert abs(page.evaluate("document.getElementById('chart-mood').getBoundingClientRect().height") - height) <= 1
        assert sum(page.evaluate("window.__shifts")) < 0.01
    finally:
        context.close()



def test_the_chart_button_row_is_in_its_place_before_charts_js_runs(browser: Browser, live_server, sign_in):
    """On a slow phone charts.js may run after the first paint: showing the row then must move nothing.
    (No service worker here: requests it served would bypass the route that holds charts.js back.)"""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 800}, is_mobile=True,
                                  has_touch=True, service_workers="block")
    page = context.new_page()
    try:
        sign_in(page, ACCOUNTS["patient"])
        page.route("**/js/charts.js*", lambda route: route.abort())
        page.goto("/progress")
        without = _geometry(page, "chart-mood")
        expect(page.locator('[data-chart-upgrade="chart-mood"]')).to_be_hidden()  # invisible, not usable
        page.unroute("**/js/charts.js*")
        page.goto("/progress")
        expect(page.locator('[data-chart-upgrade="chart-mood"]')).to_be_visible()
        assert _geometry(page, "chart-mood")["next"] == without["next"]
    finally:
        context.close()
