from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField
from wtforms.validators import Email, Length, Optional, ValidationError


class AuditFilterForm(FlaskForm):
    """The audit page's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    patient = EmailField("Patient (email)", validators=[Optional(), Email("Enter a valid email."), Length(max=254)])
    actor = EmailField("Done by (email)", validators=[Optional(), Email("Enter a valid email."), Length(max=254)])
    kind = SelectField("Kind", validators=[Optional()], validate_choice=True)
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")
