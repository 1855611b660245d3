# The two commands the README shows: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Leaflet for the maps, from the root package-lock.json; Signpost serves it itself (no CDN).
# Without npm the site runs as usual, just without maps.
LEAFLET := node_modules/.installed

$(LEAFLET): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@ \
			|| echo "npm ci failed: Signpost will run without maps until it succeeds"; \
	else \
		echo "npm not found: Signpost will run without maps (apt-get install npm, then make run again)"; \
	fi

run: $(VENV)/.installed $(LEAFLET)
	$(BIN)/signpost setup
	$(BIN)/signpost serve

# axe-core for the browser accessibility tests, from tests/browser/package-lock.json.
# Without npm the browser tests skip, saying how to install it.
AXE := tests/browser/node_modules/.installed

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: browser accessibility tests will skip (apt-get install npm)"; \
	fi

# ruff first: its checks and its formatting (a finding, or a file `ruff format` would change, fails
# the run). Then the suite on SQLite, on two processes, a test file to each (tests/conftest.py groups
# them), measuring coverage of directory, importers and search: below the floor in pyproject.toml
# ([tool.coverage.report] fail_under) the run fails. Then the PostgreSQL-only tests, in one process
# (each wipes the one database SIGNPOST_TEST_DATABASE_URL names; without it they skip, saying so).
# Then the date-sensitive tests again as if today were awkward dates (year end, leap day, both clock
# changes), then the suite again on PostgreSQL when SIGNPOST_TEST_DATABASE_URL is set, without the
# browser tests (they drive the same pages the PostgreSQL pass already requests) and the
# PostgreSQL-only tests (they have run).
FIRST_PASS := -n 2 --dist loadgroup --cov --cov-report=term -m "not postgres"

test: $(VENV)/.installed-test $(AXE) $(LEAFLET)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(FIRST_PASS) $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m postgres $(PYTEST_ARGS)
	$(BIN)/python scripts/test_at_dates.py $(PYTEST_ARGS)
	@if [ -n "$$SIGNPOST_TEST_DATABASE_URL" ]; then \
		echo "== The suite again on PostgreSQL (SIGNPOST_TEST_DB=postgres), without the browser tests =="; \
		SIGNPOST_TEST_DB=postgres $(BIN)/python -m pytest -m "not browser and not postgres" $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL pass skipped: set SIGNPOST_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/signpost_test (a database the tests may wipe) to run the suite on PostgreSQL too =="; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache .coverage .coverage.*
