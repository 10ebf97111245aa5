"""GET /api/v1/patients: scoped to the caseload (clinician) or all patients (admin)."""


def test_clinician_sees_only_own_caseload(patient, other_patient, clinician, login_as, api):
    c = login_as(clinician)
    body = api(c, "GET", "/api/v1/patients").get_json()
    assert body == {"items": [{"id": patient.id, "email": patient.email, "display_name": patient.display_name}],
                    "next": None}


def test_admin_sees_every_patient(patient, other_patient, admin, login_as, api):
    body = api(login_as(admin), "GET", "/api/v1/patients").get_json()
    assert sorted(i["id"] for i in body["items"]) == sorted([patient.id, other_patient.id])


def test_patient_gets_404(patient, login_as, api):
    assert api(login_as(patient), "GET", "/api/v1/patients").status_code == 404


def test_pagination_has_next_link(make_user, clinician, login_as, api):
    for _ in range(101):
        make_user("patient", clinician=clinician)
    c = login_as(clinician)
    first = api(c, "GET", "/api/v1/patients").get_json()
    assert len(first["items"]) == 100 and first["next"] == "/api/v1/patients?page=2"
    second = api(c, "GET", first["next"]).get_json()
    assert len(second["items"]) == 1 and second["next"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
