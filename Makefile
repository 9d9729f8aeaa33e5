# Kith: the two commands a new user needs are `make run` and `make test`.
# Both work on a fresh machine with only Python 3.11 installed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
# Tests run on every core (pytest-xdist); PYTEST_ARGS= runs them one after another.
PYTEST_ARGS ?= -n auto
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format bench demo migrate clean services-start services-stop

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Kith needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@ $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	@if $(PY) manage.py help load_demo >/dev/null 2>&1; then $(PY) manage.py load_demo; fi

## Serve Kith on http://127.0.0.1:$(PORT) with SQLite and demo data. A task worker
## (db_worker) and the scheduler (run_scheduled) run alongside and stop with it.
run: demo
	@$(PY) manage.py db_worker --no-reload --interval 2 --verbosity 0 & worker=$$!; \
	$(PY) manage.py run_scheduled & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## Run the whole test suite (PostgreSQL/Elasticsearch tests skip unless their URLs are set).
test: $(TEST_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(TEST_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Benchmarks print figures; they need the services (see scripts/services/).
bench: $(TEST_STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

services-start:
	bash scripts/services/postgres.sh start
	bash scripts/services/elasticsearch.sh start

services-stop:
	-bash scripts/services/elasticsearch.sh stop
	-bash scripts/services/postgres.sh stop

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
