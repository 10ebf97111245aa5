"""sw.js and the manifest carry validators (issue #18): an ETag that is a hash of the body, a 304
without a body for a conditional request that names it, and a new ETag when the content changes."""
from __future__ import annotations

import pytest

from katapp.pwa.routes import MANIFEST_MAX_AGE

CACHE_CONTROL = {"/sw.js": "no-cache", "/manifest.webmanifest": f"public, max-age={MANIFEST_MAX_AGE}"}


@pytest.mark.parametrize("path", sorted(CACHE_CONTROL))
def test_full_answer_carries_a_strong_etag_and_its_cache_control(client, path):
    response = client.get(path)
    assert response.status_code == 200
    etag, weak = response.get_etag()
    assert etag and not weak
    assert response.headers["Cache-Control"] == CACHE_CONTROL[path]
    assert client.get(path).get_etag() == (etag, False)  # the same body, the same validator


@pytest.mark.parametrize("path", sorted(CACHE_CONTROL))
def test_if_none_match_with_the_current_etag_is_a_304_without_body(client, path):
    etag = client.get(path).headers["ETag"]
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == CACHE_CONTROL[path]


@pytest.mark.parametrize("path", sorted(CACHE_CONTROL))
def test_compressed_etag_echoed_back_is_a_304_too(client, path):
    """Flask-Compress renames the ETag of a brotli body "<hash>:br"; the browser sends that back."""
    first = client.get(path, headers={"Accept-Encoding": "br"})
    assert first.headers.get("Content-Encoding") == "br"
    assert first.headers["ETag"].endswith(':br"')
    again = client.get(path, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


@pytest.mark.parametrize("path", sorted(CACHE_CONTROL))
def test_a_stale_etag_gets_the_full_body(client, path):
    response = client.get(path, headers={"If-None-Match": '"0123456789abcdef"'})
    assert response.status_code == 200
    assert len(response.get_data()) > 100


def test_sw_etag_changes_when_the_shell_changes(client, monkeypatch):
    from katapp.pwa import routes

    before = client.get("/sw.js").headers["ETag"]
    original = routes.offline_html
    monkeypatch.setattr(routes, "offline_html", lambda: original() + "<!-- new release -->")
    changed = client.get("/sw.js", headers={"If-None-Match": before})
    assert changed.status_code == 200, "a changed worker must be downloaded, not answered 304"
    assert changed.headers["ETag"] != before


def test_manifest_etag_changes_when_the_manifest_changes(client, monkeypatch):
    from katapp.pwa import routes

    before = client.get("/manifest.webmanifest").headers["ETag"]
    original = routes.manifest_data
    monkeypatch.setattr(routes, "manifest_data", lambda: original() | {"short_name": "katapp 2"})
    changed = client.get("/manifest.webmanifest", headers={"If-None-Match": before})
    assert changed.status_code == 200 and b"katapp 2" in changed.get_data()
    assert changed.headers["ETag"] != before
