"""Sessions API (CONTRACT.md): POST/GET /api/v1/sessions, PATCH /api/v1/sessions/<id>.

Parsing and rules live in `schedule.booking` / `schedule.agenda`, the JSON shape in
`schedule.schemas`; a refusal they raise is answered by the app's handler as the JSON error shape.
PATCH that completes a ketamine session with a pre-dose BP above the clinic's limit answers 422
(fields bp_before, bp_confirmed) unless the body carries `"bp_confirmed": true`; the session then
stores bp_warning_confirmed = true.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from katapp.api import bp
from katapp.api.helpers import json_body, list_answer
from katapp.pagination import paginate
from katapp.schedule import agenda, booking
from katapp.schedule.schemas import session_json
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
    return jsonify(session_json(s, current_user))
