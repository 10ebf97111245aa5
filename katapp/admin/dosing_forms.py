"""The admin's dosing settings form (issue #12): limits, alert thresholds, times, the two
checklists (one row per item, plus empty rows to add) and the dose range of each route.

Fields check themselves (numbers in the database's bounds, text through the input gate); the
rules between fields (minimum below maximum, alert above the dosing limit, sane ceilings) are
`dosing_services`' and `domain.dosing`'s."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, FieldList, Form, FormField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from katapp.inputs import Text

BLANK_ROWS = 2  # empty rows under each checklist, to add items without JavaScript
MAX_ROWS = 40  # rows read from a post (the service allows at most dosing.CHECKLIST_MAX items)


def _whole(label: str, low: int, high: int, unit: str, description: str | None = None) -> IntegerField:
    message = f"From {low} to {high} {unit}."
    return IntegerField(label, description=description,
                        validators=[InputRequired(message), NumberRange(low, high, message)])


def _mg_per_kg(label: str) -> DecimalField:
    return DecimalField(label, places=None, validators=[InputRequired("Give a number of mg/kg, for example 0.5."),
                                                        NumberRange(0.01, 10, "From 0.01 to 10 mg/kg.")])


class PreDoseItemForm(Form):
    key = HiddenField()
    text = TextAreaField("Item", render_kw={"rows": "2"},
                         validators=[Optional(), Length(max=200, message="At most 200 characters."), Text(200)])
    pregnancy_only = BooleanField("Only when the patient could be pregnant")
    remove = BooleanField("Remove this item")


class DischargeItemForm(Form):
    key = HiddenField()
    text = TextAreaField("Item", render_kw={"rows": "2"},
                         validators=[Optional(), Length(max=200, message="At most 200 characters."), Text(200)])
    remove = BooleanField("Remove this item")


class DosingSettingsForm(FlaskForm):
    bp_limit_systolic = _whole("Pre-dose BP limit: systolic", 90, 220, "mmHg")
    bp_limit_diastolic = _whole("Pre-dose BP limit: diastolic", 50, 140, "mmHg")
    alert_bp_systolic = _whole("Alert BP: systolic", 120, 260, "mmHg")
    alert_bp_diastolic = _whole("Alert BP: diastolic", 70, 160, "mmHg")
    alert_hr_above = _whole("Alert when heart rate is above", 60, 250, "beats a minute")
    alert_hr_below = _whole("Alert when heart rate is below", 20, 100, "beats a minute")
    alert_spo2_below = _whole("Alert when SpO2 is below", 50, 100, "%")
    screening_valid_days = _whole("A screening is valid for", 1, 730, "days",
                                  "After this, or before a new series, the patient is screened again.")
    early_start_minutes = _whole("A dose may start this early", 0, 120, "minutes",
                                 "Minutes before the session's start time.")
    observation_minutes_intranasal = _whole("Minimum observation after intranasal esketamine", 1, 600, "minutes",
                                            "The esketamine REMS asks for at least 120 minutes.")
    observation_minutes_other = _whole("Minimum observation after other routes", 1, 600, "minutes")
    iv_min = _mg_per_kg("IV: lowest mg/kg")
    iv_max = _mg_per_kg("IV: highest mg/kg")
    im_min = _mg_per_kg("IM: lowest mg/kg")
    im_max = _mg_per_kg("IM: highest mg/kg")
    sublingual_oral_min = _mg_per_kg("Sublingual / oral: lowest mg/kg")
    sublingual_oral_max = _mg_per_kg("Sublingual / oral: highest mg/kg")
    intranasal_fixed = StringField("Intranasal esketamine: doses in mg",
                                   description="Separated by commas, for example 56, 84 (28 mg per nasal device).",
                                   validators=[InputRequired("Give the doses in mg, for example 56, 84."),
                                               Length(max=60), Text(60)])
    predose = FieldList(FormField(PreDoseItemForm), label="Pre-dose checklist", max_entries=MAX_ROWS)
    discharge = FieldList(FormField(DischargeItemForm), label="Discharge checklist", max_entries=MAX_ROWS)


def number_rows(form: DosingSettingsForm) -> None:
    """Name each checklist row for the eye and the screen reader: "Item 1" …, "New item"."""
    for rows in (form.predose, form.discharge):
        for n, row in enumerate(rows, start=1):
            row.form.text.label.text = f"Item {n}" if row.form.key.data else "New item"
