"""The input gate's rules, as plain functions over plain values (no flask, no sqlalchemy).

Every text value the app accepts (form field, JSON string or key, query parameter) passes
`text_problem`; every date passes `date_problem` (one window, 2000-01-01 to 2100-12-31); a
booking also passes `booking_problem`; a JSON body passes `json_too_deep` before it is parsed and
`json_problem` after. Each returns a message for a person (or None when the value is fine).
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

MAX_TEXT = 20000  # the longest text any field takes (a journal entry); fields set lower limits
GATE_MAX = 100_000  # the request-wide backstop: longer than any field, so fields word their own limit
MAX_JSON_DEPTH = 32
MAX_INT = 2**31 - 1  # the database's 32-bit integer columns; no field takes a larger number
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
BOOK_PAST = dt.timedelta(days=366)  # a booking may be recorded up to a year after it happened
BOOK_AHEAD = dt.timedelta(days=5 * 366)  # and booked up to five years ahead (a long follow-up plan)

BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
ALLOWED_CONTROLS = frozenset("\t\n\r")


# Every character `_char_problem` may refuse (Cc but tab and line breaks, surrogates, bidi controls,
# non-characters, U+FFFD), for a fast scan: text with none of them and a visible ASCII character
# (so not only invisible ones) is fine without looking at each character (tests/domain prove it equal).
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
                      "\ufdd0-\ufdef\ufffd" + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF)
                                                 for plane in range(0, 0x110000, 0x10000)) + "]")
_VISIBLE_ASCII = re.compile("[!-~]")


def _char_problem(ch: str) -> str | None:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return "contains a broken character (half of a surrogate pair); please retype it"
    if code == 0:
        return "contains a NUL character, which cannot be stored"
    if code == 0xFFFD:
        return "contains an unreadable character (U+FFFD, from a broken encoding); please retype it"
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return f"contains U+{code:04X}, which is not a character"
    if code in BIDI_CONTROLS:
        return f"contains a text-direction control (U+{code:04X}) that can disguise text; please remove it"
    if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
        return f"contains a control character (U+{code:04X})"
    return None


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def text_problem(value: str, max_length: int = MAX_TEXT, *, secret: bool = False) -> str | None:
    """Why `value` cannot be stored as text, or None.

    Refused: lone surrogates, NUL and other control characters (tab and line breaks are fine),
    non-characters (U+FFFE, U+FDD0...), U+FFFD, bidi overrides and isolates (U+202A-202E,
    U+2066-2069), text made only of invisible format characters such as zero-width spaces, and
    text longer than `max_length`. A `secret` (a password) is only checked for characters that
    cannot be encoded, so an existing password is never refused at sign-in.
    """
    if secret:
        if any(0xD800 <= ord(ch) <= 0xDFFF or ch == "\x00" for ch in value):
            return "contains a character that cannot be used"
        return None
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    if _VISIBLE_ASCII.search(value) and not _SUSPECT.search(value):
        return None  # nearly every value: two scans in C instead of a Python loop over each character
    for ch in value:
        problem = _char_problem(ch)
        if problem:
            return problem
    if value and all(_invisible(ch) for ch in value) and not all(ch.isspace() for ch in value):
        return "has no visible characters"
    return None


def date_problem(day: dt.date) -> str | None:
    """Why `day` is outside the one accepted window (2000-01-01 to 2100-12-31), or None."""
    if not EARLIEST <= day <= LATEST:
        return f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}"
    return None


def booking_problem(starts_at: dt.datetime, now: dt.datetime) -> str | None:
    """Why a session starting at aware `starts_at` cannot be booked now, or None: from a year ago
    (recording a session after the fact) to five years ahead."""
    if starts_at < now - BOOK_PAST:
        return "must be less than a year ago"
    if starts_at > now + BOOK_AHEAD:
        return "must be less than five years ahead"
    return None


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects more than `limit` deep (scanned, not parsed,
    so a hostile body cannot exhaust the parser's recursion)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # it cannot nest deeper than it opens: most bodies need no byte-by-byte scan
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def json_problem(value: object, path: str = "") -> tuple[str, str] | None:
    """The first (field path, message) of a parsed JSON value that breaks the gate, or None:
    a bad string or key, an integer beyond the database's range, a non-finite number."""
    if isinstance(value, str):
        problem = text_problem(value, GATE_MAX)
        return (path or "body", problem) if problem else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return (path or "body", "is out of range") if abs(value) > MAX_INT else None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path or "body", "must be a finite number")
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        name = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and text_problem(key, 100):
            return name, "is not a valid field name"
        found = json_problem(item, name)
        if found:
            return found
    return None
