# Two commands do the whole set-up on a fresh Debian machine with Python 3.11+:
#   make run    install, then serve the API on SQLite with a demo bank (http://127.0.0.1:8000/docs);
#               `serve --demo` creates or migrates safeguarding.db, as `safeguarding db upgrade`
#               does: no other command creates or migrates a database
#   make test   install everything (PostgreSQL included), lint, type-check and run every test
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install system-deps run test lint typecheck pytest clean

# Debian's python3 has no venv module until python3-venv is installed: add it when needed.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV) && bash scripts/install-system-deps venv \
		&& $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps 'nudenet==3.4.2'
	touch $@

# axe-core for the accessibility tests (review pages and portal; one helper,
# tests/web/conftest.py), from npm at the version package-lock.json pins
AXE = tests/web/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/web/axe/package-lock.json
	command -v npm >/dev/null || bash scripts/install-system-deps npm
	cd tests/web/axe && npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed $(AXE)

system-deps:
	bash scripts/install-system-deps

# make run RESET_DEMO=1: a new admin password and demo API key (a plain second run makes none)
run: install
	@echo "serve --demo: creates or migrates the demo database (elsewhere: safeguarding db upgrade)"
	$(BIN)/safeguarding serve --demo$(if $(RESET_DEMO), --reset-demo)

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

typecheck: install
	$(BIN)/mypy

pytest: install system-deps
	SAFEGUARDING_REQUIRE_POSTGRES=1 $(BIN)/pytest --cov --cov-report=term

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
