"""Downloads: a patient's own records (ZIP), a patient's FHIR R4 Bundle for their care team."""
from __future__ import annotations

from flask import Response, stream_with_context
from flask_login import current_user

from katapp.clock import local_today
from katapp.exports import bp, services
from katapp.security import role_required


@bp.route("/account/export.zip")
@role_required("patient")
def my_records():
    patient = current_user._get_current_object()
    name = f"katapp-my-records-{local_today(patient).isoformat()}.zip"
    body = stream_with_context(services.own_records(patient))
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/patients/<int:patient_id>/fhir")
@role_required("clinician")
def fhir_bundle(patient_id: int):
    body = services.fhir_export(current_user._get_current_object(), patient_id)
    return Response(body, mimetype=services.FHIR_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="katapp-patient-{patient_id}-fhir.json"'})
