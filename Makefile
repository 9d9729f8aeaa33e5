# Kith: the two commands a new user needs are `make run` and `make test`.
# Both work on a fresh machine with only Python 3.11 installed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Links in emails (and the site's name in sign-up emails) follow the port served on.
KITH_BASE_URL ?= http://127.0.0.1:$(PORT)
export KITH_BASE_URL
STAMP := $(VENV)/.installed
# Tests run on every core (pytest-xdist); PYTEST_ARGS= runs them one after another.
PYTEST_ARGS ?= -n auto
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint format bench demo migrate clean services-start services-stop mutation

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Kith needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The demo extra is Kith's fake Stripe (localstripe), which `make run` starts.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[demo]"
	@touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@ $(STAMP)

$(BENCH_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	@touch $@ $(TEST_STAMP) $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## Serve Kith on http://127.0.0.1:$(PORT) with SQLite and demo data. A task worker
## (db_worker), the scheduler (run_scheduled) and, unless STRIPE_SECRET_KEY is set,
## Kith's fake Stripe (kith/demo_stripe.py: test cards, no real money) run alongside
## and stop with it. Demo listing owners get a connected account on the fake Stripe in the
## background (connect_demo_payees), so card payment and payouts work in the demo.
run: demo
	@stripe_env=$$($(PY) -m kith.demo_stripe start) && eval "$$stripe_env"; \
	trap 'kill $$worker $$scheduler $$payees $$FAKE_STRIPE_PID 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py db_worker --no-reload --interval 2 --verbosity 0 & worker=$$!; \
	$(PY) manage.py run_scheduled & scheduler=$$!; \
	$(PY) manage.py connect_demo_payees & payees=$$!; \
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
bench: $(BENCH_STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

## Mutation testing of the money modules with mutmut ([tool.mutmut] in pyproject.toml lists
## the modules and the tests), then the share of mutants killed. Needs PostgreSQL
## (scripts/services/postgres.sh); its own database, kith_mutation, unless MUTATION_DATABASE_URL.
## MUTANTS='marketplace.ledger.*' runs only those mutants; MUTATION_CHILDREN mutants at a time
## (default 1); MUTATION_MIN=80 fails below 80% killed. MUTATION_SAMPLE=300 tests a random
## sample of 300 mutants instead of all ~3,100 (hours on two cores) and prints the estimate
## with its 95% confidence interval (scripts/mutation_sample.py).
MUTANTS ?=
MUTATION_CHILDREN ?= 1
MUTATION_MIN ?=
MUTATION_DATABASE_URL ?= $(shell bash scripts/services/postgres.sh url | sed 's,/kith$$,/kith_mutation,')
mutation: $(TEST_STAMP)
	@echo "== a fresh PostgreSQL test database, kept for every mutant's run"
	DATABASE_URL=$(MUTATION_DATABASE_URL) $(PY) -m pytest -p no:xdist -p no:cacheprovider \
		--create-db -q tests/test_services.py::test_database_is_real_postgresql_when_database_url_is_set
ifdef MUTATION_SAMPLE
	DATABASE_URL=$(MUTATION_DATABASE_URL) $(PY) scripts/mutation_sample.py --size $(MUTATION_SAMPLE) \
		--children $(MUTATION_CHILDREN) $(if $(MUTATION_MIN),--min $(MUTATION_MIN))
else
	$(PY) scripts/mutation_sample.py --refresh-only
	DATABASE_URL=$(MUTATION_DATABASE_URL) $(VENV)/bin/mutmut run \
		--max-children $(MUTATION_CHILDREN) $(foreach m,$(MUTANTS),'$(m)')
	$(PY) scripts/mutation_score.py $(if $(MUTATION_MIN),--min $(MUTATION_MIN))
endif

services-start:
	bash scripts/services/postgres.sh start
	bash scripts/services/elasticsearch.sh start
	-bash scripts/services/stripe-mock.sh start   # needs Go 1.22+; optional locally

services-stop:
	-bash scripts/services/stripe-mock.sh stop
	-bash scripts/services/elasticsearch.sh stop
	-bash scripts/services/postgres.sh stop

clean:
	rm -rf $(VENV) staticfiles .pytest_cache mutants
