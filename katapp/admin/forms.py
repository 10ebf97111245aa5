from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from katapp.inputs import Text

COMMON_ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Toronto", "America/Vancouver", "Europe/London",
    "Europe/Dublin", "Europe/Berlin", "Europe/Paris", "Europe/Amsterdam", "Australia/Sydney", "UTC",
]


def zone_choices() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in COMMON_ZONES]


def valid_zone(_form, field):
    if field.data not in available_timezones():
        raise ValidationError("Choose a time zone from the list.")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (phones have no Ctrl-click)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter an email."), Email("Enter a valid email."),
                                            Length(max=254), Text(254)])
    display_name = StringField("Name shown in katapp",
                               validators=[DataRequired("Enter a name."), Length(max=120), Text(120, name=True)])
    timezone = SelectField("Time zone", choices=zone_choices, default="America/New_York", validators=[valid_zone])


class NewUserForm(PersonForm):
    role = SelectField("Role", choices=[("patient", "Patient"), ("clinician", "Clinician"), ("admin", "Admin")])
    clinicians = MultiCheckboxField("Care team (patients only)", coerce=int, validate_choice=True)


class EditUserForm(FlaskForm):
    display_name = StringField("Name shown in katapp",
                               validators=[DataRequired("Enter a name."), Length(max=120), Text(120, name=True)])
    timezone = SelectField("Time zone", choices=zone_choices, validators=[valid_zone])
    active = BooleanField("Account active (unticked: cannot sign in, signed out everywhere)")
    clinicians = MultiCheckboxField("Care team (patients only)", coerce=int, validate_choice=True)


class SettingsForm(FlaskForm):
    clinic_name = StringField("Clinic name", validators=[DataRequired(), Length(max=120), Text(120, name=True)])
    timezone = SelectField("Clinic time zone", choices=zone_choices, validators=[valid_zone])
    bp_limit_systolic = IntegerField("Blood pressure limit before dosing: systolic (mmHg)", validators=[NumberRange(90, 220)])
    bp_limit_diastolic = IntegerField("Blood pressure limit before dosing: diastolic (mmHg)", validators=[NumberRange(50, 140)])
    pcl5_cutpoint = IntegerField("PCL-5 cut-point for probable PTSD (published: 31 to 33)", validators=[NumberRange(20, 80)])
    phq9_every_days = IntegerField("PHQ-9 every (days)", validators=[NumberRange(1, 90)])
    gad7_every_days = IntegerField("GAD-7 every (days)", validators=[NumberRange(1, 90)])
    pcl5_every_days = IntegerField("PCL-5 every (days)", validators=[NumberRange(1, 180)])
    series_length = IntegerField("Ketamine sessions in an induction series", validators=[NumberRange(1, 30)])
    crisis_text = TextAreaField("Crisis help text shown with every safety answer",
                                validators=[DataRequired(), Length(max=2000), Text(2000)])
