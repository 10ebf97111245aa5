"""The caseload: most in need first (flags, relapsing, not improving, severity), chips, filters."""
import re

from tests.dashboard.timelines import LATE_BASELINE, NON_RESPONDER, RELAPSE, REMITTER, STUCK


def _names(html: str) -> list[str]:
    return re.findall(r'class="patient-name" href="/patients/\d+">([^<]+)</a>', html)


def _row(html: str, name: str) -> str:
    """The caseload row of `name`."""
    return next(row for row in html.split('<li class="row patient-row') if f">{name}</a>" in row)


def test_caseload_is_ranked_by_need_not_by_name(login_as, clinician, build, make_user):
    build("A Remitted", **REMITTER)
    build("B Severe", phq=[(3, 24)])  # not started, PHQ-9 24
    build("C Stuck", **STUCK)  # session 5, 20 -> 18
    build("D Nothing")  # no PHQ-9 at all: last among the rest
    build("E Unmoved", **NON_RESPONDER)  # series over, 22 -> 18: not improving too
    build("F Relapsing", **RELAPSE)
    build("G Flagged", phq=[(3, 5)], flag=True)
    make_user("patient", clinician=make_user("clinician"), display_name="H Elsewhere")
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    assert _names(html) == [
        "G Flagged", "F Relapsing", "C Stuck", "E Unmoved", "B Severe", "A Remitted", "D Nothing"]


def test_relapsing_row_says_responded_now_relapsing_with_dates_and_only_then_a_booster(login_as, clinician, build):
    build("F Relapsing", **RELAPSE)
    build("C Stuck", **STUCK)
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    relapsing = _row(html, "F Relapsing")
    assert re.search(r"Responded \(23 → 8 on \d{4}-\d\d-\d\d\), now relapsing since \d{4}-\d\d-\d\d \(17\)", relapsing)
    assert "Relapsing since" in relapsing and "Consider a booster." in relapsing
    assert "booster" not in _row(html, "C Stuck").lower()  # mid-induction: never a booster
    assert "Rising" not in html and "No response yet" not in html


def test_chips(login_as, clinician, build):
    build("Not Yet", phq=[(3, 12)], gad7=18, pcl5=50, contraindication=True)
    build("Late Baseline", **LATE_BASELINE)
    build("Mild Anxiety", phq=[(3, 6)], gad7=9, pcl5=32)
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    chips = re.findall(r'<span class="badge badge-(?:warn|danger)">([^<]+)</span>', _row(html, "Not Yet"))
    assert chips == ["Not started", "Contraindication", "GAD-7 18 (≥ 10)", "PCL-5 50 (≥ 33)"]
    assert "No baseline" in _row(html, "Late Baseline") and "no baseline" in _row(html, "Late Baseline")
    assert "GAD-7" not in _row(html, "Mild Anxiety") and "PCL-5" not in _row(html, "Mild Anxiety")


def test_pcl5_chip_follows_the_clinic_cut_point(set_clinic, login_as, clinician, build, app):
    set_clinic(pcl5_cutpoint=31)
    build("Mild Anxiety", phq=[(3, 6)], pcl5=32)
    assert "PCL-5 32 (≥ 31)" in login_as(clinician).get("/caseload").get_data(as_text=True)


def test_filters(login_as, clinician, build, make_checkin):
    build("A Remitted", **REMITTER)
    build("C Stuck", **STUCK)
    build("F Relapsing", **RELAPSE)
    make_checkin(build("G Flagged", phq=[(3, 5)], flag=True))
    client = login_as(clinician)
    assert _names(client.get("/caseload?show=flags").get_data(as_text=True)) == ["G Flagged"]
    assert _names(client.get("/caseload?show=relapsing").get_data(as_text=True)) == ["F Relapsing"]
    assert _names(client.get("/caseload?show=not_improving").get_data(as_text=True)) == ["C Stuck"]
    assert _names(client.get("/caseload?show=responding").get_data(as_text=True)) == ["A Remitted"]
    assert _names(client.get("/caseload?show=inactive").get_data(as_text=True)) == ["F Relapsing", "C Stuck",
                                                                                    "A Remitted"]
    html = client.get("/caseload?show=nonsense").get_data(as_text=True)
    assert _names(html) == ["G Flagged", "F Relapsing", "C Stuck", "A Remitted"]
    assert re.search(r'>Not improving <span class="chip-count">1</span>', html)


def test_caseload_has_a_sparkline_and_no_plotly(login_as, clinician, patient, seed_history):
    seed_history(patient, clinician, days=20, phq=[20, 14, 10], sessions=2)
    html = login_as(clinician).get("/caseload").get_data(as_text=True)
    assert '<svg class="spark"' in html and 'aria-label="PHQ-9 totals, oldest first: 20, 14, 10.' in html
    assert "PHQ-9 trend · up = better" in html and "plotly" not in html
    ys = [float(pt.split(",")[1]) for pt in re.search(r'<polyline points="([^"]+)"', html).group(1).split()]
    assert ys[0] > ys[1] > ys[2]  # falling PHQ-9 (better) climbs, like the mood chart


def test_patient_page_links_back_to_the_caseload(login_as, clinician, admin, patient):
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert '<a href="/caseload">‹ Caseload</a>' in html
    html = login_as(admin).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert '<a href="/admin/users">‹ Accounts</a>' in html


def test_empty_caseload(login_as, clinician):
    assert "No patients on your caseload yet." in login_as(clinician).get("/caseload").get_data(as_text=True)
