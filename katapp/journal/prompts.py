"""Integration prompts as data, by moment, and the rule for which moment fits a point in time.

The built-in library is extended by the clinic through the JournalPrompt table (active rows are
added after the built-ins of their moment). Pure Python: no Flask, no database.
"""
from __future__ import annotations

import datetime as dt

# The first prompt of each moment is the one the patient's home offers; the others are shown in the
# editor's "other prompts" list.
BUILT_IN: dict[str, tuple[str, ...]] = {
    "before": (
        "What do you hope to explore?",
        "What intention would you like to bring into the session?",
        "What are you feeling as the session gets closer?",
    ),
    "after_24h": (
        "What stood out?",
        "Which images, feelings or thoughts are still with you?",
        "How does your body feel today?",
    ),
    "after_48h": (
        "What has shifted since?",
        "What have you noticed in your everyday moments since the session?",
    ),
    "after_72h": (
        "What do you want to carry forward?",
        "What is one small step that would honour what you learned?",
    ),
    "general": (
        "What is on your mind today?",
        "What helped you this week, even a little?",
        "What would you like your care team to know?",
    ),
}

MOMENT_LABELS = {
    "before": "Before your session",
    "after_24h": "The day after your session",
    "after_48h": "Two days after your session",
    "after_72h": "Three days after your session",
    "general": "Any day",
}

# Integration windows after a completed ketamine session, in hours since it ended: the first 24 h,
# the second day, the third day, then general reflection until a week has passed.
AFTER_WINDOWS: tuple[tuple[float, str], ...] = ((24, "after_24h"), (48, "after_48h"), (72, "after_72h"), (7 * 24, "general"))
# A "before" prompt is offered when a ketamine session starts within this time.
BEFORE_WINDOW = dt.timedelta(days=2)
OFFER_AFTER_LIMIT = dt.timedelta(days=7)


def moment_after(elapsed: dt.timedelta) -> str | None:
    """The moment that fits `elapsed` time since a session ended, or None (before it, or > 7 days)."""
    hours = elapsed.total_seconds() / 3600
    if hours < 0:
        return None
    for limit, moment in AFTER_WINDOWS:
        if hours <= limit:
            return moment
    return None


def library(extra: list[tuple[str, str]] | None = None) -> dict[str, list[str]]:
    """Prompts by moment: the built-ins, then the clinic's `(moment, text)` rows (duplicates dropped)."""
    prompts = {moment: list(texts) for moment, texts in BUILT_IN.items()}
    for moment, text in extra or []:
        if moment in prompts and text not in prompts[moment]:
            prompts[moment].append(text)
    return prompts
