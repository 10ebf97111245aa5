#!/usr/bin/env bash
# `make test`: the whole suite on SQLite (browser tests included when a Chromium is found), then
# again on PostgreSQL: TEST_DATABASE_URL when set, else a fresh database on the local server.
# With CI=true an unreachable PostgreSQL or a missing Chromium is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
ci="${CI:-false}"

# pytest-xdist: one worker per core (TEST_WORKERS to change; 0 runs in this process). Each worker has
# its own SQLite file, PostgreSQL database and Redis database (tests/conftest.py).
parallel=(-n "${TEST_WORKERS:-auto}" --dist loadfile)
browser_args=()
if [ -x "$CHROMIUM" ]; then
  echo "== browser tests: using $CHROMIUM"
  export CHROMIUM_PATH="$CHROMIUM"
else
  if [ "$ci" = "true" ]; then
    echo "== CI: no Chromium at $CHROMIUM; .ci/run installs it (apt-get install chromium)" >&2
    exit 1
  fi
  echo "== SKIPPING browser tests: no Chromium at $CHROMIUM (set CHROMIUM_PATH, or apt-get install chromium)"
  browser_args=(-m "not browser")
fi

echo "== suite on SQLite"
unset TEST_DATABASE_URL_ACTIVE
"$PY" -m pytest -q "${parallel[@]}" "${browser_args[@]}" "$@" ${PYTEST_ARGS:-}

echo "== suite on PostgreSQL"
created=""
url="${TEST_DATABASE_URL:-}"
if [ -z "$url" ]; then
  if url=$("$PY" scripts/pg_test_db.py create); then
    created="$url"
  else
    if [ "$ci" = "true" ]; then
      echo "== CI: PostgreSQL is not reachable; that is a failure here" >&2
      exit 1
    fi
    echo "== SKIPPING the PostgreSQL run: no PostgreSQL answers at 127.0.0.1:5432 (set TEST_DATABASE_URL)"
    exit 0
  fi
fi
cleanup() { [ -n "$created" ] && "$PY" scripts/pg_test_db.py drop "$created" || true; }
trap cleanup EXIT
# Browser tests drive the app over HTTP, and the HTML check reads rendered pages: both are
# database-agnostic and ran above.
TEST_DATABASE_URL="$url" "$PY" -m pytest -q "${parallel[@]}" -m "not browser and not html" "$@" ${PYTEST_ARGS:-}
