"""Pages: the patient's check-in home, history, questionnaires; the clinician's flag and plan actions.

Handlers parse, call one service (services.py, shared with the JSON API) and render or redirect.
"""
from __future__ import annotations

from uuid import uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from katapp import clock
from katapp import flag_review as review
from katapp.checkins import bp, services
from katapp.checkins.forms import (
    AcknowledgeForm,
    CheckInForm,
    InstrumentPlanForm,
    QuestionnaireForm,
    group_acknowledge_form,
)
from katapp.clinic import clinic_settings
from katapp.crisis_help import crisis_view
from katapp.domain.instruments import INSTRUMENTS
from katapp.errors import Invalid, Refusal, show_on_form
from katapp.models import INDEX_EVENT_MAX
from katapp.pagination import paginate
from katapp.security import audit_view, get_patient_or_404, role_required, safe_next


def _home(form: CheckInForm, saved=None, status: int = 200):
    day = clock.local_today(current_user)
    flagged = saved is not None and bool(services.checkin_flags(saved))
    return render_template(
        "checkins/home.html", form=form, saved=saved, today=services.checkins_on(current_user, day),
        streak=services.streak(current_user, day), help=crisis_view(current_user) if flagged else None,
        told=saved.id in services.care_team_told(checkin_ids=[saved.id]) if flagged else None,
    ), status


@bp.route("/checkin", methods=["GET", "POST"])
@role_required("patient")
def home():
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            saved = services.record_checkin(current_user, form.payload())
        except Refusal as refusal:
            form.show_refusal(refusal)
        else:
            return _home(CheckInForm(formdata=None).fresh(), saved.obj)
    if request.method == "POST":
        return _home(form, status=400)
    saved_id = request.args.get("saved", type=int)
    return _home(form.fresh(), services.own_checkin(current_user, saved_id) if saved_id else None)


@bp.route("/checkin/<int:checkin_id>/edit", methods=["GET", "POST"])
@role_required("patient")
def edit(checkin_id: int):
    checkin = services.own_checkin(current_user, checkin_id) or abort(404)
    form = CheckInForm(obj=checkin if request.method == "GET" else None)
    if request.method == "GET":
        form.self_harm_thoughts.data = {True: "true", False: "false"}.get(checkin.self_harm_thoughts)
    if form.validate_on_submit():
        try:
            services.update_checkin(current_user, checkin, form.payload(with_ids=False))
        except Refusal as refusal:
            form.show_refusal(refusal)
        else:
            flash("Check-in updated.", "success")
            return redirect(url_for("checkins.home", saved=checkin.id))
    return render_template("checkins/edit.html", form=form, checkin=checkin), 400 if form.errors else 200


@bp.route("/checkin/<int:checkin_id>/delete", methods=["GET", "POST"])
@role_required("patient")
def delete(checkin_id: int):
    checkin = services.own_checkin(current_user, checkin_id) or abort(404)
    form = QuestionnaireForm()
    if form.validate_on_submit():
        services.delete_checkin(current_user, checkin)
        flash("Check-in deleted.", "success")
        return redirect(url_for("checkins.home"))
    return render_template("checkins/delete.html", form=form, checkin=checkin)


@bp.route("/checkin/history")
@role_required("patient")
def history():
    page = paginate(services.history_days_query(current_user), per_page=30)
    return render_template("checkins/history.html", page=page, days=services.checkins_for_days(current_user, page.items))


@bp.route("/questionnaires/<instrument>", methods=["GET", "POST"])
@role_required("patient")
def questionnaire(instrument: str):
    inst = INSTRUMENTS.get(instrument) or abort(404)
    if not services.instrument_plan(current_user.id)[inst.key]:
        abort(404)  # offered only when the care team turned it on (the PCL-5)
    form, errors, chosen = QuestionnaireForm(), {}, {}
    if form.validate_on_submit():
        chosen = form.chosen(inst, request.form)
        try:
            return _result(services.record_assessment(current_user, form.payload(inst, chosen)).obj)
        except Refusal as refusal:
            errors = refusal.fields
    if request.method == "GET":
        form.client_id.data = str(uuid4())
    return _questionnaire_page(inst, form, errors, chosen), 400 if request.method == "POST" else 200


def _questionnaire_page(inst, form: QuestionnaireForm, errors: dict, chosen: dict) -> str:
    return render_template("checkins/questionnaire.html", inst=inst, form=form, errors=errors, chosen=chosen,
                           answered=sum(v is not None for v in chosen.get("answers", [])),
                           index_event_max=INDEX_EVENT_MAX)


@bp.route("/questionnaires/results/<int:assessment_id>")
@role_required("patient")
def questionnaire_result(assessment_id: int):
    return _result(services.own_assessment(current_user, assessment_id) or abort(404))


def _result(assessment):
    inst = INSTRUMENTS[assessment.instrument]
    flagged = services.crisis_help(assessment.flags or []) is not None
    meaning = services.describe(assessment, open_flag=services.has_open_flag(current_user))
    return render_template("checkins/result.html", a=assessment, inst=inst, meaning=meaning,
                           compared=services.compare_with_last(assessment, services.previous_assessment(assessment)),
                           also_due=[d for d in services.due_questionnaires(current_user)
                                     if d.instrument != assessment.instrument][:1],
                           help=crisis_view(current_user) if flagged else None,
                           told=assessment.id in services.care_team_told(assessment_ids=[assessment.id]) if flagged
                           else None, cutpoint=clinic_settings().pcl5_cutpoint)


@bp.route("/help")
def crisis_help():
    """Crisis help for whoever asks (signed in or not; offline too: the service worker keeps it)."""
    return render_template("checkins/help.html", help=crisis_view(current_user))


@bp.route("/patients/<int:patient_id>/instruments", methods=["GET", "POST"])
@role_required("clinician")
def instrument_plan(patient_id: int):
    patient = get_patient_or_404(current_user, patient_id)
    audit_view(patient.id, "instruments")
    plan = services.instrument_plan(patient.id)
    form = InstrumentPlanForm(data=plan if request.method == "GET" else None)
    if form.validate_on_submit():
        changes = services.set_instrument_plan(current_user, patient, {k: form[k].data for k in plan})
        flash(("Saved: " + ", ".join(changes)) if changes else "Nothing changed.", "success")
        return redirect(url_for("checkins.instrument_plan", patient_id=patient.id))
    return render_template("checkins/instrument_plan.html", form=form, patient=patient, settings=clinic_settings(),
                           due=services.due_questionnaires(patient))


@bp.route("/flags/<int:flag_id>/acknowledge", methods=["GET", "POST"])
@role_required("clinician")
def acknowledge_flag(flag_id: int):
    flag = services.flag_for_care_team(current_user, flag_id) or abort(404)
    audit_view(flag.patient_id, "flag", obj=flag)
    form = AcknowledgeForm()
    back = safe_next(form.next.data or request.args.get("next")) or url_for("dashboard.caseload")
    if form.validate_on_submit():
        try:
            done = services.acknowledge_flag(current_user, flag, form.note.data)
        except Refusal as refusal:
            show_on_form(form, refusal, "note")
        else:
            flash("Safety flag acknowledged." if done else "That flag was already acknowledged.", "success")
            return redirect(back)
    return render_template("checkins/acknowledge.html", form=form, flag=flag, back=back), 400 if form.errors else 200


@bp.route("/patients/<int:patient_id>/flags/acknowledge", methods=["POST"])
@role_required("clinician", "admin")
def acknowledge_flags(patient_id: int):
    group = review.patient_flag_group(current_user, patient_id)
    if group is None:
        flash("Those flags were already acknowledged.", "success")
        return redirect(url_for("main.home"))
    form = group_acknowledge_form(group)
    back = safe_next(form.next.data) or url_for("main.home")
    if form.validate_on_submit():
        try:
            done = review.acknowledge(current_user, patient_id, form.flag_ids.data, form.note.data)
        except Invalid as refusal:
            show_on_form(form, refusal, "note")
        else:
            flash(f"{done} safety flag{'s' if done != 1 else ''} acknowledged." if done
                  else "Those flags were already acknowledged.", "success")
            return redirect(back)
    return render_template("checkins/acknowledge_group.html", form=form, group=group, back=back), 400
