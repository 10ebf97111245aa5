"""Plain-language names for the parts of a patient's record that staff read ("Who has seen my
records", issue #15). Audit actions are "view:<part>" or "export:<part>"; every part read through
`security.audit_view` is named here, so a patient never sees a code.
"""
from __future__ import annotations

RECORD_PARTS: dict[str, str] = {
    "account": "your account details (name, email, care team)",
    "calendar_feed": "your sessions, in a clinician's calendar app",
    "caseload": "your name and latest scores on a caseload list",
    "dashboard": "your progress page (check-ins, questionnaires, sessions)",
    "fhir": "your whole record (questionnaires, check-ins, sessions and doses, safety flags, shared journal "
            "entries), to put in another health record system",
    "flag": "a safety flag from one of your answers",
    "instruments": "which questionnaires you are asked to fill in",
    "journal": "your shared journal entries",
    "journal_entry": "a journal entry you shared",
    "patients": "your name on a patient list",
    "report": "a printable progress report (questionnaires, sessions, charts)",
    "screening": "your intake screening",
    "session": "a session record (dose, vitals, notes)",
    "sessions": "your sessions, with clinician notes",
    "summary": "your progress summary",
}
VERBS = {"view": "looked at", "export": "downloaded"}


def describe(action: str) -> tuple[str, str] | None:
    """(verb, part) in plain words for a read action ("view:summary"), or None for any other action."""
    verb, _, part = action.partition(":")
    if verb not in VERBS or not part:
        return None
    return VERBS[verb], RECORD_PARTS.get(part, "part of your record")
