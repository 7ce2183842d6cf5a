# Fangxian: `make run` starts the platform with a demo university; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-python bench lint migrate demo messages clean help
.DEFAULT_GOAL := help

help:
	@echo "make run     start Fangxian on http://127.0.0.1:8000 with a demo university (SQLite, job consumer)"
	@echo "make test    install what the tests need and run lint, migration, translation and import checks, and pytest"
	@echo "make bench   run the benchmarks (prints 'bench: NAME = VALUE UNIT' lines)"
	@echo "make messages  refresh and compile the translation catalogues"

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Fangxian needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt requirements-ldap.txt
	./scripts/ensure-test-system.sh  # python-ldap builds against the LDAP headers it installs
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18 or newer"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

fangxian/static/vendor/.stamp: node_modules/.package-lock.json scripts/vendor.py $(VENV)/.runtime
	$(PY) scripts/vendor.py

fangxian/locale/.compiled: $(VENV)/.runtime $(shell find fangxian -name '*.po' 2>/dev/null)
	$(PY) scripts/compile_messages.py
	touch $@

deps: $(VENV)/.runtime fangxian/static/vendor/.stamp fangxian/locale/.compiled

run: deps
	FANGXIAN_DEBUG=1 FANGXIAN_DEMO=1 $(MANAGE) migrate --no-input -v 0
	FANGXIAN_DEBUG=1 FANGXIAN_DEMO=1 $(MANAGE) seed_demo --if-empty
	FANGXIAN_DEBUG=1 FANGXIAN_DEMO=1 $(MANAGE) serve

test: deps $(VENV)/.dev
	./scripts/ensure-test-system.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=fangxian.settings_test $(MANAGE) makemigrations --check --dry-run
	$(PY) scripts/check_translations.py
	$(VENV)/bin/lint-imports --no-logo  # the import rules of DESIGN (.importlinter)
	$(MAKE) --no-print-directory test-python

# The suite on pytest-xdist workers, each with a database of its own (SQLite: a file named by
# the worker's pid; PostgreSQL: test_<name>_gwN). The browser tests are one group on one
# worker (conftest.py). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
test-python:
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: deps $(VENV)/.dev
	./scripts/ensure-test-system.sh bench
	$(PY) -m bench $(BENCH_ARGS)

messages: $(VENV)/.dev
	$(PY) scripts/check_translations.py --update
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) node_modules fangxian/static/vendor var/staticfiles

# The operations drill (docs/RUNBOOK.md): needs PostgreSQL on 127.0.0.1:5432; starts its own Redis.
drill: deps $(VENV)/.dev
	./scripts/ensure-test-system.sh drill
	$(PY) scripts/drill.py
