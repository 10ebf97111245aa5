"""Crisis resources per country, with fallback; the checks on a clinic's table and on contact fields."""
import pytest

from katapp.domain.crisis import (
    DEFAULT_RESOURCES,
    FALLBACK,
    Resource,
    normalize_country,
    normalize_phone,
    resource_table_errors,
    resources_for,
)

US = DEFAULT_RESOURCES["US"]
GB = DEFAULT_RESOURCES["GB"]
CLINIC = {"CA": [{"label": "Call or text 988", "kind": "call", "value": "9 8 8"}],
          "*": [{"label": "Call 112", "kind": "call", "value": "112"}]}


def test_default_table_holds_the_issues_numbers():
    assert [(r.kind, r.value) for r in US] == [("call", "988"), ("text", "988"), ("call", "911")]
    assert [(r.kind, r.value) for r in GB] == [("call", "999"), ("call", "116123")]
    assert FALLBACK == (Resource("Call your local emergency number", "info", ""),)


@pytest.mark.parametrize(
    ("country", "clinic_country", "table", "expected"),
    [
        ("US", "GB", None, US),  # the patient's own country wins
        (None, "US", None, US),  # no country: the clinic's
        (None, "GB", None, GB),
        ("gb", "US", None, GB),  # case does not matter
        (" GB ", "US", None, GB),
        ("FR", "US", None, FALLBACK),  # nobody listed France: the generic line
        ("", "", None, FALLBACK),
        ("CA", "US", CLINIC, (Resource("Call or text 988", "call", "988"),)),  # the clinic's own table, spaces dropped
        ("US", "US", CLINIC, (Resource("Call 112", "call", "112"),)),  # its "*" entry for others
        ("US", "US", {"CA": CLINIC["CA"]}, FALLBACK),  # a table without "*": the generic line
    ],
)
def test_resources_for(country, clinic_country, table, expected):
    assert resources_for(country, clinic_country, table) == expected


@pytest.mark.parametrize(
    ("table", "errors"),
    [
        (CLINIC, {}),
        ({"US": [{"label": "Lifeline", "kind": "web", "value": "https://988lifeline.org"}]}, {}),
        ({"US": [{"label": "Help", "kind": "info", "value": ""}]}, {}),
        ({}, {"crisis_resources": "Give at least one country with its crisis resources."}),
        ([], {"crisis_resources": "Give at least one country with its crisis resources."}),
        ({"USA": CLINIC["CA"]}, {"USA": 'Use a two-letter country code (ISO 3166), or "*" for everywhere else.'}),
        ({"us": CLINIC["CA"]}, {"us": 'Use a two-letter country code (ISO 3166), or "*" for everywhere else.'}),
        ({"US": []}, {"US": "List between 1 and 10 resources."}),
        ({"US": "988"}, {"US": "List between 1 and 10 resources."}),
        ({"US": [{"label": "x", "kind": "call"}]}, {"US": "Each resource needs a label, a kind and a value."}),
        ({"US": [{"label": " ", "kind": "call", "value": "988"}]}, {"US": "Each label needs 1 to 120 characters."}),
        ({"US": [{"label": "x", "kind": "fax", "value": "988"}]}, {"US": "Kind must be one of call, text, web, info."}),
        ({"US": [{"label": "x", "kind": "call", "value": "tel:988"}]},
         {"US": "A number to call or text holds digits only (an optional leading +)."}),
        ({"US": [{"label": "x", "kind": "web", "value": "javascript:alert(1)"}]},
         {"US": "A web resource needs an https:// address."}),
    ],
)
def test_resource_table_errors(table, errors):
    assert resource_table_errors(table) == errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [("+1 (555) 010-2345", "+15550102345"), ("07700 900123", "07700900123"), ("116.123", "116123"),
     ("", None), (None, None), ("   ", None)],
)
def test_normalize_phone(text, expected):
    assert normalize_phone(text) == expected


@pytest.mark.parametrize("text", ["call me", "12", "+", "++15550102345", "5" * 21, "555-CALL"])
def test_normalize_phone_refuses(text):
    with pytest.raises(ValueError, match="phone number"):
        normalize_phone(text)


@pytest.mark.parametrize(("text", "expected"), [("us", "US"), (" gb ", "GB"), ("", None), (None, None)])
def test_normalize_country(text, expected):
    assert normalize_country(text) == expected


@pytest.mark.parametrize("text", ["USA", "U", "1A", "U.S."])
def test_normalize_country_refuses(text):
    with pytest.raises(ValueError, match="two-letter"):
        normalize_country(text)
