"""Account management: admins create and edit accounts; clinicians add patients to their caseload."""
from __future__ import annotations

import json
from dataclasses import asdict

from flask import current_app, url_for
from flask_login import current_user
from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from katapp import careteam
from katapp.accounts import create_invitation, normalize_email, send_account_email
from katapp.clinic import clinic_settings, stored_settings
from katapp.domain import crisis
from katapp.errors import Conflict, Invalid, NotAllowed, NotFound
from katapp.extensions import db
from katapp.models import AuditEvent, ClinicSettings, User, care_team, on_call
from katapp.passwords import hash_password, validate_password
from katapp.security import audit

EMAIL_TAKEN = "An account with this email already exists."


def _email_taken(extra: str = "") -> Conflict:
    return Conflict(EMAIL_TAKEN, {"email": f"{EMAIL_TAKEN} {extra}".strip()})


def clinicians() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "clinician", User.active).order_by(User.display_name)))


UNASSIGNED = "unassigned"  # the Accounts filter: patients with no active clinician on their care team


def _has_active_clinician():
    """EXISTS: the (correlated) patient has an active clinician on their care team."""
    member = aliased(User)
    return (exists().where(care_team.c.patient_id == User.id, care_team.c.clinician_id == member.id,
                           member.role == "clinician", member.active.is_(True))
            .correlate(User))


def users_query(role: str | None = None, q: str | None = None):
    """Accounts by role then name; `role` "unassigned": active patients without an active clinician."""
    stmt = select(User).order_by(User.role, User.display_name, User.id)
    if role in ("patient", "clinician", "admin"):
        stmt = stmt.where(User.role == role)
    elif role == UNASSIGNED:
        stmt = stmt.where(User.role == "patient", User.active.is_(True), ~_has_active_clinician())
    if q:
        like = f"%{q.strip().lower()[:100]}%"
        stmt = stmt.where((User.email.like(like)) | (func.lower(User.display_name).like(like)))
    return stmt


def create_user(*, email: str, display_name: str, role: str, timezone: str, clinician_ids: list[int] | None,
                created_by: User | None, password: str | None = None, commit: bool = True) -> tuple[User, str | None]:
    """Create an account, commit (unless `commit` is False), and return it with its invitation token.

    The pages create it without a password (the token is the invitation); the command line
    (`created_by` None) gives a `password`, which is checked and set, and gets no token.
    Raises Invalid for a weak password, Conflict when the email is taken.
    """
    email = normalize_email(email)
    problem = None if password is None else validate_password(password, email=email)
    Invalid.check({"password": problem} if problem else {}, "weak password")
    if role == "patient" and not _any_active_clinician(clinician_ids):
        raise NotAllowed("a patient needs an active clinician", {"clinicians": (
            "Choose at least one active clinician for the care team: a patient's safety answers must reach a person.")})
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
    if commit:
        db.session.commit()
    return user, token


def set_care_team(patient: User, clinician_ids: list[int]) -> None:
    """Replace the patient's care team with these (active clinician) ids; audit each clinician added or
    removed (subject: the patient; object: the clinician). The caller commits."""
    valid = set(db.session.scalars(select(User.id).where(User.id.in_(clinician_ids), User.role == "clinician")))
    before = set(db.session.scalars(select(care_team.c.clinician_id).where(care_team.c.patient_id == patient.id)))
    if before - valid:  # those who stay keep their added_at: the handover rule reads it (katapp/careteam.py)
        db.session.execute(delete(care_team).where(care_team.c.patient_id == patient.id,
                                                   care_team.c.clinician_id.in_(before - valid)))
    if valid - before:
        db.session.execute(insert(care_team), [{"clinician_id": c, "patient_id": patient.id} for c in sorted(valid - before)])
    _audit_care_team(patient, added=valid - before, removed=before - valid)
    careteam.settle([patient.id])  # open sessions of a removed clinician go to the team (issue #14)


def _audit_care_team(patient: User, *, added: set[int], removed: set[int]) -> None:
    """One event per change; an admin adding a clinician account they created themself says so."""
    if not added and not removed:
        return
    actor_id = current_user.id if current_user and current_user.is_authenticated else None
    made_by_actor = set(db.session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "account_created", AuditEvent.actor_id == actor_id,
                                           AuditEvent.object_type == "users", AuditEvent.object_id.in_(added))
    )) if actor_id is not None and added else set()
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(added | removed)))}
    for action, ids in (("care_team_added", added), ("care_team_removed", removed)):
        for cid in sorted(ids):
            note = " (a clinician account created by the same admin)" if cid in made_by_actor else ""
            audit(action, patient_id=patient.id, obj=people[cid], detail=f"{people[cid].display_name}{note}")


def update_user(user: User, *, display_name: str, timezone: str, active: bool, clinician_ids: list[int] | None,
                by: User, indication: str | None = None) -> None:
    """Edit an account; deactivating signs it out everywhere. Commits.

    Raises NotAllowed when `by` would deactivate their own account.
    """
    if user.id == by.id and not active:
        raise NotAllowed("cannot deactivate yourself", {"active": "You cannot deactivate your own account."})
    user.display_name = display_name.strip()
    user.timezone = timezone
    if user.is_patient:
        user.indication = indication
    if user.active and not active:
        user.session_version += 1
        audit("account_deactivated", obj=user, patient_id=user.id if user.is_patient else None)
        if user.is_clinician:
            user.active = False  # settle sees them gone: their open sessions go to the care teams
            careteam.settle(careteam.patients_with_open_sessions_of(user))
    elif active and not user.active:
        audit("account_reactivated", obj=user, patient_id=user.id if user.is_patient else None)
    user.active = active
    if user.is_patient and clinician_ids is not None:
        set_care_team(user, clinician_ids)
    db.session.commit()


def reissue_invitation(user: User, by: User) -> str:
    """A new invitation link for an account without a password; commits. Raises NotAllowed when the
    account has a password (create_invitation: no takeover by an admin)."""
    token = create_invitation(user, by)
    audit("invitation_reissued", obj=user, patient_id=user.id if user.is_patient else None)
    db.session.commit()
    return token


INVITE_SUBJECT = "katapp: your invitation from {clinic}"
INVITE_BODY = ("{clinic} invited you to katapp, where you keep your check-ins, questionnaires and session\n"
               "times, and share what you choose with your care team.\n\n"
               "Open this link within {days} days to choose your password (it works once):\n{url}\n\n"
               "If you did not expect this email, ignore it: nothing happens without the link.\n")
MATCH_SUBJECT = "katapp: a clinic tried to invite this address"
MATCH_BODY = ("Someone at {clinic} asked katapp to invite {email} as a new patient. This address already has\n"
              "a katapp account, so nothing was created, changed or joined to it, and no link was made.\n\n"
              "If you expected this, sign in as usual at {url} (\"Forgot your password?\" helps if needed) or\n"
              "tell the clinic. If you did not, you can ignore this email: the clinic's administrators are told.\n")


def add_patient_to_caseload(clinician: User, *, email: str, display_name: str, timezone: str) -> str:
    """A clinician adds a new patient to their caseload; the invitation is emailed. Commits; returns
    the normalised address, which is all the page shows.

    The clinician learns nothing about whether the address has an account anywhere (in a KAT clinic
    that is patient status, issue #14): both ways write one email to the address and nothing else
    the clinician can see. A new address gets an account on the care team and its one-time link (the
    patient shows on the caseload once they have set a password, `security.visible_patient_ids`); an
    existing account (any role, active or not) is left as it is, its owner is told that a clinic tried
    to add them, and the admins see the request on their overview (audit
    `invitation_for_existing_account`).
    """
    email = normalize_email(email)
    clinic = clinic_settings().clinic_name
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is None:
        try:
            _user, token = create_user(email=email, display_name=display_name, role="patient", timezone=timezone,
                                       clinician_ids=[clinician.id], created_by=clinician, commit=False)
        except Conflict:  # created by someone else at this very moment
            existing = db.session.scalar(select(User).where(User.email == email))
        else:
            days = current_app.config["INVITATION_TTL"].days
            url = url_for("auth.accept_invite", token=token, _external=True)
            send_account_email(email, INVITE_SUBJECT.format(clinic=clinic),
                               INVITE_BODY.format(clinic=clinic, days=days, url=url))
            db.session.commit()
            return email
    audit(careteam.ADD_PATIENT_MATCH, obj=existing, patient_id=existing.id if existing.is_patient else None,
          detail=f"an invitation was requested by clinician {clinician.id} for an existing account")
    send_account_email(email, MATCH_SUBJECT, MATCH_BODY.format(clinic=clinic, email=email,
                                                               url=url_for("auth.login", _external=True)))
    db.session.commit()
    return email


def save_settings(values: dict) -> ClinicSettings:
    """Store the clinic's settings, its on-call list and crisis-resource table (JSON text). Commits.

    Raises Invalid (nothing stored) when the table is not valid JSON or breaks crisis.resource_table_errors.
    """
    values = dict(values)
    if "crisis_resources" in values:
        values["crisis_resources"] = _resource_table(values["crisis_resources"])
    set_on_call(values.pop("on_call", None) or [])
    if values.get("country"):
        values["country"] = crisis.normalize_country(values["country"])
    row = stored_settings()
    if "require_staff_2fa" in values and bool(values["require_staff_2fa"]) != bool(row.require_staff_2fa):
        audit("two_factor_requirement_changed",
              detail="staff two-factor now " + ("required" if values["require_staff_2fa"] else "NOT required"))
    for key, value in values.items():
        setattr(row, key, value)
    audit("settings_changed")
    db.session.commit()
    return row


# --- Every patient keeps an active clinician (#11) -------------------------------------------------------
def sole_clinician_of(clinician: User) -> list[User]:
    """The active patients for whom `clinician` is the only active care-team clinician."""
    others, team = aliased(User), care_team.alias()
    another = exists().where(team.c.patient_id == User.id, team.c.clinician_id == others.id,
                             others.id != clinician.id, others.role == "clinician", others.active.is_(True))
    return list(db.session.scalars(
        select(User).join(care_team, care_team.c.patient_id == User.id)
        .where(care_team.c.clinician_id == clinician.id, User.active.is_(True), ~another).order_by(User.display_name)))


def save_account(user: User, values: dict, *, by: User, move_to: int | None = None) -> None:
    """Edit an account (update_user) with the #11 rules, in one transaction. Commits.

    An active patient keeps at least one active clinician; deactivating a clinician who is some
    patient's only one moves all their patients to `move_to` first. Raises NotAllowed (nothing saved).
    """
    if user.is_patient:
        if values["active"] and not _any_active_clinician(values["clinician_ids"]):
            raise NotAllowed("a patient needs an active clinician", {"clinicians": (
                f"Keep at least one active clinician on {user.display_name}'s care team: "
                "their safety answers must reach a person.")})
        _set_contact(user, values.pop("phone", None), values.pop("country", None))
    if user.is_clinician and user.active and not values["active"]:
        _hand_over(user, move_to)
    update_user(user, **values, by=by)


def _any_active_clinician(ids: list[int] | None) -> bool:
    return bool(ids) and db.session.scalar(select(func.count()).select_from(User).where(
        User.id.in_(ids), User.role == "clinician", User.active.is_(True))) > 0


def _set_contact(user: User, phone: str | None, country: str | None) -> None:
    user.phone, user.country = crisis.normalize_phone(phone), crisis.normalize_country(country)


def _hand_over(clinician: User, move_to: int | None) -> None:
    """Move all of `clinician`'s patients to the clinician `move_to` (no commit); refuse without one when
    somebody would be left without an active clinician."""
    orphans = sole_clinician_of(clinician)
    target = db.session.get(User, move_to) if move_to else None
    if target is not None and (not target.is_clinician or not target.active or target.id == clinician.id):
        raise NotAllowed("choose another active clinician", {"move_to": "Choose another active clinician."})
    if target is None:
        if not orphans:
            return
        names = ", ".join(p.display_name for p in orphans[:5]) + (" …" if len(orphans) > 5 else "")
        raise NotAllowed("their patients need another clinician", {"move_to": (
            f"{clinician.display_name} is the only active clinician of {len(orphans)} "
            f"patient{'s' if len(orphans) != 1 else ''} ({names}). Choose who takes them over.")})
    patient_ids = list(db.session.scalars(select(care_team.c.patient_id).where(care_team.c.clinician_id == clinician.id)))
    kept = set(db.session.scalars(select(care_team.c.patient_id).where(care_team.c.clinician_id == target.id)))
    db.session.execute(delete(care_team).where(care_team.c.clinician_id == clinician.id))
    moved = [p for p in patient_ids if p not in kept]
    if moved:
        db.session.execute(insert(care_team), [{"clinician_id": target.id, "patient_id": p} for p in moved])
    for patient_id in patient_ids:
        audit("care_team_changed", obj=clinician, patient_id=patient_id, detail=f"moved to clinician {target.id}")
    careteam.settle(patient_ids)


# --- Alert settings (#11) ----------------------------------------------------------------------------------
def on_call_ids() -> list[int]:
    return list(db.session.scalars(select(on_call.c.clinician_id).order_by(on_call.c.clinician_id)))


def set_on_call(clinician_ids: list[int]) -> None:
    """Replace the on-call list with these active clinicians (no commit)."""
    valid = set(db.session.scalars(select(User.id).where(User.id.in_(clinician_ids), User.role == "clinician",
                                                         User.active.is_(True))))
    db.session.execute(delete(on_call))
    if valid:
        db.session.execute(insert(on_call), [{"clinician_id": c} for c in sorted(valid)])


def crisis_resources_json() -> str:
    """The clinic's crisis-resource table as JSON text for editing (the built-in defaults when none is stored)."""
    table = clinic_settings().crisis_resources or {
        code: [asdict(r) for r in resources] for code, resources in crisis.DEFAULT_RESOURCES.items()}
    return json.dumps(table, indent=2, ensure_ascii=False)


def _resource_table(text: str) -> dict:
    try:
        table = json.loads(text or "")
    except ValueError as exc:
        raise Invalid("crisis resources are not valid JSON", {"crisis_resources": (
            f"This is not valid JSON (line {getattr(exc, 'lineno', '?')}): check quotes, commas and brackets.")}) from None
    errors = crisis.resource_table_errors(table)
    Invalid.check({"crisis_resources": " ".join(
        f"{code}: {message}" if code != "crisis_resources" else message for code, message in errors.items())}
        if errors else {}, "crisis resources are not valid")
    return table


# --- Care teams seen from the clinician's side (issue #18) ----------------------------------------------
def care_team_column(users: list[User]) -> dict[int, str]:
    """Accounts' care-team column for a page of users: a patient's clinicians by name (inactive ones
    said so, none: "No care team"), a clinician's number of patients. Two queries whatever the page."""
    patient_ids = [u.id for u in users if u.is_patient]
    clinician_ids = [u.id for u in users if u.is_clinician]
    out: dict[int, str] = {pid: "No care team" for pid in patient_ids}
    if patient_ids:
        member = aliased(User)
        names: dict[int, list[str]] = {}
        for pid, name, active in db.session.execute(
                select(care_team.c.patient_id, member.display_name, member.active)
                .join(member, member.id == care_team.c.clinician_id)
                .where(care_team.c.patient_id.in_(patient_ids)).order_by(member.display_name)):
            names.setdefault(pid, []).append(name if active else f"{name} (inactive)")
        out.update({pid: ", ".join(n) for pid, n in names.items()})
    if clinician_ids:
        counts = dict(db.session.execute(
            select(care_team.c.clinician_id, func.count()).where(care_team.c.clinician_id.in_(clinician_ids))
            .group_by(care_team.c.clinician_id)).all())
        out.update({cid: _patients(counts.get(cid, 0)) for cid in clinician_ids})
    return out


def _patients(n: int) -> str:
    return f"{n} patient{'' if n == 1 else 's'}"


def caseload_of(clinician: User) -> list[User]:
    """The patients on the clinician's care teams, by name."""
    return list(db.session.scalars(
        select(User).join(care_team, care_team.c.patient_id == User.id)
        .where(care_team.c.clinician_id == clinician.id).order_by(User.display_name, User.id)))


def assignable_to(clinician: User) -> list[tuple[User, bool]]:
    """Active patients not on the clinician's care teams, with whether they have no active clinician at
    all; those come first, then by name."""
    rows = db.session.execute(
        select(User, _has_active_clinician().label("covered"))
        .where(User.role == "patient", User.active.is_(True),
               ~exists().where(care_team.c.patient_id == User.id, care_team.c.clinician_id == clinician.id))
        .order_by(User.display_name, User.id)).all()
    return sorted(((u, not covered) for u, covered in rows), key=lambda row: not row[1])


def change_caseload(clinician: User, *, add: list[int], remove: list[int]) -> tuple[int, int]:
    """Add patients to and remove patients from a clinician's care teams in one step, audited per
    patient as on the patient's own page (open sessions of a removed clinician go to the rest of the
    team). Commits; returns (added, removed).

    NotFound unless `clinician` is a clinician; NotAllowed to add to an inactive clinician, or when a
    removal would leave an active patient with no active clinician (their safety answers must reach a
    person); nothing is stored then. Ids that are not patients are ignored (the form offers none).
    """
    if not clinician.is_clinician:
        raise NotFound("not a clinician")
    if add and not clinician.active:
        raise NotAllowed("inactive clinician", {"add": f"{clinician.display_name} is inactive: reactivate the "
                                                       "account before adding patients."})
    patients = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(set(add) | set(remove)), User.role == "patient"))}
    teams = {pid: [] for pid in patients}
    for pid, cid in db.session.execute(select(care_team.c.patient_id, care_team.c.clinician_id)
                                       .where(care_team.c.patient_id.in_(list(patients)))):
        teams[pid].append(cid)
    removing = [patients[p] for p in remove if p in patients and clinician.id in teams[p]]
    stranded = [p.display_name for p in removing if p.active and not _other_active_clinician(p.id, clinician.id)]
    if stranded:
        message = (f"{', '.join(sorted(stranded))} would have no active clinician: add another clinician to "
                   f"{'their' if len(stranded) > 1 else 'the'} care team first. Nothing was changed.")
        raise NotAllowed("a patient needs an active clinician", {"remove": message})
    adding = [patients[p] for p in add if p in patients and clinician.id not in teams[p] and p not in remove]
    for patient in adding:
        set_care_team(patient, [*teams[patient.id], clinician.id])
    for patient in removing:
        set_care_team(patient, [c for c in teams[patient.id] if c != clinician.id])
    db.session.commit()
    return len(adding), len(removing)


def caseload_change_message(clinician: User, added: int, removed: int) -> str:
    """The flash after a caseload change: what changed, in words."""
    parts = [f"added {_patients(added)}"] if added else []
    parts += [f"removed {_patients(removed)}"] if removed else []
    if not parts:
        return f"Nothing changed on {clinician.display_name}'s caseload: tick patients to add or remove."
    return f"{clinician.display_name}'s caseload: {' and '.join(parts)}."


def _other_active_clinician(patient_id: int, clinician_id: int) -> bool:
    member = aliased(User)
    return db.session.scalar(select(exists().where(
        care_team.c.patient_id == patient_id, care_team.c.clinician_id == member.id, member.id != clinician_id,
        member.role == "clinician", member.active.is_(True)))) or False
