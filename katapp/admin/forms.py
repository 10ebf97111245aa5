from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, ValidationError

from katapp.clock import zone_name
from katapp.domain.vocabulary import INDICATIONS
from katapp.fields import MultiCheckboxField
from katapp.inputs import Text, valid_country, valid_phone

COMMON_ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Toronto", "America/Vancouver", "Europe/London",
    "Europe/Dublin", "Europe/Berlin", "Europe/Paris", "Europe/Amsterdam", "Australia/Sydney", "UTC",
]


def zone_choices() -> list[tuple[str, str]]:
    return [(z, zone_name(z)) for z in COMMON_ZONES]


def valid_zone(_form, field):
    if field.data not in available_timezones():
        raise ValidationError("Choose a time zone from the list.")


def known_indication(_form, field):
    """Not recorded (empty) or one of the vocabulary's indications; a missing field keeps what is stored."""
    if field.data not in (None, "", *(i.key for i in INDICATIONS)):
        raise ValidationError("Choose what the patient is treated for from the list.")


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
    phone = StringField("Phone (patients only; the care team sees it with a call link)",
                        validators=[Length(max=40), valid_phone])
    country = StringField("Country (patients only; two letters, e.g. US or GB; blank: the clinic's)",
                          validators=[Length(max=2), valid_country])
    move_to = SelectField("When deactivating a clinician: who takes over their patients", coerce=int, default=0)
    indication = SelectField("Treated for (patients only; the clinic overview reports outcomes by it)",
                             choices=[("", "Not recorded")] + [(i.key, i.title) for i in INDICATIONS],
                             validate_choice=False, validators=[known_indication])


class SettingsForm(FlaskForm):
    clinic_name = StringField("Clinic name", validators=[DataRequired(), Length(max=120), Text(120, name=True)])
    timezone = SelectField("Clinic time zone", choices=zone_choices, validators=[valid_zone])
    pcl5_cutpoint = IntegerField("PCL-5 cut-point for probable PTSD (published: 31 to 33)", validators=[NumberRange(20, 80)])
    phq9_every_days = IntegerField("PHQ-9 every (days)", validators=[NumberRange(1, 90)])
    gad7_every_days = IntegerField("GAD-7 every (days)", validators=[NumberRange(1, 90)])
    pcl5_every_days = IntegerField("PCL-5 every (days)", validators=[NumberRange(1, 180)])
    series_length = IntegerField("Ketamine sessions in an induction series", validators=[NumberRange(1, 30)])
    crisis_text = TextAreaField("Crisis help text shown with every safety answer",
                                validators=[DataRequired(), Length(max=2000), Text(2000)])
    country = StringField("Clinic's country (two letters, e.g. US or GB): picks crisis help for patients without their own",
                          validators=[DataRequired("Give a two-letter country code, e.g. US or GB."), Length(max=2),
                                      valid_country])
    escalation_hours = IntegerField("Escalate an unacknowledged safety flag after (hours)",
                                    validators=[NumberRange(1, 72, "Choose between 1 and 72 hours.")])
    require_staff_2fa = BooleanField(
        "Clinicians and admins must sign in with a second factor (passkey or authenticator app)",
        description="Recommended: staff see many patients' health records. Unticked, a password alone signs them in.")
    on_call = MultiCheckboxField("On-call clinicians (told of flags of patients without an active care team, and of "
                                 "escalations)", coerce=int, validate_choice=True)
    crisis_resources = TextAreaField(
        "Crisis resources per country (JSON)", render_kw={"rows": "12", "spellcheck": "false"},
        description='A two-letter country code, or "*" for everywhere else, with a list of resources: '
                    '{"label": …, "kind": "call" | "text" | "web" | "info", "value": number, https:// address or ""}.',
        validators=[DataRequired("Give the crisis resources."), Length(max=20000)])


def preparation_form(data: dict[str, str] | None = None) -> FlaskForm:
    """One text box per session kind (katapp.domain.vocabulary): the clinic's preparation notes."""
    from katapp.domain import vocabulary
    from katapp.preparation import NOTES_MAX

    class PreparationForm(FlaskForm):
        pass

    for kind in vocabulary.SESSION_KINDS:
        setattr(PreparationForm, kind.key, TextAreaField(
            f"Before a {kind.label}", validators=[Length(max=NOTES_MAX), Text(NOTES_MAX)],
            render_kw={"rows": 5}))
    return PreparationForm(data=data)


class CaseloadForm(FlaskForm):
    """A clinician's caseload on their account page: tick patients to remove, tick others to add."""
    remove = MultiCheckboxField("On their caseload: tick to remove", coerce=int, validate_choice=True)
    add = MultiCheckboxField("Add patients", coerce=int, validate_choice=True)
