"""The clinician's patient page record, rendered once per patient data version (issue #16 item 3).

The record (heading, summary, questionnaires, effect by session, PHQ-9 by date, mood and item
charts with their tables, and the dosing record of the completed ketamine sessions) is drawn from
the patient's whole history: at a year of data, loading it
and drawing four figures as JSON and SVG took most of the page's time. It is kept here as rendered
HTML in a small per-process LRU, keyed by the patient's data version (`services.record_version`:
the stored summary's `computed_at`, rewritten by every write that changes the record, and the
newest check-in's id) and by everything else the markup shows: name and phone, the viewer's kind
and time zone, the patient's today, the clinic settings it reads. An entry lapses at the summary's
`refresh_at` (a booked session starts, the series' gap runs out). Any process that misses simply
recomputes, so several processes or hosts stay correct without sharing anything.
The dosing record rests on the completed sessions with their vitals and adverse events: those are
written only before a session completes (dosing_day), and completing or changing a session rewrites
the summary, so the same version holds. The stored summary's open-flag count comes with the version:
at 0 (most patients) the page skips the open-flags query (a flag's write or acknowledgement rewrites it).
Per request, outside the cache: the open flags with their forms, the back link.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app, render_template
from markupsafe import Markup

from katapp import clock
from katapp.clinic import clinic_settings
from katapp.dashboard import services, views

SIZE = 64  # patients kept per process (a clinician's morning of patients; ~150 kB of HTML each)
PARTS = ("head", "summary", "dosing", "charts")


class RecordCache:
    """A thread-safe LRU of rendered records, one per app (so each test's app starts empty)."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self.entries: OrderedDict[tuple, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, now) -> dict[str, Markup] | None:
        """The record stored under `key`, or None (never stored, pushed out, or lapsed at its `until`)."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            until, record = entry
            if until is not None and now >= until:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return record

    def put(self, key: tuple, record: dict[str, Markup], until) -> None:
        with self.lock:
            self.entries[key] = (until, record)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def cache() -> RecordCache:
    return current_app.extensions.setdefault("katapp.patient_records", RecordCache())


def patient_record(person, viewer, *, care_team: bool) -> tuple[dict[str, Markup], bool]:
    """({"head", "summary", "dosing", "charts"}: the record's markup, from the cache when the data is
    unchanged; False when the stored summary counts no open flag, True when it counts some or there is
    none). One query on a hit (the version); on a miss that query plus `services.history`'s and the
    dosing record's."""
    now = clock.utcnow()
    version = services.record_version(person.id)
    key = None
    if version is not None and (version[1] is None or version[1] > now):
        settings = clinic_settings()
        key = (person.id, *version, person.display_name, person.phone, person.timezone, care_team,
               str(clock.zone_of(viewer)), clock.local_today(person, now), settings.pcl5_cutpoint, settings.series_length)
        record = cache().get(key, now)
        if record is not None:
            return record, bool(version[3])
    context = views.patient(services.history(person), care_team=care_team)
    record = {part: Markup(render_template(f"dashboard/_patient_{part}.html", **context))  # noqa: S704  # nosec B704 - autoescaped template output
              for part in PARTS}
    if key is not None:
        cache().put(key, record, version[1])
    return record, version is None or bool(version[3])
