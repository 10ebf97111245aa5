"""Staff two-factor in Chromium (issue #15 item 3): enrol a passkey through Chromium's virtual
authenticator (CDP WebAuthn) and sign in with it; enrol an authenticator app and sign in with a code
computed here. Served on http://localhost (an IP address cannot be a WebAuthn RP id). Screenshots at
360 px land in /tmp/shots/ for the issue note."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from katapp import twofactor
from katapp.clock import utcnow
from katapp.models import AuditEvent, SecondFactor, User

from .pages import sign_out_button

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots for the issue note, nothing secret


def _password_step(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page) -> None:
    sign_out_button(page).click()
    page.wait_for_url("**/login")


def _factors(live_server, email: str) -> list[SecondFactor]:
    user = live_server.query(select(User).where(User.email == email))[0]
    return live_server.query(select(SecondFactor).where(SecondFactor.user_id == user.id))


def test_passkey_enrol_and_sign_in_with_a_virtual_authenticator(browser: Browser, live_server, localhost_url,
                                                                make_staff, demo_password):
    email = make_staff()
    context = browser.new_context(**NARROW)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    _password_step(page, localhost_url, email, demo_password)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(localhost_url + "/account/two-factor")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "twofa-enrol-choices.png"), full_page=True)
    page.get_by_label("Name for this passkey (optional)").fill("Test phone")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url("**/account/two-factor/recovery-codes")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator("ol.codes code").count() == 10
    page.screenshot(path=str(SHOTS / "twofa-recovery-codes.png"), full_page=True)
    stored = _factors(live_server, email)
    assert [(f.kind, f.name) for f in stored] == [("passkey", "Test phone")]
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]})
    assert len(credentials["credentials"]) == 1

    page.goto(localhost_url + "/caseload")
    _sign_out(page)
    _password_step(page, localhost_url, email, demo_password)
    page.wait_for_url("**/login/verify")
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.screenshot(path=str(SHOTS / "twofa-second-step-passkey.png"), full_page=True)
    page.get_by_role("button", name="Use my passkey").click()
    page.wait_for_url("**/caseload")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    user = live_server.query(select(User).where(User.email == email))[0]
    signed = live_server.query(select(AuditEvent).where(AuditEvent.actor_id == user.id,
                                                        AuditEvent.action == "sign_in_second_factor"))
    assert [e.detail for e in signed] == ["passkey"]
    assert _factors(live_server, email)[0].last_used_at is not None
    context.close()


def test_authenticator_app_enrol_and_sign_in_with_a_computed_code(browser: Browser, live_server, localhost_url,
                                                                  make_staff, demo_password, monkeypatch):
    email = make_staff("admin")
    context = browser.new_context(**NARROW)
    page = context.new_page()
    _password_step(page, localhost_url, email, demo_password)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(localhost_url + "/account/two-factor/totp")
    expect(page.locator(".qr-box svg")).to_be_visible()
    page.screenshot(path=str(SHOTS / "twofa-enrol-totp.png"), full_page=True)
    page.get_by_text("Cannot scan? Type this key instead").click()
    secret = page.locator("p.secret").inner_text().replace(" ", "")
    page.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/account/two-factor/recovery-codes")
    assert page.locator("ol.codes code").count() == 10
    page.get_by_role("link", name="I have saved them").click()
    _sign_out(page)

    # The enrolment used this 30-second window's code: sign in with the next window's (no replay).
    monkeypatch.setattr(twofactor, "utcnow", lambda: utcnow() + dt.timedelta(seconds=30))
    _password_step(page, localhost_url, email, demo_password)
    page.wait_for_url("**/login/verify")
    expect(page.get_by_role("button", name="Use my passkey")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "twofa-second-step-code.png"), full_page=True)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(secret).at(utcnow() + dt.timedelta(seconds=30)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/clinic")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    context.close()
