"""The clinic's settings row (ClinicSettings, id 1), read by every feature."""
from flask import has_request_context, request

from katapp.extensions import db
from katapp.models import ClinicSettings


def clinic_settings() -> ClinicSettings:
    """The stored settings, or an unsaved row of defaults when none is stored yet.

    A stored row is read once a request (then the session's identity map answers). A clinic that has
    not saved its settings would otherwise cost a query at every call (a page asks several times), so
    the defaults are kept on the request; a row saved during the request is found first.
    """
    loaded = db.session.identity_map.get(db.session.identity_key(ClinicSettings, 1))
    if loaded is not None:
        return loaded
    defaults = getattr(request, "katapp_clinic_defaults", None) if has_request_context() else None
    if defaults is not None:
        return defaults
    row = db.session.get(ClinicSettings, 1)
    if row is not None:
        return row
    defaults = ClinicSettings(id=1, **ClinicSettings.defaults())
    if has_request_context():
        request.katapp_clinic_defaults = defaults
    return defaults


def stored_settings() -> ClinicSettings:
    """The stored settings row to change, added from the defaults when there is none yet (not committed)."""
    row = db.session.get(ClinicSettings, 1)
    if row is None:
        row = ClinicSettings(id=1, **ClinicSettings.defaults())
        db.session.add(row)
    return row
