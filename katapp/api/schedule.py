"""Sessions API (CONTRACT.md): POST/GET /api/v1/sessions, PATCH /api/v1/sessions/<id>.

Parsing and rules live in `schedule.booking` / `schedule.agenda`, the JSON shape in
`schedule.schemas`; a refusal they raise is answered by the app's handler as the JSON error shape.
A ketamine session follows its dosing day (`schedule.dosing_day`): PATCH `status` checked_in,
then dosed (with `dose_mg`, `route`, and the pre-dose record `weight_kg`, `bp_before`, `checklist`,
`pregnancy_possible`, `override_reason`; `dose_reason` outside the mg/kg range), vitals and
adverse events by POST, then completed (the discharge: `discharge_checklist`, optional `bp_after`).
Any failing pre-dose or discharge check answers 422 with the failing checks in `fields`.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from katapp.api import bp
from katapp.api.helpers import json_body, list_answer
from katapp.pagination import paginate
from katapp.schedule import agenda, booking, dosing_day
from katapp.schedule.schemas import session_detail_json, session_json, vital_json
from katapp.security import audit_reads, role_required


@bp.post("/sessions")
@login_required
@role_required("clinician")
def create_session():
    made = booking.book_request(current_user, json_body(booking.POST_FIELDS))
    return jsonify(session_json(made, current_user)), 201


@bp.get("/sessions")
@login_required
@role_required("patient", "clinician")
def list_sessions():
    page = paginate(agenda.listed(current_user, request.args), per_page=100)
    audit_reads([s.patient_id for s in page.items], "sessions")
    return list_answer([session_json(s, current_user) for s in page.items], page.next_url())


@bp.patch("/sessions/<int:session_id>")
@login_required
@role_required("clinician")
def update_session(session_id: int):
    s = booking.own_session(current_user, session_id)
    booking.update_request(current_user, s, json_body(booking.PATCH_FIELDS))
    return jsonify(session_detail_json(s, current_user))


@bp.get("/sessions/<int:session_id>")
@login_required
@role_required("patient", "clinician")
def get_session(session_id: int):
    s = dosing_day.visible_session(current_user, session_id)
    return jsonify(session_detail_json(s, current_user))


@bp.post("/sessions/<int:session_id>/vitals")
@login_required
@role_required("clinician")
def add_vitals(session_id: int):
    s = booking.own_session(current_user, session_id)
    row = dosing_day.add_vitals(s, dosing_day.vitals_request(json_body(dosing_day.VITALS_FIELDS)), current_user)
    return jsonify(vital_json(row)), 201


@bp.post("/sessions/<int:session_id>/adverse-events")
@login_required
@role_required("clinician")
def add_adverse_event(session_id: int):
    s = booking.own_session(current_user, session_id)
    body = json_body(frozenset({"severity", "description"}))
    row = dosing_day.add_adverse_event(s, body.get("severity"), body.get("description"), current_user)
    return jsonify({"id": row.id, "at": row.at.isoformat(), "severity": row.severity,
                    "description": row.description}), 201
