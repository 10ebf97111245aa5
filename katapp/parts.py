"""Cross-feature page parts: the one place that says which data feeds which partial.

A page that shows another feature's part calls `{{ part("name") }}`; the registry below names its
template and the function computing its data from the signed-in user (DESIGN.md §14). This is
the sanctioned join of features for a page: the data functions call the features' services.
To add a part: write the partial (it reads only the names its function returns), add one `Part`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, render_template
from flask_login import current_user
from markupsafe import Markup

from katapp import careteam
from katapp import flag_review as review
from katapp.audit import services as audit_log
from katapp.checkins import services as checkins
from katapp.checkins.forms import group_acknowledge_form
from katapp.crisis_help import crisis_view
from katapp.journal import services as journal
from katapp.reminders import services as reminders
from katapp.schedule import agenda as schedule
from katapp.schedule import dosing_day


@dataclass(frozen=True)
class Part:
    template: str
    data: Callable[..., dict]  # the signed-in user (or anonymous), and the page's arguments -> the template's names


def _open_flags(user) -> dict:
    return {"groups": review.open_flag_groups(user) if user.is_authenticated else []}


PARTS: dict[str, Part] = {
    # the clinician's caseload: open safety flags grouped by patient, one acknowledge form per group
    "open_flags": Part("checkins/_open_flags.html", _open_flags),
    # the patient's check-in home
    "due_questionnaires": Part("checkins/_due.html", lambda user: dict(zip(
        ("due", "upcoming"), checkins.questionnaire_plan(user) if user.is_authenticated else ([], []), strict=True))),
    "upcoming_sessions": Part("schedule/_upcoming.html", lambda user: {"sessions": schedule.upcoming_for(user, limit=3)}),
    # the admin's clinic overview: who changed which care team in the last 7 days
    "care_team_changes": Part("audit/_care_team_changes.html", lambda user: {
        "changes": audit_log.care_team_changes() if user.is_authenticated and user.role == "admin" else None}),
    # the admin's clinic overview: sessions waiting for a clinician, add-patient requests that matched (#14)
    "admin_tasks": Part("admin/_tasks.html", lambda user: {
        "tasks": careteam.admin_tasks() if user.is_authenticated and user.role == "admin" else None}),
    # the admin's clinic overview: the week's security events, counted, each linked to the audit log (#14)
    "security_events": Part("audit/_security_events.html", lambda user: {
        "events": audit_log.security_events() if user.is_authenticated and user.role == "admin" else None}),
    # the patient's check-in home, while reminders are off (issue #17)
    "reminders_offer": Part("reminders/_offer.html", lambda user: {
        "show": getattr(user, "role", None) == "patient" and not reminders.settings_for(user).enabled}),
    "journal_prompt": Part("journal/_prompt_card.html", lambda user: {"offer": journal.prompt_for(user)}),
    # every patient page: the crisis help as JSON, so the phone can show it offline (static/js/crisis.js)
    # the clinician's patient page: the record of every completed dosing day (issue #12)
    "dosing_record": Part("schedule/_dosing_record.html", lambda user, patient_id=None: {
        "records": dosing_day.completed_records(user, patient_id)
        if user.is_authenticated and patient_id is not None else None}),
    "crisis_data": Part("checkins/_crisis_data.html", lambda user: {
        "help": crisis_view(user) if getattr(user, "role", None) == "patient" else None}),
}


def part(name: str, **args) -> Markup:
    """The rendered part `name` for the signed-in user (and the page's `args`, e.g. the patient shown);
    KeyError for a name not in PARTS."""
    entry = PARTS[name]
    return Markup(render_template(entry.template, **entry.data(current_user._get_current_object(), **args)))  # noqa: S704  # nosec B704 - autoescaped template output


def init_parts(app: Flask) -> None:
    app.jinja_env.globals["part"] = part
    # The flag-group macro (checkins/_flag_group.html) builds its acknowledge form with this; the
    # caseload part, the admin's flag list and the clinician's patient page all show flag groups.
    app.jinja_env.globals["acknowledge_form"] = group_acknowledge_form
