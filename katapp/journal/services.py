"""Journal entries: the only place that reads or writes them, always scoped to who is asking.

Privacy rule: an entry is visible to its author; to the author's care-team clinicians only while
`shared`; to nobody else (admins included: they are not the care team). Everything else is
"not found", exactly like a missing entry.

Text is stored exactly as sent (no stripping, no Unicode normalisation). The one exception is the
HTML form: browsers submit a textarea's line breaks as CRLF whatever the user typed, so the page
turns "\\r\\n" back into "\\n" before calling `create_entry` (what JavaScript's textarea.value and the
offline queue send). The JSON API stores "\\r\\n" if that is what it was sent.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from katapp import sync
from katapp.errors import Conflict, Invalid, NotFound
from katapp.extensions import db
from katapp.journal import prompts as prompt_library
from katapp.models import JournalEntry, JournalPrompt, JournalRead, TherapySession, User, utcnow
from katapp.security import audit, audit_view, is_care_team

MAX_BODY = 20_000
MAX_PROMPT = 500
INVALID = "invalid journal entry"
WRITE_FIELDS = frozenset({"client_id", "body", "shared", "session_id", "prompt", "recorded_at"})
EDIT_FIELDS = frozenset({"body", "shared", "session_id", "prompt"})




def _invalid(field: str, message: str) -> Invalid:
    return Invalid(INVALID, {field: message})


def _conflict() -> Conflict:
    return Conflict("client_id already used for a different entry", {"client_id": "already used"})


# --- Validation ---------------------------------------------------------------------------------------
def _text_problem(value: str, *, limit: int, what: str) -> str | None:
    if "\x00" in value:
        return f"Your {what} contains a NUL character (\\0), which cannot be saved. Remove it and try again."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"Your {what} contains characters that are not valid Unicode."
    if len(value) > limit:  # characters (code points), as the database's length() counts
        return f"Your {what} is {len(value):,} characters long; the limit is {limit:,}."
    return None


def check_body(body: object) -> str:
    """The body unchanged, or Invalid: required, not blank, ≤ 20,000 characters, no NUL."""
    if not isinstance(body, str):
        raise _invalid("body", "Write something before saving.")
    problem = _text_problem(body, limit=MAX_BODY, what="entry")
    if problem:
        raise _invalid("body", problem)
    if not body.strip():
        raise _invalid("body", "Write something before saving.")
    return body


def check_prompt(prompt: object) -> str | None:
    """The prompt (None when empty), or Invalid for non-text, > 500 characters or NUL."""
    if prompt is None or prompt == "":
        return None
    if not isinstance(prompt, str):
        raise _invalid("prompt", "The prompt must be text.")
    problem = _text_problem(prompt, limit=MAX_PROMPT, what="prompt")
    if problem:
        raise _invalid("prompt", problem)
    return prompt


def check_client_id(client_id: object) -> str:
    """A canonical UUID string (a fresh one when none was sent), or Invalid."""
    try:
        return sync.client_id(client_id)
    except ValueError:
        raise _invalid("client_id", "client_id must be a UUID.") from None


def check_recorded_at(value: object, now: dt.datetime) -> dt.datetime:
    """When the entry was written: `now` when empty, else an ISO 8601 time with an offset.

    A time in the future (a phone with a wrong clock) becomes `now` rather than an error, so an
    entry waiting in the offline queue is never refused for good because of the device's clock.
    """
    if value is None or value == "":
        return now
    try:
        return min(sync.aware_utc(value), now)
    except ValueError as exc:
        raise _invalid("recorded_at", f"recorded_at {exc}.") from None


def own_session(author: User, session_id: object) -> TherapySession | None:
    """The author's own session `session_id` (None when none given), or Invalid (foreign or missing alike)."""
    if session_id is None or session_id == "":
        return None
    if isinstance(session_id, bool) or not isinstance(session_id, int):
        raise _invalid("session_id", "Choose one of your own sessions.")
    session = db.session.scalar(
        select(TherapySession).where(TherapySession.id == session_id, TherapySession.patient_id == author.id)
    )
    if session is None:
        raise _invalid("session_id", "Choose one of your own sessions.")
    return session


def _check_shared(shared: object) -> bool:
    if shared is None:
        return False
    if not isinstance(shared, bool):
        raise _invalid("shared", "shared must be true or false.")
    return shared


def _checked(**checks: Callable[[], object]) -> dict[str, object]:
    """Every check's value by name; Invalid naming every bad field at once (nothing stored)."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except Invalid as exc:
            errors.update(exc.fields)
    Invalid.check(errors, INVALID)
    return values


# --- Writing ------------------------------------------------------------------------------------------
def _by_client_id(author: User, client_id: str) -> JournalEntry | None:
    return db.session.scalar(
        select(JournalEntry).where(JournalEntry.author_id == author.id, JournalEntry.client_id == client_id)
    )


def create_entry(author: User, *, body: object = None, client_id: object = None, shared: object = False,
                 session_id: object = None, prompt: object = None, recorded_at: object = None,
                 now: dt.datetime | None = None) -> tuple[JournalEntry, bool]:
    """Store a new entry for `author` (a patient) and commit; returns (entry, created).

    Idempotent by client_id: the same client_id with the same body returns the stored entry
    and `created` False; with a different body raises Conflict. Two concurrent requests with
    one client_id are decided by the unique constraint (author_id, client_id).
    Raises Invalid (nothing stored) for invalid input.
    """
    now = now or utcnow()
    values = _checked(body=lambda: check_body(body), prompt=lambda: check_prompt(prompt),
                      client_id=lambda: check_client_id(client_id), shared=lambda: _check_shared(shared),
                      recorded_at=lambda: check_recorded_at(recorded_at, now),
                      session=lambda: own_session(author, session_id))
    session = values["session"]
    wanted = dict(body=values["body"], prompt=values["prompt"], session_id=session.id if session else None,
                  shared=values["shared"])

    def build() -> JournalEntry:
        entry = JournalEntry(author_id=author.id, client_id=values["client_id"], created_at=values["recorded_at"],
                             **wanted)
        db.session.add(entry)
        db.session.flush()
        audit("journal_created", patient_id=author.id, obj=entry, detail="shared" if entry.shared else "private")
        return entry

    # A resend of the same text is the same entry, even if it was shared or re-linked since.
    return sync.insert_once(lambda: _by_client_id(author, values["client_id"]), build,
                            lambda stored: stored.body == wanted["body"], _conflict)


def update_entry(author: User, entry_id: int, *, body: object, prompt: object = None,
                 session_id: object = None, shared: object = None) -> JournalEntry:
    """Change the author's own entry and commit. `shared` None leaves sharing as it is.

    Raises NotFound (not the author's) or Invalid (invalid; nothing changed).
    """
    entry = own_entry(author, entry_id)
    values = _checked(body=lambda: check_body(body), prompt=lambda: check_prompt(prompt),
                      session=lambda: own_session(author, session_id),
                      shared=lambda: entry.shared if shared is None else _check_shared(shared))
    _record_sharing(entry, values["shared"])
    entry.body, entry.prompt = values["body"], values["prompt"]
    entry.session_id = values["session"].id if values["session"] else None
    audit("journal_updated", patient_id=author.id, obj=entry)
    db.session.commit()
    return entry


def patch_entry(author: User, entry_id: int, changes: dict) -> JournalEntry:
    """Change only the fields in `changes` (the API's PATCH) of the author's own entry; see update_entry."""
    entry = own_entry(author, entry_id)
    return update_entry(author, entry.id, body=changes.get("body", entry.body),
                        prompt=changes.get("prompt", entry.prompt),
                        session_id=changes.get("session_id", entry.session_id), shared=changes.get("shared"))


def _record_sharing(entry: JournalEntry, shared: bool) -> None:
    if entry.shared != shared:
        entry.shared = shared
        audit("journal_shared" if shared else "journal_unshared", patient_id=entry.author_id, obj=entry)


def set_shared(author: User, entry_id: int, shared: bool) -> JournalEntry:
    """Share or unshare the author's own entry and commit; NotFound when not theirs."""
    entry = own_entry(author, entry_id)
    _record_sharing(entry, bool(shared))
    db.session.commit()
    return entry


def delete_entry(author: User, entry_id: int) -> None:
    """Delete the author's own entry for real (the row is gone); the audit log keeps only its id."""
    entry = own_entry(author, entry_id)
    audit("journal_deleted", patient_id=author.id, obj=entry)
    db.session.delete(entry)
    db.session.commit()


# --- Reading ------------------------------------------------------------------------------------------
def own_entry(author: User, entry_id: int) -> JournalEntry:
    """The author's own entry, or NotFound (missing and foreign alike)."""
    entry = db.session.scalar(
        select(JournalEntry).options(joinedload(JournalEntry.session))
        .where(JournalEntry.id == entry_id, JournalEntry.author_id == author.id)
    )
    if entry is None:
        raise NotFound()
    return entry


def readable_entry(user: User, entry_id: int) -> JournalEntry:
    """An entry `user` may read: their own, or a shared one of a patient on their caseload (the
    care team's read is audited, committed with the request); NotFound otherwise."""
    if user.is_patient:
        return own_entry(user, entry_id)
    if not user.is_clinician:
        raise NotFound()
    entry = db.session.scalar(
        select(JournalEntry).options(joinedload(JournalEntry.session))
        .where(JournalEntry.id == entry_id, JournalEntry.shared.is_(True))
    )
    if entry is None or not is_care_team(user, entry.author_id):
        raise NotFound()
    audit_view(entry.author_id, "journal_entry", obj=entry)
    record_reads(user, [entry])
    return entry


def record_reads(reader: User, entries) -> None:
    """Store the first read of each entry by `reader`, a care-team clinician shown the whole entry;
    a later read changes nothing. Callers have checked the reader's right to read. One INSERT that
    skips the entries already read (safe against two requests at once), committed with the request's
    audit rows (`commit_audit_of_reads`)."""
    ids = sorted({entry.id for entry in entries})
    if not ids:
        return
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    db.session.execute(dialect.insert(JournalRead).values(
        [{"entry_id": i, "reader_id": reader.id, "first_read_at": now} for i in ids]).on_conflict_do_nothing())


def read_receipts(entries) -> dict[int, list[JournalRead]]:
    """{entry id: its care-team reads, first read first} for the author's own entries (one query).
    Reads stay listed after the entry is made private again: it was read while shared."""
    ids = [entry.id for entry in entries]
    found: dict[int, list[JournalRead]] = {i: [] for i in ids}
    if ids:
        rows = db.session.scalars(select(JournalRead).options(joinedload(JournalRead.reader))
                                  .where(JournalRead.entry_id.in_(ids))
                                  .order_by(JournalRead.first_read_at, JournalRead.reader_id))
        for row in rows:
            found[row.entry_id].append(row)
    return found


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_words(q: str | None) -> list[str]:
    """The words of a search (at most 10, each at most 100 characters)."""
    return [w[:100] for w in (q or "").split()][:10]


def own_entries(author: User, q: str | None = None, *, by_session: bool = False) -> Select:
    """SELECT of the author's entries, newest first (or grouped by session, newest session first).

    Search: case-insensitive, every word must appear in the body or the prompt. LIKE/ILIKE with
    % and _ escaped, so it runs the same on SQLite and PostgreSQL (SQLite folds case for ASCII
    letters only).
    """
    stmt = select(JournalEntry).options(joinedload(JournalEntry.session)).where(JournalEntry.author_id == author.id)
    for word in search_words(q):
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(or_(JournalEntry.body.ilike(pattern, escape="\\"),
                              JournalEntry.prompt.ilike(pattern, escape="\\")))
    if by_session:
        stmt = stmt.outerjoin(TherapySession, JournalEntry.session_id == TherapySession.id).order_by(
            TherapySession.starts_at.is_(None), TherapySession.starts_at.desc(), TherapySession.id.desc())
    return stmt.order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())


def shared_entries(clinician: User, patient_id: int) -> tuple[User, Select]:
    """The patient and a SELECT of their shared entries, newest first, for their care team only
    (admins are not the care team); the view is audited. NotFound for anyone else."""
    if not is_care_team(clinician, patient_id):
        raise NotFound()
    patient = db.session.get(User, patient_id)
    audit_view(patient.id, "journal")
    return patient, (select(JournalEntry).options(joinedload(JournalEntry.session))
            .where(JournalEntry.author_id == patient_id, JournalEntry.shared.is_(True))
            .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc()))


def entry_by_client_id(author: User, client_id: str) -> JournalEntry | None:
    """The author's entry with this client_id, if any (lets the editor know a queued draft arrived)."""
    try:
        client_id = str(uuid.UUID(client_id))
    except ValueError:
        return None
    return _by_client_id(author, client_id)


def recent_sessions(author: User, *, include_id: int | None = None, now: dt.datetime | None = None,
                    limit: int = 20) -> list[TherapySession]:
    """The author's own sessions to link an entry to: recent and the next two days, newest first.

    `include_id` (one of the author's own sessions, e.g. from ?session_id=) is always included.
    """
    now = now or utcnow()
    condition = and_(TherapySession.starts_at <= now + prompt_library.BEFORE_WINDOW,
                     TherapySession.status.in_(("scheduled", "completed")))
    if include_id is not None:
        condition = or_(condition, TherapySession.id == include_id)
    stmt = (select(TherapySession).where(TherapySession.patient_id == author.id, condition)
            .order_by(TherapySession.starts_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def new_entry_defaults(args, library: dict[str, list[str]], sessions: list[TherapySession]) -> dict:
    """The editor's starting values from its URL (?prompt=, ?session_id=): a fresh client_id; the
    prompt only when it is in the library (a crafted link cannot put words on the page); the
    session only when it is one of `sessions` (the author's own)."""
    prompt = args.get("prompt", "")
    wanted = args.get("session_id", type=int)
    return {"client_id": str(uuid.uuid4()), "recorded_at": "",
            "prompt": prompt if prompt in all_prompts(library) else "",
            "session_id": wanted if wanted in {s.id for s in sessions} else None}


# --- Prompts --------------------------------------------------------------------------------------------
def prompt_library_rows() -> dict[str, list[str]]:
    """Built-in prompts plus the clinic's active JournalPrompt rows, by moment."""
    rows = db.session.execute(
        select(JournalPrompt.moment, JournalPrompt.text).where(JournalPrompt.active.is_(True)).order_by(JournalPrompt.id)
    ).all()
    return prompt_library.library([(m, t) for m, t in rows])


def all_prompts(prompts: dict[str, list[str]] | None = None) -> set[str]:
    prompts = prompts or prompt_library_rows()
    return {text for texts in prompts.values() for text in texts}


@dataclass(frozen=True)
class PromptOffer:
    moment: str
    text: str
    session: TherapySession

    @property
    def label(self) -> str:
        return prompt_library.MOMENT_LABELS[self.moment]


def prompt_for(user: User, now: dt.datetime | None = None) -> PromptOffer | None:
    """The integration prompt that fits now for a patient, or None.

    After the last completed ketamine session (by its end): the first day, second day and third
    day prompts, then a general one until 7 days have passed. Otherwise, a "before" prompt when a
    ketamine session is scheduled within the next 2 days. None for non-patients, when nothing fits,
    or when the patient already wrote an entry for that session with that prompt.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_patient:
        return None
    now = now or utcnow()
    last = db.session.scalar(
        select(TherapySession).where(
            TherapySession.patient_id == user.id, TherapySession.kind == "ketamine",
            TherapySession.status == "completed", TherapySession.ends_at <= now,
            TherapySession.ends_at > now - prompt_library.OFFER_AFTER_LIMIT,
        ).order_by(TherapySession.ends_at.desc()).limit(1)
    )
    moment, session = (prompt_library.moment_after(now - last.ends_at), last) if last else (None, None)
    if moment is None or moment == "general":
        upcoming = db.session.scalar(
            select(TherapySession).where(
                TherapySession.patient_id == user.id, TherapySession.kind == "ketamine",
                TherapySession.status == "scheduled", TherapySession.starts_at > now,
                TherapySession.starts_at <= now + prompt_library.BEFORE_WINDOW,
            ).order_by(TherapySession.starts_at).limit(1)
        )
        if upcoming is not None:
            moment, session = "before", upcoming
    if moment is None:
        return None
    text = prompt_library_rows()[moment][0]
    answered = db.session.scalar(
        select(JournalEntry.id).where(JournalEntry.author_id == user.id, JournalEntry.session_id == session.id,
                                      JournalEntry.prompt == text).limit(1)
    )
    if answered is not None:
        return None
    return PromptOffer(moment=moment, text=text, session=session)


def care_team_words(patient: User) -> str:
    """Who "your care team" is, by name, for the sharing hints: the active clinicians assigned to
    the patient (the only people who can read a shared entry; admins cannot)."""
    names = [c.display_name for c in patient.clinicians if c.active and c.role == "clinician"]
    if not names:
        return "your care team (nobody yet: no clinician is assigned to you)"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"your care team ({listed})"
