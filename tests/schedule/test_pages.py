"""Schedule pages: agenda, booking, series, session actions, screening, the patient's view, access."""
import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from flask_login import login_user

from katapp.domain.vocabulary import SCREENING_CONDITIONS
from katapp.extensions import db
from katapp.models import AuditEvent, Screening, TherapySession, utcnow

NY = ZoneInfo("America/New_York")


def all_sessions():
    return db.session.scalars(db.select(TherapySession).order_by(TherapySession.starts_at)).all()


def local_today():
    return utcnow().astimezone(NY).date()


def at_local(days_ahead: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(local_today() + dt.timedelta(days=days_ahead), dt.time(hour, minute), tzinfo=NY)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- Who may see what ----------------------------------------------------------------------------------
CLINICIAN_PAGES = ["/agenda", "/agenda/book", "/agenda/series", "/patients/{pid}/screening"]
PATIENT_PAGES = ["/sessions", "/screening"]


@pytest.mark.parametrize("path", CLINICIAN_PAGES + PATIENT_PAGES + ["/calendar"])
def test_pages_need_sign_in(client, patient, path):
    r = client.get(path.format(pid=patient.id))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("path", CLINICIAN_PAGES)
def test_clinician_pages_are_404_for_patients_and_admins(patient, admin, login_as, path):
    for who in (patient, admin):
        assert login_as(who).get(path.format(pid=patient.id)).status_code == 404


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_patient_pages_are_404_for_staff(patient, clinician, admin, login_as, path):
    for who in (clinician, admin):
        assert login_as(who).get(path).status_code == 404


def test_another_clinicians_patient_and_session_are_404(patient, other_patient, other_clinician, clinician, make_session,
                                                       login_as, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    c = login_as(other_clinician)
    assert c.get(f"/patients/{patient.id}/screening").status_code == 404
    assert c.get(f"/agenda/sessions/{s.id}").status_code == 404
    r = c.post(f"/agenda/sessions/{s.id}/status", data={"status": "cancelled", "csrf_token": c.csrf})
    assert r.status_code == 404 and all_sessions()[0].status == "scheduled"
    r = c.post("/agenda/book", data={"patient_id": patient.id, "kind": "intake", "date": "2030-06-03", "time": "09:00",
                                     "duration_minutes": 60, "csrf_token": c.csrf})
    assert r.status_code == 200 and "Not a valid choice" in text(r) and len(all_sessions()) == 1


# --- Agenda --------------------------------------------------------------------------------------------
def test_agenda_lists_the_week_by_day_with_warnings(make_user, clinician, make_session, make_screening, make_flag,
                                                    login_as):
    flagged = make_user("patient", clinician=clinician, display_name="Fay Flagged")
    blocked = make_user("patient", clinician=clinician, display_name="Ben Blocked")
    fine = make_user("patient", clinician=clinician, display_name="Fin Fine")
    make_flag(flagged)
    make_screening(blocked, cardiovascular_disease=True)
    make_screening(fine)
    make_session(flagged, clinician, kind="integration", starts_at=at_local(1, 10))
    make_session(blocked, clinician, kind="intake", starts_at=at_local(2, 14, 30), minutes=60)
    make_session(fine, clinician, kind="ketamine", starts_at=at_local(7, 9))
    make_session(fine, clinician, kind="ketamine", starts_at=at_local(8, 9))  # beyond the week
    page = text(login_as(clinician).get("/agenda"))
    assert "Tomorrow" in page and page.count('class="agenda-day') == 8
    assert "Fay Flagged" in page and "Safety flag" in page
    assert "Ben Blocked" in page and "Contraindication not cleared" in page and "14:30" in page
    assert page.count("Fin Fine") == 1 and page.count("Contraindication not cleared") == 1
    assert page.count("⚑ Safety flag") == 1
    assert "3 sessions" in page


def test_agenda_moves_a_week_at_a_time(patient, clinician, make_session, login_as):
    make_session(patient, clinician, kind="integration", starts_at=at_local(1, 11))
    make_session(patient, clinician, kind="ketamine", starts_at=at_local(9, 11), minutes=90)
    c = login_as(clinician)
    page = text(c.get("/agenda"))
    nxt = (local_today() + dt.timedelta(days=7)).isoformat()
    prev = (local_today() - dt.timedelta(days=7)).isoformat()
    assert f'href="/agenda?start={nxt}">Next week' in page and f'href="/agenda?start={prev}">‹ Previous week' in page
    assert "Today and the next 7 days" in page and "1 session." in page
    week2 = text(c.get(f"/agenda?start={nxt}"))
    assert week2.count('class="agenda-day') == 8 and "1 session." in week2 and "Ketamine" in week2
    assert "Today and the next 7 days" not in week2 and 'href="/agenda">Today</a>' in week2
    assert "Tomorrow" not in week2 and "Today," not in week2
    back = text(c.get(f"/agenda?start={prev}"))
    assert "0 sessions" in back and "Tomorrow" not in back


@pytest.mark.parametrize("start", ["next-week", "2026-02-30", "1990-01-01", "2100-01-01"])
def test_agenda_refuses_a_bad_start(clinician, login_as, start):
    r = login_as(clinician).get(f"/agenda?start={start}")
    assert r.status_code == 400


def test_agenda_shows_a_status_chip_only_when_worth_noticing(patient, clinician, make_session, login_as):
    make_session(patient, clinician, kind="integration", starts_at=at_local(1, 11))
    cancelled = make_session(patient, clinician, kind="integration", starts_at=at_local(2, 11))
    cancelled.status = "cancelled"
    db.session.commit()
    page = text(login_as(clinician).get("/agenda"))
    assert page.count("agenda-item") == 2 and ">scheduled<" not in page.lower() and ">cancelled<" in page.lower()


def test_agenda_marks_ketamine_without_screening(patient, clinician, make_session, login_as):
    make_session(patient, clinician, kind="ketamine", starts_at=at_local(1, 9))
    assert "No screening" in text(login_as(clinician).get("/agenda"))


def test_agenda_query_count_does_not_grow_with_sessions(make_user, clinician, make_session, make_flag, make_screening,
                                                        login_as, count_queries):
    c = login_as(clinician)

    def add(n):
        for i in range(n):
            p = make_user("patient", clinician=clinician)
            make_flag(p)
            make_screening(p, cystitis=bool(i % 2))
            make_session(p, clinician, kind="ketamine", starts_at=at_local(i % 7, 8) + dt.timedelta(minutes=90 * i))

    add(2)
    with count_queries() as small:
        assert c.get("/agenda").status_code == 200
    add(12)
    with count_queries() as large:
        r = c.get("/agenda")
    assert r.status_code == 200 and text(r).count("agenda-item") == 14
    assert large.count == small.count, large.statements


def test_agenda_in_the_clinicians_zone(make_user, patient, make_session, login_as):
    tokyo = make_user("clinician", timezone="Asia/Tokyo")
    from katapp.models import care_team

    db.session.execute(care_team.insert().values(clinician_id=tokyo.id, patient_id=patient.id))
    db.session.commit()
    tomorrow_tokyo = utcnow().astimezone(ZoneInfo("Asia/Tokyo")).date() + dt.timedelta(days=1)
    make_session(patient, tokyo, kind="integration",
                 starts_at=dt.datetime.combine(tomorrow_tokyo, dt.time(7, 15), tzinfo=ZoneInfo("Asia/Tokyo")))
    page = text(login_as(tokyo).get("/agenda"))
    assert "07:15" in page and "times in Tokyo (Asia)" in page


# --- Booking on the page -------------------------------------------------------------------------------
def form(c, **fields):
    return {"csrf_token": c.csrf, "kind": "integration", "date": "2030-06-03", "time": "09:00", "duration_minutes": 60,
            **fields}


def test_book_page_prefills_the_patient(patient, clinician, login_as):
    page = text(login_as(clinician).get(f"/agenda/book?patient_id={patient.id}&kind=follow_up&date=2030-06-17"))
    assert f'<option selected value="{patient.id}">' in page or f'value="{patient.id}" selected' in page
    assert 'value="2030-06-17"' in page and '<option selected value="follow_up">' in page


@pytest.mark.parametrize("path", ["/agenda/book", "/agenda/series"])
def test_no_patient_is_preselected_and_none_chosen_books_nothing(patient, clinician, login_as, path):
    """Issue #18: with the first patient preselected, a clinician who did not change it booked for the wrong person."""
    c = login_as(clinician)
    page = text(c.get(path))
    assert '<option selected value="">Choose a patient…</option>' in page
    assert f'<option value="{patient.id}">' in page  # listed, not selected
    fields = form(c) if path.endswith("book") else {"csrf_token": c.csrf, "start_date": "2030-06-03", "count": 6}
    r = c.post(path, data={**fields, "patient_id": "", "confirm": "book"})
    assert r.status_code == 200 and "Choose a patient." in text(r) and all_sessions() == []


def test_book_page_books_in_the_clinicians_zone(patient, clinician, login_as):
    c = login_as(clinician)
    r = c.post("/agenda/book", data=form(c, patient_id=patient.id))
    assert r.status_code == 302 and "/agenda/sessions/" in r.headers["Location"]
    s = all_sessions()[0]
    assert s.starts_at == dt.datetime(2030, 6, 3, 13, tzinfo=dt.UTC) and s.duration_minutes == 60


def test_book_page_shows_overlap_as_a_form_error(patient, clinician, make_session, login_as, ny):
    make_session(patient, clinician, kind="intake", starts_at=ny(3, 9, 30))
    c = login_as(clinician)
    r = c.post("/agenda/book", data=form(c, patient_id=patient.id))
    assert r.status_code == 200
    page = text(r)
    assert "This overlaps your intake with this patient on Mon 03 Jun 09:30" in page and "has-error" in page
    assert len(all_sessions()) == 1


def test_book_page_explains_the_ketamine_block(patient, clinician, make_screening, login_as):
    make_screening(patient, untreated_mania=True)
    c = login_as(clinician)
    assert "not cleared" in text(c.get(f"/agenda/book?patient_id={patient.id}"))
    r = c.post("/agenda/book", data=form(c, patient_id=patient.id, kind="ketamine", duration_minutes=90))
    assert r.status_code == 200 and "Ketamine cannot be booked" in text(r) and all_sessions() == []
    assert re.search(rf'role="alert"> <p>Ketamine cannot be booked.*?<a class="button" href="/patients/{patient.id}/screening">'
                     r"Review the screening</a>", text(r))
    assert c.post("/agenda/book", data=form(c, patient_id=patient.id)).status_code == 302


def test_book_without_a_screening_links_to_recording_one(patient, clinician, login_as):
    c = login_as(clinician)
    r = c.post("/agenda/book", data=form(c, patient_id=patient.id, kind="ketamine", duration_minutes=90))
    assert "no contraindication screening is on file" in text(r) and all_sessions() == []
    assert f'<a class="button" href="/patients/{patient.id}/screening">Record a screening</a>' in text(r)


def test_book_page_checks_fields(patient, clinician, login_as):
    c = login_as(clinician)
    r = c.post("/agenda/book", data=form(c, patient_id=patient.id, duration_minutes=700, date="", time=""))
    page = text(r)
    assert "From 5 to 600 minutes." in page and "Choose a date." in page and "Choose a time." in page


# --- Induction series ------------------------------------------------------------------------------------
def series_form(c, patient, **fields):
    return {"csrf_token": c.csrf, "patient_id": patient.id, "start_date": "2030-06-03", "count": 6, "weekdays": ["0", "2", "4"],
            "time": "09:00", "duration_minutes": 90, "integration_offset_days": 1, "integration_minutes": 50, **fields}


def test_series_page_defaults_to_the_clinic_series_length(patient, clinician, login_as):
    page = text(login_as(clinician).get(f"/agenda/series?patient_id={patient.id}"))
    assert 'name="count" type="number" value="6"' in page or 'value="6"' in page


def test_series_shows_proposals_then_books_all(patient, clinician, screened, login_as):
    c = login_as(clinician)
    pattern = series_form(c, patient, integration="y", weekdays=["0", "2"])  # Mon/Wed: integration Tue/Thu
    step1 = text(c.post("/agenda/series", data=pattern))
    assert step1.count('class="row') >= 12 and "Conflict" not in step1 and "Book 12 sessions" in step1
    assert "Mon 03 Jun, 09:00" in step1 and "Tue 04 Jun, 09:00" in step1 and "Wed 19 Jun, 09:00" in step1
    assert all_sessions() == []
    r = c.post("/agenda/series", data={**pattern, "confirm": "book"})
    assert r.status_code == 302
    made = all_sessions()
    assert [s.kind for s in made].count("ketamine") == 6 and [s.kind for s in made].count("integration") == 6
    assert len({s.series_id for s in made}) == 1 and made[0].series_id
    assert made[0].starts_at == dt.datetime(2030, 6, 3, 13, tzinfo=dt.UTC)


def test_series_confirmation_names_the_patient_once(patient, clinician, screened, login_as):
    patient.display_name = "Avery G."
    db.session.commit()
    c = login_as(clinician)
    r = c.post("/agenda/series", data=series_form(c, patient, confirm="book"), follow_redirects=True)
    assert "Booked 6 sessions for Avery G." in text(r) and "Avery G.." not in text(r)


def test_series_is_all_or_nothing(patient, clinician, make_user, make_session, screened, login_as, ny):
    other = make_user("patient", clinician=clinician)
    make_session(other, clinician, kind="intake", starts_at=ny(12, 9, 30))  # clashes with the 4th (Wed 12 Jun)
    c = login_as(clinician)
    step1 = text(c.post("/agenda/series", data=series_form(c, patient)))
    assert step1.count("Conflict") == 1 and "1 date clashes: move or skip it" in step1
    r = c.post("/agenda/series", data=series_form(c, patient, confirm="book"))  # a forced step 2
    assert r.status_code == 200 and "Nothing was booked" in text(r)
    assert len(all_sessions()) == 1


def test_series_refuses_ketamine_when_screening_blocks(patient, clinician, make_screening, login_as):
    make_screening(patient, cystitis=True)
    c = login_as(clinician)
    page = text(c.post("/agenda/series", data=series_form(c, patient)))
    assert "Ketamine cannot be booked" in page and "Book all" not in page
    assert f'href="/patients/{patient.id}/screening">Review the screening</a>' in page
    forced = c.post("/agenda/series", data=series_form(c, patient, confirm="book"))
    assert forced.status_code == 200 and all_sessions() == []
    assert "Nothing was booked." in text(forced) and f'href="/patients/{patient.id}/screening"' in text(forced)


def test_series_rejects_no_weekdays(patient, clinician, login_as):
    c = login_as(clinician)
    data = series_form(c, patient)
    del data["weekdays"]
    assert "Choose at least one day of the week." in text(c.post("/agenda/series", data=data))


# --- One session -------------------------------------------------------------------------------------------
def test_session_page_moves_cancels_and_marks_no_show(patient, clinician, make_session, login_as, ny):
    s = make_session(patient, clinician, kind="integration", starts_at=ny(3, 9))
    busy = make_session(patient, clinician, kind="intake", starts_at=ny(4, 9), minutes=60)
    c = login_as(clinician)
    assert "Integration session with Pat Patient" in text(c.get(f"/agenda/sessions/{s.id}"))
    r = c.post(f"/agenda/sessions/{s.id}/move", data={"csrf_token": c.csrf, "date": "2030-06-04", "time": "09:30",
                                                     "duration_minutes": 60})
    assert r.status_code == 400 and "This overlaps your intake" in text(r)
    r = c.post(f"/agenda/sessions/{s.id}/move", data={"csrf_token": c.csrf, "date": "2030-06-04", "time": "10:00",
                                                     "duration_minutes": 45})
    assert r.status_code == 302
    db.session.refresh(s)
    assert s.starts_at == dt.datetime(2030, 6, 4, 14, tzinfo=dt.UTC) and s.duration_minutes == 45
    assert c.post(f"/agenda/sessions/{s.id}/status", data={"csrf_token": c.csrf, "status": "cancelled"}).status_code == 302
    assert c.post(f"/agenda/sessions/{busy.id}/status", data={"csrf_token": c.csrf, "status": "no_show"}).status_code == 302
    assert [x.status for x in all_sessions()] == ["no_show", "cancelled"]
    page = text(c.get(f"/agenda/sessions/{s.id}"))
    assert "cancelled" in page and "Move session" not in page and "Cancel session" not in page


# --- Follow-up suggestions ---------------------------------------------------------------------------------
def test_agenda_suggests_integration_and_phq9_after_the_last_series_session(patient, clinician, make_session, login_as):
    series = str(uuid.uuid4())
    done = utcnow() - dt.timedelta(days=1)
    for days_ago in (5, 3, 1):
        make_session(patient, clinician, starts_at=(utcnow() - dt.timedelta(days=days_ago)).replace(microsecond=0),
                     status="completed", completed_at=done, series_id=series)
    c = login_as(clinician)
    page = text(c.get("/agenda"))
    assert "Integration session within a week" in page and "Follow-up PHQ-9 check in two weeks" in page
    link = re.search(r'href="(/agenda/book\?[^"]*kind=integration[^"]*)"', c.get("/agenda").get_data(as_text=True))
    assert link and f"patient_id={patient.id}" in link.group(1)
    prefilled = text(c.get(link.group(1).replace("&amp;", "&")))
    assert '<option selected value="integration">' in prefilled


def test_no_suggestion_while_the_series_continues(patient, clinician, make_session, login_as):
    series = str(uuid.uuid4())
    make_session(patient, clinician, starts_at=utcnow() - dt.timedelta(days=2), status="completed",
                 completed_at=utcnow(), series_id=series)
    make_session(patient, clinician, starts_at=utcnow() + dt.timedelta(days=2), series_id=series)
    assert "Suggested after a finished series" not in text(login_as(clinician).get("/agenda"))


def test_suggestion_disappears_once_booked(patient, clinician, make_session, login_as):
    series = str(uuid.uuid4())
    last = make_session(patient, clinician, starts_at=utcnow() - dt.timedelta(days=1), status="completed",
                        completed_at=utcnow(), series_id=series)
    make_session(patient, clinician, kind="integration", starts_at=last.ends_at + dt.timedelta(days=2), minutes=50)
    page = text(login_as(clinician).get("/agenda"))
    assert "Integration session within a week" not in page and "Follow-up PHQ-9 check" in page


# --- Screening -------------------------------------------------------------------------------------------
def screening_data(c, prefix="", **yes):
    from katapp.models import CONTRAINDICATIONS

    data = {f"{prefix}{n}": ("yes" if n in yes else "no") for n in CONTRAINDICATIONS}
    return {**data, f"{prefix}csrf_token": c.csrf}


def test_patient_fills_the_screening(patient, login_as):
    c = login_as(patient)
    page = text(c.get("/screening"))
    assert "hallucinations" in page and "bladder" in page and page.count('type="radio"') == 2 * len(SCREENING_CONDITIONS)
    r = c.post("/screening", data=screening_data(c, cystitis=True))
    assert r.status_code == 302 and r.headers["Location"].endswith("/sessions")
    row = db.session.scalar(db.select(Screening))
    assert row.flags == ["cystitis"] and row.blocks_ketamine and row.recorded_by_id == patient.id


def test_patient_screening_needs_every_answer(patient, login_as):
    c = login_as(patient)
    data = screening_data(c)
    del data["liver_disease"]
    r = c.post("/screening", data=data)
    assert r.status_code == 200 and "Answer yes or no." in text(r) and db.session.scalar(db.select(Screening)) is None


def test_clinician_records_reviews_and_clears_with_a_note(patient, clinician, make_screening, login_as):
    make_screening(patient, hallucinations=True, details="Voices as a teenager")
    c = login_as(clinician)
    page = text(c.get(f"/patients/{patient.id}/screening"))
    assert "Ketamine booking is blocked" in page and "Hallucinations (psychosis)" in page and "Voices as a teenager" in page
    r = c.post(f"/patients/{patient.id}/screening", data={"what": "clear", "clear-note": "  ", "clear-csrf_token": c.csrf})
    assert r.status_code == 200 and "Write a note." in text(r)
    r = c.post(f"/patients/{patient.id}/screening",
               data={"what": "clear", "clear-note": "Psychiatry: no psychosis since 2010.", "clear-csrf_token": c.csrf})
    assert r.status_code == 302
    row = db.session.scalar(db.select(Screening))
    assert row.cleared_by_id == clinician.id and row.clear_note == "Psychiatry: no psychosis since 2010."
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "screening_cleared"))
    assert event.actor_id == clinician.id and event.patient_id == patient.id and "Psychiatry" in event.detail
    r = c.post(f"/patients/{patient.id}/screening", data=screening_data(c, "rec-", liver_disease=True))
    assert r.status_code == 302
    assert "Ketamine booking is blocked" in text(c.get(f"/patients/{patient.id}/screening"))


def test_clinicians_screening_form_names_conditions_and_history_names_who_recorded(patient, clinician, login_as):
    """Issue #18: the clinician's form spoke to the patient ("your care team should know") and the history said
    "by a clinician" instead of the name."""
    c = login_as(clinician)
    page = text(c.get(f"/patients/{patient.id}/screening"))
    assert "Anything else the care team should know" in page and "your care team" not in page
    first = SCREENING_CONDITIONS[0]
    assert f">{first.label}<" in page.replace("</legend>", "<") or first.label in page
    assert first.question not in page
    assert c.post(f"/patients/{patient.id}/screening", data=screening_data(c, "rec-")).status_code == 302
    assert "by Dr. Clin" in text(c.get(f"/patients/{patient.id}/screening"))
    patient_page = text(login_as(patient).get("/screening"))
    assert first.question in patient_page and "your care team should know" in patient_page


def test_times_name_the_zone_as_a_place(patient, clinician, login_as):
    from katapp.clock import zone_name

    assert zone_name("America/New_York") == "New York (America)" and zone_name("UTC") == "UTC"
    assert zone_name("America/Argentina/Buenos_Aires") == "Buenos Aires (America)" and zone_name(None) == "UTC"
    page = text(login_as(clinician).get("/agenda/book"))
    assert "Your time zone: New York (America)" in page and "America/New_York" not in page.split("<main")[1]


# --- The patient's view -------------------------------------------------------------------------------------
def test_patient_sessions_page_in_the_patients_zone(make_user, clinician, make_session, login_as, ny):
    berlin = make_user("patient", clinician=clinician, timezone="Europe/Berlin")
    make_session(berlin, clinician, kind="integration", starts_at=ny(3, 9))  # 15:00 in Berlin
    make_session(berlin, clinician, kind="intake", starts_at=utcnow() - dt.timedelta(days=30), status="completed")
    make_session(berlin, clinician, kind="integration", starts_at=utcnow() + dt.timedelta(days=3), status="cancelled")
    page = text(login_as(berlin).get("/sessions"))
    upcoming, past = page.split('id="past-h"')
    assert "Mon 03 Jun</strong> 15:00–16:30" in upcoming and "<span>Integration</span>" in upcoming
    assert "Intake" in past and "completed" in past and "cancelled" in past
    assert 'href="/questionnaires/phq9"' in page and 'href="/screening"' in page
    assert "Fill in your health screening" in page


def test_patient_sees_only_own_sessions(patient, other_patient, other_clinician, make_session, login_as, ny):
    make_session(other_patient, other_clinician, kind="intake", starts_at=ny(3, 9))
    page = text(login_as(patient).get("/sessions"))
    assert "No sessions booked" in page and "Intake" not in page


def test_upcoming_partial(app, patient, clinician, make_session):
    make_session(patient, clinician, kind="integration", starts_at=utcnow() - dt.timedelta(days=1))
    for d in (1, 2, 3, 4):
        make_session(patient, clinician, kind="follow_up" if d == 1 else "integration",
                     starts_at=(utcnow() + dt.timedelta(days=d)).replace(microsecond=0))
    with app.test_request_context("/checkin"):
        login_user(patient)
        html = re.sub(r"\s+", " ", render_template_string('{{ part("upcoming_sessions") }}'))
    assert html.count("<li") == 3 and "Follow-up" in html and "Your next sessions" in html
    with app.test_request_context("/checkin"):
        login_user(clinician)
        assert render_template_string('{{ part("upcoming_sessions") }}').strip() == ""


def test_agenda_lists_past_sessions_waiting_for_an_outcome(patient, clinician, make_session, login_as):
    make_session(patient, clinician, kind="integration", starts_at=at_local(-3, 9), minutes=50)
    make_session(patient, clinician, kind="intake", starts_at=at_local(-2, 9), status="completed")
    make_session(patient, clinician, kind="intake", starts_at=at_local(-20, 9))  # too old to nag about
    page = text(login_as(clinician).get("/agenda"))
    assert "Waiting for an outcome" in page
    section = page.split('id="overdue-h"')[1].split("</section>")[0]
    assert section.count("<li") == 1 and "integration session" in section
