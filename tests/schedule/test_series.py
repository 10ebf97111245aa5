"""Issue #18: booking defaults per session kind, clinic opening days and hours, and the series booker's
per-date move and skip (the proposal travels in the form; nothing is booked until every kept date is free)."""
import datetime as dt
import html
import re
from html.parser import HTMLParser

import pytest

from katapp.clinic import clinic_settings, opening_hours, session_minutes
from katapp.domain import scheduling
from katapp.extensions import db
from katapp.models import AuditEvent, TherapySession

MON_TO_FRI = scheduling.Hours(frozenset(range(5)), dt.time(8), dt.time(18))


def all_sessions():
    return db.session.scalars(db.select(TherapySession).order_by(TherapySession.starts_at)).all()


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


class _Fields(HTMLParser):
    """What a browser would submit from the page's one POST form: inputs (ticked boxes only), selects."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def page_fields(response) -> dict:
    """The page's form as a browser would send it: {name: value or [values]}."""
    parser = _Fields()
    parser.feed(response.get_data(as_text=True).split('<main')[1])
    out: dict = {}
    for name, value in parser.fields:
        out.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def series_form(c, patient, **fields):
    return {"csrf_token": c.csrf, "patient_id": patient.id, "start_date": "2030-06-03", "count": 6,
            "weekdays": ["0", "2", "4"], "time": "09:00", "duration_minutes": 90, "integration_offset_days": 1,
            "integration_minutes": 50, **fields}


def row_index(fields: dict, date: str) -> int:
    return next(int(k.split("-")[1]) for k, v in fields.items() if k.endswith("-date") and v == date)


# --- Domain: opening days and hours (a table, no app) ------------------------------------------------------
NY = "America/New_York"


@pytest.mark.parametrize("local, minutes, problem", [
    (dt.datetime(2030, 6, 3, 8, 0), 90, None),  # Monday at opening
    (dt.datetime(2030, 6, 3, 16, 30), 90, None),  # ends exactly at closing
    (dt.datetime(2030, 6, 3, 16, 35), 90, "This is outside the clinic's hours (08:00–18:00)."),
    (dt.datetime(2030, 6, 3, 7, 55), 30, "This is outside the clinic's hours (08:00–18:00)."),
    (dt.datetime(2030, 6, 8, 10, 0), 50, "The clinic is closed on Saturdays."),
    (dt.datetime(2030, 6, 9, 10, 0), 50, "The clinic is closed on Sundays."),
])
def test_opening_problem(local, minutes, problem):
    start = scheduling.local_to_utc(local.date(), local.time(), NY)
    assert scheduling.opening_problem(start, minutes, MON_TO_FRI, NY) == problem


@pytest.mark.parametrize("local, minutes, placed, moved", [
    (dt.datetime(2030, 6, 3, 9, 0), 90, dt.datetime(2030, 6, 3, 9, 0), False),
    (dt.datetime(2030, 6, 8, 9, 0), 50, dt.datetime(2030, 6, 10, 9, 0), True),  # Saturday -> Monday
    (dt.datetime(2030, 6, 3, 7, 0), 90, dt.datetime(2030, 6, 3, 8, 0), True),  # too early -> opening
    (dt.datetime(2030, 6, 7, 17, 30), 90, dt.datetime(2030, 6, 7, 16, 30), True),  # ends too late -> earlier
])
def test_fit_to_hours(local, minutes, placed, moved):
    start = scheduling.local_to_utc(local.date(), local.time(), NY)
    slot = scheduling.Slot(start, start + dt.timedelta(minutes=minutes), "integration")
    got, was_moved = scheduling.fit_to_hours(slot, MON_TO_FRI, NY)
    assert got.start == scheduling.local_to_utc(placed.date(), placed.time(), NY) and was_moved is moved
    assert got.end - got.start == dt.timedelta(minutes=minutes) and got.kind == "integration"


@pytest.mark.parametrize("days, text", [({0, 1, 2, 3, 4}, "Mon–Fri"), ({0, 2, 5}, "Mon, Wed, Sat"),
                                        ({0, 1, 3, 4, 5, 6}, "Mon, Tue, Thu–Sun"), ({6}, "Sun")])
def test_opening_days_in_words(days, text):
    assert scheduling.Hours(frozenset(days), dt.time(8), dt.time(18)).days_text() == text


def test_fit_to_hours_refuses_a_session_longer_than_the_day():
    start = scheduling.local_to_utc(dt.date(2030, 6, 3), dt.time(9), NY)
    short_day = scheduling.Hours(frozenset({0}), dt.time(9), dt.time(10))
    with pytest.raises(ValueError, match="does not fit the clinic's hours"):
        scheduling.fit_to_hours(scheduling.Slot(start, start + dt.timedelta(minutes=90)), short_day, NY)


# --- Clinic settings: lengths, days, hours ------------------------------------------------------------------
def booking_settings(c, **values):
    return {"csrf_token": c.csrf, "open_days": ["0", "1", "2", "3", "5"], "opens_at": "07:30", "closes_at": "19:00",
            "minutes_ketamine": "120", "minutes_integration": "60", "minutes_intake": "75", "minutes_follow_up": "45",
            **values}


def test_new_clinic_defaults_are_monday_to_friday_8_to_18_with_the_built_in_lengths(app):
    assert opening_hours() == MON_TO_FRI
    assert session_minutes() == {"ketamine": 90, "integration": 50, "intake": 60, "follow_up": 30}


def test_admin_saves_booking_settings(admin, login_as):
    c = login_as(admin)
    page = text(c.get("/admin/settings/booking"))
    assert 'name="opens_at" required type="time" value="08:00"' in page
    assert 'name="minutes_ketamine" required type="number" value="90"' in page
    r = c.post("/admin/settings/booking", data=booking_settings(c))
    assert r.status_code == 302
    db.session.expire_all()
    row = clinic_settings()
    assert row.open_weekdays == "01235" and (row.opens_at, row.closes_at) == (dt.time(7, 30), dt.time(19))
    assert session_minutes() == {"ketamine": 120, "integration": 60, "intake": 75, "follow_up": 45}
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "settings_changed")) is not None


@pytest.mark.parametrize("values, message", [
    ({"minutes_ketamine": "10"}, "From 15 to 480 minutes."),
    ({"minutes_follow_up": "485"}, "From 15 to 480 minutes."),
    ({"minutes_intake": "62"}, "Use a multiple of 5 minutes."),
    ({"minutes_integration": ""}, "Give the length of a integration session in minutes."),
    ({"open_days": []}, "Choose at least one opening day."),
    ({"open_days": ["7"]}, "is not a valid choice for this field."),
    ({"closes_at": "07:30"}, "The clinic must close after it opens."),
    ({"opens_at": ""}, "Give the opening time."),
])
def test_bad_booking_settings_are_refused_and_nothing_is_stored(admin, login_as, values, message):
    c = login_as(admin)
    r = c.post("/admin/settings/booking", data=booking_settings(c, **values))
    assert r.status_code == 400 and message in text(r)
    db.session.expire_all()
    assert opening_hours() == MON_TO_FRI and session_minutes()["ketamine"] == 90  # nothing was stored


def test_book_form_starts_with_the_clinics_lengths(patient, clinician, login_as, set_clinic):
    set_clinic(session_minutes={"ketamine": 120, "integration": 60, "intake": 75, "follow_up": 45})
    c = login_as(clinician)
    page = text(c.get(f"/agenda/book?patient_id={patient.id}&kind=follow_up&date=2030-06-03"))
    assert re.search(r'<input[^>]*name="duration_minutes"[^>]*value="45"', page)
    assert '"follow_up": 45' in page and '"ketamine": 120' in page  # what schedule.js switches to
    series = text(c.get(f"/agenda/series?patient_id={patient.id}"))
    assert re.search(r'<input[^>]*name="duration_minutes"[^>]*value="120"', series)
    assert re.search(r'<input[^>]*name="integration_minutes"[^>]*value="60"', series)


# --- Book form: outside opening days or hours is a warning with "book anyway" ------------------------------
def book_form(c, patient, **values):
    return {"csrf_token": c.csrf, "patient_id": patient.id, "kind": "integration", "date": "2030-06-08",
            "time": "10:00", "duration_minutes": 50, **values}


def test_booking_on_a_closed_day_asks_to_confirm_and_stores_nothing_until_ticked(patient, clinician, login_as):
    c = login_as(clinician)
    r = c.post("/agenda/book", data=book_form(c, patient))
    page = text(r)
    assert "The clinic is closed on Saturdays." in page and "Book outside opening hours anyway" in page
    assert "The clinic is open Mon–Fri, 08:00–18:00." in page and all_sessions() == []
    r = c.post("/agenda/book", data=book_form(c, patient, outside_hours_ok="y"))
    assert r.status_code == 302 and len(all_sessions()) == 1


def test_booking_after_closing_asks_to_confirm(patient, clinician, login_as, set_clinic):
    set_clinic(closes_at=dt.time(17))
    c = login_as(clinician)
    page = text(c.post("/agenda/book", data=book_form(c, patient, date="2030-06-03", time="16:30")))
    assert "This is outside the clinic's hours (08:00–17:00)." in page and all_sessions() == []
    ok = c.post("/agenda/book", data=book_form(c, patient, date="2030-06-03", time="16:00"))  # ends 16:50
    assert ok.status_code == 302 and len(all_sessions()) == 1


def test_the_api_books_outside_hours_as_the_contract_says(patient, clinician, login_as, book_api, ny):
    c = login_as(clinician)
    assert book_api(c, patient.id, ny(8, 10)).status_code == 201  # a Saturday: the API has no warning step


# --- Series: closed days, moving one date, skipping one date ------------------------------------------------
def test_series_never_proposes_a_closed_day_or_a_time_outside_hours(patient, clinician, screened, login_as):
    c = login_as(clinician)
    page = text(c.post("/agenda/series", data=series_form(c, patient, integration="y", time="07:00")))
    assert "Sat " not in page and "Sun " not in page
    assert "07:00" not in page.split("Proposed sessions")[1] and "Mon 03 Jun, 08:00" in page
    # Friday's integration session is due on Saturday: it goes to Monday, where the series' own ketamine
    # session is; only that row is marked, and the clinician moves or skips it.
    assert "Moved into the clinic's opening days and hours." in page
    assert page.count("Conflict") == 1  # Fri 07 -> Mon 10 (Fri 14's goes to Mon 17, which is free)
    assert "Mon 17 Jun, 08:00" in page
    assert "This overlaps this series' ketamine session on Mon 10 Jun 08:00–09:30. Move or skip this date." in page
    assert all_sessions() == []


def test_chosen_days_that_are_all_closed_are_refused(patient, clinician, screened, login_as):
    c = login_as(clinician)
    page = text(c.post("/agenda/series", data=series_form(c, patient, weekdays=["5", "6"])))
    assert "The clinic is closed on every chosen day: choose an opening day." in page and all_sessions() == []


@pytest.fixture
def clash_on_wed_12(make_user, make_session, clinician, ny):
    other = make_user("patient", clinician=clinician)
    return make_session(other, clinician, kind="intake", starts_at=ny(12, 9, 30))


def test_a_clash_marks_only_its_row(patient, clinician, screened, login_as, clash_on_wed_12):
    c = login_as(clinician)
    page = text(c.post("/agenda/series", data=series_form(c, patient)))
    rows = page.split('class="row proposal')[1:]
    assert len(rows) == 6 and [("Conflict" in r) for r in rows] == [False, False, False, False, True, False]
    assert "This overlaps your intake with" in rows[4] and "Wed 12 Jun 09:30" in rows[4]
    assert sum("Free" in r for r in rows) == 5 and "1 date clashes: move or skip it" in page


def test_move_just_the_clashing_date_then_book_the_series(patient, clinician, screened, login_as, clash_on_wed_12):
    c = login_as(clinician)
    step1 = c.post("/agenda/series", data=series_form(c, patient))
    fields = page_fields(step1)
    i = row_index(fields, "2030-06-12")
    fields[f"rows-{i}-date"] = "2030-06-13"  # Thursday
    step2 = c.post("/agenda/series", data={**fields, "confirm": "check"})
    page = text(step2)
    assert "Conflict" not in page and "Thu 13 Jun, 09:00" in page and "Book 6 sessions" in page
    assert all_sessions() == [clash_on_wed_12]
    r = c.post("/agenda/series", data={**page_fields(step2), "confirm": "book"}, follow_redirects=True)
    assert "Booked 6 sessions for Pat Patient." in text(r)
    mine = [s for s in all_sessions() if s.patient_id == patient.id]
    assert len(mine) == 6 and len({s.series_id for s in mine}) == 1
    assert dt.datetime(2030, 6, 13, 13, tzinfo=dt.UTC) in [s.starts_at for s in mine]
    assert dt.datetime(2030, 6, 12, 13, tzinfo=dt.UTC) not in [s.starts_at for s in mine]


def test_book_straight_after_moving_re_checks_the_rows(patient, clinician, screened, login_as, clash_on_wed_12):
    c = login_as(clinician)
    fields = page_fields(c.post("/agenda/series", data=series_form(c, patient)))
    i = row_index(fields, "2030-06-12")
    fields[f"rows-{i}-time"] = "10:00"  # still inside the intake 09:30-10:30
    r = c.post("/agenda/series", data={**fields, "confirm": "book"})
    page = text(r)
    assert r.status_code == 200 and "1 date clashes: move or skip it. Nothing was booked." in page
    assert page.count("Conflict") == 1 and all_sessions() == [clash_on_wed_12]


def test_skip_just_the_clashing_date(patient, clinician, screened, login_as, clash_on_wed_12):
    patient.display_name = "Avery G."
    db.session.commit()
    c = login_as(clinician)
    fields = page_fields(c.post("/agenda/series", data=series_form(c, patient)))
    fields[f"rows-{row_index(fields, '2030-06-12')}-skip"] = "y"
    r = c.post("/agenda/series", data={**fields, "confirm": "book"}, follow_redirects=True)
    assert "Booked 5 sessions for Avery G." in text(r) and "Avery G.." not in text(r)
    mine = [s.starts_at for s in all_sessions() if s.patient_id == patient.id]
    assert len(mine) == 5 and dt.datetime(2030, 6, 12, 13, tzinfo=dt.UTC) not in mine


def test_two_rows_moved_onto_each_other_clash_with_each_other(patient, clinician, screened, login_as):
    c = login_as(clinician)
    fields = page_fields(c.post("/agenda/series", data=series_form(c, patient)))
    fields[f"rows-{row_index(fields, '2030-06-05')}-date"] = "2030-06-03"
    page = text(c.post("/agenda/series", data={**fields, "confirm": "book"}))
    assert "This overlaps this series' ketamine session on Mon 03 Jun 09:00–10:30." in page
    assert page.count("Conflict") == 1 and all_sessions() == []


def test_a_date_moved_to_a_closed_day_needs_the_book_anyway_tick(patient, clinician, screened, login_as):
    c = login_as(clinician)
    fields = page_fields(c.post("/agenda/series", data=series_form(c, patient)))
    fields[f"rows-{row_index(fields, '2030-06-14')}-date"] = "2030-06-15"  # Saturday
    r = c.post("/agenda/series", data={**fields, "confirm": "book"})
    page = text(r)
    assert "The clinic is closed on Saturdays." in page and "Outside opening hours" in page
    assert "1 date is outside the clinic's opening days or hours" in page and all_sessions() == []
    r = c.post("/agenda/series", data={**page_fields(r), "confirm": "book", "outside_hours_ok": "y"})
    assert r.status_code == 302 and len(all_sessions()) == 6


@pytest.mark.parametrize("change, message", [
    ({"rows-2-date": ""}, "Choose a date."),
    ({"rows-2-time": "25:00"}, "Not a valid time value."),
    ({"rows-2-minutes": "700"}, "From 5 to 600 minutes."),
    ({"rows-2-kind": "massage"}, "A proposed session has an unknown kind"),
])
def test_a_bad_row_books_nothing_and_says_why(patient, clinician, screened, login_as, change, message):
    c = login_as(clinician)
    fields = page_fields(c.post("/agenda/series", data=series_form(c, patient)))
    r = c.post("/agenda/series", data={**fields, **change, "confirm": "book"})
    assert message in text(r) and all_sessions() == []
    assert text(r).count('class="row proposal') == 6  # the proposal is still on the page


def test_every_date_skipped_books_nothing(patient, clinician, screened, login_as):
    c = login_as(clinician)
    fields = page_fields(c.post("/agenda/series", data=series_form(c, patient, count=2)))
    fields.update({"rows-0-skip": "y", "rows-1-skip": "y"})
    page = text(c.post("/agenda/series", data={**fields, "confirm": "book"}))
    assert "Every date is skipped. Nothing was booked." in page and all_sessions() == []


# --- Moving one booked session: the same opening-hours warning as the Book form --------------------------
def test_moving_a_session_outside_opening_hours_needs_the_tick(patient, clinician, make_session, login_as, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 10))  # Mon 3 Jun 2030, 10:00
    c = login_as(clinician)
    saturday = {"csrf_token": c.csrf, "date": "2030-06-08", "time": "10:00", "duration_minutes": 50}
    r = c.post(f"/agenda/sessions/{s.id}/move", data=saturday)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "Move outside opening hours anyway" in page and 'name="outside_hours_ok"' in page
    db.session.expire_all()
    assert db.session.get(TherapySession, s.id).starts_at == ny(3, 10)  # nothing moved
    late = dict(saturday, date="2030-06-04", time="19:30")  # a Tuesday, after closing
    assert c.post(f"/agenda/sessions/{s.id}/move", data=late).status_code == 400
    r = c.post(f"/agenda/sessions/{s.id}/move", data=dict(saturday, outside_hours_ok="y"))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(TherapySession, s.id).starts_at == ny(8, 10)
    inside = {"csrf_token": c.csrf, "date": "2030-06-05", "time": "09:00", "duration_minutes": 50}
    assert c.post(f"/agenda/sessions/{s.id}/move", data=inside).status_code == 302  # open hours: no tick asked
