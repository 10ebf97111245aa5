"""Dosing settings as data (issue #12): stored lists round-trip, the admin's edits are checked, and
a session's record reads the words it was ticked against. Tables, no app."""
import datetime as dt

import pytest

from katapp.domain import dosing
from katapp.domain.dosing import ChecklistItem, DoseRange, Reading

T0 = dt.datetime(2030, 6, 3, 14, 0, tzinfo=dt.UTC)


def test_defaults_round_trip_through_stored_data():
    assert dosing.checklist_from_data(dosing.checklist_to_data(dosing.PREDOSE_CHECKLIST), ()) == dosing.PREDOSE_CHECKLIST
    assert dosing.ranges_from_data(dosing.ranges_to_data(dosing.DOSE_RANGES)) == dosing.DOSE_RANGES
    assert dosing.checklist_from_data(None, dosing.DISCHARGE_CHECKLIST) == dosing.DISCHARGE_CHECKLIST
    assert dosing.ranges_from_data(None) == dosing.DOSE_RANGES


def test_a_route_missing_from_stored_ranges_keeps_its_default():
    ranges = dosing.ranges_from_data({"iv": {"min_mg_per_kg": 0.3, "max_mg_per_kg": 0.6}})
    assert ranges[0] == DoseRange("iv", 0.3, 0.6, infusion_minutes=40)
    assert ranges[1:] == dosing.DOSE_RANGES[1:]


@pytest.mark.parametrize(("route", "low", "high", "expected"), [
    ("iv", 0.5, 1.0, None),
    ("iv", 0.5, 2.0, None),
    ("sublingual_oral", 1.0, 5.0, None),
    ("iv", None, 1.0, "min"),
    ("iv", 0.5, None, "max"),
    ("iv", 0, 1.0, "min"),
    ("iv", 1.0, 1.0, "min"),
    ("im", 1.0, 0.5, "min"),
    ("iv", 0.5, 2.5, "max"),
    ("sublingual_oral", 1.0, 6.0, "max"),
])
def test_range_problem(route, low, high, expected):
    problem = dosing.range_problem(route, low, high)
    assert (problem[0] if problem else None) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("56, 84", (56.0, 84.0)), ("84;56", (56.0, 84.0)), ("28 56 84", (28.0, 56.0, 84.0)), ("112", (112.0,)),
])
def test_parse_fixed_doses(text, expected):
    assert dosing.parse_fixed_doses(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "at least one dose"), ("56, sixty", "as numbers"), ("60", "60 mg is not a dose"), ("140", "from 28 to 112"),
    ("0", "0 mg is not a dose"), ("-28", "not a dose"), ("nan", "not a dose"), ("56, 56", "each dose once"),
])
def test_parse_fixed_doses_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        dosing.parse_fixed_doses(text)


@pytest.mark.parametrize(("label", "taken", "key"), [
    ("Escort present", (), "escort_present"),
    ("IV line checked!", (), "iv_line_checked"),
    ("Fasting", ("fasting",), "fasting_2"),
    ("Fasting", ("fasting", "fasting_2"), "fasting_3"),
    ("✓✓", (), "item"),
    ("Ärztin informiert", (), "ärztin_informiert"),
])
def test_item_key(label, taken, key):
    assert dosing.item_key(label, taken) == key


def test_labels_kept_and_shown_in_checklist_order():
    checklist = (ChecklistItem("b", "Bee"), ChecklistItem("a", "Ay"), ChecklistItem("c", "Sea"))
    kept = dosing.labels_of(checklist, ["a", "b"])
    assert list(kept.items()) == [("b", "Bee"), ("a", "Ay")]
    assert dosing.ticked_labels(["a", "b"], kept, ()) == ["Bee", "Ay"]


def test_ticked_labels_fall_back_to_the_built_in_words_then_the_key():
    kept = {"fasting": "Fasted 4 h"}
    assert dosing.ticked_labels(["consent", "fasting", "zzz"], kept, dosing.PREDOSE_CHECKLIST) == [
        "Fasted 4 h", "Signed consent on file", "zzz"]
    assert dosing.ticked_labels([], None, dosing.PREDOSE_CHECKLIST) == []


def test_peaks():
    readings = [Reading(T0, 150, 94, 88, 97), Reading(T0, 150, 96, None, 95), Reading(T0, None, None, 101, None)]
    p = dosing.peaks(readings, ["4", None, "3"], ["mild", "severe", None, "none"])
    assert p == dosing.Peaks(bp="150/96", heart_rate=101, spo2=95, moaas=3, dissociation="severe")
    assert dosing.peaks([]) == dosing.Peaks()
