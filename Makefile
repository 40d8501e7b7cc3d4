# StatMusePicks: `make run` serves the API and dashboard, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# openapi-typescript, pinned by frontend-types/package-lock.json (npm's registry, at install only).
TYPES_DIR := frontend-types
TYPES_STAMP := $(TYPES_DIR)/node_modules/.installed
TYPES_FILE := types/statmusepicks-api.d.ts
OPENAPI_TS := $(TYPES_DIR)/node_modules/.bin/openapi-typescript
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser nginx lint test test-all reliability fuzz run serve db data train train-quick bench backtest evaluate clean types types-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) $(TYPES_STAMP)

$(TYPES_STAMP): $(TYPES_DIR)/package-lock.json
	cd $(TYPES_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Regenerate the TypeScript types from the app's OpenAPI document (commit the result).
types: install
	$(BIN)/python -m statmusepicks.api.schema > $(TYPES_DIR)/openapi.json
	$(OPENAPI_TS) $(TYPES_DIR)/openapi.json --output $(TYPES_FILE)

# Fail when the committed types no longer match the API (run `make types`).
types-check: install
	$(BIN)/python -m statmusepicks.api.schema > $(TYPES_DIR)/openapi.json
	$(OPENAPI_TS) $(TYPES_DIR)/openapi.json --output $(TYPES_DIR)/check.d.ts >/dev/null
	diff -u $(TYPES_FILE) $(TYPES_DIR)/check.d.ts || \
		(echo "$(TYPES_FILE) is out of date with the API: run \`make types\`" >&2; exit 1)

# Browser tests drive Debian's chromium (no browser can be downloaded here).
browser:
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed: browser tests will be skipped")

# Blue-green tests put Debian's nginx in front of two instances.
nginx:
	@test -x /usr/sbin/nginx || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
		|| echo "nginx could not be installed: blue-green tests will be skipped")

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install browser lint types-check
	$(BIN)/pytest

test-all: install browser
	$(BIN)/pytest -m ""

# Fault and release tests: private PostgreSQL, Redis and nginx; each prints its counts.
reliability: install nginx
	$(BIN)/pytest -m reliability -s tests/reliability

# Schemathesis over the whole OpenAPI document with many examples per operation (0 server errors).
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/pytest -m fuzz -s tests/integration/api/test_fuzz.py

db: install
	$(BIN)/statmusepicks db upgrade

data: db
	$(BIN)/statmusepicks data load --if-empty

train-quick: data
	$(BIN)/statmusepicks train --quick --if-missing

run: train-quick
	$(BIN)/statmusepicks keys ensure-local
	$(BIN)/statmusepicks serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/statmusepicks serve --host $(HOST) --port $(PORT)

train: data
	$(BIN)/statmusepicks train

evaluate: data
	$(BIN)/statmusepicks evaluate

backtest: data
	$(BIN)/statmusepicks backtest --start 2025-10-21 --end 2025-11-14 --strategy all --output var/backtests/latest

bench: data
	$(BIN)/pytest -m bench -s benchmarks

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
