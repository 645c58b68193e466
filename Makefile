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
.PHONY: help run install install-test migrate translations messages demo serve test lint typecheck \
        contracts pytest lock browser-deps clean demo-otp bench-pages bench-analytics bench-recs

help:
	@echo "make run    install, migrate, load the demo community, serve on http://$(HOST):$(PORT)"
	@echo "make test   install test tools, run the suite, ruff, mypy and import contracts"

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

serve: install
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# --- Quality --------------------------------------------------------------------------

# Browser tests drive Debian's chromium (never a downloaded browser). Installed when we
# are root with apt-get (CI, fresh machines); elsewhere the browser tests skip.
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium and CJK fonts for browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	else echo "chromium is not installed and apt-get is not available: browser tests will be skipped"; fi

test: install-test translations browser-deps
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
