# katapp: the README's commands. `make run` serves the demo clinic as production does (gunicorn);
# `make dev` with Flask's reloading server; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
VNU_JAR := tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run dev test test-fast bench lighthouse lint assets vnu icons setup clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

assets: $(VENV)/.runtime
	$(PY) scripts/vendor_assets.py
	$(PY) scripts/precompress.py

# The Nu HTML Checker, pinned in tools/vnu/package-lock.json (tests/security/test_nu_html.py runs it
# with the system's Java; --ignore-scripts: its install script would fetch a Java runtime of its own).
$(VNU_JAR): tools/vnu/package.json tools/vnu/package-lock.json
	@command -v npm >/dev/null || { echo "the HTML check needs npm (apt-get install npm)" >&2; exit 1; }
	cd tools/vnu && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

vnu: $(VNU_JAR)

setup: assets
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty

# gunicorn (gunicorn.conf.py: workers and threads sized to the machine), the app's own headers and
# compression: what production serves.
run: setup
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

# Flask's development server, reloading on every code change.
dev: setup
	$(FLASK) run --reload --host $(HOST) --port $(PORT)

test: lint assets vnu
	bash scripts/run_tests.sh

# The suite once, on SQLite, without the browser tests (quick local loop).
test-fast: $(VENV)/.dev assets
	$(PY) -m pytest -q -m "not browser" $(ARGS)

# Every figure of issue #16 (bench/__main__.py); needs wrk (installed with apt-get when missing and root).
bench: $(VENV)/.dev assets
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get install -y -q wrk; } || { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(PY) -m bench

# Mobile Lighthouse scores of the sign-in, check-in and every chart page, median of RUNS (default 3) runs
# with FCP, LCP, TBT, CLS (needs npm: installs lighthouse 12.2.3 into bench/lighthouse; PAGES, DAYS: see run.sh).
lighthouse: $(VENV)/.runtime assets
	bash bench/lighthouse/run.sh

# Static checks: ruff (incl. the S and B rule sets) and bandit. `make test` runs them first, so CI does.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check katapp tests bench scripts config.py wsgi.py
	$(VENV)/bin/bandit -r katapp -q

icons: | $(VENV)/bin/python
	$(PY) scripts/make_icons.py

clean:
	rm -rf $(VENV) katapp/static/vendor .pytest_cache
