"""Two copies of one offline write arriving at the same moment: the database's unique constraint
decides (insert, catch IntegrityError, roll back, re-read), never a read-then-write check."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from katapp import sync
from katapp.extensions import db
from katapp.models import Assessment, CheckIn, SafetyFlag


def run_together(api, app, clients, method, path, payload):
    """Send `payload` from every client in its own thread, all released at once; return responses."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)
    errors: list = []

    def send(i, c):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results[i] = api(c, method, path, json=payload)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


@pytest.fixture
def force_race(monkeypatch):
    """Hold every copy just before its insert until all copies are there, then let them insert at
    once: no copy can have seen another's row, so the unique constraint alone decides."""

    def arm(copies):
        real = sync.insert_once
        barrier = threading.Barrier(copies)

        def held(*args, **kwargs):
            barrier.wait(timeout=10)
            return real(*args, **kwargs)

        monkeypatch.setattr(sync, "insert_once", held)

    return arm


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("forced", [True, False], ids=["forced-race", "plain-threads"])
def test_concurrent_duplicate_checkins_store_one(app, login_as, patient, force_race, forced, api):
    copies = 2 if forced else 6
    clients = [login_as(patient) for _ in range(copies)]
    if forced:
        force_race(copies)
    payload = {"client_id": str(uuid.uuid4()), "mood": 3, "self_harm_thoughts": True,
               "recorded_at": "2026-05-05T10:00:00-04:00"}
    responses = run_together(api, app, clients, "POST", "/api/v1/checkins", payload)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (copies - 1) + [201], [r.json for r in responses]
    assert len({r.json["id"] for r in responses}) == 1
    assert all(r.json["flags"] == ["self_harm"] for r in responses)
    assert count(CheckIn) == 1
    assert count(SafetyFlag) == 1  # the loser's flag was rolled back with its insert


def test_concurrent_duplicate_assessments_store_one(app, login_as, patient, force_race, api):
    clients = [login_as(patient) for _ in range(2)]
    force_race(2)
    payload = {"client_id": str(uuid.uuid4()), "instrument": "phq9", "answers": [1] * 9}
    responses = run_together(api, app, clients, "POST", "/api/v1/assessments", payload)
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert responses[0].json["id"] == responses[1].json["id"]
    assert count(Assessment) == 1 and count(SafetyFlag) == 1


def test_concurrent_copies_with_different_bodies_conflict(app, login_as, patient, force_race, api):
    clients = [login_as(patient) for _ in range(2)]
    force_race(2)
    client_id = str(uuid.uuid4())
    barrier = threading.Barrier(2)
    out = {}

    def send(c, mood):
        with app.app_context():
            barrier.wait(timeout=10)
            out[mood] = api(c, "POST", "/api/v1/checkins", json={"client_id": client_id, "mood": mood})

    threads = [threading.Thread(target=send, args=(c, m)) for c, m in zip(clients, (2, 8), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.status_code for r in out.values()) == [201, 409]
    assert count(CheckIn) == 1
