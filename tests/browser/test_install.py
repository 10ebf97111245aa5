"""Installable: the worker controls the page, the manifest is what Chromium wants, and Chromium
itself (CDP Page.getInstallabilityErrors, in a persistent profile) reports no installability error."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_the_service_worker_controls_every_page_and_precaches_the_shell(patient_page: Page):
    page = patient_page
    for path in ("/checkin", "/journal", "/progress"):
        page.goto(path)
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then(r => new URL(r.scope).pathname)")
    assert scope == "/"
    caches = page.evaluate("caches.keys()")
    shell = [name for name in caches if name.startswith("katapp-shell-")]
    assert len(shell) == 1, caches
    kept = page.evaluate(f"caches.open('{shell[0]}').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))")
    assert {"/offline", "/manifest.webmanifest", "/static/css/app.css", "/static/js/offline-queue.js"} <= set(kept)
    # Pages that must open offline were warmed after sign-in; the API never is cached.
    # ... kept per user (one person per phone): in "katapp-pages-<user id>".
    uid = page.evaluate("document.body.dataset.userId")
    pages = page.evaluate(f"caches.open('katapp-pages-{uid}').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))")
    assert {"/checkin", "/journal/new", "/questionnaires/phq9"} <= set(pages)
    everything = page.evaluate(
        "caches.keys().then(ns => Promise.all(ns.map(n => caches.open(n).then(c => c.keys()))))"
        ".then(all => all.flat().map(r => r.url))"
    )
    assert not [url for url in everything if "/api/" in url]


# Records when the page asks for its service worker: the document's state and whether load had fired.
WHEN_REGISTERED = """
window.__registered = [];
addEventListener("load", () => { window.__loaded = true; });
const register = ServiceWorkerContainer.prototype.register;
ServiceWorkerContainer.prototype.register = function (...args) {
  window.__registered.push({state: document.readyState, loaded: !!window.__loaded});
  return register.apply(this, args);
};
"""


def test_the_service_worker_is_registered_only_after_the_page_has_loaded(page: Page, sign_in):
    """Its install fetches the whole app shell and the offline pages: on a slow phone that must not
    compete with the first page's own requests (issue #16 item 4)."""
    page.add_init_script(WHEN_REGISTERED)
    sign_in(page, "patient1@demo.katapp.org")
    page.goto("/progress")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert page.evaluate("window.__registered") == [{"state": "complete", "loaded": True}]


def test_chromium_reports_no_installability_errors(playwright, browser_type_launch_args, browser_context_args,
                                                   sign_in, wait_for_worker, tmp_path):
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), **{"headless": True, **browser_type_launch_args, **browser_context_args},
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        sign_in(page, "patient2@demo.katapp.org")
        wait_for_worker(page)
        manifest = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")
        assert manifest["display"] == "standalone" and manifest["scope"] == "/"
        assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
        assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
        cdp = context.new_cdp_session(page)
        manifest_info = cdp.send("Page.getAppManifest")
        assert manifest_info["url"].endswith("/manifest.webmanifest")
        assert manifest_info.get("errors", []) == [], manifest_info["errors"]
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        context.close()
