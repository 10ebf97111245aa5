"""Staff two-factor (issue #15 item 3): enrolment, the second step of sign-in, replay, recovery codes,
the gate for staff without a factor (pages and API), patients unaffected, the clinic setting, demo-data.
"""
from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from sqlalchemy import select

from katapp import twofactor
from katapp.clock import utcnow
from katapp.extensions import db
from katapp.models import AuditEvent, ClinicSettings, RecoveryCode, SecondFactor

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SECRET = re.compile(r'<p class="secret"[^>]*>([A-Z2-7 ]+)</p>')
CODE = re.compile(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>")


def token(client, path: str) -> str:
    response = client.get(path)
    match = META.search(response.get_data(as_text=True))
    assert match, (path, response.status_code)
    return match.group(1)


def actions(user_id: int, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user_id, AuditEvent.action == action)))


@pytest.fixture
def later(monkeypatch):
    """later(seconds): the two-factor module's clock runs `seconds` ahead (the next TOTP window)."""

    def move(seconds: int) -> None:
        monkeypatch.setattr(twofactor, "utcnow", lambda: utcnow() + dt.timedelta(seconds=seconds))

    return move


@pytest.fixture
def password_step(app, auth):
    """password_step(user) -> a client half signed in (password right, second factor not yet)."""

    def step(user, **extra):
        c = app.test_client()
        response = auth.on(c).login(user, **extra)
        assert response.status_code == 302 and response.headers["Location"].endswith("/login/verify"), response.headers
        return c

    return step


@pytest.fixture
def with_totp(app):
    """with_totp(user) -> the base32 secret of an authenticator app stored for `user` (as enrolment does)."""

    def add(user) -> str:
        secret = pyotp.random_base32()
        db.session.add(SecondFactor(user_id=user.id, kind="totp", name="Authenticator app", secret=twofactor.seal(secret)))
        db.session.commit()
        return secret

    return add


def second_step(client, code: str):
    return client.post("/login/verify", data={"code": code, "csrf_token": token(client, "/login/verify")})


def enrol_totp(client) -> tuple[str, list[str]]:
    """Enrol an authenticator app through the pages; returns (secret, the recovery codes shown once)."""
    page = client.get("/account/two-factor/totp").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]
    secret = SECRET.search(page).group(1).replace(" ", "")
    response = client.post("/account/two-factor/totp", data={"code": pyotp.TOTP(secret).now(),
                                                            "csrf_token": META.search(page).group(1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor/recovery-codes")
    codes = CODE.findall(client.get("/account/two-factor/recovery-codes").get_data(as_text=True))
    return secret, codes


def test_clinician_enrols_an_authenticator_app_then_signs_in_with_a_code(
        clinician, patient, login_as, auth, set_clinic, password_step, later, api):
    set_clinic(require_staff_2fa=True)
    c = login_as(clinician)
    gated = c.get("/caseload")
    assert gated.status_code == 302 and gated.headers["Location"].endswith("/account/two-factor")
    secret, codes = enrol_totp(c)
    assert len(codes) == 10 and len(set(codes)) == 10
    again = c.get("/account/two-factor/recovery-codes")  # shown once
    assert again.status_code == 302 and not CODE.findall(c.get(again.headers["Location"]).get_data(as_text=True))
    assert c.get("/caseload").status_code == 200
    stored = db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == clinician.id))
    assert stored.kind == "totp" and secret not in stored.secret and twofactor.unseal(stored.secret) == secret
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == clinician.id)))
    assert len(hashes) == 10 and not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert actions(clinician.id, "two_factor_added") and actions(clinician.id, "recovery_codes_issued")

    auth.on(c).logout()
    half = password_step(clinician)
    # Half signed in: nothing but the second step.
    assert half.get("/caseload").headers["Location"].startswith("/login")
    assert half.get(f"/patients/{patient.id}").status_code == 302
    assert api(half, "GET", "/api/v1/patients").status_code == 401
    later(30)
    response = second_step(half, pyotp.TOTP(secret).at(utcnow() + dt.timedelta(seconds=30)))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert half.get("/caseload").status_code == 200
    assert [e.detail for e in actions(clinician.id, "sign_in_second_factor")] == ["totp"]


def test_a_code_works_once_even_within_its_window(clinician, with_totp, password_step, auth):
    secret = with_totp(clinician)
    code = pyotp.TOTP(secret).now()
    first = password_step(clinician)
    assert second_step(first, code).status_code == 302
    replay = password_step(clinician)
    refused = second_step(replay, code)
    assert refused.status_code == 400 and "already used" in refused.get_data(as_text=True)
    assert replay.get("/caseload").status_code == 302
    assert len(actions(clinician.id, "two_factor_failed")) == 1


def test_wrong_codes_are_refused_then_throttled(clinician, with_totp, password_step, app):
    secret = with_totp(clinician)
    half = password_step(clinician)
    good = pyotp.TOTP(secret).now()
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    statuses = [second_step(half, wrong).status_code for _ in range(limit)]
    assert statuses == [400] * limit
    throttled = second_step(half, good)  # even the right code waits once the limit is spent
    assert throttled.status_code == 429 and "Too many" in throttled.get_data(as_text=True)


def test_a_recovery_code_signs_in_once(clinician, password_step, set_clinic, login_as, auth):
    set_clinic(require_staff_2fa=True)
    c = login_as(clinician)
    _secret, codes = enrol_totp(c)
    auth.on(c).logout()
    half = password_step(clinician)
    response = second_step(half, codes[3].upper())  # typed in capitals: still the code
    assert response.status_code == 302
    home = half.get("/caseload")
    assert home.status_code == 200 and "9 left" in home.get_data(as_text=True)
    assert actions(clinician.id, "sign_in_second_factor")[-1].detail == "recovery; 9 recovery codes left"
    again = password_step(clinician)
    assert second_step(again, codes[3]).status_code == 400
    assert second_step(again, codes[4]).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(clinician, with_totp, password_step, login_as, set_clinic):
    set_clinic(require_staff_2fa=True)
    secret = with_totp(clinician)
    half = password_step(clinician)
    assert second_step(half, pyotp.TOTP(secret).now()).status_code == 302
    first = half.post("/account/two-factor/recovery-codes", data={"csrf_token": token(half, "/account/two-factor")})
    assert first.status_code == 302
    old = CODE.findall(half.get("/account/two-factor/recovery-codes").get_data(as_text=True))
    half.post("/account/two-factor/recovery-codes", data={"csrf_token": token(half, "/account/two-factor")})
    new = CODE.findall(half.get("/account/two-factor/recovery-codes").get_data(as_text=True))
    assert len(old) == len(new) == 10 and not set(old) & set(new)
    assert len(actions(clinician.id, "recovery_codes_issued")) == 2
    other = password_step(clinician)
    assert second_step(other, old[0]).status_code == 400
    assert second_step(other, new[0]).status_code == 302


def test_staff_without_a_factor_reach_no_patient_data_until_enrolled(
        clinician, admin, patient, login_as, set_clinic, api):
    set_clinic(require_staff_2fa=True)
    c = login_as(clinician)
    for path in ("/", "/caseload", f"/patients/{patient.id}", "/agenda"):
        response = c.get(path, follow_redirects=True)
        assert response.request.path == "/account/two-factor", path
        assert patient.display_name not in response.get_data(as_text=True)
    listing = api(c, "GET", "/api/v1/patients")
    assert listing.status_code == 403 and listing.get_json()["error"] == "second factor required"
    assert set(listing.get_json()) == {"error", "fields"} and patient.email not in listing.get_data(as_text=True)
    booking = api(c, "POST", "/api/v1/sessions", json={"patient_id": patient.id, "kind": "integration",
                                                        "starts_at": "2030-01-01T09:00:00+00:00", "duration_minutes": 50})
    assert booking.status_code == 403
    a = login_as(admin)
    assert a.get("/clinic").headers["Location"].endswith("/account/two-factor")
    assert a.get("/admin/users").headers["Location"].endswith("/account/two-factor")
    set_clinic(require_staff_2fa=False)
    assert c.get("/caseload").status_code == 200 and api(c, "GET", "/api/v1/patients").status_code == 200


def test_patients_sign_in_with_a_password_alone_and_may_add_a_factor(patient, login_as, set_clinic, api):
    set_clinic(require_staff_2fa=True)
    c = login_as(patient)
    assert c.get("/checkin").status_code == 200
    assert api(c, "GET", "/api/v1/checkins").status_code == 200
    page = c.get("/account/two-factor").get_data(as_text=True)
    assert "Optional" in page and "Add a passkey" in page
    options = api(c, "POST", "/account/two-factor/passkey/options")
    body = options.get_json()
    assert options.status_code == 200 and body["rp"]["id"] == "localhost" and body["challenge"]
    assert body["user"]["name"] == patient.email


def test_a_passkey_that_does_not_verify_is_refused_and_nothing_stored(clinician, login_as, api):
    c = login_as(clinician)
    api(c, "POST", "/account/two-factor/passkey/options")
    bad = api(c, "POST", "/account/two-factor/passkey", json={"credential": {"id": "x", "rawId": "x", "type": "public-key",
                                                                            "response": {}}, "name": "Phone"})
    assert bad.status_code == 400 and "passkey" in bad.get_json()["fields"]
    assert db.session.scalar(select(SecondFactor.id)) is None


def test_removing_the_last_factor_is_refused_while_required(clinician, with_totp, password_step, set_clinic):
    set_clinic(require_staff_2fa=True)
    secret = with_totp(clinician)
    half = password_step(clinician)
    assert second_step(half, pyotp.TOTP(secret).now()).status_code == 302
    factor_id = db.session.scalar(select(SecondFactor.id))
    csrf = token(half, "/account/two-factor")
    refused = half.post(f"/account/two-factor/{factor_id}/remove", data={"csrf_token": csrf})
    assert refused.status_code == 422 and "cannot be" in refused.get_data(as_text=True)
    assert db.session.get(SecondFactor, factor_id) is not None
    set_clinic(require_staff_2fa=False)
    assert half.post(f"/account/two-factor/{factor_id}/remove", data={"csrf_token": csrf}).status_code == 302
    assert db.session.get(SecondFactor, factor_id) is None
    assert db.session.scalar(select(RecoveryCode.id)) is None
    assert actions(clinician.id, "two_factor_removed")[0].detail == "totp: Authenticator app"


def test_resetting_the_authenticator_app_replaces_it(clinician, with_totp, password_step, later):
    old_secret = with_totp(clinician)
    half = password_step(clinician)
    assert second_step(half, pyotp.TOTP(old_secret).now()).status_code == 302
    page = half.get("/account/two-factor/totp").get_data(as_text=True)
    assert "replaces your current authenticator app" in page
    new_secret = SECRET.search(page).group(1).replace(" ", "")
    wrong = half.post("/account/two-factor/totp", data={"code": "000000", "csrf_token": META.search(page).group(1)})
    assert wrong.status_code == 400 and new_secret in wrong.get_data(as_text=True).replace(" ", "")  # same QR: no re-scan
    later(30)
    code = pyotp.TOTP(new_secret).at(utcnow() + dt.timedelta(seconds=30))
    assert half.post("/account/two-factor/totp", data={"code": code, "csrf_token": META.search(page).group(1)}).status_code == 302
    factors = db.session.scalars(select(SecondFactor)).all()
    assert [twofactor.unseal(f.secret) for f in factors] == [new_secret]
    assert actions(clinician.id, "two_factor_added")[-1].detail == "authenticator app (reset)"


def test_the_second_step_expires_and_follows_the_session_version(clinician, with_totp, password_step, later):
    secret = with_totp(clinician)
    half = password_step(clinician)
    later(301)
    expired = half.get("/login/verify")
    assert expired.status_code == 302 and expired.headers["Location"].startswith("/login")
    later(0)
    half = password_step(clinician)
    clinician.session_version += 1  # e.g. the password was reset meanwhile
    db.session.commit()
    code = pyotp.TOTP(secret).now()
    stale = half.post("/login/verify", data={"code": code, "csrf_token": token(half, "/login")})
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/login")
    assert half.get("/caseload").status_code == 302
    assert db.session.scalar(select(SecondFactor.last_step)) == 0  # the code was not even checked


def test_the_next_page_survives_the_second_step(clinician, patient, with_totp, password_step):
    secret = with_totp(clinician)
    half = password_step(clinician, next=f"/patients/{patient.id}")
    assert second_step(half, pyotp.TOTP(secret).now()).headers["Location"] == f"/patients/{patient.id}"


def settings_form(csrf: str, **values) -> dict:
    form = {"csrf_token": csrf, "clinic_name": "Calm Clinic", "timezone": "America/Denver",
            "bp_limit_systolic": "150", "bp_limit_diastolic": "95", "pcl5_cutpoint": "31",
            "phq9_every_days": "7", "gad7_every_days": "14", "pcl5_every_days": "28", "series_length": "6",
            "crisis_text": "Call 988.", "country": "US", "escalation_hours": "4",
            "crisis_resources": '{"US": [{"label": "Call 988", "kind": "call", "value": "988"}]}'}
    return {**form, **values}


def test_admins_turn_the_requirement_on_and_off_audited(admin, login_as, with_totp, password_step, set_clinic):
    c = login_as(admin)
    assert 'name="require_staff_2fa"' in c.get("/admin/settings").get_data(as_text=True)
    on = c.post("/admin/settings", data=settings_form(c.csrf, require_staff_2fa="y"))
    assert on.status_code == 302 and db.session.get(ClinicSettings, 1).require_staff_2fa is True
    assert [e.detail for e in actions(admin.id, "two_factor_requirement_changed")] == ["staff two-factor now required"]
    assert c.get("/admin/settings").headers["Location"].endswith("/account/two-factor")  # the admin enrols too
    secret = with_totp(admin)
    half = password_step(admin)
    assert second_step(half, pyotp.TOTP(secret).now()).status_code == 302
    off = half.post("/admin/settings", data=settings_form(token(half, "/admin/settings")))
    assert off.status_code == 302
    db.session.expire_all()
    assert db.session.get(ClinicSettings, 1).require_staff_2fa is False
    assert [e.detail for e in actions(admin.id, "two_factor_requirement_changed")] == [
        "staff two-factor now required", "staff two-factor now NOT required"]


def test_a_new_clinic_requires_staff_two_factor():
    assert ClinicSettings.defaults()["require_staff_2fa"] is True


def test_demo_data_turns_it_off_and_says_so_unless_asked(app, runner):
    args = ["demo-data", "--patients", "3", "--days", "14"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "two-factor is OFF" in result.output.splitlines()[-1]
    assert db.session.get(ClinicSettings, 1).require_staff_2fa is False
    result = runner.invoke(args=[*args, "--reset", "--require-2fa"])
    assert result.exit_code == 0 and "two-factor is ON" in result.output
    db.session.expire_all()
    assert db.session.get(ClinicSettings, 1).require_staff_2fa is True


def test_an_admin_resets_a_lost_second_factor_audited(clinician, admin, with_totp, password_step, login_as, set_clinic,
                                                      app):
    secret = with_totp(clinician)
    signed_in = password_step(clinician)
    assert second_step(signed_in, pyotp.TOTP(secret).now()).status_code == 302
    a = login_as(admin)
    page = a.get(f"/admin/users/{clinician.id}").get_data(as_text=True)
    assert "Authenticator app" in page and "Reset two-factor" in page
    response = a.post(f"/admin/users/{clinician.id}/two-factor/reset", data={"csrf_token": a.csrf})
    assert response.status_code == 302
    assert db.session.scalar(select(SecondFactor.id)) is None
    assert signed_in.get("/caseload").status_code == 302  # signed out everywhere
    assert [e.object_id for e in actions(admin.id, "two_factor_reset")] == [clinician.id]
    set_clinic(require_staff_2fa=True)
    fresh = login_as(clinician)  # the password alone now, then straight to enrolment
    assert fresh.get("/caseload").headers["Location"].endswith("/account/two-factor")
