"""Scheduling forms: field checks only (overlaps and screening rules live in booking/screening/domain)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from katapp.domain.scheduling import parse_bp
from katapp.domain.vocabulary import KIND, ROUTES, SCREENING_CONDITIONS, SESSION_KINDS
from katapp.inputs import InWindow, Text
from katapp.schedule.parse import minutes_error, sentence

KIND_CHOICES = [(k.key, k.title) for k in SESSION_KINDS]
ROUTE_CHOICES = [(r.key, r.title) for r in ROUTES]
WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


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


class BookForm(WhenForm):
    patient_id = SelectField("Patient", coerce=int, validators=[InputRequired("Choose a patient.")])
    kind = SelectField("Kind of session", choices=KIND_CHOICES, default="ketamine")
    notes = TextAreaField("Notes (optional, visible to the care team)", validators=[Optional(), Length(max=2000), Text(2000)])


class MoveForm(WhenForm):
    pass


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class CompleteForm(FlaskForm):
    dose_mg = DecimalField("Dose (mg)", places=None,
                           validators=[InputRequired("Enter the dose in mg."), NumberRange(0.1, 1000, "From 0.1 to 1000 mg.")])
    route = RadioField("Route", choices=ROUTE_CHOICES,
                       validators=[InputRequired("Choose the route.")])
    bp_before = StringField("Blood pressure before dosing", description="Systolic/diastolic, for example 128/84",
                            validators=[InputRequired("Enter the blood pressure before dosing."), Text(20), blood_pressure])
    bp_after = StringField("Blood pressure after the session", description="Systolic/diastolic, for example 132/86",
                           validators=[InputRequired("Enter the blood pressure after the session."), Text(20), blood_pressure])
    bp_confirmed = BooleanField("I have checked the high pre-dose blood pressure and still gave the dose")


class SeriesForm(FlaskForm):
    patient_id = SelectField("Patient", coerce=int, validators=[InputRequired("Choose a patient.")])
    start_date = DateField("First possible date", validators=[InputRequired("Choose a start date."), InWindow()])
    count = IntegerField("Number of ketamine sessions", validators=[InputRequired("Enter how many sessions."),
                                                                   NumberRange(1, 30, "From 1 to 30 sessions.")])
    weekdays = SelectMultipleField("Weekdays", coerce=int, choices=WEEKDAYS, default=[0, 2, 4])
    time = TimeField("Start time", validators=[InputRequired("Choose a time.")])
    duration_minutes = IntegerField("Ketamine session length (minutes)", default=KIND["ketamine"].default_minutes,
                                    validators=LENGTH)
    integration = BooleanField("Add an integration session after each ketamine session")
    integration_offset_days = SelectField("Integration session comes", coerce=int, default=1,
                                          choices=[(1, "1 day after"), (2, "2 days after")])
    integration_time = TimeField("Integration start time (empty: same time)", validators=[Optional()])
    integration_minutes = IntegerField("Integration session length (minutes)",
                                       default=KIND["integration"].default_minutes, validators=LENGTH)
    confirm = HiddenField()

    def validate_weekdays(self, field):
        if not field.data:
            raise ValidationError("Choose at least one weekday.")


class ScreeningForm(FlaskForm):
    details = TextAreaField("Anything else your care team should know (optional)",
                            validators=[Optional(), Length(max=2000), Text(2000)])


for _condition in SCREENING_CONDITIONS:
    setattr(ScreeningForm, _condition.key, RadioField(_condition.question, choices=[("no", "No"), ("yes", "Yes")],
                                                      validators=[InputRequired("Answer yes or no.")]))


class ClearForm(FlaskForm):
    note = TextAreaField("Clinical note (required): why ketamine is safe to book",
                         validators=[DataRequired("Write a note."), Length(max=2000), Text(2000)])


class CalendarForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
