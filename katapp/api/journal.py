"""Journal API (CONTRACT.md): write an entry (idempotent by client_id), read one, list, edit, delete.

Only the author writes, lists, edits or deletes; the care team reads an entry only while it is
shared (each read audited). Everyone else, admins included, gets 404 exactly like a missing entry.
"""
from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_login import current_user, login_required

from katapp.api import bp
from katapp.api.helpers import ApiError, json_body, list_answer
from katapp.journal import services
from katapp.models import JournalEntry
from katapp.pagination import paginate
from katapp.security import audit_view, role_required

WRITE_FIELDS = frozenset({"client_id", "body", "shared", "session_id", "prompt", "recorded_at"})
EDIT_FIELDS = frozenset({"body", "shared", "session_id", "prompt"})


def entry_json(entry: JournalEntry) -> dict:
    session = entry.session
    return {
        "id": entry.id,
        "client_id": entry.client_id,
        "body": entry.body,
        "prompt": entry.prompt,
        "shared": entry.shared,
        "session_id": entry.session_id,
        "session": None if session is None else {
            "id": session.id, "kind": session.kind, "status": session.status,
            "starts_at": session.starts_at.isoformat(),
        },
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat() if entry.updated_at else None,
        "url": url_for("journal.entry", entry_id=entry.id) if entry.author_id == current_user.id else None,
    }


def _invalid(exc: services.EntryError) -> ApiError:
    return ApiError(400, "invalid journal entry", exc.fields)


@bp.post("/journal")
@login_required
@role_required("patient")
def journal_create():
    data = json_body(WRITE_FIELDS)
    try:
        entry, created = services.create_entry(current_user, **{k: data.get(k) for k in WRITE_FIELDS - {"shared"}},
                                               shared=data.get("shared", False))
    except services.EntryError as exc:
        raise _invalid(exc) from None
    except services.EntryConflict:
        raise ApiError(409, "client_id already used for a different entry", {"client_id": "already used"}) from None
    return jsonify(entry_json(entry)), (201 if created else 200)


@bp.get("/journal")
@login_required
@role_required("patient")
def journal_list():
    """The author's own entries, newest first; ?q= searches; ?client_id= finds a queued entry."""
    client_id = request.args.get("client_id")
    if client_id is not None:
        entry = services.entry_by_client_id(current_user, client_id)
        return list_answer([entry_json(entry)] if entry else [], None)
    page = paginate(services.own_entries(current_user, request.args.get("q")), per_page=100)
    return list_answer([entry_json(e) for e in page.items], page.next_url())


@bp.get("/journal/<int:entry_id>")
@login_required
def journal_get(entry_id: int):
    try:
        entry = services.readable_entry(current_user, entry_id)
    except services.EntryNotFound:
        abort(404)
    answer = entry_json(entry)
    audit_view(entry.author_id, "journal_entry", obj=entry)
    return jsonify(answer)


@bp.patch("/journal/<int:entry_id>")
@login_required
@role_required("patient")
def journal_edit(entry_id: int):
    data = json_body(EDIT_FIELDS)
    try:
        entry = services.own_entry(current_user, entry_id)
        entry = services.update_entry(
            current_user, entry.id, body=data.get("body", entry.body),
            prompt=data.get("prompt", entry.prompt), session_id=data.get("session_id", entry.session_id),
            shared=data.get("shared"),
        )
    except services.EntryNotFound:
        abort(404)
    except services.EntryError as exc:
        raise _invalid(exc) from None
    return jsonify(entry_json(entry))


@bp.delete("/journal/<int:entry_id>")
@login_required
@role_required("patient")
def journal_delete(entry_id: int):
    try:
        services.delete_entry(current_user, entry_id)
    except services.EntryNotFound:
        abort(404)
    return "", 204
