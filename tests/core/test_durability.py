"""An acknowledged check-in survives `kill -9` of the gunicorn worker that answered it (issue #16).

Real gunicorn on 127.0.0.1 over a temporary SQLite file (WAL, synchronous=NORMAL: a commit is in
the WAL file before the answer leaves; README "Durability"). Each round: a check-in is sent and
answered 201, the worker is killed with SIGKILL at once, and a fresh connection, opened as a new
process would, finds the row. The master starts a new worker, and the next round goes through it.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from katapp import create_app
from katapp.extensions import db
from katapp.models import User
from katapp.passwords import hash_password

ROUNDS = 3  # bounded: each round waits at most 60 s for the next worker
PASSWORD = "durable password 2026"  # noqa: S105 - a throwaway account in a temporary database
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait_for(check, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        return _session().get(url + "/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or the worker still starting
        return False


def _session() -> requests.Session:
    """A client that talks to 127.0.0.1 directly (never through a proxy from the environment)."""
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture
def served(tmp_path):
    """(base url, master pid, database path): gunicorn, one worker, over a fresh SQLite file."""
    path = tmp_path / "durable.db"
    app = create_app({"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.session.add(User(email="durable@example.org", display_name="Durable", role="patient",
                            timezone="Europe/Paris", password_hash=hash_password(PASSWORD)))
        db.session.commit()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "KATAPP_ENV": "testing", "DATABASE_URL": f"sqlite:///{path}", "RATELIMIT_ENABLED": "false"}
    master = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=Path(__file__).resolve().parents[2], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(url), "gunicorn to answer")
        yield url, master.pid, path
    finally:
        master.terminate()
        master.wait(timeout=30)


def test_an_acknowledged_checkin_survives_kill_9_of_its_worker(served):
    url, master_pid, path = served
    browser = _session()
    token = CSRF_META.search(browser.get(url + "/login", timeout=10).text).group(1)
    signed = browser.post(url + "/login", data={"email": "durable@example.org", "password": PASSWORD,
                                                 "csrf_token": token}, allow_redirects=False, timeout=10)
    assert signed.status_code == 302
    token = CSRF_META.search(browser.get(url + "/account/password", timeout=10).text).group(1)
    acknowledged = []
    for mood in range(ROUNDS):
        worker = _wait_for(lambda: _children(master_pid), "a worker")[0]
        client_id = str(uuid.uuid4())
        answer = browser.post(url + "/api/v1/checkins", json={"client_id": client_id, "mood": mood},
                              headers={"X-CSRFToken": token}, timeout=10)
        assert answer.status_code == 201, answer.text
        os.kill(worker, signal.SIGKILL)  # before it can do anything more
        acknowledged.append(client_id)
        with sqlite3.connect(path) as fresh:
            stored = {row[0] for row in fresh.execute("SELECT client_id FROM checkins")}
        assert set(acknowledged) <= stored
        _wait_for(lambda w=worker: _children(master_pid) and w not in _children(master_pid), "a new worker")
        _wait_for(lambda: _answers(url), "the new worker to answer")
    assert len(acknowledged) == ROUNDS
