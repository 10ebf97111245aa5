"""Manifest, service worker and offline page as the browser receives them (Flask test client)."""
from __future__ import annotations

import json
import re
import struct
from pathlib import Path

from katapp.pwa.routes import OFFLINE_PAGES

STATIC = Path(__file__).resolve().parents[2] / "katapp" / "static"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_manifest_has_what_chromium_needs_to_install(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert response.headers["Cache-Control"] == "public, max-age=300"  # short, with an ETag (test_validators.py)
    data = json.loads(response.get_data(as_text=True))
    assert data["id"] == "/" and data["scope"] == "/" and data["start_url"] == "/"
    assert data["display"] == "standalone" and "orientation" not in data  # WCAG 1.3.4: landscape tablets too
    assert data["name"] and data["short_name"] == "katapp"
    assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"]) and re.fullmatch(r"#[0-9a-f]{6}", data["background_color"])
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_manifest_icons_are_pngs_of_the_stated_size(client):
    icons = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))["icons"]
    for icon in icons:
        with client.get(icon["src"]) as answer:
            assert answer.status_code == 200, icon["src"]
            assert answer.mimetype == "image/png"
            width, height = png_size(answer.data)
            assert f"{width}x{height}" == icon["sizes"], icon["src"]
            assert "immutable" in answer.headers["Cache-Control"]  # content-hashed URL


def test_every_page_links_the_manifest_and_loads_the_offline_queue(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    scripts = re.findall(r'<script src="/static/js/(offline-[a-z]+)\.js\?v=[0-9a-f]+" defer></script>', html)
    assert scripts == ["offline-queue", "offline-banner", "offline-forms"]  # the order they depend on
    assert re.search(r'<div class="offline-status" data-offline-status role="status" aria-live="polite"></div>', html)


def test_service_worker_is_served_for_scope_root_without_caching(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    config = json.loads(re.match(r"self\.KATAPP_SW = (\{.*?\});\n", body).group(1))
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert config["offlinePages"] == list(OFFLINE_PAGES)
    assert "/offline" in config["precache"] and "/manifest.webmanifest" in config["precache"]
    for asset in ("css/app.css", "css/pwa.css", "js/app.js", "js/offline-queue.js", "js/offline-banner.js",
                  "js/offline-forms.js", "icons/icon-192.png"):
        assert any(url.startswith(f"/static/{asset}?v=") for url in config["precache"]), asset
    assert not any("/static/js/sw.js" in url for url in config["precache"])
    assert config["queueScript"].startswith("/static/js/offline-queue.js?v=")
    assert "importScripts(CONFIG.queueScript)" in body
    assert 'indexOf("/api/") === 0' in body  # the API is never cached


def test_every_precached_url_answers(client):
    config = json.loads(re.match(r"self\.KATAPP_SW = (\{.*?\});\n", client.get("/sw.js").get_data(as_text=True)).group(1))
    for url in config["precache"]:
        with client.get(url) as answer:
            assert answer.status_code == 200, url


def test_service_worker_version_follows_the_shell_contents(app, monkeypatch):
    from katapp.pwa import routes

    with app.test_request_context("/sw.js"):
        before = routes.worker_config()["version"]
        assert routes.worker_config()["version"] == before  # stable for the same release
        original = routes.offline_html
        monkeypatch.setattr(routes, "offline_html", lambda: original() + "<!-- new release -->")
        assert routes.worker_config()["version"] != before


def test_offline_page_is_the_same_for_everyone_and_holds_nothing_personal(client, login_as, patient):
    anonymous = client.get("/offline")
    assert anonymous.status_code == 200
    assert anonymous.headers["Cache-Control"] == "no-cache"
    html = anonymous.get_data(as_text=True)
    assert "You are offline" in html and 'href="/checkin"' in html
    signed_in = login_as(patient).get("/offline")
    assert signed_in.get_data(as_text=True) == html
    for personal in ("csrf-token", "data-user-id", patient.email, "Sign out"):
        assert personal not in html


def test_health_pages_stay_uncacheable_for_the_browser(login_as, patient):
    c = login_as(patient)
    for path in OFFLINE_PAGES[:2]:
        answer = c.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "no-store"


def test_queue_script_is_worker_safe_and_owns_the_sync_tag():
    """The worker imports offline-queue.js: no DOM there; the sync tag and the CSRF retry live only there."""
    js = {name: (STATIC / "js" / name).read_text(encoding="utf-8")
          for name in ("offline-queue.js", "offline-banner.js", "offline-forms.js", "sw.js")}
    assert not re.search(r"\b(document|window|localStorage)\b", js["offline-queue.js"])
    assert [name for name, text in js.items() if '"katapp-queue"' in text] == ["offline-queue.js"]
    assert [name for name, text in js.items() if "isCsrfError(" in text] == ["offline-queue.js"]
    # sending the queue, the one retry, and completing an offline sign-out (who is signed in before and after)
    assert js["offline-queue.js"].count("fetchSession();") == 4
    assert "fetchSession(" not in js["sw.js"] + js["offline-banner.js"] + js["offline-forms.js"]
