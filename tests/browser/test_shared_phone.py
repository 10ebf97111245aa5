"""One person per phone, in Chromium: a phone passed from one patient to the next never shows the
previous patient's draft or kept pages, never posts an entry under the wrong person, keeps the
previous patient's unsent entries for them, and a sign-out made offline takes effect at once and
on the server when the network returns (katapp/device.py, static/js/device.js, sw.js).
"""
from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from katapp.accounts import create_invitation
from katapp.extensions import db
from katapp.models import CheckIn, JournalEntry, User, care_team

from .pages import fill_checkin, sign_out_button

pytestmark = pytest.mark.browser

KEPT = "caches.keys().then(names => names.filter(n => n.startsWith('katapp-pages')).sort())"
DRAFTS = "Object.keys(localStorage).filter(k => k.startsWith('katapp:draft:'))"
NEW_PASSWORD = "a long passphrase of my own"


def marker(kind: str) -> str:
    return f"{kind} {uuid.uuid4().hex[:10]}"


def banner(page: Page):
    return page.locator("[data-offline-status]")


def user_id(page: Page) -> str:
    return page.evaluate("document.body.dataset.userId")


def kept_for(page: Page, uid: str, path: str = "/checkin") -> list[str]:
    """The paths the worker keeps for user `uid` (after waiting until the warm-up has kept `path`)."""
    name = f"katapp-pages-{uid}"
    wait_until(page, f"caches.open('{name}').then(c => c.match('{path}')).then(hit => !!hit)")
    return page.evaluate(f"caches.open('{name}').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))")


def queued(page: Page) -> list[dict]:
    return page.evaluate("KatappQueue.all()")


def wait_until(page: Page, script: str, timeout: float = 60.0) -> None:
    """Poll `script` (a promise) until it is true; wait_for_function does not await promises."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"not true after {timeout}s: {script}"
        page.wait_for_timeout(200)


def session_cookie(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "session")


def old_cookie_status(live_server, cookie: str) -> int:
    """What the server answers /checkin for a copy of a session cookie (302 to /login: signed out)."""
    client = live_server.app.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/checkin")
    with live_server.app.app_context():
        db.session.remove()
    return response.status_code


def invite_newcomer(live_server) -> tuple[str, str]:
    """A new patient on clinician1's caseload with an open invitation: (email, /invite/<token>)."""
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.org"
    with live_server.app.app_context():
        clinician = db.session.scalar(select(User).where(User.email == "clinician1@demo.katapp.org"))
        user = User(email=email, display_name="New Comer", role="patient", timezone="Europe/London")
        db.session.add(user)
        db.session.flush()
        db.session.execute(care_team.insert().values(clinician_id=clinician.id, patient_id=user.id))
        token = create_invitation(user, clinician)
        db.session.commit()
        db.session.remove()
    return email, f"/invite/{token}"


def test_the_next_patient_never_sees_the_previous_patients_draft_or_kept_pages(page: Page, sign_in, wait_for_worker):
    sign_in(page, "patient4@demo.katapp.org")
    wait_for_worker(page)
    first = user_id(page)
    draft = marker("a private draft")
    page.goto("/journal/new")
    page.locator('textarea[name="body"]').fill(draft)
    wait_until(page, f"localStorage.getItem('katapp:draft:{first}:journal:new') !== null")
    assert "/checkin" in kept_for(page, first)

    # The session ends without a sign-out (the browser dropped it), and the next patient signs in.
    page.context.clear_cookies()
    sign_in(page, "patient6@demo.katapp.org")
    second = user_id(page)
    assert second != first
    page.goto("/journal/new")
    expect(page.locator('textarea[name="body"]')).to_have_value("")
    expect(page.locator("[data-journal-draft-note]")).to_be_hidden()
    assert page.evaluate(DRAFTS) == []  # the first patient's draft is gone from this phone
    assert draft not in page.content()
    assert "/checkin" in kept_for(page, second)
    assert page.evaluate(KEPT) == [f"katapp-pages-{second}"]

    # Offline, the kept pages are the second patient's own.
    page.context.set_offline(True)
    page.goto("/checkin")
    expect(page.locator("form[data-offline-api]")).to_be_visible()
    assert user_id(page) == second
    page.context.set_offline(False)


def test_a_newcomer_by_invitation_offline_never_sees_or_writes_into_the_previous_patient(
        page: Page, live_server, sign_in, wait_for_worker):
    sign_in(page, "patient4@demo.katapp.org")
    wait_for_worker(page)
    first = user_id(page)
    assert "/journal/new" in kept_for(page, first, "/journal/new")
    email, invite = invite_newcomer(live_server)

    # The newcomer taps the invitation link while the phone is offline: the previous patient's
    # pages are gone at once, whatever they open next.
    page.context.set_offline(True)
    page.goto(invite)
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    assert page.evaluate(KEPT) == []
    for path in ("/checkin", "/journal/new", "/"):
        page.goto(path)
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        expect(page.locator("form[data-offline-api]")).to_have_count(0)

    # Online again, the newcomer sets a password; an entry they write offline is theirs.
    page.context.set_offline(False)
    page.goto(invite)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(lambda url: "/invite/" not in url)
    wait_for_worker(page)
    newcomer = user_id(page)
    assert newcomer not in (None, first)
    assert "/journal/new" in kept_for(page, newcomer, "/journal/new")
    assert page.evaluate(KEPT) == [f"katapp-pages-{newcomer}"]

    text = marker("the newcomer's first entry")
    page.context.set_offline(True)
    page.goto("/journal/new")
    assert user_id(page) == newcomer
    page.locator('textarea[name="body"]').fill(text)
    page.get_by_role("button", name="Save entry").click()
    expect(banner(page)).to_contain_text("waiting: 1")
    assert [item["user_id"] for item in queued(page)] == [newcomer]
    page.context.set_offline(False)
    wait_until(page, "KatappQueue.all().then(items => items.length === 0)")
    stored = live_server.query(select(JournalEntry).where(JournalEntry.body == text))
    assert [e.author_id for e in stored] == [int(newcomer)]
    with live_server.app.app_context():
        assert db.session.scalar(select(User.email).where(User.id == int(newcomer))) == email
        db.session.remove()


def test_a_queued_checkin_waits_for_its_owner_and_is_delivered_under_them(
        page: Page, live_server, sign_in, wait_for_worker):
    sign_in(page, "patient4@demo.katapp.org")
    wait_for_worker(page)
    first = user_id(page)
    note = marker("first patient's offline check-in")
    page.goto("/checkin")
    page.context.set_offline(True)
    page.goto("/checkin")
    fill_checkin(page, 6, note)
    page.get_by_role("button", name="Save check-in").click()
    expect(banner(page)).to_contain_text("waiting: 1")

    # The session ends while offline (cookies gone); online, the next patient signs in and out.
    page.context.clear_cookies()
    page.context.set_offline(False)
    sign_in(page, "patient6@demo.katapp.org")
    page.goto("/checkin")
    page.evaluate("KatappQueue.flush(document.body.dataset.userId)")  # after the page's own attempt
    expect(banner(page)).not_to_contain_text("waiting")  # not theirs: not shown, not sent
    assert [item["user_id"] for item in queued(page)] == [first]
    assert live_server.count(CheckIn, CheckIn.note == note) == 0
    sign_out_button(page).click()  # nothing of theirs waits: no warning
    page.wait_for_url(re.compile(r"/login"))
    assert [item["user_id"] for item in queued(page)] == [first]  # still kept for its owner

    sign_in(page, "patient4@demo.katapp.org")
    wait_until(page, "KatappQueue.all().then(items => items.length === 0)")
    stored = live_server.query(select(CheckIn).where(CheckIn.note == note))
    assert [c.patient_id for c in stored] == [int(first)]


def test_signing_out_offline_takes_effect_at_once_and_on_the_server_when_back_online(
        page: Page, live_server, sign_in, wait_for_worker):
    sign_in(page, "patient4@demo.katapp.org")
    wait_for_worker(page)
    uid = user_id(page)
    assert "/checkin" in kept_for(page, uid)
    page.goto("/journal/new")
    page.locator('textarea[name="body"]').fill(marker("draft"))
    wait_until(page, f"localStorage.getItem('katapp:draft:{uid}:journal:new') !== null")
    cookie = session_cookie(page)

    page.context.set_offline(True)
    sign_out_button(page).click()
    # At once, without the network: nothing personal on screen, nothing kept.
    expect(page.get_by_role("heading", name="Signed out")).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    assert page.evaluate(KEPT) == []
    assert page.evaluate(DRAFTS) == []
    assert page.evaluate("KatappQueue.pendingSignOut().then(p => p && p.user_id)") == uid
    for path in ("/checkin", "/journal/new"):
        page.goto(path)
        expect(page.locator("[data-signed-out-note]")).to_be_visible()
        expect(page.locator("form[data-offline-api]")).to_have_count(0)
    assert old_cookie_status(live_server, cookie) == 200  # the server has not heard of it yet

    # The network returns: the sign-out is sent first, and the sign-in page opens.
    page.context.set_offline(False)
    page.wait_for_url(re.compile(r"/login"), timeout=30000)
    wait_until(page, "KatappQueue.pendingSignOut().then(p => p === null)")
    assert old_cookie_status(live_server, cookie) == 302  # a copy of the old cookie is signed out
    page.goto("/checkin")
    expect(page).to_have_url(re.compile(r"/login"))


def test_signing_out_in_one_tab_clears_the_other_tabs_at_once(page: Page, sign_in, wait_for_worker):
    sign_in(page, "patient4@demo.katapp.org")
    wait_for_worker(page)
    other = page.context.new_page()
    other.goto("/journal")
    expect(sign_out_button(other)).to_be_visible()
    sign_out_button(page).click()
    page.wait_for_url(re.compile(r"/login"))
    expect(other.get_by_role("heading", name="Signed out")).to_be_visible()
    expect(other.get_by_text("You signed out of katapp in another tab")).to_be_visible()
    expect(other.get_by_role("button", name="Sign out")).to_be_hidden()
    other.close()
