"""Read receipts (issue #18): the patient sees which care-team member read a shared entry, and on
which day (their own time zone), in the list and on the entry; "Not read yet" until then. Only the
care team's reads count: the patient's own views, admins and other clinicians (refused) do not."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from katapp.extensions import db
from katapp.models import JournalRead, care_team


def _receipts(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'class="journal-receipt[^"]*">([^<]*)<', html)]


def _reads() -> list[tuple[int, int]]:
    db.session.expire_all()
    return [(r.entry_id, r.reader_id) for r in db.session.scalars(select(JournalRead).order_by(JournalRead.entry_id))]


@pytest.fixture
def shared(make_journal, patient):
    return make_journal(patient, "Shared thoughts", shared=True)


def test_unread_shared_entry_says_not_read_yet_and_a_private_one_says_nothing(as_patient, shared, make_journal, patient):
    private = make_journal(patient, "Mine alone")
    assert _receipts(as_patient.get("/journal").get_data(as_text=True)) == ["Not read yet"]
    assert _receipts(as_patient.get(f"/journal/{shared.id}").get_data(as_text=True)) == ["Not read yet"]
    assert _receipts(as_patient.get(f"/journal/{private.id}").get_data(as_text=True)) == []


def test_care_team_list_view_is_a_read_of_each_shown_shared_entry(login_as, clinician, patient, shared, make_journal,
                                                                  as_patient):
    private = make_journal(patient, "Mine alone")
    assert login_as(clinician).get(f"/patients/{patient.id}/journal").status_code == 200
    assert _reads() == [(shared.id, clinician.id)]  # the private entry was not shown, so not read
    [line] = _receipts(as_patient.get("/journal").get_data(as_text=True))
    assert re.fullmatch(r"Read by Dr\. Clin on [1-9]\d? [A-Z][a-z]{2}", line), line
    assert _receipts(as_patient.get(f"/journal/{shared.id}").get_data(as_text=True)) == [line]
    assert _receipts(as_patient.get(f"/journal/{private.id}").get_data(as_text=True)) == []


def test_api_read_counts_once_the_first_time_is_kept(login_as, api, clinician, patient, shared):
    client = login_as(clinician)
    assert api(client, "GET", f"/api/v1/journal/{shared.id}").status_code == 200
    db.session.execute(update(JournalRead).values(first_read_at=dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)))
    db.session.commit()
    assert api(client, "GET", f"/api/v1/journal/{shared.id}").status_code == 200
    assert client.get(f"/patients/{patient.id}/journal").status_code == 200
    [read] = db.session.scalars(select(JournalRead)).all()
    assert read.first_read_at == dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)


def test_date_is_the_patients_own_day(login_as, clinician, make_user, make_journal):
    """20:00 UTC on 2 December is already 3 December in Auckland."""
    kiwi = make_user("patient", clinician=clinician, timezone="Pacific/Auckland")
    entry = make_journal(kiwi, "Kia ora", shared=True)
    assert login_as(clinician).get(f"/patients/{kiwi.id}/journal").status_code == 200
    db.session.execute(update(JournalRead).values(first_read_at=dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)))
    db.session.commit()
    assert _receipts(login_as(kiwi).get(f"/journal/{entry.id}").get_data(as_text=True)) == ["Read by Dr. Clin on 3 Dec"]


def test_every_care_team_reader_is_named_first_reader_first(login_as, clinician, make_user, patient, shared, as_patient):
    second = make_user("clinician", display_name="Dr. Lee", clinician=None)
    db.session.execute(care_team.insert().values(clinician_id=second.id, patient_id=patient.id))
    db.session.commit()
    for reader, day in ((clinician, 3), (second, 5)):
        assert login_as(reader).get(f"/patients/{patient.id}/journal").status_code == 200
        db.session.execute(update(JournalRead).where(JournalRead.reader_id == reader.id)
                           .values(first_read_at=dt.datetime(2026, 12, day, 15, 0, tzinfo=dt.UTC)))
        db.session.commit()
    assert _receipts(as_patient.get(f"/journal/{shared.id}").get_data(as_text=True)) == [
        "Read by Dr. Clin on 3 Dec and Dr. Lee on 5 Dec"]


def test_patient_admin_and_other_clinicians_do_not_count(as_patient, login_as, api, admin, other_clinician, patient,
                                                         shared):
    assert as_patient.get(f"/journal/{shared.id}").status_code == 200
    assert api(as_patient, "GET", f"/api/v1/journal/{shared.id}").status_code == 200
    for outsider in (admin, other_clinician):
        client = login_as(outsider)
        assert client.get(f"/patients/{patient.id}/journal").status_code == 404
        assert api(client, "GET", f"/api/v1/journal/{shared.id}").status_code == 404
    assert _reads() == []
    assert _receipts(as_patient.get("/journal").get_data(as_text=True)) == ["Not read yet"]


def test_unsharing_keeps_the_read_and_says_so(login_as, clinician, patient, shared, as_patient, auth):
    assert login_as(clinician).get(f"/patients/{patient.id}/journal").status_code == 200
    token = auth.on(as_patient).csrf_token(f"/journal/{shared.id}")
    assert as_patient.post(f"/journal/{shared.id}/share", data={"shared": "0", "csrf_token": token}).status_code == 302
    html = as_patient.get(f"/journal/{shared.id}").get_data(as_text=True)
    assert "Only you can read this entry." in html
    [line] = _receipts(html)
    assert line.startswith("Read by Dr. Clin on ") and "(while it was shared)." in html
    assert _receipts(as_patient.get("/journal").get_data(as_text=True)) == [line]
    # Private now: the care team can no longer open it, and nothing new is recorded.
    assert login_as(clinician).get(f"/patients/{patient.id}/journal").status_code == 200
    assert _reads() == [(shared.id, clinician.id)]


def test_deleting_the_entry_deletes_its_reads(login_as, clinician, patient, shared, as_patient, auth):
    assert login_as(clinician).get(f"/patients/{patient.id}/journal").status_code == 200
    token = auth.on(as_patient).csrf_token(f"/journal/{shared.id}")
    assert as_patient.post(f"/journal/{shared.id}/delete", data={"csrf_token": token}).status_code == 302
    assert _reads() == []


def test_receipts_cost_one_query_for_the_whole_list(as_patient, patient, make_journal, login_as, clinician, count_queries):
    for n in range(5):
        make_journal(patient, f"entry {n}", shared=True)
    assert login_as(clinician).get(f"/patients/{patient.id}/journal").status_code == 200
    with count_queries() as queries:
        html = as_patient.get("/journal").get_data(as_text=True)
    assert len(_receipts(html)) == 5
    assert sum("journal_reads" in q for q in queries.statements) == 1
