"""POST/GET /api/v1/checkins and POST /api/v1/assessments (CONTRACT.md). Patients only; others 404.

A refusal from the services (katapp.errors) is answered as CONTRACT.md's JSON error by the app's handler.
"""
from flask import jsonify, request
from flask_login import current_user

from katapp.api import bp
from katapp.api.helpers import json_body, list_answer
from katapp.checkins import schemas, services
from katapp.pagination import paginate
from katapp.security import role_required


@bp.post("/checkins")
@role_required("patient")
def create_checkin():
    saved = services.record_checkin(current_user, json_body(services.CHECKIN_FIELDS))
    return jsonify(schemas.checkin_json(saved.obj, current_user)), 201 if saved.created else 200


@bp.get("/checkins")
@role_required("patient")
def list_checkins():
    start, end = services.parse_range(request.args)
    page = paginate(services.checkins_query(current_user, start, end), per_page=100)
    crisis = services.crisis_help(["self_harm"])
    told = services.care_team_told(checkin_ids=[c.id for c in page.items if c.self_harm_thoughts])
    items = [schemas.checkin_json(c, current_user, crisis, told) for c in page.items]
    return list_answer(items, page.next_url())


@bp.post("/assessments")
@role_required("patient")
def create_assessment():
    saved = services.record_assessment(current_user, json_body(services.ASSESSMENT_FIELDS))
    return jsonify(schemas.assessment_json(saved.obj, current_user)), 201 if saved.created else 200
