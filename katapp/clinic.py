"""The clinic's settings row (ClinicSettings, id 1), read by every feature."""
from flask import has_request_context, request

from katapp.domain import dosing, scheduling, vocabulary
from katapp.extensions import db
from katapp.models import ClinicSettings


def clinic_settings() -> ClinicSettings:
    """The stored settings, or an unsaved row of defaults when none is stored yet.

    Read once a request: the request keeps what it read (the session's identity map holds rows only
    weakly, so without that a page that asks several times, the two-factor gate first, read the row
    again each time). A row saved during the request is found first.
    """
    loaded = db.session.identity_map.get(db.session.identity_key(ClinicSettings, 1))
    if loaded is not None:
        return loaded
    kept = getattr(request, "katapp_clinic", None) if has_request_context() else None
    if kept is not None and kept in db.session:
        return kept
    if kept is not None and getattr(request, "katapp_clinic_is_default", False):
        return kept
    row = db.session.get(ClinicSettings, 1)
    is_default = row is None
    if row is None:
        row = ClinicSettings(id=1, **ClinicSettings.defaults())
    if has_request_context():
        request.katapp_clinic, request.katapp_clinic_is_default = row, is_default
    return row


def session_minutes() -> dict[str, int]:
    """The clinic's default length of each session kind (issue #18): its settings over the vocabulary's."""
    chosen = clinic_settings().session_minutes or {}
    return {k.key: int(chosen.get(k.key) or k.default_minutes) for k in vocabulary.SESSION_KINDS}


def opening_hours() -> scheduling.Hours:
    """The clinic's opening days and hours (issue #18), in its clinicians' wall-clock time."""
    row = clinic_settings()
    return scheduling.Hours(frozenset(int(d) for d in row.open_weekdays or ""), row.opens_at, row.closes_at)


def stored_settings() -> ClinicSettings:
    """The stored settings row to change, added from the defaults when there is none yet (not committed)."""
    row = db.session.get(ClinicSettings, 1)
    if row is None:
        row = ClinicSettings(id=1, **ClinicSettings.defaults())
        db.session.add(row)
    return row


def dosing_settings() -> dosing.DosingSettings:
    """The clinic's dosing-day rules (issue #12): its settings row over `dosing.DEFAULTS`.

    Built once a request (the page, the API and every check of one request use the same rules);
    outside a request, built at each call. `forget_dosing_settings` drops the request's copy after
    the admin saves new ones.
    """
    cached = getattr(request, "katapp_dosing", None) if has_request_context() else None
    if cached is not None:
        return cached
    row = clinic_settings()
    rules = dosing.DosingSettings(
        bp_limit=(row.bp_limit_systolic, row.bp_limit_diastolic),
        alert_bp=(row.alert_bp_systolic, row.alert_bp_diastolic),
        alert_hr_above=row.alert_hr_above, alert_hr_below=row.alert_hr_below, alert_spo2_below=row.alert_spo2_below,
        screening_valid_days=row.screening_valid_days, early_start_minutes=row.early_start_minutes,
        observation_minutes_intranasal=row.observation_minutes_intranasal,
        observation_minutes_other=row.observation_minutes_other,
        predose_checklist=dosing.checklist_from_data(row.predose_checklist, dosing.PREDOSE_CHECKLIST),
        discharge_checklist=dosing.checklist_from_data(row.discharge_checklist, dosing.DISCHARGE_CHECKLIST),
        dose_ranges=dosing.ranges_from_data(row.dose_ranges))
    if has_request_context():
        request.katapp_dosing = rules
    return rules


def forget_dosing_settings() -> None:
    """Drop the request's copy of the dosing rules (they were just changed)."""
    if has_request_context() and getattr(request, "katapp_dosing", None) is not None:
        delattr(request, "katapp_dosing")
