# Coverdesk: `make demo` runs everything on SQLite; `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test test-sqlite test-postgres lint typecheck contracts migrations-check openapi openapi-check messages messages-check clean lock

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh

test: setup
	@bash scripts/test.sh

lint: setup
	$(BIN)/ruff check src benchmarks
	$(BIN)/ruff format --check src benchmarks

typecheck: setup
	$(BIN)/mypy

contracts: setup
	$(BIN)/lint-imports

openapi: setup
	$(BIN)/coverdesk openapi --write

messages: setup
	$(BIN)/coverdesk translations --update

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

lock:
	@rm -rf var/lock-venv && python3 -m venv var/lock-venv
	var/lock-venv/bin/pip install -q -e '.[dev,bench]'
	(echo "# Pinned versions for set-up and CI: regenerate with 'make lock' after changing pyproject.toml."; \
	 var/lock-venv/bin/pip freeze --exclude-editable | grep -v '^coverdesk') > requirements.lock
	rm -rf var/lock-venv
