"""The journal's JSON shapes (CONTRACT.md), in one place: the API answers with these."""
from __future__ import annotations

from flask import url_for

from katapp.models import JournalEntry, User


def entry_json(entry: JournalEntry, reader: User) -> dict:
    """One entry as the API shows it to `reader`; `url` (its page) only for its author."""
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
        "url": url_for("journal.entry", entry_id=entry.id) if entry.author_id == reader.id else None,
    }
