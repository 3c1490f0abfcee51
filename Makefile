# The two commands of the README are `make up` and `make test`; the rest are for day-to-day work.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export B2_VENV := $(abspath $(VENV))

.PHONY: up install test unit integration status logs down clean lint fmt bench

up: install  ## install everything and bring the stack up (idempotent)
	$(PY) -m b2stack up

install:  ## Debian packages, venv, the project and its dependencies
	bash b2stack/install.sh $(VENV)

test:  ## unit tests + integration tests against the live stack (started if not running)
	$(PY) -m pytest tests

unit:
	$(PY) -m pytest tests/unit

integration:
	$(PY) -m pytest tests/integration

status:
	@$(PY) -m b2stack status

logs:
	@$(PY) -m b2stack logs $(C)

down:
	$(PY) -m b2stack down

clean:  ## stop the stack, drop its own databases and remove .stack
	$(PY) -m b2stack clean

lint:
	$(VENV)/bin/ruff check src tests b2stack benchmarks
	$(VENV)/bin/black --check --line-length 120 src tests b2stack benchmarks

fmt:
	$(VENV)/bin/ruff check --fix src tests b2stack benchmarks
	$(VENV)/bin/black --line-length 120 src tests b2stack benchmarks

bench:  ## performance figures (not part of the tests)
	$(PY) -m benchmarks.run
