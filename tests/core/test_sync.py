"""The offline-sync rules every queued write shares (katapp/sync.py)."""
import datetime as dt
import uuid

import pytest

from katapp import sync


@pytest.mark.parametrize(("value", "expected"), [
    ("3F2B1C9E-0D4A-4B8E-9C1F-2A3B4C5D6E7F", "3f2b1c9e-0d4a-4b8e-9c1f-2a3b4c5d6e7f"),
    (" 3f2b1c9e-0d4a-4b8e-9c1f-2a3b4c5d6e7f ", "3f2b1c9e-0d4a-4b8e-9c1f-2a3b4c5d6e7f"),
    ("3f2b1c9e0d4a4b8e9c1f2a3b4c5d6e7f", "3f2b1c9e-0d4a-4b8e-9c1f-2a3b4c5d6e7f"),
])
def test_client_id_is_canonical(value, expected):
    assert sync.client_id(value) == expected


def test_missing_client_id_gets_a_fresh_one():
    first, second = sync.client_id(None), sync.client_id(None)
    assert first != second and str(uuid.UUID(first)) == first


@pytest.mark.parametrize("value", ["", "not-a-uuid", "3f2b1c9e-0d4a", 12345, True, ["x"]])
def test_bad_client_ids_are_refused(value):
    with pytest.raises(ValueError, match="UUID"):
        sync.client_id(value)


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-08T21:15:00-05:00", dt.datetime(2026, 3, 9, 2, 15, tzinfo=dt.UTC)),
    ("2026-03-08T21:15:00Z", dt.datetime(2026, 3, 8, 21, 15, tzinfo=dt.UTC)),
    (" 2026-03-08T21:15:00+09:00 ", dt.datetime(2026, 3, 8, 12, 15, tzinfo=dt.UTC)),
])
def test_aware_utc(value, expected):
    result = sync.aware_utc(value)
    assert result == expected and result.tzinfo == dt.UTC


@pytest.mark.parametrize(("value", "message"), [
    ("2026-03-08T21:15:00", "offset"), ("yesterday", "ISO 8601"), ("", "ISO 8601"), (1700000000, "ISO 8601"),
    (None, "ISO 8601"),
])
def test_aware_utc_refusals(value, message):
    with pytest.raises(ValueError, match=message):
        sync.aware_utc(value)
