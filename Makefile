# Two commands do all the set-up: `make run` and `make test`.
# Everything else is here for the people who work on Outturn.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STATIC_BUILD := build/static
export UV_PYTHON_DOWNLOADS := never

# `make quick` while working: the suite on SQLite without browsers, a real worker or the
# whole-data "DfE says" audit, on both cores (pytest-xdist). `make test` runs everything: on both cores too,
# then the tests that start real Celery workers on the shared broker, one after another.
.PHONY: install run test quick bench lint format check-static migrate demo clean requirements

install: $(VENV)/.installed $(STATIC_BUILD)/.built

# uv is bootstrapped into the venv so a fresh machine needs nothing but Python and pip.
$(VENV)/.installed: requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-dev.txt
	touch $@

# Third-party front-end code comes from its packages at install time, never from git.
# plotly's basic bundle (scatter, bar, pie, error bars) is every trace Outturn draws, at a
# quarter of the full bundle's size; it is pinned to the plotly.js the Python package targets.
$(STATIC_BUILD)/.built: package-lock.json frontend/outturn.scss $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(STATIC_BUILD)/govuk $(STATIC_BUILD)/vendor
	npx sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
		frontend/outturn.scss $(STATIC_BUILD)/govuk/outturn.css
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(STATIC_BUILD)/govuk/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC_BUILD)/govuk/
	cp node_modules/axe-core/axe.min.js $(STATIC_BUILD)/vendor/
	cp node_modules/plotly.js-basic-dist-min/plotly-basic.min.js $(STATIC_BUILD)/vendor/
	touch $@

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v 0

demo: migrate
	LOG_LEVEL=WARNING $(BIN)/python manage.py load_demo

# The embedded path: SQLite under var/, Celery tasks run eagerly in-process (no Redis).
run: demo
	@echo
	@echo "Outturn is starting on http://127.0.0.1:8000"
	@$(BIN)/python manage.py demo_logins
	@echo
	DEBUG=true LOG_FORMAT=console $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n 2 --dist worksteal -m "not worker"
	$(BIN)/pytest -m worker

quick: install
	$(BIN)/pytest -n 2 --dist worksteal -q -m "not browser and not worker and not audit"

# Issue 16's speed targets in one run (PostgreSQL and Redis as for .ci/run; about 10 minutes).
bench: install
	$(BIN)/python bench/speed.py

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin after editing pyproject.toml: names and versions only, no registry address.
requirements:
	$(BIN)/uv pip compile pyproject.toml -o requirements.txt --no-header --no-annotate -q
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements-dev.txt --no-header --no-annotate -q

clean:
	rm -rf $(VENV) build node_modules var
