"""Crisis help per country, as data, and the checks on a clinic's own list and a patient's contact fields.

A clinic may store its own resources per country (ClinicSettings.crisis_resources, a mapping of an
ISO 3166 alpha-2 code, or "*" for everywhere else, to a list of {label, kind, value}); without one,
the built-in DEFAULT_RESOURCES apply. `resources_for` picks a patient's list: their own country,
else the clinic's country, and the generic FALLBACK for a country nobody listed.
Sources: 988 Suicide & Crisis Lifeline (US, call or text 988); 911 (US emergency); 999 (UK emergency);
Samaritans (UK and Ireland, call 116 123, free, 24 hours).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# call: a `tel:` button; text: an `sms:` button; web: a link; info: words only (no number to dial).
RESOURCE_KINDS = ("call", "text", "web", "info")
ANYWHERE = "*"
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
PHONE_MAX = 32
_PHONE_RE = re.compile(r"^\+?[0-9]{3,20}$")
_LABEL_MAX, _VALUE_MAX, _PER_COUNTRY_MAX = 120, 200, 10


@dataclass(frozen=True)
class Resource:
    label: str
    kind: str  # one of RESOURCE_KINDS
    value: str  # the number to call or text, the web address; "" for info


FALLBACK = (Resource("Call your local emergency number", "info", ""),)

DEFAULT_RESOURCES: dict[str, tuple[Resource, ...]] = {
    "US": (
        Resource("Call 988 (Suicide & Crisis Lifeline)", "call", "988"),
        Resource("Text 988 (Suicide & Crisis Lifeline)", "text", "988"),
        Resource("Emergency: call 911", "call", "911"),
    ),
    "GB": (
        Resource("Emergency: call 999", "call", "999"),
        Resource("Samaritans: call 116 123 (free, 24 hours)", "call", "116123"),
    ),
    ANYWHERE: FALLBACK,
}


def resources_for(country: str | None, clinic_country: str = "US",
                  table: Mapping[str, list[dict]] | None = None) -> tuple[Resource, ...]:
    """The crisis resources for a patient in `country` (None: the clinic's country).

    `table` is the clinic's stored list (None: DEFAULT_RESOURCES). A country missing from it gets
    its "*" entry, or FALLBACK: never an empty list.
    """
    resources = _as_resources(table) if table is not None else DEFAULT_RESOURCES
    code = (country or clinic_country or "").strip().upper()
    return resources.get(code) or resources.get(ANYWHERE) or FALLBACK


def resource_table_errors(table: object) -> dict[str, str]:
    """Field errors of a clinic's resource table ({} when it is valid), keyed by country code."""
    if not isinstance(table, Mapping) or not table:
        return {"crisis_resources": "Give at least one country with its crisis resources."}
    errors: dict[str, str] = {}
    for code, items in table.items():
        if code != ANYWHERE and not (isinstance(code, str) and COUNTRY_RE.match(code)):
            errors[str(code)[:8]] = 'Use a two-letter country code (ISO 3166), or "*" for everywhere else.'
        elif not isinstance(items, list) or not 1 <= len(items) <= _PER_COUNTRY_MAX:
            errors[code] = f"List between 1 and {_PER_COUNTRY_MAX} resources."
        elif problem := next(filter(None, map(_item_error, items)), None):
            errors[code] = problem
    return errors


def _item_error(item: object) -> str | None:
    if not isinstance(item, Mapping) or set(item) != {"label", "kind", "value"}:
        return "Each resource needs a label, a kind and a value."
    label, kind, value = item["label"], item["kind"], item["value"]
    if not isinstance(label, str) or not 0 < len(label.strip()) <= _LABEL_MAX:
        return f"Each label needs 1 to {_LABEL_MAX} characters."
    if kind not in RESOURCE_KINDS:
        return f"Kind must be one of {', '.join(RESOURCE_KINDS)}."
    if not isinstance(value, str) or len(value) > _VALUE_MAX:
        return f"Each value needs at most {_VALUE_MAX} characters."
    if kind in ("call", "text") and not _PHONE_RE.match(value.replace(" ", "")):
        return "A number to call or text holds digits only (an optional leading +)."
    if kind == "web" and not value.startswith("https://"):
        return "A web resource needs an https:// address."
    return None


def _as_resources(table: Mapping[str, list[dict]]) -> dict[str, tuple[Resource, ...]]:
    return {code: tuple(Resource(i["label"], i["kind"], i["value"].replace(" ", "") if i["kind"] in ("call", "text")
                                 else i["value"]) for i in items)
            for code, items in table.items()}


def normalize_phone(text: str | None) -> str | None:
    """A phone number as stored: spaces, dashes, dots and brackets dropped; None when blank.

    Raises ValueError when what is left is not an optional "+" and 3 to 20 digits (E.164-ish, and
    short national numbers too).
    """
    cleaned = re.sub(r"[\s\-.()]", "", text or "")
    if not cleaned:
        return None
    if not _PHONE_RE.match(cleaned):
        raise ValueError("Give a phone number: digits, with an optional leading + and country code.")
    return cleaned


def normalize_country(text: str | None) -> str | None:
    """An ISO 3166 alpha-2 code in capitals; None when blank (the clinic's country applies).

    Raises ValueError for anything but two letters.
    """
    code = (text or "").strip().upper()
    if not code:
        return None
    if not COUNTRY_RE.match(code):
        raise ValueError("Give a two-letter country code, e.g. US or GB.")
    return code
