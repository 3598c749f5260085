# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install bench lint typecheck format worker beat clean

$(BIN)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py demo_logins
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks run on PostgreSQL: DATABASE_URL if set, else a socialrx_bench database (created
# when missing; its data is replaced). Quick run: make bench BENCH_ARGS="--scale 0.01".
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/socialrx_bench)

bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.metrics $(BENCH_ARGS)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.directory $(DIRECTORY_BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/djlint templates --lint

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy socialrx referrals assets champions outcomes demo bench

worker: install
	$(BIN)/celery -A socialrx worker --loglevel=INFO

beat: install
	$(BIN)/celery -A socialrx beat --loglevel=INFO

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
