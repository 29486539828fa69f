# The project's commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
BACKEND := backend
VENV := $(BACKEND)/.venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
BENCH_STAMP := $(VENV)/.bench-installed
NODE_STAMP := node_modules/.package-lock.json

.PHONY: help run test lint format typecheck check-python migrate json-server clean bench bench-smoke check-wrk

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

test: $(DEV_STAMP) $(NODE_STAMP) lint typecheck bench-smoke ## Lint, type-check and run every test with coverage
	cd $(BACKEND) && ../$(PY) -m pytest --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

lint: $(DEV_STAMP) ## ruff lint and format check
	cd $(BACKEND) && ../$(PY) -m ruff check . && ../$(PY) -m ruff format --check .

format: $(DEV_STAMP) ## Apply ruff's fixes and formatting
	cd $(BACKEND) && ../$(PY) -m ruff check --fix . && ../$(PY) -m ruff format .

typecheck: $(DEV_STAMP) ## mypy --strict
	cd $(BACKEND) && ../$(PY) -m mypy app tests $(if $(wildcard $(BACKEND)/scripts/*.py),scripts)

migrate: $(RUNTIME_STAMP) ## Apply pending database migrations
	cd $(BACKEND) && ../$(PY) -c 'from app.runner import migrate_only; migrate_only()'

.PHONY: migrate-data
migrate-data: $(RUNTIME_STAMP) ## Move DB_JSON=path/to/db.json's patients into PostgreSQL (MIGRATE_ARGS=--help)
	@test -n "$(DB_JSON)" || { echo "Usage: make migrate-data DB_JSON=path/to/db.json [MIGRATE_ARGS='--replace ...']" >&2; exit 2; }
	cd $(BACKEND) && ../$(PY) -m scripts.migrate_db_json "$(abspath $(DB_JSON))" $(MIGRATE_ARGS)

json-server: $(NODE_STAMP) ## Serve db.json with json-server 0.17.4 on port 3001, for comparison
	npm run json-server

.PHONY: transcripts
transcripts: $(DEV_STAMP) $(NODE_STAMP) ## Record json-server's answers to the contract cases (tests/contract/transcripts)
	cd $(BACKEND) && ../$(PY) -m scripts.record_transcripts

.PHONY: serve-prod
serve-prod: $(RUNTIME_STAMP) ## Rehearse the Render deploy: render.yaml's build, pre-deploy, start
	cd $(BACKEND) && CORS_ORIGINS="$${CORS_ORIGINS:-http://localhost:3000}" ../$(PY) -m scripts.serve_prod

clean: ## Remove the virtual environment, node_modules and the embedded database
	rm -rf $(VENV) node_modules $(BACKEND)/.data

$(BENCH_STAMP): $(BACKEND)/requirements.txt $(BACKEND)/requirements-bench.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(BACKEND)/requirements-bench.txt
	@touch $@

check-wrk:
	@command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench: $(DEV_STAMP) $(BENCH_STAMP) $(NODE_STAMP) check-wrk ## Load-test against json-server; writes docs/benchmarks.md (BENCH_ARGS=--help)
	cd $(BACKEND) && ../$(PY) -m scripts.bench $(BENCH_ARGS)

bench-smoke: $(DEV_STAMP) $(NODE_STAMP) check-wrk ## The benchmark in seconds on tiny data; fails if a request errors
	cd $(BACKEND) && ../$(PY) -m scripts.bench --smoke
