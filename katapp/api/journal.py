"""Journal API (CONTRACT.md): write an entry (idempotent by client_id), read one, list, edit, delete.

Only the author writes, lists, edits or deletes; the care team reads an entry only while it is
shared (each read audited). Everyone else, admins included, gets 404 exactly like a missing entry.
Refusals (400/404/409) are raised by the services and answered by katapp/errors.py.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from katapp.api import bp
from katapp.api.helpers import json_body, list_answer
from katapp.journal import services
from katapp.journal.schemas import entry_json
from katapp.pagination import paginate
from katapp.security import role_required


@bp.post("/journal")
@login_required
@role_required("patient")
def journal_create():
    entry, created = services.create_entry(current_user, **json_body(services.WRITE_FIELDS))
    return jsonify(entry_json(entry, current_user)), (201 if created else 200)


@bp.get("/journal")
@login_required
@role_required("patient")
def journal_list():
    """The author's own entries, newest first; ?q= searches; ?client_id= finds a queued entry."""
    client_id = request.args.get("client_id")
    if client_id is not None:
        entry = services.entry_by_client_id(current_user, client_id)
        return list_answer([entry_json(entry, current_user)] if entry else [], None)
    page = paginate(services.own_entries(current_user, request.args.get("q")), per_page=100)
    return list_answer([entry_json(e, current_user) for e in page.items], page.next_url())


@bp.get("/journal/<int:entry_id>")
@login_required
def journal_get(entry_id: int):
    return jsonify(entry_json(services.readable_entry(current_user, entry_id), current_user))


@bp.patch("/journal/<int:entry_id>")
@login_required
@role_required("patient")
def journal_edit(entry_id: int):
    entry = services.patch_entry(current_user, entry_id, json_body(services.EDIT_FIELDS))
    return jsonify(entry_json(entry, current_user))


@bp.delete("/journal/<int:entry_id>")
@login_required
@role_required("patient")
def journal_delete(entry_id: int):
    services.delete_entry(current_user, entry_id)
    return "", 204

