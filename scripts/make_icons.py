"""Draw katapp's app icon and write the PNGs the manifest names (pure Python, no Pillow).

The icon: a teal rounded square with a rising line of three dots (a series of sessions building
an effect). The maskable variant keeps the motif inside the 80 % safe zone on a full-bleed
background. Run: `python scripts/make_icons.py` (writes katapp/static/icons/).
"""
from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "katapp" / "static" / "icons"
TEAL = (47, 93, 98)
CREAM = (247, 245, 240)
GOLD = (233, 184, 94)


def png(width: int, height: int, pixels: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _dist_to_segment(px, py, ax, ay, bx, by) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def draw(size: int, maskable: bool) -> bytes:
    scale = 0.72 if maskable else 1.0  # maskable: motif within the safe zone
    radius = 0 if maskable else size * 0.22
    pts = [(0.24, 0.70), (0.50, 0.50), (0.76, 0.30)]
    pts = [(0.5 + (x - 0.5) * scale, 0.5 + (y - 0.5) * scale) for x, y in pts]
    pts = [(x * size, y * size) for x, y in pts]
    line_w = size * 0.045 * scale
    dot_r = size * 0.085 * scale
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            cx, cy = x + 0.5, y + 0.5
            # rounded-square mask
            inside = True
            if radius:
                qx = max(radius - cx, 0, cx - (size - radius))
                qy = max(radius - cy, 0, cy - (size - radius))
                inside = math.hypot(qx, qy) <= radius
            if not inside:
                row += bytes((0, 0, 0, 0))
                continue
            color = TEAL
            d_line = min(_dist_to_segment(cx, cy, *pts[i], *pts[i + 1]) for i in range(2))
            if d_line <= line_w:
                color = CREAM
            for i, (px, py) in enumerate(pts):
                if math.hypot(cx - px, cy - py) <= dot_r * (0.8 + 0.2 * i):
                    color = GOLD if i == 2 else CREAM
            row += bytes((*color, 255))
        rows.append(bytes(row))
    return png(size, size, rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-512.png", 512, True)]:
        (OUT / name).write_bytes(draw(size, maskable))
        print("wrote", OUT / name)


if __name__ == "__main__":
    main()
