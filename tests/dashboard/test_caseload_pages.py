"""The caseload a page at a time (issue #16 item 2): 50 a page, most in need first across pages,
filters and their counts over the whole caseload, the same query count at any size."""
import re

from katapp.dashboard.services import PER_PAGE

NAME = re.compile(r'class="patient-name" href="/patients/\d+">([^<]+)</a>')


def _grow(make_user, clinician, n: int, start: int = 0) -> list:
    return [make_user("patient", clinician=clinician, display_name=f"P{i:03d}") for i in range(start, start + n)]


def test_fifty_a_page_with_links_both_ways_and_need_first_across_pages(login_as, make_user, clinician, make_flag):
    people = _grow(make_user, clinician, PER_PAGE + 5)
    make_flag(people[-1])  # alphabetically last, but the one in most need
    client = login_as(clinician)
    first = client.get("/caseload").get_data(as_text=True)
    names = NAME.findall(first)
    assert len(names) == PER_PAGE == 50
    assert names[0] == "P054" and names[1:] == [f"P{i:03d}" for i in range(PER_PAGE - 1)]
    assert f"{PER_PAGE + 5} patients" in first
    assert '<nav class="pager caseload-pager" aria-label="Caseload pages">' in first
    assert 'href="/caseload?page=2" rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/caseload?page=2").get_data(as_text=True)
    assert NAME.findall(second) == [f"P{i:03d}" for i in range(PER_PAGE - 1, PER_PAGE + 4)]
    assert 'href="/caseload" rel="prev"' in second or 'href="/caseload?page=1" rel="prev"' in second
    assert 'rel="next"' not in second
    assert "Patients 1–50 of 55" in first and "Patients 51–55 of 55" in second
    assert not set(names) & set(NAME.findall(second))


def test_filters_count_the_whole_caseload_and_keep_the_filter_when_paging(login_as, make_user, clinician):
    _grow(make_user, clinician, PER_PAGE + 2)  # nobody has checked in: every one is "inactive"
    client = login_as(clinician)
    html = client.get("/caseload?show=inactive").get_data(as_text=True)
    assert re.search(rf'>No check-in 3\+ days <span class="chip-count">{PER_PAGE + 2}</span>', html)
    assert re.search(r'>Open flags <span class="chip-count">0</span>', html)
    assert 'href="/caseload?show=inactive&amp;page=2" rel="next"' in html
    assert len(NAME.findall(client.get("/caseload?show=inactive&page=2").get_data(as_text=True))) == 2


def test_a_page_past_the_end_or_a_bad_page_number_is_harmless(login_as, make_user, clinician):
    _grow(make_user, clinician, 3)
    client = login_as(clinician)
    past = client.get("/caseload?page=9")
    assert past.status_code == 200 and "No patients match this filter." in past.get_data(as_text=True)
    assert len(NAME.findall(client.get("/caseload?page=abc").get_data(as_text=True))) == 3


def test_only_the_page_shown_is_audited_as_read(login_as, make_user, clinician, app):
    from sqlalchemy import func, select

    from katapp.extensions import db
    from katapp.models import AuditEvent

    _grow(make_user, clinician, PER_PAGE + 3)
    client = login_as(clinician)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    client.get("/caseload")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(60)).all()
        after = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert after > before
    assert len({e.patient_id for e in events[:after - before] if e.patient_id}) <= PER_PAGE


def test_caseload_query_count_is_the_same_at_3_and_120_patients(login_as, make_user, clinician, count_queries):
    counts = []
    for n in (3, 117):
        _grow(make_user, clinician, n, start=len(counts) * 1000)
        client = login_as(clinician)
        client.get("/caseload")
        with count_queries() as q:
            assert client.get("/caseload").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts
