# Ecluse — one entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= .demo
DEMO_ARGS ?=
PYTEST_ARGS ?=
# Installs are reproducible: every version is pinned in constraints.txt (`make lock`).
INSTALL_STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: help install demo test lint format bench lock clean browsers screenshots

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

# Byte-compiled once here: uv installs no .pyc files, and where PYTHONDONTWRITEBYTECODE is set
# (or the tree is read-only) every process would otherwise compile every module it imports, each
# time it starts: 6 s to import the API and CLI on a 2-core machine, 1.7 s compiled. Every CLI
# command, server worker, ledger writer and import worker starts that much sooner.
COMPILE := $(BIN)/python -m compileall -q -j 0

$(INSTALL_STAMP): $(BIN)/uv pyproject.toml constraints.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[dev]"
	$(COMPILE) "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" > /dev/null
	rm -f $(VENV)/.installed-* && touch $@

install: $(INSTALL_STAMP) ## Create .venv and install Ecluse with its dev extras (pinned)

demo: $(INSTALL_STAMP) ## Seed a synthetic Belgian operator in $(DEMO_DIR) and serve it
	$(COMPILE) src > /dev/null
	rm -rf $(DEMO_DIR)
	$(BIN)/ecluse --data-dir $(DEMO_DIR) demo $(DEMO_ARGS)

browsers: ## Install Debian's Chromium for the console's browser tests (if missing)
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

test: $(INSTALL_STAMP) browsers ## Run every test (SQLite and PostgreSQL, 2 xdist workers), lint and type checks
	$(COMPILE) src > /dev/null
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup --durations=20 $(PYTEST_ARGS)

screenshots: $(INSTALL_STAMP) browsers ## Refresh docs/screenshots/ from the console's browser tests
	ECLUSE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -m browser tests/web

lint: $(INSTALL_STAMP) ## ruff (lint + format check) and mypy --strict on the core
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(INSTALL_STAMP) ## Reformat and auto-fix with ruff
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(INSTALL_STAMP) ## Run the benchmarks in bench/ (figures go to docs/benchmarks.md)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lock: $(BIN)/uv ## Re-pin every dependency into constraints.txt
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --extra spark -o constraints.txt

clean: ## Remove the virtualenv, caches and the demo data directory
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
	find src tests bench -name __pycache__ -type d -prune -exec rm -rf {} +
