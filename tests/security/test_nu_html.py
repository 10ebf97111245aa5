"""The Nu HTML Checker (issue #18): every page of every role is valid HTML.

Every GET row of the access matrix is opened by every actor it answers with HTML (the pages a role may
open, the empty states of patient B, who has no records, the sign-in and offline pages, and the 404
page each role sees), then a few forms sent with mistakes (the errors shown on the form), the CSRF
refusal and the pages the matrix's POST rows answer with HTML. Each distinct body is written to a
temporary folder and vnu.jar (tools/vnu: the pinned `vnu-jar` npm package, installed by `make test`)
checks the whole batch in one JVM start. A failure lists page -> line: message.

Needs java and tools/vnu/node_modules. With CI=true their absence is a failure (.ci/run installs Java,
`make test` the jar); elsewhere the test skips and says why, as scripts/run_tests.sh does for Chromium.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess  # noqa: S404 - runs the pinned checker, fixed arguments
import time
from pathlib import Path

import pytest

from katapp.errors import _answer

from .test_access_matrix import ROWS, Row, send, url
from .world import ACTORS

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
TOKENS = re.compile(rb'(csrf[-_]token"? (?:content|value)="[^"]*")')  # differ per client, not per page
# Forms sent with mistakes, so the checker sees each page with its error messages: (actor, method, path, body).
MISTAKES = [
    ("anonymous", "POST", "/login", {"email": "not an address", "password": ""}),
    ("patient_a", "POST", "/journal/new", {"body": "   "}),
    ("patient_a", "POST", "/checkin", {"mood": "99", "sleep_hours": "30"}),
    ("patient_a", "POST", "/questionnaires/phq9", {"answer_0": "7"}),
    ("patient_a", "POST", "/reminders", {"enabled": "y", "checkin_at": "25:99"}),
    ("patient_a", "POST", "/account/password", {"current_password": "wrong", "password": "short", "confirm": "other"}),
    ("clinician_a", "POST", "/agenda/book", {"patient_id": "{patient}", "kind": "integration", "date": "not a date"}),
    ("clinician_a", "POST", "/caseload/add", {"email": "", "display_name": ""}),
    ("admin", "POST", "/admin/settings", {"clinic_name": "", "timezone": "Mars/Olympus"}),
    ("admin", "POST", "/admin/users/new", {"email": "bad", "role": "nobody"}),
]


def _checker() -> list[str]:
    """The command that runs vnu.jar, or a skip (a failure with CI=true) naming what is missing."""
    java = shutil.which("java")
    missing = [what for what, ok in (("java (apt-get install default-jre-headless)", java),
                                     (f"{VNU_JAR.relative_to(ROOT)} (make vnu)", VNU_JAR.is_file())) if not ok]
    if missing:
        reason = "Nu HTML Checker not available: missing " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; .ci/run installs Java and `make test` the jar")
        pytest.skip("SKIPPING HTML validation: " + reason)
    return [java, "-Xss8m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]


class Pages:
    """Distinct HTML bodies by name; a body seen before (the same page for two actors) is kept once."""

    def __init__(self, folder: Path):
        self.folder, self.names, self.seen = folder, {}, set()

    def add(self, name: str, response) -> None:
        if response.mimetype != "text/html":
            return
        body = response.get_data()
        digest = hashlib.sha256(TOKENS.sub(b"", body)).hexdigest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        path = self.folder / f"page{len(self.names):03d}.html"
        path.write_bytes(body)
        self.names[path.name] = f"{name} -> {response.status_code}"


def _mistake(world, actor: str, method: str, path: str, body: dict):
    fields = {k: v.replace("{patient}", str(world.ids["patient"])) for k, v in body.items()}
    return send(world.clients[actor], Row(method, path, "-", " ".join(["200"] * len(ACTORS)), fields), path, world.ids)


def _collect(app, world, pages: Pages) -> None:
    gets = [row for row in ROWS if row.method == "GET"]
    for row in gets:
        for actor in ACTORS:
            pages.add(f"{actor} GET {url(row, world.ids)}", send(world.clients[actor], row, url(row, world.ids), world.ids))
    for actor, method, path, body in MISTAKES:
        pages.add(f"{actor} {method} {path} (with mistakes)", _mistake(world, actor, method, path, body))
    for path in ("/journal", f"/journal/{world.ids['journal_shared']}"):  # read by the care team by now
        pages.add(f"patient_a GET {path} (read receipts)", world.clients["patient_a"].get(path))
    no_token = world.clients["patient_a"].post("/journal/new", data={"body": "no csrf token"})
    pages.add("patient_a POST /journal/new without a CSRF token", no_token)
    for status in (413, 429, 500):
        with app.test_request_context("/", headers={"Accept": "text/html"}):
            body, code = _answer(status, "error")
            pages.add(f"error page {status}", app.response_class(body, status=code, mimetype="text/html"))
    for row in ROWS:  # last: these write (a sign-out among them), so the GETs above saw the world as built
        if row.method == "POST" and row.rule not in ("/logout",):
            for actor in ACTORS:
                pages.add(f"{actor} POST {url(row, world.ids)}", send(world.clients[actor], row, url(row, world.ids), world.ids))


def _messages(report: str, names: dict[str, str]) -> list[str]:
    out = []
    for message in json.loads(report or '{"messages": []}')["messages"]:
        page = names.get(message.get("url", "").rsplit("/", 1)[-1], message.get("url", "?"))
        where = f"line {message['lastLine']}" if "lastLine" in message else "document"
        extract = message.get("extract", "").strip().replace("\n", " ")[:120]
        out.append(f"{page}: {where}: {message['message']}  [{extract}]")
    return out


@pytest.mark.html
def test_every_page_of_every_role_is_valid_html(app, world, tmp_path, capsys):
    command = _checker()
    pages = Pages(tmp_path)
    _collect(app, world, pages)
    assert len(pages.names) >= 60, f"too few pages to be every page of every role: {len(pages.names)}"
    started = time.monotonic()
    done = subprocess.run([*command, *sorted(str(tmp_path / name) for name in pages.names)],  # noqa: S603
                          capture_output=True, text=True, timeout=300, check=False)
    seconds = time.monotonic() - started
    report = next((out for out in (done.stdout.strip(), done.stderr.strip()) if out.startswith("{")), "")
    assert report or not (done.stdout + done.stderr).strip(), "vnu did not answer JSON: " + (done.stdout + done.stderr)[-2000:]
    problems = _messages(report, pages.names)
    with capsys.disabled():
        print(f"\nNu HTML Checker: {len(pages.names)} pages in {seconds:.1f} s, {len(problems)} errors")
    assert done.returncode in (0, 1), done.stderr[-2000:]
    if done.returncode == 1:
        assert problems, "vnu failed without a message: " + (done.stdout + done.stderr)[-2000:]
    assert not problems, f"{len(problems)} HTML errors:\n" + "\n".join(problems)
