"""GET /api/v1/patients: the caseload (clinician) or every patient (admin); one patient's summary."""
from flask import jsonify
from flask_login import current_user, login_required

from katapp.api import bp
from katapp.api.helpers import list_answer
from katapp.dashboard import schemas
from katapp.dashboard import services as dashboard_services
from katapp.errors import NotFound
from katapp.models import User
from katapp.pagination import paginate
from katapp.security import audit_reads, audit_view, role_required, visible_patients


@bp.get("/patients")
@login_required
@role_required("clinician", "admin")
def patients():
    page = paginate(visible_patients(current_user).order_by(User.display_name, User.id), per_page=100)
    audit_reads([p.id for p in page.items], "patients")
    return list_answer([schemas.patient_json(p) for p in page.items], page.next_url())


@bp.get("/patients/<int:patient_id>/summary")
@login_required
@role_required("clinician", "admin")
def patient_summary(patient_id: int):
    """CONTRACT.md's summary of one patient for the care team or an admin; 404 for anyone else."""
    summary = dashboard_services.patient_summary(current_user, patient_id)
    if summary is None:
        raise NotFound()
    audit_view(patient_id, "summary")
    return jsonify(schemas.summary_json(summary))
