# The two commands of README.md: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format messages vendor bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Cannot create $(VENV): on Debian, apt install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	@# The repository on sys.path, so that plain `pytest` finds the tests' plugin too.
	$(BIN)/python -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "referral-portal-root.pth").write_text("$(CURDIR)\n")'
	@touch $(STAMP)

# Web server, Celery worker and Celery beat together, on SQLite and the filesystem
# broker under var/ unless DATABASE_URL and REDIS_URL name PostgreSQL and Redis.
run: export DEBUG ?= 1
run: export PORTAL_ADDR := $(HOST):$(PORT)
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --at-least 300
	@echo "Portal: http://$(PORTAL_ADDR)/  (stop with Ctrl-C)"
	PATH="$(BIN):$$PATH" $(BIN)/honcho start --procfile Procfile

# The whole suite, one pytest process per core (TEST_PROCESSES=0: in this process alone).
# PostgreSQL and Redis are used when they answer (skipped tests say so); REQUIRE_SERVICES=1
# turns a missing service into a failure.
TEST_PROCESSES ?= auto
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The staff queue and case page, then the public request form and its submission, under
# load at a million cases (PostgreSQL, gunicorn, wrk), beside two reference views; see
# bench/README.md. Never part of `make test`.
# Options: make bench BENCH_ARGS="--cases 100000 --duration 10" (both benchmarks);
# PUBLIC_BENCH_ARGS="--clients 16" replaces BENCH_ARGS for the public one only.
PUBLIC_BENCH_ARGS ?= $(BENCH_ARGS)
# Then the SLA sweep over a million deadlines and email delivery by one Celery worker (Redis
# database 12, a local aiosmtpd); they take --cases and leave the load options to the others.
# SLA_BENCH_ARGS="--due-share 0.02" and DELIVERY_BENCH_ARGS="--concurrency 2 1" replace
# BENCH_ARGS for each.
SLA_BENCH_ARGS ?= $(BENCH_ARGS)
DELIVERY_BENCH_ARGS ?= $(BENCH_ARGS)
# Then every dashboard page served to its readers and computed from the cases, and the
# Celery refresh of the dashboards' snapshots; DASHBOARD_BENCH_ARGS="--runs 10".
DASHBOARD_BENCH_ARGS ?= $(BENCH_ARGS)
# Then the REST API and Open311 at a million cases (bench/api.py); API_BENCH_ARGS.
API_BENCH_ARGS ?= $(BENCH_ARGS)
# Then the dashboards' refresh on a streaming replica of a primary of its own while
# requests are written (bench/replica.py, var/bench/replica); REPLICA_BENCH_ARGS.
REPLICA_BENCH_ARGS ?= $(BENCH_ARGS)
# Then a staff sign-in, hash, POST and landing page (bench/sign_in.py, own SQLite database),
# what checking an uploaded picture or PDF costs (bench/uploads.py; no database), and last
# a burst of 1,000 Traffy Fondue webhooks (bench/traffy_burst.py, own database).
bench: $(STAMP)
	$(BIN)/python bench/staff_pages.py $(BENCH_ARGS)
	$(BIN)/python bench/public_submit.py $(PUBLIC_BENCH_ARGS)
	$(BIN)/python bench/sla_sweep.py $(SLA_BENCH_ARGS)
	$(BIN)/python bench/delivery.py $(DELIVERY_BENCH_ARGS)
	$(BIN)/python bench/dashboards.py $(DASHBOARD_BENCH_ARGS)
	$(BIN)/python bench/api.py $(API_BENCH_ARGS)
	$(BIN)/python bench/replica.py $(REPLICA_BENCH_ARGS)
	$(BIN)/python bench/sign_in.py
	$(BIN)/python bench/uploads.py
	$(BIN)/python bench/traffy_burst.py

# Extract translatable strings into locale/th and compile them (needs Debian's gettext).
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages --locale th --no-obsolete --ignore '$(VENV)/*' --ignore 'node_modules/*' --ignore 'var/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages --locale th --ignore '$(VENV)/*'

# Copy the npm packages pinned in package.json into static/vendor (committed).
vendor:
	./scripts/vendor_static.sh

clean:
	rm -rf $(VENV) var staticfiles node_modules .pytest_cache .ruff_cache
