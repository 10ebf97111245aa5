"""The clinic's settings row (ClinicSettings, id 1), read by every feature."""
from katapp.extensions import db
from katapp.models import ClinicSettings


def clinic_settings() -> ClinicSettings:
    """The stored settings, or an unsaved row of defaults when none is stored yet."""
    row = db.session.get(ClinicSettings, 1)
    return row if row is not None else ClinicSettings(id=1, **ClinicSettings.defaults())
