"""Sign in to katapp over HTTP and print the session cookie as a Cookie header value.

Usage: python session.py BASE_URL EMAIL PASSWORD  ->  prints "session=..."
"""
from __future__ import annotations

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request


def main() -> int:
    base, email, password = sys.argv[1:4]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    final = opener.open(urllib.request.Request(base + "/login", data=form, headers={"Referer": base + "/login"}))  # noqa: S310 - http(s) base URL given by run.sh
    if final.url.rstrip("/").endswith("/login"):
        print(f"sign-in failed for {email}", file=sys.stderr)
        return 1
    print("; ".join(f"{c.name}={c.value}" for c in jar))
    return 0


if __name__ == "__main__":
    sys.exit(main())
