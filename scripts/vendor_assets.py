"""Copy front-end assets from installed, pinned packages into katapp/static/vendor/ (git-ignored).

plotly.js comes from the Python `plotly` package pinned in requirements.txt (its bundled
plotly.min.js), never from a CDN. A .gz beside it lets the app serve it compressed.
"""
from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "katapp" / "static" / "vendor"


def main() -> int:
    try:
        import plotly
    except ImportError:
        print("plotly is not installed: run `make run` or `pip install -r requirements.txt`", file=sys.stderr)
        return 1
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not source.exists():
        print(f"plotly.min.js not found in {source.parent}", file=sys.stderr)
        return 1
    VENDOR.mkdir(parents=True, exist_ok=True)
    target = VENDOR / "plotly.min.js"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
        with open(target, "rb") as raw, gzip.open(str(target) + ".gz", "wb", compresslevel=9) as packed:
            shutil.copyfileobj(raw, packed)
        print(f"vendored plotly.js {plotly.__version__} -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
