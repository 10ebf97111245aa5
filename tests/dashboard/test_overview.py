"""The clinic overview reports outcomes like a paper: who counts (baseline >= 10, >= 4 sessions in an ended
series), n, 95 % Wilson intervals, who is excluded and why, no post-series assessment apart, relapse, by
indication; the published range labelled as treatment-resistant depression."""
import re

from tests.dashboard import timelines as t


def _clinic(build) -> None:
    """Ten patients: five counted (four assessed after the series, one not), five excluded for five reasons."""
    build("Res Ponder", **t.RESPONDER, indication="depression")
    build("Re Mitter", **t.REMITTER, indication="depression")
    build("Rel Apse", **t.RELAPSE, indication="depression")
    build("Non Responder", **t.NON_RESPONDER, indication="ptsd")
    build("Un Assessed", **t.UNASSESSED)
    build("Not Started", phq=[(3, 18)], indication="pain")
    build("Late Baseline", **t.LATE_BASELINE)
    build("Still Going", **t.STUCK)
    build("Mild One", **t.MILD)
    build("Short Series", **t.SHORT)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_overview_counts_only_eligible_patients_with_wilson_intervals(login_as, admin, build):
    _clinic(build)
    html = login_as(admin).get("/clinic").get_data(as_text=True)
    text = _text(html)
    assert "n = 5" in text
    # Response 3 of 4 assessed (responder, remitter, relapser: the response held at the post-series PHQ-9).
    assert "Response 75 % 95 % CI 30–95 %; 3 of 4 assessed" in text
    assert "Remission 25 % 95 % CI 5–70 %; 1 of 4 assessed" in text
    assert "No post-series PHQ-9 1 of n = 5" in text
    # The relapser's series ended 60 days ago; PHQ-9 17 (above half of 23) came 20.5 days ago.
    assert re.search(r"Relapsed 1 median (39|40) days after the series", text)
    assert "Treatment-resistant depression (published) 30–60 %" in text
    assert ("Not counted (5 of 10 patients) Not started: 1 No baseline: 1 Series not finished: 1 "
            "Baseline below 10: 1 Fewer than 4 sessions in the series: 1") in text


def test_overview_by_indication(login_as, admin, build):
    _clinic(build)
    text = _text(login_as(admin).get("/clinic").get_data(as_text=True))
    assert ("Depression Patients 3, counted n = 3 Response 100 % (44–100 %), 3 of 3 Remission 33 % (6–79 %), 1 of 3 "
            "No post-series PHQ-9 0 Relapsed 1, median") in text
    assert ("PTSD Patients 1, counted n = 1 Response 0 % (0–79 %), 0 of 1 Remission 0 % (0–79 %), 0 of 1 "
            "No post-series PHQ-9 0 Relapsed 0") in text
    assert "Pain Patients 1, counted n = 0 Response – Remission – No post-series PHQ-9 0 Relapsed 0" in text
    assert "Not recorded Patients 5, counted n = 1 Response – Remission – No post-series PHQ-9 1 Relapsed 0" in text
    assert "Other" not in text.split("By indication")[1].split("Check-in adherence")[0]


def test_overview_of_an_empty_clinic(login_as, admin):
    text = _text(login_as(admin).get("/clinic").get_data(as_text=True))
    assert "n = 0" in text and "Response – nobody assessed yet" in text and "Relapsed 0 no relapse" in text
    assert "By indication" not in text


def test_an_admin_records_the_indication_and_the_overview_groups_by_it(login_as, admin, patient):
    from katapp.extensions import db

    client = login_as(admin)
    form = {"csrf_token": client.csrf, "display_name": patient.display_name, "timezone": patient.timezone,
            "active": "y", "indication": "ptsd", "clinicians": [c.id for c in patient.clinicians]}
    assert client.post(f"/admin/users/{patient.id}", data=form).status_code == 302
    db.session.refresh(patient)
    assert patient.indication == "ptsd"
    assert "PTSD Patients 1, counted n = 0" in _text(client.get("/clinic").get_data(as_text=True))
    response = client.post(f"/admin/users/{patient.id}", data={**form, "indication": "anxiety"})
    assert "Choose what the patient is treated for from the list." in response.get_data(as_text=True)
    db.session.refresh(patient)
    assert patient.indication == "ptsd"
