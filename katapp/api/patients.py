"""GET /api/v1/patients: the caseload (clinician) or every patient (admin)."""
from flask_login import current_user, login_required

from katapp.api import bp
from katapp.api.helpers import list_answer
from katapp.models import User
from katapp.pagination import paginate
from katapp.security import role_required, visible_patients


@bp.get("/patients")
@login_required
@role_required("clinician", "admin")
def patients():
    page = paginate(visible_patients(current_user).order_by(User.display_name, User.id), per_page=100)
    items = [{"id": p.id, "email": p.email, "display_name": p.display_name} for p in page.items]
    return list_answer(items, page.next_url())
