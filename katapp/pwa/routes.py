"""Web app manifest, service worker and offline page.

The service worker is `static/js/sw.js` with a small header prepended here: its version (a hash
of everything it precaches, so any change to the app shell installs a new worker and deletes the
old cache), the list of URLs to precache (content-hashed), the pages that must open offline and
the URL of `offline-queue.js` (the queue code the worker shares with the pages).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import current_app, render_template, request, url_for

from katapp.crisis_help import crisis_view
from katapp.pwa import bp
from katapp.security import cacheable
from katapp.templating import STATIC, asset_url

# Pages with a form that must open offline (cached when visited, warmed after sign-in, dropped
# at sign-out and whenever the sign-in page is shown).
# /help (crisis help in the patient's country) is kept too; without it, /offline carries the clinic's own.
OFFLINE_PAGES = ("/checkin", "/questionnaires/phq9", "/questionnaires/gad7", "/questionnaires/pcl5", "/journal/new",
                 "/help")
# The app shell: every stylesheet, script and icon of the app (not vendor/, which only chart
# pages need and which the worker caches when first used).
SHELL_GLOBS = ("css/*.css", "js/*.js", "icons/*.png")
SW_SOURCE = "js/sw.js"
QUEUE_SCRIPT = "js/offline-queue.js"  # worker-safe: importScripts in sw.js, <script> in base.html
MANIFEST_MAX_AGE = 300  # seconds: an icon or name change reaches installed apps within minutes
THEME = "#2f5d62"
BACKGROUND = "#f7f5f0"


def manifest_data() -> dict:
    """The web app manifest as a dict (installable in Chromium: name, icons 192/512, standalone)."""
    return {
        "id": "/",
        "name": "katapp: therapy progress",
        "short_name": "katapp",
        "description": "Daily check-ins, questionnaires and a journal for ketamine-assisted therapy.",
        "lang": "en",
        "dir": "ltr",
        "start_url": url_for("main.home"),
        "scope": "/",
        "display": "standalone",
        # no "orientation": a clinician on a landscape tablet must not be locked out (WCAG 1.3.4)
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "categories": ["health", "medical"],
        "icons": [
            {"src": asset_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": asset_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": asset_url("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }


def shell_files() -> list[str]:
    """Static paths (relative to static/) of the app shell, sorted, without the worker itself."""
    found: set[str] = set()
    for pattern in SHELL_GLOBS:
        found.update(p.relative_to(STATIC).as_posix() for p in STATIC.glob(pattern) if p.is_file())
    found.discard(SW_SOURCE)
    return sorted(found)


def offline_html() -> str:
    """The offline page: the same for everyone, with the crisis help of the clinic's own country."""
    return render_template("pwa/offline.html", help=crisis_view(None))


def worker_config() -> dict:
    """What sw.js is told: version, precache list, offline pages, the queue script."""
    files = shell_files()
    manifest_json = json.dumps(manifest_data(), sort_keys=True)
    digest = hashlib.sha256()
    for path in [SW_SOURCE, *files]:
        digest.update(path.encode() + b"\0" + Path(STATIC, path).read_bytes() + b"\0")
    digest.update(offline_html().encode())
    digest.update(manifest_json.encode())
    precache = [url_for("pwa.offline"), url_for("pwa.manifest")] + [asset_url(p) for p in files]
    return {
        "version": digest.hexdigest()[:16],
        "precache": precache,
        "offlinePages": list(OFFLINE_PAGES),
        "queueScript": asset_url(QUEUE_SCRIPT),
    }


def _no_cache(response):
    """Revalidate every time (the browser still checks the worker for updates on its own)."""
    response.headers["Cache-Control"] = "no-cache"
    return response


def _validated(response, cache_control: str = "no-cache"):
    """`response` with a strong ETag (a hash of its body) and `cache_control`; a 304 without a body
    when the request's If-None-Match names that ETag.

    Flask-Compress sends the ETag of a compressed body as "<hash>:br" (or ":gzip"), and the
    browser echoes it back: the suffix is ignored when matching, as the body is the same.
    """
    etag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    if etag in {tag.split(":")[0] for tag in request.if_none_match.as_set()}:
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
        response.headers.pop("Content-Length", None)
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    cacheable()
    body = json.dumps(manifest_data(), indent=1)
    return _validated(current_app.response_class(body, mimetype="application/manifest+json"),
                      f"public, max-age={MANIFEST_MAX_AGE}")


@bp.route("/sw.js")
def service_worker():
    cacheable()
    header = "self.KATAPP_SW = " + json.dumps(worker_config(), sort_keys=True) + ";\n"
    source = Path(STATIC, SW_SOURCE).read_text(encoding="utf-8")
    response = current_app.response_class(header + source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _validated(response)  # no-cache: every navigation asks, and a new worker installs at once


@bp.route("/offline")
def offline():
    """The page shown for an uncached page without network: the same for everyone (it is cached)."""
    cacheable()
    return _no_cache(current_app.make_response(offline_html()))
