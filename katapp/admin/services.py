"""Account management: admins create and edit accounts; clinicians add patients to their caseload."""
from __future__ import annotations

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from katapp.auth.services import create_invitation, normalize_email
from katapp.extensions import db
from katapp.models import ClinicSettings, User, care_team
from katapp.security import audit


class AccountError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def clinicians() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "clinician", User.active).order_by(User.display_name)))


def users_query(role: str | None = None, q: str | None = None):
    stmt = select(User).order_by(User.role, User.display_name, User.id)
    if role in ("patient", "clinician", "admin"):
        stmt = stmt.where(User.role == role)
    if q:
        like = f"%{q.strip().lower()[:100]}%"
        stmt = stmt.where((User.email.like(like)) | (func.lower(User.display_name).like(like)))
    return stmt


def create_user(*, email: str, display_name: str, role: str, timezone: str,
                clinician_ids: list[int] | None, created_by: User) -> tuple[User, str]:
    """Create an account without a password and return it with its invitation token.

    Raises AccountError when the email is taken. Commits.
    """
    email = normalize_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("email", "An account with this email already exists.")
    user = User(email=email, display_name=display_name.strip(), role=role, timezone=timezone, active=True)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same email created at the same moment: the unique constraint decides
        db.session.rollback()
        raise AccountError("email", "An account with this email already exists.") from None
    if role == "patient" and clinician_ids:
        set_care_team(user, clinician_ids)
    token = create_invitation(user, created_by)
    audit("account_created", patient_id=user.id if role == "patient" else None, obj=user, detail=role)
    db.session.commit()
    return user, token


def set_care_team(patient: User, clinician_ids: list[int]) -> None:
    """Replace the patient's care team with these (active clinician) ids. The caller commits."""
    valid = set(db.session.scalars(select(User.id).where(User.id.in_(clinician_ids), User.role == "clinician")))
    db.session.execute(delete(care_team).where(care_team.c.patient_id == patient.id))
    if valid:
        db.session.execute(insert(care_team), [{"clinician_id": c, "patient_id": patient.id} for c in sorted(valid)])


def update_user(user: User, *, display_name: str, timezone: str, active: bool, clinician_ids: list[int] | None,
                indication: str | None = None) -> None:
    """Edit an account; deactivating signs it out everywhere. Commits."""
    user.display_name = display_name.strip()
    user.timezone = timezone
    if user.is_patient:
        user.indication = indication
    if user.active and not active:
        user.session_version += 1
        audit("account_deactivated", obj=user, patient_id=user.id if user.is_patient else None)
    elif active and not user.active:
        audit("account_reactivated", obj=user, patient_id=user.id if user.is_patient else None)
    user.active = active
    if user.is_patient and clinician_ids is not None:
        set_care_team(user, clinician_ids)
        audit("care_team_changed", obj=user, patient_id=user.id)
    db.session.commit()


def reissue_invitation(user: User, by: User) -> str:
    token = create_invitation(user, by)
    audit("invitation_reissued", obj=user, patient_id=user.id if user.is_patient else None)
    db.session.commit()
    return token


def add_patient_to_caseload(clinician: User, *, email: str, display_name: str, timezone: str) -> tuple[User, str]:
    """A clinician adds a new patient; they join the clinician's caseload. Returns the invitation token."""
    return create_user(email=email, display_name=display_name, role="patient", timezone=timezone,
                       clinician_ids=[clinician.id], created_by=clinician)


def save_settings(values: dict) -> ClinicSettings:
    row = db.session.get(ClinicSettings, 1)
    if row is None:
        row = ClinicSettings(id=1, **ClinicSettings.defaults())
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    audit("settings_changed")
    db.session.commit()
    return row
