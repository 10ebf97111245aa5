"""The check-in write path against a bare Flask hello-world, both under one gunicorn setting
(bench/gunicorn_bench.py: 2 sync workers) and measured with wrk (16 connections, loopback only),
one after the other in the same run, so the machine's speed cancels out of the ratio.
"""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
PASSWORD = "bench password 2026"  # noqa: S105 - a throwaway account in the bench database
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
REDIS = "redis://127.0.0.1:6379/15"  # a database of its own: the bench's counters never meet others'
WRITES = {  # path: the JSON body after its client_id
    "/api/v1/checkins": '"mood": 6, "anxiety": 3, "sleep_hours": 7.5, "note": "steady day"}',
    "/api/v1/assessments": '"instrument": "phq9", "answers": [1, 1, 2, 1, 0, 1, 1, 0, 0]}',
    "/api/v1/journal": '"body": "A walk after the session; the light felt different today."}',
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(spec: str, env: dict[str, str]):
    """Run `gunicorn spec` with the bench settings on a free loopback port; yield its base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "bench" / "gunicorn_bench.py"),
         "-b", f"127.0.0.1:{port}", spec], cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)  # both workers booted
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def wrk(url: str, env: dict[str, str] | None = None, script: bool = False) -> tuple[float, int]:
    """(requests per second, answers that were not 2xx/3xx) of a wrk run against `url`."""
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s"]
    if script:
        args += ["-s", str(ROOT / "bench" / "post.lua")]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})}).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


def _prepare(url: str) -> None:
    """A fresh schema with one patient (and a clinician caring for them) in the database at `url`."""
    from katapp import create_app
    from katapp.extensions import db
    from katapp.models import User, care_team
    from katapp.passwords import hash_password

    app = create_app({"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        pw = hash_password(PASSWORD)
        clinician = User(email="c@bench.test", display_name="C", role="clinician", timezone="UTC", password_hash=pw)
        patient = User(email="p@bench.test", display_name="P", role="patient", timezone="UTC", password_hash=pw)
        db.session.add_all([clinician, patient])
        db.session.flush()
        db.session.execute(care_team.insert().values(clinician_id=clinician.id, patient_id=patient.id))
        db.session.commit()
        db.engine.dispose()


def _sign_in(base: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of the bench patient signed in through the login form."""
    import requests

    web = requests.Session()
    web.trust_env = False  # loopback only, never a proxy
    token = CSRF_META.search(web.get(base + "/login", timeout=30).text).group(1)
    answer = web.post(base + "/login", data={"email": "p@bench.test", "password": PASSWORD, "csrf_token": token},
                      allow_redirects=False, timeout=30)
    if answer.status_code != 302:
        raise SystemExit(f"bench sign-in failed: {answer.status_code}")
    token = CSRF_META.search(web.get(base + "/account/password", timeout=30).text).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in web.cookies), token


def rate_limit_storage() -> str:
    """Production's rate-limit storage (README "Production on PostgreSQL": Redis) when a Redis
    answers on 127.0.0.1:6379, else the default `memory://`. Limits stay on in the bench."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return REDIS
    except OSError:
        return "memory://"


def measure(url: str) -> dict[str, tuple[float, int]]:
    """{"hello": (req/s, bad), path: (req/s, bad), ...} for the database at `url`."""
    _prepare(url)
    results = {}
    with serve("bench.hello:app", {}) as base:
        results["hello"] = wrk(base + "/")
    env = {"DATABASE_URL": url, "KATAPP_ENV": "development", "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": rate_limit_storage(),
           "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789"}
    with serve("wsgi:app", env) as base:
        cookie, token = _sign_in(base)
        for path, body in WRITES.items():
            results[path] = wrk(base + path, {"BENCH_PATH": path, "BENCH_BODY": body, "BENCH_COOKIE": cookie,
                                              "BENCH_CSRF": token}, script=True)
    return results


def statements(url: str) -> dict[str, list[str]]:
    """{path: the SQL statements (verb and table) of one new write}, in-process after a warm-up.

    The same requests as the wrk run (session cookie, CSRF header, a fresh client_id)."""
    import json
    import uuid

    from sqlalchemy import event

    from katapp import create_app
    from katapp.extensions import db

    _prepare(url)
    app = create_app({"KATAPP_ENV": "development", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789"})
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "p@bench.test", "password": PASSWORD, "csrf_token": token})
    token = CSRF_META.search(client.get("/account/password").get_data(as_text=True)).group(1)
    seen: list[str] = []
    results = {}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(_verb(a[2])))
    for path, body in WRITES.items():
        for _ in range(2):  # the first warms caches; the second is counted
            seen.clear()
            answer = client.post(path, data=f'{{"client_id": "{uuid.uuid4()}", {body}',
                                 headers={"Content-Type": "application/json", "X-CSRFToken": token})
            if answer.status_code != 201:
                raise SystemExit(f"POST {path} answered {answer.status_code}: {json.loads(answer.data)}")
        results[path] = list(seen)
    engine.dispose()
    return results


def _verb(statement: str) -> str:
    """'SELECT users', 'INSERT checkins', ...: a statement's verb and first table."""
    words = statement.replace("\n", " ").split()
    verb = words[0].upper()
    if verb == "SELECT" and "FROM" in words:
        return f"SELECT {words[words.index('FROM') + 1]}"
    return f"{verb} {words[2] if verb == 'INSERT' else words[1]}"
