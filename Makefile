# Two commands for a newcomer: `make run` (demo district at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# Hash-pinned dependencies, generated from the ranges in pyproject.toml by `make lock`: lock.txt (runtime and
# the dev extra) for .venv and CI, lock-runtime.txt (the same pins, runtime only) for the Docker image.
LOCK := requirements/lock.txt
RUNTIME_LOCK := requirements/lock-runtime.txt
LOCK_TOOLS := var/lock-tools
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: install lock run test lint bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the lock changes. Only the locked files are installed, each checked against its hash. The
# project itself is not installed: it ships no package (`packages = []`), the code runs from the checkout, and
# building it would fetch setuptools unchecked.
$(VENV)/.installed: $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --requirement $(LOCK)
	touch $@

install: $(VENV)/.installed

$(LOCK_TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet "pip-tools>=7.5,<8"

# Regenerate both locks after changing the dependencies in pyproject.toml (needs the package index). Pins that
# still fit are kept; `make lock UPGRADE=1` moves every package to the newest version the ranges allow. The
# runtime lock starts from the full one, so both pin the same versions.
lock: $(LOCK_TOOLS)/bin/pip-compile
	$(PIP_COMPILE) $(if $(UPGRADE),--upgrade) --extra dev --output-file $(LOCK) pyproject.toml
	cp $(LOCK) $(RUNTIME_LOCK)
	$(PIP_COMPILE) --output-file $(RUNTIME_LOCK) pyproject.toml

# The demo logins (DESIGN.md) work with their password alone; set TWO_FACTOR_REQUIRED=true to try the code step.
run: export TWO_FACTOR_REQUIRED ?= false
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Starting web, Celery worker and beat: http://127.0.0.1:$(PORT)  (Ctrl+C stops all three)"
	$(BIN)/honcho start --procfile Procfile.dev --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# The suite runs in parallel (pytest-xdist, one process per CPU; each has its own test database), a test file in
# one process. `make test TEST_PROCESSES=0` runs it in one process.
TEST_PROCESSES ?= auto
test: lint
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

# The pages over real HTTP at factor 1 and 10 against PostgreSQL and Redis (bench/http.py; needs wrk and psql).
# `make bench BENCH_QUICK=1` is the short variant CI runs.
bench: install
	$(BIN)/python -m bench.http

# Refresh the German catalogue after changing interface strings, then translate the new entries.
messages: install
	$(BIN)/python manage.py makemessages --locale de --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages --locale de --ignore ".venv/*"

clean:
	rm -rf $(VENV) var
