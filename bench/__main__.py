"""`python -m bench`: the caseload page's server time and SQL query count at 20 and 200 patients.

Each patient has 365 days of demo data (daily check-ins, weekly PHQ-9/GAD-7, a ketamine series,
integration sessions). The page is fetched through the Flask test client as a signed-in clinician
who has every patient on the caseload; the time is the median of several runs after a warm-up.
Runs on a temporary SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL (or
TEST_DATABASE_URL) is set: that database's tables are dropped and recreated, so never point it at
real data. Rate limits are off (RATELIMIT_ENABLED=false).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["RATELIMIT_ENABLED"] = "false"

SIZES = (20, 200)
DAYS = 365
RUNS = 9


def _database_urls(tmp: Path) -> list[tuple[str, str]]:
    urls = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        if pg.startswith("postgresql://"):
            pg = "postgresql+psycopg://" + pg[len("postgresql://"):]
        urls.append(("PostgreSQL", pg))
    return urls


def measure(url: str, patients: int) -> tuple[float, int, int]:
    """Return (median ms, query count, response bytes) for GET /caseload with `patients` on it."""
    from sqlalchemy import event, insert, select

    from katapp import create_app
    from katapp.demo import build_demo
    from katapp.extensions import db
    from katapp.models import User, care_team, utcnow

    app = create_app({"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        build_demo(patients=patients, days=DAYS, seed=7)
        clinician = db.session.scalar(select(User).where(User.email == "clinician1@demo.katapp.org"))
        others = db.session.scalars(
            select(User.id).where(User.role == "patient", User.id.not_in(
                select(care_team.c.patient_id).where(care_team.c.clinician_id == clinician.id)))
        ).all()
        if others:  # the whole clinic on one caseload
            db.session.execute(insert(care_team), [
                {"clinician_id": clinician.id, "patient_id": pid, "added_at": utcnow()} for pid in others])
        db.session.commit()
        user_id = clinician.get_id()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["seen"] = int(time.time())
    with app.app_context():
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        first = client.get("/caseload")  # warm-up (templates compiled, caches filled)
        if first.status_code != 200:
            raise SystemExit(f"GET /caseload answered {first.status_code}")
        event.listen(db.engine, "before_cursor_execute", listener)
        client.get("/caseload")
        event.remove(db.engine, "before_cursor_execute", listener)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get("/caseload")
            times.append((time.perf_counter() - start) * 1000)
        rows = response.get_data(as_text=True).count('class="patient-name"')
        if rows != patients:
            raise SystemExit(f"expected {patients} patients on the caseload, saw {rows}")
        # The requests shared this app context's session: end its transaction, or PostgreSQL's
        # DROP TABLE waits for it forever.
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return statistics.median(times), len(statements), len(response.data)


def main() -> int:
    print(f"caseload page (GET /caseload), {DAYS} days of data per patient, median of {RUNS} runs")
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in _database_urls(Path(tmp)):
            for patients in SIZES:
                built = time.perf_counter()
                ms, queries, size = measure(url, patients)
                print(f"  {name:<10} {patients:>4} patients: {ms:7.1f} ms server time, {queries} SQL queries, "
                      f"{size / 1024:.0f} kB HTML  (set-up {time.perf_counter() - built:.0f} s)", flush=True)
    from bench import patient_page  # the patient pages at a year of data (issue #16 item 3)

    patient_page.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
