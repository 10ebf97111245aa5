"""The offline promise, in Chromium at phone size: pages open offline, entries made offline are kept
on the phone ("waiting: N") and reach the server exactly once when the network returns, even when
the network drops in the middle of sending.
"""
from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from katapp.models import CheckIn, JournalEntry

from .pages import fill_checkin, sign_out_button

pytestmark = pytest.mark.browser


def marker(kind: str) -> str:
    return f"{kind} {uuid.uuid4().hex[:10]}"


def save_checkin(page: Page) -> None:
    page.get_by_role("button", name="Save check-in").click()


def banner(page: Page):
    return page.locator("[data-offline-status]")


def queued(page: Page) -> int:
    """How many items the phone keeps in its IndexedDB queue."""
    return page.evaluate("KatappQueue.all().then(items => items.length)")


def wait_until_sent(page: Page, timeout: float = 60.0) -> None:
    """Wait until the phone's queue is empty (everything answered 200/201). Generous, as the machine
    may be loaded; the queue resends on its own (Background Sync, the retry timer). Polled from here:
    wait_for_function does not await a promise."""
    deadline = time.monotonic() + timeout
    while queued(page):
        assert time.monotonic() < deadline, f"still queued after {timeout}s: {page.evaluate('KatappQueue.all()')}"
        page.wait_for_timeout(200)


def test_sign_in_log_a_checkin_and_see_it_in_history(patient_page: Page):
    page = patient_page
    note = marker("online")
    page.goto("/checkin")
    fill_checkin(page, 7, note)
    save_checkin(page)
    page.wait_for_url(re.compile(r"/checkin\?saved=\d+"))
    expect(page.get_by_role("status").filter(has_text="Thank you for checking in")).to_be_visible()
    page.goto("/checkin/history")
    expect(page.get_by_text(note)).to_be_visible()


def test_offline_entries_wait_on_the_phone_and_arrive_exactly_once(patient_page: Page, live_server):
    page = patient_page
    context = page.context
    notes = [marker("offline check-in"), marker("offline check-in")]
    journal = marker("offline journal")
    page.goto("/checkin")
    page.goto("/journal/new")  # both form pages are now kept by the worker

    context.set_offline(True)
    page.goto("/checkin")  # served by the service worker
    expect(page.get_by_role("heading", name=re.compile("How are you"))).to_be_visible()
    for i, note in enumerate(notes):
        fill_checkin(page, 3 + i, note)
        save_checkin(page)
        expect(banner(page)).to_contain_text(f"waiting: {i + 1}")
    expect(banner(page)).to_contain_text("Saved on this phone — will send when online")
    page.goto("/journal/new")
    page.locator('textarea[name="body"]').fill(journal)
    page.get_by_role("button", name="Save entry").click()
    expect(banner(page)).to_contain_text("waiting: 3")
    assert page.locator('textarea[name="body"]').input_value() == ""
    # the queue holds the entry now: no draft left to bring the same text back as a second entry
    page.goto("/journal/new")
    assert page.locator('textarea[name="body"]').input_value() == ""
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('katapp:draft:'))") == []
    assert live_server.count(CheckIn, CheckIn.note.in_(notes)) == 0

    expect(banner(page)).to_have_class(re.compile(r"\bis-offline\b"))

    context.set_offline(False)
    expect(banner(page)).not_to_contain_text("waiting", timeout=15000)
    expect(banner(page)).to_contain_text(re.compile(r"Sent \d+ saved entr"))
    expect(banner(page)).to_have_class(re.compile(r"\bis-done\b"))  # delivered: the calm colour
    assert queued(page) == 0
    for note in notes:
        assert live_server.count(CheckIn, CheckIn.note == note) == 1
    assert live_server.count(JournalEntry, JournalEntry.body == journal) == 1


def test_a_check_in_delivered_from_the_queue_shows_in_the_today_card(patient_page: Page, live_server):
    """Issue #18: once the queue delivers an offline check-in, the open page's Today card lists it
    and the form says it was already done today (no "check in today to keep it going")."""
    page = patient_page
    note = marker("delivered")
    page.goto("/checkin")
    page.context.set_offline(True)
    page.goto("/checkin")
    fill_checkin(page, 6, note)
    save_checkin(page)
    expect(banner(page)).to_contain_text("waiting: 1")
    page.context.set_offline(False)
    expect(page.locator("#today")).to_contain_text(note, timeout=20000)
    expect(page.locator("#today")).not_to_contain_text("keep it going")
    expect(page.locator("#already")).to_contain_text("You already checked in at")
    assert live_server.count(CheckIn, CheckIn.note == note) == 1


def test_answer_lost_after_the_server_stored_it_is_not_stored_twice(patient_page: Page, live_server):
    """The network drops after the server stored the check-in: the phone keeps it, resends it with
    the same client_id, and the server still holds it once."""
    page = patient_page
    note = marker("flap")
    dropped = []

    def drop_answer(route):
        response = route.fetch()  # the server has stored it ...
        if not dropped:
            dropped.append(response.status)
            route.abort("connectionreset")  # ... but the phone never hears back
        else:
            route.fulfill(response=response)

    page.context.route("**/api/v1/checkins", drop_answer)
    page.goto("/checkin")
    fill_checkin(page, 5, note)
    save_checkin(page)
    # The first answer was lost: the phone keeps the entry and resends it (Background Sync, the
    # retry timer or the next page load), and the server answers 200 with the stored one.
    deadline = time.monotonic() + 60
    while not dropped and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert dropped == [201]
    wait_until_sent(page)
    assert live_server.count(CheckIn, CheckIn.note == note) == 1


def test_network_flapping_between_queued_items_sends_each_once(patient_page: Page, live_server):
    page = patient_page
    context = page.context
    notes = [marker("flapping") for _ in range(3)]
    page.goto("/checkin")
    context.set_offline(True)
    page.goto("/checkin")
    for i, note in enumerate(notes):
        fill_checkin(page, 4 + i, note)
        save_checkin(page)
    expect(banner(page)).to_contain_text("waiting: 3")

    sent = []

    def flap(route):
        # The second item: the server stores it, then the network goes down before the answer.
        response = route.fetch()
        sent.append(response.status)
        if len(sent) == 2:
            route.abort("internetdisconnected")
        else:
            route.fulfill(response=response)

    page.context.route("**/api/v1/checkins", flap)
    context.set_offline(False)
    wait_until_sent(page)
    for note in notes:
        assert live_server.count(CheckIn, CheckIn.note == note) == 1
    # The page sent the first two (the second answer lost); the resends may come from the page or
    # from the worker's Background Sync, which page.route does not see: either way, once each.
    assert sent[:2] == [201, 201]


def test_checkin_page_opens_offline_after_reload(patient_page: Page):
    page = patient_page
    page.goto("/checkin")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("form[data-offline-api]")).to_be_visible()
    expect(banner(page)).to_contain_text("You are offline")
    page.goto("/progress")  # not kept: the offline page, without anyone's data
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    page.context.set_offline(False)


def test_signing_out_warns_about_waiting_entries_and_forgets_them(patient_page: Page):
    page = patient_page
    page.goto("/checkin")
    page.evaluate("localStorage.setItem('katapp:draft:test', 'x')")
    page.context.set_offline(True)
    page.goto("/checkin")
    fill_checkin(page, 2, marker("left behind"))
    save_checkin(page)
    expect(banner(page)).to_contain_text("waiting: 1")
    # The route goes in before the network comes back: the page sends its queue on "online".
    page.context.route("**/api/v1/checkins", lambda route: route.abort("internetdisconnected"))  # stays unsent
    page.context.set_offline(False)
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.dismiss() if len(messages) == 1 else dialog.accept()

    page.on("dialog", answer)
    with page.expect_event("dialog"):
        sign_out_button(page).click()
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(r"/checkin"))
    expect(banner(page)).to_contain_text("waiting: 1")  # cancelled: nothing lost
    assert "not been sent" in messages[0]

    sign_out_button(page).click()
    page.wait_for_url(re.compile(r"/login"))
    assert len(messages) == 2
    assert queued(page) == 0
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('katapp:')).length") == 0
    kept = page.evaluate("caches.keys().then(names => names.filter(n => n.startsWith('katapp-pages')))")
    assert kept == []


def test_an_invalid_entry_is_kept_and_shown_until_discarded(patient_page: Page, live_server):
    page = patient_page
    page.goto("/checkin")
    user_id = page.evaluate("document.body.dataset.userId")
    # An entry queued with a value the server refuses (as an older app version might have).
    page.evaluate(
        """(uid) => KatappQueue.put({client_id: crypto.randomUUID(), user_id: uid, api: '/api/v1/checkins',
             label: 'check-in', done: '', created: new Date().toISOString(), status: 'waiting',
             body: {client_id: crypto.randomUUID(), mood: 42}})""",
        user_id,
    )
    page.reload()
    expect(banner(page)).to_contain_text("1 saved entry needs your attention")
    banner(page).get_by_text("needs your attention").click()  # folded, so the banner stays small
    expect(banner(page).get_by_text("mood:")).to_be_visible()
    assert queued(page) == 1
    page.once("dialog", lambda dialog: dialog.accept())
    banner(page).get_by_role("button", name="Discard").click()
    expect(banner(page)).not_to_contain_text("needs your attention")
    assert queued(page) == 0


def test_a_second_user_never_sends_the_first_users_entries(page: Page, live_server, sign_in, wait_for_worker):
    sign_in(page, "patient3@demo.katapp.org")
    wait_for_worker(page)
    note = marker("someone else's")
    first_user = page.evaluate("document.body.dataset.userId")
    page.evaluate(
        """([uid, note]) => KatappQueue.put({client_id: crypto.randomUUID(), user_id: uid, api: '/api/v1/checkins',
             label: 'check-in', done: '', created: new Date().toISOString(), status: 'auth',
             body: {client_id: crypto.randomUUID(), mood: 5, note: note}})""",
        [first_user, note],
    )
    # The session ends without signing out (cookies gone), then another patient signs in here.
    page.context.clear_cookies()
    sign_in(page, "patient5@demo.katapp.org")
    page.goto("/checkin")
    page.evaluate("KatappQueue.flush(document.body.dataset.userId)")  # after the page's own attempt
    expect(banner(page)).not_to_contain_text("waiting")
    assert queued(page) == 1
    assert live_server.count(CheckIn, CheckIn.note == note) == 0
    # The first patient signs in again: it is sent, under their own account.
    page.context.clear_cookies()
    sign_in(page, "patient3@demo.katapp.org")
    wait_until_sent(page)
    stored = live_server.query(select(CheckIn).where(CheckIn.note == note))
    assert [c.patient_id for c in stored] == [int(first_user)]
