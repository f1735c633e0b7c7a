# errortrack: `make run` serves it, `make test` tests it. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
ORG ?= demo
PROJECT ?= demo
PYTEST_ARGS ?=
LOCK_ARGS ?=
export HOST PORT

.PHONY: run test test-fast install install-test lint bench lock clean chromium

# Installs come from the lock files in requirements/ (exact versions, with hashes), then the
# project itself without dependencies; `pip check` fails when pyproject.toml asks for something
# the lock lacks (run `make lock`). The stamp files record what was installed.
$(VENV)/.installed: requirements/base.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r requirements/base.txt
	$(PIP) --no-deps -e .
	$(PY) -m pip check --disable-pip-version-check
	@touch $@

$(VENV)/.installed-test: requirements/test.txt $(VENV)/.installed
	$(PIP) --require-hashes -r requirements/test.txt
	$(PY) -m pip check --disable-pip-version-check
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

# The fast tests only: no end-to-end tests (marker e2e, tests/e2e/: real servers, SDKs, CLIs, the
# browser), so neither npm nor Chromium is needed.
test-fast: $(VENV)/.installed-test
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

# Style (ruff), the import contract of ../shared/ARCHITECTURE.md (import-linter) and the types
# (mypy with the Django and DRF plugins); all configured in pyproject.toml.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: install-test
	$(PY) bench/health_throughput.py

# Regenerate the lock files after changing a range in pyproject.toml: requirements/base.txt
# ([project.dependencies]) and requirements/test.txt (plus the test extra, constrained to the
# same versions), compiled by pip-tools' pip-compile for this Python (3.11, Linux x86_64) with
# the hashes of every file of each pinned release and no index URL. pip-tools gets a venv of its
# own (.venv/lock-tool), apart from the project's packages. Pins that still fit are kept:
# `make lock LOCK_ARGS=--upgrade` moves all to the newest release in range,
# `make lock LOCK_ARGS="--upgrade-package django"` one.
LOCK_VENV ?= $(VENV)/lock-tool
PIP_COMPILE := $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --no-emit-index-url \
	--no-emit-find-links --strip-extras --allow-unsafe $(LOCK_ARGS)
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check pip-tools==7.6.2; }
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) -o requirements/base.txt pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) --extra test -c requirements/base.txt -o requirements/test.txt pyproject.toml

clean:
	rm -rf $(VENV) node_modules data artifacts .pytest_cache .ruff_cache
