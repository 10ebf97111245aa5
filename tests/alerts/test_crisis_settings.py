"""The patient's country (or the clinic's) picks the crisis resources from the clinic's stored table."""
import pytest
from sqlalchemy.exc import DataError, IntegrityError

from katapp.alerts import crisis_resources_for
from katapp.domain.crisis import DEFAULT_RESOURCES, Resource
from katapp.extensions import db


def test_patient_country_then_clinic_country(set_clinic, patient, make_user):
    assert crisis_resources_for(patient) == DEFAULT_RESOURCES["US"]  # no settings row yet: US defaults
    set_clinic(country="GB")
    assert crisis_resources_for(patient) == DEFAULT_RESOURCES["GB"]
    abroad = make_user("patient", country="US", phone="+15550102345")
    assert crisis_resources_for(abroad) == DEFAULT_RESOURCES["US"]


def test_clinic_table_is_stored_and_used(set_clinic, patient):
    table = {"US": [{"label": "Clinic line", "kind": "call", "value": "+15550100000"}]}
    set_clinic(crisis_resources=table)
    db.session.expire_all()
    assert crisis_resources_for(patient) == (Resource("Clinic line", "call", "+15550100000"),)


@pytest.mark.parametrize("fields", [{"country": "us"}, {"country": "USA"}, {"phone": "1" * 33}])
def test_database_refuses_bad_contact_fields(make_user, fields):
    with pytest.raises((IntegrityError, DataError)):  # PostgreSQL refuses an over-long value as DataError
        make_user("patient", **fields)
    db.session.rollback()
