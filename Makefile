# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ORDERS_DB ?= data/orders.duckdb
DEMO_ORDERS ?= 100000
PORT ?= 8501
export ORDERS_DB

.PHONY: run test test-fast checks install install-test browser tools demo bench bench-10m lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[demo]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(ORDERS_DB): | $(VENV)/.installed
	$(BIN)/orders-core demo --orders $(DEMO_ORDERS) --db $(ORDERS_DB)

demo: $(ORDERS_DB)

# Serves on 127.0.0.1 (ORDERS_ADDRESS=<LAN address> to serve further); with no [auth] in
# .streamlit/secrets.toml it signs in through a local demo identity provider (orders_core/serve.py).
run: install demo
	$(BIN)/python -m orders_core.serve --port $(PORT)

# The PDF tools the tests read labels, picking lists and manifests with (zbarimg decodes their barcodes).
tools:
	@bash scripts/ensure-tools.sh

browser:
	@bash scripts/ensure-chromium.sh $(BIN)/python
	@bash scripts/ensure-axe.sh

# The static checks both test targets run first: ruff, the packages' layers (lint-imports) and no import
# cycle between modules (scripts/import_cycles.py).
checks: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/import_cycles.py

# What CI runs (.ci/run): the checks, then the whole suite, browser tests included.
test: checks browser tools
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The checks, then the suite without the browser tests (no Chromium needed).
test-fast: checks tools
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not browser"

bench: install-test
	$(BIN)/python -m bench.run_all

# The index, Metrics and monthly reports on 1,000,000 and 10,000,000 orders side by side (DuckDB;
# BENCH_POSTGRES=1 adds PostgreSQL). Builds the 10,000,000-order demo once (a few minutes).
bench-10m: install-test
	$(BIN)/python -m bench.scale_10m $(if $(BENCH_POSTGRES),--postgres)

lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
