"""Schedule pages: the clinician's agenda, booking, series, session actions, screening, the feed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from katapp.clinic import clinic_settings
from katapp.domain import scheduling
from katapp.extensions import db, limiter
from katapp.models import CONTRAINDICATIONS, TherapySession, User, utcnow
from katapp.schedule import bp, ics, services
from katapp.schedule.forms import (
    BookForm,
    CalendarForm,
    ClearForm,
    CompleteForm,
    MoveForm,
    ScreeningForm,
    SeriesForm,
    StatusForm,
)
from katapp.security import audit_view, get_patient_or_404, now_local, role_required, visible_patients

PHQ9_PATH = "/questionnaires/phq9"  # checkins.questionnaire (another feature's page)


def _zone() -> str:
    return current_user.timezone or "UTC"


def _patient_choices() -> list[tuple[int, str]]:
    patients = db.session.scalars(visible_patients(current_user).order_by(User.display_name, User.id)).all()
    return [(p.id, p.display_name) for p in patients]


def _start(form) -> dt.datetime:
    return scheduling.local_to_utc(form.date.data, form.time.data, _zone())


def _own_session_or_404(session_id: int) -> TherapySession:
    return services.own_session(current_user, session_id) or abort(404)


# --- Agenda --------------------------------------------------------------------------------------------
@bp.route("/agenda")
@role_required("clinician")
def agenda():
    today = now_local(current_user).date()
    days = services.agenda(current_user, today)
    start = scheduling.day_bounds_utc(today, _zone())[0]
    return render_template("schedule/agenda.html", days=days, today=today,
                           overdue=services.awaiting_outcome(current_user, start),
                           suggestions=services.follow_up_suggestions(current_user),
                           total=sum(len(d.items) for d in days), now=utcnow())


@bp.route("/agenda/book", methods=["GET", "POST"])
@role_required("clinician")
def book():
    form = BookForm()
    form.patient_id.choices = _patient_choices()
    if request.method == "GET":
        _prefill(form)
    gate = None
    if form.patient_id.data and form.patient_id.data in dict(form.patient_id.choices):
        gate = services.screening_status(form.patient_id.data)
    if form.validate_on_submit():
        patient = services.caseload_patient(current_user, form.patient_id.data) or abort(404)
        try:
            made = services.book(current_user, patient, kind=form.kind.data, starts_at=_start(form),
                                 duration_minutes=form.duration_minutes.data, notes=form.notes.data)
        except services.ScheduleError as exc:
            _attach(form, exc)
        else:
            when = made.starts_at.astimezone(scheduling.zone(_zone())).strftime("%a %d %b, %H:%M")
            flash(f"Booked {services.KIND_LABELS[made.kind]}, {when}, with {patient.display_name}", "success")
            return redirect(url_for("schedule.session", session_id=made.id))
    return render_template("schedule/book.html", form=form, gate=gate, zone=_zone())


def _prefill(form: BookForm) -> None:
    args = request.args
    form.patient_id.data = args.get("patient_id", type=int)
    if args.get("kind") in services.KIND_LABELS:
        form.kind.data = args["kind"]
    try:
        form.date.data = dt.date.fromisoformat(args["date"]) if args.get("date") else now_local(current_user).date()
        form.time.data = dt.time.fromisoformat(args["time"]) if args.get("time") else dt.time(9)
    except ValueError:
        form.date.data, form.time.data = now_local(current_user).date(), dt.time(9)
    form.duration_minutes.data = args.get("duration", type=int) or (90 if form.kind.data == "ketamine" else 50)
    if args.get("notes"):
        form.notes.data = args["notes"][:200]


def _attach(form, exc: services.ScheduleError) -> None:
    """Put a service's refusal on the form field it is about (the date/time for overlaps)."""
    for name, message in exc.fields.items():
        target = {"starts_at": "time", "bp_confirmed": "bp_confirmed"}.get(name, name)
        field = getattr(form, target, None) or getattr(form, "time", None)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


@bp.route("/agenda/series", methods=["GET", "POST"])
@role_required("clinician")
def series():
    form = SeriesForm()
    form.patient_id.choices = _patient_choices()
    if request.method == "GET":
        form.patient_id.data = request.args.get("patient_id", type=int)
        form.count.data = clinic_settings().series_length
        form.start_date.data = now_local(current_user).date() + dt.timedelta(days=1)
        form.time.data = dt.time(9)
    proposals, error = None, None
    if form.validate_on_submit():
        patient = services.caseload_patient(current_user, form.patient_id.data) or abort(404)
        try:
            slots = scheduling.induction_series(
                form.start_date.data, form.count.data, form.weekdays.data, form.time.data, _zone(),
                form.duration_minutes.data, integration=form.integration.data,
                integration_offset_days=form.integration_offset_days.data,
                integration_minutes=form.integration_minutes.data, integration_at=form.integration_time.data)
        except ValueError as exc:
            error = str(exc)[0].upper() + str(exc)[1:] + "."
        else:
            if form.confirm.data == "book":
                try:
                    made = services.book_series(current_user, patient, slots)
                except services.ScheduleError as exc:
                    error = exc.message + " Nothing was booked."
                    proposals = services.propose_series(current_user, patient, slots)
                else:
                    flash(f"Booked {len(made)} sessions for {patient.display_name}.", "success")
                    return redirect(url_for("schedule.agenda"))
            else:
                proposals = services.propose_series(current_user, patient, slots)
            gate = services.screening_status(patient.id)
            if gate.message and not error:
                error = gate.message
    return render_template("schedule/series.html", form=form, proposals=proposals, error=error, zone=_zone(),
                           clashes=sum(1 for p in proposals or [] if p.clash))


# --- One session: move, cancel, no-show, complete -----------------------------------------------------------
def _session_page(s: TherapySession, *, move_form=None, complete_form=None, status=200):
    if move_form is None:
        move_form = MoveForm(formdata=None)
        local = s.starts_at.astimezone(scheduling.zone(_zone()))
        move_form.date.data, move_form.time.data = local.date(), local.time().replace(second=0, microsecond=0)
        move_form.duration_minutes.data = s.duration_minutes
    settings = clinic_settings()
    return render_template("schedule/session.html", s=s, move_form=move_form,
                           complete_form=complete_form or CompleteForm(formdata=None), status_form=StatusForm(),
                           gate=services.screening_status(s.patient_id),
                           bp_limit=(settings.bp_limit_systolic, settings.bp_limit_diastolic),
                           bp_before=services.bp_text(s.bp_before_systolic, s.bp_before_diastolic),
                           bp_after=services.bp_text(s.bp_after_systolic, s.bp_after_diastolic),
                           route_labels=services.ROUTE_LABELS, zone=_zone()), status


@bp.route("/agenda/sessions/<int:session_id>")
@role_required("clinician")
def session(session_id: int):
    s = _own_session_or_404(session_id)
    audit_view(s.patient_id, "session", obj=s)
    return _session_page(s)


@bp.route("/agenda/sessions/<int:session_id>/move", methods=["POST"])
@role_required("clinician")
def move(session_id: int):
    s = _own_session_or_404(session_id)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            services.move(current_user, s, _start(form), form.duration_minutes.data)
        except services.ScheduleError as exc:
            _attach(form, exc)
        else:
            flash("Session moved.", "success")
            return redirect(url_for("schedule.session", session_id=s.id))
    return _session_page(s, move_form=form, status=400)


@bp.route("/agenda/sessions/<int:session_id>/status", methods=["POST"])
@role_required("clinician")
def set_status(session_id: int):
    s = _own_session_or_404(session_id)
    form = StatusForm()
    if form.validate_on_submit() and form.status.data in ("cancelled", "no_show", "completed"):
        if form.status.data == "completed" and s.kind == "ketamine":
            abort(400)  # a ketamine session is completed through its form (dose, route, BP)
        try:
            services.set_status(current_user, s, form.status.data)
        except services.ScheduleError as exc:
            flash(exc.message, "error")
        else:
            flash(f"Marked {services.STATUS_LABELS[form.status.data]}.", "success")
        return redirect(url_for("schedule.session", session_id=s.id))
    abort(400)


@bp.route("/agenda/sessions/<int:session_id>/complete", methods=["POST"])
@role_required("clinician")
def complete(session_id: int):
    s = _own_session_or_404(session_id)
    if s.kind != "ketamine":
        abort(404)
    form = CompleteForm()
    if form.validate_on_submit():
        dose = form.dose_mg.data
        completion = services.Completion(
            dose_mg=float(dose) if isinstance(dose, Decimal) else dose, route=form.route.data,
            bp_before=form.bp_before.data, bp_after=form.bp_after.data, bp_confirmed=form.bp_confirmed.data)
        try:
            services.set_status(current_user, s, "completed", completion)
        except services.ScheduleError as exc:
            _attach(form, exc)
        else:
            flash("Session completed and recorded.", "success")
            return redirect(url_for("schedule.session", session_id=s.id))
    return _session_page(s, complete_form=form, status=400)


# --- Screening ------------------------------------------------------------------------------------------
def _answers(form: ScreeningForm) -> dict[str, bool]:
    return {name: getattr(form, name).data == "yes" for name in CONTRAINDICATIONS}


@bp.route("/screening", methods=["GET", "POST"])
@role_required("patient")
def my_screening():
    form = ScreeningForm()
    if form.validate_on_submit():
        row = services.record_screening(current_user, current_user, _answers(form), form.details.data)
        if row.flags:
            flash("Thank you. Your care team will talk with you about your answers before any ketamine session.",
                  "warning")
        else:
            flash("Thank you. Your screening is saved.", "success")
        return redirect(url_for("schedule.mine"))
    return render_template("schedule/my_screening.html", form=form, latest=services.screenings(current_user.id, 1),
                           conditions=CONTRAINDICATIONS)


@bp.route("/patients/<int:patient_id>/screening", methods=["GET", "POST"])
@role_required("clinician")
def screening(patient_id: int):
    patient = get_patient_or_404(current_user, patient_id)
    form, clear_form = ScreeningForm(prefix="rec"), ClearForm(prefix="clear")
    if request.method == "POST" and request.form.get("what") == "clear":
        form = ScreeningForm(prefix="rec", formdata=None)
        if clear_form.validate_on_submit():
            cleared = services.clear_screenings(current_user, patient, clear_form.note.data)
            flash(f"Cleared {cleared} screening{'s' if cleared != 1 else ''}: ketamine can be booked."
                  if cleared else "There was nothing to clear.", "success")
            return redirect(url_for("schedule.screening", patient_id=patient.id))
    elif request.method == "POST":
        clear_form = ClearForm(prefix="clear", formdata=None)
        if form.validate_on_submit():
            row = services.record_screening(patient, current_user, _answers(form), form.details.data)
            flash("Screening recorded" + (": it has flags to review and clear below." if row.flags else "."), "success")
            return redirect(url_for("schedule.screening", patient_id=patient.id))
    else:
        audit_view(patient.id, "screening")
    return render_template("schedule/screening.html", patient=patient, form=form, clear_form=clear_form,
                           rows=services.screenings(patient.id), gate=services.screening_status(patient.id),
                           conditions=CONTRAINDICATIONS, labels=services.CONDITION_LABELS,
                           questions=services.SCREENING_QUESTIONS)


# --- The patient's sessions -----------------------------------------------------------------------------
@bp.route("/sessions")
@role_required("patient")
def mine():
    upcoming, past = services.patient_sessions(current_user)
    return render_template("schedule/mine.html", upcoming=upcoming, past=past, phq9_path=PHQ9_PATH,
                           has_screening=services.screening_status(current_user.id).screened)


# --- Calendar feed ----------------------------------------------------------------------------------------
@bp.route("/calendar", methods=["GET", "POST"])
@role_required("patient", "clinician")
def calendar():
    form = CalendarForm()
    if form.validate_on_submit() and form.action.data in ("on", "off"):
        services.set_calendar_feed(current_user, form.action.data == "on")
        flash("Calendar feed turned on: add the address below to your calendar app." if form.action.data == "on"
              else "Calendar feed turned off: the old address no longer works.", "success")
        return redirect(url_for("schedule.calendar"))
    url = (url_for("schedule.feed", token=current_user.calendar_token, _external=True)
           if current_user.calendar_token else None)
    return render_template("schedule/calendar.html", form=form, feed_url=url)


@bp.route("/calendar/<token>.ics")
@limiter.limit("120 per hour")
def feed(token: str):
    user = services.feed_owner(token) or abort(404)
    body = ics.feed(user, *services.feed_sessions(user))
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": 'inline; filename="katapp.ics"'})
