"""`make bench` (`python -m bench`): every figure of issue #16 in one run, with its target beside it.

1. Write path: POST /api/v1/checkins, /assessments and /journal against a bare Flask hello-world,
   both under one gunicorn setting (2 sync workers), wrk with 16 connections on loopback, rate
   limits off; the ratio (write / hello-world) is what to compare across machines (target >= 0.5).
2. Pages at two sizes (50 and 500 patients, BENCH_DAYS days of demo data each, default 365), all
   on one clinician's caseload: the caseload, a patient's page and the clinic overview, server
   time through the Flask test client (median of several runs after a warm-up) and SQL query
   count. Targets: caseload 500 / 50 <= 1.5, the same query count at both sizes, <= 50 ms each.
Both on a temporary SQLite file, and on PostgreSQL when one answers at 127.0.0.1:5432 (a fresh
database, dropped afterwards) or BENCH_DATABASE_URL names one (its tables are dropped and
recreated: never point it at real data). Bounded: about a minute per database on a quiet machine.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import measure_page

os.environ["RATELIMIT_ENABLED"] = "false"

SIZES = (50, 500)
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
RUNS = 7
ROOT = Path(__file__).resolve().parent.parent
PAGES = {  # what the bench fetches: path (patient1's id filled in), who signs in
    "caseload": ("/caseload", "clinician1@demo.katapp.org"),
    "patient page": ("/patients/{pid}", "clinician1@demo.katapp.org"),
    "overview": ("/clinic", "admin@demo.katapp.org"),
}
TARGET_RATIO = 0.5
TARGET_GROWTH = 1.5
TARGET_MS = 50


def _postgres() -> tuple[str | None, str | None]:
    """(url, url to drop afterwards) of a PostgreSQL for the bench, or (None, None)."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        return given.replace("postgresql://", "postgresql+psycopg://", 1), None
    made = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_test_db.py"), "create"],
                          capture_output=True, text=True)
    return (made.stdout.strip(), made.stdout.strip()) if made.returncode == 0 else (None, None)


def _build(url: str, patients: int):
    """The app over a fresh demo clinic of `patients`, all on clinician1's caseload."""
    from sqlalchemy import insert, select

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
        others = db.session.scalars(select(User.id).where(User.role == "patient", User.id.not_in(
            select(care_team.c.patient_id).where(care_team.c.clinician_id == clinician.id)))).all()
        if others:
            db.session.execute(insert(care_team), [
                {"clinician_id": clinician.id, "patient_id": pid, "added_at": utcnow()} for pid in others])
        db.session.commit()
    return app


def _signed_in(app, email: str):
    from sqlalchemy import select

    from katapp.extensions import db
    from katapp.models import User

    with app.app_context():
        user_id = db.session.scalar(select(User).where(User.email == email)).get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session["seen"] = user_id, True, int(time.time())
    return client


def measure_pages(url: str, patients: int) -> dict[str, tuple[float, int, int]]:
    """{page: (median ms, SQL statements, response bytes)} with `patients` in the clinic."""
    from sqlalchemy import select

    from katapp.extensions import db
    from katapp.models import User

    app = _build(url, patients)
    with app.app_context():
        pid = db.session.scalar(select(User.id).where(User.email == "patient1@demo.katapp.org"))
    results = {}
    for name, (path, email) in PAGES.items():
        client, path = _signed_in(app, email), path.format(pid=pid)
        with app.app_context():
            wall, _cpu, statements, size = measure_page(client, path, RUNS)
            results[name] = (wall, statements, size)
            db.session.remove()
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return results


def _mark(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def report_writes(url: str) -> None:
    from bench import writes

    counted = writes.statements(url)
    results = writes.measure(url)
    hello = results.pop("hello")[0]
    print(f"  rate limits on, storage {writes.rate_limit_storage()} (production's: README)")
    print(f"  hello-world (bare Flask, same gunicorn): {hello:8.0f} requests/s ({1000 / hello * 2:.2f} ms a request a worker)")
    for path, (rate, bad) in results.items():
        ratio = rate / hello
        note = f", {bad} answers not 2xx" if bad else ""
        print(f"  POST {path:<20} {rate:8.0f} requests/s ({1000 / rate * 2:.2f} ms)  ratio {ratio:5.2f} "
              f"(target >= {TARGET_RATIO}: {_mark(ratio >= TARGET_RATIO)}){note}")
        print(f"  {'':<25} {len(counted[path])} SQL statements: {', '.join(counted[path])}")


def report_pages(url: str) -> None:
    by_size = {}
    for patients in SIZES:
        started = time.perf_counter()
        by_size[patients] = measure_pages(url, patients)
        print(f"  {patients} patients x {DAYS} days built and measured in {time.perf_counter() - started:.0f} s", flush=True)
    small, large = SIZES
    for page in PAGES:
        (ms_s, q_s, b_s), (ms_l, q_l, b_l) = by_size[small][page], by_size[large][page]
        growth = ms_l / ms_s if ms_s else float("inf")
        print(f"  {page:<13} {small}: {ms_s:7.1f} ms {q_s:3d} queries {b_s / 1024:6.0f} kB | "
              f"{large}: {ms_l:7.1f} ms {q_l:3d} queries {b_l / 1024:6.0f} kB")
        print(f"  {'':<13} ratio {large}/{small}: {growth:4.1f} (target <= {TARGET_GROWTH}: {_mark(growth <= TARGET_GROWTH)}); "
              f"queries {q_s} vs {q_l} ({_mark(q_s == q_l)}); at {large}: {ms_l:.0f} ms "
              f"(target <= {TARGET_MS} ms: {_mark(ms_l <= TARGET_MS)})")


def main() -> int:
    print("katapp bench (issue #16). Targets printed beside each figure; ratios compare across machines.")
    pg, drop = _postgres()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            databases = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")] + ([("PostgreSQL", pg)] if pg else [])
            if not pg:
                print("(PostgreSQL: none answers at 127.0.0.1:5432 and BENCH_DATABASE_URL is unset: SQLite only)")
            for name, url in databases:
                print(f"\n== {name}: write path (gunicorn 2 sync workers, wrk 16 connections, loopback)", flush=True)
                report_writes(url)
                print(f"\n== {name}: pages (server time, median of {RUNS}; one clinician has every patient)", flush=True)
                report_pages(url)
    finally:
        if drop:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_test_db.py"), "drop", drop], check=False)
    from bench import patient_page  # the patient pages at a year of data (issue #16 item 3)

    print("\n== patient page at a year of data (charts as plain dicts; target <= 10 ms)", flush=True)
    patient_page.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
