"""Write a brotli `.br` and a gzip `.gz` copy beside every text file under katapp/static/ (`make assets`).

katapp/static_files.py sends them with the right Content-Encoding. A copy is rewritten only when it
is missing or older than its file; copies are git-ignored. Brotli at quality 11 and gzip at level 9:
slow once here, small on every phone.
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

import brotli

STATIC = Path(__file__).resolve().parent.parent / "katapp" / "static"
TEXT = {".css", ".js", ".json", ".svg", ".webmanifest", ".txt", ".html", ".map"}
MIN_SIZE = 500  # bytes; smaller files gain nothing


def _stale(copy: Path, original: Path) -> bool:
    return not copy.exists() or copy.stat().st_mtime_ns < original.stat().st_mtime_ns


def precompress(root: Path = STATIC) -> list[Path]:
    """Write the missing or stale copies; return the files written."""
    written = []
    for original in sorted(root.rglob("*")):
        if not original.is_file() or original.suffix not in TEXT or original.stat().st_size < MIN_SIZE:
            continue
        data = None
        for suffix, pack in ((".br", lambda d: brotli.compress(d, quality=11)),
                             (".gz", lambda d: gzip.compress(d, compresslevel=9, mtime=0))):
            copy = original.with_name(original.name + suffix)
            if _stale(copy, original):
                data = original.read_bytes() if data is None else data
                copy.write_bytes(pack(data))
                written.append(copy)
    return written


def main() -> int:
    written = precompress()
    if written:
        print(f"precompressed {len(written)} static files (.br, .gz)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
