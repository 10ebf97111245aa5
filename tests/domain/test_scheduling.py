from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from katapp.domain.scheduling import (
    Slot,
    bp_exceeds,
    conflicts,
    day_bounds_utc,
    induction_series,
    local_date,
    overlaps,
    parse_bp,
)

NY = "America/New_York"


def at(hour, minute=0, day=1):
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((at(9), at(10)), (at(9), at(10)), True),  # identical
        ((at(9), at(12)), (at(10), at(11)), True),  # b inside a
        ((at(10), at(11)), (at(9), at(12)), True),  # a inside b
        ((at(9), at(10)), (at(10), at(11)), False),  # a ends as b starts
        ((at(10), at(11)), (at(9), at(10)), False),  # b ends as a starts
        ((at(9), at(10)), (at(11), at(12)), False),  # disjoint
        ((at(9), at(10, 30)), (at(10), at(11)), True),  # partial
        ((at(10), at(11)), (at(9), at(10, 1)), True),  # one minute of overlap
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(*a, *b) is expected


def test_overlaps_across_zones():
    ny_9am = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo(NY))  # 13:00 UTC
    assert overlaps(ny_9am, ny_9am + timedelta(hours=1), at(13, 30), at(14))
    assert not overlaps(ny_9am, ny_9am + timedelta(hours=1), at(14), at(15))


def test_conflicts_returns_overlapping_slots_sorted():
    existing = [Slot(at(11), at(12), "integration", ref=2), Slot(at(8), at(9), ref=0), Slot(at(9), at(10), ref=1)]
    found = conflicts(Slot(at(9, 30), at(11, 30)), existing)
    assert [s.ref for s in found] == [1, 2]
    assert conflicts(Slot(at(10), at(11)), existing) == []


def test_slot_must_end_after_start():
    with pytest.raises(ValueError, match="end after"):
        Slot(at(10), at(10))


def ny_local(slot):
    return slot.start.astimezone(ZoneInfo(NY))


def test_mon_wed_fri_series_from_a_wednesday():
    slots = induction_series(date(2026, 6, 3), 6, {0, 2, 4}, time(9), NY, 40)
    assert [ny_local(s).date() for s in slots] == [
        date(2026, 6, 3),
        date(2026, 6, 5),
        date(2026, 6, 8),
        date(2026, 6, 10),
        date(2026, 6, 12),
        date(2026, 6, 15),
    ]
    shapes = {(ny_local(s).time(), s.end - s.start, s.kind) for s in slots}
    assert shapes == {(time(9), timedelta(minutes=40), "ketamine")}
    assert all(s.start.tzinfo is UTC for s in slots)


@pytest.mark.parametrize(
    ("offset", "integration_at", "first_integration"),
    [(1, None, datetime(2026, 6, 4, 9)), (2, time(14), datetime(2026, 6, 5, 14))],
)
def test_series_with_integration(offset, integration_at, first_integration):
    slots = induction_series(
        date(2026, 6, 3),
        6,
        [0, 2, 4],
        time(9),
        NY,
        40,
        integration=True,
        integration_offset_days=offset,
        integration_at=integration_at,
    )
    assert [s.kind for s in slots].count("integration") == 6
    assert slots == sorted(slots, key=lambda s: s.start)
    first = next(s for s in slots if s.kind == "integration")
    assert ny_local(first).replace(tzinfo=None) == first_integration
    assert first.end - first.start == timedelta(minutes=50)


def test_series_refuses_to_double_book_itself():
    # Mon/Wed/Fri with integration two days later at the same time lands on the next ketamine slot.
    with pytest.raises(ValueError, match="double-books"):
        induction_series(date(2026, 6, 1), 3, [0, 2, 4], time(9), NY, 40, integration=True, integration_offset_days=2)


@pytest.mark.parametrize(
    ("start", "utc_hours"),
    [
        (date(2026, 3, 6), [14, 13]),  # Fri 09:00 EST = 14:00 UTC; Mon 9 Mar 09:00 EDT = 13:00 UTC
        (date(2026, 10, 30), [13, 14]),  # Fri 09:00 EDT = 13:00 UTC; Mon 2 Nov 09:00 EST = 14:00 UTC
    ],
)
def test_series_keeps_local_time_across_dst(start, utc_hours):
    slots = induction_series(start, 2, [0, 4], time(9), NY, 40)
    assert [s.start.hour for s in slots] == utc_hours
    assert [ny_local(s).time() for s in slots] == [time(9), time(9)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": 0}, "1 to 30"),
        ({"count": 31}, "1 to 30"),
        ({"weekdays": []}, "weekday"),
        ({"weekdays": [7]}, "weekday"),
        ({"integration": True, "integration_offset_days": 3}, "1 or 2 days"),
        ({"integration_offset_days": 0}, "1 or 2 days"),
        ({"duration_minutes": 0}, "positive"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_series_refusals(kwargs, message):
    args = {
        "start_date": date(2026, 6, 1),
        "count": 6,
        "weekdays": [0, 2, 4],
        "at": time(9),
        "tz": NY,
        "duration_minutes": 40,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        induction_series(**args)


@pytest.mark.parametrize(
    ("day", "start", "hours"),
    [
        (date(2026, 3, 8), datetime(2026, 3, 8, 5, tzinfo=UTC), 23),
        (date(2026, 11, 1), datetime(2026, 11, 1, 4, tzinfo=UTC), 25),
        (date(2026, 6, 1), datetime(2026, 6, 1, 4, tzinfo=UTC), 24),
    ],
)
def test_day_bounds_on_dst_days(day, start, hours):
    lo, hi = day_bounds_utc(day, NY)
    assert (lo, hi - lo) == (start, timedelta(hours=hours))


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        (datetime(2026, 6, 2, 3, 59, tzinfo=UTC), NY, date(2026, 6, 1)),  # 23:59 EDT
        (datetime(2026, 6, 2, 4, 1, tzinfo=UTC), NY, date(2026, 6, 2)),  # 00:01 EDT
        (datetime(2026, 1, 2, 4, 59, tzinfo=UTC), NY, date(2026, 1, 1)),  # 23:59 EST
        (datetime(2026, 1, 2, 5, 1, tzinfo=UTC), NY, date(2026, 1, 2)),  # 00:01 EST
        (datetime(2026, 6, 1, 23, 59, tzinfo=UTC), "UTC", date(2026, 6, 1)),
    ],
)
def test_local_date(moment, tz, expected):
    assert local_date(moment, tz) == expected


def test_local_date_refuses_naive():
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 6, 1, 12), NY)


@pytest.mark.parametrize(
    ("reading", "above"),
    [((140, 90), False), ((141, 90), True), ((140, 91), True), ((120, 80), False), ((160, 100), True)],
)
def test_bp_exceeds_default_limit(reading, above):
    assert bp_exceeds(*reading, 140, 90) is above


@pytest.mark.parametrize(
    ("text", "expected"),
    [("128/84", (128, 84)), (" 140 / 90 ", (140, 90)), ("60/30", (60, 30)), ("260/159", (260, 159))],
)
def test_parse_bp(text, expected):
    assert parse_bp(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "for example 128/84"),
        ("128", "for example 128/84"),
        ("128/84/2", "for example 128/84"),
        ("128.5/84", "for example 128/84"),
        ("abc/def", "for example 128/84"),
        (None, "for example 128/84"),
        ("59/40", "systolic pressure must be between 60 and 260"),
        ("261/90", "systolic pressure must be between 60 and 260"),
        ("120/29", "diastolic pressure must be between 30 and 160"),
        ("200/161", "diastolic pressure must be between 30 and 160"),
        ("90/90", "higher than diastolic"),
    ],
)
def test_parse_bp_refusals(text, message):
    with pytest.raises(ValueError, match=message):
        parse_bp(text)


@pytest.mark.parametrize(
    ("day", "at_", "tz", "expected"),
    [
        (date(2026, 6, 1), time(9), NY, datetime(2026, 6, 1, 13, tzinfo=UTC)),  # EDT, UTC-4
        (date(2026, 1, 5), time(9), NY, datetime(2026, 1, 5, 14, tzinfo=UTC)),  # EST, UTC-5
        (date(2026, 6, 1), time(9), "Europe/Berlin", datetime(2026, 6, 1, 7, tzinfo=UTC)),
        (date(2026, 6, 1), time(0), "UTC", datetime(2026, 6, 1, 0, tzinfo=UTC)),
    ],
)
def test_local_to_utc(day, at_, tz, expected):
    from katapp.domain.scheduling import local_to_utc

    assert local_to_utc(day, at_, tz) == expected


def test_local_to_utc_unknown_zone():
    from katapp.domain.scheduling import local_to_utc

    with pytest.raises(ValueError, match="unknown time zone"):
        local_to_utc(date(2026, 6, 1), time(9), "Mars/Olympus")
