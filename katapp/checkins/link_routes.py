"""One tap from a reminder to an answer (issue #17 item 3): `/r/<token>` opens exactly one form (the
check-in or one questionnaire) for the link's patient without a password, and nothing else.

The link signs nobody in: after the answer the patient sees the result (and crisis help when an
answer calls for it) and a sign-in prompt for anything more. A link belongs to one patient: someone
else signed in on this browser is refused (404), like a used or expired link.
"""
from __future__ import annotations

from uuid import uuid4

from flask import abort, render_template, request
from flask_login import current_user

from katapp import reminder_links as links
from katapp.checkins import bp, services
from katapp.checkins.forms import CheckInForm, QuestionnaireForm
from katapp.clinic import clinic_settings
from katapp.crisis_help import crisis_view
from katapp.domain.instruments import INSTRUMENTS
from katapp.errors import Refusal
from katapp.extensions import limiter
from katapp.models import INDEX_EVENT_MAX


@bp.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute; 100 per hour")
def reminder_link(token: str):
    found = links.find(token)
    if found is None or (current_user.is_authenticated and current_user.id != found[1].id):
        return _used(404)
    link, patient = found
    if link.form == "checkin":
        return _checkin(link, patient, token)
    if not services.instrument_plan(patient.id).get(link.form):
        abort(404)
    return _questionnaire(link, patient, token, INSTRUMENTS[link.form])


def _used(status: int):
    return render_template("checkins/link_used.html", message=links.USED_OR_EXPIRED), status


def _checkin(link, patient, token: str):
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            saved = services.answer_by_link(link, lambda: services.record_checkin(patient, form.payload()).obj)
        except links.LinkUsed:
            return _used(409)
        except Refusal as refusal:
            form.show_refusal(refusal)
        else:
            flagged = bool(services.checkin_flags(saved))
            return render_template("checkins/link_done.html", patient=patient, checkin=saved,
                                   help=crisis_view(patient) if flagged else None,
                                   told=saved.id in services.care_team_told(checkin_ids=[saved.id]) if flagged else None)
    if request.method == "GET":
        form.fresh()
    return render_template("checkins/link_checkin.html", form=form, token=token, patient=patient), \
        400 if request.method == "POST" else 200


def _questionnaire(link, patient, token: str, inst):
    form, errors, chosen = QuestionnaireForm(), {}, {}
    if form.validate_on_submit():
        chosen = form.chosen(inst, request.form)
        try:
            saved = services.answer_by_link(link, lambda: services.record_assessment(patient, form.payload(inst, chosen)).obj)
        except links.LinkUsed:
            return _used(409)
        except Refusal as refusal:
            errors = refusal.fields or {"answers": refusal.message}
        else:
            return _result(saved, patient, inst)
    if request.method == "GET":
        form.client_id.data = str(uuid4())
    return render_template("checkins/questionnaire.html", inst=inst, form=form, errors=errors, chosen=chosen,
                           answered=sum(v is not None for v in chosen.get("answers", [])),
                           index_event_max=INDEX_EVENT_MAX, link_token=token), 400 if request.method == "POST" else 200


def _result(assessment, patient, inst):
    flagged = services.crisis_help(assessment.flags or []) is not None
    return render_template("checkins/result.html", a=assessment, inst=inst, via_link=True, patient=patient,
                           meaning=services.describe(assessment, open_flag=services.has_open_flag(patient)),
                           help=crisis_view(patient) if flagged else None,
                           told=assessment.id in services.care_team_told(assessment_ids=[assessment.id]) if flagged
                           else None, cutpoint=clinic_settings().pcl5_cutpoint)
