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
E2E_STAMP := $(VENV)/.e2e-installed
NODE_STAMP := node_modules/.package-lock.json

.PHONY: help run test test-embedded lint format typecheck check-python migrate json-server clean bench bench-smoke check-wrk chaos

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

# Playwright's Python package only (no browser): `make typecheck` checks the browser tests too.
$(E2E_STAMP): $(BACKEND)/requirements.txt $(BACKEND)/requirements-dev.txt $(BACKEND)/requirements-e2e.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(BACKEND)/requirements-e2e.txt
	@touch $@ $(DEV_STAMP) $(RUNTIME_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: contract tests will use the recorded json-server transcripts."; fi
	@touch $@

run: $(RUNTIME_STAMP) ## Serve on http://127.0.0.1:3000 (embedded PostgreSQL unless DATABASE_URL is set)
	cd $(BACKEND) && ../$(PY) -m app.runner

test: $(DEV_STAMP) $(NODE_STAMP) lint typecheck bench-smoke ## Lint, type-check and run every test with coverage
	cd $(BACKEND) && ../$(PY) -m pytest --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

test-embedded: $(DEV_STAMP) $(NODE_STAMP) ## Every test on a throw-away embedded PostgreSQL 18, the production major version
	cd $(BACKEND) && ../$(PY) -m scripts.embedded_test_server $(PYTEST_ARGS)

chaos: $(DEV_STAMP) ## Faults under load: a worker killed and PostgreSQL restarted mid-run (about a minute)
	cd $(BACKEND) && ../$(PY) -m pytest tests/chaos -m chaos -s -p no:cacheprovider $(PYTEST_ARGS)

lint: $(DEV_STAMP) ## ruff lint and format check
	cd $(BACKEND) && ../$(PY) -m ruff check . && ../$(PY) -m ruff format --check .

format: $(DEV_STAMP) ## Apply ruff's fixes and formatting
	cd $(BACKEND) && ../$(PY) -m ruff check --fix . && ../$(PY) -m ruff format .

typecheck: $(DEV_STAMP) $(E2E_STAMP) ## mypy --strict
	cd $(BACKEND) && ../$(PY) -m mypy app tests $(if $(wildcard $(BACKEND)/scripts/*.py),scripts)

migrate: $(RUNTIME_STAMP) ## Apply pending database migrations
	cd $(BACKEND) && ../$(PY) -c 'from app.runner import migrate_only; migrate_only()'

.PHONY: migrate-data
migrate-data: $(RUNTIME_STAMP) ## Move every collection of DB_JSON=path/to/db.json into PostgreSQL (MIGRATE_ARGS=--help)
	@test -n "$(DB_JSON)" || { echo "Usage: make migrate-data DB_JSON=path/to/db.json [MIGRATE_ARGS='--replace ...']" >&2; exit 2; }
	cd $(BACKEND) && ../$(PY) -m scripts.migrate_db_json "$(abspath $(DB_JSON))" $(MIGRATE_ARGS)

json-server: $(NODE_STAMP) ## Serve db.json with json-server 0.17.4 on port 3001, for comparison
	npm run json-server

.PHONY: transcripts
transcripts: $(DEV_STAMP) $(NODE_STAMP) ## Record json-server's answers to the contract cases (tests/contract/transcripts)
	cd $(BACKEND) && ../$(PY) -m scripts.record_transcripts $(SEEDS)

.PHONY: history restore audit
history: $(RUNTIME_STAMP) ## A record's versions, newest first: make history C=patients ID=1
	@test -n "$(C)" || { echo "Usage: make history C=<collection> [ID=<id>]" >&2; exit 2; }
	cd $(BACKEND) && ../$(PY) -m app.operator history "$(C)" $(if $(ID),"$(ID)")

restore: $(RUNTIME_STAMP) ## Restore (or undelete) a version: make restore C=patients ID=1 VERSION=2
	@test -n "$(C)" -a -n "$(VERSION)" || { echo "Usage: make restore C=<collection> [ID=<id>] VERSION=<n>" >&2; exit 2; }
	cd $(BACKEND) && ../$(PY) -m app.operator restore "$(C)" $(if $(ID),"$(ID)") --version "$(VERSION)"

audit: $(RUNTIME_STAMP) ## Audit entries as JSON lines (AUDIT_ARGS='--collection patients --id 1 --since 2026-11-01')
	cd $(BACKEND) && ../$(PY) -m app.operator audit $(AUDIT_ARGS)

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

bench: $(DEV_STAMP) $(BENCH_STAMP) $(NODE_STAMP) check-wrk ## Load-test against json-server; writes docs/benchmarks.md and docs/benchmarks-history.md (BENCH_ARGS=--help)
	cd $(BACKEND) && ../$(PY) -m scripts.bench $(BENCH_ARGS)
	cd $(BACKEND) && ../$(PY) -m scripts.bench_history

.PHONY: bench-history
bench-history: $(DEV_STAMP) check-wrk ## What record history and the audit log cost (req/s, p50/p99, bytes); writes docs/benchmarks-history.md
	cd $(BACKEND) && ../$(PY) -m scripts.bench_history $(BENCH_HISTORY_ARGS)

bench-smoke: $(DEV_STAMP) $(NODE_STAMP) check-wrk ## The benchmark in seconds on tiny data; fails if a request errors
	cd $(BACKEND) && ../$(PY) -m scripts.bench --smoke

CHROMIUM := /usr/bin/chromium

check-chromium:
	@test -x $(CHROMIUM) || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

.PHONY: e2e demo check-chromium
e2e: $(E2E_STAMP) $(NODE_STAMP) check-chromium ## The front end in Chromium against json-server and the service, step by step
	cd $(BACKEND) && ../$(PY) -m pytest tests/e2e $(E2E_ARGS)

demo: $(RUNTIME_STAMP) $(NODE_STAMP) ## The front end and the service on the embedded database with db.json; prints the URL
	cd $(BACKEND) && ../$(PY) -m scripts.demo
