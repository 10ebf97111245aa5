"""The clinic's booking settings form (issue #18): default length per session kind, opening days and hours."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, TimeField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from katapp.domain.scheduling import WEEKDAYS
from katapp.domain.vocabulary import SESSION_KINDS
from katapp.fields import MultiCheckboxField

MINUTES_LOW, MINUTES_HIGH = 15, 480


def five_minute_steps(_form, field):
    if field.data is not None and field.data % 5:
        raise ValidationError("Use a multiple of 5 minutes.")


class BookingSettingsForm(FlaskForm):
    open_days = MultiCheckboxField("Opening days", coerce=int, choices=WEEKDAYS, validate_choice=True,
                                   description="A series is proposed only on these days. Booking on another day "
                                               "asks the clinician to confirm.")
    opens_at = TimeField("Opens at", validators=[InputRequired("Give the opening time.")])
    closes_at = TimeField("Closes at", validators=[InputRequired("Give the closing time.")])

    def validate_open_days(self, field):
        if not field.data:
            raise ValidationError("Choose at least one opening day.")

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError("The clinic must close after it opens.")


for _kind in SESSION_KINDS:  # BookingSettingsForm.minutes_<kind>: one default length per session kind
    setattr(BookingSettingsForm, f"minutes_{_kind.key}", IntegerField(
        f"Default length of a {_kind.label} (minutes)",
        validators=[InputRequired(f"Give the length of a {_kind.label} in minutes."),
                    NumberRange(MINUTES_LOW, MINUTES_HIGH, f"From {MINUTES_LOW} to {MINUTES_HIGH} minutes."),
                    five_minute_steps]))
