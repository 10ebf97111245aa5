"""Every page of every role, built from the app's own routes (so pages added later are checked too).

For each role a demo account signs in with a Flask test client; each GET route is requested with
its URL arguments filled from the demo clinic (the account's own objects, or patient1 for staff);
the pages that answer 200 with HTML are that role's pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import Assessment, CheckIn, JournalEntry, SafetyFlag, TherapySession, User

ACCOUNTS = {
    "patient": "patient1@demo.katapp.org",
    "clinician": "clinician1@demo.katapp.org",
    "admin": "admin@demo.katapp.org",
}
SKIP_PREFIXES = ("/api/", "/static/", "/vendor/", "/sw.js", "/manifest.webmanifest", "/healthz", "/logout")
SKIP_SUFFIXES = (".ics", ".csv", ".json")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Page:
    role: str
    path: str

    def __str__(self) -> str:
        return f"{self.role}:{self.path}"


def _first(statement):
    return db.session.scalars(statement.limit(1)).first()


def _arguments(role: str) -> dict[str, object]:
    """Values for route arguments, from the demo clinic, seen from `role`."""
    patient = db.session.scalar(select(User).where(User.email == ACCOUNTS["patient"]))
    flagged = db.session.scalar(select(User).where(User.email == "patient3@demo.katapp.org"))
    me = db.session.scalar(select(User).where(User.email == ACCOUNTS[role]))
    values: dict[str, object] = {"patient_id": patient.id, "user_id": patient.id, "instrument": "phq9"}
    checkin = _first(select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.id.desc()))
    assessment = _first(select(Assessment).where(Assessment.patient_id == patient.id).order_by(Assessment.id.desc()))
    entry = _first(select(JournalEntry).where(JournalEntry.author_id == patient.id).order_by(JournalEntry.id.desc()))
    session = _first(select(TherapySession).where(TherapySession.patient_id == patient.id).order_by(TherapySession.id))
    flag = _first(select(SafetyFlag).where(SafetyFlag.patient_id == flagged.id))
    for name, obj in [("checkin_id", checkin), ("assessment_id", assessment), ("entry_id", entry),
                      ("session_id", session), ("flag_id", flag)]:
        if obj is not None:
            values[name] = obj.id
    values["me"] = me.id
    return values


def role_pages(app: Flask, role: str, password: str) -> list[str]:
    """Paths of the HTML pages `role` can open (200), from the url map."""
    with app.app_context():
        values = _arguments(role)
        client = app.test_client()
        token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"email": ACCOUNTS[role], "password": password, "csrf_token": token})
        assert response.status_code == 302, f"{role} could not sign in"
        paths: set[str] = set()
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.rule.startswith(SKIP_PREFIXES) or rule.rule.endswith(SKIP_SUFFIXES):
                continue
            if any(arg not in values for arg in rule.arguments):
                continue
            path = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]
            if path in paths or path.startswith(SKIP_PREFIXES):
                continue
            answer = client.get(path)
            if answer.status_code == 200 and answer.mimetype == "text/html":
                paths.add(path)
        db.session.remove()
    return sorted(paths)


def anonymous_pages(app: Flask) -> list[str]:
    with app.app_context():
        client = app.test_client()
        return [p for p in ("/login", "/offline") if client.get(p).status_code == 200]


def fill_checkin(page, mood: int, note: str) -> None:
    """Tap a mood on the check-in form, open "Add …" if closed, and type a note (shared by the offline tests)."""
    page.locator(f'label.scale-option:has(input[name="mood"][value="{mood}"])').click()
    details = page.locator("details.more")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    page.locator('textarea[name="note"]').fill(note)


def sign_out_button(page):
    """The visible "Sign out" button of the top bar. On a phone it is in the bar's menu ("Account" for
    patients, "Menu" for staff): the menu is opened first when it is closed."""
    menu = page.locator("header details.menu")
    if menu.count() and menu.is_visible() and not menu.evaluate("d => d.open"):
        menu.locator("summary").click()
    return page.locator("header").get_by_role("button", name="Sign out").filter(visible=True)
