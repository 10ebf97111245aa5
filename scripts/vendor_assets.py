"""Copy front-end assets from installed, pinned packages into katapp/static/vendor/ (git-ignored).

plotly.js comes from the Python `plotly` package pinned in requirements.txt (its bundled
plotly.min.js), never from a CDN. A .gz beside it lets the app serve it compressed.

plotly.css: plotly.js normally injects its own stylesheet rules into a <style> element, which the
Content-Security-Policy (`style-src 'self'`) forbids. plotly.js skips that when the page has an
element `#plotly.js-style-global.no-inline-styles`, so we extract the same rules from the bundle
into a static file the dashboard links with that id (katapp/dashboard/templates/dashboard/_chart.html).
"""
from __future__ import annotations

import gzip
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "katapp" / "static" / "vendor"

_JS_STRING = r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"
_RULE = re.compile(rf"\s*({_JS_STRING}|[A-Za-z_$][\w$]*)\s*:\s*({_JS_STRING})\s*([,}}])")


def _unquote(literal: str) -> str:
    """A JS string literal's text (or a bare identifier key as is)."""
    if literal[0] not in "\"'":
        return literal
    body = literal[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def plotly_css(bundle: str) -> str | None:
    """The CSS plotly.js would inject at start-up, rebuilt from its rules object, or None if not found.

    plotly.js keeps them as {"X,X div": "direction:ltr;...", ...} where X stands for
    ".js-plotly-plot .plotly" and Y for ".plotly-notifier" (src/css/_base.scss compiled).
    """
    start = bundle.find('{"X,X div":')
    if start < 0:
        return None
    pos, rules = start + 1, []
    while True:
        match = _RULE.match(bundle, pos)
        if not match:
            return None
        selector = _unquote(match.group(1))
        selector = re.sub(r"^,", " ,", selector).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{_unquote(match.group(2))}}}")
        pos = match.end()
        if match.group(3) == "}":
            break
    header = "/* Extracted from plotly.min.js by scripts/vendor_assets.py (strict CSP: no injected <style>). */"
    return "\n".join([header, *rules]) + "\n"


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
    css_target = VENDOR / "plotly.css"
    if not target.exists() or target.read_bytes() != source.read_bytes() or not css_target.exists():
        shutil.copyfile(source, target)
        with open(target, "rb") as raw, gzip.open(str(target) + ".gz", "wb", compresslevel=9) as packed:
            shutil.copyfileobj(raw, packed)
        css = plotly_css(target.read_text(encoding="utf-8"))
        if css is None:
            print("warning: plotly's stylesheet rules not found in the bundle; charts may look unstyled", file=sys.stderr)
            css = "/* plotly.js rules not found in this bundle */\n"
        css_target.write_text(css, encoding="utf-8")
        print(f"vendored plotly.js {plotly.__version__} -> {target.relative_to(ROOT)} (+ .gz, plotly.css)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
