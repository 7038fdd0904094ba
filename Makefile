# One entry point per thing a user does. Everything installs itself into .venv and frontend/node_modules.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run dev test test-python test-frontend test-e2e lint bench install frontend clean

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

run: install frontend
	$(PY) -m scripts.supervisor

dev: install frontend/node_modules/.installed
	$(PY) -m scripts.supervisor --dev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test-python: install
	$(PY) -m pytest -q -p no:cacheprovider

test: install
	bash scripts/test-all.sh

bench: install
	bash bench/run.sh

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
