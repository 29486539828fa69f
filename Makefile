# The project's commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
BACKEND := backend
VENV := $(BACKEND)/.venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
NODE_STAMP := node_modules/.package-lock.json

.PHONY: help run test lint format typecheck check-python migrate json-server clean

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...).")'

$(VENV)/bin/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip

$(RUNTIME_STAMP): $(BACKEND)/requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(BACKEND)/requirements.txt
	@touch $@

$(DEV_STAMP): $(BACKEND)/requirements.txt $(BACKEND)/requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(BACKEND)/requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: contract tests will use the recorded json-server transcripts."; fi
	@touch $@

run: $(RUNTIME_STAMP) ## Serve on http://127.0.0.1:3000 (embedded PostgreSQL unless DATABASE_URL is set)
	cd $(BACKEND) && ../$(PY) -m app.runner

test: $(DEV_STAMP) $(NODE_STAMP) lint typecheck ## Lint, type-check and run every test with coverage
	cd $(BACKEND) && ../$(PY) -m pytest --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

lint: $(DEV_STAMP) ## ruff lint and format check
	cd $(BACKEND) && ../$(PY) -m ruff check . && ../$(PY) -m ruff format --check .

format: $(DEV_STAMP) ## Apply ruff's fixes and formatting
	cd $(BACKEND) && ../$(PY) -m ruff check --fix . && ../$(PY) -m ruff format .

typecheck: $(DEV_STAMP) ## mypy --strict
	cd $(BACKEND) && ../$(PY) -m mypy app tests $(if $(wildcard $(BACKEND)/scripts/*.py),scripts)

migrate: $(RUNTIME_STAMP) ## Apply pending database migrations
	cd $(BACKEND) && ../$(PY) -c 'from app.runner import migrate_only; migrate_only()'

json-server: $(NODE_STAMP) ## Serve db.json with json-server 0.17.4 on port 3001, for comparison
	npm run json-server

clean: ## Remove the virtual environment, node_modules and the embedded database
	rm -rf $(VENV) node_modules $(BACKEND)/.data
