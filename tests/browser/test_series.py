"""Issue #18: booking an induction series with one clash, in a real browser at 360 px and 1280 px.

The clinician opens the series booker, shows the proposed dates, moves only the clashing date and
books the rest. The test counts the user's actions (taps/clicks, choices and typed fields) from
opening /agenda/series to the series booked: the issue note's task count. Screenshots of the
proposal with its clash (light and dark) go to SHOTS when that variable names a folder.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from katapp.extensions import db
from katapp.models import TherapySession, User

from .test_pages import NARROW, SMALL_TARGETS, serious_violations, sideways

pytestmark = pytest.mark.browser
WIDE = {"viewport": {"width": 1280, "height": 900}}


def fits(page) -> None:
    assert sideways(page) == 0
    assert serious_violations(page) == []
    assert page.evaluate(SMALL_TARGETS) == []


class Counter:
    """The page's user actions, counted: each tap/click, each choice in a list, each field typed in."""

    def __init__(self, page):
        self.page, self.actions = page, []

    def click(self, locator, what: str):
        locator.click()
        self.actions.append(("tap", what))

    def choose(self, selector: str, value: str, what: str):
        self.page.select_option(selector, value)
        self.actions.append(("choose", what))

    def type(self, locator, value: str, what: str):
        locator.fill(value)
        self.actions.append(("type", what))


def _clash(live_server, day: dt.date, at: dt.time) -> tuple[int, str, ZoneInfo]:
    """A 60-minute intake of clinician1 with patient3 on `day` at `at` in the clinician's zone (the clash);
    patient1's id and name, and the clinician's zone."""
    with live_server.app.app_context():
        clinician = db.session.scalar(select(User).where(User.email == "clinician1@demo.katapp.org"))
        zone = ZoneInfo(clinician.timezone)
        start = dt.datetime.combine(day, at, tzinfo=zone)
        other = db.session.scalar(select(User).where(User.email == "patient3@demo.katapp.org"))
        patient = db.session.scalar(select(User).where(User.email == "patient1@demo.katapp.org"))
        db.session.add(TherapySession(patient_id=other.id, clinician_id=clinician.id, kind="intake", status="scheduled",
                                      starts_at=start.astimezone(dt.UTC), ends_at=(start + dt.timedelta(hours=1)).astimezone(dt.UTC)))
        db.session.commit()
        found = patient.id, patient.display_name, zone
        db.session.remove()
    return found


def _series_of(live_server, patient_id: int, first: dt.datetime) -> list[TherapySession]:
    with live_server.app.app_context():
        rows = db.session.scalars(select(TherapySession).where(
            TherapySession.patient_id == patient_id, TherapySession.starts_at >= first.astimezone(dt.UTC),
            TherapySession.starts_at < (first + dt.timedelta(days=21)).astimezone(dt.UTC))
            .order_by(TherapySession.starts_at)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


@pytest.mark.parametrize("size, monday", [("360", dt.date(2031, 3, 3)), ("1280", dt.date(2031, 3, 17))])
def test_move_one_clashing_date_then_book_the_series(browser: Browser, live_server, sign_in, size, monday):
    wed2 = monday + dt.timedelta(days=9)  # the 5th ketamine date of a Mon/Wed/Fri series
    patient_id, name, zone = _clash(live_server, wed2, dt.time(9, 30))
    context = browser.new_context(base_url=live_server.url, **(NARROW if size == "360" else WIDE))
    page = context.new_page()
    try:
        sign_in(page, "clinician1@demo.katapp.org")
        page.goto("/agenda/series")
        user = Counter(page)
        user.choose("select[name='patient_id']", str(patient_id), "the patient")
        user.type(page.get_by_label("First possible date"), monday.isoformat(), "the first date")
        user.click(page.get_by_role("button", name="Show proposed dates"), "show the proposed dates")

        rows = page.locator("li.proposal")
        expect(rows).to_have_count(6)
        clash = page.locator("li.proposal.clash")
        expect(clash).to_have_count(1)  # only the clashing date is marked
        expect(clash).to_contain_text("This overlaps your intake with")
        expect(clash).to_contain_text(wed2.strftime("%a %d %b"))
        expect(page.locator("li.proposal .badge-ok")).to_have_count(5)
        fits(page)
        _shots(page, size, "clash")

        thursday = (wed2 + dt.timedelta(days=1)).isoformat()
        user.type(clash.get_by_label("Date", exact=True), thursday, "move the clashing date")
        user.click(page.get_by_role("button", name="Book the dates kept"), "book")
        page.wait_for_url("**/agenda")
        expect(page.locator(".flash-success")).to_contain_text(
            f"Booked 6 sessions for {name.rstrip('.')}.")
        fits(page)
    finally:
        context.close()

    booked = _series_of(live_server, patient_id, dt.datetime.combine(monday, dt.time(0), tzinfo=zone))
    assert len(booked) == 6 and len({s.series_id for s in booked}) == 1
    assert [s.starts_at.astimezone(zone).date() for s in booked][4] == wed2 + dt.timedelta(days=1)
    taps = sum(1 for kind, _ in user.actions if kind in ("tap", "choose"))
    print(f"\n[task count, {size} px] {len(user.actions)} actions ({taps} taps/choices, "
          f"{len(user.actions) - taps} typed): {[what for _, what in user.actions]}")
    assert len(user.actions) == 5


def _shots(page, size: str, what: str) -> None:
    folder = os.environ.get("SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.locator("li.proposal.clash").scroll_into_view_if_needed()
        page.screenshot(path=f"{folder}/series-{what}-{size}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
