# errortrack: `make run` serves it, `make test` tests it. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
ORG ?= demo
PROJECT ?= demo
PYTEST_ARGS ?=
export HOST PORT

.PHONY: run test install install-test lint bench clean chromium

# Re-install when pyproject.toml changes; the stamp files record what was installed.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed

# Browser tests drive Debian's Chromium (never a downloaded browser); installed when missing.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

install-test: $(VENV)/.installed-test node_modules/.installed chromium

# Migrate, create the demo org/project on first run, print DSN and login, then serve:
# embedded (no REDIS_URL): one process; scale-out: web + Celery worker + beat as children.
run: install
	$(PY) manage.py bootstrap --org $(ORG) --project $(PROJECT) --if-empty
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# SQLite and embedded by default; set DATABASE_URL and REDIS_URL for PostgreSQL, Redis, Celery.
test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

# Style (ruff), the import contract of ../shared/ARCHITECTURE.md (import-linter) and the types
# (mypy with the Django and DRF plugins); all configured in pyproject.toml.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: install-test
	$(PY) bench/health_throughput.py

clean:
	rm -rf $(VENV) node_modules data artifacts .pytest_cache .ruff_cache
