"""Print Lighthouse category scores (0-100) from the JSON reports given on the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def main() -> int:
    print(f"{'page':<34}" + "".join(f"{c:>16}" for c in CATEGORIES))
    for path in sys.argv[1:]:
        report = json.loads(Path(path).read_text())
        scores = [report["categories"][c]["score"] for c in CATEGORIES]
        cells = "".join(f"{'-' if s is None else round(s * 100):>16}" for s in scores)
        print(f"{Path(path).stem:<34}{cells}")
        for c in CATEGORIES:
            cat = report["categories"][c]
            if cat["score"] is not None and cat["score"] < 1:
                failing = [a for a in cat["auditRefs"] if a["weight"] and (report["audits"][a["id"]]["score"] or 0) < 0.9
                           and report["audits"][a["id"]]["scoreDisplayMode"] in ("binary", "numeric", "metricSavings")]
                names = ", ".join(f"{a['id']}={report['audits'][a['id']].get('displayValue') or report['audits'][a['id']]['score']}"
                                  for a in failing[:6])
                if names:
                    print(f"    {c}: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
