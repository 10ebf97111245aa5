"""Compression in the app (issue #16): pages, JSON and text go out brotli or gzip as the browser
accepts; static files go out precompressed by `make assets` (scripts/precompress.py)."""
from __future__ import annotations

import gzip
import os
import uuid

import brotli
import pytest

from scripts.precompress import precompress

SCRIPT = ("// a static script\n" + "console.log('katapp');\n" * 60).encode()


def _decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[encoding](body)


@pytest.mark.parametrize(("accept", "encoding"), [
    ("gzip, deflate, br", "br"), ("gzip", "gzip"), ("", None), ("br;q=0, gzip", "gzip"),
])
def test_a_page_goes_out_in_the_encoding_the_browser_accepts(client, accept, encoding):
    response = client.get("/login", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b'name="csrf-token"' in _decoded(response)
    assert response.headers["Content-Security-Policy"] and response.headers["Cache-Control"] == "no-store"
    if encoding:
        assert int(response.headers["Content-Length"]) == len(response.get_data()) < len(_decoded(response)) / 2


def test_json_answers_are_compressed_and_still_read_the_same(login_as, patient, make_checkin, api):
    c = login_as(patient)
    for mood in range(12):
        make_checkin(patient, mood=mood % 11, note=f"note {mood}")
    response = api(c, "GET", "/api/v1/checkins", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b'"items"' in _decoded(response)
    written = api(c, "POST", "/api/v1/checkins", {"client_id": str(uuid.uuid4()), "mood": 5},
                  headers={"Accept-Encoding": "gzip"})
    assert written.status_code == 201 and b'"local_date"' in _decoded(written)


@pytest.fixture
def static_dir(app, tmp_path):
    """The app's static folder pointed at a temporary one holding `a.js`, precompressed."""
    (tmp_path / "a.js").write_bytes(SCRIPT)
    assert {p.name for p in precompress(tmp_path)} == {"a.js.br", "a.js.gz"}
    app.static_folder = str(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("identity", None)])
def test_a_static_file_goes_out_precompressed(client, static_dir, accept, encoding):
    with client.get("/static/a.js?v=1", headers={"Accept-Encoding": accept}) as response:
        response.get_data()
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert response.mimetype == "text/javascript"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    expected = (static_dir / ("a.js" + {"br": ".br", "gzip": ".gz", None: ""}[encoding])).read_bytes()
    assert response.get_data() == expected and _decoded(response) == SCRIPT


def test_a_copy_older_than_its_file_is_never_sent(client, static_dir):
    """An edit after `make assets`: the new text goes out (compressed on the way), never the old copy."""
    edited = SCRIPT + b"console.log('edited');\n"
    (static_dir / "a.js").write_bytes(edited)
    stamp = os.stat(static_dir / "a.js").st_mtime_ns - 10**10
    for copy in ("a.js.br", "a.js.gz"):
        os.utime(static_dir / copy, ns=(stamp, stamp))
    with client.get("/static/a.js", headers={"Accept-Encoding": "br"}) as response:
        assert _decoded(response) == edited
    assert len(precompress(static_dir)) == 2
    with client.get("/static/a.js", headers={"Accept-Encoding": "br"}) as response:
        assert response.get_data() == (static_dir / "a.js.br").read_bytes() and _decoded(response) == edited


def test_a_missing_static_file_is_404_whatever_the_encoding(client, static_dir):
    assert client.get("/static/none.js", headers={"Accept-Encoding": "br"}).status_code == 404
    assert client.get("/static/../config.py", headers={"Accept-Encoding": "br"}).status_code == 404
