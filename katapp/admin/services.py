"""Account management: admins create and edit accounts; clinicians add patients to their caseload."""
from __future__ import annotations

import secrets

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from katapp.auth.passwords import hash_password, validate_password
from katapp.auth.services import create_invitation, normalize_email
from katapp.errors import Conflict, Invalid, NotAllowed
from katapp.extensions import db
from katapp.models import ClinicSettings, User, care_team
from katapp.security import audit

EMAIL_TAKEN = "An account with this email already exists."


def _email_taken(extra: str = "") -> Conflict:
    return Conflict(EMAIL_TAKEN, {"email": f"{EMAIL_TAKEN} {extra}".strip()})


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


def create_user(*, email: str, display_name: str, role: str, timezone: str, clinician_ids: list[int] | None,
                created_by: User | None, password: str | None = None) -> tuple[User, str | None]:
    """Create an account, commit, and return it with its invitation token.

    The pages create it without a password (the token is the invitation); the command line
    (`created_by` None) gives a `password`, which is checked and set, and gets no token.
    Raises Invalid for a weak password, Conflict when the email is taken.
    """
    email = normalize_email(email)
    problem = None if password is None else validate_password(password, email=email)
    Invalid.check({"password": problem} if problem else {}, "weak password")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _email_taken()
    user = User(email=email, display_name=display_name.strip(), role=role, timezone=timezone, active=True,
                password_hash=None if password is None else hash_password(password))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same email created at the same moment: the unique constraint decides
        db.session.rollback()
        raise _email_taken() from None
    if role == "patient" and clinician_ids:
        set_care_team(user, clinician_ids)
    token = None if password is not None else create_invitation(user, created_by)
    audit("account_created", patient_id=user.id if role == "patient" else None, obj=user,
          detail=role if created_by is not None else f"{role} (command line)")
    db.session.commit()
    return user, token


def set_care_team(patient: User, clinician_ids: list[int]) -> None:
    """Replace the patient's care team with these (active clinician) ids. The caller commits."""
    valid = set(db.session.scalars(select(User.id).where(User.id.in_(clinician_ids), User.role == "clinician")))
    db.session.execute(delete(care_team).where(care_team.c.patient_id == patient.id))
    if valid:
        db.session.execute(insert(care_team), [{"clinician_id": c, "patient_id": patient.id} for c in sorted(valid)])


def update_user(user: User, *, display_name: str, timezone: str, active: bool, clinician_ids: list[int] | None,
                by: User) -> None:
    """Edit an account; deactivating signs it out everywhere. Commits.

    Raises NotAllowed when `by` would deactivate their own account.
    """
    if user.id == by.id and not active:
        raise NotAllowed("cannot deactivate yourself", {"active": "You cannot deactivate your own account."})
    user.display_name = display_name.strip()
    user.timezone = timezone
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
    """A clinician adds a new patient; they join the clinician's caseload. Returns the invitation token.

    The answer does not reveal whether the email already has an account (in a KAT clinic that is
    patient status): for an existing one nothing is created, merged or changed, the request is
    audited (`invitation_for_existing_account`, for the admins) and an unsaved user with a decoy
    token (stored nowhere, so its link is refused like an expired one) is returned.
    """
    email = normalize_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is None:
        try:
            return create_user(email=email, display_name=display_name, role="patient", timezone=timezone,
                               clinician_ids=[clinician.id], created_by=clinician)
        except Conflict:  # created by someone else at this very moment
            existing = db.session.scalar(select(User).where(User.email == email))
    audit("invitation_for_existing_account", obj=existing, patient_id=existing.id if existing.is_patient else None,
          detail=f"an invitation was requested by clinician {clinician.id} for an existing account")
    db.session.commit()
    decoy = User(email=email, display_name=display_name.strip(), role="patient", timezone=timezone)
    return decoy, secrets.token_urlsafe(32)


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
