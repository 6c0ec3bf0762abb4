# Bahali: two commands on a fresh machine with Python 3.11, make, Node.js/npm and git.
#   make demo   install everything, load synthetic demo data, serve on http://127.0.0.1:8000
#               with the background worker beside it
#               (another port: make demo PORT=8001)
#   make test   install everything, run the whole test suite (SQLite, or DATABASE_URL)

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock package-lock.json pyproject.toml tools/enketo/* | cksum | cut -d' ' -f1)

.PHONY: install demo serve test fuzz lint browser-deps screenshots messages openapi clean

$(STAMP): requirements.lock package-lock.json pyproject.toml $(wildcard tools/enketo/*)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# The worker (background jobs: exports, imports, reports) runs beside the server and stops
# with it.
demo: install
	$(BIN)/bahali demo
	$(BIN)/bahali worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/bahali serve 127.0.0.1:$(PORT)

serve: install
	$(BIN)/bahali serve 127.0.0.1:$(PORT)

# Browser tests drive Debian's Chromium; install it when we may (root with apt-get).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }; \
	  else echo "Chromium is needed for the browser tests: install the 'chromium' package."; exit 1; fi; }

# PYTEST_ARGS narrows a run (CI splits the PostgreSQL pass in two: `make test PYTEST_ARGS=src`).
test: install browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# The API fuzz run of the test suite, longer and with fresh randomness each time:
# `make fuzz` (200 examples per operation and role), or `make fuzz FUZZ_EXAMPLES=1000`.
FUZZ_EXAMPLES ?= 200
fuzz: install
	BAHALI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:logging src/bahali/api/tests/test_fuzz.py

lint: install
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks
	$(BIN)/mypy
	$(BIN)/bahali makemigrations --check --dry-run

# Regenerate committed artefacts: translations (needs GNU gettext), the OpenAPI document,
# and the README screenshots.
messages: install
	cd src/bahali && ../../$(BIN)/bahali makemessages -l ur -l ps --no-obsolete --no-location
	cd src/bahali && ../../$(BIN)/bahali compilemessages

openapi: install
	$(BIN)/python tools/export_openapi.py > docs/api/openapi.json

screenshots: install browser-deps
	BAHALI_SCREENSHOTS=1 $(BIN)/pytest tests/browser/test_screenshots.py

clean:
	rm -rf $(VENV) node_modules var/static
