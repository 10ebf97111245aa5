"""/account (issue #18): every role's own details, the one form a person edits them with, and the
navigation that leads there (the patient's bottom tab bar, the top bar's menu)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import AuditEvent, User

GOOD = {"timezone": "Europe/London", "country": "GB", "phone": "+44 20 7946-0958"}


def _post(client, data: dict, token: bool = True):
    body = dict(data)
    if token:
        body["csrf_token"] = client.csrf
    return client.post("/account/profile", data=body)


def _stored(user: User) -> tuple:
    db.session.expire_all()
    row = db.session.get(User, user.id)
    return row.timezone, row.country, row.phone, row.display_name, row.email


def _profile_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "profile_changed"))


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/account").headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["patient", "clinician", "admin"])
def test_every_role_sees_its_own_details_and_the_account_links(role, patient, clinician, admin, login_as):
    me = {"patient": patient, "clinician": clinician, "admin": admin}[role]
    html = login_as(me).get("/account").get_data(as_text=True)
    assert me.display_name in html and me.email in html
    assert "New York (America)" in html  # the zone as a city, not "America/New_York"
    for path in ("/account/password", "/account/two-factor", "/logout", "/account/profile"):
        assert f'href="{path}"' in html or f'action="{path}"' in html, path
    patient_only = ('href="/reminders"', 'href="/account/export.zip"', 'href="/account/seen"', 'name="phone"',
                    'name="country"')
    for needle in patient_only:
        assert (needle in html) == (role == "patient"), needle
    others = {patient, clinician, admin} - {me}
    assert not [u.email for u in others if u.email in html]


def test_the_patient_edits_zone_country_and_phone(patient, login_as):
    client = login_as(patient)
    response = _post(client, GOOD)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert _stored(patient)[:3] == ("Europe/London", "GB", "+442079460958")  # the crisis module's normal form
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile_changed"))
    assert (event.actor_id, event.patient_id, event.detail) == (patient.id, patient.id, "timezone, phone, country")
    html = client.get("/account").get_data(as_text=True)
    assert "Your details are saved." in html
    assert "London (Europe)" in html and "United Kingdom" in html and "+442079460958" in html
    assert '<option selected value="Europe/London">' in html or 'value="Europe/London" selected' in html


def test_saving_the_same_values_writes_nothing(patient, login_as):
    client = login_as(patient)
    response = _post(client, {"timezone": patient.timezone, "country": "", "phone": ""})
    assert response.status_code == 302
    assert _profile_events() == 0
    assert "Nothing changed." in client.get("/account").get_data(as_text=True)


def test_blanks_clear_country_and_phone(make_user, clinician, login_as):
    patient = make_user("patient", clinician=clinician, country="US", phone="5551234567")
    assert _post(login_as(patient), {"timezone": patient.timezone, "country": "", "phone": "  "}).status_code == 302
    assert _stored(patient)[1:3] == (None, None)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("timezone", "Mars/Olympus_Mons", "Choose a time zone from the list."),
    ("timezone", "US/Eastern", "Choose a time zone from the list."),  # a real zone, but not on the city list
    ("timezone", "", "Choose a time zone from the list."),
    ("country", "ZZ", "Choose a country from the list."),
    ("country", "USA", "Give a two-letter country code, e.g. US or GB."),
    ("phone", "call me maybe", "Give a phone number: digits, with an optional leading + and country code."),
    ("phone", "+1 555 0100 0100 0100 0100 0100", "Give a phone number"),
    ("phone", "1" * 41, "At most 40 characters."),
])
def test_bad_input_is_shown_on_the_form_and_nothing_is_stored(patient, login_as, field, value, message):
    before = _stored(patient)
    response = _post(login_as(patient), {**GOOD, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert re.search(r'<details class="edit-details" open>', html)  # the form is open on its errors
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert _stored(patient) == before and _profile_events() == 0


def test_a_zone_set_before_the_city_list_can_stay(make_user, clinician, login_as):
    patient = make_user("patient", clinician=clinician, timezone="US/Eastern")
    client = login_as(patient)
    assert "Eastern (US)" in client.get("/account").get_data(as_text=True)
    assert _post(client, {"timezone": "US/Eastern", "country": "", "phone": "555 0100"}).status_code == 302
    assert _stored(patient)[:3] == ("US/Eastern", None, "5550100")


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_staff_change_their_zone_only(role, clinician, admin, login_as):
    me = {"clinician": clinician, "admin": admin}[role]
    response = _post(login_as(me), {"timezone": "Australia/Sydney", "country": "GB", "phone": "+15550100"})
    assert response.status_code == 302
    assert _stored(me)[:3] == ("Australia/Sydney", None, None)  # staff have no phone or country here


def test_name_and_email_cannot_be_changed_here(patient, login_as):
    before = _stored(patient)
    _post(login_as(patient), {**GOOD, "display_name": "Someone Else", "email": "new@example.org"})
    assert _stored(patient)[3:] == before[3:]
    html = login_as(patient).get("/account").get_data(as_text=True)
    assert "to change either, ask your care team" in " ".join(html.split())


def test_without_the_csrf_token_nothing_is_stored(patient, login_as):
    before = _stored(patient)
    response = _post(login_as(patient), GOOD, token=False)
    assert response.status_code == 400
    assert _stored(patient) == before and _profile_events() == 0


def test_one_patient_never_sees_or_changes_another(patient, make_user, clinician, login_as):
    other = make_user("patient", clinician=clinician, display_name="Quentin Other", phone="5559876543", country="CA")
    client = login_as(patient)
    html = client.get("/account").get_data(as_text=True)
    assert "Quentin Other" not in html and other.email not in html and "5559876543" not in html
    before = _stored(other)
    _post(client, {**GOOD, "user_id": other.id, "id": other.id})
    assert _stored(other) == before and _stored(patient)[0] == "Europe/London"


# --- Navigation -----------------------------------------------------------------------------------------
def _tabs(html: str) -> list[tuple[str, str, str | None]]:
    bar = html[html.index('<nav class="tabbar"'):]
    bar = bar[:bar.index("</nav>")]
    return [(href, label, current or None) for href, current, label in
            re.findall(r'<a class="tab" href="([^"]+)"(?: aria-current="([^"]+)")?>.*?<span>([^<]+)</span></a>', bar, re.S)]


def test_the_patient_has_a_bottom_tab_bar_marking_the_current_page(patient, login_as):
    client = login_as(patient)
    assert _tabs(client.get("/checkin").get_data(as_text=True)) == [
        ("/checkin", "Today", "page"), ("/journal", "Journal", None), ("/progress", "Progress", None),
        ("/sessions", "Sessions", None)]
    tabs = _tabs(client.get("/journal/new").get_data(as_text=True))
    assert ("/journal", "Journal", "true") in tabs  # a page of the section, not the section's own page
    html = client.get("/help").get_data(as_text=True)
    assert [t[2] for t in _tabs(html)] == [None] * 4
    assert 'class="help-link" href="/help" aria-current="page"' in html
    assert re.search(r'<body class="[^"]*\bwith-tabbar"', html)


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_staff_have_no_tab_bar_and_a_menu_with_their_pages(role, clinician, admin, login_as):
    html = login_as({"clinician": clinician, "admin": admin}[role]).get("/account").get_data(as_text=True)
    assert 'class="tabbar"' not in html and "with-tabbar" not in html
    menu = html[html.index('<details class="menu'):html.index("</details>")]
    assert "<summary>Menu</summary>" in menu and 'href="/account" aria-current="page"' in menu and "Sign out" in menu
    assert ('href="/caseload"' in menu) == (role == "clinician") and ('href="/admin/users"' in menu) == (role == "admin")


def test_every_nav_leads_to_the_account_page(patient, login_as):
    html = login_as(patient).get("/journal").get_data(as_text=True)
    header = html[html.index("<header"):html.index("</header>")]
    assert header.count('href="/account"') == 2  # the wide nav and the phone menu
    assert 'href="/account/password"' not in header
    assert header.count("data-signout") == 2 and "<summary>Account</summary>" in header


def test_staff_awaiting_a_second_factor_reach_their_account_page_but_change_nothing(clinician, patient, login_as,
                                                                                    set_clinic):
    set_clinic(require_staff_2fa=True)
    client = login_as(clinician)
    response = client.get("/account")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="/account/two-factor"' in html
    assert patient.display_name not in html and patient.email not in html
    before = _stored(clinician)
    saved = _post(client, {"timezone": "Europe/Paris"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/account/two-factor")
    assert _stored(clinician) == before
