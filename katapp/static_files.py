"""Static files sent precompressed: `make assets` (scripts/precompress.py) writes a brotli `.br` and
a gzip `.gz` beside each text file under katapp/static/, and this view sends the smallest one the
browser accepts, with its Content-Encoding, so no request spends CPU compressing a file that never
changes. A compressed copy older than its file (an edit since `make assets`) is ignored; then the
file itself goes out, and Flask-Compress (katapp/extensions.py) compresses it on the way.
"""
from __future__ import annotations

import mimetypes
import os

from flask import Flask, current_app, request, send_from_directory
from werkzeug.security import safe_join

# Preferred first; the suffix of the file `make assets` writes for each.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def init_static_files(app: Flask) -> None:
    """Serve the `static` endpoint through `send_static`."""
    app.view_functions["static"] = send_static


def send_static(filename: str):
    """The file, or its precompressed copy when the browser accepts that encoding and it is fresh."""
    folder = current_app.static_folder
    original = safe_join(folder, filename)
    copy = _fresh_copy(original) if original else None
    if copy is None:
        response = _read_now(current_app.send_static_file(filename))
    else:
        encoding, suffix = copy
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = send_from_directory(folder, filename + suffix, mimetype=mimetype,
                                       max_age=current_app.get_send_file_max_age(filename))
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response


def _read_now(response):
    """The file's bytes in the response and the file closed: Flask-Compress replaces the body of
    what it compresses and would leave a streamed file open."""
    if response.direct_passthrough and response.status_code == 200:
        wrapper = response.response
        try:
            data = b"".join(wrapper)
        finally:
            getattr(wrapper, "close", lambda: None)()
        response.direct_passthrough = False
        response.set_data(data)
    return response


def _fresh_copy(original: str) -> tuple[str, str] | None:
    """(encoding, suffix) of the first accepted copy at least as new as `original`, else None."""
    try:
        modified = os.stat(original).st_mtime_ns
    except OSError:
        return None
    for encoding, suffix in ENCODINGS:
        if request.accept_encodings[encoding] <= 0:
            continue
        try:
            if os.stat(original + suffix).st_mtime_ns >= modified:
                return encoding, suffix
        except OSError:
            continue
    return None
