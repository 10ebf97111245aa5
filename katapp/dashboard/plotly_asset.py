"""The vendored plotly.min.js (scripts/vendor_assets.py copies it from the pinned Python package).

Served at /vendor/plotly-<sha256 prefix>.min.js: the hash changes with the file, so the answer is
cached for a year (immutable); the pre-compressed .gz goes to browsers that accept gzip. When the
file is missing, `url()` is None and pages show their tables with a note instead of charts.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Response, url_for

FILE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "plotly.min.js"
GZIP = FILE.with_name(FILE.name + ".gz")
YEAR = 31536000


@lru_cache(maxsize=1)
def _digest_of(mtime_ns: int, size: int) -> str:
    return hashlib.sha256(FILE.read_bytes()).hexdigest()[:16]


def digest() -> str | None:
    """The file's content hash (cached while its size and time stay the same), or None when missing."""
    try:
        stat = FILE.stat()
    except OSError:
        return None
    return _digest_of(stat.st_mtime_ns, stat.st_size)


def url() -> str | None:
    d = digest()
    return url_for("dashboard.plotly_js", digest=d) if d else None


def response(accepts_gzip: bool) -> Response:
    use_gzip = accepts_gzip and GZIP.exists() and GZIP.stat().st_mtime_ns >= FILE.stat().st_mtime_ns
    body = (GZIP if use_gzip else FILE).read_bytes()
    answer = Response(body, mimetype="text/javascript")
    if use_gzip:
        answer.headers["Content-Encoding"] = "gzip"
    answer.headers["Vary"] = "Accept-Encoding"
    answer.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    answer.set_etag(digest() + ("-gz" if use_gzip else ""))
    return answer
