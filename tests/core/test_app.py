"""Configuration, health check, database rules."""
import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from katapp.extensions import db
from katapp.models import Assessment, CheckIn, User, utcnow


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_503_when_database_down(app, client, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] != "ok"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from katapp import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"KATAPP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_unknown_env_name_is_refused():
    from config import config_class

    with pytest.raises(ValueError, match="KATAPP_ENV"):
        config_class("staging")


def test_development_secret_key_is_generated_once(tmp_path, monkeypatch):
    from config import secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key("development", str(tmp_path))
    assert len(first) >= 40 and secret_key("development", str(tmp_path)) == first


def test_database_url_from_environment(monkeypatch, tmp_path):
    from config import database_uri

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert database_uri(str(tmp_path)) == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert database_uri(str(tmp_path)).endswith("katapp.db")


def _checkin(patient, **fields):
    values = dict(patient_id=patient.id, client_id="c-1", recorded_at=utcnow(), local_date=dt.date.today(), mood=5)
    values.update(fields)
    return CheckIn(**values)


@pytest.mark.parametrize("field,value", [("mood", 11), ("mood", -1), ("anxiety", 11), ("energy", -1), ("pain", 12),
                                         ("sleep_hours", 24.5), ("note", "x" * 2001)])
def test_database_refuses_out_of_range_checkins(patient, field, value):
    db.session.add(_checkin(patient, **{field: value}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_client_id_unique_per_patient(patient, other_patient):
    db.session.add_all([_checkin(patient), _checkin(other_patient)])  # same client id, different owners: fine
    db.session.commit()
    db.session.add(_checkin(patient))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("instrument,total", [("phq9", 28), ("gad7", 22), ("pcl5", 81), ("phq9", -1), ("bdi", 3)])
def test_database_refuses_impossible_totals(patient, instrument, total):
    db.session.add(Assessment(patient_id=patient.id, client_id="a", instrument=instrument, answers=[], total=total,
                              severity="x", flags=[], recorded_at=utcnow(), local_date=dt.date.today()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_foreign_keys_enforced(app):
    db.session.add(CheckIn(patient_id=424242, client_id="z", recorded_at=utcnow(), local_date=dt.date.today(), mood=3))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_email_must_be_lowercase_and_unique(app):
    db.session.add(User(email="Upper@Example.org", display_name="U", role="patient"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add_all([User(email="a@example.org", display_name="A", role="patient"),
                        User(email="a@example.org", display_name="B", role="clinician")])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_naive_datetimes_are_refused(patient):
    db.session.add(_checkin(patient, recorded_at=dt.datetime(2026, 1, 1, 12)))  # noqa: DTZ001
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_datetimes_come_back_aware_utc(patient):
    moment = dt.datetime(2026, 3, 8, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    db.session.add(_checkin(patient, recorded_at=moment))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.query(CheckIn).one().recorded_at
    assert stored == moment and stored.utcoffset() == dt.timedelta(0)


def test_sqlite_connections_enforce_foreign_keys_wal_and_wait(tmp_path):
    from sqlalchemy import create_engine, text

    from katapp.db_setup import configure_engine_events

    engine = create_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    configure_engine_events(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    engine.dispose()
