"""Security in one place: who may see what, role checks, audit logging, headers, sessions.

Every read of a patient's records goes through `visible_patients()` / `get_patient_or_404()`,
so scoping is decided here and nowhere else. Foreign and missing objects are both 404.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased, make_transient_to_detached

from katapp.extensions import db, login_manager
from katapp.models import AuditEvent, User, care_team, utcnow

# --- Content-Security-Policy: no inline script anywhere; no third-party origin at all. -----------
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_security(app: Flask) -> None:
    """Wire the user loader, idle timeout, unauthorized answer and response headers."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(enforce_idle_timeout)
    app.after_request(set_security_headers)
    app.after_request(commit_audit_of_reads)


def load_user(user_id: str) -> User | None:
    """Load from "<id>:<session_version>"; an old version (signed out, password changed) fails."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except (ValueError, AttributeError):
        return None
    user = db.session.identity_map.get(db.session.identity_key(User, uid)) or _read_user(uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


# The signed-in user's row, read on every request: one Core SELECT built once, its row made the session's
# persistent User without the ORM's query machinery (a third of a write's time went to `session.get`,
# issue #16 item 1). Still read from the database each request, so the session version check holds.
_USER_ROW = select(*User.__table__.c).where(User.__table__.c.id == bindparam("uid"))


def _read_user(uid: int) -> User | None:
    """The persistent User `uid` (loaded columns, lazy relationships, nothing pending), or None."""
    row = db.session.connection().execute(_USER_ROW, {"uid": uid}).first()
    if row is None:
        return None
    user = User(**row._asdict())
    make_transient_to_detached(user)
    db.session.add(user)
    return user


def wants_json() -> bool:
    return request.path.startswith("/api/")


def unauthorized():
    """401 JSON for the API; a redirect to /login (with a local `next`) for pages."""
    if wants_json():
        return json_error(401, "not signed in")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def enforce_idle_timeout() -> None:
    """Sign clinicians and admins out after STAFF_IDLE_TIMEOUT without a request."""
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    now = int(utcnow().timestamp())
    last = session.get("seen")
    limit = int(current_app.config["STAFF_IDLE_TIMEOUT"].total_seconds())
    if isinstance(last, int) and now - last > limit:
        logout_user()
        session.clear()
        session["idle_out"] = True
        return None
    # Write at most once a minute, so the cookie is not re-sent on every request.
    if not isinstance(last, int) or now - last >= 60:
        session["seen"] = now
    return None


def set_security_headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    # "same-origin" keeps the Referer on same-origin posts (Flask-WTF's HTTPS referrer check)
    # and sends nothing to other sites.
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        h.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if request.endpoint == "static":
        # asset_url() adds a content hash (?v=...): such a URL never changes, cache it for a year.
        h["Cache-Control"] = (
            "public, max-age=31536000, immutable" if request.args.get("v") else "no-cache"
        )
    elif not getattr(g, "cacheable", False):
        # Pages and API answers may carry health data: never stored by browsers or proxies.
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    return response


def cacheable() -> None:
    """Mark this response as holding no personal data (manifest, service worker, offline page)."""
    g.cacheable = True


# --- JSON errors: one helper for the whole API (CONTRACT.md's shape). -----------------------------
def json_error(status: int, error: str, fields: dict[str, str] | None = None):
    """A JSON error response: {"error": ..., "fields": {...}} with `status`."""
    response = jsonify({"error": error, "fields": fields or {}})
    response.status_code = status
    return response


# --- Roles ------------------------------------------------------------------------------------------
def role_required(*roles: str) -> Callable:
    """Allow only signed-in users with one of `roles`; others get 404 (never reveal the page)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- Scoped access ----------------------------------------------------------------------------------
# The patient row a caseload joins: an alias, not the outer query's User (no correlation). Made once:
# aliasing the model proxies every column, which cost each page a millisecond or more per call.
_JOINED = aliased(User)


def visible_patient_ids(user: User) -> Select:
    """A SELECT of the patient ids `user` may see: self (patient), caseload (clinician), all (admin).

    A clinician's caseload holds the patients who have joined (set their password): an invitation
    not yet accepted stays off it, so "Add patient" cannot tell a new address from one that already
    has an account (issue #14: both look like an invitation that has not been accepted yet).
    """
    if user.role == "admin":
        return select(User.id).where(User.role == "patient")
    if user.role == "clinician":
        return (select(care_team.c.patient_id).join(_JOINED, _JOINED.id == care_team.c.patient_id)
                .where(care_team.c.clinician_id == user.id, _JOINED.password_hash.is_not(None)))
    return select(User.id).where(User.id == user.id)


def visible_patients(user: User) -> Select:
    """A SELECT of the patient Users `user` may see (see visible_patient_ids). An admin's is every
    patient, said without the self-referencing `IN`: PostgreSQL without table statistics (a freshly
    loaded database) plans that one as a nested loop of two scans of users, quadratic in patients."""
    if user.role == "admin":
        return select(User).where(User.role == "patient")
    return select(User).where(User.role == "patient", User.id.in_(visible_patient_ids(user)))


def get_patient_or_404(user: User, patient_id: int) -> User:
    """The patient `patient_id` if `user` may see them; 404 otherwise (missing and foreign alike)."""
    patient = db.session.scalar(visible_patients(user).where(User.id == patient_id))
    if patient is None:
        abort(404)
    return patient


def is_care_team(clinician: User, patient_id: int) -> bool:
    """True when `clinician` has `patient_id` on their caseload (`visible_patient_ids`)."""
    if clinician.role != "clinician":
        return False
    row = db.session.execute(visible_patient_ids(clinician).where(care_team.c.patient_id == patient_id)).first()
    return row is not None


# --- Audit log --------------------------------------------------------------------------------------
def client_ip() -> str | None:
    try:
        return (request.remote_addr or "")[:45] or None
    except RuntimeError:  # outside a request (CLI)
        return None


def audit(
    action: str,
    *,
    actor: User | None = None,
    patient_id: int | None = None,
    obj: object | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller's service commits it with its own work).

    `actor` defaults to the signed-in user. `obj` is any model with an `id`; its table name is kept.
    """
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        patient_id=patient_id,
        object_type=getattr(obj, "__tablename__", None),
        object_id=getattr(obj, "id", None),
        detail=(detail or None) and detail[:255],
        ip=client_ip(),
        at=utcnow(),
    )
    db.session.add(event)
    return event


def audit_view(patient_id: int, what: str, obj: object | None = None, *, export: bool = False) -> None:
    """Record that the current user viewed (or exported) a patient's records; never commits.

    The row joins the request's transaction and `commit_audit_of_reads` stores it once the read
    handler has answered (a read handler never commits). Nothing is recorded when patients look at
    their own records.
    """
    if current_user.is_authenticated and current_user.id == patient_id:
        return
    event = audit(("export:" if export else "view:") + what, patient_id=patient_id, obj=obj)
    g.setdefault("audited_reads", []).append(event)


def audit_reads(patient_ids, what: str, *, actor: User | None = None, export: bool = False) -> None:
    """Record a read (or, with `export`, a download) of several patients' records at once (a list, a
    feed): one event per patient other than the reader; committed after the request like `audit_view`.
    One INSERT statement."""
    reader = actor or (current_user._get_current_object() if current_user.is_authenticated else None)
    if reader is None:
        return
    action = ("export:" if export else "view:") + what
    events = [audit(action, actor=reader, patient_id=pid) for pid in sorted(set(patient_ids)) if pid != reader.id]
    g.setdefault("audited_reads", []).extend(events)


def commit_audit_of_reads(response):
    """After a request that recorded views (`audit_view`): commit the audit rows, once.

    A refusal or error rolled the session back already, so nothing is stored for a failed read.
    """
    if any(event in db.session for event in g.pop("audited_reads", ())):
        db.session.commit()
    return response


# --- Redirect safety ---------------------------------------------------------------------------------
def safe_next(target: str | None) -> str | None:
    """`target` if it is a local path on this site, else None (`//evil`, `/\\evil`, `javascript:`)."""
    if not target or not isinstance(target, str):
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

