"""Scheduling forms: field checks only (overlaps and screening rules live in booking/screening/domain)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from katapp.domain.scheduling import WEEKDAYS, parse_bp
from katapp.domain.vocabulary import DISSOCIATION, MOAAS, ROUTES, SCREENING_CONDITIONS, SESSION_KINDS, SEVERITY
from katapp.inputs import InWindow, Text
from katapp.schedule.parse import minutes_error, sentence

KIND_CHOICES = [(k.key, k.title) for k in SESSION_KINDS]
ROUTE_CHOICES = [(r.key, r.title) for r in ROUTES]


def length_rule(_form, field):
    """The one duration rule (`schedule.parse.minutes_error`), on a form field."""
    error = minutes_error(field.data)
    if error:
        raise ValidationError(error)


LENGTH = [InputRequired("Enter the length in minutes."), length_rule]


def blood_pressure(_form, field):
    if field.data:
        try:
            parse_bp(field.data)
        except ValueError as exc:
            raise ValidationError(sentence(str(exc))) from exc


class WhenForm(FlaskForm):
    date = DateField("Date", validators=[InputRequired("Choose a date."), InWindow()])
    time = TimeField("Start time", validators=[InputRequired("Choose a time.")])
    duration_minutes = IntegerField("Length (minutes)", validators=LENGTH)


class PatientField(SelectField):
    """The patient select of a booking: it starts on "Choose a patient…", so nobody is preselected and
    a clinician who does not choose books nothing (the wrong-patient risk of a first option)."""

    def __init__(self, label: str = "Patient", **kwargs):
        super().__init__(label, coerce=int, **kwargs)

    def iter_choices(self):
        yield ("", "Choose a patient…", self.data is None, {})
        yield from super().iter_choices()

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] == "":
            self.data = None
        else:
            super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.data is None:
            raise StopValidation("Choose a patient.")
        super().pre_validate(form)


OUTSIDE_HOURS_LABEL = "Book outside opening hours anyway"


class BookForm(WhenForm):
    patient_id = PatientField()
    outside_hours_ok = BooleanField(OUTSIDE_HOURS_LABEL)
    kind = SelectField("Kind of session", choices=KIND_CHOICES, default="ketamine")
    notes = TextAreaField("Notes (optional, visible to the care team)", validators=[Optional(), Length(max=2000), Text(2000)])
    location = StringField("Place or video link (optional, shown to the patient)",
                           validators=[Optional(), Length(max=500), Text(500)],
                           description="An address or room, or a video link starting with https://")


class MoveForm(WhenForm):
    outside_hours_ok = BooleanField("Move outside opening hours anyway")


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class MultiCheckboxField(SelectMultipleField):
    """Tick boxes (the checklists); `field()` renders them as a fieldset of big labels."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


YES_NO = [("no", "No"), ("yes", "Yes")]


class PreDoseForm(FlaskForm):
    """The pre-dose check's record (the rules run in `dosing_day`); checklist choices per clinic."""

    weight_kg = DecimalField("Weight (kg)", places=None, validators=[InputRequired("Enter the weight in kg."),
                                                                      NumberRange(20, 350, "From 20 to 350 kg.")])
    bp = StringField("Pre-dose blood pressure", description="Systolic/diastolic, for example 128/84",
                     validators=[InputRequired("Enter today's pre-dose blood pressure."), blood_pressure])
    pregnancy_possible = RadioField("Could the patient be pregnant?", choices=YES_NO, default="no")
    checklist = MultiCheckboxField("Checklist")
    override_reason = TextAreaField("Override: why dose above the BP limit (leave empty otherwise)",
                                    validators=[Optional(), Length(max=2000)])


class DoseForm(FlaskForm):
    dose_mg = DecimalField("Dose (mg)", places=None,
                           validators=[InputRequired("Enter the dose in mg."), NumberRange(0.1, 1000, "From 0.1 to 1000 mg.")])
    route = RadioField("Route", choices=ROUTE_CHOICES, validators=[InputRequired("Choose the route.")])
    dose_reason = TextAreaField("Reason, if the dose is outside the clinic's range",
                                validators=[Optional(), Length(max=2000), Text(2000)])


class VitalsForm(FlaskForm):
    time = TimeField("Taken at", description="Empty: now", validators=[Optional()])
    bp = StringField("BP", description="Systolic/diastolic", validators=[Optional(), blood_pressure])
    heart_rate = IntegerField("Heart rate", validators=[Optional(), NumberRange(20, 250, "From 20 to 250.")])
    spo2 = IntegerField("SpO2 %", description="Oxygen saturation",
                        validators=[Optional(), NumberRange(50, 100, "From 50 to 100 %.")])
    moaas = RadioField("Sedation (MOAA/S)", choices=[(t.key, t.title) for t in MOAAS], validators=[Optional()])
    dissociation = RadioField("Dissociation", choices=[(t.key, t.title) for t in DISSOCIATION], validators=[Optional()])
    nausea = BooleanField("Nausea")
    vomiting = BooleanField("Vomiting")
    action_note = TextAreaField("Action taken (required for an alerting reading)",
                                validators=[Optional(), Length(max=2000), Text(2000)])


class EventForm(FlaskForm):
    severity = RadioField("Severity", choices=[(t.key, t.title) for t in SEVERITY],
                          validators=[InputRequired("Choose the severity.")])
    description = TextAreaField("What happened", validators=[DataRequired("Describe what happened."), Length(max=2000), Text(2000)])


class DischargeForm(FlaskForm):
    checklist = MultiCheckboxField("Before the patient leaves")


class SeriesRowForm(Form):
    """One proposed date of a series, sent back with the page (no CSRF of its own: the series form has it)."""

    kind = HiddenField()
    date = DateField("Date", validators=[InputRequired("Choose a date."), InWindow()])
    time = TimeField("Time", validators=[InputRequired("Choose a time.")])
    minutes = IntegerField(widget=HiddenInput(), validators=LENGTH)
    skip = BooleanField("Skip this date")


class SeriesForm(FlaskForm):
    patient_id = PatientField()
    start_date = DateField("First possible date", validators=[InputRequired("Choose a start date."), InWindow()])
    count = IntegerField("Number of ketamine sessions", validators=[InputRequired("Enter how many sessions."),
                                                                   NumberRange(1, 30, "From 1 to 30 sessions.")])
    weekdays = SelectMultipleField("Days of the week", coerce=int, choices=WEEKDAYS, default=[0, 2, 4])
    time = TimeField("Start time", validators=[InputRequired("Choose a time.")])
    duration_minutes = IntegerField("Ketamine session length (minutes)", validators=LENGTH)
    integration = BooleanField("Add an integration session after each ketamine session")
    integration_offset_days = SelectField("Integration session comes", coerce=int, default=1,
                                          choices=[(1, "1 day after"), (2, "2 days after")])
    integration_time = TimeField("Integration start time (empty: same time)", validators=[Optional()])
    integration_minutes = IntegerField("Integration session length (minutes)", validators=LENGTH)
    rows = FieldList(FormField(SeriesRowForm), max_entries=2 * 30)
    outside_hours_ok = BooleanField(OUTSIDE_HOURS_LABEL)
    confirm = HiddenField()

    def validate_weekdays(self, field):
        if not field.data:
            raise ValidationError("Choose at least one day of the week.")


class ScreeningForm(FlaskForm):
    details = TextAreaField("Anything else your care team should know (optional)",
                            validators=[Optional(), Length(max=2000), Text(2000)])


class ClinicianScreeningForm(FlaskForm):
    """The same answers recorded by a clinician: the labels name the condition instead of asking "you"."""

    details = TextAreaField("Anything else the care team should know (optional)",
                            validators=[Optional(), Length(max=2000), Text(2000)])


for _condition in SCREENING_CONDITIONS:
    setattr(ScreeningForm, _condition.key, RadioField(_condition.question, choices=YES_NO,
                                                      validators=[InputRequired("Answer yes or no.")]))
    setattr(ClinicianScreeningForm, _condition.key, RadioField(_condition.label, choices=YES_NO,
                                                               validators=[InputRequired("Answer yes or no.")]))


class ClearForm(FlaskForm):
    note = TextAreaField("Clinical note (required): why ketamine is safe to book",
                         validators=[DataRequired("Write a note."), Length(max=2000), Text(2000)])


class CalendarForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
