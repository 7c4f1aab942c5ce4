# The entry point: `make run` serves the demo hub, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
STRIPE_PORT ?= 8420
# the local stand-in of the URSSAF « API Tiers de prestation » (avance immédiate), unless URSSAF_API_BASE is set
URSSAF_PORT ?= 8430
# xdist workers for the suite (2 cores on the reference machine); PYTEST_ARGS adds options.
TEST_WORKERS ?= 2
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install install-dev run serve migrate seed test test-fast lint format bench messages clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.demo-installed: requirements/demo.txt requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/demo.txt
	touch $(VENV)/.base-installed $@

$(VENV)/.dev-installed: requirements/dev.txt requirements/demo.txt requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $(VENV)/.base-installed $(VENV)/.demo-installed $@

install: $(VENV)/.demo-installed ## Create .venv and install the runtime packages (and the demo's fake Stripe)

install-dev: $(VENV)/.dev-installed ## Install the runtime, test and lint packages

migrate: install ## Apply the migrations (SQLite unless DATABASE_URL is set)
	$(MANAGE) migrate --noinput -v 0 && echo "Base de données à jour."

seed: migrate ## Load the demo hub (idempotent)
	$(MANAGE) seed_demo

run: seed ## Set everything up and serve the demo hub on http://127.0.0.1:8000
	@echo ""
	@urssaf_pid=; if [ -z "$$URSSAF_API_BASE" ]; then \
	  $(BIN)/python -m devtools.urssaf_server --port $(URSSAF_PORT) > .urssaf.log 2>&1 & \
	  urssaf_pid=$$!; trap 'kill $$urssaf_pid 2>/dev/null' EXIT INT TERM; \
	  export URSSAF_API_BASE=http://127.0.0.1:$(URSSAF_PORT); \
	  $(BIN)/python -c "from devtools.urssaf_server import wait_until_ready; wait_until_ready('$$URSSAF_API_BASE')" || exit 1; \
	  echo "Serveur URSSAF de démonstration (avance immédiate) : $$URSSAF_API_BASE"; \
	fi; \
	if [ -n "$$STRIPE_SECRET_KEY" ]; then \
	  echo "Clés Stripe fournies : le vrai Stripe est utilisé."; \
	  echo "Le pôle de démonstration est servi sur http://$(HOST):$(PORT)/ (Ctrl-C pour arrêter)."; \
	  $(MANAGE) runserver $(HOST):$(PORT); exit $$?; \
	fi; \
	$(BIN)/python -m devtools.localstripe_server --port $(STRIPE_PORT) > .localstripe.log 2>&1 & \
	stripe_pid=$$!; trap 'kill $$stripe_pid $$urssaf_pid 2>/dev/null' EXIT INT TERM; \
	export STRIPE_API_BASE=http://127.0.0.1:$(STRIPE_PORT) STRIPE_SECRET_KEY=sk_test_demo \
	  STRIPE_PUBLISHABLE_KEY=pk_test_demo STRIPE_WEBHOOK_SECRET=whsec_demo \
	  STRIPE_JS_URL=http://127.0.0.1:$(STRIPE_PORT)/js.stripe.com/v3/ SITE_URL=http://$(HOST):$(PORT); \
	$(BIN)/python -c "from devtools.localstripe_server import wait_until_ready; wait_until_ready('http://127.0.0.1:$(STRIPE_PORT)')" && \
	$(MANAGE) setup_demo_stripe && \
	echo "Le pôle de démonstration est servi sur http://$(HOST):$(PORT)/ (Ctrl-C pour arrêter)." && \
	$(MANAGE) runserver $(HOST):$(PORT)

serve: install ## Production run (gunicorn, Celery worker and beat via honcho); needs the env of docs/deploy.md
	@for v in DJANGO_SECRET_KEY DATABASE_URL CELERY_BROKER_URL; do \
	  [ -n "$${!v}" ] || { echo "make serve : définissez $$v (voir docs/deploy.md)"; exit 2; }; done
	export DJANGO_SETTINGS_MODULE=config.settings.base PATH="$(CURDIR)/$(BIN):$$PATH"; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) collectstatic --noinput -v 0 && \
	exec honcho start -f Procfile

test: install-dev ## Run the whole suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev ## ruff check, ruff format --check, import-linter, makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run

format: install-dev ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCHES := bench.catalogue bench.fec_export bench.deliveries bench.planner bench.settlement bench.load bench.bank_matching

bench: install-dev ## Run the benchmarks (they need DATABASE_URL on PostgreSQL, and wrk for the catalogue)
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make bench : définissez DATABASE_URL=postgres://… (PostgreSQL)"; exit 2;; esac
	@for script in $(BENCHES); do echo "== $$script"; $(BIN)/python -m $$script || exit 1; done

messages: install-dev ## Extract and compile the translations (needs GNU gettext)
	$(MANAGE) makemessages --locale en --ignore '.venv/*' --ignore 'staticfiles/*'
	$(MANAGE) compilemessages --ignore '.venv/*'

clean: ## Remove the venv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 staticfiles
