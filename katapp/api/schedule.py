"""Sessions API (CONTRACT.md): POST/GET /api/v1/sessions, PATCH /api/v1/sessions/<id>.

PATCH that completes a ketamine session with a pre-dose BP above the clinic's limit answers 422
(fields bp_before, bp_confirmed) unless the body carries `"bp_confirmed": true`; the session then
stores bp_warning_confirmed = true.
"""
from __future__ import annotations

import datetime as dt

from flask import jsonify, request
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from katapp import sync
from katapp.api import bp
from katapp.api.helpers import ApiError, json_body, list_answer
from katapp.domain import scheduling
from katapp.models import SESSION_KINDS, TherapySession
from katapp.pagination import paginate
from katapp.schedule import services
from katapp.security import role_required

POST_FIELDS = frozenset({"patient_id", "kind", "starts_at", "duration_minutes", "notes"})
PATCH_FIELDS = frozenset({"status", "dose_mg", "route", "bp_before", "bp_after", "bp_confirmed",
                          "starts_at", "duration_minutes"})


def session_json(s: TherapySession, viewer) -> dict:
    """A session as the API answers it; times in UTC with offset, `local_date` in the patient's zone."""
    data = {
        "id": s.id, "patient_id": s.patient_id, "clinician_id": s.clinician_id, "kind": s.kind, "status": s.status,
        "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
        "duration_minutes": s.duration_minutes, "series_id": s.series_id,
        "local_date": scheduling.local_date(s.starts_at, s.patient.timezone or "UTC").isoformat(),
        "completed_at": s.completed_at.isoformat() if s.completed_at else None,
    }
    if s.kind == "ketamine":
        data.update(dose_mg=s.dose_mg, route=s.route,
                    bp_before=services.bp_text(s.bp_before_systolic, s.bp_before_diastolic),
                    bp_after=services.bp_text(s.bp_after_systolic, s.bp_after_diastolic),
                    bp_warning_confirmed=bool(s.bp_warning_confirmed))
    if not viewer.is_patient:
        data["notes"] = s.notes
    return data


def _aware(value, name: str, errors: dict) -> dt.datetime | None:
    try:
        return sync.aware_utc(value)
    except ValueError as exc:
        errors[name] = f"{exc}"
        return None


def _minutes(value, errors: dict) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 600:
        errors["duration_minutes"] = "a whole number of minutes from 5 to 600"
        return None
    return value


def _raise(exc: services.ScheduleError):
    raise ApiError(exc.status, exc.message, exc.fields)


@bp.post("/sessions")
@login_required
@role_required("clinician")
def create_session():
    body = json_body(POST_FIELDS)
    errors: dict[str, str] = {}
    patient_id = body.get("patient_id")
    if isinstance(patient_id, bool) or not isinstance(patient_id, int):
        errors["patient_id"] = "required: the patient's id"
    if body.get("kind") not in SESSION_KINDS:
        errors["kind"] = "one of " + ", ".join(SESSION_KINDS)
    starts_at = _aware(body.get("starts_at"), "starts_at", errors)
    minutes = _minutes(body.get("duration_minutes"), errors)
    notes = body.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 2000):
        errors["notes"] = "text of at most 2000 characters"
    if errors:
        raise ApiError(400, "invalid fields", errors)
    patient = services.caseload_patient(current_user, patient_id)
    if patient is None:
        raise ApiError(404, "no such patient")
    try:
        made = services.book(current_user, patient, kind=body["kind"], starts_at=starts_at,
                             duration_minutes=minutes, notes=notes)
    except services.ScheduleError as exc:
        _raise(exc)
    response = jsonify(session_json(made, current_user))
    response.status_code = 201
    return response


def _date(value: str | None, name: str, errors: dict) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[name] = "a date as YYYY-MM-DD"
        return None


@bp.get("/sessions")
@login_required
@role_required("patient", "clinician")
def list_sessions():
    errors: dict[str, str] = {}
    start = _date(request.args.get("from"), "from", errors)
    end = _date(request.args.get("to"), "to", errors)
    if errors:
        raise ApiError(400, "invalid query", errors)
    tz = current_user.timezone or "UTC"
    lo = scheduling.day_bounds_utc(start, tz)[0] if start else None
    hi = scheduling.day_bounds_utc(end, tz)[1] if end else None  # `to` is inclusive
    page = paginate(services.sessions_between(current_user, lo, hi).options(joinedload(TherapySession.patient)), per_page=100)
    return list_answer([session_json(s, current_user) for s in page.items], page.next_url())


@bp.patch("/sessions/<int:session_id>")
@login_required
@role_required("clinician")
def update_session(session_id: int):
    s = services.own_session(current_user, session_id)
    if s is None:
        raise ApiError(404, "no such session")
    body = json_body(PATCH_FIELDS)
    errors: dict[str, str] = {}
    status = body.get("status")
    if status is not None and status not in ("completed", "cancelled", "no_show"):
        errors["status"] = "one of completed, cancelled, no_show"
    moving = "starts_at" in body or "duration_minutes" in body
    starts_at = _aware(body["starts_at"], "starts_at", errors) if "starts_at" in body else s.starts_at
    minutes = _minutes(body["duration_minutes"], errors) if "duration_minutes" in body else s.duration_minutes
    confirmed = body.get("bp_confirmed", False)
    if not isinstance(confirmed, bool):
        errors["bp_confirmed"] = "true or false"
    if moving and status is not None:
        errors["status"] = "move a session and change its status in separate requests"
    for name in ("dose_mg", "route", "bp_before", "bp_after"):
        if name in body and status != "completed":
            errors[name] = "recorded only with status completed"
    if not moving and status is None:
        errors["status"] = "give a status, or starts_at/duration_minutes to move the session"
    if errors:
        raise ApiError(400, "invalid fields", errors)
    try:
        if moving:
            services.move(current_user, s, starts_at, minutes)
        else:
            services.set_status(current_user, s, status, services.Completion(
                dose_mg=body.get("dose_mg"), route=body.get("route"), bp_before=body.get("bp_before"),
                bp_after=body.get("bp_after"), bp_confirmed=confirmed))
    except services.ScheduleError as exc:
        _raise(exc)
    return jsonify(session_json(s, current_user))
