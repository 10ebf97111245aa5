"""Two overlapping bookings at the same moment: exactly one is booked, the other is told (409).

Both requests are held just before the overlap check until both have read the schedule, the
worst case for a read-then-write rule. PostgreSQL serialises them with row locks; SQLite by taking
its write lock before the check (a stale read would otherwise fail with "database is locked").
"""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import TherapySession
from katapp.schedule import booking


def _race(api, app, clients, payloads, monkeypatch):
    barrier = threading.Barrier(len(clients))
    real_lock = booking._lock

    def held_lock(*ids):
        barrier.wait(timeout=10)  # both have read (screening, caseload) before either takes the lock
        real_lock(*ids)

    monkeypatch.setattr(booking, "_lock", held_lock)
    results, errors = [None] * len(clients), []

    def send(i):
        try:
            with app.app_context():
                results[i] = api(clients[i], "POST", "/api/v1/sessions", json=payloads[i])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


def test_same_clinician_same_slot_books_once(app, patient, make_user, clinician, login_as, monkeypatch, api, ny):
    second_patient = make_user("patient", clinician=clinician)
    clients = [login_as(clinician), login_as(clinician)]
    payloads = [{"patient_id": p.id, "kind": "integration", "starts_at": ny(3, 10).isoformat(), "duration_minutes": 50}
                for p in (patient, second_patient)]
    results = _race(api, app, clients, payloads, monkeypatch)
    assert sorted(r.status_code for r in results) == [201, 409], [r.get_json() for r in results]
    assert db.session.scalar(select(func.count()).select_from(TherapySession)) == 1


def test_same_patient_two_clinicians_overlapping_books_once(app, patient, clinician, other_clinician, login_as,
                                                             monkeypatch, api, ny):
    from katapp.models import care_team

    db.session.execute(care_team.insert().values(clinician_id=other_clinician.id, patient_id=patient.id))
    db.session.commit()
    clients = [login_as(clinician), login_as(other_clinician)]
    payloads = [{"patient_id": patient.id, "kind": "integration", "starts_at": ny(3, h, m).isoformat(),
                 "duration_minutes": 50} for h, m in ((10, 0), (10, 30))]
    results = _race(api, app, clients, payloads, monkeypatch)
    assert sorted(r.status_code for r in results) == [201, 409], [r.get_json() for r in results]
    assert db.session.scalar(select(func.count()).select_from(TherapySession)) == 1
