#!/usr/bin/env bash
# Lighthouse 12.2.3 (mobile) on katapp's sign-in page, check-in page, and every page with charts:
# the patient's own progress page, a patient's dashboard and printable report (clinician), the
# caseload (sparklines) and the clinic overview (admin). Starts the app with gunicorn on a fresh demo database, signs in
# over HTTP and passes the session cookie to Lighthouse with --extra-headers.
#   bash bench/lighthouse/run.sh          (npm install runs here first if node_modules is missing)
# Env: CHROME_PATH (default /usr/bin/chromium), PORT (default 5077), OUT (default bench/out/lighthouse),
# RUNS (default 3: each page audited RUNS times, the median score printed, since Lighthouse's
# simulated throttling scales the CPU time it observes and a busy machine inflates it),
# DAYS (default 365: days of demo data per patient, a year as in bench.phone_charts),
# PAGES (default all: a space-separated subset of the page names below, e.g. "progress report").
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="$ROOT/.venv/bin/python"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
PORT="${PORT:-5077}"
BASE="http://127.0.0.1:$PORT"
OUT="${OUT:-$ROOT/bench/out/lighthouse}"
RUNS="${RUNS:-3}"
DAYS="${DAYS:-365}"
PAGES="${PAGES:-sign-in check-in progress patient-dashboard report caseload overview}"
PASSWORD="katapp-demo-password"
WORK="$(mktemp -d /tmp/katapp-lighthouse.XXXXXX)"
mkdir -p "$OUT"

[ -x "$HERE/node_modules/.bin/lighthouse" ] || (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)

export DATABASE_URL="sqlite:///$WORK/katapp.db" SECRET_KEY="lighthouse-only-$(date +%s)-not-a-secret" KATAPP_ENV=development RATELIMIT_ENABLED=false
cd "$ROOT"
"$ROOT/.venv/bin/flask" --app wsgi db upgrade >/dev/null
"$ROOT/.venv/bin/flask" --app wsgi demo-data --patients 12 --days "$DAYS" --password "$PASSWORD" >/dev/null
GUNICORN_ACCESS_LOG=0 "$ROOT/.venv/bin/gunicorn" --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --log-level warning wsgi:app &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done

PATIENT_COOKIE="$("$PY" "$HERE/session.py" "$BASE" patient1@demo.katapp.org "$PASSWORD")"
CLINICIAN_COOKIE="$("$PY" "$HERE/session.py" "$BASE" clinician1@demo.katapp.org "$PASSWORD")"
ADMIN_COOKIE="$("$PY" "$HERE/session.py" "$BASE" admin@demo.katapp.org "$PASSWORD")"
PATIENT_ID="$("$PY" - <<PY
import sqlite3; print(sqlite3.connect("$WORK/katapp.db").execute("select id from users where email='patient1@demo.katapp.org'").fetchone()[0])
PY
)"

audit() { # name path cookie run
  local name="$1" path="$2" cookie="$3" run="$4" headers="{}"
  case " $PAGES " in *" $name "*) ;; *) return 0;; esac
  echo "auditing $name (run $run of $RUNS)" >&2
  [ -n "$cookie" ] && headers="{\"Cookie\": \"$cookie\"}"
  "$HERE/node_modules/.bin/lighthouse" "$BASE$path" --quiet --form-factor=mobile \
    --only-categories=performance,accessibility,best-practices,seo \
    --extra-headers="$headers" --disable-storage-reset \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
    --output=json --output=html --output-path="$OUT/$name.$run" >/dev/null || {
    # On a very busy machine Chromium's trace sometimes comes back broken (NO_NAVSTART): that run is left out.
    echo "  $name run $run failed: left out of the median" >&2; rm -f "$OUT/$name.$run".report.*; return 0; }
  mv "$OUT/$name.$run.report.json" "$OUT/$name.$run.json"; mv "$OUT/$name.$run.report.html" "$OUT/$name.$run.html"
}
rm -f "$OUT"/*.json "$OUT"/*.html
for run in $(seq "$RUNS"); do
  audit sign-in /login "" "$run"
  audit check-in /checkin "$PATIENT_COOKIE" "$run"
  audit progress /progress "$PATIENT_COOKIE" "$run"
  audit patient-dashboard "/patients/$PATIENT_ID" "$CLINICIAN_COOKIE" "$run"
  audit report "/patients/$PATIENT_ID/report" "$CLINICIAN_COOKIE" "$run"
  audit caseload /caseload "$CLINICIAN_COOKIE" "$run"
  audit overview /clinic "$ADMIN_COOKIE" "$run"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$HERE/scores.py" "$OUT"/*.json
echo "reports: $OUT/*.html"
