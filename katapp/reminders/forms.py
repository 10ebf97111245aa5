from flask_wtf import FlaskForm
from wtforms import BooleanField, TimeField
from wtforms.validators import InputRequired

from katapp.domain import reminders as rules


class ReminderSettingsForm(FlaskForm):
    enabled = BooleanField("Send me reminders")
    checkin_at = TimeField("Daily check-in reminder at", validators=[InputRequired(message="Choose a time.")],
                           description="Your own local time. No reminder on a day you have already checked in.")
    checkin_on = BooleanField(rules.KIND_LABELS["checkin"])
    questionnaire_on = BooleanField(rules.KIND_LABELS["questionnaire"])
    session_on = BooleanField(rules.KIND_LABELS["session"])
    after_session_on = BooleanField(rules.KIND_LABELS["after_session"])
    quiet_start = TimeField("Quiet from", validators=[InputRequired(message="Choose a time.")])
    quiet_end = TimeField("Quiet until", validators=[InputRequired(message="Choose a time.")],
                          description="No reminder at all between these times.")
