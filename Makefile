# One entry point per thing a user does. Everything installs itself into .venv and frontend/node_modules.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run dev test test-python test-frontend test-e2e lint bench install frontend clean system-deps

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

frontend/node_modules/.installed: frontend/package.json
	cd frontend && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
	touch $@

frontend: frontend/node_modules/.installed
	cd frontend && npm run build

# The frontend is built when it exists; a checkout without frontend/package.json still runs the api.
FRONTEND_BUILD := $(if $(wildcard frontend/package.json),frontend,)
FRONTEND_DEPS := $(if $(wildcard frontend/package.json),frontend/node_modules/.installed,)

# Debian's Chromium renders crawls with render: "chromium" (and drives the e2e tests): installed
# by scripts/install-system-deps.sh, a no-op when it is there.
system-deps:
	bash scripts/install-system-deps.sh

run: install system-deps $(FRONTEND_BUILD)
	$(PY) -m scripts.supervisor

dev: install system-deps $(FRONTEND_DEPS)
	$(PY) -m scripts.supervisor --dev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test-python: install system-deps
	$(PY) -m pytest -q -p no:cacheprovider

test: install
	bash scripts/test-all.sh

test-frontend: frontend/node_modules/.installed
	cd frontend && npm run --silent lint && npm run --silent typecheck && npx vitest run

test-e2e: install frontend system-deps
	node --test --test-reporter=spec tests/e2e/

bench: install system-deps
	bash bench/run.sh

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
