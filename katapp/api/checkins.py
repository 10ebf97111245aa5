"""POST/GET /api/v1/checkins and POST /api/v1/assessments (CONTRACT.md). Patients only; others 404."""
from flask import jsonify, request
from flask_login import current_user

from katapp.api import bp
from katapp.api.helpers import ApiError, json_body, list_answer
from katapp.checkins import services
from katapp.pagination import paginate
from katapp.security import role_required


@bp.post("/checkins")
@role_required("patient")
def create_checkin():
    saved = services.record_checkin(current_user, json_body(services.CHECKIN_FIELDS))
    return jsonify(services.checkin_json(saved.obj, current_user.timezone)), 201 if saved.created else 200


@bp.get("/checkins")
@role_required("patient")
def list_checkins():
    start = services.parse_day(request.args.get("from"), "from")
    end = services.parse_day(request.args.get("to"), "to")
    if start and end and start > end:
        raise ApiError(400, "invalid date range", {"from": "must not be after 'to'"})
    page = paginate(services.checkins_query(current_user, start, end), per_page=100)
    crisis = services.crisis_help(["self_harm"])
    items = [services.checkin_json(c, current_user.timezone, crisis) for c in page.items]
    return list_answer(items, page.next_url())


@bp.post("/assessments")
@role_required("patient")
def create_assessment():
    saved = services.record_assessment(current_user, json_body(services.ASSESSMENT_FIELDS))
    return jsonify(services.assessment_json(saved.obj, current_user.timezone)), 201 if saved.created else 200
