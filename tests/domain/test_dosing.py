"""Dosing day (issue #12): tables at the edges of every rule in katapp/domain/dosing.py."""
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from katapp.domain import dosing
from katapp.domain.dosing import (
    CANCELLED,
    CHECKED_IN,
    DEFAULTS,
    DISCHARGED,
    DOSED,
    NO_SHOW,
    PREGNANCY_POSSIBLE,
    SCHEDULED,
    Check,
    ChecklistItem,
    DoseRange,
    DosingSettings,
    PreDose,
    Reading,
    Screening,
    as_fields,
    check_move,
    discharge_checks,
    dose_check,
    format_mg_per_kg,
    items_for,
    mg_per_kg,
    minutes_since,
    next_statuses,
    predose_checks,
    previous_series_end,
    vital_alerts,
)

NY = "America/New_York"
START = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York
TODAY = date(2026, 6, 10)
ALL_TICKED = frozenset({"fasting", "escort", "consent", "pregnancy_test"})


def minutes(n):
    return timedelta(minutes=n)


def ready(**changes):
    """Facts that pass every pre-dose check, changed by `changes`."""
    facts = PreDose(
        now=START,
        tz=NY,
        starts_at=START,
        screening=Screening(taken_on=TODAY - timedelta(days=30)),
        open_flags=0,
        bp=Reading(START - minutes(10), 128, 84),
        ticked=ALL_TICKED,
        weight_kg=70.0,
    )
    return replace(facts, **changes)


def keys(checks):
    return [c.key for c in checks]


# --- lifecycle -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (SCHEDULED, (CHECKED_IN, CANCELLED, NO_SHOW)),
        (CHECKED_IN, (DOSED, CANCELLED)),
        (DOSED, (DISCHARGED,)),
        (DISCHARGED, ()),
        (CANCELLED, ()),
        (NO_SHOW, ()),
    ],
)
def test_next_statuses(current, expected):
    assert next_statuses(current) == expected


@pytest.mark.parametrize(
    ("current", "target"),
    [(SCHEDULED, CHECKED_IN), (SCHEDULED, CANCELLED), (SCHEDULED, NO_SHOW), (CHECKED_IN, DOSED),
     (CHECKED_IN, CANCELLED), (DOSED, DISCHARGED)],
)
def test_allowed_moves(current, target):
    assert check_move(current, target) is None


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (SCHEDULED, DOSED, "a scheduled session can next be checked in or cancelled or no-show, not dosed"),
        (SCHEDULED, DISCHARGED, "not discharged"),
        (CHECKED_IN, NO_SHOW, "a checked in session can next be dosed or cancelled, not no-show"),
        (CHECKED_IN, SCHEDULED, "not scheduled"),
        (DOSED, CANCELLED, "a dosed session can next be discharged, not cancelled"),
        (DOSED, NO_SHOW, "not no-show"),
        (DOSED, CHECKED_IN, "not checked in"),
        (DISCHARGED, DOSED, "already discharged; its status cannot change"),
        (CANCELLED, SCHEDULED, "already cancelled"),
        (NO_SHOW, CHECKED_IN, "already no-show"),
        (SCHEDULED, "completed", "unknown session status: 'completed'"),
        ("done", SCHEDULED, "unknown session status: 'done'"),
    ],
)
def test_refused_moves(current, target, message):
    with pytest.raises(ValueError, match=message):
        check_move(current, target)


def test_every_status_has_a_rule_and_guarded_steps_are_dose_and_discharge():
    assert set(dosing.TRANSITIONS) == set(dosing.LIFECYCLE_KEYS)
    assert dosing.GUARDED == {DOSED: "predose", DISCHARGED: "discharge"}


# --- settings ------------------------------------------------------------------------------


def test_default_settings():
    s = DosingSettings()
    assert (s.bp_limit, s.alert_bp) == ((140, 90), (180, 110))
    assert (s.alert_hr_above, s.alert_hr_below, s.alert_spo2_below) == (120, 50, 92)
    assert (s.screening_valid_days, s.early_start_minutes) == (180, 15)
    assert [i.key for i in s.predose_checklist] == ["fasting", "escort", "consent", "pregnancy_test"]
    assert [i.key for i in s.discharge_checklist] == ["alert_oriented", "vitals_baseline", "escort_present"]
    assert s.dose_range("iv") == DoseRange("iv", 0.5, 1.0, infusion_minutes=40)
    assert s.dose_range("intranasal").fixed_mg == (56.0, 84.0)
    assert s == DEFAULTS and hash(s) == hash(DEFAULTS)


@pytest.mark.parametrize(("route", "expected"), [("intranasal", 120), ("iv", 60), ("im", 60), ("sublingual_oral", 60)])
def test_observation_minutes(route, expected):
    assert DEFAULTS.observation_minutes(route) == expected


def test_unknown_route_is_a_key_error():
    with pytest.raises(KeyError):
        DEFAULTS.observation_minutes("rectal")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bp_limit": (90, 140)}, "systolic above diastolic"),
        ({"alert_bp": (140, 110)}, "alert BP must be above the dosing limit"),
        ({"alert_hr_below": 130}, "heart-rate alerts"),
        ({"alert_spo2_below": 101}, "SpO2 alert"),
        ({"screening_valid_days": 0}, "durations must be positive"),
        ({"observation_minutes_intranasal": 0}, "durations must be positive"),
        ({"early_start_minutes": -1}, "early-start margin"),
        ({"bp_after_dose_window": (60, 30)}, "after-dose BP window"),
        ({"predose_checklist": (ChecklistItem("a", "A"), ChecklistItem("a", "B"))}, "unique"),
        ({"dose_ranges": DEFAULTS.dose_ranges[:3]}, "one dose range for each route"),
    ],
)
def test_settings_refuse_nonsense(changes, message):
    with pytest.raises(ValueError, match=message):
        DosingSettings(**changes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("iv", 1.0, 0.5), "0 < minimum ≤ maximum"),
        (("iv", 0.0, 1.0), "0 < minimum ≤ maximum"),
        (("nasal",), "unknown route"),
        (("intranasal", 0, 0, (0.0,)), "fixed doses must be positive"),
    ],
)
def test_dose_range_refuses_nonsense(args, message):
    with pytest.raises(ValueError, match=message):
        DoseRange(*args)


@pytest.mark.parametrize(
    ("circumstances", "expected"),
    [((), ["fasting", "escort", "consent"]), ((PREGNANCY_POSSIBLE,), ["fasting", "escort", "consent", "pregnancy_test"])],
)
def test_items_for(circumstances, expected):
    assert [i.key for i in items_for(DEFAULTS.predose_checklist, circumstances)] == expected


# --- pre-dose checks -----------------------------------------------------------------------


def test_ready_passes():
    assert predose_checks(ready()) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"screening": None}, "no intake screening on file"),
        ({"screening": Screening(TODAY - timedelta(days=181))}, "is 181 days old (valid for 180)"),
        # The issue: a positive screening recorded after the sessions were booked blocks the dose.
        ({"screening": Screening(TODAY, uncleared=("cardiovascular_disease",))},
         "uncleared contraindications (Cardiovascular disease)"),
        ({"screening": Screening(TODAY, uncleared=("seizures", "liver_disease"))}, "(seizures, Liver disease)"),
        ({"screening": Screening(TODAY, signed_off=False)}, "not been signed off"),
        ({"rescreen_after": TODAY - timedelta(days=30)}, "from the previous series: screen again"),
        ({"rescreen_after": TODAY - timedelta(days=29)}, "from the previous series"),
    ],
)
def test_screening_refusals(changes, message):
    checks = predose_checks(ready(**changes))
    assert keys(checks) == ["screening"]
    assert message in checks[0].message


@pytest.mark.parametrize(
    ("changes"),
    [
        {"screening": Screening(TODAY - timedelta(days=180))},  # exactly 180 days old: still valid
        {"screening": Screening(TODAY)},
        {"rescreen_after": TODAY - timedelta(days=31)},  # screened the day after the previous series ended
        {"screening": Screening(TODAY, uncleared=())},
    ],
)
def test_screening_accepted(changes):
    assert predose_checks(ready(**changes)) == []


@pytest.mark.parametrize(("flags", "message"), [(1, "1 safety flag is not acknowledged"), (3, "3 safety flags are not")])
def test_open_flags_block(flags, message):
    checks = predose_checks(ready(open_flags=flags))
    assert keys(checks) == ["flag"] and message in checks[0].message


@pytest.mark.parametrize(
    ("bp", "override", "message"),
    [
        (Reading(START - minutes(10), 141, 84), "", "pre-dose BP 141/84 is above the limit 140/90"),
        (Reading(START - minutes(10), 130, 91), "", "above the limit"),
        (Reading(START - minutes(10), 150, 95), "   ", "record an override with a reason"),
        (None, "", "take today's pre-dose blood pressure"),
        (Reading(START - minutes(10), heart_rate=70), "", "take today's pre-dose"),
        # Yesterday's reading (23:59 in New York) is not today's.
        (Reading(datetime(2026, 6, 10, 3, 59, tzinfo=UTC), 120, 80), "", "take today's pre-dose"),
    ],
)
def test_bp_refusals(bp, override, message):
    checks = predose_checks(ready(bp=bp, override_reason=override))
    assert keys(checks) == ["bp"] and message in checks[0].message


@pytest.mark.parametrize(
    ("bp", "override"),
    [
        (Reading(START - minutes(10), 140, 90), ""),  # exactly at the limit
        (Reading(START - minutes(10), 160, 100), "white-coat hypertension; home readings 130/85, Dr Ng"),
        (Reading(datetime(2026, 6, 10, 4, 0, tzinfo=UTC), 120, 80), ""),  # 00:00 local today
    ],
)
def test_bp_accepted(bp, override):
    assert predose_checks(ready(bp=bp, override_reason=override)) == []


@pytest.mark.parametrize(
    ("now", "message"),
    [
        (START - minutes(16), "the session starts in 16 minutes: a dose may start at most 15 minutes early"),
        (START - minutes(15) - timedelta(seconds=1), "starts in 16 minutes"),
        (START - timedelta(hours=3), "starts in 180 minutes"),
        # The issue: tomorrow's session cannot be dosed now.
        (START - timedelta(days=1), "booked for 2026-06-10: a dose is given on the day of the session"),
        # Nor yesterday's, after the fact.
        (START + timedelta(days=1), "booked for 2026-06-10"),
    ],
)
def test_start_time_refusals(now, message):
    checks = predose_checks(ready(now=now, bp=Reading(now - minutes(5), 120, 80)))
    assert keys(checks) == ["start_time"] and message in checks[0].message


@pytest.mark.parametrize("offset", [-15, -14, 0, 1, 240])
def test_start_time_accepted(offset):
    now = START + minutes(offset)
    assert predose_checks(ready(now=now, bp=Reading(now - minutes(5), 120, 80))) == []


def test_start_margin_is_a_setting():
    facts = ready(now=START - minutes(16))
    assert predose_checks(facts, DosingSettings(early_start_minutes=20)) == []
    assert keys(predose_checks(ready(now=START - minutes(1)), DosingSettings(early_start_minutes=0))) == ["start_time"]


@pytest.mark.parametrize(
    ("missing", "circumstances", "label"),
    [
        ("fasting", (), "Fasting as instructed"),
        ("escort", (), "Escort home arranged"),
        ("consent", (), "Signed consent on file"),
        ("pregnancy_test", (PREGNANCY_POSSIBLE,), "Pregnancy test negative today"),
    ],
)
def test_each_checklist_item_blocks(missing, circumstances, label):
    checks = predose_checks(ready(ticked=ALL_TICKED - {missing}, circumstances=frozenset(circumstances)))
    assert keys(checks) == ["checklist"]
    assert checks[0].message.startswith(f"not yet ticked: {label}")
    assert ";" not in checks[0].message  # only the missing item is named


def test_pregnancy_test_only_where_it_applies():
    assert predose_checks(ready(ticked=frozenset({"fasting", "escort", "consent"}))) == []


def test_every_missing_item_is_named_once():
    checks = predose_checks(ready(ticked=frozenset(), circumstances=frozenset({PREGNANCY_POSSIBLE})))
    assert checks == [Check("checklist", "not yet ticked: Fasting as instructed (no food 2 h, no drinks 30 min before); "
                                         "Escort home arranged (no driving until the next day); Signed consent on file; "
                                         "Pregnancy test negative today")]


def test_checklist_items_are_a_setting():
    settings = DosingSettings(predose_checklist=(ChecklistItem("iv_line", "IV line placed"),))
    assert keys(predose_checks(ready(), settings)) == ["checklist"]
    assert predose_checks(ready(ticked=frozenset({"iv_line"})), settings) == []


@pytest.mark.parametrize("weight", [None, 0.0])
def test_missing_weight_blocks(weight):
    assert keys(predose_checks(ready(weight_kg=weight))) == ["weight"]


def test_all_failures_at_once_in_order_with_fields():
    checks = predose_checks(ready(screening=None, open_flags=1, bp=None, now=START - timedelta(days=1),
                                  ticked=frozenset(), weight_kg=None))
    assert keys(checks) == ["screening", "flag", "bp", "start_time", "checklist", "weight"]
    assert as_fields(checks) == {c.key: c.message for c in checks}


@pytest.mark.parametrize(
    ("days", "today", "expected"),
    [
        ([], date(2026, 6, 10), None),
        ([date(2026, 6, 1), date(2026, 6, 8)], date(2026, 6, 10), None),  # one series, still running
        ([date(2026, 5, 19)], date(2026, 6, 9), None),  # a gap of exactly 21 days continues the series
        ([date(2026, 5, 19)], date(2026, 6, 10), date(2026, 5, 19)),  # 22 days: a new series
        ([date(2026, 1, 5), date(2026, 1, 7), date(2026, 6, 1), date(2026, 6, 8)], date(2026, 6, 10), date(2026, 1, 7)),
        ([date(2026, 6, 8), date(2026, 1, 7), date(2026, 1, 5), date(2026, 6, 1)], date(2026, 6, 10), date(2026, 1, 7)),
        ([date(2026, 6, 10), date(2026, 7, 1)], date(2026, 6, 10), None),  # today and later are not earlier
    ],
)
def test_previous_series_end(days, today, expected):
    assert previous_series_end(days, today) == expected


def test_previous_series_end_feeds_rescreen():
    end = previous_series_end([date(2026, 1, 7)], TODAY)
    assert keys(predose_checks(ready(screening=Screening(date(2026, 1, 2)), rescreen_after=end))) == ["screening"]
    assert predose_checks(ready(screening=Screening(date(2026, 6, 1)), rescreen_after=end)) == []


# --- dose ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("mg", "kg", "expected"), [(35, 70, 0.5), (70, 70, 1.0), (56, 80, 0.7), (1000, 70, 14.2857)])
def test_mg_per_kg(mg, kg, expected):
    assert mg_per_kg(mg, kg) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("mg", "kg", "message"),
    [(0, 70, "more than 0 mg"), (-5, 70, "more than 0 mg"), (35, 0, "between 20 and 350 kg"),
     (35, 19.9, "between 20"), (35, 351, "between 20")],
)
def test_mg_per_kg_refuses(mg, kg, message):
    with pytest.raises(ValueError, match=message):
        mg_per_kg(mg, kg)


@pytest.mark.parametrize(("value", "text"), [(0.5, "0.50 mg/kg"), (1 / 3, "0.33 mg/kg"), (14.2857, "14.29 mg/kg")])
def test_format_mg_per_kg(value, text):
    assert format_mg_per_kg(value) == text


@pytest.mark.parametrize(
    ("route", "mg", "kg", "in_range"),
    [
        ("iv", 35, 70, True),  # exactly 0.5 mg/kg
        ("iv", 70, 70, True),  # exactly 1.0 mg/kg
        ("iv", 34.9, 70, False),
        ("iv", 70.1, 70, False),
        ("iv", 36.65, 73.3, True),  # 0.5 mg/kg despite floating point
        ("iv", 73.3, 73.3, True),
        ("iv", 1000, 70, False),  # the 1000 mg IV for 70 kg
        ("im", 35, 70, True),
        ("im", 71, 70, False),
        ("sublingual_oral", 70, 70, True),
        ("sublingual_oral", 210, 70, True),
        ("sublingual_oral", 69, 70, False),
        ("sublingual_oral", 211, 70, False),
        ("intranasal", 56, 70, True),
        ("intranasal", 84, 120, True),
        ("intranasal", 28, 70, False),
        ("intranasal", 70, 70, False),
        ("intranasal", 112, 70, False),
    ],
)
def test_dose_check(route, mg, kg, in_range):
    verdict = dose_check(route, mg, kg)
    assert verdict.in_range is in_range
    assert verdict.mg_per_kg == pytest.approx(mg / kg)
    assert (verdict.message == "") is in_range


def test_out_of_range_dose_asks_for_a_reason():
    assert dose_check("iv", 1000, 70).message == (
        "14.29 mg/kg is outside the clinic's range 35–70 mg (0.5–1.0 mg/kg): confirm the dose with a reason")
    assert dose_check("intranasal", 28, 70).message.endswith("range 56 mg or 84 mg: confirm the dose with a reason")


def test_dose_ranges_are_a_setting():
    settings = replace(DEFAULTS, dose_ranges=(DoseRange("iv", 0.25, 0.75), *DEFAULTS.dose_ranges[1:]))
    assert dose_check("iv", 17.5, 70, settings).in_range
    assert not dose_check("iv", 70, 70, settings).in_range
    assert "(0.25–0.75 mg/kg)" in dose_check("iv", 70, 70, settings).message


def test_dose_check_unknown_route():
    with pytest.raises(KeyError):
        dose_check("rectal", 35, 70)


# --- vitals --------------------------------------------------------------------------------


def reading(systolic=None, diastolic=None, heart_rate=None, spo2=None, after=40, note=""):
    return Reading(START + minutes(after), systolic, diastolic, heart_rate, spo2, note)


@pytest.mark.parametrize(
    ("r", "expected"),
    [
        (reading(179, 109, 120, 92), []),  # every value one short of alerting
        (reading(180, 100), ["bp"]),  # at the systolic threshold
        (reading(150, 110), ["bp"]),  # at the diastolic threshold
        (reading(210, 125), ["bp"]),  # the post-dose 210/125
        (reading(heart_rate=121), ["heart_rate"]),
        (reading(heart_rate=50), []),
        (reading(heart_rate=49), ["heart_rate"]),
        (reading(spo2=91), ["spo2"]),
        (reading(spo2=92), []),
        (reading(200, 120, 130, 88), ["bp", "heart_rate", "spo2"]),
        (reading(), []),
    ],
)
def test_vital_alerts(r, expected):
    assert keys(vital_alerts(r)) == expected


def test_vital_alert_messages():
    assert [a.message for a in vital_alerts(reading(210, 125, 45, 90))] == [
        "BP 210/125 is at or above the alert level 180/110",
        "heart rate 45 is below 50",
        "SpO2 90 % is below 92 %",
    ]


def test_alert_thresholds_are_a_setting():
    settings = DosingSettings(alert_bp=(170, 105), alert_spo2_below=94)
    assert keys(vital_alerts(reading(170, 90, spo2=93), settings)) == ["bp", "spo2"]


def test_reading_needs_both_bp_values():
    with pytest.raises(ValueError, match="both systolic and diastolic"):
        Reading(START, 120, None)
    assert (Reading(START, 128, 84).bp, Reading(START, heart_rate=70).bp) == ("128/84", "")


# --- discharge -----------------------------------------------------------------------------

DISCHARGE_TICKED = frozenset({"alert_oriented", "vitals_baseline", "escort_present"})


def discharge(after=120, route="intranasal", readings=None, ticked=DISCHARGE_TICKED, settings=DEFAULTS):
    if readings is None:
        readings = [reading(150, 95, 88, 97, after=40), reading(132, 84, 76, 98, after=after - 5)]
    return discharge_checks(START, START + minutes(after), route, readings, ticked, settings)


def test_ready_for_discharge():
    assert discharge() == []


@pytest.mark.parametrize(
    ("after", "route", "expected"),
    [
        (120, "intranasal", []),  # exactly 120 minutes of observation
        (119, "intranasal", ["observation"]),
        (60, "iv", []),
        (59, "iv", ["observation"]),
        (60, "im", []),
        (59, "sublingual_oral", ["observation"]),
        (61, "intranasal", ["observation"]),
    ],
)
def test_minimum_observation(after, route, expected):
    assert keys(discharge(after=after, route=route)) == expected


def test_observation_message():
    assert discharge(after=119)[0].message == "119 of the 120 minutes of observation after the dose have passed"


@pytest.mark.parametrize(
    ("at", "ok"),
    [(29, False), (30, True), (40, True), (60, True), (61, False)],
)
def test_bp_about_40_minutes_after_dose(at, ok):
    checks = discharge(readings=[reading(150, 95, after=at), reading(130, 80, after=115)])
    assert keys(checks) == ([] if ok else ["bp_after_dose"])


def test_bp_after_dose_needs_a_bp_not_just_a_pulse():
    checks = discharge(readings=[reading(heart_rate=80, after=40), reading(130, 80, after=115)])
    assert checks == [Check("bp_after_dose", "take a BP 30–60 minutes after the dose")]


@pytest.mark.parametrize(
    ("at", "ok"),
    [(105, True), (104, False), (120, True), (121, False), (90, False)],  # discharge at 120 min
)
def test_bp_before_discharge(at, ok):
    checks = discharge(readings=[reading(150, 95, after=40), reading(130, 80, after=at)])
    assert keys(checks) == ([] if ok else ["bp_before_discharge"])


@pytest.mark.parametrize("missing", sorted(DISCHARGE_TICKED))
def test_each_discharge_item_blocks(missing):
    checks = discharge(ticked=DISCHARGE_TICKED - {missing})
    label = next(i.label for i in DEFAULTS.discharge_checklist if i.key == missing)
    assert checks == [Check("checklist", f"not yet confirmed: {label}")]


def test_alerting_reading_needs_an_action_note():
    post_dose = reading(210, 125, after=40)  # the post-dose 210/125
    checks = discharge(readings=[post_dose, reading(135, 85, after=118)])
    assert checks == [Check("action_note", "write what was done about the alerting reading at 40 min")]
    noted = replace(post_dose, action_note="repeated at 45 min: 170/100; informed Dr Ng")
    assert discharge(readings=[noted, reading(135, 85, after=118)]) == []
    blank = replace(post_dose, action_note="  ")
    assert keys(discharge(readings=[blank, reading(135, 85, after=118)])) == ["action_note"]


def test_low_spo2_without_note_blocks_discharge():
    checks = discharge(readings=[reading(140, 90, after=40), reading(spo2=90, after=70), reading(130, 80, after=117)])
    assert checks == [Check("action_note", "write what was done about the alerting reading at 70 min")]


def test_nothing_recorded_fails_everything_but_notes():
    checks = discharge(after=30, readings=[], ticked=frozenset())
    assert keys(checks) == ["observation", "bp_after_dose", "bp_before_discharge", "checklist"]


def test_minutes_since():
    assert [minutes_since(START, START + d) for d in (timedelta(seconds=59), minutes(40), -minutes(1))] == [0, 40, -1]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"systolic": 261, "diastolic": 90}, "systolic pressure must be between 60 and 260"),
        ({"systolic": 90, "diastolic": 95}, "systolic pressure must be higher"),
        ({"heart_rate": 19}, "heart rate must be between 20 and 250"),
        ({"heart_rate": 251}, "heart rate must be between"),
        ({"spo2": 49}, "SpO2 must be between 50 and 100"),
        ({"spo2": 101}, "SpO2 must be between"),
    ],
)
def test_reading_refuses_implausible_values(values, message):
    with pytest.raises(ValueError, match=message):
        Reading(START, **values)


def test_reading_accepts_edge_values():
    assert Reading(START, 260, 160 - 1, heart_rate=250, spo2=100).spo2 == 100
    assert Reading(START, 60, 30, heart_rate=20, spo2=50).heart_rate == 20


@pytest.mark.parametrize(
    ("route", "mg", "reason", "blocked"),
    [
        ("iv", 35, "", False),
        ("iv", 1000, "", True),  # the 1000 mg IV for 70 kg
        ("iv", 1000, "  ", True),
        ("iv", 84, "ordered 1.2 mg/kg after partial response at 1.0, Dr Ng", False),
        ("intranasal", 28, "", True),
        ("intranasal", 84, "", False),
    ],
)
def test_out_of_range_dose_needs_a_reason(route, mg, reason, blocked):
    problem = dose_check(route, mg, 70).problem(reason)
    assert (problem is not None) is blocked
    if blocked:
        assert problem.key == "dose_mg" and "confirm the dose with a reason" in problem.message


@pytest.mark.parametrize(("bp", "expected"), [(None, False), (Reading(START, heart_rate=70), False),
                                              (Reading(START, 140, 90), False), (Reading(START, 141, 90), True),
                                              (Reading(START, 120, 91), True)])
def test_needs_override(bp, expected):
    assert dosing.needs_override(bp) is expected


def test_monitoring_words():
    assert [t.key for t in dosing.MOAAS] == ["5", "4", "3", "2", "1", "0"]
    assert [t.key for t in dosing.DISSOCIATION] == ["none", "mild", "moderate", "severe"]
    assert [t.key for t in dosing.SEVERITY] == ["mild", "moderate", "severe"]
