"""`python -m bench.patient_page`: the clinician's patient page, the patient's progress page and the
printable report, server time at a year of data (target: <= 10 ms), with where the time goes.

One patient of a demo clinic with 365 days of check-ins, weekly PHQ-9 / GAD-7 and a ketamine
series, fetched through the Flask test client (a signed-in clinician, then the patient); the time
is the median of several runs after a warm-up. Runs on a temporary SQLite file, and on PostgreSQL
too when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set (its tables are dropped and recreated).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import measure_page

os.environ["RATELIMIT_ENABLED"] = "false"

DAYS = 365
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
TARGET_MS = 10.0


def _database_urls(tmp: Path) -> list[tuple[str, str]]:
    urls = [("SQLite", f"sqlite:///{tmp / 'bench-patient.db'}")]
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        if pg.startswith("postgresql://"):
            pg = "postgresql+psycopg://" + pg[len("postgresql://"):]
        urls.append(("PostgreSQL", pg))
    return urls


def _client(app, user_id: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["seen"] = int(time.time())
    return client


def measure(url: str) -> list[tuple[str, float, float, int, int]]:
    """Rows of (page, median ms, median CPU ms, SQL statements, bytes) for one patient with DAYS days of data."""
    from sqlalchemy import select

    from katapp import create_app
    from katapp.demo import build_demo
    from katapp.extensions import db
    from katapp.models import User

    app = create_app({"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        build_demo(patients=3, days=DAYS, seed=7)
        clinician = db.session.scalar(select(User).where(User.email == "clinician1@demo.katapp.org"))
        person = db.session.scalar(select(User).where(User.email == "patient1@demo.katapp.org"))
        ids = clinician.get_id(), person.get_id(), person.id
    rows = []
    pages = [("patient page (clinician)", ids[0], f"/patients/{ids[2]}"), ("progress page (patient)", ids[1], "/progress")]
    if "dashboard.report" in app.view_functions:
        pages.append(("printable report", ids[0], f"/patients/{ids[2]}/report"))
    for name, user_id, path in pages:
        # One app context per signed-in user: flask-login keeps the user on `g`, which an outer
        # app context would share between the two clients.
        with app.app_context():
            rows.append((name, *measure_page(_client(app, user_id), path, RUNS)))
            db.session.remove()
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return rows


def main() -> int:
    print(f"patient pages, {DAYS} days of data, median of {RUNS} runs (target <= {TARGET_MS:g} ms server time)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in _database_urls(Path(tmp)):
            for page, ms, cpu, queries, size in measure(url):
                verdict = "ok" if ms <= TARGET_MS else "OVER"
                print(f"  {name:<10} {page:<26} {ms:6.1f} ms (target {TARGET_MS:g} ms: {verdict}; CPU {cpu:.1f} ms), "
                      f"{queries} SQL queries, {size / 1024:.0f} kB HTML", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
