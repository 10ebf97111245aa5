"""Reminders in Chromium (issue #17): the opt-in asks for permission only after the tap and stores the
subscription (pushManager.subscribe is stubbed: a real one needs a push service these machines cannot
reach); a push delivered to the service worker by CDP's ServiceWorker.deliverPushMessage shows the
notification, and tapping it opens the page it names."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from katapp.models import PushSubscription

pytestmark = pytest.mark.browser

ENDPOINT = "https://push.example.net/send/browser-test"
STUB = """
(() => {
  window.__permissionAsked = 0;
  window.__subscribed = 0;
  const realAsk = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = () => { window.__permissionAsked++; return realAsk(); };
  if (!window.PushManager) return;
  const b64 = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const p256dh = b64(new Uint8Array([4, ...Array(64).fill(7)]));
  const auth = b64(new Uint8Array(16).fill(9));
  // The stubbed subscription outlives a page load, as a real one does (sessionStorage).
  const fake = {endpoint: "ENDPOINT", unsubscribe: () => { sessionStorage.removeItem("fakePush"); return Promise.resolve(true); },
                toJSON: () => ({endpoint: "ENDPOINT", expirationTime: null, keys: {p256dh, auth}})};
  PushManager.prototype.subscribe = function (options) {
    window.__subscribed++;
    window.__serverKeyLength = options.applicationServerKey.byteLength;
    sessionStorage.setItem("fakePush", "1");
    return Promise.resolve(fake);
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(sessionStorage.getItem("fakePush") ? fake : null);
  };
})();
""".replace("ENDPOINT", ENDPOINT)


def _registration_id(cdp, page: Page, base_url: str) -> str:
    """The worker's registration id, from the ServiceWorker domain's events after `enable`."""
    found = {}
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: found.update({r["scopeURL"]: r["registrationId"] for r in event["registrations"]}))
    cdp.send("ServiceWorker.enable")
    for _ in range(100):  # each round trip lets Playwright dispatch the events that arrived meanwhile
        if base_url + "/" in found:
            return found[base_url + "/"]
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    raise AssertionError(f"no service worker registration reported for {base_url}/: {found}")


def poll(page: Page, script: str, done, seconds: float = 30):
    """page.evaluate(script) again every 100 ms until done(value) or `seconds` pass; the last value."""
    value = page.evaluate(script)
    for _ in range(int(seconds * 10)):
        if done(value):
            break
        page.wait_for_timeout(100)
        value = page.evaluate(script)
    return value


def test_turning_reminders_on_then_a_push_and_a_tap(page: Page, context, base_url, live_server, sign_in,
                                                     wait_for_worker):
    context.grant_permissions(["notifications"], origin=base_url)
    page.add_init_script(STUB)
    sign_in(page, "patient4@demo.katapp.org")
    wait_for_worker(page)
    page.goto("/reminders")
    on = page.get_by_role("button", name="Turn on notifications on this phone")
    expect(on).to_be_visible()
    assert page.evaluate("window.__permissionAsked") == 0  # nothing asked before the tap
    on.click()
    expect(page.locator("#push-status")).to_contain_text("Notifications are on for this phone")
    assert page.evaluate("[window.__permissionAsked, window.__subscribed, window.__serverKeyLength]") == [1, 1, 65]
    expect(page.get_by_role("button", name="Stop notifications on this phone")).to_be_visible()
    expect(on).to_be_hidden()
    expect(page.get_by_label("Send me reminders")).to_be_checked()  # ticked for them; saving is theirs
    assert live_server.count(PushSubscription, PushSubscription.endpoint == ENDPOINT) == 1

    cdp = context.new_cdp_session(page)
    message = {"title": "Your daily check-in", "body": "How are you today?", "url": "/journal/new",
               "tag": "katapp-checkin"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": base_url, "registrationId": _registration_id(cdp, page, base_url),
                                                  "data": json.dumps(message)})
    # Polled from here: wait_for_function does not wait for a promise (and a loaded machine shows it late).
    shown = poll(page, "navigator.serviceWorker.ready.then(r => r.getNotifications())"
                       ".then(ns => ns.map(n => [n.title, n.body, n.tag, n.data.url]))", lambda v: len(v) > 0)
    assert shown == [["Your daily check-in", "How are you today?", "katapp-checkin", "/journal/new"]]

    [worker] = [w for w in context.service_workers if w.url.endswith("/sw.js")]
    worker.evaluate("self.registration.getNotifications().then(ns => "
                    "self.dispatchEvent(new NotificationEvent('notificationclick', {notification: ns[0]})))")
    page.wait_for_url(base_url + "/journal/new")
    assert poll(page, "navigator.serviceWorker.ready.then(r => r.getNotifications()).then(n => n.length)",
                lambda v: v == 0) == 0

    page.goto("/reminders")
    expect(page.locator("#push-status")).to_contain_text("Notifications are on for this phone")
    page.get_by_role("button", name="Stop notifications on this phone").click()
    expect(page.locator("#push-status")).to_contain_text("Notifications are off for this phone")
    assert live_server.count(PushSubscription, PushSubscription.endpoint == ENDPOINT) == 0
