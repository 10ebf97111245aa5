"""Saving a person's own details. Who may change what (a clinic's choice, shown on the page):
- time zone: everyone (people travel and move; their "today" must follow them);
- phone and country: patients (the care team's number to call back; the country picks crisis lines);
- name and email: nobody here. The clinic registered them (the name is how the care team and the
  records know the patient; the email is the sign-in and recovery address), so an administrator
  changes them on the account's admin page.
"""
from __future__ import annotations

from katapp.clock import is_city_zone
from katapp.domain import crisis
from katapp.errors import Invalid
from katapp.extensions import db
from katapp.models import User
from katapp.security import audit


def save_profile(user: User, *, timezone: str, phone: str | None = None, country: str | None = None) -> list[str]:
    """Store `user`'s own time zone (and, for a patient, phone and country); commit once with an
    audit event naming the changed fields. Returns those field names ([]: nothing changed, nothing
    written). Raises Invalid (nothing stored) for a zone outside the list, a bad phone or country.
    """
    if timezone != user.timezone and not is_city_zone(timezone):
        raise Invalid("unknown time zone", {"timezone": "Choose a time zone from the list."})
    values = {"timezone": timezone}
    if user.is_patient:
        try:
            values["phone"] = crisis.normalize_phone(phone)
        except ValueError as exc:
            raise Invalid("invalid phone", {"phone": str(exc)}) from None
        try:
            values["country"] = crisis.normalize_country(country)
        except ValueError as exc:
            raise Invalid("invalid country", {"country": str(exc)}) from None
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, values[name])
        audit("profile_changed", obj=user, patient_id=user.id if user.is_patient else None, detail=", ".join(changed))
        db.session.commit()
    return changed
