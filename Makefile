# The Scent: `make run` serves the shop with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
# Django 6.1 needs Python 3.12+. Prefer 3.13, then 3.12; pyenv installs are found directly
# because their shims refuse versions that are not "global".
PYTHON ?= $(shell for v in 3.13 3.12; do \
	  for c in python$$v $$HOME/.pyenv/versions/$$v*/bin/python$$v /usr/local/bin/python$$v /usr/bin/python$$v; do \
	    if "$$c" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then echo "$$c"; exit 0; fi; \
	  done; done)
PORT ?= 8000
export PYTHONUNBUFFERED := 1

.PHONY: help install run seed test test-sqlite test-mariadb test-postgres lint format clean lock storage bench bench-checkout rehearse

help:
	@echo "make run    - install, migrate, seed demo data and serve on http://127.0.0.1:$(PORT) (web + worker + scheduler)"
	@echo "make test   - run the whole test suite (SQLite, MariaDB, PostgreSQL, Redis, browser)"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - storefront throughput with wrk, demo vs 100,000 products (BENCH_ARGS=...)"
	@echo "make rehearse - two app nodes, workers, schedulers behind nginx under six faults (REHEARSE_ARGS=...)"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 or newer is required (Django 6.1). Install python3.13 or python3.12 and retry, or run: make PYTHON=/path/to/python3.12" >&2; \
	  exit 1; \
	fi
	"$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are pinned by constraints.txt (the lock); the stamp re-runs pip when either changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	@scripts/ensure-system-packages libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core || \
	  echo "warning: invoice PDFs (WeasyPrint) need Debian's libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" >&2
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

$(VENV)/.installed-mysql: $(VENV)/.installed
	@scripts/ensure-system-packages libmariadb-dev pkg-config
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,mysql]'
	@touch $@

storage:
	@mkdir -p storage/app/public storage/logs storage/framework

run: install storage
	$(BIN)/scent migrate --noinput
	$(BIN)/scent seed --if-empty
	@echo "The Scent: http://127.0.0.1:$(PORT)  (admin: create a login with '$(BIN)/scent createsuperuser'; Ctrl-C stops everything)"
	PORT=$(PORT) PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start -f Procfile

seed: install storage
	$(BIN)/scent seed

# The suite runs whole on SQLite (browser and deployment tests included), again on MariaDB
# (the guide's production database; everything that touches the database), and the
# database-specific tests (row locks, concurrent buyers, queue workers, date grouping) on
# PostgreSQL too.
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadgroup
PG_TESTS := tests/orders/test_concurrency.py tests/cart/test_concurrency.py \
	tests/payments/test_concurrency.py tests/accounts/test_services.py tests/ops/test_queue.py \
	tests/ops/test_worker.py tests/ops/test_scheduler_processes.py tests/dashboard/test_selectors.py \
	tests/catalog/test_migrations.py tests/catalog/test_search.py tests/catalog/test_did_you_mean.py \
	tests/catalog/test_list_plans.py tests/catalog/test_list_sorts_and_pages.py

test: $(VENV)/.installed-mysql
	@scripts/test-services
	$(MAKE) --no-print-directory test-sqlite test-mariadb test-postgres

test-sqlite:
	$(PYTEST) $(PYTEST_ARGS)

# The slow Redis-queue tests (real workers killed mid-job) do not depend on the database:
# they run once, in the SQLite pass.
test-mariadb:
	DB_CONNECTION=mariadb DB_DATABASE=the_scent $(PYTEST) -m "not browser and not (redis and slow)" \
	  --ignore=tests/deploy --ignore=tests/e2e $(PYTEST_ARGS)

test-postgres:
	DB_CONNECTION=pgsql DB_USERNAME=postgres DB_DATABASE=the_scent $(PYTEST) -m "not browser" \
	  $(PG_TESTS) $(PYTEST_ARGS)

# Storefront throughput (wrk against gunicorn): `make bench BENCH_ARGS="--db mariadb --redis"`.
BENCH_ARGS ?= --products 100000
bench: install
	@command -v wrk >/dev/null || scripts/ensure-system-packages wrk
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Checkout throughput (shoppers through the HTTP flow, then place_order alone), checked on
# the database: `make bench-checkout BENCH_CHECKOUT_ARGS="--db mariadb"`.
BENCH_CHECKOUT_ARGS ?=
bench-checkout: install
	$(BIN)/python bench/checkout.py $(BENCH_CHECKOUT_ARGS)

# The multi-node rehearsal: two app nodes behind nginx, two workers, two schedulers, MariaDB,
# Redis and SMTP of its own on loopback, shoppers and buyers while six faults strike; checks
# orders, stock and e-mail: `make rehearse REHEARSE_ARGS="--buyers 8 --smtp-outage 30"`.
REHEARSE_ARGS ?=
rehearse: $(VENV)/.installed-mysql
	@scripts/ensure-system-packages mariadb-server redis-server nginx-light openssl
	$(BIN)/python scripts/rehearse.py $(REHEARSE_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the lock after changing pyproject.toml dependencies.
lock: $(BIN)/python
	rm -rf $(VENV)-lock && "$(PYTHON)" -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet -e '.[dev,mysql]'
	$(VENV)-lock/bin/pip freeze --exclude-editable | sort > constraints.txt
	rm -rf $(VENV)-lock

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
