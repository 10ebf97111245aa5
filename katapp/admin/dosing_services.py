"""The clinic's dosing settings (issue #12): read them as the admin's form shows them, check an
edit as a whole and store it, audited.

Checklists are stored with their items' keys; a renamed item keeps its key (so a session in
progress keeps its tick), a new item gets one from its label. Sessions keep the labels they were
ticked against (`TherapySession.checklist_labels`), so removing or renaming an item never changes
a past record.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from katapp.clinic import clinic_settings, dosing_settings, forget_dosing_settings
from katapp.domain import dosing
from katapp.errors import Invalid
from katapp.extensions import db
from katapp.models import ClinicSettings
from katapp.security import audit

NUMBERS = ("bp_limit_systolic", "bp_limit_diastolic", "alert_bp_systolic", "alert_bp_diastolic", "alert_hr_above",
           "alert_hr_below", "alert_spo2_below", "screening_valid_days", "early_start_minutes",
           "observation_minutes_intranasal", "observation_minutes_other")
WEIGHT_ROUTES = ("iv", "im", "sublingual_oral")  # mg/kg ranges; intranasal esketamine has fixed doses


@dataclass(frozen=True)
class Row:
    """One checklist row of the form: `key` "" for a new item."""

    key: str = ""
    text: str = ""
    pregnancy_only: bool = False
    remove: bool = False


def form_values() -> dict:
    """The stored settings as the form's values (checklists as lists of Row)."""
    row, rules = clinic_settings(), dosing_settings()
    values = {name: getattr(row, name) for name in NUMBERS}
    for route in WEIGHT_ROUTES:
        r = rules.dose_range(route)
        values[f"{route}_min"], values[f"{route}_max"] = Decimal(str(r.min_mg_per_kg)), Decimal(str(r.max_mg_per_kg))
    values["intranasal_fixed"] = ", ".join(f"{mg:g}" for mg in rules.dose_range("intranasal").fixed_mg)
    values["predose"] = [Row(i.key, i.label, i.applies_when == dosing.PREGNANCY_POSSIBLE) for i in rules.predose_checklist]
    values["discharge"] = [Row(i.key, i.label) for i in rules.discharge_checklist]
    return values


def save(values: Mapping) -> dosing.DosingSettings:
    """Check and store the dosing settings (the form's values); audited; commits.

    Raises Invalid naming each wrong field (nothing stored): a range's minimum not below its
    maximum or above the route's ceiling, an esketamine dose that is not whole 28 mg devices, an
    alert threshold not beyond the dosing limit, an empty or over-long checklist, a repeated item.
    """
    errors: dict[str, str] = {}
    current = dosing_settings()
    predose = _checklist(values["predose"], current.predose_checklist, "predose", errors, pregnancy=True)
    discharge = _checklist(values["discharge"], current.discharge_checklist, "discharge", errors, pregnancy=False)
    ranges = _ranges(values, errors)
    numbers = {name: int(values[name]) for name in NUMBERS}
    _threshold_errors(numbers, errors)
    Invalid.check(errors, "Some settings are not valid: nothing was saved.")
    try:
        rules = dosing.DosingSettings(
            bp_limit=(numbers["bp_limit_systolic"], numbers["bp_limit_diastolic"]),
            alert_bp=(numbers["alert_bp_systolic"], numbers["alert_bp_diastolic"]),
            alert_hr_above=numbers["alert_hr_above"], alert_hr_below=numbers["alert_hr_below"],
            alert_spo2_below=numbers["alert_spo2_below"], screening_valid_days=numbers["screening_valid_days"],
            early_start_minutes=numbers["early_start_minutes"],
            observation_minutes_intranasal=numbers["observation_minutes_intranasal"],
            observation_minutes_other=numbers["observation_minutes_other"],
            predose_checklist=predose, discharge_checklist=discharge, dose_ranges=ranges)
    except ValueError as exc:
        message = str(exc)[:1].upper() + str(exc)[1:] + "."
        raise Invalid(message, {"bp_limit_systolic": message}) from None
    _store(numbers, rules, current)
    return rules


def _checklist(rows: Sequence[Row], current: Iterable[dosing.ChecklistItem], name: str, errors: dict[str, str], *,
               pregnancy: bool) -> tuple[dosing.ChecklistItem, ...]:
    known = {i.key for i in current}
    rows = [Row(r.key, " ".join((r.text or "").split()), r.pregnancy_only, r.remove) for r in rows]  # one line each
    kept = [r for r in rows if not r.remove and (r.text or "").strip()]
    unnamed = [r for r in rows if not r.remove and r.key in known and not (r.text or "").strip()]
    labels = [r.text.strip() for r in kept]
    if unnamed:
        errors[f"{name}_checklist"] = "Give every item its words, or tick “Remove this item”."
    elif not kept:
        errors[f"{name}_checklist"] = "Keep at least one item on the checklist."
    elif len(kept) > dosing.CHECKLIST_MAX:
        errors[f"{name}_checklist"] = f"At most {dosing.CHECKLIST_MAX} items."
    elif len({label.casefold() for label in labels}) != len(labels):
        errors[f"{name}_checklist"] = "Each item once: two items have the same words."
    # A kept item keeps its key; a new one never reuses a key, not even a removed item's (a session
    # in progress ticked against the removed item must not count for the new one).
    taken: set[str] = set()
    items = []
    for r in kept:
        key = r.key if r.key in known and r.key not in taken else dosing.item_key(r.text, taken | known)
        taken.add(key)
        items.append(dosing.ChecklistItem(key, r.text.strip(), dosing.PREGNANCY_POSSIBLE if pregnancy and r.pregnancy_only else ""))
    return tuple(items)



def _ranges(values: Mapping, errors: dict[str, str]) -> tuple[dosing.DoseRange, ...]:
    ranges = []
    for route in WEIGHT_ROUTES:
        low, high = (None if values.get(f"{route}_{end}") is None else float(values[f"{route}_{end}"])
                     for end in ("min", "max"))
        problem = dosing.range_problem(route, low, high)
        if problem:
            end, message = problem
            errors[f"{route}_{end}"] = _sentence(message)
            continue
        ranges.append(dosing.DoseRange(route, low, high, infusion_minutes=dosing.DEFAULTS.dose_range(route).infusion_minutes))
    try:
        ranges.append(dosing.DoseRange("intranasal", fixed_mg=dosing.parse_fixed_doses(values.get("intranasal_fixed") or "")))
    except ValueError as exc:
        errors["intranasal_fixed"] = _sentence(str(exc))
    return tuple(ranges)


def _threshold_errors(n: Mapping[str, int], errors: dict[str, str]) -> None:
    if n["bp_limit_systolic"] <= n["bp_limit_diastolic"]:
        errors["bp_limit_systolic"] = "The systolic limit must be above the diastolic one."
    if n["alert_bp_systolic"] <= n["bp_limit_systolic"]:
        errors["alert_bp_systolic"] = "The alert level must be above the pre-dose limit."
    if n["alert_bp_diastolic"] <= n["bp_limit_diastolic"]:
        errors["alert_bp_diastolic"] = "The alert level must be above the pre-dose limit."
    if n["alert_hr_below"] >= n["alert_hr_above"]:
        errors["alert_hr_below"] = "The low heart-rate alert must be below the high one."


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _store(numbers: Mapping[str, int], rules: dosing.DosingSettings, before: dosing.DosingSettings) -> None:
    row = db.session.get(ClinicSettings, 1)
    if row is None:
        row = ClinicSettings(id=1, **ClinicSettings.defaults())
        db.session.add(row)
    changed = [name for name, value in numbers.items() if getattr(row, name) != value]
    for name, value in numbers.items():
        setattr(row, name, value)
    row.predose_checklist = dosing.checklist_to_data(rules.predose_checklist)
    row.discharge_checklist = dosing.checklist_to_data(rules.discharge_checklist)
    row.dose_ranges = dosing.ranges_to_data(rules.dose_ranges)
    changed += [name for name in ("predose_checklist", "discharge_checklist", "dose_ranges")
                if getattr(rules, name) != getattr(before, name)]
    audit("dosing_settings_changed", detail=", ".join(changed) or "saved unchanged")
    forget_dosing_settings()
    db.session.commit()
