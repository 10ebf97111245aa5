"""`python -m bench.phone_charts`: how soon a chart shows on a mid-range phone (issue #16 item 4).

Chromium (CHROMIUM_PATH, default /usr/bin/chromium) at 360x800 with Lighthouse's "slow 4G"
(DevTools protocol Network.emulateNetworkConditions: 562.5 ms round trip, 1.47 Mbit/s down,
675 kbit/s up) and a 4x CPU slowdown (Emulation.setCPUThrottlingRate), cold cache, signed in. For
each page with a chart near its first screen it prints: when the first chart was on screen
(first animation frame with any chart of non-zero size laid out, in the first screen or ready when
scrolled to, from navigation start; no service worker, so every run is a first visit;
target <= 2500 ms), the longest main-thread task before that (PerformanceObserver "longtask";
target <= 200 ms), first contentful paint, and then what a tap on the chart costs on that phone
(plotly.js fetched, parsed, the interactive chart drawn). Serves the app with gunicorn on a
temporary SQLite demo clinic (12 patients, 365 days).
"""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess  # nosec B404 - starts this repository's own gunicorn and flask commands
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
PASSWORD = "katapp-demo-password"  # noqa: S105 - the demo clinic's published password
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1474.56 * 1024 / 8,
           "uploadThroughput": 675 * 1024 / 8}
TARGET_VISIBLE_MS, TARGET_TASK_MS = 2500, 200

# Records long tasks and the first frame where a chart (static SVG or Plotly's) is on screen.
PROBE = """
window.__bench = {longtasks: [], chartAt: null, lcp: null, lcpElement: null, cls: 0, shifts: 0, moved: []};
const describe = el => !el || !el.tagName ? "?" : el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
  (el.getAttribute("class") ? "." + el.getAttribute("class").split(" ")[0] : "");
try {
  new PerformanceObserver(list => list.getEntries().forEach(e =>
    window.__bench.longtasks.push([e.startTime, e.duration]))).observe({type: "longtask", buffered: true});
  // Largest contentful paint and its element; layout shifts (CLS counts those not after an input;
  // `shifts` counts every one, so a chart swapped in seconds after a tap shows here too).
  new PerformanceObserver(list => list.getEntries().forEach(e => {
    window.__bench.lcp = e.startTime;
    window.__bench.lcpElement = e.element ? describe(e.element) : e.url;
  })).observe({type: "largest-contentful-paint", buffered: true});
  new PerformanceObserver(list => list.getEntries().forEach(e => {
    window.__bench.shifts += e.value;
    if (!e.hadRecentInput) { window.__bench.cls += e.value; }
    (e.sources || []).forEach(source => window.__bench.moved.push(describe(source.node)));
  })).observe({type: "layout-shift", buffered: true});
} catch (e) {}
(function frame() {
  // Any chart that is laid out: the report draws each chart twice (A4 and phone width) and its
  // CSS hides one, so the first chart in the document may never have a size on a phone.
  for (const box of document.querySelectorAll(".chart-svg, .main-svg")) {
    const r = box.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) {
      window.__bench.chartAt = performance.now();
      window.__bench.firstScreen = r.top < innerHeight;
      return;
    }
  }
  requestAnimationFrame(frame);
})();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp: Path) -> tuple[subprocess.Popen, str, dict[str, int]]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'phone.db'}", "SECRET_KEY": "bench-only-not-a-secret",
           "KATAPP_ENV": "development", "RATELIMIT_ENABLED": "false",
           "GUNICORN_ACCESS_LOG": "0"}  # gunicorn.conf.py's access log would bury the numbers
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)  # nosec B603
    subprocess.run([*flask, "demo-data", "--patients", "12", "--days", "365", "--password", PASSWORD],  # nosec B603
                   cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}",  # nosec B603
                               "--workers", "2", "--threads", "4", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - our own local server  # nosec B310
            break
        except OSError:
            time.sleep(0.1)
    db = sqlite3.connect(tmp / "phone.db")
    ids = {"patient1": db.execute("select id from users where email = 'patient1@demo.katapp.org'").fetchone()[0]}
    db.close()
    return server, base, ids


def _measure(browser, base: str, email: str, path: str) -> dict:
    # No service worker: it would install (pre-caching every page and asset) during the measured
    # load on the same throttled link, and serve later pages from its cache past the CDP throttling.
    context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, service_workers="block")
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.add_init_script(PROBE)
    page.goto(base + path, wait_until="load", timeout=120000)
    deadline = time.monotonic() + 60
    while page.evaluate("window.__bench.chartAt") is None and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # polled from here: the page's CSP forbids wait_for_function's eval
    page.wait_for_timeout(1500)  # let any task after load show up in the record
    probe = page.evaluate("window.__bench")
    fcp = page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null")
    load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    html = page.evaluate("performance.getEntriesByType('navigation')[0].transferSize")
    chart_at = probe["chartAt"]
    if chart_at is None:
        context.close()
        sizes = page.evaluate("[...document.querySelectorAll('.chart-svg, .main-svg')].map(e => e.getBoundingClientRect().width)")
        raise SystemExit(f"{path}: no chart was laid out within 60 s (chart widths: {sizes})")
    before = [d for start, d in probe["longtasks"] if start < chart_at]
    result = {"chart_ms": chart_at, "first_screen": probe.get("firstScreen"), "longest_before_ms": max(before, default=0.0),
              "fcp_ms": fcp, "load_ms": load, "lcp_ms": probe["lcp"], "lcp_element": probe["lcpElement"], "cls": probe["cls"],
              "moved": sorted(set(probe["moved"]))[:4],
              "longest_until_idle_ms": max((d for _, d in probe["longtasks"]), default=0.0), "html_kb": html / 1024}
    first = page.locator("[data-chart-upgrade]").first
    if first.count():
        chart_id = first.get_attribute("data-chart-upgrade")
        page.evaluate("window.__bench.longtasks = []; window.__bench.shifts = 0; window.__bench.moved = []")
        started = time.perf_counter()
        first.tap()
        page.locator(f"#{chart_id} .main-svg").first.wait_for(timeout=120000)
        result["tap_ms"] = (time.perf_counter() - started) * 1000
        page.wait_for_timeout(500)  # Plotly's own relayout, if any
        result["tap_longest_ms"] = max((d for _, d in page.evaluate("window.__bench.longtasks")), default=0.0)
        result["tap_shift"] = page.evaluate("window.__bench.shifts")
        result["tap_moved"] = sorted(set(page.evaluate("window.__bench.moved")))[:4]
    context.close()
    return result


def main() -> int:
    from playwright.sync_api import sync_playwright

    print("charts on a phone: Chromium 360x800, slow 4G (562.5 ms RTT, 1.47 Mbit/s), 4x CPU slowdown, cold cache")
    with tempfile.TemporaryDirectory() as tmp:
        server, base, ids = _serve(Path(tmp))
        pages = [("progress (patient)", "patient1@demo.katapp.org", "/progress"),
                 ("patient page (clinician)", "clinician1@demo.katapp.org", f"/patients/{ids['patient1']}"),
                 ("printable report", "clinician1@demo.katapp.org", f"/patients/{ids['patient1']}/report"),
                 ("clinic overview (admin)", "admin@demo.katapp.org", "/clinic")]
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                for name, email, path in pages:
                    r = _measure(browser, base, email, path)
                    ok = r["chart_ms"] <= TARGET_VISIBLE_MS and r["longest_before_ms"] <= TARGET_TASK_MS
                    print(f"  {name:<26} chart on screen {r['chart_ms']:6.0f} ms (target {TARGET_VISIBLE_MS}), longest task "
                          f"before it {r['longest_before_ms']:4.0f} ms (target {TARGET_TASK_MS}): {'ok' if ok else 'MISSED'}"
                          f"{'' if r['first_screen'] else ' (below the first screen, ready when scrolled to)'}; "
                          f"FCP {r['fcp_ms'] or 0:.0f} ms, LCP {r['lcp_ms'] or 0:.0f} ms ({r['lcp_element']}), "
                          f"CLS {r['cls']:.3f}{' ' + ', '.join(r['moved']) if r['cls'] else ''}, "
                          f"load {r['load_ms']:.0f} ms, HTML {r['html_kb']:.0f} kB, "
                          f"longest task to idle {r['longest_until_idle_ms']:.0f} ms", flush=True)
                    if "tap_ms" in r:
                        print(f"  {'':<26} tap for the interactive chart: drawn after {r['tap_ms']:.0f} ms, longest task "
                              f"{r['tap_longest_ms']:.0f} ms, layout shift {r['tap_shift']:.3f}"
                              f"{' ' + ', '.join(r['tap_moved']) if r['tap_shift'] else ''} "
                              f"(the static chart stays on screen meanwhile)", flush=True)
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)  # gunicorn lets its workers finish first
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
