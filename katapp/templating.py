"""Template globals: role navigation, cache-busted static URLs, clinical labels, times in the user's zone."""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from flask import Flask, url_for
from flask_login import current_user

from katapp.clock import zone_name, zone_of
from katapp.domain import vocabulary

STATIC = Path(__file__).resolve().parent / "static"

# (endpoint, label) per role. Each feature owns the endpoint; the nav only names it.
NAV = {
    "patient": [
        ("checkins.home", "Today"),
        ("journal.index", "Journal"),
        ("dashboard.progress", "Progress"),
        ("schedule.mine", "Sessions"),
    ],
    "clinician": [
        ("dashboard.caseload", "Caseload"),
        ("schedule.agenda", "Agenda"),
        ("admin.add_patient", "Add patient"),
    ],
    "admin": [
        ("dashboard.overview", "Clinic"),
        ("admin.open_flags", "Flags"),
        ("admin.users", "Accounts"),
        ("admin.settings", "Settings"),
        ("audit.audit_log", "Audit"),
    ],
}
# The patient's bottom tab bar draws each page with an icon (templates/macros/icons.html).
TAB_ICONS = {"checkins.home": "today", "journal.index": "journal", "dashboard.progress": "progress",
             "schedule.mine": "sessions"}


@lru_cache(maxsize=256)
def _fingerprint(path: str) -> str:
    file = STATIC / path
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()[:12]
    except OSError:
        return "0"


def asset_url(path: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year."""
    return url_for("static", filename=path, v=_fingerprint(path))


def local_time(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M", user=None) -> str:
    """Format an aware UTC datetime in the (current) user's time zone; "" for None."""
    if value is None:
        return ""
    return value.astimezone(zone_of(user if user is not None else current_user)).strftime(fmt)


def nice_date(value: date | None, fmt: str = "%a %d %b %Y") -> str:
    return value.strftime(fmt) if value else ""


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(asset_url=asset_url, label=vocabulary.label)
    app.jinja_env.filters.update(local_time=local_time, nice_date=nice_date, zone_name=zone_name)
    if app.config.get("TESTING"):
        _fingerprint.cache_clear()

    @app.context_processor
    def navigation():
        items = []
        if current_user.is_authenticated:
            items = NAV.get(current_user.role, [])
        return {"nav_items": items, "tab_icons": TAB_ICONS}
