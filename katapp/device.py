"""One person per phone: what a shared phone's browser is told about who is signed in.

Several patients may use one phone (a family phone, a clinic tablet). What the browser keeps
(journal drafts in localStorage, the offline queue in IndexedDB, the pages the service worker keeps
for offline use) belongs to one signed-in user id. The server's part is two response headers:

- `X-Katapp-User` on every HTML page: the signed-in user's id, or "0" when nobody is signed in.
  The service worker (static/js/sw.js) reads it on each page it fetches: kept pages live in a cache
  named per user ("katapp-pages-<id>"), and a page served for anyone else drops them. The page's
  own scripts read the same id from `<body data-user-id>` (drafts and queue items carry it).
- `Clear-Site-Data: "cache"` on every way in and out (sign-in, invitation accepted, password set
  or reset, sign-out, and the invitation and reset pages themselves): the browser's HTTP and
  back/forward caches of the previous person's pages go. It is "cache" and not "storage" on
  purpose: "storage" would also wipe the offline queue, and an entry the previous patient saved
  offline must never be lost; it waits in the queue for its owner (offline-queue.js sends an item
  only under its owner's session). The service worker's caches are dropped by the worker itself
  (per-user names), so this holds in browsers that ignore Clear-Site-Data too.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user, user_logged_in, user_logged_out

USER_HEADER = "X-Katapp-User"
NOBODY = "0"
CLEAR_SITE_DATA = '"cache"'
# Pages where a (possibly different) person arrives: the previous person's pages must go.
WAY_IN_ENDPOINTS = frozenset({"auth.login", "auth.accept_invite", "auth.reset_password", "auth.logout"})


def init_device(app: Flask) -> None:
    """Mark sign-ins and sign-outs, and add the headers to each response."""
    user_logged_in.connect(_mark_way_in, app)
    user_logged_out.connect(_mark_way_in, app)
    app.after_request(device_headers)


def _mark_way_in(_app, **_extra) -> None:
    g.katapp_way_in = True


def signed_in_id() -> str:
    """The signed-in user's id as the browser is told it ("0": nobody)."""
    return str(current_user.id) if current_user and current_user.is_authenticated else NOBODY


def device_headers(response):
    """`X-Katapp-User` on HTML pages; `Clear-Site-Data: "cache"` on every way in and out."""
    if response.mimetype == "text/html" and not getattr(g, "cacheable", False):
        response.headers[USER_HEADER] = signed_in_id()
    if getattr(g, "katapp_way_in", False) or request.endpoint in WAY_IN_ENDPOINTS:
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
