# StatMusePicks: `make run` serves the API and dashboard, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser nginx lint test test-all reliability run serve db data train train-quick bench backtest evaluate clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

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

test: install browser lint
	$(BIN)/pytest

test-all: install browser
	$(BIN)/pytest -m ""

# Fault and release tests: private PostgreSQL, Redis and nginx; each prints its counts.
reliability: install nginx
	$(BIN)/pytest -m reliability -s tests/reliability

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
