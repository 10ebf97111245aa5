"""Admin: accounts and clinic settings. Clinicians: add a patient to their own caseload."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from katapp import alerts, preparation, twofactor
from katapp import flag_review as review
from katapp.admin import bp, services
from katapp.admin.forms import CaseloadForm, EditUserForm, NewUserForm, PersonForm, SettingsForm, preparation_form
from katapp.clinic import clinic_settings
from katapp.domain import vocabulary
from katapp.errors import Refusal, show_on_form
from katapp.extensions import db
from katapp.models import User
from katapp.pagination import paginate
from katapp.security import audit_view, role_required


def _clinician_choices():
    return [(c.id, f"{c.display_name} ({c.email})") for c in services.clinicians()]


def _invite_url(token: str) -> str:
    return url_for("auth.accept_invite", token=token, _external=True)


@bp.route("/admin/users")
@role_required("admin")
def users():
    role, q = request.args.get("role") or None, request.args.get("q") or None
    page = paginate(services.users_query(role, q), per_page=50)
    return render_template("admin/users.html", page=page, role=role, q=q or "",
                           teams=services.care_team_column(page.items), unassigned=services.UNASSIGNED)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required("admin")
def new_user():
    form = NewUserForm()
    form.clinicians.choices = _clinician_choices()
    if form.validate_on_submit():
        try:
            user, token = services.create_user(
                email=form.email.data, display_name=form.display_name.data, role=form.role.data,
                timezone=form.timezone.data, clinician_ids=form.clinicians.data, created_by=current_user,
            )
        except Refusal as refusal:
            show_on_form(form, refusal, default_field="email")
        else:
            return render_template("admin/invited.html", user=user, invite_url=_invite_url(token))
    return render_template("admin/new_user.html", form=form), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if user.is_patient:
        audit_view(user.id, "account")
    form = _edit_form(user)
    if request.method == "GET":
        form.clinicians.data = [c.id for c in user.clinicians]
    if form.validate_on_submit():
        try:
            services.save_account(user, _account_values(form, user), by=current_user, move_to=form.move_to.data or None)
        except Refusal as refusal:
            show_on_form(form, refusal, "active")
            return _edit_page(user, form), refusal.status
        flash(f"Saved {user.display_name}.", "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return _edit_page(user, form), 400 if form.errors else 200


def _edit_form(user: User, from_request: bool = True) -> EditUserForm:
    form = EditUserForm(obj=user) if from_request else EditUserForm(formdata=None, obj=user)
    form.clinicians.choices = _clinician_choices()
    form.move_to.choices = [(0, "Nobody chosen"), *((c, n) for c, n in _clinician_choices() if c != user.id)]
    return form


def _caseload_form(clinician: User, form: CaseloadForm | None = None):
    """The clinician's caseload form with its choices, and what the page lists."""
    mine, others = services.caseload_of(clinician), services.assignable_to(clinician)
    form = form or CaseloadForm(formdata=None)
    form.remove.choices = [(p.id, p.display_name) for p in mine]
    form.add.choices = [(p.id, f"{p.display_name} (no care team)" if alone else p.display_name) for p, alone in others]
    return form, mine


def _edit_page(user: User, form: EditUserForm, caseload: CaseloadForm | None = None) -> str:
    form_and_list = _caseload_form(user, caseload) if user.is_clinician else (None, [])
    return render_template("admin/edit_user.html", form=form, user=user, caseload_form=form_and_list[0],
                           caseload=form_and_list[1])


@bp.route("/admin/users/<int:user_id>/patients", methods=["POST"])
@role_required("admin")
def clinician_patients(user_id: int):
    clinician = db.session.get(User, user_id)
    if clinician is None or not clinician.is_clinician:
        abort(404)
    form, _ = _caseload_form(clinician, CaseloadForm())
    if form.validate_on_submit():
        try:
            added, removed = services.change_caseload(clinician, add=form.add.data or [], remove=form.remove.data or [])
        except Refusal as refusal:
            show_on_form(form, refusal, "remove")
            return _edit_page(clinician, _edit_form(clinician, from_request=False), form), refusal.status
        flash(services.caseload_change_message(clinician, added, removed), "success")
        return redirect(url_for("admin.edit_user", user_id=clinician.id, _anchor="caseload"))
    return _edit_page(clinician, _edit_form(clinician, from_request=False), form), 400


def _account_values(form: EditUserForm, user: User) -> dict:
    values = {"display_name": form.display_name.data, "timezone": form.timezone.data, "active": form.active.data,
              "clinician_ids": form.clinicians.data if user.is_patient else None}
    return {**values, "phone": form.phone.data, "country": form.country.data,
            "indication": form.indication.data or None} if user.is_patient else values


@bp.route("/admin/users/<int:user_id>/invite", methods=["POST"])
@role_required("admin")
def reinvite(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    token = services.reissue_invitation(user, current_user)
    return render_template("admin/invited.html", user=user, invite_url=_invite_url(token))


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@role_required("admin")
def reset_two_factor(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    removed = twofactor.reset_by_admin(user, current_user._get_current_object())
    flash(f"Removed {removed} second factor(s) of {user.display_name} and signed them out. They set up a new one "
          "at their next sign-in.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/admin/flags")
@role_required("admin")
def open_flags():
    groups = review.open_flag_groups(current_user)
    return render_template("admin/flags.html", groups=groups, anyone_on_call=bool(alerts.on_call_clinicians()),
                           hours=clinic_settings().escalation_hours)


@bp.route("/admin/settings", methods=["GET", "POST"])
@role_required("admin")
def settings():
    form = SettingsForm(obj=clinic_settings())
    form.on_call.choices = _clinician_choices()
    if request.method == "GET":
        form.on_call.data, form.crisis_resources.data = services.on_call_ids(), services.crisis_resources_json()
    if form.validate_on_submit():
        try:
            services.save_settings({name: f.data for name, f in form._fields.items() if name != "csrf_token"})
        except Refusal as refusal:
            show_on_form(form, refusal, "crisis_resources")
            return render_template("admin/settings.html", form=form), refusal.status
        flash("Clinic settings saved.", "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 400 if form.errors else 200


@bp.route("/admin/preparation", methods=["GET", "POST"])
@role_required("admin")
def preparation_notes():
    form = preparation_form(preparation.all_notes())
    if form.validate_on_submit():
        changed = preparation.save_notes(current_user, {k: form[k].data for k in vocabulary.KIND_KEYS})
        flash(("Preparation notes saved: " + ", ".join(changed)) if changed else "Nothing changed.", "success")
        return redirect(url_for("admin.preparation_notes"))
    return render_template("admin/preparation.html", form=form, kinds=vocabulary.SESSION_KINDS), \
        400 if form.errors else 200


@bp.route("/caseload/add", methods=["GET", "POST"])
@role_required("clinician")
def add_patient():
    form = PersonForm()
    if form.validate_on_submit():
        try:
            email = services.add_patient_to_caseload(
                current_user, email=form.email.data, display_name=form.display_name.data, timezone=form.timezone.data
            )
        except Refusal as refusal:
            show_on_form(form, refusal, default_field="email")
        else:  # the same page whether or not the address had an account (issue #14)
            return render_template("admin/invitation_sent.html", email=email, name=form.display_name.data.strip())
    return render_template("admin/add_patient.html", form=form)
