# Lyceum — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_USERS ?= 200
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run install install-test migrate translations messages demo serve worker beat test lint typecheck \
        contracts pytest lock browser-deps system-deps clean demo-otp bench-pages bench-analytics bench-recs bench-web

help:
	@echo "make run    install, migrate, load the demo community, serve on http://$(HOST):$(PORT)"
	@echo "make test   install test tools, run the suite, ruff, mypy and import contracts"
	@echo "make serve  production: gunicorn on HOST:PORT (needs SECRET_KEY, ALLOWED_HOSTS); make worker / make beat run Celery"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.installed-base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.installed-test: requirements/test.txt $(VENV)/.installed-base
	$(BIN)/pip install --quiet -r requirements/test.txt
	@touch $@

install: $(VENV)/.installed-base
install-test: $(VENV)/.installed-test

translations: install
	$(BIN)/python manage.py compiletranslations

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --users $(DEMO_USERS)

# The server and, beside it, the periodic jobs (event reminders, order expiry, digests);
# production runs the same commands from Celery beat or cron instead.
run: install translations migrate demo
	@echo ""
	@echo "Lyceum is starting on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@$(BIN)/python manage.py run_jobs & jobs=$$!; trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

demo-otp: install
	@$(BIN)/python manage.py demo_otp

# --- Production (README "Production", docs/DEPLOY.md) -------------------------------------

# gunicorn with production settings (DEBUG=0): migrate, collect the static files (hashed names,
# compressed; WhiteNoise serves them with long-lived cache headers), then serve on HOST:PORT.
serve: install translations
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY in the environment (a long random string; see .env.example)" >&2; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "make serve: set ALLOWED_HOSTS in the environment (e.g. ALLOWED_HOSTS=lyceum.example.org)" >&2; exit 1; }
	DEBUG=$${DEBUG:-0} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-0} $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=$${DEBUG:-0} HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config deploy/gunicorn.conf.py

# Celery on the broker in CELERY_BROKER_URL: event handlers, e-mails and the periodic jobs
# (beat sends settings.LYCEUM_JOBS; run one beat only). WORKER_ARGS adds options, e.g. -c 4.
WORKER_ARGS ?=
worker: install
	@test -n "$$CELERY_BROKER_URL" || { echo "make worker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/2)" >&2; exit 1; }
	$(BIN)/celery -A config worker --loglevel=INFO $(WORKER_ARGS)

beat: install
	@test -n "$$CELERY_BROKER_URL" || { echo "make beat: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/2)" >&2; exit 1; }
	@mkdir -p "$${LYCEUM_VAR_DIR:-var}"
	$(BIN)/celery -A config beat --loglevel=INFO --schedule "$${LYCEUM_VAR_DIR:-var}/celerybeat-schedule"

# --- Quality --------------------------------------------------------------------------

# System packages from Debian, installed when we are root with apt-get (CI, fresh machines):
# chromium and CJK fonts for the browser tests, nginx for the loopback proxy test (deploy/nginx),
# wrk for `make bench-web`. Elsewhere the tests that need them skip with a reason.
SYSTEM_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji nginx-light wrk
system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing $(SYSTEM_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "chromium, nginx or wrk is missing and apt-get is not available: the tests that need them will be skipped"; fi

browser-deps: system-deps

test: install-test translations system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

pytest: install-test translations
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks print figures (docs/PERFORMANCE.md records them); they assert nothing.
bench-pages: install
	$(BIN)/python bench/pages.py

bench-analytics: install
	$(BIN)/python bench/analytics.py

# 100 000 learners x 2 000 courses x 3 000 000 enrollments: train_recommender's time and memory,
# /api/v1/me/recommendations latency (BENCH_LEARNERS, BENCH_COURSES, BENCH_INTERACTIONS change it).
bench-recs: install
	$(BIN)/python bench/recs.py

# The production stack (gunicorn, PostgreSQL, Redis) under wrk: 100 000 learners, 50 courses x 20
# lessons, 1 000 000 events, 50 000 threads; BENCH_ARGS="--scale 10" for ten times that.
# Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; local defaults).
BENCH_ARGS ?=
bench-web: install translations system-deps
	$(BIN)/python bench/web.py $(BENCH_ARGS)

# Re-extract translatable strings into locale/zh_Hans (needs xgettext from gettext).
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=e2e --ignore=bench --no-obsolete
	$(BIN)/python manage.py compiletranslations

# Re-pin every dependency from pyproject.toml into requirements/*.txt.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet .
	.lockenv/bin/pip freeze --exclude lyceum | sort -f > requirements/base.txt
	.lockenv/bin/pip install --quiet ".[test]"
	{ echo "-r base.txt"; .lockenv/bin/pip freeze --exclude lyceum | sort -f | grep -vxFf requirements/base.txt; } > requirements/test.txt
	rm -rf .lockenv build *.egg-info

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
