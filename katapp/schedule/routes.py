"""Schedule pages: the clinician's agenda, booking, series, session actions, screening, the feed.

Handlers read the form and call the schedule's services (`booking`, `agenda`, `screening`,
`feed`); a service's `Refusal` goes onto the form with `show_on_form`. Labels come from
`domain.vocabulary` (templates call the `label` global).
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from katapp import preparation
from katapp.clinic import clinic_settings, dosing_settings, opening_hours, session_minutes
from katapp.clock import local_now, local_today, utcnow
from katapp.domain import scheduling, vocabulary
from katapp.errors import Invalid, Refusal, show_on_form
from katapp.extensions import db, limiter
from katapp.models import TherapySession, User
from katapp.schedule import agenda as agenda_service
from katapp.schedule import booking, bp, dosing_day
from katapp.schedule import feed as feed_service
from katapp.schedule import screening as screening_service
from katapp.schedule import series as series_service
from katapp.schedule.forms import (
    BookForm,
    CalendarForm,
    ClearForm,
    ClinicianScreeningForm,
    MoveForm,
    ScreeningForm,
    SeriesForm,
    StatusForm,
)
from katapp.schedule.parse import local_start
from katapp.security import audit_view, get_patient_or_404, role_required, visible_patients

PHQ9_PATH = "/questionnaires/phq9"  # checkins.questionnaire (another feature's page)


def _page(template: str, status: int = 200, **context):
    """A schedule page with the user's zone."""
    return render_template(template, zone=current_user.timezone, **context), status


def _patient_choices() -> list[tuple[int, str]]:
    patients = db.session.scalars(visible_patients(current_user).order_by(User.display_name, User.id)).all()
    return [(p.id, p.display_name) for p in patients]


def _start(form) -> dt.datetime:
    return local_start(current_user, form.date.data, form.time.data)


# --- Agenda --------------------------------------------------------------------------------------------
@bp.route("/agenda")
@role_required("clinician")
def agenda():
    start = agenda_service.agenda_start(current_user, request.args)
    page = agenda_service.agenda_page(current_user, start)
    return _page("schedule/agenda.html", page=page, days=page.days, today=page.today, overdue=page.overdue,
                 suggestions=page.suggestions, total=page.total, now=utcnow())


@bp.route("/agenda/book", methods=["GET", "POST"])
@role_required("clinician")
def book():
    form = BookForm()
    form.patient_id.choices = _patient_choices()
    if request.method == "GET":
        _prefill(form)
    if form.validate_on_submit():
        patient = booking.caseload_patient(current_user, form.patient_id.data)
        try:
            _check_hours(form)
            made = booking.book(current_user, patient, kind=form.kind.data, starts_at=_start(form),
                                duration_minutes=form.duration_minutes.data, notes=form.notes.data,
                                location=form.location.data)
        except Refusal as exc:
            show_on_form(form, exc, "time")
        else:
            when = local_now(current_user, made.starts_at).strftime("%a %d %b, %H:%M")
            flash(f"Booked {vocabulary.label('kind', made.kind)}, {when}, with {patient.display_name}", "success")
            return redirect(url_for("schedule.session", session_id=made.id))
    chosen = form.patient_id.data in dict(form.patient_id.choices)
    return _page("schedule/book.html", form=form, gate=screening_service.screening_status(form.patient_id.data)
                 if chosen else None, kind_minutes=session_minutes(), hours=opening_hours(),
                 ask_hours=form.outside_hours_ok.data or _outside_hours(form) is not None)


def _outside_hours(form: BookForm | MoveForm) -> str | None:
    """Why the form's date and time are outside the clinic's opening days or hours, or None."""
    if not (form.date.data and form.time.data and isinstance(form.duration_minutes.data, int)):
        return None
    return scheduling.opening_problem(_start(form), form.duration_minutes.data, opening_hours(), current_user.timezone)


def _check_hours(form: BookForm | MoveForm) -> None:
    """Invalid when the session is outside opening days or hours and the clinician has not ticked
    "book (or move) anyway" (a clinic occasionally opens on a Saturday: a warning, not a ban)."""
    problem = _outside_hours(form)
    if problem and not form.outside_hours_ok.data:
        verb = "book" if isinstance(form, BookForm) else "move"
        message = f"{problem} Tick \u201c{form.outside_hours_ok.label.text}\u201d to {verb} it, or choose another time."
        raise Invalid(message, {"time": message})


def _prefill(form: BookForm) -> None:
    """A booking form from the query (the agenda's suggestions link here with kind, date, time, length)."""
    args = request.args
    form.patient_id.data = args.get("patient_id", type=int)
    if args.get("kind") in vocabulary.KIND:
        form.kind.data = args["kind"]
    try:
        form.date.data = dt.date.fromisoformat(args["date"]) if args.get("date") else local_today(current_user)
        form.time.data = dt.time.fromisoformat(args["time"]) if args.get("time") else dt.time(9)
    except ValueError:
        form.date.data, form.time.data = local_today(current_user), dt.time(9)
    form.duration_minutes.data = args.get("duration", type=int) or session_minutes()[form.kind.data]
    if args.get("notes"):
        form.notes.data = args["notes"][:200]


@bp.route("/agenda/series", methods=["GET", "POST"])
@role_required("clinician")
def series():
    form = SeriesForm()
    form.patient_id.choices = _patient_choices()
    if request.method == "GET":
        _series_defaults(form)
    plan, error = None, None
    if form.validate_on_submit():
        patient = booking.caseload_patient(current_user, form.patient_id.data)
        try:
            plan = series_service.plan(current_user, patient, _pattern(form), _rows(form),
                                       action=form.confirm.data, anyway=form.outside_hours_ok.data)
        except Refusal as exc:
            error = exc.message
        if plan and plan.booked:
            flash(f"Booked {len(plan.booked)} sessions for {patient.display_name.rstrip('.')}.", "success")
            return redirect(url_for("schedule.agenda"))
        if plan:
            _show_rows(form, plan.rows)
    error = error or (plan.error if plan else None)
    gate = screening_service.screening_status(form.patient_id.data) if error and plan is not None else None
    return _page("schedule/series.html", form=form, plan=plan, error=error, gate=gate, hours=opening_hours(),
                 kinds=vocabulary.KIND_KEYS)


def _series_defaults(form: SeriesForm) -> None:
    minutes = session_minutes()
    form.patient_id.data = request.args.get("patient_id", type=int)
    form.count.data = clinic_settings().series_length
    form.start_date.data = local_today(current_user) + dt.timedelta(days=1)
    form.time.data = dt.time(9)
    form.duration_minutes.data, form.integration_minutes.data = minutes["ketamine"], minutes["integration"]


def _pattern(form: SeriesForm) -> dict:
    """The series form as `domain.scheduling.induction_series`'s arguments (the zone aside)."""
    return dict(start_date=form.start_date.data, count=form.count.data, weekdays=form.weekdays.data,
                at=form.time.data, duration_minutes=form.duration_minutes.data, integration=form.integration.data,
                integration_offset_days=form.integration_offset_days.data,
                integration_minutes=form.integration_minutes.data, integration_at=form.integration_time.data)


def _rows(form: SeriesForm) -> list[series_service.Row]:
    """The proposal as the page sent it back (each date possibly moved or skipped)."""
    return [series_service.row(current_user, e.kind.data, e.date.data, e.time.data, e.minutes.data, e.skip.data)
            for e in form.rows]


def _show_rows(form: SeriesForm, rows: list[series_service.Row]) -> None:
    """Put the checked rows (sorted, re-laid out) back into the form the page renders."""
    while form.rows.entries:
        form.rows.pop_entry()
    for r in rows:
        local = local_now(current_user, r.start)
        form.rows.append_entry(SimpleNamespace(kind=r.kind, date=local.date(), time=local.time().replace(tzinfo=None),
                                               minutes=r.minutes, skip=r.skip))


# --- One session: move, cancel, no-show, complete -----------------------------------------------------------
def _session_page(s: TherapySession, *, move_form=None, status=200):
    if move_form is None:
        move_form = MoveForm(formdata=None)
        local = local_now(current_user, s.starts_at)
        move_form.date.data, move_form.time.data = local.date(), local.time().replace(second=0, microsecond=0)
        move_form.duration_minutes.data = s.duration_minutes
    alerts = {v.id: dosing_day.alerts_of(v, dosing_settings()) for v in s.vitals} if s.dosed_at else {}
    record = dosing_day.record_of(s) if s.kind == "ketamine" and (s.dosed_at or s.dose_mg) else None
    return _page("schedule/session.html", status, s=s, move_form=move_form, status_form=StatusForm(),
                 record=record, alerts=alerts, gate=screening_service.screening_status(s.patient_id),
                 ask_hours=move_form.outside_hours_ok.data or _outside_hours(move_form) is not None)


@bp.route("/agenda/sessions/<int:session_id>")
@role_required("clinician")
def session(session_id: int):
    s = booking.own_session(current_user, session_id)
    audit_view(s.patient_id, "session", obj=s)
    return _session_page(s)


@bp.route("/agenda/sessions/<int:session_id>/move", methods=["POST"])
@role_required("clinician")
def move(session_id: int):
    s = booking.own_session(current_user, session_id)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            _check_hours(form)
            booking.move(current_user, s, _start(form), form.duration_minutes.data)
        except Refusal as exc:
            show_on_form(form, exc, "time")
        else:
            flash("Session moved.", "success")
            return redirect(url_for("schedule.session", session_id=s.id))
    return _session_page(s, move_form=form, status=400)


@bp.route("/agenda/sessions/<int:session_id>/status", methods=["POST"])
@role_required("clinician")
def set_status(session_id: int):
    s = booking.own_session(current_user, session_id)
    form = StatusForm()
    status = form.status.data if form.validate_on_submit() else None
    if status not in booking.OUTCOMES or (status == "completed" and s.kind == "ketamine"):
        raise Invalid("Choose an outcome.")  # a ketamine session is completed on its dosing-day screen
    try:
        booking.set_status(current_user, s, status)
    except Refusal as exc:
        flash(exc.message, "error")
    else:
        flash(f"Marked {vocabulary.label('status', status)}.", "success")
    return redirect(url_for("schedule.session", session_id=s.id))


# --- Screening ------------------------------------------------------------------------------------------
@bp.route("/screening", methods=["GET", "POST"])
@role_required("patient")
def my_screening():
    form = ScreeningForm()
    if request.method == "GET":
        for name, answer in (screening_service.last_answers(current_user.id) or {}).items():
            form[name].data = answer
    if form.validate_on_submit():
        row = screening_service.record_screening(current_user, current_user, screening_service.answers_of(form),
                                                 form.details.data)
        if row.flags:
            flash("Thank you. Your care team will talk with you about your answers before any ketamine session.",
                  "warning")
        else:
            flash("Thank you. Your screening is saved.", "success")
        return redirect(url_for("schedule.mine"))
    return _page("schedule/my_screening.html", form=form, latest=screening_service.screenings(current_user.id, 1),
                 conditions=vocabulary.SCREENING_CONDITIONS)


@bp.route("/patients/<int:patient_id>/screening", methods=["GET", "POST"])
@role_required("clinician")
def screening(patient_id: int):
    patient = get_patient_or_404(current_user, patient_id)
    form, clear_form = ClinicianScreeningForm(prefix="rec"), ClearForm(prefix="clear")
    if request.method == "POST" and request.form.get("what") == "clear":
        form = ClinicianScreeningForm(prefix="rec", formdata=None)
        if clear_form.validate_on_submit():
            return _cleared(patient, screening_service.clear_screenings(current_user, patient, clear_form.note.data))
    elif request.method == "POST":
        clear_form = ClearForm(prefix="clear", formdata=None)
        if form.validate_on_submit():
            row = screening_service.record_screening(patient, current_user, screening_service.answers_of(form),
                                                     form.details.data)
            flash("Screening recorded" + (": it has flags to review and clear below." if row.flags else "."), "success")
            return redirect(url_for("schedule.screening", patient_id=patient.id))
    else:
        audit_view(patient.id, "screening")
    return _page("schedule/screening.html", patient=patient, form=form, clear_form=clear_form,
                 rows=screening_service.screenings(patient.id), gate=screening_service.screening_status(patient.id),
                 conditions=vocabulary.SCREENING_CONDITIONS)


def _cleared(patient: User, cleared: int):
    flash(f"Signed off {cleared} screening{'s' if cleared != 1 else ''}: ketamine can be booked."
          if cleared else "There was nothing to sign off.", "success")
    return redirect(url_for("schedule.screening", patient_id=patient.id))


# --- The patient's sessions -----------------------------------------------------------------------------
@bp.route("/sessions")
@role_required("patient")
def mine():
    upcoming, past = agenda_service.patient_sessions(current_user)
    return _page("schedule/mine.html", upcoming=upcoming, past=past, phq9_path=PHQ9_PATH,
                 has_screening=screening_service.screening_status(current_user.id).screened)


@bp.route("/sessions/<int:session_id>")
@role_required("patient")
def my_session(session_id: int):
    s = agenda_service.patient_session(current_user, session_id)
    return _page("schedule/my_session.html", s=s, position=preparation.position(s), notes=preparation.notes_for(s.kind),
                 video=preparation.is_video_link(s.location), joinable=preparation.joinable(s, utcnow()))


# --- Calendar feed ----------------------------------------------------------------------------------------
CALENDAR_ACTIONS = {
    "on": "Calendar feed turned on: add the address below to your calendar app.",
    "off": "Calendar feed turned off: the old address no longer works.",
    "initials_on": "Your calendar events now show patients' initials.",
    "initials_off": "Your calendar events no longer show patients' initials.",
}


@bp.route("/calendar", methods=["GET", "POST"])
@role_required("patient", "clinician")
def calendar():
    form = CalendarForm()
    action = form.action.data
    if form.validate_on_submit() and action in CALENDAR_ACTIONS and not (current_user.is_patient and "initials" in action):
        if action.startswith("initials"):
            feed_service.set_calendar_initials(current_user, action == "initials_on")
        else:
            feed_service.set_calendar_feed(current_user, action == "on")
        flash(CALENDAR_ACTIONS[action], "success")
        return redirect(url_for("schedule.calendar"))
    url = (url_for("schedule.feed", token=current_user.calendar_token, _external=True)
           if current_user.calendar_token else None)
    return _page("schedule/calendar.html", form=form, feed_url=url)


@bp.route("/calendar/<token>.ics")
@limiter.limit("120 per hour")
def feed(token: str):
    return Response(feed_service.feed_for(token), mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="katapp.ics"'})
