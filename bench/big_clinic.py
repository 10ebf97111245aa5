"""`python -m bench.big_clinic`: the caseload, a patient's page and the clinic overview on the demo
clinic already loaded in DATABASE_URL (e.g. `flask --app wsgi demo-data --patients 10000 --days 365`,
20 clinicians with 500 patients each; issue #16 item 7), read-only.

For each page: median server time through the Flask test client (after a warm-up), median CPU
time of this process (the steadier figure on a shared machine; PostgreSQL's own work is not in
it), SQL statements and response size. Compare a run on a 10-patient clinic with one on 10,000.
"""
from __future__ import annotations

import os

os.environ["RATELIMIT_ENABLED"] = "false"

from bench.__main__ import PAGES, TARGET_MS, _signed_in  # noqa: E402 - after the environment is set
from bench.measure import measure_page  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "9"))


def measure(app) -> dict[str, tuple[float, float, int, int]]:
    """{page: (median ms, median CPU ms, SQL statements, bytes)}."""
    from sqlalchemy import func, select

    from katapp.extensions import db
    from katapp.models import User, care_team

    with app.app_context():
        pid = db.session.scalar(select(User.id).where(User.email == "patient1@demo.katapp.org"))
        caseload = db.session.scalar(select(func.count()).select_from(care_team).join(
            User, User.id == care_team.c.clinician_id).where(User.email == "clinician1@demo.katapp.org"))
        total = db.session.scalar(select(func.count()).select_from(User).where(User.role == "patient"))
    print(f"clinic: {total} patients; clinician1's caseload: {caseload}")
    results = {}
    for name, (path, email) in PAGES.items():
        client, path = _signed_in(app, email), path.format(pid=pid)
        with app.app_context():
            results[name] = measure_page(client, path, RUNS)
            db.session.remove()
    return results


def main() -> None:
    from katapp import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    for page, (ms, cpu, queries, size) in measure(app).items():
        mark = "meets" if ms <= TARGET_MS else "MISSES"
        print(f"{page:<13} {ms:8.1f} ms (CPU {cpu:7.1f} ms) {queries:3d} queries {size / 1024:6.0f} kB  "
              f"({mark} the {TARGET_MS} ms target)")


if __name__ == "__main__":
    main()
