"""The dosing-day screen (issue #12): one phone-sized page per ketamine session, one form per
step (check in, pre-dose check, dose, vitals, adverse event, end of infusion, discharge).

Every step posts to its own address, is saved by `dosing_day` and redirects back to the page
(post/redirect/get), so a reload never loses or repeats a step. A refusal re-renders the page
with the typed values and the failing checks on the form (422).
"""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, url_for
from flask_login import current_user

from katapp.clinic import dosing_settings
from katapp.clock import utcnow
from katapp.domain import dosing
from katapp.errors import Refusal, show_on_form
from katapp.schedule import booking, bp, dosing_day
from katapp.schedule.forms import DischargeForm, DoseForm, EventForm, PreDoseForm, StatusForm, VitalsForm
from katapp.schedule.parse import local_start
from katapp.schedule.routes import _page
from katapp.security import audit_view, role_required

FORMS = {"predose": PreDoseForm, "dose": DoseForm, "vitals": VitalsForm, "event": EventForm,
         "discharge": DischargeForm}


def _forms(s, given: dict) -> dict:
    """Every step's form: the one submitted (`given`), the others blank or from the stored record."""
    rules = dosing_settings()
    forms = {name: given.get(name) or cls(formdata=None, prefix=name) for name, cls in FORMS.items()}
    forms["predose"].checklist.choices = [(i.key, i.label + (" (only when the patient could be pregnant)" if i.applies_when
                                                             else "")) for i in rules.predose_checklist]
    forms["discharge"].checklist.choices = [(i.key, i.label) for i in rules.discharge_checklist]
    if "predose" not in given and s.status == "checked_in":
        _fill_predose(forms["predose"], s)
    return forms


def _fill_predose(form: PreDoseForm, s) -> None:
    form.weight_kg.data = Decimal(str(s.weight_kg)) if s.weight_kg else None
    form.bp.data = booking.bp_text(s.bp_before_systolic, s.bp_before_diastolic)
    form.checklist.data = list(s.predose_ticked or [])
    form.pregnancy_possible.data = "yes" if s.pregnancy_possible else "no"
    form.override_reason.data = s.bp_override_reason


def _screen(s, status: int = 200, refusal: Refusal | None = None, **given):
    rules = dosing_settings()
    predose = dosing_day.predose_checks(s) if s.status == "checked_in" else []
    discharge = dosing_day.discharge_checks(s, s.discharge_ticked or ()) if s.status == "dosed" else []
    ratio = dosing.format_mg_per_kg(s.dose_mg / s.weight_kg) if s.dose_mg and s.weight_kg else None
    return _page("schedule/dosing.html", status, s=s, forms=_forms(s, given), predose_failing=predose,
                 discharge_failing=discharge, rules=rules, mg_per_kg=ratio, status_form=StatusForm(),
                 alerts={v.id: dosing_day.alerts_of(v, rules) for v in s.vitals},
                 observe=rules.observation_minutes(s.route) if s.route else None,
                 now=utcnow(), refusal=refusal, ranges={r.route: r for r in rules.dose_ranges})


def _back(s, anchor: str = "step"):
    return redirect(url_for("schedule.dosing", session_id=s.id, _anchor=anchor))


def _own_ketamine(session_id: int):
    s = booking.own_session(current_user, session_id)
    dosing_day.ketamine_only(s)
    return s


@bp.route("/agenda/sessions/<int:session_id>/dosing", endpoint="dosing")
@role_required("clinician")
def dosing_page(session_id: int):
    s = _own_ketamine(session_id)
    audit_view(s.patient_id, "dosing", obj=s)
    return _screen(s)


@bp.route("/agenda/sessions/<int:session_id>/dosing/check-in", methods=["POST"])
@role_required("clinician")
def dosing_check_in(session_id: int):
    s = _own_ketamine(session_id)
    if StatusForm().validate_on_submit():
        dosing_day.check_in(s)
        flash("Checked in.", "success")
    return _back(s)


@bp.route("/agenda/sessions/<int:session_id>/dosing/predose", methods=["POST"])
@role_required("clinician")
def dosing_predose(session_id: int):
    s = _own_ketamine(session_id)
    form = _forms(s, {"predose": PreDoseForm(prefix="predose")})["predose"]
    if not form.validate_on_submit():
        return _screen(s, 400, predose=form)
    failing = dosing_day.save_predose(s, dosing_day.PreDoseEntry(
        float(form.weight_kg.data), form.bp.data, tuple(form.checklist.data or ()),
        form.pregnancy_possible.data == "yes", form.override_reason.data or ""))
    flash("Pre-dose check saved." + (" Ready to dose." if not failing else " Some checks still stop the dose."),
          "success" if not failing else "warning")
    return _back(s)


@bp.route("/agenda/sessions/<int:session_id>/dosing/dose", methods=["POST"])
@role_required("clinician")
def dosing_dose(session_id: int):
    s = _own_ketamine(session_id)
    form = DoseForm(prefix="dose")
    if form.validate_on_submit():
        try:
            verdict = dosing_day.give_dose(s, dosing_day.DoseEntry(float(form.dose_mg.data), form.route.data,
                                                                   form.dose_reason.data or ""))
        except Refusal as exc:
            show_on_form(form, exc, "dose_mg")
            return _screen(s, exc.status, exc, dose=form)
        flash(f"Dose recorded: {dosing.format_mg_per_kg(verdict.mg_per_kg)}. The timer is running.", "success")
        return _back(s)
    return _screen(s, 400, dose=form)


@bp.route("/agenda/sessions/<int:session_id>/dosing/vitals", methods=["POST"])
@role_required("clinician")
def dosing_vitals(session_id: int):
    s = _own_ketamine(session_id)
    form = VitalsForm(prefix="vitals")
    if form.validate_on_submit():
        try:
            dosing_day.add_vitals(s, _vitals_entry(form, s), current_user)
        except Refusal as exc:
            show_on_form(form, exc, "bp")
            return _screen(s, exc.status, exc, vitals=form)
        flash("Vitals saved.", "success")
        return _back(s, "vitals")
    return _screen(s, 400, vitals=form)


def _vitals_entry(form: VitalsForm, s) -> dosing_day.VitalsEntry:
    at = None
    if form.time.data is not None:
        at = local_start(current_user, dosing_day.local_dose_day(s, current_user), form.time.data)
    return dosing_day.VitalsEntry(
        bp=form.bp.data or None, heart_rate=form.heart_rate.data, spo2=form.spo2.data, moaas=form.moaas.data or None,
        dissociation=form.dissociation.data or None, nausea=form.nausea.data, vomiting=form.vomiting.data,
        action_note=form.action_note.data or "", at=at)


@bp.route("/agenda/sessions/<int:session_id>/dosing/event", methods=["POST"])
@role_required("clinician")
def dosing_event(session_id: int):
    s = _own_ketamine(session_id)
    form = EventForm(prefix="event")
    if form.validate_on_submit():
        dosing_day.add_adverse_event(s, form.severity.data, form.description.data, current_user)
        flash("Adverse event recorded.", "success")
        return _back(s, "events")
    return _screen(s, 400, event=form)


@bp.route("/agenda/sessions/<int:session_id>/dosing/infusion-end", methods=["POST"])
@role_required("clinician")
def dosing_infusion_end(session_id: int):
    s = _own_ketamine(session_id)
    if StatusForm().validate_on_submit():
        dosing_day.end_infusion(s)
        flash("Infusion end recorded.", "success")
    return _back(s)


@bp.route("/agenda/sessions/<int:session_id>/dosing/discharge", methods=["POST"])
@role_required("clinician")
def dosing_discharge(session_id: int):
    s = _own_ketamine(session_id)
    form = _forms(s, {"discharge": DischargeForm(prefix="discharge")})["discharge"]
    if form.validate_on_submit():
        try:
            dosing_day.discharge(s, form.checklist.data or ())
        except Refusal as exc:
            show_on_form(form, exc, "checklist")
            return _screen(s, exc.status, exc, discharge=form)
        flash("Discharged. The session is complete.", "success")
        return redirect(url_for("schedule.session", session_id=s.id))
    return _screen(s, 400, discharge=form)

