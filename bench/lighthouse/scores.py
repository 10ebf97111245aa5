"""Print Lighthouse scores (0-100) from the JSON reports given on the command line.

Reports named PAGE.RUN.json (run.sh's) are grouped by page: each category prints the median over
the runs (with the range when runs differ), then the performance diagnostics' medians (first and
largest contentful paint, total blocking time, layout shift, longest main-thread task, bytes
transferred), the LCP element, and any failing audit.
"""
from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = (("FCP", "first-contentful-paint", "s"), ("LCP", "largest-contentful-paint", "s"),
           ("TBT", "total-blocking-time", "ms"), ("CLS", "cumulative-layout-shift", ""))


def _score(report: dict, category: str) -> int | None:
    s = report["categories"][category]["score"]
    return None if s is None else round(s * 100)


def _cell(values: list[int | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    median = round(statistics.median(known))
    return f"{median} ({min(known)}-{max(known)})" if min(known) != max(known) else str(median)


def _longest_task(report: dict) -> float:
    items = (report["audits"].get("long-tasks", {}).get("details") or {}).get("items") or []
    return max((i["duration"] for i in items), default=0.0)


def _lcp_element(report: dict) -> str:
    audit = report["audits"].get("largest-contentful-paint-element", {})
    if audit.get("errorMessage"):
        return "unknown (Lighthouse 12.2.3 cannot read it from this Chromium's trace; bench.phone_charts prints it)"
    details = audit.get("details") or {}
    for table in details.get("items") or []:
        for item in table.get("items") or []:
            node = item.get("node")
            if node:
                return node.get("selector") or node.get("snippet", "")[:60]
    return "?"


def _diagnostics(reports: list[dict]) -> str:
    parts = []
    for label, audit, unit in METRICS:
        value = statistics.median(r["audits"][audit]["numericValue"] for r in reports)
        text = f"{value / 1000:.1f} s" if unit == "s" else f"{value:.0f} ms" if unit else f"{value:.2f}"
        parts.append(f"{label} {text}")
    parts.append(f"longest task {statistics.median(_longest_task(r) for r in reports):.0f} ms")
    kib = statistics.median(r["audits"]["total-byte-weight"]["numericValue"] for r in reports) / 1024
    parts.append(f"{kib:.0f} KiB")
    parts.append(f"LCP element {_lcp_element(reports[0])}")
    return ", ".join(parts)


def _failing(report: dict) -> list[str]:
    lines = []
    for c in CATEGORIES:
        cat = report["categories"][c]
        if cat["score"] is None or cat["score"] >= 1:
            continue
        failing = [a for a in cat["auditRefs"] if a["weight"] and (report["audits"][a["id"]]["score"] or 0) < 0.9
                   and report["audits"][a["id"]]["scoreDisplayMode"] in ("binary", "numeric", "metricSavings")]
        names = ", ".join(f"{a['id']}={report['audits'][a['id']].get('displayValue') or report['audits'][a['id']]['score']}"
                          for a in failing[:6])
        if names:
            lines.append(f"    {c}: {names}")
    return lines


def main() -> int:
    pages: dict[str, list[dict]] = defaultdict(list)
    for path in sys.argv[1:]:
        pages[Path(path).stem.split(".")[0]].append(json.loads(Path(path).read_text()))
    runs = max((len(r) for r in pages.values()), default=0)
    print(f"median of {runs} run(s), range in brackets")
    print(f"{'page':<20}" + "".join(f"{c:>16}" for c in CATEGORIES))
    for page, reports in pages.items():
        print(f"{page:<20}" + "".join(f"{_cell([_score(r, c) for r in reports]):>16}" for c in CATEGORIES))
        print(f"    {_diagnostics(reports)}")
        worst = min(reports, key=lambda r: _score(r, "performance") or 0)
        for line in _failing(worst):
            print(line + " (worst run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
