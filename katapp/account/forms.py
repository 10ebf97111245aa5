"""The "Your details" form on /account: what a person may change about themselves (see services.py)."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, ValidationError

from katapp.clock import city_zones, is_city_zone, zone_name
from katapp.domain.countries import COUNTRIES, COUNTRY_NAMES
from katapp.inputs import valid_country, valid_phone

NO_COUNTRY = "The clinic's country"


def _zone_choices(current: str | None) -> dict[str, list[tuple[str, str]]]:
    """The city list grouped by region (optgroups); an older stored zone outside it stays choosable."""
    groups = {region: list(items) for region, items in city_zones()}
    if current and not any(current == z for items in groups.values() for z, _ in items):
        groups = {"Current": [(current, zone_name(current))], **groups}
    return groups


def listed_zone(form, field) -> None:
    """The zone is on the city list (or is the one already stored)."""
    if not (is_city_zone(field.data) or field.data == form.stored_zone):
        raise ValidationError("Choose a time zone from the list.")


def listed_country(form, field) -> None:
    """Blank (the clinic's country), a listed country, or the code already stored."""
    if field.data and field.data not in COUNTRY_NAMES and field.data != form.stored_country:
        raise ValidationError("Choose a country from the list.")


class ProfileForm(FlaskForm):
    stored_zone: str | None = None
    stored_country: str | None = None
    timezone = SelectField("Time zone (the city whose clock you live by)", validate_choice=False,
                           description="Your days, reminders and session times follow this clock.",
                           validators=[listed_zone])
    country = SelectField("Country", validate_choice=False,
                          description="Picks the crisis lines \"Get help now\" shows you.",
                          validators=[valid_country, listed_country])
    phone = StringField("Phone", description="Optional. Your care team sees it, to call you back.",
                        validators=[Length(max=40, message="At most 40 characters."), valid_phone],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})


def profile_form(user, *, from_request: bool = True) -> ProfileForm:
    """The form for `user`, filled from the request (a POST) or from the account; staff get no
    country or phone (those pick a patient's crisis help and reach their care team)."""
    form = ProfileForm(obj=user) if from_request else ProfileForm(formdata=None, obj=user)
    form.stored_zone = user.timezone
    form.timezone.choices = _zone_choices(user.timezone)
    form.stored_country = user.country
    unlisted = [(user.country, user.country)] if user.country and user.country not in COUNTRY_NAMES else []
    form.country.choices = [("", NO_COUNTRY), *unlisted, *COUNTRIES]
    if form.country.data is None:
        form.country.data = ""
    if not user.is_patient:
        del form.country
        del form.phone
    return form
