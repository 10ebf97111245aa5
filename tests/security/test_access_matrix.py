"""The access-control matrix (issue #14 item 6): every route of `app.url_map` x every actor x object kind.

Each row names a route, the object of patient A it is aimed at and a body that would change something
if the request got through. Each cell asserts the exact status, that the body carries none of A's text
unless the actor may see it, and, where the actor is refused, that no table changed (the audit log
aside). A route in `app.url_map` without a row fails `test_every_route_has_a_row`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections import Counter

import pytest

from katapp.models import utcnow

from .world import A_PRIVATE, A_SECRETS, ACTORS, table_fingerprint

TOMORROW = (utcnow() + dt.timedelta(days=10)).date().isoformat()


def _when() -> str:
    return utcnow().replace(microsecond=0).isoformat()


@dataclasses.dataclass(frozen=True)
class Row:
    method: str
    rule: str
    kind: str  # which of A's objects fills the path's <id> (see `url`)
    expect: str  # one status per actor, in ACTORS order
    body: dict | None = None  # form fields (pages) or JSON (API); the CSRF token is added
    allow: str = ""  # the actors who may change the database through this row (a GET never may)

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule} [{self.kind}]"


def _statuses(text: str) -> tuple[int, ...]:
    codes = tuple(int(s) for s in text.split())
    assert len(codes) == len(ACTORS)
    return codes


# ACTORS: anonymous patient_a patient_b clinician_a clinician_other clinician_removed admin deactivated
NEW_CLIENT = "00000000-0000-4000-8000-00000000000"  # + one digit per row
ROWS: list[Row] = [
    Row("GET", "/", "-", "302 302 302 302 302 302 302 302"),
    # Account page (issue #18): everyone signed in sees and edits only their own details.
    Row("GET", "/account", "-", "302 200 200 200 200 200 200 302"),
    Row("POST", "/account/profile", "-", "302 302 302 302 302 302 302 302", {"timezone": "Europe/London", "country": "GB", "phone": "+15550001111"},
        allow="patient_a patient_b clinician_a clinician_other clinician_removed admin"),
    Row("GET", "/account/seen", "-", "302 200 200 404 404 404 404 302"),
    Row("GET", "/account/export.zip", "-", "302 200 200 404 404 404 404 302"),
    Row("GET", "/account/password", "-", "302 200 200 200 200 200 200 302"),
    # Second factors (issue #15): each user manages only their own; A has a passkey in the world.
    Row("GET", "/account/two-factor", "-", "302 200 200 200 200 200 200 302"),
    Row("GET", "/account/two-factor/totp", "-", "302 200 200 200 200 200 200 302"),
    Row("POST", "/account/two-factor/totp", "-", "302 400 400 400 400 400 400 302", {"code": "123456"}),
    Row("POST", "/account/two-factor/passkey/options", "-", "302 200 200 200 200 200 200 302", {}),
    Row("POST", "/account/two-factor/passkey", "-", "302 400 400 400 400 400 400 302", {}),
    Row("POST", "/account/two-factor/<int:factor_id>/remove", "factor", "302 302 404 404 404 404 404 302", {}, allow="patient_a"),
    Row("GET", "/account/two-factor/recovery-codes", "-", "302 302 302 302 302 302 302 302"),
    Row("POST", "/account/two-factor/recovery-codes", "-", "302 302 302 302 302 302 302 302", {}, allow="patient_a"),
    Row("POST", "/account/password", "-", "302 302 302 302 302 302 302 302", {"current_password": "{password}", "password": "a new long passphrase 9",
                                              "confirm": "a new long passphrase 9"}, allow="patient_a patient_b clinician_a clinician_other clinician_removed admin"),
    Row("GET", "/admin/audit", "-", "302 404 404 404 404 404 200 302"),
    Row("GET", "/admin/audit.csv", "-", "302 404 404 404 404 404 200 302"),
    Row("GET", "/admin/flags", "-", "302 404 404 404 404 404 200 302"),
    Row("GET", "/admin/preparation", "-", "302 404 404 404 404 404 200 302"),
    Row("POST", "/admin/preparation", "-", "302 404 404 404 404 404 302 302", {"ketamine": "Fast for four hours."}, allow="admin"),
    Row("GET", "/admin/settings", "-", "302 404 404 404 404 404 200 302"),
    Row("POST", "/admin/settings", "-", "302 404 404 404 404 404 302 302", {"clinic_name": "Taken Over", "timezone": "UTC", "bp_limit_systolic": 180,
                                            "bp_limit_diastolic": 110, "pcl5_cutpoint": 33, "phq9_every_days": 7,
                                            "gad7_every_days": 7, "pcl5_every_days": 30, "series_length": 6,
                                            "crisis_text": "Call someone.", "country": "US", "escalation_hours": 4,
                                            "crisis_resources": '{"US": [{"label": "Call 988", "kind": "call", "value": "988"}]}'},
        allow="admin"),
    Row("GET", "/admin/settings/booking", "-", "302 404 404 404 404 404 200 302"),
    Row("POST", "/admin/settings/booking", "-", "302 404 404 404 404 404 302 302", {
        "open_days": [0, 1, 2, 3, 4, 5], "opens_at": "07:00", "closes_at": "19:00", "minutes_ketamine": 120,
        "minutes_integration": 60, "minutes_intake": 60, "minutes_follow_up": 30}, allow="admin"),
    Row("GET", "/admin/settings/dosing", "-", "302 404 404 404 404 404 200 302"),
    Row("POST", "/admin/settings/dosing", "-", "302 404 404 404 404 404 302 302", {
        "bp_limit_systolic": 150, "bp_limit_diastolic": 95, "alert_bp_systolic": 180, "alert_bp_diastolic": 110,
        "alert_hr_above": 120, "alert_hr_below": 50, "alert_spo2_below": 92, "screening_valid_days": 180,
        "early_start_minutes": 15, "observation_minutes_intranasal": 120, "observation_minutes_other": 60,
        "iv_min": "0.5", "iv_max": "1.0", "im_min": "0.5", "im_max": "1.0", "sublingual_oral_min": "1.0",
        "sublingual_oral_max": "3.0", "intranasal_fixed": "56, 84", "predose-0-text": "Fasting",
        "discharge-0-text": "Alert and oriented"}, allow="admin"),
    Row("GET", "/admin/users", "-", "302 404 404 404 404 404 200 302"),
    Row("GET", "/admin/users/<int:user_id>", "patient", "302 404 404 404 404 404 200 302"),
    Row("POST", "/admin/users/<int:user_id>", "patient", "302 404 404 404 404 404 302 302", {"display_name": "Renamed", "timezone": "UTC"}, allow="admin"),
    Row("POST", "/admin/users/<int:user_id>/invite", "patient", "302 404 404 404 404 404 422 302", {}),
    Row("POST", "/admin/users/<int:user_id>/patients", "patient", "302 404 404 404 404 404 404 302", {"add": "{patient}"}),
    Row("POST", "/admin/users/<int:user_id>/invite", "pending", "302 404 404 404 404 404 200 302", {}, allow="admin"),
    Row("POST", "/admin/users/<int:user_id>/two-factor/reset", "patient", "302 404 404 404 404 404 302 302", {}, allow="admin"),
    Row("GET", "/admin/users/new", "-", "302 404 404 404 404 404 200 302"),
    Row("POST", "/admin/users/new", "-", "302 404 404 404 404 404 200 302", {"email": "new.person@example.org", "display_name": "New Person",
                                             "timezone": "UTC", "role": "admin"}, allow="admin"),
    Row("GET", "/agenda", "-", "302 404 404 200 200 200 404 302"),
    Row("GET", "/agenda/book", "-", "302 404 404 200 200 200 404 302"),
    Row("POST", "/agenda/book", "patient", "302 404 404 302 200 200 404 302", {"patient_id": "{patient}", "kind": "integration", "date": TOMORROW,
                                               "time": "09:00", "duration_minutes": 50, "notes": "booked",
                                               "outside_hours_ok": "y"}, allow="clinician_a"),
    Row("GET", "/agenda/series", "-", "302 404 404 200 200 200 404 302"),
    Row("POST", "/agenda/series", "patient", "302 404 404 200 200 200 404 302", {"patient_id": "{patient}", "start_date": TOMORROW, "count": 2,
                                                 "weekdays": [0, 2, 4], "time": "09:00", "duration_minutes": 90,
                                                 "integration_offset_days": 1, "integration_minutes": 50,
                                                 "confirm": "1"}, allow="clinician_a"),
    Row("GET", "/agenda/sessions/<int:session_id>", "session", "302 404 404 200 404 404 404 302"),
    Row("GET", "/agenda/sessions/<int:session_id>", "session_removed", "302 404 404 404 404 404 404 302"),
    Row("GET", "/agenda/sessions/<int:session_id>/dosing", "ketamine", "302 404 404 200 404 404 404 302"),
    Row("POST", "/agenda/sessions/<int:session_id>/dosing/check-in", "ketamine", "302 404 404 302 404 404 404 302", {"status": "checked_in"}, allow="clinician_a"),
    Row("POST", "/agenda/sessions/<int:session_id>/dosing/predose", "ketamine_checked_in", "302 404 404 302 404 404 404 302", {"predose-weight_kg": "70", "predose-bp": "120/80",
                                                                                                        "predose-pregnancy_possible": "no"}, allow="clinician_a"),
    # The pre-dose checks fail (no weight, no BP, no checklist): refused with the failing checks.
    Row("POST", "/agenda/sessions/<int:session_id>/dosing/dose", "ketamine_checked_in", "302 404 404 422 404 404 404 302", {"dose-dose_mg": "35", "dose-route": "iv"}),
    Row("POST", "/agenda/sessions/<int:session_id>/dosing/vitals", "ketamine_dosed", "302 404 404 302 404 404 404 302", {"vitals-bp": "120/80", "vitals-heart_rate": "70",
                                                                                                   "vitals-spo2": "98"}, allow="clinician_a"),
    Row("POST", "/agenda/sessions/<int:session_id>/dosing/event", "ketamine_dosed", "302 404 404 302 404 404 404 302", {"event-severity": "mild", "event-description": "dizzy"}, allow="clinician_a"),
    Row("POST", "/agenda/sessions/<int:session_id>/dosing/infusion-end", "ketamine_dosed", "302 404 404 302 404 404 404 302", {"status": "dosed"}, allow="clinician_a"),
    # Nothing ticked on the discharge checklist: refused.
    Row("POST", "/agenda/sessions/<int:session_id>/dosing/discharge", "ketamine_dosed", "302 404 404 422 404 404 404 302", {}),
    Row("POST", "/agenda/sessions/<int:session_id>/move", "session", "302 404 404 302 404 404 404 302", {"date": TOMORROW, "time": "11:00",
                                                                         "duration_minutes": 50, "outside_hours_ok": "y"}, allow="clinician_a"),
    Row("POST", "/agenda/sessions/<int:session_id>/status", "session", "302 404 404 302 404 404 404 302", {"status": "cancelled"}, allow="clinician_a"),
    Row("POST", "/agenda/sessions/<int:session_id>/status", "session_removed", "302 404 404 404 404 404 404 302", {"status": "cancelled"}),
    Row("POST", "/api/v1/assessments", "-", "401 201 201 404 404 404 404 401", {"client_id": NEW_CLIENT + "1", "instrument": "phq9",
                                                "answers": [1] * 9, "recorded_at": _when()}, allow="patient_a patient_b"),
    Row("POST", "/api/v1/checkins", "-", "401 201 201 404 404 404 404 401", {"client_id": NEW_CLIENT + "2", "recorded_at": _when(), "mood": 4}, allow="patient_a patient_b"),
    Row("GET", "/api/v1/checkins", "-", "401 200 200 404 404 404 404 401"),
    Row("POST", "/api/v1/journal", "-", "401 201 201 404 404 404 404 401", {"client_id": NEW_CLIENT + "3", "body": "new entry"}, allow="patient_a patient_b"),
    Row("GET", "/api/v1/journal", "-", "401 200 200 404 404 404 404 401"),
    Row("GET", "/api/v1/journal/<int:entry_id>", "journal_private", "401 200 404 404 404 404 404 401"),
    Row("GET", "/api/v1/journal/<int:entry_id>", "journal_shared", "401 200 404 200 404 404 404 401"),
    Row("PATCH", "/api/v1/journal/<int:entry_id>", "journal_shared", "401 200 404 404 404 404 404 401", {"body": "overwritten"}, allow="patient_a"),
    Row("DELETE", "/api/v1/journal/<int:entry_id>", "journal_shared", "401 204 404 404 404 404 404 401", allow="patient_a"),
    Row("POST", "/api/v1/push-subscriptions", "-", "401 201 201 404 404 404 404 401", {"endpoint": "https://push.example.net/send/new",
                                                             "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}, allow="patient_a patient_b"),
    Row("DELETE", "/api/v1/push-subscriptions", "-", "401 204 404 404 404 404 404 401", {"endpoint": "https://push.example.net/send/patient-a"}, allow="patient_a"),
    Row("GET", "/api/v1/patients", "-", "401 404 404 200 200 200 200 401"),
    Row("GET", "/api/v1/patients/<int:patient_id>/summary", "patient", "401 404 404 200 404 404 200 401"),
    Row("POST", "/api/v1/sessions", "patient", "401 404 404 201 404 404 404 401", {"patient_id": "{patient}", "kind": "integration",
                                                   "starts_at": TOMORROW + "T09:00:00+00:00", "duration_minutes": 50}, allow="clinician_a"),
    Row("GET", "/api/v1/sessions", "-", "401 200 200 200 200 200 404 401"),
    Row("GET", "/api/v1/sessions/<int:session_id>", "ketamine_dosed", "401 200 404 200 404 404 404 401"),
    Row("GET", "/api/v1/sessions/<int:session_id>", "session_removed", "401 200 404 200 404 404 404 401"),
    Row("POST", "/api/v1/sessions/<int:session_id>/vitals", "ketamine_dosed", "401 404 404 201 404 404 404 401", {"bp": "120/80", "heart_rate": 70, "spo2": 98}, allow="clinician_a"),
    Row("POST", "/api/v1/sessions/<int:session_id>/adverse-events", "ketamine_dosed", "401 404 404 201 404 404 404 401", {"severity": "mild", "description": "dizzy"}, allow="clinician_a"),
    Row("PATCH", "/api/v1/sessions/<int:session_id>", "session", "401 404 404 200 404 404 404 401", {"status": "cancelled"}, allow="clinician_a"),
    Row("PATCH", "/api/v1/sessions/<int:session_id>", "session_removed", "401 404 404 404 404 404 404 401", {"status": "cancelled"}),
    Row("GET", "/calendar", "-", "302 200 200 200 200 200 404 302"),
    Row("POST", "/calendar", "-", "302 302 302 302 302 302 404 302", {"action": "on"}, allow="patient_a patient_b clinician_a clinician_other clinician_removed"),
    Row("GET", "/calendar/<token>.ics", "calendar", "200 200 200 200 200 200 200 200"),
    Row("GET", "/caseload", "-", "302 404 404 200 200 200 404 302"),
    Row("GET", "/caseload.csv", "-", "302 404 404 200 200 200 404 302"),
    Row("GET", "/caseload/add", "-", "302 404 404 200 200 200 404 302"),
    Row("POST", "/caseload/add", "-", "302 404 404 200 200 200 404 302", {"email": "added@example.org", "display_name": "Added Person", "timezone": "UTC"}, allow="clinician_a clinician_other clinician_removed"),
    Row("GET", "/checkin", "-", "302 200 200 404 404 404 404 302"),
    Row("POST", "/checkin", "-", "302 200 200 404 404 404 404 302", {"client_id": NEW_CLIENT + "4", "mood": 5}, allow="patient_a patient_b"),
    Row("GET", "/checkin/<int:checkin_id>/delete", "checkin", "302 200 404 404 404 404 404 302"),
    Row("POST", "/checkin/<int:checkin_id>/delete", "checkin", "302 302 404 404 404 404 404 302", {}, allow="patient_a"),
    Row("GET", "/checkin/<int:checkin_id>/edit", "checkin", "302 200 404 404 404 404 404 302"),
    Row("POST", "/checkin/<int:checkin_id>/edit", "checkin", "302 302 404 404 404 404 404 302", {"mood": 1, "note": "overwritten"}, allow="patient_a"),
    Row("GET", "/checkin/history", "-", "302 200 200 404 404 404 404 302"),
    Row("GET", "/clinic", "-", "302 404 404 404 404 404 200 302"),
    Row("GET", "/flags/<int:flag_id>/acknowledge", "flag", "302 404 404 200 404 404 404 302"),
    Row("POST", "/flags/<int:flag_id>/acknowledge", "flag", "302 404 404 302 404 404 404 302", {"note": "acknowledged"}, allow="clinician_a"),
    Row("GET", "/forgot", "-", "200 200 200 200 200 200 200 200"),
    # An address without an account: the same answer as for one with, and nothing stored; the fourth
    # request for one address within the hour is throttled (RESET_LIMIT_PER_EMAIL, 3 per hour).
    Row("POST", "/forgot", "-", "302 302 302 429 429 429 429 429", {"email": "nobody@example.org"}),
    Row("GET", "/help", "-", "200 200 200 200 200 200 200 200"),
    Row("GET", "/healthz", "-", "200 200 200 200 200 200 200 200"),
    Row("GET", "/invite/<token>", "invite", "200 200 200 200 200 200 200 200"),
    Row("POST", "/invite/<token>", "invite", "302 404 404 404 404 404 404 404", {"password": "taken over passphrase 77", "confirm": "taken over passphrase 77"}, allow="anonymous patient_a patient_b clinician_a clinician_other clinician_removed admin deactivated"),
    Row("GET", "/journal", "-", "302 200 200 404 404 404 404 302"),
    Row("GET", "/journal/<int:entry_id>", "journal_private", "302 200 404 404 404 404 404 302"),
    Row("GET", "/journal/<int:entry_id>", "journal_shared", "302 200 404 404 404 404 404 302"),
    Row("POST", "/journal/<int:entry_id>/delete", "journal_shared", "302 302 404 404 404 404 404 302", {}, allow="patient_a"),
    Row("GET", "/journal/<int:entry_id>/edit", "journal_shared", "302 200 404 404 404 404 404 302"),
    Row("POST", "/journal/<int:entry_id>/edit", "journal_shared", "302 302 404 404 404 404 404 302", {"body": "overwritten"}, allow="patient_a"),
    Row("POST", "/journal/<int:entry_id>/share", "journal_private", "302 302 404 404 404 404 404 302", {"shared": "true"}, allow="patient_a"),
    Row("GET", "/journal/new", "-", "302 200 200 404 404 404 404 302"),
    Row("POST", "/journal/new", "-", "302 302 302 404 404 404 404 302", {"client_id": NEW_CLIENT + "5", "body": "new entry"}, allow="patient_a patient_b"),
    Row("GET", "/login", "-", "200 302 302 302 302 302 302 200"),
    Row("POST", "/login", "-", "200 200 200 200 200 200 200 200", {"email": "nobody@example.org", "password": "wrong password 1"}),
    # The second step of sign-in answers only a half-signed-in session (tests/auth/test_two_factor.py).
    Row("GET", "/login/verify", "-", "302 302 302 302 302 302 302 302"),
    Row("POST", "/login/verify", "-", "302 302 302 302 302 302 302 302", {"code": "123456"}),
    Row("POST", "/login/verify/passkey/options", "-", "401 401 401 401 401 401 401 401", {}),
    Row("POST", "/login/verify/passkey", "-", "401 401 401 401 401 401 401 401", {}),
    Row("POST", "/logout", "-", "302 302 302 302 302 302 302 302", {}, allow="patient_a patient_b clinician_a clinician_other clinician_removed admin"),
    Row("GET", "/manifest.webmanifest", "-", "200 200 200 200 200 200 200 200"),
    Row("GET", "/offline", "-", "200 200 200 200 200 200 200 200"),
    Row("GET", "/patients/<int:patient_id>", "patient", "302 404 404 200 404 404 200 302"),
    Row("POST", "/patients/<int:patient_id>/flags/acknowledge", "patient", "302 404 404 302 404 404 302 302", {"p{patient}-flag_ids": "{flag}", "p{patient}-note": "called her"}, allow="clinician_a admin"),
    # FHIR export: the care team only (not the admin: a whole record for another system is a clinical act).
    Row("GET", "/patients/<int:patient_id>/fhir", "patient", "302 404 404 200 404 404 404 302"),
    Row("GET", "/patients/<int:patient_id>/instruments", "patient", "302 404 404 200 404 404 404 302"),
    Row("POST", "/patients/<int:patient_id>/instruments", "patient", "302 404 404 302 404 404 404 302", {"phq9": "y"}, allow="clinician_a"),
    Row("GET", "/patients/<int:patient_id>/journal", "patient", "302 404 404 200 404 404 404 302"),
    Row("GET", "/patients/<int:patient_id>/report", "patient", "302 404 404 200 404 404 200 302"),
    Row("GET", "/patients/<int:patient_id>/screening", "patient", "302 404 404 200 404 404 404 302"),
    Row("POST", "/patients/<int:patient_id>/screening", "patient", "302 404 404 200 404 404 404 302", {"note": "cleared by an outsider"}, allow="clinician_a"),
    Row("GET", "/progress", "-", "302 200 200 404 404 404 404 302"),
    Row("GET", "/questionnaires/<instrument>", "-", "302 200 200 404 404 404 404 302"),
    Row("POST", "/questionnaires/<instrument>", "-", "302 200 200 404 404 404 404 302", {f"answer_{i}": 1 for i in range(9)} | {"client_id": NEW_CLIENT + "6"}, allow="patient_a patient_b"),
    Row("GET", "/questionnaires/results/<int:assessment_id>", "assessment", "302 200 404 404 404 404 404 302"),
    Row("GET", "/r/<token>", "reminder", "200 200 404 404 404 404 404 200"),
    Row("POST", "/r/<token>", "reminder", "200 404 404 404 404 404 404 404", {"mood": "5"}, allow="anonymous patient_a deactivated"),
    Row("GET", "/reminders", "-", "302 200 200 404 404 404 404 302"),
    Row("POST", "/reminders", "-", "302 302 302 404 404 404 404 302", {"enabled": "y", "checkin_at": "19:00", "checkin_on": "y",
                                          "quiet_start": "21:00", "quiet_end": "08:00"}, allow="patient_a patient_b"),
    Row("GET", "/reset/<token>", "reset", "200 200 200 200 200 200 200 200"),
    Row("POST", "/reset/<token>", "reset", "302 404 404 404 404 404 404 404", {"password": "taken over passphrase 77", "confirm": "taken over passphrase 77"}, allow="anonymous patient_a patient_b clinician_a clinician_other clinician_removed admin deactivated"),
    Row("GET", "/screening", "-", "302 200 200 404 404 404 404 302"),
    Row("POST", "/screening", "-", "302 200 200 404 404 404 404 302", {"details": "changed"}, allow="patient_a patient_b"),
    Row("GET", "/sessions", "-", "302 200 200 404 404 404 404 302"),
    Row("GET", "/sessions/<int:session_id>", "session", "302 200 404 404 404 404 404 302"),
    Row("GET", "/static/<path:filename>", "-", "200 200 200 200 200 200 200 200"),
    Row("GET", "/sw.js", "-", "200 200 200 200 200 200 200 200"),
    Row("GET", "/vendor/plotly-<digest>.min.js", "-", "200 200 200 200 200 200 200 200"),
]


def url(row: Row, ids: dict) -> str:
    """The row's path with A's object ids (and fixed values for the few non-id parameters)."""
    from katapp.dashboard.plotly_asset import digest

    values = {
        "checkin_id": ids["checkin"], "entry_id": ids.get(row.kind, ids["journal_private"]),
        "session_id": ids.get(row.kind, ids["session"]), "patient_id": ids["patient"],
        "user_id": ids["pending"] if row.kind == "pending" else ids["patient"],
        "flag_id": ids["flag"], "factor_id": ids["factor"], "assessment_id": ids["assessment"], "instrument": "phq9",
        "token": ids.get(f"{row.kind}_token", "nope"),
        "filename": "css/app.css", "digest": digest() or "0",
    }
    path = row.rule
    for name, value in values.items():
        for conv in ("int:", "path:", ""):
            path = path.replace(f"<{conv}{name}>", str(value))
    return path


def send(client, row: Row, path: str, ids: dict):
    token = getattr(client, "csrf", None)
    placeholders = {"{patient}": ids["patient"], "{password}": ids["password"], "{flag}": ids["flag"]}
    body = None if row.body is None else {k.replace("{patient}", str(ids["patient"])): placeholders.get(v, v) if isinstance(v, str) else v
                                          for k, v in row.body.items()}
    if path.startswith("/api/"):
        headers = {"X-CSRFToken": token} if token else {}
        return client.open(path, method=row.method, json=body, headers=headers)
    data = dict(body or {})
    if row.method != "GET" and token:
        data["csrf_token"] = token
    return client.open(path, method=row.method, data=data if row.method != "GET" else None)


def order(row: Row) -> list[str]:
    """Actors who may write go last, so an allowed write (a cancel, a delete) cannot hide a refusal."""
    return sorted(ACTORS, key=lambda actor: writes(row, actor))


# Who may read A's text: A; A's care team and the admin, except A's private journal.
ENTITLED = {"patient_a": set(A_SECRETS), "clinician_a": set(A_SECRETS) - set(A_PRIVATE),
            "admin": set(A_SECRETS) - set(A_PRIVATE)}


def writes(row: Row, actor: str) -> bool:
    return row.method != "GET" and actor in row.allow.split()


# A care-team read of a shared journal entry stores a read receipt (the patient is told, issue #18):
# a write we want, like the audit log, and only for the one actor who may read A's shared journal.
READ_RECEIPTS = {"clinician_a": "journal_reads"}


def check_cell(row: Row, actor: str, body: str, before: dict) -> None:
    leaked = {s for s in A_SECRETS if s in body}
    assert leaked <= ENTITLED.get(actor, set()), f"{actor} sees A's data: {sorted(leaked - ENTITLED.get(actor, set()))}"
    if not writes(row, actor):
        after, receipts = table_fingerprint(), READ_RECEIPTS.get(actor)
        if row.method == "GET" and receipts:
            after, before = ({k: v for k, v in d.items() if k != receipts} for d in (after, before))
        assert after == before, f"{actor} changed the database"


def test_every_route_has_a_row(app):
    """A new route without a row here fails the suite: decide who may use it before it ships."""
    routes = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    covered = {(row.method, row.rule) for row in ROWS}
    assert routes - covered == set(), "routes without a matrix row"
    assert covered - routes == set(), "matrix rows for routes that no longer exist"


def readable(response) -> str:
    """The answer's text; for a ZIP download, the text of every file in it (so A's data is looked for inside)."""
    if response.mimetype != "application/zip":
        return response.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_matrix(world, row):
    path = url(row, world.ids)
    expected = dict(zip(ACTORS, _statuses(row.expect), strict=True))
    for actor in order(row):
        before = table_fingerprint()
        response = send(world.clients[actor], row, path, world.ids)
        body = readable(response)
        response.close()
        assert response.status_code == expected[actor], f"{actor}: {response.status_code} {body[:300]}"
        if response.mimetype == "text/html":  # two forms' csrf fields once shared an id (Nu HTML Checker)
            ids = Counter(re.findall(r'\sid="([^"]+)"', body))
            assert not [i for i, n in ids.items() if n > 1], f"{actor}: duplicate ids {ids.most_common(3)}"
        check_cell(row, actor, body, before)
