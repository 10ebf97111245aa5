"""Journal pages: the patient's editor, list, search and entries; the care team's shared view."""
from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from katapp.journal import bp, services
from katapp.journal.forms import DeleteForm, EditForm, EntryForm, ShareForm
from katapp.journal.prompts import MOMENT_LABELS
from katapp.pagination import paginate
from katapp.schedule.services import KIND_LABELS
from katapp.security import audit_view, get_patient_or_404, is_care_team, role_required
from katapp.templating import local_time

CONFLICT = ("This draft was already saved with different text (perhaps from the offline queue). "
            "Check your journal, or reload this page to start a new entry.")


def _session_label(session) -> str:
    kind = KIND_LABELS[session.kind].capitalize()
    return f"{kind} · {local_time(session.starts_at, '%a %d %b %Y, %H:%M')}"


def _session_choices(form, include_id=None) -> None:
    sessions = services.recent_sessions(current_user, include_id=include_id)
    form.session_id.choices = [("", "No session")] + [(s.id, _session_label(s)) for s in sessions]


def _entry_or_404(entry_id: int):
    try:
        return services.own_entry(current_user, entry_id)
    except services.EntryNotFound:
        abort(404)


def _show_errors(form, fields: dict[str, str]) -> None:
    """Put the service's field errors on the visible fields (hidden ones show under the text)."""
    for name, message in fields.items():
        target = form.session_id if name == "session_id" else form.body
        target.errors = [*target.errors, message]


@bp.route("/journal")
@role_required("patient")
def index():
    q = request.args.get("q", "")
    by_session = request.args.get("view") == "session"
    page = paginate(services.own_entries(current_user, q, by_session=by_session), per_page=100)
    return render_template("journal/index.html", page=page, q=q, by_session=by_session,
                           searching=bool(services.search_words(q)), session_label=_session_label)


@bp.route("/journal/new", methods=["GET", "POST"])
@role_required("patient")
def new():
    form = EntryForm()
    wanted_session = request.args.get("session_id", type=int)
    library = services.prompt_library_rows()
    if request.method == "GET":
        form.client_id.data = str(uuid.uuid4())
        form.recorded_at.data = ""
        prompt = request.args.get("prompt", "")
        # Only prompts from the library are shown from a link, so a crafted URL cannot put words here.
        form.prompt.data = prompt if prompt in services.all_prompts(library) else ""
    _session_choices(form, include_id=wanted_session)
    if request.method == "GET" and wanted_session in {c[0] for c in form.session_id.choices}:
        form.session_id.data = wanted_session
    if form.validate_on_submit():
        try:
            entry, _created = services.create_entry(
                current_user, body=form.body.data, client_id=form.client_id.data, shared=bool(form.shared.data),
                session_id=form.session_id.data, prompt=form.prompt.data, recorded_at=form.recorded_at.data,
            )
        except services.EntryError as exc:
            _show_errors(form, exc.fields)
        except services.EntryConflict:
            form.body.errors = [CONFLICT]
        else:
            flash("Saved. Only you can see it." if not entry.shared else "Saved and shared with your care team.", "success")
            return redirect(url_for("journal.entry", entry_id=entry.id))
    return render_template("journal/new.html", form=form, library=library, labels=MOMENT_LABELS), (
        400 if form.errors else 200)


@bp.route("/journal/<int:entry_id>")
@role_required("patient")
def entry(entry_id: int):
    item = _entry_or_404(entry_id)
    return render_template("journal/entry.html", entry=item, share_form=ShareForm(), delete_form=DeleteForm(),
                           session_label=_session_label)


@bp.route("/journal/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required("patient")
def edit(entry_id: int):
    item = _entry_or_404(entry_id)
    form = EditForm(obj=item)
    _session_choices(form, include_id=item.session_id)
    if form.validate_on_submit():
        try:
            services.update_entry(current_user, item.id, body=form.body.data, prompt=form.prompt.data,
                                  session_id=form.session_id.data, shared=bool(form.shared.data))
        except services.EntryError as exc:
            _show_errors(form, exc.fields)
        else:
            flash("Changes saved.", "success")
            return redirect(url_for("journal.entry", entry_id=item.id))
    return render_template("journal/edit.html", form=form, entry=item), (400 if form.errors else 200)


@bp.route("/journal/<int:entry_id>/share", methods=["POST"])
@role_required("patient")
def share(entry_id: int):
    form = ShareForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        item = services.set_shared(current_user, entry_id, form.shared.data == "1")
    except services.EntryNotFound:
        abort(404)
    flash("Shared with your care team." if item.shared else "This entry is private again: only you can see it.",
          "success")
    return redirect(url_for("journal.entry", entry_id=item.id))


@bp.route("/journal/<int:entry_id>/delete", methods=["POST"])
@role_required("patient")
def delete(entry_id: int):
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        services.delete_entry(current_user, entry_id)
    except services.EntryNotFound:
        abort(404)
    flash("The entry was deleted.", "success")
    return redirect(url_for("journal.index"))


@bp.route("/patients/<int:patient_id>/journal")
@role_required("clinician")
def shared_for_patient(patient_id: int):
    """A patient's shared entries, for their care team only (admins are not the care team)."""
    if not is_care_team(current_user, patient_id):
        abort(404)
    patient = get_patient_or_404(current_user, patient_id)
    audit_view(patient.id, "journal")  # commits: so before loading the entries (a commit expires them)
    page = paginate(services.shared_entries(patient.id), per_page=100)
    return render_template("journal/shared.html", patient=patient, page=page, session_label=_session_label)
