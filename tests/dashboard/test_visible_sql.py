"""An admin's visible patients are every patient, said without a subquery over users: PostgreSQL
without statistics (a freshly loaded clinic) planned the self-referencing `IN` as a nested loop of
two scans of users, quadratic in patients (the overview at 500 patients: 200 ms, issue #16)."""
from katapp.extensions import db
from katapp.models import User
from katapp.security import visible_patients


def test_the_admin_sees_every_patient_and_no_one_else(admin, clinician, patient, other_patient, make_user):
    invited = make_user("patient", password_hash=None)  # not joined: still a patient the admin sees
    ids = set(db.session.scalars(visible_patients(admin).with_only_columns(User.id)))
    assert ids == {patient.id, other_patient.id, invited.id}


def test_the_admin_query_has_no_subquery_over_users(admin):
    sql = str(visible_patients(admin).compile(db.engine))
    assert sql.upper().count("SELECT") == 1, sql


def test_a_clinician_sees_only_the_caseload(clinician, patient, other_patient):
    ids = set(db.session.scalars(visible_patients(clinician).with_only_columns(User.id)))
    assert ids == {patient.id}
