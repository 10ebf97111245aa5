"""POST/GET /api/v1/checkins and POST /api/v1/assessments, exactly as CONTRACT.md says."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import Assessment, AuditEvent, CheckIn, SafetyFlag, utcnow


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_checkin_returns_201_with_every_field(pat, body, patient, api):
    data = body(mood=7, anxiety=3, energy=5, pain=0, sleep_hours=7.5, self_harm_thoughts=False, note=" slept ok ",
                recorded_at="2026-03-08T21:15:00-04:00")
    r = api(pat, "POST", "/api/v1/checkins", json=data)
    assert r.status_code == 201, r.json
    j = r.json
    assert isinstance(j["id"], int)
    assert j["client_id"] == data["client_id"]
    assert j["recorded_at"] == "2026-03-08T21:15:00-04:00"
    assert j["local_date"] == "2026-03-08"
    assert (j["mood"], j["anxiety"], j["energy"], j["pain"], j["sleep_hours"]) == (7, 3, 5, 0, 7.5)
    assert j["self_harm_thoughts"] is False and j["note"] == "slept ok"
    assert j["flags"] == [] and j["crisis_help"] is None
    assert db.session.get(CheckIn, j["id"]).patient_id == patient.id


def test_minimal_checkin_uses_now_and_generates_no_flag(pat, api):
    before = utcnow()
    r = api(pat, "POST", "/api/v1/checkins", json={"mood": 0})
    assert r.status_code == 201
    stored = db.session.get(CheckIn, r.json["id"])
    assert before - dt.timedelta(seconds=1) <= stored.recorded_at <= utcnow()
    assert uuid.UUID(r.json["client_id"])
    assert r.json["anxiety"] is None and r.json["note"] is None
    assert count(SafetyFlag) == 0


def test_same_client_id_again_returns_stored_object_and_stores_nothing(pat, body, api):
    data = body(recorded_at="2026-05-01T08:00:00Z", self_harm_thoughts=True)
    first = api(pat, "POST", "/api/v1/checkins", json=data)
    again = api(pat, "POST", "/api/v1/checkins", json=data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert count(CheckIn) == 1
    assert count(SafetyFlag) == 1  # the replay raised no second flag


def test_same_client_id_upper_case_is_the_same_entry(pat, body, api):
    data = body()
    api(pat, "POST", "/api/v1/checkins", json=data)
    r = api(pat, "POST", "/api/v1/checkins", json={**data, "client_id": data["client_id"].upper()})
    assert r.status_code == 200 and count(CheckIn) == 1


@pytest.mark.parametrize("change", [{"mood": 7}, {"note": "different"}, {"recorded_at": "2026-05-01T08:01:00Z"},
                                    {"self_harm_thoughts": True}, {"sleep_hours": 6}])
def test_same_client_id_with_different_body_is_409(pat, body, change, api):
    data = body(recorded_at="2026-05-01T08:00:00Z")
    assert api(pat, "POST", "/api/v1/checkins", json=data).status_code == 201
    r = api(pat, "POST", "/api/v1/checkins", json={**data, **change})
    assert r.status_code == 409
    assert r.json["fields"] == {"client_id": "already used"}
    assert count(CheckIn) == 1 and count(SafetyFlag) == 0


def test_two_patients_may_use_the_same_client_id(pat, body, login_as, other_patient, api):
    data = body()
    assert api(pat, "POST", "/api/v1/checkins", json=data).status_code == 201
    assert api(login_as(other_patient), "POST", "/api/v1/checkins", json=data).status_code == 201
    assert count(CheckIn) == 2


def test_recorded_at_more_than_ten_minutes_ahead_is_refused(pat, body, api):
    ahead = (utcnow() + dt.timedelta(minutes=11)).isoformat()
    r = api(pat, "POST", "/api/v1/checkins", json=body(recorded_at=ahead))
    assert r.status_code == 400 and r.json["fields"] == {"recorded_at": "is in the future"}
    slightly = (utcnow() + dt.timedelta(minutes=9)).isoformat()
    assert api(pat, "POST", "/api/v1/checkins", json=body(recorded_at=slightly)).status_code == 201
    assert count(CheckIn) == 1


@pytest.mark.parametrize(
    ("recorded_at", "local_date"),
    [
        ("2026-06-10T23:59:00-04:00", "2026-06-10"),
        ("2026-06-11T00:01:00-04:00", "2026-06-11"),
        ("2026-06-11T03:59:00Z", "2026-06-10"),  # 23:59 in New York
        ("2026-06-11T04:01:00Z", "2026-06-11"),  # 00:01 in New York
        # 2026-03-08: clocks spring forward at 02:00 (EST -05:00 -> EDT -04:00).
        ("2026-03-08T04:59:00Z", "2026-03-07"),  # 23:59 EST
        ("2026-03-08T05:01:00Z", "2026-03-08"),  # 00:01 EST
        ("2026-03-09T03:59:00Z", "2026-03-08"),  # 23:59 EDT
        ("2026-03-09T04:01:00Z", "2026-03-09"),  # 00:01 EDT
        # 2026-11-01: clocks fall back at 02:00 (EDT -04:00 -> EST -05:00).
        ("2026-11-01T03:59:00Z", "2026-10-31"),  # 23:59 EDT
        ("2026-11-01T04:01:00Z", "2026-11-01"),  # 00:01 EDT
        ("2026-11-02T04:59:00Z", "2026-11-01"),  # 23:59 EST (a 25-hour day)
        ("2026-11-02T05:01:00Z", "2026-11-02"),  # 00:01 EST
        ("2026-11-01T01:30:00-05:00", "2026-11-01"),  # the repeated hour, second time round
    ],
)
def test_local_date_is_the_patients_day(pat, body, recorded_at, local_date, api):
    r = api(pat, "POST", "/api/v1/checkins", json=body(recorded_at=recorded_at))
    assert r.status_code == 201, r.json
    assert r.json["local_date"] == local_date


def test_local_date_follows_the_patients_own_zone(login_as, make_user, clinician, body, api):
    tokyo = make_user("patient", clinician=clinician, timezone="Asia/Tokyo")
    r = api(login_as(tokyo), "POST", "/api/v1/checkins", json=body(recorded_at="2026-06-10T15:30:00Z"))
    assert r.json["local_date"] == "2026-06-11"
    assert r.json["recorded_at"] == "2026-06-11T00:30:00+09:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mood", None), ("mood", True), ("mood", 5.0), ("mood", "5"), ("mood", -1), ("mood", 11), ("mood", [5]),
        ("anxiety", False), ("anxiety", 2.5), ("anxiety", "3"), ("anxiety", 11),
        ("energy", -1), ("energy", True), ("pain", 10.0), ("pain", 99),
        ("sleep_hours", True), ("sleep_hours", "7"), ("sleep_hours", -0.5), ("sleep_hours", 24.5),
        ("self_harm_thoughts", "yes"), ("self_harm_thoughts", 1), ("self_harm_thoughts", 0), ("self_harm_thoughts", "false"),
        ("note", "x" * 2001), ("note", 5), ("note", ["a"]),
        ("client_id", "not-a-uuid"), ("client_id", 12345), ("client_id", ""),
        ("recorded_at", "yesterday"), ("recorded_at", "2026-03-08T10:00:00"), ("recorded_at", 1700000000),
        ("recorded_at", "1999-12-31T10:00:00Z"),
    ],
)
def test_each_invalid_field_is_named_and_nothing_is_stored(pat, body, field, value, api):
    data = body(**{field: value})
    if value is None:
        data.pop(field)
    r = api(pat, "POST", "/api/v1/checkins", json=data)
    assert r.status_code == 400
    assert list(r.json["fields"]) == [field]
    assert r.json["error"]
    assert count(CheckIn) == 0


def test_every_invalid_field_is_named_at_once(pat, api):
    r = api(pat, "POST", "/api/v1/checkins", json={"mood": 12, "anxiety": True, "sleep_hours": 30, "note": 1})
    assert r.status_code == 400
    assert set(r.json["fields"]) == {"mood", "anxiety", "sleep_hours", "note"}


@pytest.mark.parametrize("field", ["id", "patient_id", "local_date", "flags", "received_at", "owner", "total"])
def test_unknown_fields_cannot_set_owner_ids_or_scores(pat, body, field, api):
    r = api(pat, "POST", "/api/v1/checkins", json=body(**{field: 1}))
    assert r.status_code == 400
    assert r.json["fields"] == {field: "unknown field"}
    assert count(CheckIn) == 0


@pytest.mark.parametrize("payload", [[1, 2], "mood=5", 5, None])
def test_body_must_be_a_json_object(pat, payload, api):
    r = api(pat, "POST", "/api/v1/checkins", json=payload)
    assert r.status_code == 400 and r.json["error"]


def test_note_of_exactly_2000_characters_is_accepted(pat, body, api):
    assert api(pat, "POST", "/api/v1/checkins", json=body(note="x" * 2000)).status_code == 201


def test_self_harm_answer_raises_flag_and_returns_crisis_help(pat, body, patient, api):
    r = api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True))
    assert r.status_code == 201
    assert r.json["flags"] == ["self_harm"]
    assert "988" in r.json["crisis_help"]
    flag = db.session.scalar(select(SafetyFlag))
    assert (flag.patient_id, flag.source, flag.checkin_id) == (patient.id, "checkin", r.json["id"])
    assert flag.is_open
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "safety_flag.raise"))


def test_crisis_help_uses_the_clinics_text(set_clinic, pat, body, api):
    set_clinic(crisis_text="Call the clinic line 555-0100.")
    r = api(pat, "POST", "/api/v1/checkins", json=body(self_harm_thoughts=True))
    assert r.json["crisis_help"] == "Call the clinic line 555-0100."


def test_api_requires_csrf_token(pat, body):
    r = pat.post("/api/v1/checkins", json=body())
    assert r.status_code == 400 and "csrf_token" in r.json["fields"]
    assert count(CheckIn) == 0


def test_not_signed_in_is_401(client, body):
    assert client.post("/api/v1/checkins", json=body()).status_code in (400, 401)
    r = client.get("/api/v1/checkins")
    assert r.status_code == 401 and r.json["error"] == "not signed in"


@pytest.mark.parametrize("who", ["clinician", "admin"])
@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/checkins"), ("GET", "/api/v1/checkins"),
                                              ("POST", "/api/v1/assessments")])
def test_staff_get_404_on_patient_endpoints(login_as, clinician, admin, who, method, path, api):
    c = login_as({"clinician": clinician, "admin": admin}[who])
    r = api(c, method, path, json={"mood": 5} if method == "POST" else None)
    assert r.status_code == 404 and r.json["error"] == "not found"
    assert count(CheckIn) == 0


# --- GET /api/v1/checkins -----------------------------------------------------------------------------
def test_list_is_own_only_newest_first(pat, patient, other_patient, make_checkin, api):
    base = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    for i in range(3):
        make_checkin(patient, recorded_at=base + dt.timedelta(days=i), mood=i)
    make_checkin(other_patient, recorded_at=base, mood=9)
    r = api(pat, "GET", "/api/v1/checkins")
    assert r.status_code == 200
    assert [i["mood"] for i in r.json["items"]] == [2, 1, 0]
    assert r.json["next"] is None
    assert set(r.json["items"][0]) >= {"id", "client_id", "recorded_at", "local_date", "mood", "anxiety", "energy",
                                       "pain", "sleep_hours", "self_harm_thoughts", "note", "flags"}


def test_list_filters_by_local_dates_inclusive(pat, patient, make_checkin, api):
    # 03:30 UTC on 2 May is still 1 May in New York.
    for day, hour in [(1, 16), (2, 3), (2, 16), (3, 16), (4, 16)]:
        make_checkin(patient, recorded_at=dt.datetime(2026, 5, day, hour, 30, tzinfo=dt.UTC))
    r = api(pat, "GET", "/api/v1/checkins?from=2026-05-02&to=2026-05-03")
    assert [i["local_date"] for i in r.json["items"]] == ["2026-05-03", "2026-05-02"]
    assert len(api(pat, "GET", "/api/v1/checkins?from=2026-05-03").json["items"]) == 2
    assert len(api(pat, "GET", "/api/v1/checkins?to=2026-05-01").json["items"]) == 2


@pytest.mark.parametrize(("query", "field"), [("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-5-1", "from"),
                                               ("from=2026-05-03&to=2026-05-01", "from")])
def test_list_refuses_bad_dates(pat, query, field, api):
    r = api(pat, "GET", "/api/v1/checkins?" + query)
    assert r.status_code == 400 and field in r.json["fields"]


def test_list_pages_hold_100_with_next(pat, patient, api):
    base = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    db.session.add_all([CheckIn(patient_id=patient.id, client_id=str(uuid.uuid4()), recorded_at=base + dt.timedelta(hours=i),
                                local_date=(base + dt.timedelta(hours=i)).date(), mood=5) for i in range(130)])
    db.session.commit()
    first = api(pat, "GET", "/api/v1/checkins")
    assert len(first.json["items"]) == 100 and first.json["next"]
    second = api(pat, "GET", first.json["next"])
    assert len(second.json["items"]) == 30 and second.json["next"] is None
    ids = [i["id"] for i in first.json["items"] + second.json["items"]]
    assert len(set(ids)) == 130


# --- POST /api/v1/assessments -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("instrument", "answers", "total", "severity", "flags"),
    [
        ("phq9", [0] * 9, 0, "minimal", []),
        ("phq9", [3, 3, 3, 1, 0, 0, 0, 0, 0], 10, "moderate", []),
        ("phq9", [0] * 8 + [1], 1, "minimal", ["self_harm"]),
        ("gad7", [2] * 7, 14, "moderate", ["gad7_evaluate"]),
        ("pcl5", [2] * 16 + [0] * 4, 32, "below cut-point", ["pcl5_dsm5_pattern"]),
        ("pcl5", [4] * 8 + [0] * 12, 32, "below cut-point", []),
        ("pcl5", [2] * 17 + [0] * 3, 34, "probable PTSD", ["pcl5_above_cutpoint", "pcl5_dsm5_pattern"]),
    ],
)
def test_assessment_is_scored_on_the_server(pat, pcl5_on, instrument, answers, total, severity, flags, api):
    r = api(pat, "POST", "/api/v1/assessments", json={"client_id": str(uuid.uuid4()), "instrument": instrument,
                                                      "answers": answers, "recorded_at": "2026-04-01T09:00:00-04:00"})
    assert r.status_code == 201, r.json
    assert (r.json["total"], r.json["severity"], r.json["flags"]) == (total, severity, flags)
    assert r.json["local_date"] == "2026-04-01" and isinstance(r.json["id"], int)
    assert (r.json["crisis_help"] is not None) == ("self_harm" in flags)
    assert count(SafetyFlag) == (1 if "self_harm" in flags else 0)


def test_phq9_item9_raises_assessment_flag_in_same_answer(pat, patient, api):
    r = api(pat, "POST", "/api/v1/assessments", json={"instrument": "phq9", "answers": [0] * 8 + [2]})
    assert r.json["flags"] == ["self_harm"] and "988" in r.json["crisis_help"]
    flag = db.session.scalar(select(SafetyFlag))
    assert (flag.source, flag.assessment_id, flag.patient_id) == ("assessment", r.json["id"], patient.id)
    assert "More than half the days" in flag.reason


def test_assessment_uses_clinic_pcl5_cutpoint(set_clinic, pat, pcl5_on, api):
    set_clinic(pcl5_cutpoint=31)
    r = api(pat, "POST", "/api/v1/assessments", json={"instrument": "pcl5", "answers": [2] * 15 + [0] * 5})
    assert r.json["total"] == 30 and r.json["severity"] == "below cut-point"
    r = api(pat, "POST", "/api/v1/assessments", json={"instrument": "pcl5", "answers": [2] * 15 + [1] + [0] * 4})
    assert r.json["total"] == 31 and r.json["severity"] == "probable PTSD"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"instrument": "bdi", "answers": [0] * 9}, {"instrument"}),
        ({"answers": [0] * 9}, {"instrument"}),
        ({"instrument": "phq9", "answers": [0] * 8}, {"answers"}),
        ({"instrument": "phq9"}, {"answers"}),
        ({"instrument": "phq9", "answers": [0] * 8 + [4]}, {"answers[8]"}),
        ({"instrument": "phq9", "answers": [True] + [0] * 8}, {"answers[0]"}),
        ({"instrument": "phq9", "answers": [1.0, "1", None] + [0] * 6}, {"answers[0]", "answers[1]", "answers[2]"}),
        ({"instrument": "gad7", "answers": [0] * 6 + [-1]}, {"answers[6]"}),
        ({"instrument": "phq9", "answers": [0] * 9, "total": 0}, {"total"}),
        ({"instrument": "phq9", "answers": [0] * 9, "severity": "minimal", "flags": []}, {"severity", "flags"}),
        ({"instrument": "phq9", "answers": [0] * 9, "patient_id": 1}, {"patient_id"}),
        ({"instrument": "phq9", "answers": [0] * 9, "recorded_at": "2099-01-01T00:00:00Z"}, {"recorded_at"}),
        ({"instrument": "phq9", "answers": [0] * 9, "client_id": "x"}, {"client_id"}),
    ],
)
def test_assessment_refusals_name_each_field(pat, payload, fields, api):
    r = api(pat, "POST", "/api/v1/assessments", json=payload)
    assert r.status_code == 400
    assert set(r.json["fields"]) == fields
    assert count(Assessment) == 0 and count(SafetyFlag) == 0


def test_assessment_replay_and_conflict(pat, api):
    data = {"client_id": str(uuid.uuid4()), "instrument": "gad7", "answers": [1] * 7}
    first = api(pat, "POST", "/api/v1/assessments", json=data)
    again = api(pat, "POST", "/api/v1/assessments", json=data)
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    r = api(pat, "POST", "/api/v1/assessments", json={**data, "answers": [2] * 7})
    assert r.status_code == 409
    assert count(Assessment) == 1
