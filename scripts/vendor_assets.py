"""Copy front-end assets from pinned packages into katapp/static/vendor/ (git-ignored).

plotly.js: npm's `plotly.js-cartesian-dist-min` (pinned below, the same plotly.js version as the
Python `plotly` package in requirements.txt) when npm can fetch it: a third of the full bundle
(1.5 MB vs 4.6 MB; every trace katapp draws: scatter, bar, heatmap), which a phone parses much
faster. Without npm, or if the fetch fails, the full bundle shipped inside the Python `plotly`
package is used instead (same version, same figures). Never a CDN; nothing committed. A .gz
beside it lets the app serve it compressed.

plotly.css: plotly.js normally injects its own stylesheet rules into a <style> element, which the
Content-Security-Policy (`style-src 'self'`) forbids. plotly.js skips that when the page has an
element `#plotly.js-style-global.no-inline-styles`, so we extract the same rules from the bundle
into a static file the dashboard links with that id (katapp/dashboard/templates/dashboard/_chart.html).
"""
from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "katapp" / "static" / "vendor"
NPM_BUNDLE = "plotly.js-cartesian-dist-min@4.1.1"
NPM_FILE = "package/plotly-cartesian.min.js"

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


def _version(bundle_head: str) -> str | None:
    match = re.search(r"plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)", bundle_head)
    return match.group(1) if match else None


def fetch_npm_bundle(want_version: str) -> bytes | None:
    """The pinned npm cartesian bundle, or None (no npm, no network, or another plotly.js version)."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([npm, "pack", NPM_BUNDLE, "--pack-destination", tmp, "--silent"], cwd=tmp, check=True,  # noqa: S603
                           capture_output=True, timeout=180)
            tgz = next(Path(tmp).glob("*.tgz"))
            with tarfile.open(tgz) as archive:
                member = archive.extractfile(NPM_FILE)
                data = member.read() if member else None
        except (OSError, subprocess.SubprocessError, StopIteration, KeyError, tarfile.TarError):
            return None
    if not data or _version(data[:400].decode("utf-8", "replace")) != want_version:
        return None
    return data


def main() -> int:
    try:
        import plotly
    except ImportError:
        print("plotly is not installed: run `make run` or `pip install -r requirements.txt`", file=sys.stderr)
        return 1
    fallback = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not fallback.exists():
        print(f"plotly.min.js not found in {fallback.parent}", file=sys.stderr)
        return 1
    version = _version(fallback.read_text(encoding="utf-8")[:400]) or "?"
    VENDOR.mkdir(parents=True, exist_ok=True)
    target, css_target, stamp = VENDOR / "plotly.min.js", VENDOR / "plotly.css", VENDOR / "plotly.source"
    wanted = f"{NPM_BUNDLE} (plotly.js {version})"
    fallback_name = f"python plotly {version}"
    # Already vendored for these pins (a fallback stays until `make clean`: no slow retry on every run).
    if target.exists() and css_target.exists() and stamp.exists() and stamp.read_text() in (wanted, fallback_name):
        return 0
    data = fetch_npm_bundle(version)
    source = wanted if data else fallback_name
    if data is None:
        print(f"note: could not fetch {NPM_BUNDLE} with npm; using the full plotly.js bundle from the Python package",
              file=sys.stderr)
        data = fallback.read_bytes()
    target.write_bytes(data)
    with gzip.open(str(target) + ".gz", "wb", compresslevel=9) as packed:
        packed.write(data)
    css = plotly_css(data.decode("utf-8"))
    if css is None:
        print("warning: plotly's stylesheet rules not found in the bundle; charts may look unstyled", file=sys.stderr)
        css = "/* plotly.js rules not found in this bundle */\n"
    css_target.write_text(css, encoding="utf-8")
    stamp.write_text(source)
    print(f"vendored {source} -> {target.relative_to(ROOT)} ({len(data) // 1024} KiB, + .gz, plotly.css)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
