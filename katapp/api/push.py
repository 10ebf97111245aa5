"""Push subscriptions API (issue #17): the reminders page's script stores and forgets this browser's
Web Push subscription. Rules and validation live in `reminders.services`."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from katapp.api import bp
from katapp.api.helpers import json_body
from katapp.reminders import services
from katapp.security import role_required


@bp.route("/push-subscriptions", methods=["POST", "DELETE"], endpoint="push_subscriptions")
@login_required
@role_required("patient")
def push_subscriptions():
    data = json_body(services.SUBSCRIPTION_FIELDS)
    if request.method == "DELETE":
        services.unsubscribe(current_user, data)
        return "", 204
    row, created = services.subscribe(current_user, data)
    return jsonify(services.subscription_json(row)), 201 if created else 200
