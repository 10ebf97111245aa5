"""What a person in crisis is shown (issue #11): the crisis resources for their country as links,
the honest line about response times, and the two true sentences about who was told.

Shared by the check-in pages, the /help page, the offline page (the same for everyone: the clinic's
own country) and the JSON each patient page carries for the phone (static/js/crisis.js), so the
card reads the same online, offline and after an entry is sent.
"""
from __future__ import annotations

from typing import Any

from katapp.clinic import clinic_settings
from katapp.domain import crisis
from katapp.models import ClinicSettings, User

TOLD = "Your care team has been told and will follow up with you."
NOT_TOLD = "We could not reach a clinician automatically: please use the numbers above or call the clinic."
WAITING = "Saved on this phone, not sent yet: nobody at the clinic has seen your answer. Please use the numbers above."
NOT_WATCHED = "This app is not watched around the clock."


def crisis_view(user: User | None) -> dict[str, Any]:
    """The crisis help for `user` (None, or anyone but a patient: the clinic's own country), as plain
    data for a page or JSON: resources with their links, the honest line, the clinic's own text."""
    settings = clinic_settings()
    country = user.country if user is not None and getattr(user, "role", None) == "patient" else None
    resources = crisis.resources_for(country, settings.country, settings.crisis_resources)
    emergency = next((r.value for r in resources if r.kind == "call" and "emergency" in r.label.lower()), None)
    return {
        "resources": [{"label": r.label, "kind": r.kind, "href": _href(r)} for r in resources],
        "honest": f"{NOT_WATCHED} If you are in immediate danger, call {emergency or 'your local emergency number'} now.",
        # The clinic's own words, when it wrote some: the built-in text is the US default, which the
        # resources already say, and which would mislead a patient elsewhere.
        "text": settings.crisis_text if settings.crisis_text != ClinicSettings.DEFAULT_CRISIS_TEXT else None,
        "told": TOLD, "not_told": NOT_TOLD, "waiting": WAITING,
    }


def _href(resource: crisis.Resource) -> str | None:
    """tel: / sms: / https: for a resource that has one; None for words only (kind "info")."""
    prefix = {"call": "tel:", "text": "sms:", "web": ""}.get(resource.kind)
    return None if prefix is None or not resource.value else prefix + resource.value
