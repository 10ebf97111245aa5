"""Journal pages: the patient's editor, list, search and entries; the care team's shared view.

Services raise `katapp.errors.Refusal`; a page puts its messages on the form (`show_on_form`).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from katapp.domain.vocabulary import label
from katapp.errors import Conflict, Refusal, show_on_form
from katapp.journal import bp, services
from katapp.journal.forms import DeleteForm, EditForm, EntryForm, ShareForm
from katapp.journal.prompts import MOMENT_LABELS
from katapp.pagination import paginate
from katapp.security import role_required
from katapp.templating import local_time

CONFLICT = ("This draft was already saved with different text (perhaps from the offline queue). "
            "Check your journal, or reload this page to start a new entry.")


def _session_label(session) -> str:
    kind = label("kind", session.kind)
    return f"{kind[:1].upper()}{kind[1:]} · {local_time(session.starts_at, '%a %d %b %Y, %H:%M')}"


def _session_choices(form, sessions) -> None:
    form.session_id.choices = [("", "No session")] + [(s.id, _session_label(s)) for s in sessions]


def _save_new(form):
    """Create the entry from the posted editor; None (messages on the form) when refused."""
    try:
        entry, _created = services.create_entry(
            current_user, body=form.body.data, client_id=form.client_id.data, shared=bool(form.shared.data),
            session_id=form.session_id.data, prompt=form.prompt.data, recorded_at=form.recorded_at.data)
    except Conflict:
        form.body.errors.append(CONFLICT)  # a page reader needs more than the API's "already used"
    except Refusal as refusal:
        show_on_form(form, refusal)
    else:
        return entry
    return None


@bp.route("/journal")
@role_required("patient")
def index():
    q = request.args.get("q", "")
    by_session = request.args.get("view") == "session"
    page = paginate(services.own_entries(current_user, q, by_session=by_session), per_page=100)
    return render_template("journal/index.html", page=page, q=q, by_session=by_session,
                           searching=bool(services.search_words(q)), session_label=_session_label,
                           reads=services.read_receipts(page.items))


@bp.route("/journal/new", methods=["GET", "POST"])
@role_required("patient")
def new():
    library = services.prompt_library_rows()
    sessions = services.recent_sessions(current_user, include_id=request.args.get("session_id", type=int))
    defaults = services.new_entry_defaults(request.args, library, sessions) if request.method == "GET" else None
    form = EntryForm(data=defaults)
    _session_choices(form, sessions)
    entry = _save_new(form) if form.validate_on_submit() else None
    if entry is not None:
        flash("Saved. Only you can see it." if not entry.shared else "Saved and shared with your care team.", "success")
        return redirect(url_for("journal.entry", entry_id=entry.id))
    return render_template("journal/new.html", form=form, library=library, labels=MOMENT_LABELS,
                           care_team_words=services.care_team_words(current_user)), (
        400 if form.errors else 200)


@bp.route("/journal/<int:entry_id>")
@role_required("patient")
def entry(entry_id: int):
    item = services.own_entry(current_user, entry_id)
    return render_template("journal/entry.html", entry=item, share_form=ShareForm(), delete_form=DeleteForm(),
                           session_label=_session_label, care_team_words=services.care_team_words(current_user),
                           reads=services.read_receipts([item])[item.id])


@bp.route("/journal/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required("patient")
def edit(entry_id: int):
    item = services.own_entry(current_user, entry_id)
    form = EditForm(obj=item)
    _session_choices(form, services.recent_sessions(current_user, include_id=item.session_id))
    if form.validate_on_submit():
        try:
            services.update_entry(current_user, item.id, body=form.body.data, prompt=form.prompt.data,
                                  session_id=form.session_id.data, shared=bool(form.shared.data))
        except Refusal as refusal:
            show_on_form(form, refusal)
        else:
            flash("Changes saved.", "success")
            return redirect(url_for("journal.entry", entry_id=item.id))
    return render_template("journal/edit.html", form=form, entry=item,
                           care_team_words=services.care_team_words(current_user)), (400 if form.errors else 200)


@bp.route("/journal/<int:entry_id>/share", methods=["POST"])
@role_required("patient")
def share(entry_id: int):
    form = ShareForm()
    if not form.validate_on_submit():
        abort(400)
    item = services.set_shared(current_user, entry_id, form.shared.data == "1")
    flash("Shared with your care team." if item.shared else "This entry is private again: only you can see it.",
          "success")
    return redirect(url_for("journal.entry", entry_id=item.id))


@bp.route("/journal/<int:entry_id>/delete", methods=["POST"])
@role_required("patient")
def delete(entry_id: int):
    if not DeleteForm().validate_on_submit():
        abort(400)
    services.delete_entry(current_user, entry_id)
    flash("The entry was deleted.", "success")
    return redirect(url_for("journal.index"))


@bp.route("/patients/<int:patient_id>/journal")
@role_required("clinician")
def shared_for_patient(patient_id: int):
    """A patient's shared entries, for their care team only (admins are not the care team)."""
    patient, entries = services.shared_entries(current_user, patient_id)
    page = paginate(entries, per_page=100)
    services.record_reads(current_user, page.items)  # each entry is shown in full: read (the patient is told)
    return render_template("journal/shared.html", patient=patient, page=page, session_label=_session_label)
